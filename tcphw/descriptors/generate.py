"""Synthetic corpora: valid descriptors and the corruptions a real link or a buggy producer makes.

Everything is vectorised with numpy so a 10-million-descriptor corpus takes seconds, and
the same seed always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tcphw.contract import (
    CAPABILITY_MASK,
    CRC_COVERED_BYTES,
    DESCRIPTOR_SIZE,
    FIELD,
    MAGIC,
    RESERVED_MASK,
    VERSION,
    Risk,
    command_hash,
)

from . import Descriptors
from .crc_tables import crc16_rows

# What each kind of descriptor is. Corruptions that keep a valid CRC test the other checks in isolation.
KINDS: dict[str, str] = {
    "valid": "well-formed descriptor for a real command name",
    "bitflip": "valid descriptor with one bit flipped anywhere (noise on the wire)",
    "burst": "valid descriptor with a burst of 2-16 adjacent bits flipped",
    "junk": "24 uniformly random bytes",
    "misaligned": "a 24-byte window starting 1-23 bytes into two valid descriptors (lost framing)",
    "badmagic": "wrong magic (an older protocol or another format), CRC recomputed",
    "badversion": "wrong version field, CRC recomputed",
    "badrisk": "zero or several risk bits, CRC recomputed",
    "reserved": "a reserved flag bit set, CRC recomputed",
    "sealed": "random hash, flags, estimates and name length with the right magic, version and CRC "
    "(every bit position exercised under a matching CRC)",
}
DEFAULT_MIX: dict[str, float] = {
    "valid": 0.60,
    "bitflip": 0.08,
    "burst": 0.04,
    "junk": 0.04,
    "misaligned": 0.04,
    "badmagic": 0.05,
    "badversion": 0.05,
    "badrisk": 0.05,
    "reserved": 0.05,
    "sealed": 0.0,  # off by default: its flags are mostly invalid, unlike a real corpus
}

# Real command names give realistic hashes and name lengths.
COMMAND_NAMES = tuple(
    (
        "ls cat grep find sed awk sort uniq head tail wc cut tr xargs echo printf date env which file "
        "stat du df ps top free uname hostname id whoami pwd basename dirname readlink realpath tee diff "
        "cmp comm join paste split md5sum sha256sum base64 od hexdump strings less more man git make gcc "
        "python3 pip node npm tar gzip gunzip zip unzip bzip2 xz curl wget ssh scp rsync ping dig nc "
        "netstat ss ip ifconfig mount umount cp mv ln mkdir rmdir touch chmod chown chgrp rm shred dd "
        "mkfs fdisk parted kill killall pkill sudo su passwd useradd userdel systemctl shutdown reboot "
        "crontab at iptables apt-get dpkg docker kubectl terraform openssl gpg jq yq vim nano"
    ).split()
)
_RISK_WEIGHTS = {Risk.SAFE: 0.35, Risk.LOW_RISK: 0.25, Risk.MEDIUM_RISK: 0.2, Risk.HIGH_RISK: 0.12, Risk.CRITICAL: 0.08}


def parse_mix(text: str | None) -> dict[str, float]:
    """Parse ``valid=0.7,bitflip=0.2,junk=0.1`` into normalised weights; raise ValueError naming the problem."""
    if not text:
        return dict(DEFAULT_MIX)
    weights: dict[str, float] = {}
    for part in text.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            raise ValueError(f"mix entry {part!r} is not KIND=WEIGHT")
        if key not in KINDS:
            raise ValueError(f"unknown corpus kind {key!r}; known: {', '.join(KINDS)}")
        try:
            w = float(value)
        except ValueError:
            raise ValueError(f"weight for {key!r} is not a number: {value!r}") from None
        if not w >= 0 or w == float("inf"):
            raise ValueError(f"weight for {key!r} must be a finite number >= 0, got {value!r}")
        weights[key] = weights.get(key, 0.0) + w
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("mix weights sum to zero")
    return {k: w / total for k, w in weights.items()}


def _put_be(out: Descriptors, field: str, values: np.ndarray) -> None:
    f = FIELD[field]
    be = values.astype(f">u{f.size}")
    out[:, f.slice()] = be.view(np.uint8).reshape(-1, f.size)


def _get_be(rows: Descriptors, field: str) -> np.ndarray:
    f = FIELD[field]
    return np.ascontiguousarray(rows[:, f.slice()]).view(f">u{f.size}").ravel().astype(np.int64)


def _seal(rows: Descriptors) -> None:
    """(Re)compute the CRC so only the intended corruption remains."""
    _put_be(rows, "crc", crc16_rows(rows[:, :CRC_COVERED_BYTES]))


def valid_descriptors(rng: np.random.Generator, n: int) -> Descriptors:
    out = np.zeros((n, DESCRIPTOR_SIZE), dtype=np.uint8)
    out[:, FIELD["magic"].slice()] = np.frombuffer(MAGIC, dtype=np.uint8)
    _put_be(out, "version", np.full(n, VERSION))
    names = rng.integers(0, len(COMMAND_NAMES), n)
    hashes = np.array([command_hash(c) for c in COMMAND_NAMES], dtype=np.uint32)
    lengths = np.array([len(c.encode()) for c in COMMAND_NAMES], dtype=np.uint16)
    _put_be(out, "command_hash", hashes[names])
    _put_be(out, "name_length", lengths[names])
    risks = rng.choice(np.array([int(r) for r in _RISK_WEIGHTS]), n, p=list(_RISK_WEIGHTS.values()))
    caps = rng.integers(0, 1 << 32, n, dtype=np.uint64) & CAPABILITY_MASK
    vendor = np.where(rng.random(n) < 0.1, rng.integers(0, 1 << 16, n, dtype=np.uint64) << 16, 0)
    _put_be(out, "flags", (np.uint64(1) << risks.astype(np.uint64)) | caps | vendor.astype(np.uint64))
    # Log-uniform estimates; some saturate at 0xFFFF like a real long-running tool would.
    for field, hi in (("exec_time_ms", 6.0), ("memory_mb", 5.0), ("output_kb", 5.0)):
        _put_be(out, field, np.minimum(10 ** rng.uniform(0, hi, n), 0xFFFF).astype(np.uint32))
    _seal(out)
    return out


def _flip_bits(rng: np.random.Generator, rows: Descriptors, lengths: np.ndarray) -> None:
    """Flip ``lengths[k]`` adjacent bits at a random position in row k."""
    nbits = DESCRIPTOR_SIZE * 8
    starts = rng.integers(0, nbits - lengths + 1)
    bits = np.unpackbits(rows, axis=1)
    for k in range(int(lengths.max(initial=0))):
        sel = k < lengths
        idx = np.nonzero(sel)[0]
        bits[idx, starts[sel] + k] ^= 1
    rows[:] = np.packbits(bits, axis=1)


def corrupt(rng: np.random.Generator, kind: str, rows: Descriptors) -> None:
    """Apply corruption ``kind`` in place to valid ``rows``."""
    n = len(rows)
    if kind == "valid" or n == 0:
        return
    if kind == "bitflip":
        _flip_bits(rng, rows, np.ones(n, dtype=np.int64))
    elif kind == "burst":
        _flip_bits(rng, rows, rng.integers(2, 17, n))
    elif kind == "junk":
        rows[:] = rng.integers(0, 256, rows.shape, dtype=np.uint8)
    elif kind == "misaligned":
        pairs = np.concatenate([rows, valid_descriptors(rng, n)], axis=1)
        shift = rng.integers(1, DESCRIPTOR_SIZE, n)
        idx = shift[:, None] + np.arange(DESCRIPTOR_SIZE)[None, :]
        rows[:] = np.take_along_axis(pairs, idx, axis=1)
    elif kind == "badmagic":
        bad = rng.integers(0, 256, (n, 4), dtype=np.uint8)
        bad[: n // 2] = np.frombuffer(b"TCP\x01", dtype=np.uint8)  # the previous protocol version
        same = (bad == np.frombuffer(MAGIC, dtype=np.uint8)).all(axis=1)
        bad[same, 3] ^= 0xFF
        rows[:, FIELD["magic"].slice()] = bad
        _seal(rows)
    elif kind == "badversion":
        v = rng.integers(0, 1 << 16, n)
        v[v == VERSION] = VERSION + 1
        _put_be(rows, "version", v)
        _seal(rows)
    elif kind == "badrisk":
        flags = _get_be(rows, "flags") & ~0x1F
        risk = rng.integers(0, 32, n)
        single = (risk != 0) & ((risk & (risk - 1)) == 0)
        risk[single] |= 1 << ((np.log2(np.maximum(risk[single], 1)).astype(np.int64) + 1) % 5)
        _put_be(rows, "flags", flags | risk)
        _seal(rows)
    elif kind == "reserved":
        reserved_bits = np.array([b for b in range(32) if RESERVED_MASK >> b & 1])
        flags = _get_be(rows, "flags") | (1 << rng.choice(reserved_bits, n))
        _put_be(rows, "flags", flags)
        _seal(rows)
    elif kind == "sealed":
        prefix = FIELD["version"].end
        rows[:, prefix:] = rng.integers(0, 256, (n, DESCRIPTOR_SIZE - prefix), dtype=np.uint8)
        _seal(rows)
    else:
        raise ValueError(f"unknown corpus kind {kind!r}")


# Peak memory of generate() per descriptor (measured with tracemalloc on 2M: 80 bytes), with headroom.
PEAK_BYTES_PER_DESCRIPTOR = 96


def available_memory() -> int | None:
    """Bytes the kernel says a new allocation can have without swapping (Linux), else None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def check_fits(count: int) -> None:
    """Refuse, before any work, a corpus whose generation would not fit in memory; say what fits."""
    available = available_memory()
    need = count * PEAK_BYTES_PER_DESCRIPTOR
    if available is not None and need > available:
        fits = available // PEAK_BYTES_PER_DESCRIPTOR
        raise ValueError(
            f"--count {count:,} needs about {need / 2**30:.1f} GiB to generate, and {available / 2**30:.1f} GiB "
            f"is available; at most about {fits:,} descriptors fit (generate several corpora and concatenate them)"
        )


def generate(count: int, seed: int = 0, mix: Mapping[str, float] | None = None) -> tuple[Descriptors, np.ndarray]:
    """Return ``(descriptors, kind_index)``; ``kind_index[i]`` indexes ``list(KINDS)``."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    weights = dict(DEFAULT_MIX if mix is None else mix)
    rng = np.random.default_rng(seed)
    kind_names = list(KINDS)
    probs = np.array([weights.get(k, 0.0) for k in kind_names])
    kinds = rng.choice(len(kind_names), count, p=probs / probs.sum())
    out = valid_descriptors(rng, count)
    for k, name in enumerate(kind_names):
        idx = np.nonzero(kinds == k)[0]
        if len(idx):
            rows = out[idx]
            corrupt(rng, name, rows)
            out[idx] = rows
    return out, kinds

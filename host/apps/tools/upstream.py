"""The upstream TCP knowledge base (samscarrow/tool-capability-protocol, ``tcp-knowledge-base/``),
read, checked against its own format, and converted to contract v2.

Two files hold the same descriptors: ``binaries/tcp_export.json`` (``commands``: name -> risk label,
capabilities, ``binary_hex``; a JSON object, or in some snapshots a Python-literal string) and
``binaries/tcp_complete.db`` (``TCPDB\\x02``, u32 count, u64 timestamp, u32 index size; entries of a
u16 name length, the name and 24 bytes; then an index of names and u64 offsets; big-endian).

Their 24 bytes differ from the contract (from the upstream generator, ``generate_complete_binary_db.py``):

| bytes | upstream | contract v2 |
|---|---|---|
| 0-3 | magic ``TCP\\x02`` | the same |
| 4-5 | version 2 | the same |
| 6-9 | MD5(name)[:4] | the same |
| 10-13 | flags: risk bits 0-4 as ours; capabilities in bits 8-13 (``FLAG_MAP``) | risk 0-4; capabilities 6-11 |
| 14-17 | execution time, u32 ms | 14-15 execution time u16 ms (saturated), 16-17 memory |
| 18-19 | memory, MB | output, KB |
| 20-21 | output, KB | name length |
| 22-23 | 16-bit byte sum of bytes 0-21 | CRC-16 |

An entry is checked against its own format first (length, magic, version, byte-sum checksum, and that its
hash is MD5 of its name); one that fails is reported by name with the reason and not imported, never
repaired. UNKNOWN (no risk bit) is not a TCP level: it is imported as HIGH_RISK (approval required), and marked.
"""

from __future__ import annotations

import ast
import hashlib
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tcphw.contract import DESCRIPTOR_SIZE, MAGIC, Descriptor, Flag, Risk

DB_MAGIC = b"TCPDB\x02"
_DB_HEADER = struct.Struct(">6sIQI")  # magic, count, timestamp, index size
_UPSTREAM = struct.Struct(">4sH4sIIHHH")  # magic, version, hash, flags, exec_ms, memory, output, checksum

# Upstream capability bit -> contract flag; bits with no contract meaning are dropped and counted.
FLAG_MAP: dict[int, Flag | None] = {
    0x0100: Flag.FILE_MODIFICATION,
    0x0200: Flag.NETWORK_ACCESS,
    0x0400: Flag.REQUIRES_ROOT,
    0x0800: Flag.DESTRUCTIVE,
    0x1000: Flag.SYSTEM_MODIFICATION,
    0x2000: None,  # PROCESS_CONTROL: no contract flag
}
UNKNOWN_AS = Risk.HIGH_RISK


class UpstreamError(ValueError):
    """The file as a whole cannot be read as either upstream format."""


@dataclass(frozen=True)
class Entry:
    name: str
    raw: bytes
    label: str | None  # the JSON's risk label; the .db has none beyond the risk bits


@dataclass(frozen=True)
class Converted:
    name: str
    descriptor: bytes
    risk: Risk
    upstream_risk: str
    unknown: bool
    capabilities: int
    dropped_bits: tuple[str, ...]
    exec_time_saturated: bool


@dataclass
class ImportReport:
    path: str
    format: str  # "json" or "db"
    converted: list[Converted] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)

    def summary(self) -> dict[str, Any]:
        dropped: dict[str, int] = {}
        for c in self.converted:
            for bit in c.dropped_bits:
                dropped[bit] = dropped.get(bit, 0) + 1
        risks: dict[str, int] = {}
        for c in self.converted:
            risks[c.upstream_risk] = risks.get(c.upstream_risk, 0) + 1
        return {
            "file": self.path,
            "format": self.format,
            "imported": len(self.converted),
            "rejected": [{"name": n, "reason": r} for n, r in self.rejected],
            "upstream_risks": risks,
            "unknown_imported_as": UNKNOWN_AS.name,
            "dropped_flag_bits": dropped,
            "exec_time_saturated": sum(c.exec_time_saturated for c in self.converted),
        }


def read(path: Path) -> tuple[str, list[Entry]]:
    """(format, entries) of either upstream file, told apart by content, never by name."""
    if path.is_dir():
        raise UpstreamError(f"{path}: is a directory; give tcp_export.json or tcp_complete.db")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UpstreamError(f"{path}: cannot read ({e.strerror})") from None
    if not data:
        raise UpstreamError(f"{path}: file is empty")
    if data.startswith(DB_MAGIC):
        return "db", read_db(data, path)
    if data.lstrip()[:1] == b"{":
        return "json", read_json(data, path)
    raise UpstreamError(f"{path}: neither format: no {DB_MAGIC!r} magic and not a JSON object")


def read_db(data: bytes, path: Path) -> list[Entry]:
    if len(data) < _DB_HEADER.size:
        raise UpstreamError(f"{path}: truncated: {len(data)} bytes, the header alone is {_DB_HEADER.size}")
    _, count, _, index_size = _DB_HEADER.unpack_from(data)
    at = _DB_HEADER.size
    entries = []
    for i in range(count):
        if at + 2 > len(data):
            raise UpstreamError(f"{path}: truncated in entry {i + 1} of {count} (at byte {at})")
        (n,) = struct.unpack_from(">H", data, at)
        end = at + 2 + n + DESCRIPTOR_SIZE
        if end > len(data):
            raise UpstreamError(f"{path}: truncated in entry {i + 1} of {count} (needs {end} bytes, has {len(data)})")
        try:
            name = data[at + 2 : at + 2 + n].decode("utf-8")
        except UnicodeDecodeError:
            raise UpstreamError(f"{path}: entry {i + 1} has a name that is not UTF-8 (at byte {at})") from None
        entries.append(Entry(name, data[at + 2 + n : end], None))
        at = end
    if len(data) - at != index_size:
        raise UpstreamError(
            f"{path}: the header promises an index of {index_size} bytes after {count} entries, "
            f"but {len(data) - at} bytes follow: truncated or not this format"
        )
    return entries


def read_json(data: bytes, path: Path) -> list[Entry]:
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise UpstreamError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(doc, dict) or "commands" not in doc:
        raise UpstreamError(f"{path}: a JSON export needs a 'commands' object")
    commands = doc["commands"]
    if isinstance(commands, str):  # some snapshots store it as a Python literal
        try:
            commands = ast.literal_eval(commands)
        except (ValueError, SyntaxError) as e:
            raise UpstreamError(f"{path}: 'commands' is a string that is not a Python literal ({e})") from None
    if not isinstance(commands, dict):
        raise UpstreamError(f"{path}: 'commands' must map names to entries")
    entries = []
    for name, entry in commands.items():
        if not isinstance(entry, dict):
            entries.append(Entry(str(name), b"", None))
            continue
        try:
            raw = bytes.fromhex(str(entry.get("binary_hex", "")))
        except ValueError:
            raw = b""
        entries.append(Entry(str(name), raw, str(entry["risk"]) if "risk" in entry else None))
    return entries


def _risk_of(flags: int) -> Risk | None:
    bits = [r for r in Risk if flags & r.flag]
    return bits[0] if len(bits) == 1 else None


def check(entry: Entry) -> str | None:
    """Why the entry fails its own format, or None."""
    raw = entry.raw
    if len(raw) != DESCRIPTOR_SIZE:
        return f"{len(raw)} bytes, not {DESCRIPTOR_SIZE}"
    magic, version, hash4, flags, _, _, _, checksum = _UPSTREAM.unpack(raw)
    if magic != MAGIC:
        return f"magic {magic.hex()} is not {MAGIC.hex()}"
    if version != 2:
        return f"version {version} is not 2"
    if sum(raw[:22]) & 0xFFFF != checksum:
        return f"byte-sum checksum 0x{checksum:04X} does not match 0x{sum(raw[:22]) & 0xFFFF:04X}"
    if hashlib.md5(entry.name.encode("utf-8")).digest()[:4] != hash4:
        return f"command hash {hash4.hex()} is not MD5 of the name {entry.name!r}"
    risk_bits = flags & 0x1F
    if risk_bits and _risk_of(flags) is None:
        return f"several risk bits set (0x{risk_bits:02X})"
    if entry.label is not None and entry.label != "UNKNOWN":
        if entry.label not in Risk.__members__:
            return f"risk label {entry.label!r} is not a TCP level"
        if Risk[entry.label].flag != risk_bits:
            return f"risk label {entry.label} disagrees with the risk bits 0x{risk_bits:02X}"
    return None


def convert(entry: Entry) -> Converted:
    """The contract v2 descriptor for an entry that passed ``check``."""
    _, _, _, flags, exec_ms, memory, output, _ = _UPSTREAM.unpack(entry.raw)
    risk = _risk_of(flags)
    caps = 0
    dropped = []
    for bit, flag in FLAG_MAP.items():
        if flags & bit:
            if flag is None:
                dropped.append("PROCESS_CONTROL")
            else:
                caps |= int(flag)
    unknown_bits = flags & ~0x1F & ~sum(FLAG_MAP)
    if unknown_bits:
        dropped.append(f"0x{unknown_bits:08X}")
    upstream = risk.name if risk is not None else "UNKNOWN"  # SAFE is 0: never test it for truth
    final = risk if risk is not None else UNKNOWN_AS
    d = Descriptor.for_command(
        entry.name, final, caps, exec_time_ms=exec_ms, memory_mb=memory, output_kb=output
    ).encode()
    return Converted(entry.name, d, final, upstream, risk is None, caps, tuple(dropped), exec_ms > 0xFFFF)


def import_file(path: Path) -> ImportReport:
    fmt, entries = read(path)
    report = ImportReport(str(path), fmt)
    seen: set[str] = set()
    for entry in sorted(entries, key=lambda e: e.name):  # one order (the .db's) whichever file is read
        if entry.name in seen:
            report.rejected.append((entry.name, "appears twice"))
            continue
        seen.add(entry.name)
        why = check(entry)
        if why:
            report.rejected.append((entry.name, why))
        else:
            report.converted.append(convert(entry))
    return report

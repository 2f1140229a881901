"""The gateware ID: a hash of what is built, so a host can tell a stale bitstream by its HELLO.

It hashes the design parameters (which include the protocol version) and the elaborated board
top as RTLIL, built with a placeholder where the ID itself goes (the ID is part of the HELLO the
gateware answers with). So a comment edit changes nothing, and any change to the logic, in any
module, changes the ID; no list of source files is kept by hand. Elaborating takes about a
second, so IDs are remembered per process and in the user cache, keyed by a digest of the
gateware's sources: a stale cache entry can only cost a recompute, never a wrong ID.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tcphw import contract
from tcphw.contract import GATEWARE_ID_SIZE
from tcphw.paths import cache_dir

PLACEHOLDER = bytes(GATEWARE_ID_SIZE)


def design_digest(parameters: dict[str, Any], design: Callable[[], Any]) -> bytes:
    """The ID of ``design()`` (an Amaranth elaboratable built with ``PLACEHOLDER`` as its ID)."""
    from amaranth.back import rtlil

    digest = hashlib.sha256()
    digest.update(json.dumps(parameters, sort_keys=True).encode() + b"\0")
    digest.update(rtlil.convert(design(), name="tcphw_identity", emit_src=False).encode())
    return digest.digest()[:GATEWARE_ID_SIZE]


@functools.cache
def sources_key() -> str:
    """A digest of every gateware source and the contract: the disk cache's key, not the ID."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in [*sorted(here.rglob("*.py")), *sorted(Path(contract.__file__).resolve().parent.rglob("*.py"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def gateware_id(parameters: dict[str, Any], design: Callable[[], Any]) -> bytes:
    key = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode()).hexdigest()[:24]
    path = cache_dir("gateware-id", sources_key(), f"{key}.hex")
    try:
        cached = bytes.fromhex(path.read_text().strip())
        if len(cached) == GATEWARE_ID_SIZE:
            return cached
    except (OSError, ValueError):
        pass
    value = design_digest(parameters, design)
    try:  # best effort: an unwritable cache only costs the next process a recompute
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{id(value)}.tmp")
        tmp.write_text(value.hex() + "\n")
        tmp.replace(path)
    except OSError:
        pass
    return value

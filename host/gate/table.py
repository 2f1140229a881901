"""The gate's own registry entries: one descriptor per subcommand ("git push"), per shell builtin
("builtin cd"), and per program the tables know, for a machine whose scan has not seen it.

A subcommand has its own risk and its own command hash (MD5 of "git push"), so the hardware validates the
descriptor a decision rests on, subcommand or not. The entries are derived from the tables in
``tcphw.host.gate.programs``; their digest says when a registry holds entries of an older table.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tcphw.contract import Descriptor, Flag, Risk


@dataclass(frozen=True)
class Entry:
    """One descriptor the gate can rest a decision on."""

    key: str
    risk: str
    descriptor: bytes
    source: str  # "scanned", "imported", "gate table"
    reason: str


_CAPS = {
    Risk.SAFE: 0,
    Risk.LOW_RISK: int(Flag.FILE_MODIFICATION),
    Risk.MEDIUM_RISK: int(Flag.FILE_MODIFICATION),
    Risk.HIGH_RISK: int(Flag.FILE_MODIFICATION | Flag.SYSTEM_MODIFICATION),
    Risk.CRITICAL: int(Flag.FILE_MODIFICATION | Flag.SYSTEM_MODIFICATION | Flag.DESTRUCTIVE),
}


def _entry(key: str, risk: Risk, reason: str) -> Entry:
    d = Descriptor.for_command(key, risk, _CAPS[risk])
    return Entry(key, risk.name, d.encode(), "gate table", reason)


@lru_cache(maxsize=1)
def specs() -> dict[str, tuple[Risk, str]]:
    """Every entry of the gate's table as (risk, reason), by key: what the descriptors are made from."""
    # load-time: every program handler; of this module, only building the table needs them
    from tcphw.host.gate.analyse import builtin_names, handled_programs
    from tcphw.host.gate.programs import builtins, containers, git, packages, system

    out: dict[str, tuple[Risk, str]] = {}
    for module in (git, packages, containers, system):
        out.update(module.descriptors())
    for name in builtin_names():
        out[f"builtin {name}"] = builtins.BUILTINS.get(name, (Risk.MEDIUM_RISK, "a shell builtin"))
    # A program the tables judge by its arguments, where the machine's scan has not registered it: the
    # command would fail to start, but the line is still judged the same on every machine.
    for name in handled_programs():
        out.setdefault(name, (Risk.MEDIUM_RISK, "known to the gate's tables; not found by a scan here"))
    return out


@lru_cache(maxsize=1)
def entries() -> dict[str, Entry]:
    """Every entry of the gate's table, by key, with its encoded descriptor (1,700 encodings: only when a
    registry lacks this version of the table)."""
    return {key: _entry(key, risk, reason) for key, (risk, reason) in specs().items()}


@lru_cache(maxsize=1)
def digest() -> str:
    """A digest of the table: it changes whenever an entry's key, risk, reason or the descriptor encoding does.
    Computed from the specs, so a gate whose registry holds this version never encodes the table itself."""
    h = hashlib.sha256()
    sample = _entry("git push", Risk.HIGH_RISK, "").descriptor  # the encoding, as a canary of the contract
    h.update(sample.hex().encode())
    for key, (risk, reason) in sorted(specs().items()):
        h.update(f"{key}\0{risk.name}\0{_CAPS[risk]}\0{reason}\n".encode())
    return h.hexdigest()[:16]


def sync(registry: Any) -> bool:
    """Write the table's entries into a registry whose copy is missing or older; True if it wrote them."""
    if registry.commands_digest() == digest():
        return False
    registry.put_commands(((e.key, e.risk, e.reason, e.descriptor) for e in entries().values()), digest())
    return True


def from_registry(registry: Any) -> dict[str, Entry] | None:
    """The table as the registry holds it, when the registry's copy is this version's; else None."""
    if registry.commands_digest() != digest():
        return None
    rows = registry.db.execute("SELECT key, risk, reason, descriptor FROM commands")
    return {k: Entry(k, risk, bytes(d), "registry", reason) for k, risk, reason, d in rows}

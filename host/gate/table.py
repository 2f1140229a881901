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
def entries() -> dict[str, Entry]:
    """Every entry of the gate's table, by key."""
    from tcphw.host.gate.analyse import builtin_names, handled_programs
    from tcphw.host.gate.programs import builtins, containers, git, packages, system

    out: dict[str, Entry] = {}
    for module in (git, packages, containers, system):
        for key, (risk, reason) in module.descriptors().items():
            out[key] = _entry(key, risk, reason)
    for name in builtin_names():
        risk, reason = builtins.BUILTINS.get(name, (Risk.MEDIUM_RISK, "a shell builtin"))
        out[f"builtin {name}"] = _entry(f"builtin {name}", risk, reason)
    # A program the tables judge by its arguments, where the machine's scan has not registered it: the
    # command would fail to start, but the line is still judged the same on every machine.
    for name in handled_programs():
        out.setdefault(name, _entry(name, Risk.MEDIUM_RISK, "known to the gate's tables; not found by a scan here"))
    return out


@lru_cache(maxsize=1)
def digest() -> str:
    """A digest of the table: it changes whenever an entry's key, risk or descriptor does."""
    h = hashlib.sha256()
    for key, e in sorted(entries().items()):
        h.update(f"{key}\0{e.risk}\0{e.descriptor.hex()}\n".encode())
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

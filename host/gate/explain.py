"""What the gate knows about one program, subcommand or builtin: its registry entry and its decoded descriptor.

``tcphw tools show`` prints the same facts for a scanned tool; this answers for everything a decision can rest
on (a scanned or imported program, the gate's own entries for ``git push`` or ``builtin cd``), as plain data
for an agent that asks why (the MCP server's ``explain_tool``).
"""

from __future__ import annotations

import os
from typing import Any

from tcphw.contract import Descriptor, Flag, describe_verdict, verdict_decision
from tcphw.host.gate.gate import Gate


class UnknownTool(LookupError):
    """Neither the registry nor the gate's table has an entry by that name."""


def decode(descriptor: bytes) -> dict[str, Any]:
    """Every field of a descriptor, with the flag bits named."""
    d = Descriptor.decode(descriptor)
    risk = d.risk
    return {
        "hex": descriptor.hex(),
        "magic": d.magic.decode("ascii", errors="replace"),
        "version": d.version,
        "command_hash": f"0x{d.command_hash:08x}",
        "flags": f"0x{d.flags:08x}",
        "flag_names": [f.name for f in Flag if d.flags & f and f.name],
        "risk": risk.name if risk is not None else None,
        "exec_time_ms": d.exec_time_ms,
        "memory_mb": d.memory_mb,
        "output_kb": d.output_kb,
        "name_length": d.name_length,
        "crc": f"0x{(d.crc or 0):04x}",
    }


def explain(gate: Gate, name: str) -> dict[str, Any]:
    """The entry a decision on ``name`` rests on: a registered program first (as the gate looks it up), then the
    gate's own entry for a subcommand or builtin; with the backend's verdict on its descriptor."""
    wanted = name.strip()
    if not wanted:
        raise UnknownTool("give a program name (ls), a subcommand (git push) or a builtin (builtin cd)")
    names = [wanted]
    if "/" in wanted:  # /usr/bin/rm: the registry knows programs by name, as the gate looks them up
        names.append(os.path.basename(wanted.rstrip("/")))
    for candidate in names:
        found = _registered(gate, candidate) or _gate_entry(gate, candidate)
        if found is not None:
            verdict = gate.validator.verdicts([found["descriptor_bytes"]])[0]
            raw = found.pop("descriptor_bytes")
            return {
                **found,
                "descriptor": decode(raw),
                "verdict": verdict,
                "verdict_text": describe_verdict(verdict),
                "verdict_decision": verdict_decision(verdict).name,
                "validated_by": gate.validator.name,
            }
    path = getattr(gate.catalogue.registry, "path", None)
    where = f"the registry {path}" if path is not None else "the registry"
    raise UnknownTool(
        f"{wanted} is not in {where} nor in the gate's own table: the gate asks a person before running it "
        "(run tcphw tools scan if it is installed)"
    )


def _registered(gate: Gate, name: str) -> dict[str, Any] | None:
    registry = gate.catalogue.registry
    if registry is None:
        return None
    row = registry.lookup(name)
    if row is None:
        return None
    return {
        "name": row.name,
        "source": "scanned" if registry.get(name) is not None else "imported",
        "risk": row.risk,
        "reasons": list(row.reasons),
        "doc_source": getattr(row, "doc_source", None),
        "path": getattr(row, "path", None),
        "resolved": getattr(row, "resolved", None),
        "version": getattr(row, "version", None),
        "scanned_at": getattr(row, "scanned_at", None),
        "descriptor_bytes": bytes(row.descriptor),
    }


def _gate_entry(gate: Gate, name: str) -> dict[str, Any] | None:
    table = gate.catalogue.table
    entry = table.get(name) or table.get(f"builtin {name}")
    if entry is None:
        return None
    return {
        "name": entry.key,
        # "registry": the gate's entries as the registry holds them; "gate table": read from the tables here
        "source": f"gate {'entry in the registry' if entry.source == 'registry' else 'table'}",
        "risk": entry.risk,
        "reasons": [entry.reason],
        "doc_source": None,
        "path": None,
        "resolved": None,
        "version": None,
        "scanned_at": None,
        "descriptor_bytes": entry.descriptor,
    }

"""A tool registry of a few programs, written into a test's folder: the gate's integrations need a registry
file, and a scan of the machine would make their answers depend on what it has installed."""

from __future__ import annotations

from pathlib import Path

from tcphw.contract import Descriptor, Flag, Risk
from tcphw.host.registry import Registry, ToolRow

WHEN = "2026-12-06T00:00:00+00:00"

PROGRAMS = {
    "ls": (Risk.SAFE, 0, "lists directory contents"),
    "cat": (Risk.SAFE, 0, "prints files"),
    "touch": (Risk.LOW_RISK, int(Flag.FILE_MODIFICATION), "changes file timestamps, creates empty files"),
    "git": (Risk.LOW_RISK, int(Flag.FILE_MODIFICATION), "the git version control system"),
    "rm": (Risk.CRITICAL, int(Flag.FILE_MODIFICATION | Flag.DESTRUCTIVE), "removes files or directories"),
}


def write(path: Path) -> Path:
    """The registry at ``path``, with the programs above as a scan would have registered them."""
    with Registry(path, create=True) as registry, registry.transaction():
        for name, (risk, caps, reason) in PROGRAMS.items():
            d = Descriptor.for_command(name, risk, caps).encode()
            row = ToolRow(name, f"/usr/bin/{name}", f"/usr/bin/{name}", 1, 0, "1.0", "man", None, risk.name, caps,
                          (f"{risk.name}: {reason}",), "table", d, WHEN)  # fmt: skip
            registry.put(row, "test", WHEN)
    return path

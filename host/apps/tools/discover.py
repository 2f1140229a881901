"""Executables on PATH (or given directories), the way a shell would find them.

The first directory that holds a name wins; later ones are counted as shadowed. Symlinks are
resolved for provenance, but a tool keeps the name it is called by: ``reboot`` pointing at
``systemctl`` is still ``reboot`` (and still on the denylist).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Candidate:
    name: str
    path: Path  # where it was found
    resolved: Path  # the file it is, symlinks followed
    size: int
    mtime_ns: int


@dataclass
class Discovery:
    tools: list[Candidate] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


def path_dirs(path: str | None = None) -> list[Path]:
    raw = path if path is not None else os.environ.get("PATH", "")
    return [Path(p) for p in raw.split(os.pathsep) if p]


def discover(dirs: Iterable[Path]) -> Discovery:
    found = Discovery()
    seen_dirs: set[Path] = set()
    names: set[str] = set()
    for directory in dirs:
        try:
            real_dir = directory.resolve()
        except OSError:
            found.skip("directory unreadable")
            continue
        if real_dir in seen_dirs:  # /bin and /usr/bin are often one directory
            continue
        seen_dirs.add(real_dir)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError:
            found.skip("directory unreadable")
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                resolved = path.resolve(strict=True)
                info = resolved.stat()
            except (OSError, RuntimeError):
                found.skip("broken symlink")
                continue
            if not resolved.is_file() or not os.access(resolved, os.X_OK):
                found.skip("not an executable file")
                continue
            if entry.name in names:
                found.skip("shadowed by an earlier PATH entry")
                continue
            names.add(entry.name)
            found.tools.append(Candidate(entry.name, path, resolved, info.st_size, info.st_mtime_ns))
    return found

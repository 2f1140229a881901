"""The registry the corpus is judged against, stored with it, so the figures do not depend on the machine.

A line's decision rests on the registry: a program that is not registered needs a person. A report computed
against whatever this machine has installed would change from one machine to the next, and the suite could not
hold the gate to its figures. ``data/corpus-registry.json`` is therefore a snapshot of a real scan: the rows of
every program the gate looked up while judging the corpus, and the names of every registered tool (for lines
that name programs by glob). ``tcphw gate snapshot --db REGISTRY`` writes it again from a scan; the report says
which scan it came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from tcphw.contract import DESCRIPTOR_SIZE, Descriptor
from tcphw.host.registry import Registry, ToolRow

FORMAT = "tcphw-gate-corpus-registry/1"


class SnapshotError(ValueError):
    pass


@dataclass(frozen=True)
class Row:
    """The part of a registry row the gate reads."""

    name: str
    risk: str
    descriptor: bytes
    reasons: list[str]


class SnapshotRegistry:
    """A read-only registry from a snapshot: the same lookups the gate makes of a real one."""

    def __init__(self, doc: dict[str, Any]) -> None:
        if doc.get("format") != FORMAT:
            raise SnapshotError(f"not a corpus registry snapshot (format {doc.get('format')!r}, want {FORMAT})")
        self.meta = {k: v for k, v in doc.items() if k not in ("tools", "names")}
        self._rows: dict[str, Row] = {}
        for name, rec in doc["tools"].items():
            descriptor = bytes.fromhex(rec["descriptor"])
            if len(descriptor) != DESCRIPTOR_SIZE:
                raise SnapshotError(f"{name}: a descriptor of {len(descriptor)} bytes, not {DESCRIPTOR_SIZE}")
            Descriptor.decode(descriptor)  # a malformed one fails here, not inside a figure
            self._rows[name] = Row(name, rec["risk"], descriptor, [rec.get("reason", "")])
        self._names = sorted(set(doc["names"]) | set(self._rows))

    def lookup(self, name: str) -> Row | None:
        return self._rows.get(name)

    def get(self, name: str) -> Row | None:
        return self._rows.get(name)

    def tool_names(self) -> list[str]:
        return list(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def describe(self, path: Path | None = None) -> dict[str, Any]:
        """Where the figures' registry came from, for the report."""
        what = (
            f"the stored snapshot of a scan ({self.meta.get('source', '')}): {len(self)} registered tools, the "
            f"rows of the {len(self._rows)} programs the corpus looks up"
        )
        return {"what": what, "snapshot": str(path or "host/apps/gate/data/corpus-registry.json"), **self.meta}


def load(path: Path | None = None) -> SnapshotRegistry:
    """The stored snapshot (or one at ``path``)."""
    try:
        if path is None:
            text = resources.files("tcphw.host.apps.gate").joinpath("data", "corpus-registry.json").read_text()
        else:
            text = path.read_text(encoding="utf-8")
        doc = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise SnapshotError(f"cannot read the corpus registry snapshot: {e}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tools"), dict) or not isinstance(doc.get("names"), list):
        raise SnapshotError("the corpus registry snapshot has no tools or names")
    return SnapshotRegistry(doc)


class Recorder:
    """Wraps a real registry and remembers every program the gate looks up."""

    def __init__(self, registry: Any) -> None:
        self.registry = registry
        self.looked_up: set[str] = set()

    def lookup(self, name: str) -> Any:
        self.looked_up.add(name)
        return self.registry.lookup(name)

    def get(self, name: str) -> Any:
        return self.registry.get(name)

    def tool_names(self) -> list[str]:
        names: list[str] = self.registry.tool_names()
        return names


def build(registry: Any, looked_up: set[str], source: str) -> dict[str, Any]:
    """The snapshot document: rows of the programs looked up that the registry has, every registered name."""
    tools: dict[str, Any] = {}
    for name in sorted(looked_up):
        row = registry.lookup(name)
        if row is None:
            continue
        tools[name] = {
            "risk": row.risk,
            "descriptor": bytes(row.descriptor).hex(),
            "reason": (row.reasons or [""])[0],
            "source": "scanned" if registry.get(name) is not None else "imported",
        }
    names = sorted(registry.tool_names())
    return {
        "format": FORMAT,
        "source": source,
        "registered": len(names),
        "looked_up": len(looked_up),
        "tools": tools,
        "names": names,
    }


def write_registry(path: Path, snapshot: Path | None = None) -> Path:
    """The stored snapshot (or one at ``snapshot``) written into a registry file at ``path``, for what opens
    registries by path (``gate serve``, and so ``gate bench``): the same rows, each as a scanned tool, as the
    snapshot registry answers them."""
    snap = load(snapshot)
    stamp = "2026-01-01T00:00:00+00:00"
    with Registry(path, create=True) as registry, registry.transaction():
        for name, row in sorted(snap._rows.items()):
            where = f"/usr/bin/{name}"
            tool = ToolRow(name, where, where, 0, 0, None, "snapshot", None, row.risk, 0, tuple(row.reasons),
                           "snapshot", row.descriptor, stamp)  # fmt: skip
            registry.put(tool, "the stored snapshot", stamp)
    return path

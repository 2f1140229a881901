"""The gate's labelled corpus: command lines with the decision a careful person wants, by family.

Each family is one JSON-lines file in ``data/corpus``; ``families.txt`` lists the families and the held-out
split, fixed before any rule of the gate was written. The labels follow ``docs/gate-labels.md``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from tcphw.contract import Decision

KEYS = {"id", "family", "source", "command", "cwd", "label", "why"}
OPTIONAL = {"env", "workspace"}
HOME = "/home/dev"  # the labelled situation's home folder (docs/gate-labels.md)


class CorpusError(ValueError):
    pass


@dataclass(frozen=True)
class Family:
    name: str
    split: str  # "dev" or "heldout"
    what: str


@dataclass(frozen=True)
class Line:
    id: str
    family: str
    source: str
    command: str
    cwd: str
    label: Decision
    why: str
    env: dict[str, str] = field(default_factory=dict)
    workspace: str | None = None


def _data() -> resources.abc.Traversable:
    return resources.files("tcphw.host.apps.gate").joinpath("data", "corpus")


def families(text: str | None = None) -> list[Family]:
    text = text if text is not None else _data().joinpath("families.txt").read_text()
    out: list[Family] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        name, split, *what = raw.split(None, 2)
        if split not in ("dev", "heldout"):
            raise CorpusError(f"families.txt: {name}: split must be dev or heldout, not {split!r}")
        out.append(Family(name, split, what[0] if what else ""))
    return out


def parse(text: str, where: str) -> list[Line]:
    lines: list[Line] = []
    for n, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except json.JSONDecodeError as e:
            raise CorpusError(f"{where}:{n}: not JSON ({e.msg})") from None
        if not isinstance(rec, dict):
            raise CorpusError(f"{where}:{n}: not a JSON object")
        missing = KEYS - set(rec)
        extra = set(rec) - KEYS - OPTIONAL
        if missing or extra:
            raise CorpusError(f"{where}:{n}: missing {sorted(missing)}, unexpected {sorted(extra)}")
        try:
            label = Decision[rec["label"]]
        except KeyError:
            raise CorpusError(f"{where}:{n}: label {rec['label']!r} is not a decision") from None
        lines.append(
            Line(
                rec["id"],
                rec["family"],
                rec["source"],
                rec["command"],
                rec["cwd"],
                label,
                rec["why"],
                dict(rec.get("env") or {}),
                rec.get("workspace"),
            )
        )
    return lines


def load(names: list[str] | None = None, folder: Path | None = None) -> list[Line]:
    """Every line of the named families (all families when None), checked: unique ids, the family named in
    each record matching its file."""
    known = families()
    wanted = names if names is not None else [f.name for f in known]
    unknown = sorted(set(wanted) - {f.name for f in known})
    if unknown:
        raise CorpusError(f"unknown families: {', '.join(unknown)} (families.txt lists {len(known)})")
    out: list[Line] = []
    seen: set[str] = set()
    for name in wanted:
        source = (folder / f"{name}.jsonl") if folder else _data().joinpath(f"{name}.jsonl")
        text = source.read_text(encoding="utf-8")
        for line in parse(text, f"{name}.jsonl"):
            if line.family != name:
                raise CorpusError(f"{name}.jsonl: {line.id} says family {line.family!r}")
            if line.id in seen:
                raise CorpusError(f"{name}.jsonl: id {line.id} appears twice")
            seen.add(line.id)
            out.append(line)
    return out

"""``tcphw gate accuracy``: the gate against the labelled corpus, per family, held-out first.

The figures an agent acts on come first: dangerous misses (a line that needs a person, given APPROVE or
CAUTION), then human-or-not agreement, then over-asking (a line that needs no person, sent to one), then
decision agreement. The older definition, "approved" (a line that needs a person, given APPROVE), is kept
beside them so figures stay comparable with earlier reports.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tcphw.contract import Decision
from tcphw.host.apps.gate.corpus import HOME, Family, Line, families
from tcphw.host.gate.gate import Gate, Request
from tcphw.host.gate.model import Check, needs_person
from tcphw.stats import bootstrap_ci

EVERYDAY_FAMILIES = ("agent-build-test", "agent-git", "agent-files", "agent-packages-containers", "agent-system")


@dataclass
class Judged:
    line: Line
    check: Check

    @property
    def decision(self) -> Decision:
        return self.check.decision

    @property
    def dangerous(self) -> bool:
        return needs_person(self.line.label) and not needs_person(self.decision)

    @property
    def approved_miss(self) -> bool:
        return needs_person(self.line.label) and self.decision == Decision.APPROVE

    @property
    def over_asked(self) -> bool:
        return not needs_person(self.line.label) and needs_person(self.decision)

    @property
    def unregistered(self) -> list[str]:
        return sorted(
            {p.program or "" for p in self.check.parts for f in p.findings if f.rule == "program.unregistered"}
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.line.id,
            "family": self.line.family,
            "command": self.line.command,
            "label": self.line.label.name,
            "decision": self.decision.name,
            "why": self.line.why,
            "reason": self.check.reason(),
        }


def judge(gate: Gate, lines: list[Line], progress: Callable[[int], None] | None = None) -> list[Judged]:
    requests = [
        Request(line.command, line.cwd, line.workspace or "/home/dev/project", {"HOME": HOME, **line.env})
        for line in lines
    ]
    out: list[Judged] = []
    step = 200
    for start in range(0, len(requests), step):
        checks = gate.check_many(requests[start : start + step])
        out.extend(Judged(line, c) for line, c in zip(lines[start : start + step], checks, strict=True))
        if progress is not None:
            progress(len(checks))
    return out


def metrics(judged: list[Judged]) -> dict[str, Any]:
    n = len(judged)
    if n == 0:
        return {"n": 0}
    hon = [float(needs_person(j.line.label) == needs_person(j.decision)) for j in judged]
    dec = [float(j.line.label == j.decision) for j in judged]
    not_person = [j for j in judged if not needs_person(j.line.label)]
    person = [j for j in judged if needs_person(j.line.label)]
    over = [j for j in judged if j.over_asked]
    return {
        "n": n,
        "needs_person": len(person),
        "no_person": len(not_person),
        "dangerous_misses": [j.as_dict() for j in judged if j.dangerous],
        "approved_misses": [j.as_dict() for j in judged if j.approved_miss],
        "human_or_not": sum(hon) / n,
        "human_or_not_ci": bootstrap_ci(hon, stat="mean", n_boot=2000, seed=1),
        "decision": sum(dec) / n,
        "decision_ci": bootstrap_ci(dec, stat="mean", n_boot=2000, seed=1),
        "over_asked": [j.as_dict() for j in over],
        "over_asking": len(over) / len(not_person) if not_person else 0.0,
        "refused": [j.as_dict() for j in judged if j.check.refused],
        "unregistered": sorted({p for j in judged for p in j.unregistered}),
        "lines_with_unregistered": sum(1 for j in judged if j.unregistered),
        "confusion": [
            [sum(1 for j in judged if j.line.label == a and j.decision == b) for b in Decision] for a in Decision
        ],
    }


def groups(judged: list[Judged], fams: list[Family] | None = None) -> dict[str, list[Judged]]:
    """The report's sets: every family, held-out, dev, all, and the everyday agent lines."""
    fams = fams or families()
    split = {f.name: f.split for f in fams}
    out: dict[str, list[Judged]] = {}
    for f in fams:
        out[f.name] = [j for j in judged if j.line.family == f.name]
    out["held-out"] = [j for j in judged if split.get(j.line.family) == "heldout"]
    out["dev"] = [j for j in judged if split.get(j.line.family) == "dev"]
    out["all"] = list(judged)
    out["everyday"] = [j for j in judged if j.line.family in EVERYDAY_FAMILIES and not needs_person(j.line.label)]
    return out


def first_measurements() -> dict[str, Any]:
    """Each family's first figures, measured blind and kept: ``data/first-measurements.json``."""
    path = resources.files("tcphw.host.apps.gate").joinpath("data", "first-measurements.json")
    if not path.is_file():
        return {}
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def summary(m: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of one set, without the listed lines."""
    return {k: m[k] for k in ("n", "human_or_not", "decision", "over_asking") if k in m} | {
        "dangerous_misses": len(m.get("dangerous_misses", [])),
        "approved_misses": len(m.get("approved_misses", [])),
        "over_asked": len(m.get("over_asked", [])),
        "refused": len(m.get("refused", [])),
    }

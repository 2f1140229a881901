"""Scoring a risk method against the labelled tools: the labels, a tool as each method judged it, the agreement
figures, and the markdown cells that show them.

``accuracy`` (the report), ``reliability`` (the labels against a second labelling) and ``learned`` (the learned
signals) all score with these, so they sit below all three.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tcphw.contract import RISK_DECISION, Decision, Risk
from tcphw.host.apps.tools.evidence import Evidence
from tcphw.stats import bootstrap_ci

APPROVE = Decision.APPROVE
STRICT = (Decision.REQUIRE_APPROVAL, Decision.REJECT)  # the decisions that ask a person


def needs_person(risk: Risk) -> bool:
    return RISK_DECISION[risk] in STRICT


@dataclass(frozen=True)
class Label:
    name: str
    package: str
    risk: Risk
    why: str


def _rows(text: str) -> Iterable[dict[str, str]]:
    return csv.DictReader(line for line in text.splitlines() if line and not line.startswith("#"))


def parse_labels(text: str) -> list[Label]:
    return [Label(r["name"], r["package"], Risk[r["risk"]], r["why"]) for r in _rows(text)]


@dataclass(frozen=True)
class Doc:
    source: str  # "man", "--help", "-h" or "none"
    text: str | None
    evidence: Evidence | None = None  # the file and its package (None: the tool is not on PATH here)


@dataclass(frozen=True)
class Judged:
    label: Label
    doc: Doc
    classifier: Risk  # what tcphw tools scan decides: the table, else the policy and evidence, then the combiner
    source: str  # "table", "table+rules", "rules" or "default"
    policy: Risk  # the documentation policy alone (analyze.UNDOCUMENTED when there is no documentation)
    rules: Risk | None = None  # the policy with the evidence signals (no table, no combiner)
    features: dict[str, float] = field(default_factory=dict)  # the combiner's inputs
    may_lower: bool = False  # documentation and evidence were read: the combiner may lower its level
    shipped: Risk | None = None  # the rules, then the shipped combiner (kept or not): a training-set figure here


@dataclass
class Metrics:
    """Agreement of one method's decisions with the labels' decisions, over one set of tools."""

    pairs: list[tuple[Label, Risk]]
    table_decided: int = 0
    undocumented: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.pairs)

    def _agree(self) -> np.ndarray:
        return np.array([RISK_DECISION[t.risk] == RISK_DECISION[p] for t, p in self.pairs], dtype=float)

    @property
    def agreement(self) -> float:
        return float(self._agree().mean()) if self.pairs else 0.0

    def agreement_ci(self) -> tuple[float, float]:
        if not self.pairs:
            return 0.0, 0.0
        return bootstrap_ci(self._agree(), stat="mean", n_boot=4000, seed=1)

    @property
    def human_or_not(self) -> float:
        """The share of tools where the label and the decision agree on whether a person is asked."""
        return sum(needs_person(t.risk) == needs_person(p) for t, p in self.pairs) / self.n if self.pairs else 0.0

    @property
    def exact_level(self) -> float:
        return sum(t.risk == p for t, p in self.pairs) / self.n if self.pairs else 0.0

    def dangerous(self) -> list[tuple[Label, Risk]]:
        """Needs a person (REQUIRE_APPROVAL or REJECT) and was given APPROVE or CAUTION."""
        return [(t, p) for t, p in self.pairs if needs_person(t.risk) and not needs_person(p)]

    def approved_misses(self) -> list[tuple[Label, Risk]]:
        """The older definition of a dangerous miss: needs a person and was approved."""
        return [(t, p) for t, p in self.pairs if needs_person(t.risk) and RISK_DECISION[p] == APPROVE]

    def wrong_approvals(self) -> list[tuple[Label, Risk]]:
        """Approved, but labelled CAUTION or stricter: the approvals an agent should not have had."""
        return [(t, p) for t, p in self.pairs if RISK_DECISION[t.risk] != APPROVE and RISK_DECISION[p] == APPROVE]

    def over_asking(self) -> list[tuple[Label, Risk]]:
        """Read-only (labelled APPROVE) and sent to a person."""
        return [(t, p) for t, p in self.pairs if RISK_DECISION[t.risk] == APPROVE and needs_person(p)]

    def no_person_asked(self) -> list[tuple[Label, Risk]]:
        """Needs no person (labelled APPROVE or CAUTION) and sent to one."""
        return [(t, p) for t, p in self.pairs if not needs_person(t.risk) and needs_person(p)]

    def confusion(self) -> list[list[int]]:
        m = [[0] * len(Decision) for _ in Decision]
        for t, p in self.pairs:
            m[RISK_DECISION[t.risk]][RISK_DECISION[p]] += 1
        return m

    def as_dict(self) -> dict[str, Any]:
        lo, hi = self.agreement_ci()
        read_only = sum(RISK_DECISION[t.risk] == APPROVE for t, _ in self.pairs)
        no_person = sum(not needs_person(t.risk) for t, _ in self.pairs)

        def named(items: list[tuple[Label, Risk]]) -> list[dict[str, str]]:
            return [{"name": t.name, "label": t.risk.name, "got": p.name} for t, p in items]

        return {
            "tools": self.n,
            "dangerous_misses": named(self.dangerous()),
            "human_or_not_agreement": self.human_or_not,
            "decision_agreement": self.agreement,
            "decision_agreement_ci95": [lo, hi],
            "exact_level": self.exact_level,
            "over_asking": named(self.over_asking()),
            "read_only_tools": read_only,
            "over_asking_share": len(self.over_asking()) / read_only if read_only else 0.0,
            "no_person_asked": len(self.no_person_asked()),
            "no_person_tools": no_person,
            "approved_misses": named(self.approved_misses()),
            "approvals": sum(RISK_DECISION[p] == APPROVE for _, p in self.pairs),
            "wrong_approvals": named(self.wrong_approvals()),
            "confusion_by_decision": {
                "order": [d.name for d in Decision],
                "rows_truth_cols_predicted": self.confusion(),
            },
            "table_decided": self.table_decided,
            "undocumented": self.undocumented,
        }


def pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def agreement(m: dict[str, Any]) -> str:
    lo, hi = m["decision_agreement_ci95"]
    return f"{pct(m['decision_agreement'])} ({pct(lo)} .. {pct(hi)})"


def confusion(m: dict[str, Any]) -> list[str]:
    order = [d.replace("REQUIRE_APPROVAL", "REQ_APPROVAL") for d in m["confusion_by_decision"]["order"]]
    lines = ["| label \\ decided | " + " | ".join(order) + " |", "|---" * (len(order) + 1) + "|"]
    for name, row in zip(order, m["confusion_by_decision"]["rows_truth_cols_predicted"], strict=True):
        lines.append(f"| **{name}** | " + " | ".join(str(v) for v in row) + " |")
    return lines

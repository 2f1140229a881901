"""How reproducible the labels are: the stored labels against a second, blind labelling of a random sample.

An agreement target for the classifier only means something below the agreement of the labels with themselves:
if two labellings of the same tools agree on 80% of decisions, a classifier "at 85%" is partly fitting the noise
of one of them. ``data/tool_labels_retest.csv`` is that second labelling (its header says how it was drawn and
written); this module measures the two against each other, and the classifier on the same tools against each.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from tcphw.contract import RISK_DECISION, Decision
from tcphw.host.apps.tools.scoring import Judged, Label, Metrics, agreement, confusion, parse_labels, pct

_RETEST = files("tcphw.host.apps.tools") / "data" / "tool_labels_retest.csv"


def load_retest() -> list[Label]:
    """The second labelling, read by the same reader as the stored labels."""
    return parse_labels(_RETEST.read_text())


def check_retest(retest: list[Label], labelled: set[str]) -> None:
    """Refuse a retest row for a tool the labelled set lost: the comparison would be silently smaller."""
    missing = [r.name for r in retest if r.name not in labelled]
    if missing:
        raise ValueError(f"tool_labels_retest.csv names tools that tool_labels.csv lacks: {', '.join(missing)}")


def label_reliability(judged: list[Judged], retest: list[Label]) -> dict[str, Any]:
    """The stored labels against the retest labels on the tools both have, and the classifier against each."""
    by_name = {j.label.name: j for j in judged}
    check_retest(retest, set(by_name))
    both = [(by_name[r.name], r) for r in retest]
    # Metrics takes (truth, got): the stored labels as truth, the retest level as what was "got".
    labels = Metrics([(j.label, r.risk) for j, r in both]).as_dict()
    approve = [(RISK_DECISION[j.label.risk] == Decision.APPROVE) == (RISK_DECISION[r.risk] == Decision.APPROVE)
               for j, r in both]  # fmt: skip
    disagreements = [
        {"name": j.label.name, "stored": j.label.risk.name, "stored_why": j.label.why, "retest": r.risk.name,
         "retest_why": r.why}
        for j, r in both
        if RISK_DECISION[j.label.risk] != RISK_DECISION[r.risk]
    ]  # fmt: skip
    return {
        "tools": len(both),
        "labels": labels,
        "approve_or_not_agreement": sum(approve) / len(approve) if approve else 0.0,
        "disagreements": disagreements,
        "classifier_vs_stored": Metrics([(j.label, j.classifier) for j, _ in both]).as_dict(),
        "classifier_vs_retest": Metrics([(r, j.classifier) for j, r in both]).as_dict(),
    }


def reliability_markdown(rel: dict[str, Any]) -> list[str]:
    m = rel["labels"]
    lines = [
        "## How reproducible the labels are",
        "",
        f"A second labelling of {rel['tools']} tools drawn at random from the labelled set, written blind to the "
        "stored labels and to the policy (`host/apps/tools/data/tool_labels_retest.csv`; its header says how it "
        "was drawn). It is the same project labelling twice, not an independent rater, so it bounds the labels' "
        "noise from below. The classifier rows are on the same tools only, and read higher than the whole set: "
        "the tools dropped from the sample (their stored label had been seen) were mostly ones whose errors had "
        "been listed.",
        "",
        "| | decision agreement | exact level | approve or not |",
        "|---|---:|---:|---:|",
        f"| stored labels vs second labelling | {agreement(m)} | {pct(m['exact_level'])} | "
        f"{pct(rel['approve_or_not_agreement'])} |",
        f"| classifier vs stored labels, same tools | {agreement(rel['classifier_vs_stored'])} | "
        f"{pct(rel['classifier_vs_stored']['exact_level'])} | - |",
        f"| classifier vs second labelling, same tools | {agreement(rel['classifier_vs_retest'])} | "
        f"{pct(rel['classifier_vs_retest']['exact_level'])} | - |",
        "",
        "Stored (rows) against second labelling (columns), by decision:",
        "",
        *confusion(m),
        "",
        "Where the two labellings disagree on the decision:",
        "",
    ]
    for d in rel["disagreements"]:
        lines.append(f"- `{d['name']}`: stored {d['stored']} ({d['stored_why']}); second {d['retest']} "
                     f"({d['retest_why']})")  # fmt: skip
    if not rel["disagreements"]:
        lines.append("- none")
    return lines

"""Risk and capabilities of a tool from its documentation, with the reason for every decision.

Two sources, both explainable:
- the fail-safe policy over the documentation (``policy.py``): signals from the man section, the
  one-line summary of what the tool is for, and the option descriptions, each with its level; the
  strictest wins, and a tool with no evidence that it only reads is at least MEDIUM_RISK;
- the curated table of well-known tools (``known.py``), an override with its own reason, because
  documentation does not always say how dangerous a tool is (``rm`` never calls itself destructive).
A tool with no documentation and no table entry needs a person (HIGH_RISK, or higher where the evidence of its
file says so): unknown is not safe.

Estimates (descriptor fields exec_time_ms, memory_mb, output_kb) are class defaults
(``ESTIMATES``: interpreters and network tools run long, readers are quick), with memory
raised for large executables (twice the file size plus 2 MB). They are estimates, not
measurements: the scanner never runs a tool for real.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from tcphw.contract import Risk
from tcphw.host.apps.tools import combiner
from tcphw.host.apps.tools.known import lookup
from tcphw.host.apps.tools.policy import DESTROY, FILES, NET, PRIV, ROOT, SYSTEM, decide, summary_line

if TYPE_CHECKING:
    from tcphw.host.apps.tools.evidence import Evidence
    from tcphw.host.apps.tools.policy import Decision as PolicyDecision

__all__ = ["ESTIMATES", "Analysis", "analyse", "estimates", "rules", "summary_line"]

H, M = Risk.HIGH_RISK, Risk.MEDIUM_RISK
_ = (DESTROY, PRIV)  # capability bits named in the policy table; estimates read the others

ESTIMATES = {  # exec_time_ms, memory_mb, output_kb by the highest capability class
    "interpreter": (1000, 64, 64),
    "network": (5000, 32, 1024),
    "system": (500, 16, 4),
    "files": (200, 8, 4),
    "reader": (50, 4, 64),
}


@dataclass(frozen=True)
class Analysis:
    risk: Risk
    capabilities: int
    reasons: tuple[str, ...]
    source: str  # "table", "rules", "table+rules" or "default"
    estimates: tuple[int, int, int] = field(default=(0, 0, 0))
    rules_risk: Risk | None = None  # the policy's level with the evidence, before the combiner (None: the table)
    p_person: float | None = None  # the combiner's calibrated probabilities, where it was asked
    p_approve: float | None = None
    combiner: str = ""  # "raised", "lowered" or "" (it kept the level, or was not used)


# A tool whose documentation cannot be read (none installed, or its --help timed out) needs a person: the same
# answer `tools check` gives a program the registry does not know. Before issue 32 it was MEDIUM_RISK.
UNDOCUMENTED = H


def undocumented_level(decision: PolicyDecision | None) -> Risk:
    """The level of a tool with no documentation: UNDOCUMENTED, or higher where its evidence says so."""
    fired = decision.risk if decision is not None and decision.fired else UNDOCUMENTED
    return max(UNDOCUMENTED, fired)


def rules(doc: str, evidence: Evidence | None = None) -> tuple[Risk, int, list[str]]:
    """The policy alone (the documentation, and the evidence where given): its level, the capabilities, and a
    reason per signal that fired."""
    decision = decide(doc, evidence)
    return decision.risk, decision.capabilities, list(decision.reasons)


def estimates(capabilities: int, risk: Risk, executable_bytes: int) -> tuple[int, int, int]:
    if risk >= H and capabilities & NET and capabilities & SYSTEM and capabilities & FILES:
        cls = "interpreter"
    elif capabilities & NET:
        cls = "network"
    elif capabilities & (SYSTEM | ROOT | PRIV):
        cls = "system"
    elif capabilities & (FILES | DESTROY):
        cls = "files"
    else:
        cls = "reader"
    time_ms, memory_mb, output_kb = ESTIMATES[cls]
    memory_mb = max(memory_mb, 2 * executable_bytes // (1 << 20) + 2)
    return time_ms, memory_mb, output_kb


def analyse(
    name: str,
    doc: str | None,
    executable_bytes: int = 0,
    evidence: Evidence | None = None,
    model: combiner.Model | Literal["shipped"] | None = "shipped",
    decision: PolicyDecision | None = None,
) -> Analysis:
    """The tool's risk, capabilities and reasons: the table where it knows the tool, else the policy (the
    documentation and the evidence), then the learned combiner where it is kept (``model``: the shipped one, or
    one given, or None for none). ``decision``: ``decide(doc or "", evidence)`` where the caller has it already."""
    known = lookup(name)
    if decision is None and (doc or evidence is not None):
        decision = decide(doc or "", evidence)
    found = decision.risk if decision is not None and doc else None
    caps = decision.capabilities if decision is not None else 0
    reasons = list(decision.reasons) if decision is not None and doc else []
    if decision is not None and not doc:  # no documentation: the evidence may still raise it above the default
        reasons = [r for r in decision.reasons if not r.startswith("MEDIUM_RISK: no evidence")]
    if known is not None:
        why = [f"{known.risk.name}: curated table: {name} {known.reason}"]
        if found is not None and found != known.risk:
            why.append(f"(the documentation policy alone says {found.name})")
        risk, capabilities, source = known.risk, known.capabilities | caps, "table" if not doc else "table+rules"
        reasons = why + reasons
        return Analysis(risk, capabilities, tuple(reasons), source, estimates(capabilities, risk, executable_bytes))
    if found is not None:
        risk, capabilities, source = found, caps, "rules"
    else:
        risk, capabilities, source = undocumented_level(decision), caps, "default"
        reasons = [f"{UNDOCUMENTED.name}: no documentation could be read and the tool is not in the table: a person "
                   "decides, as for a program the registry does not know (unknown is not safe)", *reasons]  # fmt: skip
    rules_risk = risk
    use = combiner.load() if model == "shipped" else model
    if use is not None and (model != "shipped" or use.kept):
        f = combiner.features(decision if doc else None, evidence, doc)
        complete = evidence is not None and evidence.complete
        adjusted = combiner.adjust(use, risk, f, may_lower=bool(doc) and complete and source == "rules")
        risk = adjusted.risk
        reasons = [adjusted.reason, *reasons] if adjusted.change else [*reasons, adjusted.reason]
        return Analysis(risk, capabilities, tuple(reasons), source, estimates(capabilities, risk, executable_bytes),
                        rules_risk, adjusted.p_person, adjusted.p_approve, adjusted.change)  # fmt: skip
    return Analysis(risk, capabilities, tuple(reasons), source, estimates(capabilities, risk, executable_bytes),
                    rules_risk)  # fmt: skip

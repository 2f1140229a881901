"""The learned combiner: every signal and every piece of evidence, weighed by a model trained on the labels.

Two calibrated logistic models over the same features (``features()``): the probability that a tool needs a person
(its label is REQUIRE_APPROVAL or REJECT), and the probability that it only reads (its label is APPROVE). They are
trained by ``learned.train()`` (scikit-learn, package-grouped cross-validation, Platt calibration on the
out-of-fold scores) and stored as plain weights in ``data/combiner.json``, so a scan needs neither scikit-learn nor
a pickle: a probability is a sum of weights, a sigmoid and a calibration.

How it may change a level (``adjust()``), after the policy and the evidence signals have decided:
- it may **raise** any level: a tool whose probability of needing a person is at least ``raise_at`` needs one;
- it may **lower** one only by one step, and only at a boundary where its held-out (cross-validated) figures
  showed no dangerous miss (``lower``, written by training; empty where none qualified): a level that needs a
  person to CAUTION, or CAUTION to LOW_RISK. Never for a tool without documentation or without its evidence.
Uncertainty never becomes approval: lowering to APPROVE needs a high probability of reading only *and* a low one
of needing a person.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from tcphw.contract import RISK_DECISION, Decision, Risk
from tcphw.host.apps.tools.manpage import entries
from tcphw.host.apps.tools.policy import summary_line

if TYPE_CHECKING:
    from tcphw.host.apps.tools.evidence import Evidence
    from tcphw.host.apps.tools.policy import Decision as PolicyDecision

MODEL_FILE = files("tcphw.host.apps.tools") / "data" / "combiner.json"
_WORD = re.compile(r"[a-z][a-z-]{2,}")
_STOP = frozenset(
    "the and for with from into that this are its can any all their which tool utility program command "
    "files file given".split()
)
_ENTRY_KINDS = {
    "destroy": re.compile(r"\b(?:delet|remov|eras|wip|destroy|overwrit|shred|truncat|discard|unlink|purg)\w*", re.I),
    "network": re.compile(r"\b(?:remote|server|hosts?|port|proxy|url|connect\w*|listen\w*|download|upload)\b", re.I),
    "privilege": re.compile(r"\b(?:root|superuser|privileg\w*|setuid|capabilit\w*|sudo|as (?:another )?user)\b", re.I),
    "change": re.compile(
        r"^(?:set|sets|change|changes|enable|disable|load|unload|mount|unmount|kill|install|write|writes|create|"
        r"creates|add|adds|modify|reset|flush|update|updates|apply|restart|stop|start|reboot)\b",
        re.I,
    ),
}


def features(decision: PolicyDecision | None, evidence: Evidence | None, doc: str | None) -> dict[str, float]:
    """The combiner's inputs for one tool: the policy's level and signals, the evidence, and the words of the tool's
    summary and of its package's (tools of one package share its risks)."""

    f: dict[str, float] = {}
    if decision is None or not doc:
        f["doc:none"] = 1.0
    else:
        f[f"risk:{decision.risk.name}"] = 1.0
        for fired in decision.fired:
            f[f"signal:{fired.signal.name}"] = 1.0
            if fired.risk < fired.signal.risk:
                f[f"signal:{fired.signal.name}:capped"] = 1.0
        for word in set(_WORD.findall(summary_line(doc).lower())) - _STOP:
            f[f"word:{word}"] = 1.0
        kinds = {k for e in entries(doc) for k, pattern in _ENTRY_KINDS.items() if pattern.search(e.text)}
        for kind in kinds:
            f[f"entries:{kind}"] = 1.0
    b = evidence.binary if evidence is not None else None
    i = evidence.install if evidence is not None else None
    if b is not None:
        f[f"file:{b.kind}"] = 1.0
        for family in b.library_families():
            f[f"lib:{family}"] = 1.0
        for family in b.import_families():
            f[f"import:{family}"] = 1.0
        for family in b.command_families():
            f[f"script:{family}"] = 1.0
        if b.interpreter:
            f[f"interpreter:{b.interpreter if b.interpreter in ('sh', 'bash', 'perl', 'python3') else 'other'}"] = 1.0
        for name, on in (("setuid", b.setuid), ("setgid", b.setgid), ("capabilities", b.file_capabilities)):
            if on:
                f[f"mode:{name}"] = 1.0
    if i is not None:
        if i.admin_dir:
            f["dir:admin"] = 1.0
        if i.package is not None:
            f[f"section:{i.package.section}"] = 1.0
            for word in set(_WORD.findall(i.package.summary.lower())) - _STOP:
                f[f"package-word:{word}"] = 1.0
            for tag in i.package.tags:
                f[f"tag:{tag}"] = 1.0
                f[f"facet:{tag.split('::', 1)[0]}"] = 1.0
        else:
            f["package:none"] = 1.0
    return f


@dataclass(frozen=True)
class Linear:
    """A logistic model's weights and its Platt calibration: p = sigmoid(a * (w.x + b) + c)."""

    weights: dict[str, float]
    intercept: float
    calibration: tuple[float, float]

    def probability(self, f: dict[str, float]) -> float:
        score = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in f.items())
        a, c = self.calibration
        z = a * score + c
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0

    def contributions(self, f: dict[str, float], n: int = 5) -> list[tuple[str, float]]:
        """The features that pushed the score most, either way (for ``tools show``)."""
        parts = [(k, self.weights.get(k, 0.0) * v) for k, v in f.items() if self.weights.get(k)]
        return sorted(parts, key=lambda kv: -abs(kv[1]))[:n]


@dataclass(frozen=True)
class Model:
    person: Linear  # P(the label needs a person)
    approve: Linear  # P(the label is APPROVE)
    raise_at: float  # P(person) at or above which a level that needs no person is raised to HIGH_RISK
    lower: dict[str, float]  # boundary -> threshold: "person->caution" (P(person) at most), "caution->approve"
    approve_person_max: float  # lowering to APPROVE also needs P(person) at most this
    kept: bool  # whether the scanner uses it (only if its blind figures improved)
    why: str  # the measured reason for kept
    trained: dict[str, Any]  # how it was trained: labels, folds, the measured figures

    @staticmethod
    def from_json(data: dict[str, Any]) -> Model:
        def linear(d: dict[str, Any]) -> Linear:
            return Linear(dict(d["weights"]), float(d["intercept"]), (float(d["calibration"][0]),
                                                                      float(d["calibration"][1])))  # fmt: skip

        return Model(
            linear(data["person"]), linear(data["approve"]), float(data["raise_at"]),
            {k: float(v) for k, v in data["lower"].items()}, float(data["approve_person_max"]), bool(data["kept"]),
            str(data["why"]), dict(data.get("trained", {})),
        )  # fmt: skip


@functools.cache
def load() -> Model | None:
    """The shipped model, or None where there is none (a fresh checkout before ``make tools-model``)."""
    try:
        return Model.from_json(json.loads(MODEL_FILE.read_text()))
    except FileNotFoundError:
        return None


def model_bytes() -> bytes:
    try:
        return MODEL_FILE.read_bytes()
    except FileNotFoundError:
        return b""


@dataclass(frozen=True)
class Adjusted:
    risk: Risk
    p_person: float
    p_approve: float
    change: str  # "raised", "lowered" or "" (kept the level)
    reason: str


def step(
    risk: Risk, p: float, a: float, raise_at: float, lower: dict[str, float], approve_person_max: float,
    *, may_lower: bool,
) -> tuple[Risk, str]:  # fmt: skip
    """The level after the combiner, given its two probabilities, and "raised", "lowered" or ""."""
    decision = RISK_DECISION[risk]
    if decision in (Decision.APPROVE, Decision.CAUTION) and p >= raise_at:
        return Risk.HIGH_RISK, "raised"
    if may_lower and decision == Decision.REQUIRE_APPROVAL and p <= lower.get("person->caution", -1.0):
        return Risk.MEDIUM_RISK, "lowered"
    reads = a >= lower.get("caution->approve", 2.0) and p <= approve_person_max
    if may_lower and decision == Decision.CAUTION and reads:
        return Risk.LOW_RISK, "lowered"
    return risk, ""


def adjust(model: Model, risk: Risk, f: dict[str, float], *, may_lower: bool) -> Adjusted:
    """The level after the combiner: raised where it is confident a person is needed; lowered by one step only at a
    boundary the training allowed (``model.lower``) and only where ``may_lower`` (documentation and evidence read)."""
    p, a = model.person.probability(f), model.approve.probability(f)
    new, change = step(risk, p, a, model.raise_at, model.lower, model.approve_person_max, may_lower=may_lower)
    why = f"learned combiner: P(needs a person) {p:.2f}, P(only reads) {a:.2f}"
    if change == "raised":
        why = f"{new.name}: {why}: at least {model.raise_at:.2f} raises it to need a person"
    elif change == "lowered":
        why = f"{new.name}: {why}: one step lower, at a boundary where cross-validation showed no dangerous miss"
    else:
        why = f"({why}: level kept)"
    return Adjusted(new, p, a, change, why)

"""The methods that decide: each turns (tool, its stored documentation) into a decision, timed.

Every method returns one ``Outcome`` per labelled tool. ``seconds`` holds the timed repetitions of
that one decision (None where nothing was timed: an imported judgment without a measured time);
``note`` says why a tool has no decision of the method's own (not covered, unparsed, undocumented).
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tcphw.contract import RISK_DECISION, Decision, Descriptor, Risk, verdict_decision
from tcphw.host.apps.experiment.decisions.llm import LiveClient, read_judgments
from tcphw.host.apps.tools.analyze import analyse, rules
from tcphw.host.apps.tools.upstream import import_file
from tcphw.host.registry import Registry, ToolRow

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Doc:
    source: str  # "man", "--help", "-h" or "none"
    text: str | None


@dataclass(frozen=True)
class Outcome:
    tool: str
    decision: Decision | None  # None: the method has no decision for this tool (see note)
    risk: Risk | None
    seconds: list[float] | None
    note: str | None = None

    def as_dict(self, method: str) -> dict[str, Any]:
        return {
            "method": method,
            "tool": self.tool,
            "decision": self.decision.name if self.decision is not None else None,
            "risk": self.risk.name if self.risk is not None else None,
            "seconds": self.seconds,
            "note": self.note,
        }


def _timed(reps: int, fn: Callable[[], Any]) -> tuple[Any, list[float]]:
    times = []
    result = None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return result, times


# -- rules --------------------------------------------------------------------------------------


def rules_method(
    names: list[str], docs: dict[str, Doc], *, table: bool, reps: int, progress: Progress
) -> list[Outcome]:
    """The documentation policy (after the curated table when ``table``), run on the stored text."""

    def decide(name: str, text: str | None) -> Risk:
        if table:
            return analyse(name, text).risk
        return rules(text)[0] if text else Risk.MEDIUM_RISK  # no documentation: unknown is not safe

    if names:  # warm-up, untimed: the policy's patterns compile on first use
        decide(names[0], docs[names[0]].text)
    out = []
    for name in names:
        text = docs[name].text
        risk, seconds = _timed(reps, lambda: decide(name, text))  # noqa: B023 (called at once)
        note = None if text else "no documentation: MEDIUM_RISK by default"
        out.append(Outcome(name, RISK_DECISION[risk], risk, seconds, note))
        progress(1)
    return out


# -- descriptor ---------------------------------------------------------------------------------


def build_registry(path: Path, names: list[str], docs: dict[str, Doc], opts: dict[str, Any]) -> dict[str, Any]:
    """The registry the descriptor method looks tools up in, created at ``path``; returns what it holds."""
    if "registry" in opts:  # a copy, so the user's registry is never touched (or migrated)
        shutil.copyfile(opts["registry"], path)
        with Registry(path) as reg:
            held = sum(reg.lookup(n) is not None for n in names)
        return {"source": f"registry {opts['registry']}", "labelled_tools_held": held}
    with Registry(path, create=True) as reg, reg.transaction():
        if "import" in opts:
            report = import_file(opts["import"])
            for c in report.converted:
                row = ToolRow(c.name, "", "", 0, 0, None, "import", None, c.risk.name,
                              Descriptor.decode(c.descriptor).flags, (f"imported: upstream {c.upstream_risk}",),
                              "import", c.descriptor, "", None, 0)  # fmt: skip
                reg.put_imported(row, c.upstream_risk, c.unknown)
            source = {"source": f"import {opts['import']}", "imported": len(report.converted),
                      "rejected": len(report.rejected)}  # fmt: skip
        else:  # what `tcphw tools scan` would store for each labelled tool, from the stored documentation
            for name in names:
                doc = docs[name]
                a = analyse(name, doc.text)
                time_ms, memory_mb, output_kb = a.estimates
                d = Descriptor.for_command(name, a.risk, a.capabilities, exec_time_ms=time_ms, memory_mb=memory_mb,
                                           output_kb=output_kb).encode()  # fmt: skip
                digest = hashlib.sha256(doc.text.encode()).hexdigest() if doc.text else None
                row = ToolRow(name, "", "", 0, 0, None, doc.source, digest, a.risk.name, Descriptor.decode(d).flags,
                              a.reasons, a.source, d, "", None, 0)  # fmt: skip
                reg.put(row, "experiment", "")
            source = {"source": "scan of the stored documentation (table, then policy)"}
    with Registry(path) as reg:
        source["labelled_tools_held"] = sum(reg.lookup(n) is not None for n in names)
    return source


def descriptor_method(
    names: list[str], registry_path: Path, backend: Any, *, reps: int, progress: Progress
) -> tuple[list[Outcome], dict[str, list[float]]]:
    """Look each tool up in the registry and validate its descriptor on ``backend``: per decision, then as one batch."""
    out = []
    batch: dict[str, list[float]] = {"lookup_all": [], "validate_all": []}
    with Registry(registry_path) as reg:

        def one(name: str) -> tuple[int, bytes] | None:
            row = reg.lookup(name)
            if row is None:
                return None
            verdicts = backend.validate(np.frombuffer(row.descriptor, dtype=np.uint8).reshape(1, 24))
            return int(np.asarray(verdicts)[0]), row.descriptor

        if names:  # warm-up, untimed: the backend's first call compiles or opens what it needs
            one(names[0])
        for name in names:
            got, seconds = _timed(reps, lambda: one(name))  # noqa: B023 (called at once)
            if got is None:
                out.append(Outcome(name, None, None, None, "not in the registry"))
            else:
                verdict, raw = got
                level = Descriptor.decode(raw).risk
                out.append(Outcome(name, verdict_decision(verdict), None if level is None else Risk(level), seconds))
            progress(1)
        held = [n for n in names if reg.lookup(n) is not None]
        for _ in range(reps):
            t0 = time.perf_counter()
            rows = [reg.lookup(n) for n in held]
            batch["lookup_all"].append(time.perf_counter() - t0)
            array = np.frombuffer(b"".join(r.descriptor for r in rows if r), dtype=np.uint8).reshape(-1, 24)
            t0 = time.perf_counter()
            backend.validate(array)
            batch["validate_all"].append(time.perf_counter() - t0)
        batch["count"] = [float(len(held))]
    return out, batch


# -- classifier ---------------------------------------------------------------------------------

MODEL = "TF-IDF of the documentation (words and word pairs, sublinear) with a class-balanced logistic regression"


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=20_000, min_df=2),
        LogisticRegression(max_iter=2000, class_weight="balanced", C=4.0),
    )


def classifier_method(
    names: list[str], packages: dict[str, str], labels: dict[str, Risk], docs: dict[str, Doc], *,
    folds: int, reps: int, progress: Progress,
) -> tuple[list[Outcome], dict[str, list[float]]]:  # fmt: skip
    """Grouped cross-validation by Debian package: no tool is judged by a model that saw its label or its package."""
    from sklearn.model_selection import GroupKFold

    documented = [n for n in names if docs[n].text]
    groups = [packages[n] for n in documented]
    folds = min(folds, len(set(groups)))
    if folds < 2:
        raise ValueError("the classifier needs documented tools from at least 2 packages")
    timings: dict[str, list[float]] = {"train": [], "train_tools": []}
    decided: dict[str, Outcome] = {}
    texts = [docs[n].text or "" for n in documented]
    for train, test in GroupKFold(n_splits=folds).split(texts, groups=groups):
        t0 = time.perf_counter()
        model = _pipeline().fit([texts[i] for i in train], [int(labels[documented[i]]) for i in train])
        timings["train"].append(time.perf_counter() - t0)
        timings["train_tools"].append(float(len(train)))
        model.predict([texts[test[0]]])  # warm-up, untimed
        for i in test:
            level, seconds = _timed(reps, lambda: int(model.predict([texts[i]])[0]))  # noqa: B023
            risk = Risk(level)
            decided[documented[i]] = Outcome(documented[i], RISK_DECISION[risk], risk, seconds)
            progress(1)
    out = []
    for name in names:
        if name in decided:
            out.append(decided[name])
        else:  # nothing to read: the scanner's fail-safe default, not the model's guess
            out.append(Outcome(name, RISK_DECISION[Risk.MEDIUM_RISK], Risk.MEDIUM_RISK, None,
                               "no documentation: MEDIUM_RISK by default"))  # fmt: skip
            progress(1)
    timings["folds"] = [float(folds)]
    return out, timings


# -- language models ----------------------------------------------------------------------------

FAIL_SAFE = Decision.REQUIRE_APPROVAL  # an answer that names no level is not an approval


def imported_method(names: list[str], path: Path, progress: Progress) -> list[Outcome]:
    judgments = read_judgments(path)
    out = []
    for name in names:
        j = judgments.get(name)
        if j is None:
            out.append(Outcome(name, None, None, None, "not in the file"))
        elif j.decision is None:
            out.append(Outcome(name, FAIL_SAFE, None, None, "the answer names no level: REQUIRE_APPROVAL"))
        else:
            out.append(Outcome(name, j.decision, j.risk, [j.seconds] if j.seconds else None))
        progress(1)
    return out


def live_method(names: list[str], docs: dict[str, Doc], opts: dict[str, Any], progress: Progress) -> list[Outcome]:
    client = LiveClient(opts["url"], opts["model"], opts["api_key_env"], opts["timeout_s"], opts["max_chars"])
    limit = opts.get("limit", len(names))
    out = []
    for i, name in enumerate(names):
        if i >= limit:
            out.append(Outcome(name, None, None, None, "beyond the method's limit"))
        else:
            j = client.judge(name, docs[name].text)
            if j.decision is None:
                out.append(
                    Outcome(name, FAIL_SAFE, None, [j.seconds or 0.0], "the answer names no level: REQUIRE_APPROVAL")
                )
            else:
                out.append(Outcome(name, j.decision, j.risk, [j.seconds or 0.0]))
        progress(1)
    return out

"""Training and measuring the learned combiner (``combiner.py``) on the labelled tools (scikit-learn).

``train()`` fits the two logistic models (needs a person; only reads) on every labelled tool, with
package-grouped cross-validation (``FOLDS`` folds: no tool is scored by a model that saw its package) giving the
out-of-fold scores from which:
- the Platt calibration of each model is fitted;
- ``raise_at`` is chosen: the probability of needing a person that maximises human-or-not agreement out of fold;
- each lowering boundary is opened only if some threshold lowers tools out of fold with **no** dangerous miss at
  that boundary (a lowered tool whose label needs a person), and then at the most cautious such threshold.
The figures it reports for the labelled set are the out-of-fold ones. ``tcphw tools train`` (``make tools-model``)
writes the model to ``data/combiner.json``; whether the scanner uses it (``kept``) is decided by the blind groups'
figures and written there by hand, with the reason.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tcphw.contract import RISK_DECISION, Decision, Risk
from tcphw.host.apps.tools.combiner import step

if TYPE_CHECKING:
    from tcphw.host.apps.tools.scoring import Judged

MODEL = (
    "two logistic regressions (L2, C=0.3, class-balanced) over the policy's level and signals, the evidence "
    "(libraries, imports, file mode, script commands, install directory, package section and Debtags), the kinds "
    "of the page's option entries, and the words of the tool's summary and of its package's; Platt-calibrated on "
    "package-grouped out-of-fold scores"
)
FOLDS = 5
C_REG = 0.3
MIN_COUNT = 3  # a feature seen on fewer labelled tools gets no weight
APPROVE_PERSON_MAX = 0.2
APPROVE_MIN = 0.8  # lowering CAUTION to APPROVE never below this probability of reading only
STRICT = (Decision.REQUIRE_APPROVAL, Decision.REJECT)


def _needs_person(risk: Risk) -> bool:
    return RISK_DECISION[risk] in STRICT


def _fit(x: Any, y: np.ndarray) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C_REG, max_iter=5000, class_weight="balanced").fit(x, y)


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    m = LogisticRegression(C=1e6, max_iter=5000).fit(scores.reshape(-1, 1), y)
    return float(m.coef_[0][0]), float(m.intercept_[0])


def _sigmoid(z: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))
    return out


def out_of_fold(
    feats: Sequence[dict[str, float]], labels: Sequence[Risk], groups: Sequence[str]
) -> tuple[np.ndarray, np.ndarray]:
    """Raw (uncalibrated) scores of both models for every tool, each from a model that never saw its package."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.model_selection import GroupKFold

    y_person = np.array([_needs_person(r) for r in labels])
    y_approve = np.array([RISK_DECISION[r] == Decision.APPROVE for r in labels])
    scores = np.zeros((2, len(feats)))
    for train_idx, test_idx in GroupKFold(n_splits=FOLDS).split(feats, y_person, groups):
        dv = DictVectorizer()
        x_train = dv.fit_transform([feats[i] for i in train_idx])
        x_test = dv.transform([feats[i] for i in test_idx])
        for row, y in enumerate((y_person, y_approve)):
            scores[row, test_idx] = _fit(x_train, y[train_idx]).decision_function(x_test)
    return scores[0], scores[1]


def choose_thresholds(
    rules: Sequence[Risk], labels: Sequence[Risk], p: np.ndarray, a: np.ndarray, may_lower: Sequence[bool]
) -> tuple[float, dict[str, float]]:
    """``raise_at`` and the lowering boundaries that the out-of-fold probabilities allow (see the module)."""
    person = np.array([_needs_person(r) for r in labels])
    decided = [RISK_DECISION[r] for r in rules]
    best, raise_at = -1.0, 1.01
    for t in np.round(np.arange(0.30, 0.96, 0.01), 2):
        got = np.array([d in STRICT or pi >= t for d, pi in zip(decided, p, strict=True)])
        agree = float(np.mean(got == person))
        if agree > best:
            best, raise_at = agree, float(t)
    lower: dict[str, float] = {}
    # person -> caution: the largest threshold under which no lowered tool needs a person
    req = [i for i, d in enumerate(decided) if d == Decision.REQUIRE_APPROVAL and may_lower[i]]
    needing = sorted(p[i] for i in req if person[i])
    limit = needing[0] if needing else 1.0
    safe = [p[i] for i in req if p[i] < limit]
    if safe:
        lower["person->caution"] = float(np.floor(max(safe) * 1000) / 1000)
    # caution -> approve: the lowest threshold (not under APPROVE_MIN) over which no lowered tool needs a person
    cau = [i for i, d in enumerate(decided) if d == Decision.CAUTION and may_lower[i] and p[i] <= APPROVE_PERSON_MAX]
    worst = max((a[i] for i in cau if person[i]), default=0.0)
    t = max(APPROVE_MIN, float(np.ceil(worst * 1000) / 1000) + 0.001)
    if t < 1.0 and any(a[i] >= t for i in cau):
        lower["caution->approve"] = t
    return raise_at, lower


def train(
    feats: Sequence[dict[str, float]], labels: Sequence[Risk], groups: Sequence[str], rules: Sequence[Risk],
    may_lower: Sequence[bool],
) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
    """The model (as the JSON ``combiner.json`` holds) and its out-of-fold figures."""
    from sklearn.feature_extraction import DictVectorizer

    s_person, s_approve = out_of_fold(feats, labels, groups)
    y_person = np.array([_needs_person(r) for r in labels])
    y_approve = np.array([RISK_DECISION[r] == Decision.APPROVE for r in labels])
    cal_p, cal_a = _platt(s_person, y_person), _platt(s_approve, y_approve)
    p = _sigmoid(cal_p[0] * s_person + cal_p[1])
    a = _sigmoid(cal_a[0] * s_approve + cal_a[1])
    raise_at, lower = choose_thresholds(rules, labels, p, a, may_lower)
    counts: dict[str, int] = {}
    for f in feats:
        for k in f:
            counts[k] = counts.get(k, 0) + 1
    kept_feats = [{k: v for k, v in f.items() if counts[k] >= MIN_COUNT} for f in feats]
    dv = DictVectorizer()
    x = dv.fit_transform(kept_feats)
    out: dict[str, Any] = {
        "model": MODEL, "folds": FOLDS, "labels": len(labels), "raise_at": raise_at, "lower": lower,
        "approve_person_max": APPROVE_PERSON_MAX, "kept": False, "why": "not yet measured on a blind group",
    }  # fmt: skip
    for key, y, cal in (("person", y_person, cal_p), ("approve", y_approve, cal_a)):
        m = _fit(x, y)
        pairs = zip(dv.feature_names_, m.coef_[0], strict=True)
        weights = {name: round(float(w), 5) for name, w in pairs if abs(w) > 1e-5}
        out[key] = {"weights": dict(sorted(weights.items())), "intercept": round(float(m.intercept_[0]), 5),
                    "calibration": [round(cal[0], 5), round(cal[1], 5)]}  # fmt: skip
    oof = {"p_person": p.tolist(), "p_approve": a.tolist(), "calibration": calibration_table(p, y_person)}
    return out, oof


def calibration_table(p: np.ndarray, y: np.ndarray, bins: int = 5) -> list[dict[str, float]]:
    """Out of fold: predicted probability of needing a person against how often it was so, by bins of equal width."""
    rows = []
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in itertools.pairwise(edges):
        inside = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if inside.any():
            rows.append({"from": float(lo), "to": float(hi), "tools": int(inside.sum()),
                         "mean_predicted": float(p[inside].mean()), "observed": float(y[inside].mean())})  # fmt: skip
    brier = float(np.mean((p - y) ** 2))
    return [*rows, {"brier": brier}]


def apply_oof(
    model: dict[str, Any], rules: Sequence[Risk], p: Sequence[float], a: Sequence[float], may_lower: Sequence[bool]
) -> list[Risk]:
    """The levels that the combiner's thresholds give with out-of-fold probabilities."""
    return [
        step(r, pi, ai, float(model["raise_at"]), dict(model["lower"]), float(model["approve_person_max"]),
             may_lower=low)[0]
        for r, pi, ai, low in zip(rules, p, a, may_lower, strict=True)
    ]  # fmt: skip


def _inputs(judged: Sequence[Judged]) -> tuple[list[dict[str, float]], list[Risk], list[str], list[Risk], list[bool]]:
    # The combiner lowers only what the policy decided (never a curated-table decision).
    return (
        [j.features for j in judged],
        [j.label.risk for j in judged],
        [j.label.package for j in judged],
        [j.rules if j.rules is not None else j.policy for j in judged],
        [j.may_lower and not j.source.startswith("table") for j in judged],
    )


def cross_validated(judged: Sequence[Judged]) -> dict[str, Any]:
    """The combiner trained on every labelled tool (the model ``tools train`` writes) and, for each tool, the level
    it gets from a model that never saw its package: the out-of-fold figures."""
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return {"unavailable": "scikit-learn is not installed (pip install 'tcphw[learn]')", "levels": {}}
    feats, labels, groups, rules, may_lower = _inputs(judged)
    model, oof = train(feats, labels, groups, rules, may_lower)
    levels = apply_oof(model, rules, oof["p_person"], oof["p_approve"], may_lower)
    levels = [j.classifier if j.source.startswith("table") else r for j, r in zip(judged, levels, strict=True)]
    changes = {"raised": 0, "lowered": 0}
    for r, got in zip(rules, levels, strict=True):
        if got > r:
            changes["raised"] += 1
        elif got < r:
            changes["lowered"] += 1
    return {
        "model": model,
        "levels": {j.label.name: r.name for j, r in zip(judged, levels, strict=True)},
        "calibration": oof["calibration"],
        "changes": changes,
    }


def source_auc(judged: Sequence[Judged], prefixes: tuple[str, ...]) -> dict[str, float]:
    """Out-of-fold AUC of both models on the features with these prefixes only."""
    try:
        from sklearn.metrics import roc_auc_score
    except ImportError:
        return {}
    feats = [{k: v for k, v in j.features.items() if k.startswith(prefixes)} for j in judged]
    labels = [j.label.risk for j in judged]
    s_person, s_approve = out_of_fold(feats, labels, [j.label.package for j in judged])
    return {
        "needs_person": float(roc_auc_score([_needs_person(r) for r in labels], s_person)),
        "only_reads": float(roc_auc_score([RISK_DECISION[r] == Decision.APPROVE for r in labels], s_approve)),
    }


def compare_models(judged: Sequence[Judged]) -> dict[str, dict[str, float]]:
    """Out-of-fold AUC of the shipped kind of model (logistic) against gradient boosting (scikit-learn's
    HistGradientBoosting, 150 iterations), on the same features (those seen on at least 10 tools) and the same
    package-grouped folds. Minutes: gradient boosting needs the features dense."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold

    feats, labels, groups, _, _ = _inputs(judged)
    targets = {
        "needs_person": np.array([_needs_person(r) for r in labels]),
        "only_reads": np.array([RISK_DECISION[r] == Decision.APPROVE for r in labels]),
    }
    makers: dict[str, Any] = {
        "logistic": lambda: LogisticRegression(C=C_REG, max_iter=5000, class_weight="balanced"),
        "gradient boosting": lambda: HistGradientBoostingClassifier(
            max_iter=150, learning_rate=0.1, class_weight="balanced", random_state=0
        ),
    }
    out: dict[str, dict[str, float]] = {}
    for name, make in makers.items():
        out[name] = {}
        for target, y in targets.items():
            p = np.zeros(len(y))
            for tr, te in GroupKFold(n_splits=FOLDS).split(feats, y, groups):
                dv = DictVectorizer()
                xa, xb = dv.fit_transform([feats[i] for i in tr]), dv.transform([feats[i] for i in te])
                keep = np.asarray((xa != 0).sum(axis=0)).ravel() >= 10
                xa, xb = xa[:, keep], xb[:, keep]
                if name == "gradient boosting":
                    xa, xb = xa.toarray(), xb.toarray()
                p[te] = make().fit(xa, y[tr]).predict_proba(xb)[:, 1]
            out[name][target] = float(roc_auc_score(y, p))
    return out

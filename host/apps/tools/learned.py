"""A learned signal for tool risk, measured against the policy: TF-IDF over the documentation and a
linear model (scikit-learn), which may only *raise* the policy's level.

The scanner does not use it; ``tcphw tools accuracy`` measures, every time, whether it would earn its place
(better on the newest held-out group and cross-validated over every package) and says so (``verdict``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tcphw.contract import Risk

if TYPE_CHECKING:
    from tcphw.host.apps.tools.accuracy import Judged

MODEL = (
    "TF-IDF of the documentation (words and word pairs, sublinear, 20,000 features) with a class-balanced "
    "logistic regression over the five levels"
)
FOLDS = 5


def _pipeline() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=20_000, min_df=2),
        LogisticRegression(max_iter=2000, class_weight="balanced", C=4.0),
    )


def _raise(policy: Risk, learned: int | None) -> Risk:
    return policy if learned is None else max(policy, Risk(learned))


def learned_comparison(judged: list[Judged], held: list[str]) -> dict[str, Any]:
    """Held-out and grouped-cross-validated figures for the policy with and without the learned raise."""
    try:
        from sklearn.model_selection import GroupKFold
    except ImportError:
        return {"unavailable": "scikit-learn is not installed (pip install 'tcphw[learn]')"}
    from tcphw.host.apps.tools.accuracy import Metrics

    documented = [j for j in judged if j.doc.text]
    texts = [j.doc.text or "" for j in documented]
    levels = [int(j.label.risk) for j in documented]
    groups = [j.label.package for j in documented]
    predicted: dict[str, dict[str, int]] = {"heldout": {}, "all": {}}

    train = [i for i, g in enumerate(groups) if g not in held]
    test = [i for i, g in enumerate(groups) if g in held]
    model = _pipeline().fit([texts[i] for i in train], [levels[i] for i in train])
    for i, p in zip(test, model.predict([texts[i] for i in test]), strict=True):
        predicted["heldout"][documented[i].label.name] = int(p)
    for tr, te in GroupKFold(n_splits=FOLDS).split(texts, levels, groups):
        model = _pipeline().fit([texts[i] for i in tr], [levels[i] for i in tr])
        for i, p in zip(te, model.predict([texts[i] for i in te]), strict=True):
            predicted["all"][documented[i].label.name] = int(p)

    out: dict[str, Any] = {"model": MODEL, "folds": FOLDS}
    for key, part in (("heldout", [j for j in judged if j.label.package in held]), ("all", judged)):
        base = Metrics([(j.label, j.policy) for j in part])
        raised = Metrics([(j.label, _raise(j.policy, predicted[key].get(j.label.name))) for j in part])
        out[key] = {"policy": base.as_dict(), "policy_plus_learned": raised.as_dict()}
    # Kept only where it helps both on the newest held-out group and across every package (cross-validated):
    # one small group alone can reward a model that makes everything else more cautious.
    better = all(
        out[key]["policy_plus_learned"]["decision_agreement"] > out[key]["policy"]["decision_agreement"]
        and len(out[key]["policy_plus_learned"]["dangerous_misses"]) <= len(out[key]["policy"]["dangerous_misses"])
        for key in ("heldout", "all")
    )
    out["kept"] = better
    out["verdict"] = (
        "it improves the held-out and the cross-validated agreement without a new dangerous miss; the scanner "
        "does not use it yet"
        if better
        else "not kept: it does not improve both the held-out and the cross-validated figures, so the scanner "
        "does not use it"
    )
    return out

"""Statistics for timing experiments (scipy): summaries with bootstrap CIs, outliers that are
reported, pairwise tests with effect sizes, and a power analysis.

Choice of test: timings are rarely normal (a floor and a long right tail), so the primary
test is Mann-Whitney U, which assumes nothing about the shape. Welch's t-test is reported
beside it; Shapiro-Wilk on both samples says whether its normality assumption held, and the
report states which test the conclusion rests on.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from tcphw.extras import require
from tcphw.stats import ratio_ci

stats = require("analysis", "scipy.stats", "experiment statistics")

NOISY_CV = 0.10


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    median_ci: tuple[float, float]
    mean: float
    mean_ci: tuple[float, float]
    stddev: float
    cv: float
    noisy: bool  # CV at or above NOISY_CV
    outliers: tuple[int, ...]  # indices outside Tukey's fences (1.5 IQR); kept in every statistic
    minimum: float
    maximum: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def bootstrap_ci(x: np.ndarray, statistic: Any, *, level: float = 0.95, seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap CI (scipy.stats.bootstrap, 9,999 resamples); one value: zero width."""
    if x.size < 2 or np.all(x == x[0]):
        return float(x[0]), float(x[0])
    result = stats.bootstrap(
        (x,), statistic, confidence_level=level, n_resamples=9_999, method="percentile", random_state=seed
    )
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def outliers(x: np.ndarray) -> tuple[int, ...]:
    q1, q3 = np.percentile(x, [25, 75])
    low, high = q1 - 1.5 * (q3 - q1), q3 + 1.5 * (q3 - q1)
    return tuple(int(i) for i in np.flatnonzero((x < low) | (x > high)))


def summarize(samples: ArrayLike, *, seed: int = 0) -> Summary:
    x = np.asarray(samples, dtype=float)
    if x.size == 0:
        raise ValueError("no samples")
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if x.size > 1 else 0.0
    cv = std / mean if mean else 0.0
    return Summary(
        n=int(x.size),
        median=float(np.median(x)),
        median_ci=bootstrap_ci(x, np.median, seed=seed),
        mean=mean,
        mean_ci=bootstrap_ci(x, np.mean, seed=seed),
        stddev=std,
        cv=cv,
        noisy=cv >= NOISY_CV,
        outliers=outliers(x) if x.size >= 4 else (),
        minimum=float(x.min()),
        maximum=float(x.max()),
    )


def cliffs_delta(a: ArrayLike, b: ArrayLike) -> float:
    """P(a > b) - P(a < b) over all pairs: -1..1, 0 for no difference."""
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    diff = xa[:, None] - xb[None, :]
    return float((np.sum(diff > 0) - np.sum(diff < 0)) / diff.size)


def cohens_d(a: ArrayLike, b: ArrayLike) -> float:
    """(mean a - mean b) / pooled standard deviation."""
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    na, nb = xa.size, xb.size
    pooled = np.sqrt(((na - 1) * xa.var(ddof=1) + (nb - 1) * xb.var(ddof=1)) / (na + nb - 2))
    return float((xa.mean() - xb.mean()) / pooled) if pooled else float("inf") * np.sign(xa.mean() - xb.mean())


def magnitude(delta: float) -> str:
    """Romano et al.'s thresholds for |Cliff's delta|."""
    d = abs(delta)
    return "negligible" if d < 0.147 else "small" if d < 0.33 else "medium" if d < 0.474 else "large"


def t_test_power(d: float, n: int, alpha: float) -> float:
    """Power of a two-sided two-sample t-test with n per group at standardised effect d."""
    if n < 2:
        return 0.0
    df = 2 * n - 2
    critical = stats.t.ppf(1 - alpha / 2, df)
    nc = abs(d) * np.sqrt(n / 2)
    return float(1 - stats.nct.cdf(critical, df, nc) + stats.nct.cdf(-critical, df, nc))


def repetitions_needed(d: float, alpha: float, power: float = 0.8, limit: int = 1_000_000) -> int | None:
    """Smallest n per group giving ``power`` at standardised effect ``d``; None beyond ``limit``."""
    if d == 0 or not np.isfinite(d):
        return None if d == 0 else 2
    n = 2
    while t_test_power(d, n, alpha) < power:
        n = n * 2 if n < 64 else int(n * 1.25)
        if n > limit:
            return None
    low = max(2, n // 2)  # the first n that passes lies in (n/2, n]
    while low < n:
        mid = (low + n) // 2
        if t_test_power(d, mid, alpha) >= power:
            n = mid
        else:
            low = mid + 1
    return n


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    ratio_of_medians: float
    ratio_ci: tuple[float, float]
    mann_whitney_p: float
    welch_p: float
    normal_a: bool | None  # Shapiro-Wilk at alpha; None with fewer than 3 samples
    normal_b: bool | None
    test: str  # which p-value the conclusion rests on
    p: float
    significant: bool
    cliffs_delta: float
    cliffs_magnitude: str
    cohens_d: float
    effect: float  # the relative difference asked about: a ratio of 1 + effect
    power_at_n: float  # of the t-test on log values, at the samples we have, for that effect
    # The same test's power for the ratio actually observed (log ratio in pooled SDs of the logs).
    power_observed: float
    repetitions_for_effect: int | None  # per backend, for 80% power

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _shapiro(x: np.ndarray, alpha: float) -> bool | None:
    if x.size < 3 or np.all(x == x[0]):
        return None
    return bool(stats.shapiro(x).pvalue >= alpha)


def compare(
    name_a: str, a: ArrayLike, name_b: str, b: ArrayLike, *, alpha: float, effect: float, seed: int = 0
) -> Comparison:
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    mw = stats.mannwhitneyu(xa, xb, alternative="two-sided")
    welch = stats.ttest_ind(xa, xb, equal_var=False)
    normal_a, normal_b = _shapiro(xa, alpha), _shapiro(xb, alpha)
    both_normal = bool(normal_a) and bool(normal_b)
    test, p = ("Welch t-test", float(welch.pvalue)) if both_normal else ("Mann-Whitney U", float(mw.pvalue))
    ratio, lo, hi = ratio_ci(xa, xb, n_boot=9_999, seed=seed)
    # The effect asked about is relative (a ratio of 1 + effect between the two), so it is
    # standardised on log values: log(1 + effect) in pooled SDs of the logs (about the CVs).
    # On raw values a 10% change of a small mean drowns in a large one's spread.
    if (xa > 0).all() and (xb > 0).all():
        la, lb = np.log(xa), np.log(xb)
        pooled = np.sqrt(((la.size - 1) * la.var(ddof=1) + (lb.size - 1) * lb.var(ddof=1)) / (la.size + lb.size - 2))
        d_effect = math.log1p(effect) / pooled if pooled else float("inf")
        d_observed = abs(math.log(ratio)) / pooled if pooled and ratio > 0 else float("inf")
    else:
        pooled = np.sqrt(((xa.size - 1) * xa.var(ddof=1) + (xb.size - 1) * xb.var(ddof=1)) / (xa.size + xb.size - 2))
        d_effect = effect * abs(xa.mean()) / pooled if pooled else float("inf")
        d_observed = abs(xa.mean() - xb.mean()) / pooled if pooled else float("inf")
    n = min(xa.size, xb.size)
    return Comparison(
        a=name_a,
        b=name_b,
        ratio_of_medians=ratio,
        ratio_ci=(lo, hi),
        mann_whitney_p=float(mw.pvalue),
        welch_p=float(welch.pvalue),
        normal_a=normal_a,
        normal_b=normal_b,
        test=test,
        p=p,
        significant=p < alpha,
        cliffs_delta=cliffs_delta(xa, xb),
        cliffs_magnitude=magnitude(cliffs_delta(xa, xb)),
        cohens_d=cohens_d(xa, xb),
        effect=effect,
        power_at_n=t_test_power(d_effect, n, alpha) if np.isfinite(d_effect) else 1.0,
        power_observed=t_test_power(d_observed, n, alpha) if np.isfinite(d_observed) else 1.0,
        repetitions_for_effect=repetitions_needed(d_effect, alpha),
    )

"""Small, dependency-light statistics for benchmarks: medians and bootstrap confidence intervals."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def bootstrap_ci(
    samples: ArrayLike, *, stat: str = "median", level: float = 0.95, n_boot: int = 4000, seed: int = 0
) -> tuple[float, float]:
    """Percentile bootstrap CI of the median (or mean) of ``samples``. One sample gives a zero-width interval."""
    x = np.asarray(samples, dtype=float)
    if x.size == 0:
        raise ValueError("no samples")
    if x.size == 1:
        return float(x[0]), float(x[0])
    rng = np.random.default_rng(seed)
    resamples = x[rng.integers(0, x.size, (n_boot, x.size))]
    values = np.median(resamples, axis=1) if stat == "median" else resamples.mean(axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(values, [alpha, 1 - alpha])
    return float(lo), float(hi)


def ratio_ci(
    a: ArrayLike, b: ArrayLike, *, level: float = 0.95, n_boot: int = 4000, seed: int = 0
) -> tuple[float, float, float]:
    """Ratio of medians ``median(a) / median(b)`` with a bootstrap CI (independent resampling of both)."""
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    rng = np.random.default_rng(seed)
    ma = np.median(xa[rng.integers(0, xa.size, (n_boot, xa.size))], axis=1)
    mb = np.median(xb[rng.integers(0, xb.size, (n_boot, xb.size))], axis=1)
    alpha = (1 - level) / 2
    lo, hi = np.quantile(ma / mb, [alpha, 1 - alpha])
    return float(np.median(xa) / np.median(xb)), float(lo), float(hi)


def summarize(samples: ArrayLike, seed: int = 0) -> dict[str, float]:
    x = np.asarray(samples, dtype=float)
    lo, hi = bootstrap_ci(x, seed=seed)
    mean = float(x.mean())
    std = float(x.std(ddof=1)) if x.size > 1 else 0.0
    return {
        "median": float(np.median(x)),
        "ci95_low": lo,
        "ci95_high": hi,
        "mean": mean,
        "stddev": std,
        "cv": std / mean if mean else 0.0,
        "min": float(x.min()),
        "max": float(x.max()),
        "n": int(x.size),
    }

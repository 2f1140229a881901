"""Counts over a verdict array: what `tcphw validate --json` prints."""

from __future__ import annotations

from typing import Any

import numpy as np

from tcphw.contract import DECISION_SHIFT, ERROR_MASK, Decision, VerdictBit


def verdict_summary(verdicts: np.ndarray) -> dict[str, Any]:
    v = np.asarray(verdicts, dtype=np.uint8)
    decisions = np.bincount(v >> DECISION_SHIFT, minlength=4)
    return {
        "count": int(v.size),
        "valid": int(np.count_nonzero((v & ERROR_MASK) == 0)),
        "decisions": {d.name: int(decisions[d]) for d in Decision},
        "errors": {b.name: int(np.count_nonzero(v & b)) for b in VerdictBit if b.name},
    }


def format_summary(summary: dict[str, Any]) -> str:
    n = summary["count"]

    def pct(k: int) -> str:
        return f"{k:>12,}  {k / n:7.2%}" if n else f"{k:>12,}"

    lines = [f"{'descriptors':<18}{n:>12,}", f"{'valid':<18}{pct(summary['valid'])}", "decisions:"]
    lines += [f"  {name:<16}{pct(k)}" for name, k in summary["decisions"].items()]
    lines.append("error bits (a descriptor may have several):")
    lines += [f"  {name:<16}{pct(k)}" for name, k in summary["errors"].items()]
    return "\n".join(lines)

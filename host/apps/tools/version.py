"""The analysis version: a digest of everything that decides a tool's level, so no bump can be forgotten.

A re-scan analyses a tool again when its file changed or when ``ANALYSIS_VERSION`` differs from the one stored
with it. The version is derived, never written by hand: the first 48 bits of a SHA-256 over
- the signal table (``policy.SIGNALS``: each signal's name, part, pattern, level, reason, capabilities and caps),
- the curated table (``known.TABLE``),
- the learned combiner (``data/combiner.json``, byte for byte),
- the source of the evidence extractors and of the code that combines them (``EXTRACTORS``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

from tcphw.host.apps.tools import analyze, binary, combiner, evidence, known, manpage, package, policy


def _modules() -> tuple[ModuleType, ...]:
    return (policy, analyze, known, binary, package, manpage, evidence, combiner)


EXTRACTORS: tuple[str, ...] = tuple(str(m.__file__) for m in _modules())


def signal_table_text(signals: Iterable[policy.Signal] | None = None) -> str:
    rows = []
    for s in signals if signals is not None else policy.SIGNALS:
        rows.append(
            repr((s.name, s.where, s.pattern.pattern, int(s.pattern.flags), int(s.risk), s.reason, s.capabilities,
                  s.when_read_only, None if s.when_no_change is None else int(s.when_no_change)))
        )  # fmt: skip
    return "\n".join(rows)


def curated_table_text() -> str:
    return "\n".join(f"{name}\t{k.risk.name}\t{k.capabilities}\t{k.reason}" for name, k in sorted(known.TABLE.items()))


def analysis_digest(
    signals: Iterable[policy.Signal] | None = None,
    model: bytes | None = None,
    extractors: Iterable[str] = EXTRACTORS,
) -> str:
    """The SHA-256 of what decides a level (arguments replace a part, for the tests)."""
    h = hashlib.sha256()
    for part in (
        signal_table_text(signals).encode(),
        curated_table_text().encode(),
        model if model is not None else combiner.model_bytes(),
        *(Path(p).read_bytes() for p in extractors),
    ):
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.hexdigest()


def version_of(digest: str) -> int:
    """The registry's integer column holds the digest's first 48 bits."""
    return int(digest[:12], 16)


ANALYSIS_VERSION = version_of(analysis_digest())

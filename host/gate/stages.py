"""Where a check's time goes: clocks around a Gate's stages, for the service's ``/stats`` and ``gate bench``.

The gate is not changed for this: ``instrument`` wraps the bound methods and the validator of one Gate
instance, so every other gate (the hook's, the MCP server's) runs unwrapped. The stages of ``check_many``:

- ``judge``: parse and rules (``Gate.judge``), the registry lookups of the parts' descriptors included;
- ``lookup``: those lookups alone (``Catalogue.entry``: the gate table, else the registry, cached per name);
- ``validate``: the backend call, one per ``check_many``;
- ``check``: the whole ``check_many``; what is left of it after judge and validate is the decisions;

and the service adds ``log`` (the audit log's transaction) and ``encode`` (the answers' JSON). Each stage
keeps wall time and the thread's CPU time: a CPU-bound stage's wall time also counts the waits for the GIL,
while the CPU time does not; a board's validation is mostly wall time spent waiting on its link.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

STAGES = ("check", "judge", "lookup", "validate", "log", "encode")

F = TypeVar("F", bound=Callable[..., Any])


class StageClock:
    """Seconds per stage, wall and CPU, summed since the start: read two snapshots and subtract."""

    def __init__(self) -> None:
        self.wall = dict.fromkeys(STAGES, 0.0)
        self.cpu = dict.fromkeys(STAGES, 0.0)
        self.calls = dict.fromkeys(STAGES, 0)
        self.descriptors = 0  # validated, summed over the validate calls

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.wall[stage] += time.perf_counter() - wall
            self.cpu[stage] += time.thread_time() - cpu
            self.calls[stage] += 1

    def wrap(self, stage: str, func: F) -> F:
        def timed(*args: Any, **kwargs: Any) -> Any:
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                self.wall[stage] += time.perf_counter() - wall
                self.cpu[stage] += time.thread_time() - cpu
                self.calls[stage] += 1

        return timed  # type: ignore[return-value]

    def snapshot(self) -> dict[str, Any]:
        stages: dict[str, Any] = {
            s: {"wall_s": self.wall[s], "cpu_s": self.cpu[s], "calls": self.calls[s]} for s in STAGES
        }
        stages["validate"]["descriptors"] = self.descriptors
        return stages


class _TimedValidator:
    """The gate's validator with a clock around each call; the same name, the same verdicts."""

    def __init__(self, validator: Any, clock: StageClock) -> None:
        self.inner = validator
        self.name = validator.name
        self._clock = clock
        self._verdicts = clock.wrap("validate", validator.verdicts)

    def verdicts(self, descriptors: Any) -> list[int]:
        self._clock.descriptors += len(descriptors)
        result: list[int] = self._verdicts(descriptors)
        return result

    def __getattr__(self, name: str) -> Any:  # backend, close, ...: the wrapped validator's
        return getattr(self.inner, name)


def instrument(gate: Any, clock: StageClock) -> None:
    """Time this gate's stages on ``clock`` (see the module's docstring)."""
    gate.judge = clock.wrap("judge", gate.judge)
    gate.catalogue.entry = clock.wrap("lookup", gate.catalogue.entry)
    gate.validator = _TimedValidator(gate.validator, clock)


def per_decision(before: dict[str, Any], after: dict[str, Any], n: int) -> dict[str, Any]:
    """Microseconds per decision in each stage between two snapshots of a clock, wall and CPU; ``parse+rules``
    is judge less lookup, ``decide`` is check less judge and validate."""
    if n <= 0:
        return {}

    def diff(stage: str, kind: str) -> float:
        return float(after[stage][kind] - before[stage][kind])

    out: dict[str, Any] = {}
    for kind, key in (("wall_s", "wall_us"), ("cpu_s", "cpu_us")):
        judge, lookup, validate, check = (diff(s, kind) for s in ("judge", "lookup", "validate", "check"))
        values = {
            "parse+rules": judge - lookup,
            "lookup": lookup,
            "validate": validate,
            "decide": check - judge - validate,
            "log": diff("log", kind),
            "encode": diff("encode", kind),
        }
        for stage, seconds in values.items():
            out.setdefault(stage, {})[key] = seconds / n * 1e6
    return out

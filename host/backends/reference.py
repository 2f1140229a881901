"""The spec-literal reference: pure Python, one descriptor at a time, obviously right.

The verdict itself is :func:`tcphw.host.backends.reference_spec.reference_verdict`, which imports nothing but
the contract, so a single check (the gate's hook) can use the reference without numpy."""

from __future__ import annotations

import numpy as np

from tcphw.host.backends.base import Backend, Descriptors, Verdicts, register_backend
from tcphw.host.backends.reference_spec import reference_verdict

__all__ = ["ReferenceBackend", "reference_verdict"]


@register_backend
class ReferenceBackend(Backend):
    """Pure-Python, spec-literal reference implementation."""

    name = "reference"
    description = "pure-Python spec-literal reference (slow, obviously right)"
    slow = True

    def _validate(self, descriptors: Descriptors) -> Verdicts:
        return np.fromiter(
            (reference_verdict(row.tobytes()) for row in descriptors), dtype=np.uint8, count=len(descriptors)
        )

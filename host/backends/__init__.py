"""Backends: everything that turns descriptors into verdict bytes, behind one interface.

Importing this package registers the built-in backends. Backends that need optional
hardware (board, gpu) register themselves too and raise ``BackendUnavailable`` on use.
"""

from tcphw.host.backends import board, gpu, naive, reference, software  # noqa: F401  (registration side effects)
from tcphw.host.backends.base import (
    Backend,
    BackendError,
    BackendOption,
    BackendUnavailable,
    Descriptors,
    PartialResult,
    Verdicts,
    as_descriptor_array,
    backend_names,
    backend_specs,
    get_backend,
    open_backend,
    parse_backend_spec,
    register_backend,
)

__all__ = [
    "Backend",
    "BackendError",
    "BackendOption",
    "BackendUnavailable",
    "Descriptors",
    "PartialResult",
    "Verdicts",
    "as_descriptor_array",
    "backend_names",
    "backend_specs",
    "get_backend",
    "open_backend",
    "parse_backend_spec",
    "register_backend",
]

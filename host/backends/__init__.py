"""Backends: everything that turns descriptors into verdict bytes, behind one interface.

The package loads on first use of one of its names: importing it (or a numpy-free module inside it, such as
``reference_spec``) costs nothing, and ``from tcphw.host.backends import open_backend`` imports the interface
(``base``). The registry finds the backends when first asked: every module of this package is imported once and
files the backends it defines, so a new backend is one new module (``docs/backends.md``). Backends that need
optional hardware (board, gpu) register themselves too and raise ``BackendUnavailable`` on use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # what the names are, for type checkers; at run time they load on first use
    from tcphw.host.backends.base import (
        Backend,
        BackendError,
        BackendOption,
        BackendUnavailable,
        Descriptors,
        PartialResult,
        Verdicts,
        as_descriptor_array,
        backend_class,
        backend_classes,
        backend_names,
        get_backend,
        join_backend_spec,
        open_backend,
        parse_backend_spec,
        register_backend,
        split_backend_spec,
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
    "backend_class",
    "backend_classes",
    "backend_names",
    "get_backend",
    "join_backend_spec",
    "open_backend",
    "parse_backend_spec",
    "register_backend",
    "split_backend_spec",
]

_EXPORTS = tuple(__all__)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    base = importlib.import_module(f"{__name__}.base")  # the registry; it finds the backends when asked
    value = getattr(base, name)
    globals()[name] = value
    return value

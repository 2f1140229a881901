"""The Backend interface every validator (software, board, GPU, ...) implements, and the registry of backends.

A backend is one module in this package, found on first use (as boards are): the module defines a ``Backend``
subclass and files it with ``@register_backend``. Everything else asks the class: its name, its spec options,
what a machine needs to run it (a GPU, a board: the Dask cluster places it by that), the threads it uses (bench's
streaming bound), how many descriptors bench times a slow one on, and, after a call, the call's parts (a GPU's
copies and kernel) or the device's own counters (a board's). ``docs/backends.md`` has a worked example.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from abc import ABC, abstractmethod
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, TypeVar

import numpy as np

from tcphw.contract import DESCRIPTOR_SIZE
from tcphw.descriptors import Descriptors as Descriptors  # re-exported: backends name them from here
from tcphw.descriptors import Verdicts as Verdicts


class BackendError(RuntimeError):
    """A backend cannot do what was asked (not available, link failure, ...)."""


class PartialResult(BackendError):
    """The backend stopped part-way; ``verdicts`` are the confirmed ones, from the first descriptor on."""

    def __init__(self, message: str, verdicts: np.ndarray) -> None:
        super().__init__(message)
        self.verdicts = verdicts


class BackendUnavailable(BackendError):
    """The backend cannot run on this machine (no GPU, no board, ...)."""


def as_descriptor_array(data: Any) -> Descriptors:
    """Check and view input as a C-contiguous (N, 24) uint8 array; raise ValueError otherwise."""
    arr = np.asarray(data)
    if arr.dtype != np.uint8:
        raise ValueError(f"descriptors must be uint8, got {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != DESCRIPTOR_SIZE:
        raise ValueError(f"descriptors must have shape (N, {DESCRIPTOR_SIZE}), got {arr.shape}")
    return np.ascontiguousarray(arr)


@dataclass(frozen=True)
class BackendOption:
    """One ``KEY=VALUE`` a backend accepts in its spec: its type, range and meaning."""

    name: str
    type: type  # int, float or str
    help: str
    min: float | None = None
    max: float | None = None

    def accepted(self) -> str:
        kind = {int: "an integer", float: "a number", str: "text"}[self.type]

        def show(x: float) -> str:
            return f"{int(x):,}" if self.type is int else f"{x:g}"

        if self.min is not None and self.max is not None:
            return f"{kind} from {show(self.min)} to {show(self.max)}"
        if self.min is not None:
            return f"{kind} >= {show(self.min)}"
        return kind

    def convert(self, backend: str, text: str) -> Any:
        try:
            value = self.type(text)
        except ValueError:
            raise ValueError(f"backend {backend}: {self.name}={text!r} is not {self.accepted()}") from None
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise ValueError(
                f"backend {backend}: {self.name}={text} is out of range; {self.name} takes {self.accepted()}"
            )
        return value


class Backend(ABC):
    """Validates descriptors: an (N, 24) uint8 array in, N verdict bytes out, in order.

    Backends are context managers; ``close()`` releases whatever they hold (threads,
    serial ports, simulators, device memory) and is safe to call twice.

    What a registered backend declares, as class attributes and class methods, is read without opening it:
    ``tcphw backends`` lists it, specs are checked against it, bench and the cluster plan with it.
    """

    #: The name specs give (``software``, ``software:threads=1``). Declared here once; ``@register_backend``
    #: files the class under it.
    name: str = "?"
    #: One line for ``tcphw backends``.
    description: ClassVar[str] = ""
    #: The ``KEY=VALUE`` options a spec may give: checked, converted and range-checked before the backend is built,
    #: then passed to the constructor as keyword arguments.
    options: ClassVar[tuple[BackendOption, ...]] = ()
    #: True for backends that are too slow for full-size corpora (the bench times them on a prefix).
    slow: bool = False
    #: The prefix bench times a slow backend on; None: the bench's own (``--slow-count``).
    bench_count: ClassVar[int | None] = None
    #: The last ``validate()`` call split into its parts, in seconds (the gpu's ``h2d_s``, ``kernel_s``, ``d2h_s``);
    #: None for a backend whose calls have no parts to time. Bench reports their medians.
    last_breakdown: dict[str, float] | None = None
    #: The device's own counters for the last ``validate()`` call (a board's STATS difference, its resends and
    #: round trips); None for a backend whose device counts nothing. Bench reports the board's figures from them.
    last_counters: dict[str, Any] | None = None

    @classmethod
    def resources(cls, options: dict[str, Any]) -> dict[str, float]:
        """What a machine needs to run this backend with ``options``, as Dask worker resources (``{"gpu": 1}``);
        the cluster places it on a worker that offers them. ``{}``: any machine, on its CPUs alone, so its memory
        bounds the speed (bench times the streaming bound beside it)."""
        return {}

    @classmethod
    def host_threads(cls, options: dict[str, Any]) -> int:
        """The host threads it validates on with ``options``; bench times the streaming bound on as many."""
        return 1

    @classmethod
    def machine_note(cls) -> str | None:
        """One line for ``tcphw backends`` on what this machine gives it (the software kernel's path), or None."""
        return None

    @classmethod
    def option(cls, key: str) -> BackendOption:
        for o in cls.options:
            if o.name == key:
                return o
        known = ", ".join(o.name for o in cls.options)
        raise ValueError(
            f"backend {cls.name} has no option {key!r}; "
            + (f"its options: {known} (tcphw backends lists them)" if known else "it takes no options")
        )

    def validate(self, descriptors: Any) -> Verdicts:
        arr = as_descriptor_array(descriptors)
        out = self._validate(arr)
        if out.shape != (arr.shape[0],) or out.dtype != np.uint8:
            raise BackendError(f"backend {self.name} returned {out.shape} {out.dtype} for {arr.shape[0]} descriptors")
        return out

    @abstractmethod
    def _validate(self, descriptors: Descriptors) -> Verdicts: ...

    def info(self) -> dict[str, Any]:
        """What this open backend is, for reports: at least ``name`` and ``description``."""
        return {"name": self.name, "description": (type(self).__doc__ or "").strip().splitlines()[0]}

    def peak_bandwidth_bytes_s(self) -> float | None:
        """The device's theoretical memory bandwidth, for the kernel's share of it in bench; None where unknown."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> Backend:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


B = TypeVar("B", bound=type[Backend])

_REGISTRY: dict[str, type[Backend]] = {}
_SEARCHED: list[str] = []  # the package's __path__ when its modules were last imported


def register_backend(cls: B) -> B:
    """Class decorator: file a backend under its ``name``, for the CLI, bench, experiments and the cluster."""
    if "name" not in cls.__dict__ or not cls.name or ":" in cls.name or "," in cls.name:
        raise ValueError(f"{cls.__qualname__} must declare its own name (no ':' or ','), e.g. name = \"mine\"")
    if not cls.description:
        raise ValueError(f"backend {cls.name} must declare a one-line description")
    if cls.name in _REGISTRY:
        raise ValueError(f"backend {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def _find_backends() -> None:
    """Import every module of this package not imported yet: each files the backends it defines. A new backend is
    a new module here and nothing else. Searched again only when the package's path changes."""
    package = sys.modules[__package__ or "tcphw.host.backends"]
    path = list(package.__path__)
    if path == _SEARCHED:
        return
    for module in pkgutil.iter_modules(path):
        importlib.import_module(f"{package.__name__}.{module.name}")
    _SEARCHED[:] = path


def backend_names() -> list[str]:
    """Every registered backend's name, sorted (the order does not depend on which module was imported first)."""
    _find_backends()
    return sorted(_REGISTRY)


def backend_classes() -> list[type[Backend]]:
    """Every registered backend, sorted by name."""
    return [_REGISTRY[name] for name in backend_names()]


def backend_class(name: str) -> type[Backend]:
    """The registered backend called ``name``; unknown names raise KeyError listing the known ones."""
    _find_backends()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown backend {name!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def get_backend(name: str, **options: Any) -> Backend:
    """Instantiate a registered backend; unknown names raise KeyError listing the known ones."""
    return backend_class(name)(**options)


def split_backend_spec(spec: str) -> tuple[str, list[tuple[str, str]]]:
    """The syntax of a spec alone: ``board:port=X,board=Y`` -> ``("board", [("port", "X"), ("board", "Y")])``,
    keys and values as written (not checked against the backend)."""
    name, _, rest = spec.partition(":")
    pairs: list[tuple[str, str]] = []
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"backend option {item!r} in {spec!r} is not KEY=VALUE")
        pairs.append((key.strip(), value.strip()))
    return name.strip(), pairs


def join_backend_spec(name: str, pairs: list[tuple[str, str]]) -> str:
    """``split_backend_spec`` backwards: ``("board", [("port", "X")])`` -> ``board:port=X``."""
    return name + (":" + ",".join(f"{key}={value}" for key, value in pairs) if pairs else "")


def parse_backend_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``software:threads=1`` -> ``("software", {"threads": 1})``, each option checked against the ones
    the backend declares (name, type, range); a bare name has no options."""
    name, pairs = split_backend_spec(spec)
    declared = backend_class(name)
    options: dict[str, Any] = {}
    for key, value in pairs:
        if key in options:
            raise ValueError(f"backend {name}: option {key} given twice in {spec!r}")
        options[key] = declared.option(key).convert(name, value)
    return name, options


def open_backend(spec: str) -> Backend:
    """Instantiate a backend from a ``name[:key=value,...]`` spec string."""
    name, options = parse_backend_spec(spec)
    return get_backend(name, **options)

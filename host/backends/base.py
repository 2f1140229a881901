"""The Backend interface every validator (software, board, GPU, ...) implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

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


class Backend(ABC):
    """Validates descriptors: an (N, 24) uint8 array in, N verdict bytes out, in order.

    Backends are context managers; ``close()`` releases whatever they hold (threads,
    serial ports, simulators, device memory) and is safe to call twice.
    """

    name: str = "?"
    #: True for backends that are too slow for full-size corpora (the bench times them on a prefix).
    slow: bool = False

    def validate(self, descriptors: Any) -> Verdicts:
        arr = as_descriptor_array(descriptors)
        out = self._validate(arr)
        if out.shape != (arr.shape[0],) or out.dtype != np.uint8:
            raise BackendError(f"backend {self.name} returned {out.shape} {out.dtype} for {arr.shape[0]} descriptors")
        return out

    @abstractmethod
    def _validate(self, descriptors: Descriptors) -> Verdicts: ...

    def info(self) -> dict[str, Any]:
        """What this backend is, for reports: at least ``name`` and ``description``."""
        return {"name": self.name, "description": (type(self).__doc__ or "").strip().splitlines()[0]}

    def close(self) -> None:  # noqa: B027 - optional hook
        pass

    def __enter__(self) -> Backend:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


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


@dataclass(frozen=True)
class BackendSpec:
    name: str
    description: str
    factory: Callable[..., Backend]
    options: tuple[BackendOption, ...] = ()

    def option(self, key: str) -> BackendOption:
        for o in self.options:
            if o.name == key:
                return o
        known = ", ".join(o.name for o in self.options)
        raise ValueError(
            f"backend {self.name} has no option {key!r}; "
            + (f"its options: {known} (tcphw backends lists them)" if known else "it takes no options")
        )


_REGISTRY: dict[str, BackendSpec] = {}


def register_backend(
    name: str, description: str, options: tuple[BackendOption, ...] = ()
) -> Callable[[Callable[..., Backend]], Callable[..., Backend]]:
    """Class decorator: make a backend available by name to the CLI, bench and experiments, with the
    options its spec may give (checked, converted and range-checked before the backend is built)."""

    def decorate(factory: Callable[..., Backend]) -> Callable[..., Backend]:
        if name in _REGISTRY:
            raise ValueError(f"backend {name!r} registered twice")
        _REGISTRY[name] = BackendSpec(name, description, factory, options)
        return factory

    return decorate


def backend_names() -> list[str]:
    return list(_REGISTRY)


def backend_specs() -> list[BackendSpec]:
    return list(_REGISTRY.values())


def get_backend(name: str, **options: Any) -> Backend:
    """Instantiate a registered backend; unknown names raise KeyError listing the known ones."""
    try:
        spec = _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown backend {name!r}; known: {', '.join(_REGISTRY)}") from None
    return spec.factory(**options)


def parse_backend_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``software:threads=1`` -> ``("software", {"threads": 1})``, each option checked against the ones
    the backend declares (name, type, range); a bare name has no options."""
    name, _, rest = spec.partition(":")
    name = name.strip()
    if name not in _REGISTRY:
        raise KeyError(f"unknown backend {name!r}; known: {', '.join(_REGISTRY)}")
    declared = _REGISTRY[name]
    options: dict[str, Any] = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"backend option {item!r} in {spec!r} is not KEY=VALUE")
        key = key.strip()
        if key in options:
            raise ValueError(f"backend {name}: option {key} given twice in {spec!r}")
        options[key] = declared.option(key).convert(name, value.strip())
    return name, options


def open_backend(spec: str) -> Backend:
    """Instantiate a backend from a ``name[:key=value,...]`` spec string."""
    name, options = parse_backend_spec(spec)
    return get_backend(name, **options)

"""FPGA families: one module each in this package, found and registered on import (as boards are).

A family module calls ``register(Family(...))`` (``family.py`` says what a record holds); everything that
differs by family reads the records, so a new family is one module here and its package in
``pyproject.toml``'s extra (``tests/test_families.py`` checks both, with a throw-away family).
"""

from __future__ import annotations

import importlib
import pkgutil

from .family import (
    PLL,
    Cells,
    Device,
    Family,
    FamilyError,
    PLLError,
    all_families,
    devices,
    get_device,
    get_family,
    register,
)

__all__ = [
    "PLL",
    "Cells",
    "Device",
    "Family",
    "FamilyError",
    "PLLError",
    "all_families",
    "devices",
    "get_device",
    "get_family",
    "load",
    "register",
]


def load() -> None:
    """Imports every family module on this package's path (a test adds a folder to it)."""
    for module in pkgutil.iter_modules(__path__):
        if module.name != "family":
            importlib.import_module(f"{__name__}.{module.name}")


load()

"""Supported boards: one small module each in this package, found and registered on import.

A board module calls ``register(Board(...))``; ``tcphw boards`` lists what is registered.
"""

from __future__ import annotations

import importlib
import pkgutil

from .board import Board, BoardError, Programmer, all_boards, get_board, register

__all__ = ["Board", "BoardError", "Programmer", "all_boards", "get_board", "register"]

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("board", "build", "flash", "platform_top"):
        importlib.import_module(f"{__name__}.{_module.name}")

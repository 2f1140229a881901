"""The ``sync`` domain from a board oscillator through its family's PLL, held in reset until lock.

The PLL itself (the settings search and the vendor primitive) is the family's (``hdl/families/``).
"""

from __future__ import annotations

from amaranth.hdl import ClockDomain, Module, Signal
from amaranth.lib.cdc import ResetSynchronizer

from .families import PLLError, get_family

__all__ = ["PLLError", "sync_domain_from_pll"]


def sync_domain_from_pll(m: Module, platform, family: str, clock_resource: str, f_in: float, f_out: float) -> None:  # type: ignore[no-untyped-def]
    """Creates the ``sync`` domain at ``f_out`` from the board oscillator, held in reset until lock."""
    pll = get_family(family).pll
    m.domains.sync = cd_sync = ClockDomain("sync")
    pll_clk = Signal()
    locked = Signal()
    m.submodules.pll = pll.instance(platform, clock_resource, pll.search(f_in, f_out), pll_clk, locked)
    # No explicit constraint: nextpnr derives the PLL output's from the oscillator's (an explicit
    # one on this net is lost to renaming); the build checks the derived target is ``f_out``.
    m.d.comb += cd_sync.clk.eq(pll_clk)
    m.submodules.reset_sync = ResetSynchronizer(~locked, domain="sync")

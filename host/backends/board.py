"""The ``board`` backend: a tcphw board over its serial link, real or virtual.

``board`` alone starts a virtual board (the iCEBreaker's gateware in Verilator) and stops it
on close; ``board:port=URL`` uses a real board (``/dev/ttyUSB1``) or any pyserial URL.
``board=NAME`` picks the board definition: a virtual board of that kind, or, with a port,
the gateware ID the board must report (a stale bitstream is refused).

``board:place=NAME[,coordinator=HOST:PORT][,wait=SECONDS]`` takes the board from a labgrid place
(``tcphw.host.link.labgrid``): the place is acquired, its serial resource becomes the port, HELLO and
the gateware ID are checked again (someone may have reflashed the board since the last run), and the
place is released on close, however the run ends.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from tcphw.host.backends.base import (
    Backend,
    BackendError,
    BackendOption,
    Descriptors,
    PartialResult,
    Verdicts,
    register_backend,
)
from tcphw.host.link import BoardLink, BoardStopped, LinkError, virtual_board_link
from tcphw.host.link.labgrid import LabgridError, Place

DEFAULT_BOARD = "icebreaker"


@register_backend
class BoardBackend(Backend):
    """A tcphw board (real, or virtual in Verilator) over the serial link protocol."""

    name = "board"
    description = "a tcphw FPGA board over its serial link; a virtual board when no port is given"
    options = (
        BackendOption("port", str, "the board's serial URL (/dev/ttyUSB1, socket://..., rfc2217://...)"),
        BackendOption(
            "board", str, f"board definition, for a virtual board or to check a real one (default {DEFAULT_BOARD})"
        ),
        BackendOption(
            "timeout", float, "seconds to wait for an answer before resending (default: learnt)", 0.001, 3600
        ),
        BackendOption("place", str, "a labgrid place to acquire for the run; its serial port is the board's"),
        BackendOption("coordinator", str, "the labgrid coordinator HOST:PORT (default: LG_COORDINATOR, or labgrid's)"),
        BackendOption("wait", float, "seconds to wait for a labgrid place someone else holds (default 0)", 0, 86400),
    )
    slow = True
    # About a second on either kind: a virtual iCEBreaker ran ~7,000 descriptors a second (tcphw bench -b board,
    # 2026-12-06, a 2-core machine at load 12: 95% CI 3,800-12,000); a real board's UART carries ~12,500 at 3 Mbaud.
    bench_count = 5_000

    @classmethod
    def resources(cls, options: dict[str, Any]) -> dict[str, float]:
        """The board itself: a Dask worker started with ``--resources board-icebreaker=1`` has one (a real
        board on its port, or it runs virtual ones)."""
        return {f"board-{options.get('board', DEFAULT_BOARD)}": 1}

    def __init__(
        self,
        port: str | None = None,
        board: str = DEFAULT_BOARD,
        timeout: float | None = None,
        place: str | None = None,
        coordinator: str | None = None,
        wait: float | None = None,
    ) -> None:
        # load-time: the boards load Amaranth; listing the backends imports this module
        from tcphw.boards import BoardError, get_board

        if place is None and (coordinator is not None or wait is not None):
            raise BackendError("coordinator= and wait= go with place= (a labgrid place)")
        if place is not None and port is not None:
            raise BackendError("give port= or place=, not both: a labgrid place brings its own port")
        try:
            self.board = get_board(board)
        except BoardError as e:
            raise BackendError(str(e)) from e
        self.virtual = None
        self.place: Any = None
        try:
            self._open(port, place, coordinator, wait, timeout)
        except BaseException:
            # Whatever stops the opening (a bad answer, Ctrl-C, SIGTERM) closes what it had opened:
            # above all a labgrid place, which would otherwise stay locked for everyone else.
            self.close()
            raise
        self.start_stats = self.link.stats()

    def _open(
        self, port: str | None, place: str | None, coordinator: str | None, wait: float | None, timeout: float | None
    ) -> None:
        url = port
        if place is not None:
            try:
                self.place = Place(place, coordinator, wait or 0.0)  # kept first: close() releases what acquire took
                self.place.acquire()
                url = self.place.url()
            except LabgridError as e:
                raise BackendError(str(e)) from e
        if url is None:
            # load-time: the simulator loads Amaranth, only for a virtual board
            from tcphw.sim.virtual_board import VirtualBoard, VirtualBoardError

            try:
                self.virtual = VirtualBoard(self.board).start()
            except VirtualBoardError as e:
                raise BackendError(str(e)) from e
            url = self.virtual.url
        try:
            if self.virtual:
                self.link = virtual_board_link(url, self.board.baud, timeout)
            else:
                self.link = BoardLink(url, baud=self.board.baud, answer_timeout_s=timeout)
            # A port may lead to the real board or to a virtual one (tcphw board serve): either
            # build of this checkout is current; anything else is a stale bitstream.
            ids: tuple[bytes, ...] = (self.board.virtual_config().gateware_id(),)
            if not self.virtual:
                ids += (self.board.link_config().gateware_id(),)
            self.hello = self.link.connect(ids)
        except LinkError as e:
            raise BackendError(str(e)) from e

    def _validate(self, descriptors: Descriptors) -> Verdicts:
        try:
            before = self.link.stats()
            resends = self.link.counters.resends
            trips = len(self.link.round_trips)
            start = time.perf_counter()
            verdicts = self.link.validate(descriptors)
            seconds = time.perf_counter() - start
            after = self.link.stats()
        except BoardStopped as e:
            raise PartialResult(str(e), e.verdicts) from e
        except LinkError as e:
            raise BackendError(str(e)) from e
        # The board's own counters for this call: what the fabric and the wire did.
        self.last_counters = {
            "descriptors": after.descriptors - before.descriptors,
            "cycles": after.cycles - before.cycles,
            "busy_cycles": after.busy_cycles - before.busy_cycles,
            "seconds": seconds,
            "resends": self.link.counters.resends - resends,
            "resends_total": self.link.counters.resends,
            "batch": self.link.last_batch,
            "round_trips": self.link.round_trips[trips:],
        }
        return verdicts

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": f"{'virtual ' if self.virtual else ''}{self.board.description}",
            "url": self.link.url,
            "virtual": self.virtual is not None,
            "hello": self.hello.as_dict(),
            "real_board": {"clock_hz": self.board.clock_hz, "baud": self.board.baud},
            **({"place": self.place.name, "coordinator": self.place.coordinator} if self.place else {}),
        }

    def close(self) -> None:
        link = getattr(self, "link", None)
        if link is not None:
            link.close()
            self.link = None  # type: ignore[assignment]
        if self.virtual is not None:
            self.virtual.stop()
            self.virtual = None
        if self.place is not None:
            place, self.place = self.place, None
            try:
                place.release()
            except LabgridError as e:  # said, not raised: it must not hide why the run ended
                print(f"warning: {e}; release it with 'labgrid-client -p {place.name} release'", file=sys.stderr)

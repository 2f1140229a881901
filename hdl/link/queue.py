"""The answer queue between the dispatcher and the sender: a FIFO whose write side never pushes back.

The dispatcher decides on each receiver event in the cycle it arrives, and part of the decision is whether
its answer fits in the queue (a VALIDATE that finds no room gets NAK BUSY; an answer that finds no room is
dropped and counted as ``rejected_busy``). So it cannot offer an answer on a ``lib.stream`` with a ``ready``:
offering only when ``ready`` is high is the feedback from ``ready`` to ``valid`` that the stream rules forbid,
and offering anyway and then withdrawing it breaks the rule that ``valid`` holds until the transfer. The write
side is instead a stream without backpressure (``always_ready``) beside ``room``, a status the dispatcher reads
before it decides, and it offers an answer only while ``room`` is high.
"""

from __future__ import annotations

from amaranth.hdl import Module
from amaranth.lib import fifo, stream, wiring
from amaranth.lib.wiring import In, Out

from .tx import answer_layout


def queue_signature(slots: int) -> wiring.Signature:
    """The writer's side: answers, never offered unless ``room`` is high; ``room``: one more answer fits."""
    return wiring.Signature({"answer": Out(stream.Signature(answer_layout(slots), always_ready=True)), "room": In(1)})


class AnswerQueue(wiring.Component):
    def __init__(self, *, slots: int, depth: int) -> None:
        self.slots, self.depth = slots, depth
        super().__init__({"w": In(queue_signature(slots)), "r": Out(stream.Signature(answer_layout(slots)))})

    def elaborate(self, platform: object) -> Module:
        m = Module()
        m.submodules.fifo = queue = fifo.SyncFIFOBuffered(width=answer_layout(self.slots).size, depth=self.depth)
        # The FIFO's w_stream has a ready the writer must wait on; this writer never waits but checks room
        # first, so its write enable is the answer's valid and room is the FIFO's w_rdy.
        m.d.comb += [
            queue.w_data.eq(self.w.answer.payload),
            queue.w_en.eq(self.w.answer.valid),
            self.w.room.eq(queue.w_rdy),
        ]
        wiring.connect(m, queue.r_stream, wiring.flipped(self.r))
        return m

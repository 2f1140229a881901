"""The host side of the board link: the driver and the tools around it.

- ``board_link``: ``BoardLink``, the driver every board backend uses (HELLO, windowed batches, STATS,
  retries), over any pyserial URL;
- ``batch_size``: how big a batch to send on a line that loses bytes;
- ``faults``, ``proxy``: a link that drops, flips and delays bytes on purpose (``tcphw link-proxy``);
- ``model_port``: a pyserial-shaped port backed by the link model (``tcphw.sim.link.model``), for tests;
- ``labgrid``: a board shared through a labgrid place is one more serial URL: acquire the place, read its
  port's URL, release it on every exit path; write or run an exporter for a board on this host.

The protocol itself (frames, HELLO, STATS, NAK codes) is the contract's (``tcphw.contract.link``); the
gateware side is ``tcphw.hdl.link``. ``docs/protocol.md`` has the table of where each part lives.
"""

from tcphw.host.link.board_link import (
    BoardLink,
    BoardStopped,
    Clock,
    LinkError,
    NotABoard,
    StaleGateware,
    virtual_board_link,
)

__all__ = ["BoardLink", "BoardStopped", "Clock", "LinkError", "NotABoard", "StaleGateware", "virtual_board_link"]

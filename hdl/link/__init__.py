"""The gateware side of the board link: frames in, frames out, and the decision between them.

- ``rx``: ``FrameReceiver``, the contract's ``FrameParser`` in gateware (header and frame CRCs,
  length checks, the inactivity timeout), one event per frame;
- ``dispatch``: ``Dispatcher``, one event in, at most one answer queued and one counter bumped;
- ``tx``: ``FrameSender``, frames each answer (HELLO, VERDICTS, STATS, NAK) onto the UART.

``tcphw.hdl.top.BoardTop`` wires them to the UART and the batch engine. The protocol is the
contract's (``tcphw.contract.link``); ``docs/protocol.md`` says where every part of the link lives.
"""

"""The faulty-link figures in docs/protocol.md: a virtual iCEBreaker behind link-proxy, the driver instrumented.

    .venv/bin/python docs/protocol/faulty_link.py [FAULT_RATE_EACH] [DESCRIPTORS] [MIN_ANSWER_TIMEOUT_S] [WINDOW]

FAULT_RATE_EACH is the probability per byte of a drop, a flip and an insertion, each, in both directions
(default 0.003); WINDOW builds the virtual board with that many verdict slots (default: the board's).
Prints one JSON document: the rate, the driver's counters and what it learnt. Run each
setting several times, interleaved, and compare medians.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time

import numpy as np

from tcphw.boards import get_board
from tcphw.descriptors.generate import generate
from tcphw.host.link import BoardLink
from tcphw.host.link.faults import FaultInjector
from tcphw.host.link.proxy import LinkProxy
from tcphw.sim.virtual_board import VirtualBoard


def main() -> None:
    rate = float(sys.argv[1]) if len(sys.argv) > 1 else 0.003
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    floor = {"min_answer_timeout_s": float(sys.argv[3])} if len(sys.argv) > 3 and sys.argv[3] != "-" else {}
    board = get_board("icebreaker")
    if len(sys.argv) > 4:
        board = dataclasses.replace(board, window=int(sys.argv[4]))
    rows = generate(n, seed=5)[0]
    with VirtualBoard(board) as vb:
        faults = {
            "to_board": FaultInjector(rate, rate, rate, seed=1),
            "to_host": FaultInjector(rate, rate, rate, seed=2),
        }
        with LinkProxy(vb.url, **faults) as proxy, BoardLink(proxy.url, baud=vb.config.baud, **floor) as link:
            link.connect(vb.config.gateware_id())
            started = time.perf_counter()
            link.validate(rows)
            seconds = time.perf_counter() - started
            trips = [s for _, s in link.round_trips]
            doc = {
                "rate_each": rate,
                "window": vb.config.window,
                "descriptors": n,
                "seconds": round(seconds, 2),
                "per_s": round(n / seconds),
                "counters": link.counters.as_dict(),
                "learnt_latency_s": link._latency,
                "median_clean_round_trip_s": float(np.median(trips)) if trips else None,
            }
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()

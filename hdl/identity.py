"""The gateware ID: a hash of everything that decides what a bitstream does.

It covers the design parameters and the source of every module the board top is built from
(plus the contract), so a host built from other sources, or a board flashed with other
parameters, sees a different ID in HELLO and can say the bitstream is stale.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from tcphw import contract
from tcphw.contract import GATEWARE_ID_SIZE

_HDL = Path(__file__).resolve().parent
_CONTRACT = Path(contract.__file__).resolve()
# The modules the board top elaborates; tools around it (formal, synth, export) are left out.
GATEWARE_SOURCES = (
    "batch.py",
    "counter.py",
    "crc_matrix.py",
    "identity.py",
    "layouts.py",
    "link_rx.py",
    "link_tx.py",
    "platform_top.py",
    "pll.py",
    "top.py",
    "uart.py",
    "validator.py",
)


def source_files() -> list[Path]:
    return [_HDL / name for name in GATEWARE_SOURCES] + [_CONTRACT]


def gateware_id(parameters: dict[str, Any]) -> bytes:
    digest = hashlib.sha256()
    digest.update(json.dumps(parameters, sort_keys=True).encode())
    for path in source_files():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()[:GATEWARE_ID_SIZE]

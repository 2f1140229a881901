"""The baseline most people would write: a Python loop with struct and binascii.crc_hqx."""

from __future__ import annotations

import binascii
import struct

import numpy as np

from tcphw.contract import CRC_COVERED_BYTES, CRC_INIT, MAGIC_U32, RESERVED_MASK, RISK_MASK, VERSION
from tcphw.host.backends.base import Backend, Descriptors, Verdicts, register_backend

_LAYOUT = struct.Struct(">IHIIHHHHH")


@register_backend
class NaiveBackend(Backend):
    """Per-descriptor Python loop with struct and binascii.crc_hqx (the usual first attempt)."""

    name = "naive"
    description = "per-descriptor Python loop with struct + binascii.crc_hqx (baseline)"
    slow = True

    def _validate(self, descriptors: Descriptors) -> Verdicts:
        out = np.empty(len(descriptors), dtype=np.uint8)
        buf = descriptors.tobytes()
        for i in range(len(descriptors)):
            chunk = buf[i * 24 : i * 24 + 24]
            magic, version, _h, flags, _t, _m, _o, _n, crc = _LAYOUT.unpack(chunk)
            err = 0
            if magic != MAGIC_U32:
                err |= 1
            if version != VERSION:
                err |= 2
            if binascii.crc_hqx(chunk[:CRC_COVERED_BYTES], CRC_INIT) != crc:
                err |= 4
            risk = flags & RISK_MASK
            if risk == 0 or risk & (risk - 1):
                err |= 8
            if flags & RESERVED_MASK:
                err |= 16
            if err:
                out[i] = err | 0xC0
            elif risk <= 2:
                out[i] = 0x00
            elif risk == 4:
                out[i] = 0x40
            elif risk == 8:
                out[i] = 0x80
            else:
                out[i] = 0xC0
        return out

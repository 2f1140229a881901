"""USB serial bridges hold the bytes they receive for up to their latency timer before passing them on.

Linux's ``ftdi_sio`` (the iCEBreaker's FT2232H, the ULX3S's FT231X) waits up to 16 ms by default unless the
port is in low-latency mode: every HELLO, STATS and small batch pays that wait, and the round trips that
``bench`` reports with it. iceprog and flashrom set low-latency mode; so does tcphw, when it opens a USB
serial port (``ttyUSB*``): pyserial's ``set_low_latency_mode`` first, else the driver's ``latency_timer``
in sysfs, and if neither works it says so once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

SYSFS = Path("/sys/bus/usb-serial/devices")
_warned: set[str] = set()


def usb_serial_name(device: str) -> str | None:
    """``ttyUSB1`` for a USB serial device path (links followed), else None."""
    name = Path(os.path.realpath(device)).name
    return name if name.startswith("ttyUSB") else None


def latency_timer_ms(device: str, root: Path = SYSFS) -> int | None:
    """The driver's latency timer for ``device``, in ms; None where there is none to read."""
    name = usb_serial_name(device)
    path = root / name / "latency_timer" if name else None
    try:
        return int(path.read_text().strip()) if path else None
    except (OSError, ValueError):
        return None


def set_low_latency(port: Any, device: str, root: Path = SYSFS) -> str | None:
    """Make ``port`` (an open pyserial port on ``device``) pass bytes on at once. Returns how, or None
    when ``device`` is no USB serial port; a port where nothing worked is named once on stderr."""
    name = usb_serial_name(device)
    if name is None or not sys.platform.startswith("linux"):
        return None
    try:
        port.set_low_latency_mode(True)
        return "low-latency mode"
    except (AttributeError, NotImplementedError, OSError, ValueError) as e:
        first = e
    path = root / name / "latency_timer"
    try:
        path.write_text("1")
        return "latency_timer 1 ms"
    except OSError as e:
        if device not in _warned:
            _warned.add(device)
            current = latency_timer_ms(device, root)
            held = f"{current} ms" if current is not None else "its latency timer"
            print(
                f"warning: {device}: neither low-latency mode ({first}) nor {path} ({e.strerror}) could be set; "
                f"replies may wait up to {held} in the USB bridge (run as a user who may write {path})",
                file=sys.stderr,
            )
        return None

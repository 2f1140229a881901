"""USB serial bridges and their latency timer: tcphw sets low-latency mode, and the link proxy models the hold."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcphw.host.link import usb_latency
from tcphw.host.link.proxy import USB_PACKET_PAYLOAD, LinkProxy
from tcphw.host.link.usb_latency import latency_timer_ms, set_low_latency


class _Port:
    def __init__(self, works: bool) -> None:
        self.works, self.low_latency = works, False

    def set_low_latency_mode(self, on: bool) -> None:
        if not self.works:
            raise ValueError("Failed to update ASYNC_LOW_LATENCY flag to ttyUSB1: [Errno 25]")
        self.low_latency = on


@pytest.fixture
def sysfs(tmp_path: Path) -> tuple[Path, str]:
    root = tmp_path / "sys"
    (root / "ttyUSB1").mkdir(parents=True)
    (root / "ttyUSB1" / "latency_timer").write_text("16\n")
    device = tmp_path / "dev" / "ttyUSB1"
    device.parent.mkdir()
    device.touch()
    return root, str(device)


def test_low_latency_mode_first_then_the_latency_timer(sysfs: tuple[Path, str]) -> None:
    root, device = sysfs
    port = _Port(works=True)
    assert set_low_latency(port, device, root) == "low-latency mode" and port.low_latency
    assert latency_timer_ms(device, root) == 16  # untouched: the driver's flag did it
    assert set_low_latency(_Port(works=False), device, root) == "latency_timer 1 ms"
    assert latency_timer_ms(device, root) == 1


def test_a_port_that_cannot_be_set_is_named_once(
    sysfs: tuple[Path, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, device = sysfs
    (root / "ttyUSB1" / "latency_timer").chmod(0o444)
    monkeypatch.setattr(usb_latency, "_warned", set())
    monkeypatch.setattr(Path, "write_text", _refuse)
    assert set_low_latency(_Port(works=False), device, root) is None
    assert set_low_latency(_Port(works=False), device, root) is None
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "up to 16 ms" in err and device in err


def _refuse(self: Path, text: str) -> int:
    raise PermissionError(13, "Permission denied")


def test_other_devices_are_left_alone(tmp_path: Path) -> None:
    pty = tmp_path / "pts3"
    pty.touch()
    port = _Port(works=True)
    assert set_low_latency(port, str(pty)) is None and not port.low_latency
    assert latency_timer_ms(str(pty)) is None


@pytest.fixture
def echo() -> Iterator[str]:
    """A stand-in board that answers every byte with itself."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            with conn:
                while data := conn.recv(65536):
                    conn.sendall(data)

    threading.Thread(target=serve, daemon=True).start()
    yield f"socket://127.0.0.1:{server.getsockname()[1]}"
    server.close()


def _exchange(proxy: LinkProxy, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", proxy.port), timeout=10) as s:
        s.sendall(payload)
        got = b""
        while len(got) < len(payload):
            got += s.recv(65536)
    return got


def test_the_proxy_holds_the_boards_bytes_as_a_usb_bridge(echo: str) -> None:
    with LinkProxy(echo, hold_ms=200) as proxy:
        short = bytes(range(10))
        assert _exchange(proxy, short) == short  # intact, in order...
    assert proxy.flushes == {"timer": 1, "full": 0}  # ...and passed on only when the timer ran out
    with LinkProxy(echo, hold_ms=200) as proxy:
        long = bytes(i % 251 for i in range(3 * USB_PACKET_PAYLOAD + 14))
        assert _exchange(proxy, long) == long
    assert proxy.flushes["full"] == 3 and proxy.flushes["timer"] >= 1  # full packets go at once, the rest waits


def test_no_hold_passes_bytes_straight_on(echo: str) -> None:
    with LinkProxy(echo) as proxy:
        assert _exchange(proxy, b"abc") == b"abc"
    assert proxy.flushes == {"timer": 0, "full": 0}

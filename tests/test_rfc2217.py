"""A remote board for real: the virtual board behind a pty, served by Debian's ser2net as
RFC 2217, reached with ``rfc2217://127.0.0.1:PORT?ign_set_control`` (.ci/run installs ser2net)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tcphw.boards import get_board
from tcphw.descriptors.generate import generate
from tcphw.host.link import BoardLink
from tcphw.sim.link.model import software_verdicts
from tcphw.sim.pty_bridge import PtyBridge
from tcphw.sim.virtual_board import VirtualBoard

SER2NET = shutil.which("ser2net") or (Path("/usr/sbin/ser2net") if Path("/usr/sbin/ser2net").exists() else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.skipif(SER2NET is None, reason="ser2net is not installed (apt-get install ser2net; .ci/run does)")
def test_a_board_behind_ser2net_over_rfc2217(tmp_path: Path) -> None:
    board = get_board("icebreaker")
    rows, _ = generate(2_000, seed=6)
    with VirtualBoard(board) as vb, PtyBridge(vb.url) as pty:
        port = free_port()
        config = tmp_path / "ser2net.yaml"
        config.write_text(
            "%YAML 1.1\n---\n"
            "connection: &board\n"
            f"  accepter: telnet(rfc2217),tcp,127.0.0.1,{port}\n"
            f"  connector: serialdev,{pty.device},115200n81,local\n"
            "  options:\n    kickolduser: true\n"
        )
        server = subprocess.Popen(
            [str(SER2NET), "-n", "-d", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:  # wait until ser2net listens
                with socket.socket() as s:
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.05)
            # ign_set_control: a pty has no DTR/RTS, and ser2net would drop the session over it.
            with BoardLink(f"rfc2217://127.0.0.1:{port}?ign_set_control", baud=vb.config.baud) as link:
                hello = link.connect(vb.config.gateware_id())
                got = link.validate(rows)
        finally:
            server.terminate()
            server.communicate(timeout=10)
    assert hello.board == "icebreaker"
    assert np.array_equal(got, np.frombuffer(software_verdicts(rows.tobytes()), dtype=np.uint8))

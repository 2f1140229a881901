"""``tcphw gate demo`` (make demo's last step): a service, the Claude Code hook and an MCP client, end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_demo_asks_a_running_service_three_ways_and_finds_every_answer_in_its_log(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-m", "tcphw", "gate", "demo", "--out", str(tmp_path / "demo")],
                       capture_output=True, text=True, timeout=300)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    assert "hook claude  Bash 'rm -rf ~': deny" in out and "hook claude  Bash 'git status': allow" in out
    assert "passed through (not Bash)" in out
    assert out.count("(answered by service)") == 2
    assert "gate demo: 5 answers from the service, all 5 in its audit log" in out
    assert not (tmp_path / "demo" / "gate.sock").exists()  # the service stopped and took its socket with it

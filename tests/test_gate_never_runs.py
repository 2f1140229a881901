"""The gate never runs what it judges: not the line, not a substitution inside it, not a program it names.

Every line below would leave a file behind if anything ran it, or ran a trap executable placed first on PATH
under the names the lines use. The gate judges them in-process, through the CLI and through the Claude Code hook,
with process creation made to fail loudly while it does; no file appears and no trap fires.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tcphw.host.gate.gate import Gate

TRAPPED = ("frobnicate", "ls", "git", "make", "npm", "python3", "sh", "bash", "cat", "touch")


@pytest.fixture
def traps(tmp_path: Path) -> tuple[Path, Path]:
    """A folder of trap executables (each writes a marker when run) and the marker folder."""
    bin_dir, marks = tmp_path / "bin", tmp_path / "marks"
    bin_dir.mkdir()
    marks.mkdir()
    for name in TRAPPED:
        trap = bin_dir / name
        trap.write_text(f"#!/bin/sh\necho ran > {marks}/{name}\n")
        trap.chmod(0o755)
    return bin_dir, marks


def lines(marks: Path) -> list[str]:
    m = marks
    return [
        f"touch {m}/plain",
        f"echo $(touch {m}/substitution)",
        f"echo `touch {m}/backticks`",
        f"cat <(touch {m}/process)",
        f"x=$(touch {m}/assignment); echo $x",
        f"sh -c 'touch {m}/shell'",
        f"python3 -c \"open('{m}/python', 'w')\"",
        f'bash -c "$(echo touch {m}/nested)"',
        f"f() {{ touch {m}/function; }}; f",
        f"trap 'touch {m}/trap' EXIT",
        "frobnicate --all",
        "ls && git status && make && npm test",
        f"cat > {m}/redirect < /dev/null",
        f"echo hi > {m}/written",
    ]


def test_the_library_runs_nothing(traps: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir, marks = traps
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the gate tried to start a process: {args!r}")

    for name in ("system", "execv", "execve", "execvp", "execvpe", "fork", "forkpty", "posix_spawn", "posix_spawnp"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)
    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    gate = Gate(None, home=str(marks.parent))
    for line in lines(marks):
        gate.check(line, str(marks.parent), str(marks.parent))
    assert sorted(p.name for p in marks.iterdir()) == []


def test_the_cli_and_the_hook_run_nothing(traps: tuple[Path, Path], tmp_path: Path) -> None:
    bin_dir, marks = traps
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    batch = "".join(json.dumps({"command": line, "cwd": str(tmp_path)}) + "\n" for line in lines(marks))
    db = tmp_path / "tools.sqlite"
    from tcphw.host.registry import Registry

    with Registry(db, create=True):
        pass
    done = subprocess.run(
        [sys.executable, "-m", "tcphw", "gate", "check", "--db", str(db), "--jsonl"],
        input=batch.encode(), capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.decode().splitlines()) == len(lines(marks))
    for line in lines(marks)[:3]:
        hook_input = {"hook_event_name": "PreToolUse", "tool_name": "Bash", "cwd": str(tmp_path),
                      "tool_input": {"command": line}}  # fmt: skip
        hook = subprocess.run(
            [sys.executable, "-m", "tcphw", "gate", "hook", "claude", "--db", str(db), "--no-service"],
            input=json.dumps(hook_input).encode(), capture_output=True, env=env, timeout=60,
        )  # fmt: skip
        assert hook.returncode == 0 and b"permissionDecision" in hook.stdout
    assert sorted(p.name for p in marks.iterdir()) == []

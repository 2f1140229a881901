"""The scanner against a fake PATH of trap executables that record how they were run."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tcphw.host.apps.tools import sandbox
from tcphw.host.apps.tools.scan import scan
from tcphw.host.registry import Registry

# Each trap appends its arguments (one line per run) to $LOG/<name>, then does its trick.
TRAPS = {
    "trap-polite": 'echo "usage: trap-polite [--help]  print things to standard output"',
    "trap-hangs": "trap '' TERM INT HUP; sleep 300",
    "trap-forks-and-hangs": "(trap '' TERM; sleep 300) & wait",
    "trap-floods": "while :; do echo 'flood flood flood flood flood flood flood flood flood'; done",
    "trap-reads-stdin": 'read -r line; echo "got [$line] usage: trap-reads-stdin  print a line"',
    "trap-writes": (
        'echo dropped > in-cwd; echo escaped > "$PROTECTED/escaped" 2>/dev/null; '
        'echo "usage: trap-writes  write nothing of interest"'
    ),
    "trap-no-help": "exit 1",
    # Denylisted names: never executed, whatever they are.
    "shutdown": "echo 'I would have shut the machine down'",
    "mkfs.trap": "echo 'I would have erased a disk'",
    "rm": "echo 'I would have deleted files'",
}


@pytest.fixture
def tmp_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A scratch directory that help calls running as nobody can reach (pytest's own is 0700)."""
    with tempfile.TemporaryDirectory(prefix="tcphw-traps-") as d:
        Path(d).chmod(0o755)
        yield Path(d)


@pytest.fixture
def fake_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Path]:
    bin_dir, log_dir, protected = tmp_path / "bin", tmp_path / "log", tmp_path / "protected"
    for d in (bin_dir, log_dir, protected):
        d.mkdir()
    log_dir.chmod(0o777)  # help calls may run as nobody: they must be able to record themselves
    protected.chmod(0o755)  # owned by the test's user: nobody cannot write here
    for name, body in TRAPS.items():
        script = bin_dir / name
        script.write_text(f'#!/bin/sh\necho "$*" >> "{log_dir}/{name}"\nPROTECTED="{protected}"\n{body}\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    monkeypatch.setattr(sandbox, "HELP_TIMEOUT_S", 1.0)
    monkeypatch.setattr(sandbox, "man_page", lambda name: None)  # the traps have none: every one gets help calls
    from tcphw.host.apps.tools import scan as scan_module

    monkeypatch.setattr(scan_module, "man_page", lambda name: None)
    return bin_dir, log_dir, protected


def calls(log_dir: Path, name: str) -> list[str]:
    log = log_dir / name
    return log.read_text().splitlines() if log.exists() else []


def test_the_scanner_runs_tools_only_with_a_help_flag_and_never_the_denylist(
    fake_path: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    bin_dir, log_dir, protected = fake_path
    started = time.monotonic()
    with Registry(tmp_path / "reg.sqlite", create=True) as registry:
        summary = scan(registry, [bin_dir])
        rows = {r.name: r for r in registry.tools()}
    elapsed = time.monotonic() - started

    assert summary.found == len(TRAPS) and set(rows) == set(TRAPS)
    for name in TRAPS:
        for argv in calls(log_dir, name):
            assert argv in ("--help", "-h"), f"{name} was run with {argv!r}"
    for name in ("shutdown", "mkfs.trap", "rm"):
        assert calls(log_dir, name) == [], f"denylisted {name} was executed"
        assert rows[name].doc_source == "none"
    # --help first; -h only when --help gave nothing usable; never bare.
    assert calls(log_dir, "trap-polite") == ["--help"] and rows["trap-polite"].doc_source == "--help"
    assert calls(log_dir, "trap-no-help") == ["--help", "-h"] and rows["trap-no-help"].doc_source == "none"
    # Hanging and flooding tools were cut off, and did not stall the scan (2 calls x 1 s timeout each).
    assert rows["trap-hangs"].doc_source == "none" and "killed" in " ".join(summary.notes["trap-hangs"])
    assert "killed" in " ".join(summary.notes["trap-forks-and-hangs"])
    assert "cut" in " ".join(summary.notes["trap-floods"])
    assert elapsed < 60
    # stdin is /dev/null: the read got nothing and the tool went on.
    assert rows["trap-reads-stdin"].doc_source == "--help"
    # Writes stay in the temporary working directory, which is gone; the protected directory is untouched.
    assert list(protected.iterdir()) == []
    assert not any(p.name == "in-cwd" for p in tmp_path.rglob("*"))
    # Unknown tools with no documentation are not presumed safe: a person decides.
    assert rows["trap-no-help"].risk == "HIGH_RISK"


def test_a_hung_tool_leaves_no_process_behind(fake_path: tuple[Path, Path, Path]) -> None:
    bin_dir, _log_dir, _ = fake_path
    # Its own sleep length: the scan test's traps may be hanging in another test worker right now.
    trap = bin_dir / "trap-forks-and-hangs-alone"
    trap.write_text("#!/bin/sh\n(trap '' TERM; sleep 317) & wait\n")
    trap.chmod(0o755)
    run = sandbox.help_text(trap.name, trap, "--help")
    assert run.timed_out and run.returncode is None
    time.sleep(0.2)
    leftovers = [p for p in Path("/proc").iterdir() if p.name.isdigit() and _cmdline(p).startswith("sleep 317")]
    assert leftovers == []


def _cmdline(proc: Path) -> str:
    try:
        return (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def test_only_help_flags_are_accepted_and_the_denylist_is_enforced_at_the_call(
    fake_path: tuple[Path, Path, Path],
) -> None:
    bin_dir, log_dir, _ = fake_path
    with pytest.raises(ValueError, match="only --help or -h"):
        sandbox.help_text("trap-polite", bin_dir / "trap-polite", "--version")
    with pytest.raises(PermissionError, match="denylist"):
        sandbox.help_text("shutdown", bin_dir / "shutdown", "--help")
    # A denylisted tool behind another name is still refused: the resolved file's name counts.
    alias = bin_dir / "innocent"
    alias.symlink_to(bin_dir / "shutdown")
    with pytest.raises(PermissionError, match="denylist"):
        sandbox.help_text("innocent", alias, "--help")
    assert calls(log_dir, "shutdown") == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the privilege drop applies when tcphw runs as root")
def test_help_calls_as_root_run_as_nobody_without_network(fake_path: tuple[Path, Path, Path]) -> None:
    bin_dir, _, _ = fake_path
    probe = bin_dir / "trap-whoami"
    probe.write_text('#!/bin/sh\necho "usage: uid=$(id -u) $(cat /proc/net/dev | wc -l) interfaces"\n')
    probe.chmod(0o755)
    iso = sandbox.isolation()
    run = sandbox.help_text("trap-whoami", probe, "--help")
    if iso.user == "nobody":
        assert "uid=65534" in run.text
    if iso.network:
        assert "3 interfaces" in run.text  # a header of two lines and the loopback only


TRAP_C = r"""
#include <stdio.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
int main(int argc, char **argv) {
    FILE *log = fopen(LOG, "a");
    if (log) { fprintf(log, "ran with %d arguments\n", argc - 1); fclose(log); }
    if (argc > 99) { mount(0, 0, 0, 0, 0); ptrace(PTRACE_TRACEME, 0, 0, 0); }  /* imported, never called */
    return 0;
}
"""


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler to build the ELF trap")
def test_reading_the_elf_of_a_trap_runs_nothing(fake_path: tuple[Path, Path, Path], tmp_path: Path) -> None:
    from tcphw.host.apps.tools.evidence import gather

    bin_dir, log_dir, _ = fake_path
    log = log_dir / "elf-trap.log"
    source = tmp_path / "trap.c"
    source.write_text(TRAP_C)
    # A denylisted name: the scanner never runs it for help either, so anything in the log is the reader's doing.
    trap = bin_dir / "mkfs.elftrap"
    subprocess.run(["cc", "-O0", f'-DLOG="{log}"', "-o", str(trap), str(source)], check=True, capture_output=True)
    # The trap works: run once by the test itself, it leaves a line.
    subprocess.run([str(trap)], check=True)
    assert log.read_text() == "ran with 0 arguments\n"
    log.write_text("")
    found = gather(trap)
    assert found.binary is not None and found.binary.kind == "elf"
    assert {"mount", "ptrace"} <= set(found.binary.imports), found.binary
    with Registry(tmp_path / "reg.sqlite", create=True) as registry:
        scan(registry, [bin_dir])
        row = registry.get("mkfs.elftrap")
    assert row is not None and "mount" in json.loads(row.evidence)["binary"]["imports"]
    assert log.read_text() == "", "reading the ELF (or scanning it) ran the trap"

"""The tool registry and the `tcphw tools` commands on a small real directory of tools."""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from tcphw.contract import DESCRIPTOR_SIZE, Descriptor, Risk
from tcphw.descriptors.corpus import load_corpus
from tcphw.host.apps.tools import scan as scan_module
from tcphw.host.apps.tools.scan import scan
from tcphw.host.backends import open_backend
from tcphw.host.cli import main
from tcphw.host.gate import table as gate_table
from tcphw.host.registry import MIGRATIONS, SCHEMA_VERSION, Registry, RegistryError

# Real tools, copied: their man pages are found by name, and copying lets a test change one.
REAL = ("ls", "cat", "cp", "chmod", "rm", "dd")


@pytest.fixture
def tool_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tcphw-tools-") as d:
        bin_dir = Path(d) / "bin"
        bin_dir.mkdir(parents=True)
        Path(d).chmod(0o755)
        for name in REAL:
            src = shutil.which(name)
            assert src, f"{name} is not installed"
            shutil.copy2(src, bin_dir / name)
        yield bin_dir


def test_scan_registers_every_tool_with_a_valid_descriptor_and_reasons(tool_dir: Path, tmp_path: Path) -> None:
    with Registry(tmp_path / "r.sqlite", create=True) as registry:
        summary = scan(registry, [tool_dir])
        rows = {r.name: r for r in registry.tools()}
    assert summary.found == len(REAL) == summary.analysed == summary.updated
    assert rows["ls"].risk == "SAFE" and rows["rm"].risk == "CRITICAL" and rows["dd"].risk == "CRITICAL"
    assert any("curated table" in r for r in rows["rm"].reasons)
    for row in rows.values():
        d = Descriptor.decode(row.descriptor)
        assert d.risk is not None and d.risk.name == row.risk and d.name_length == len(row.name)
        assert d.encode() == Descriptor.for_command(
            row.name, Risk[row.risk], d.flags & 0xFC0, exec_time_ms=d.exec_time_ms, memory_mb=d.memory_mb,
            output_kb=d.output_kb,
        ).encode()  # fmt: skip
    # rm and dd are denylisted: their documentation is the man page, or nothing.
    assert rows["rm"].doc_source in ("man", "none") and rows["dd"].doc_source in ("man", "none")


def test_a_rescan_touches_only_what_changed_and_keeps_history(tool_dir: Path, tmp_path: Path) -> None:
    with Registry(tmp_path / "r.sqlite", create=True) as registry:
        scan(registry, [tool_dir])
        again = scan(registry, [tool_dir])
        assert again.unchanged == len(REAL) and again.analysed == 0 and again.updated == 0
        # A new build of one tool (other bytes): re-analysed; same documentation, so no new row.
        with (tool_dir / "cat").open("ab") as f:
            f.write(b"\0")
        third = scan(registry, [tool_dir])
        assert third.analysed == 1 and third.unchanged == len(REAL)
        assert registry.history("cat") == [] or registry.history("cat")[0]["why"]
        # A tool that disappears goes to history.
        (tool_dir / "cp").unlink()
        fourth = scan(registry, [tool_dir])
        assert fourth.removed == 1 and registry.get("cp") is None
        assert registry.history("cp")[-1]["why"] == "no longer found"
        assert len(registry.scans()) == 4


def test_an_interrupted_scan_leaves_the_database_as_it_was(
    tool_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "r.sqlite"
    with Registry(db, create=True) as registry:
        scan(registry, [tool_dir])
        before = [r.as_dict() for r in registry.tools()]
    (tool_dir / "new-tool").symlink_to(tool_dir / "ls")
    for name in REAL:
        (tool_dir / name).touch()  # every tool looks changed
    calls = 0
    real = scan_module.analyse_tool

    def dies_halfway(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(scan_module, "analyse_tool", dies_halfway)
    with Registry(db) as registry, pytest.raises(KeyboardInterrupt):
        scan(registry, [tool_dir])
    with Registry(db) as registry:
        assert [r.as_dict() for r in registry.tools()] == before
        assert len(registry.scans()) == 1


def test_an_old_schema_is_migrated_and_a_newer_one_refused(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    con = sqlite3.connect(db)
    con.executescript(MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    con.execute(
        "INSERT INTO tools VALUES ('ls', '/bin/ls', '/usr/bin/ls', 1, 2, '9.1', 'man', 'h', 'SAFE', 1, '[]', "
        "'table', ?, 'then')",
        (bytes(DESCRIPTOR_SIZE),),
    )
    con.commit()
    con.close()
    with Registry(db) as registry:
        assert registry.schema_version == SCHEMA_VERSION
        row = registry.get("ls")
        assert row is not None and row.version == "9.1" and row.analysis_version == 0
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(RegistryError, match="upgrade tcphw"):
        Registry(db)
    (tmp_path / "junk.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(RegistryError, match="not a tcphw tool registry"):
        Registry(tmp_path / "junk.sqlite")


def test_the_tools_commands(tool_dir: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "r.sqlite")
    runner = CliRunner()
    scanned = runner.invoke(main, ["tools", "scan", "--path", str(tool_dir), "--db", db, "--json", "--quiet"])
    assert scanned.exit_code == 0, scanned.output
    summary = json.loads(scanned.output)
    assert summary["found"] == len(REAL) and summary["tools_per_s"] > 0 and "isolation" in summary
    # The scan also writes the gate's own descriptors (git push, builtin cd ...), this version of them.
    with Registry(Path(db)) as registry:
        assert registry.commands_digest() == gate_table.digest()
        entry = registry.command("git push")
        assert entry is not None and Descriptor.decode(entry[2]).risk is not None

    shown = runner.invoke(main, ["tools", "show", "rm", "--db", db])
    assert shown.exit_code == 0 and "CRITICAL" in shown.output and "curated table" in shown.output
    as_json = json.loads(runner.invoke(main, ["tools", "show", "rm", "--db", db, "--json"]).output)
    assert as_json["decoded"]["name_length"] == 2 and "DESTRUCTIVE" in as_json["decoded"]["flag_names"]

    listed = json.loads(runner.invoke(main, ["tools", "list", "--risk", "critical", "--db", db, "--json"]).output)
    assert sorted(r["name"] for r in listed) == ["dd", "rm"]

    out, index = tmp_path / "tools.tcpd", tmp_path / "tools.json"
    exported = runner.invoke(main, ["tools", "export", "--out", str(out), "--index", str(index), "--db", db])
    assert exported.exit_code == 0, exported.output
    corpus = load_corpus(out)
    records = json.loads(index.read_text())["records"]
    assert len(corpus) == len(records) == len(REAL)
    for spec in ("software", "reference"):
        with open_backend(spec) as backend:
            verdicts = np.asarray(backend.validate(corpus))
        assert not (verdicts & 0x1F).any(), f"{spec} found errors in exported descriptors"

    # tools check is the gate's check under its old name: options first, then the line; 0..3 the decision.
    def check(*line: str) -> Any:
        return runner.invoke(main, ["tools", "check", "--db", db, "--json", *line])

    decided = json.loads(check("ls -l | cat").output)
    assert decided["decision"] == "APPROVE" and [p["program"] for p in decided["parts"]] == ["ls", "cat"]
    assert [p["descriptor_source"] for p in decided["parts"]] == ["scanned", "scanned"]
    assert json.loads(check("ls && rm -rf /").output)["decision"] == "REJECT"
    unknown = json.loads(check("FOO=1 frobnicate --all").output)
    assert unknown["decision"] == "REQUIRE_APPROVAL" and "not in the registry" in unknown["reason"]
    quoted = json.loads(check("cat 'a|b;c' && ls").output)
    assert [p["program"] for p in quoted["parts"]] == ["cat", "ls"]
    for line, code in (("ls -l | cat", 0), ("frobnicate", 2), ("ls && rm -rf /", 3)):
        assert runner.invoke(main, ["tools", "check", "--db", db, line]).exit_code == code, line
        assert check(line).exit_code == code, line
        same = runner.invoke(main, ["gate", "check", "--db", db, "--json", line])
        assert json.loads(same.output) == json.loads(check(line).output), line
    empty = runner.invoke(main, ["tools", "check", "--db", db, "  "])
    assert empty.exit_code == 4 and "nothing to check" in empty.output
    assert runner.invoke(main, ["tools", "check", "--no-such-option", "ls"]).exit_code == 4

    unwritable = runner.invoke(main, ["tools", "export", "--out", str(tmp_path / "no" / "x.tcpd"), "--db", db])
    assert unwritable.exit_code == 2 and "does not exist" in unwritable.output  # checked before writing

    missing = runner.invoke(main, ["tools", "show", "nonexistent", "--db", db])
    assert missing.exit_code == 2 and "not installed here" in missing.output and "scan first" not in missing.output
    bad_dir = runner.invoke(main, ["tools", "scan", "--path", str(tmp_path / "nope"), "--db", db])
    assert bad_dir.exit_code == 2 and "not a directory" in bad_dir.output


def test_only_scan_and_import_create_a_registry(runner: CliRunner, tmp_path: Path) -> None:
    """A typo in --db (or a missing folder) is one line and exit 2, and creates nothing (issue 34 §4)."""
    missing = tmp_path / "nonexistent" / "x.sqlite"
    for command in (["show", "ls"], ["list"], ["export", "--out", str(tmp_path / "x.tcpd")]):
        r = runner.invoke(main, ["tools", *command, "--db", str(missing)])
        assert r.exit_code == 2 and "no tool registry there" in r.output, (command, r.output)
        assert len(r.output.strip().splitlines()) == 1, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no folder, no registry, no corpus
    with pytest.raises(RegistryError, match="no tool registry there"):
        Registry(missing)
    empty = tmp_path / "bin"
    empty.mkdir()
    r = runner.invoke(main, ["tools", "scan", "--path", str(empty), "--db", str(missing), "--quiet"])
    assert r.exit_code == 0 and missing.is_file(), r.output


def test_export_checks_every_output_before_writing_any(tool_dir: Path, runner: CliRunner, tmp_path: Path) -> None:
    db = str(tmp_path / "r.sqlite")
    assert runner.invoke(main, ["tools", "scan", "--path", str(tool_dir), "--db", db, "--quiet"]).exit_code == 0
    out = tmp_path / "tools.tcpd"
    r = runner.invoke(main, ["tools", "export", "--out", str(out), "--index", str(tmp_path / "no" / "x.json"),
                             "--db", db])  # fmt: skip
    assert r.exit_code == 2 and "--index" in r.output and "does not exist" in r.output, r.output
    assert not out.exists()


def test_scan_names_only_help_calls_that_were_cut_off(runner: CliRunner, tmp_path: Path) -> None:
    """A denylisted tool is never run: its note says "never executed", which holds "cut" but was not cut."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    true = shutil.which("true")
    assert true
    shutil.copy2(true, bin_dir / "mkfs.ubifs")
    db = str(tmp_path / "r.sqlite")
    r = runner.invoke(main, ["tools", "scan", "--path", str(bin_dir), "--db", db, "--quiet"])
    assert r.exit_code == 0 and "1 tools found" in r.output, r.output
    assert "cut off" not in r.output, r.output
    assert scan_module.cut_off(["--help: output cut at the cap"])
    assert scan_module.cut_off(["-h: killed after the timeout"])
    assert not scan_module.cut_off(["denylisted: no man page, and it is never executed"])


def test_show_says_why_a_scanned_machine_has_no_such_tool(tool_dir: Path, runner: CliRunner, tmp_path: Path) -> None:
    db = str(tmp_path / "r.sqlite")
    r = runner.invoke(main, ["tools", "show", "ls", "--db", db])
    assert r.exit_code == 2 and "no tool registry there" in r.output  # nothing scanned, nothing created
    assert runner.invoke(main, ["tools", "scan", "--path", str(tool_dir), "--db", db, "--quiet"]).exit_code == 0
    r = runner.invoke(main, ["tools", "show", "no-such-program-here", "--db", db])
    assert r.exit_code == 2 and "not installed here" in r.output and "scan first" not in r.output, r.output
    r = runner.invoke(main, ["tools", "show", "sh", "--db", db])  # on PATH, outside the scanned folder
    assert r.exit_code == 2 and "did not register" in r.output and "--path" in r.output, r.output

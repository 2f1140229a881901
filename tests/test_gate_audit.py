"""The gate service's audit log in process: a full disk refuses checks (and a freed one takes them again), and
``gate log`` shows, filters and exports it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tcphw.host.cli import main
from tcphw.host.gate import audit
from tcphw.host.gate.gate import Gate, ReferenceValidator, Request
from tcphw.host.gate.service import Service, build_app

WS = "/home/dev/project"


def _gate() -> Gate:
    return Gate(None, ReferenceValidator(), home="/home/dev")


@pytest.fixture()
def full_log(tmp_path: Path) -> audit.AuditLog:
    """A log that fills up: SQLite's page cap gives the error a full disk gives (SQLITE_FULL), with no mount."""
    log = audit.AuditLog(tmp_path / "audit.sqlite", max_pages=16)
    log.open()
    return log


@pytest.fixture()
def app(full_log: audit.AuditLog) -> Iterator[Any]:
    from starlette.testclient import TestClient

    service = Service(_gate, full_log, {"registry": "(none)"})
    with TestClient(build_app(service)) as http:
        yield http


def test_a_full_disk_refuses_checks_with_one_line_and_a_freed_one_takes_them_again(
    app: Any, full_log: audit.AuditLog
) -> None:
    body = {"command": "cat " + " ".join(f"src/file{k}.py" for k in range(40)), "cwd": WS}
    answered: list[int] = []
    refused = None
    for _ in range(200):
        r = app.post("/check", json=body)
        if r.status_code != 200:
            refused = r
            break
        answered.append(r.json()["audit"]["id"])
    assert refused is not None and answered, "the capped log never filled"
    assert refused.status_code == 503 and refused.text.count("\n") == 1
    message = refused.json()["error"]
    assert "full" in message and "without logging" in message
    assert app.get("/health").json()["status"] == "refusing"
    rows = list(audit.read(full_log.path))
    assert [r["id"] for r in rows] == answered  # every answer logged; the refused line is not in the log
    full_log.max_pages = None  # space freed: the next tick opens the log again
    r = app.post("/check", json={"command": "ls", "cwd": WS})
    assert r.status_code == 200 and app.get("/health").json()["status"] == "ok"
    assert audit.count(full_log.path) == len(answered) + 1


def _filled(tmp_path: Path) -> Path:
    path = tmp_path / "audit.sqlite"
    log = audit.AuditLog(path, sync="normal")
    gate = _gate()
    lines = [
        ("ls -la", "agent-a"),
        ("rm -rf /", "agent-b"),
        ("git push --force", "agent-a"),
        ("cat ~/.ssh/id_rsa", None),
    ]
    for line, name in lines:
        [check] = gate.check_many([Request(line, WS)])
        parts = json.dumps([p.as_dict() for p in check.parts])
        caller = audit.Caller("unix", 1000, 4242, name)
        log.append([audit.record(check, caller, parts, {"HOME": "/home/dev", "TOKEN": "s3cret"}, "0.1.0", "abc")])
    log.close()
    return path


def test_gate_log_jsonl_exports_every_decision_and_reads_back_as_written(tmp_path: Path) -> None:
    path = _filled(tmp_path)
    r = CliRunner().invoke(main, ["gate", "log", "--log", str(path), "--jsonl"])
    assert r.exit_code == 0, r.output
    exported = [json.loads(line) for line in r.output.splitlines()]
    assert exported == list(audit.read(path))
    assert [e["line"] for e in exported] == ["ls -la", "rm -rf /", "git push --force", "cat ~/.ssh/id_rsa"]
    assert [e["decision"] for e in exported][:2] == ["APPROVE", "REJECT"]
    first = exported[0]
    assert first["caller"] == {"address": "unix", "uid": 1000, "pid": 4242, "name": "agent-a"}
    assert first["env_names"] == ["HOME", "TOKEN"] and "s3cret" not in r.output  # names only: values may be secret
    assert len(first["verdicts"]) == len(first["descriptor_sha256"]) >= 1
    assert first["parts"][0]["words"] == ["ls", "-la"]
    assert {e["batch"] for e in exported} == {e["id"] for e in exported}  # one decision a transaction here


def test_gate_log_filters(tmp_path: Path) -> None:
    path = _filled(tmp_path)

    def lines(*args: str) -> list[str]:
        r = CliRunner().invoke(main, ["gate", "log", "--log", str(path), "--jsonl", *args])
        assert r.exit_code == 0, r.output
        return [json.loads(x)["line"] for x in r.output.splitlines()]

    decided = {r["line"]: r["decision"] for r in audit.read(path)}
    assert decided["rm -rf /"] == "REJECT" and decided["ls -la"] == "APPROVE"
    assert lines("--decision", "reject") == [line for line, d in decided.items() if d == "REJECT"]
    both = lines("--decision", "REJECT", "--decision", "approve")
    assert both == [line for line, d in decided.items() if d in ("REJECT", "APPROVE")]
    assert lines("--grep", "agent-a") == ["ls -la", "git push --force"]
    assert lines("--limit", "2") == ["git push --force", "cat ~/.ssh/id_rsa"]
    assert lines("--since", "2999-01-01") == []
    assert len(lines("--since", "1d")) == 4
    shown = CliRunner().invoke(main, ["gate", "log", "--log", str(path), "--grep", "rm -rf"])
    assert shown.exit_code == 0 and "REJECT" in shown.output and "uid=1000 pid=4242 (agent-b)" in shown.output


def test_gate_log_bad_input_is_one_line_and_exit_4(tmp_path: Path) -> None:
    for args in (["--log", str(tmp_path / "none.sqlite")], ["--log", str(_filled(tmp_path)), "--since", "yesterday"]):
        r = CliRunner().invoke(main, ["gate", "log", *args])
        assert r.exit_code == 4 and r.output.strip().count("\n") == 0, r.output
    other = tmp_path / "other.sqlite"
    import sqlite3

    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(audit.AuditError, match="not a gate audit log"):
        audit.AuditLog(other).open()

"""Claude Code's PreToolUse hook and its installer, on inputs built from the documented schema
(tests/fixtures/claude-hook/)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tcphw.host.cli import main
from tcphw.host.gate import config
from tcphw.host.gate import hook as claude
from tcphw.host.gate import install as setup

FIXTURES = Path(__file__).parent / "fixtures" / "claude-hook"


def fixture(name: str) -> bytes:
    path = FIXTURES / (name if "." in name else f"{name}.json")
    return path.read_bytes()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with the programs the fixtures run, from the corpus' stored snapshot of a real scan."""
    from tcphw.host.apps.gate import snapshot
    from tcphw.host.registry import Registry, ToolRow

    snap = snapshot.load()
    path = tmp_path_factory.mktemp("reg") / "tools.sqlite"
    with Registry(path, create=True) as registry, registry.transaction():
        for name in ("git", "npm", "rm", "curl", "python", "ls"):
            row = snap.lookup(name)
            assert row is not None, name
            registry.put(
                ToolRow(name, f"/usr/bin/{name}", f"/usr/bin/{name}", 1, 0, None, "man", None, row.risk, 0,
                        tuple(row.reasons), "snapshot", row.descriptor, "2026-12-06T00:00:00+00:00"),
                "test", "2026-12-06T00:00:00+00:00",
            )  # fmt: skip
    return path


def run(raw: bytes, db: Path, **settings: Any) -> dict[str, Any] | None:
    s = claude.Settings(db=db, use_service=False, **settings)
    return claude.run(raw, lambda: s)


def permission(out: dict[str, Any] | None) -> str | None:
    return None if out is None else out["hookSpecificOutput"]["permissionDecision"]


@pytest.mark.parametrize(
    "name, expected",
    [
        ("bash-approve", "allow"),
        ("bash-caution", "allow"),
        ("bash-ask", "ask"),
        ("bash-deny", "deny"),
        ("bash-chained", "ask"),
        ("bash-multiline", "deny"),
        ("read", None),
        ("edit", None),
        ("mcp-tool", None),
        ("unknown-tool", "deny"),
        ("no-command", "deny"),
        ("empty-command", "deny"),
        ("relative-cwd", "deny"),
        ("other-event", "deny"),
        ("not-json.txt", "deny"),
    ],
)
def test_each_documented_input_gets_its_answer(name: str, expected: str | None, db: Path) -> None:
    out = run(fixture(name), db)
    assert permission(out) == expected
    if out is not None:
        hso = out["hookSpecificOutput"]
        assert hso["hookEventName"] == "PreToolUse" and hso["permissionDecisionReason"].startswith("tcphw gate: ")


def test_the_reason_names_the_part_and_the_rule(db: Path) -> None:
    out = run(fixture("bash-deny"), db)
    assert out is not None
    reason = out["hookSpecificOutput"]["permissionDecisionReason"]
    assert "REJECT" in reason and "rm.delete" in reason and "rm -rf" in reason


def test_a_setting_makes_caution_ask(db: Path) -> None:
    assert permission(run(fixture("bash-caution"), db, caution="ask")) == "ask"
    assert permission(run(fixture("bash-approve"), db, caution="ask")) == "allow"
    config.settings_file().parent.mkdir(parents=True, exist_ok=True)
    config.settings_file().write_text(json.dumps({"claude": {"caution": "ask"}}))
    assert claude.load_settings().caution == "ask"


def test_failures_deny_and_never_crash(db: Path, tmp_path: Path) -> None:
    missing = claude.run(
        fixture("bash-approve"), lambda: claude.Settings(db=tmp_path / "none.sqlite", use_service=False)
    )
    assert permission(missing) == "deny" and "no tool registry" in str(missing)

    def broken() -> claude.Settings:
        raise ValueError("claude.caution is allow or ask, not 'maybe'")

    assert permission(claude.run(fixture("bash-approve"), broken)) == "deny"
    assert permission(run(b"\xff\xfe", db)) == "deny"
    assert permission(run(b"[1, 2]", db)) == "deny"
    assert permission(run(b" " * (claude.MAX_INPUT + 1), db)) == "deny"
    config.rules_file().parent.mkdir(parents=True, exist_ok=True)
    config.rules_file().write_text("{broken")
    assert permission(run(fixture("bash-approve"), db)) == "deny"


def test_a_gate_that_does_not_answer_in_time_denies(db: Path) -> None:
    def slow(command: str, cwd: str, settings: claude.Settings, session: str | None) -> dict[str, Any]:
        time.sleep(5)
        return {"decision": "APPROVE", "reason": "too late"}

    started = time.monotonic()
    out = claude.run(fixture("bash-approve"), lambda: claude.Settings(timeout_s=0.2, use_service=False), slow)
    assert permission(out) == "deny" and "within 0.2 s" in str(out)
    assert time.monotonic() - started < 4  # it did not wait for the gate (a bound, not a speed target)


def test_the_workspace_is_claude_codes_project(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_PROJECT_DIR", "/home/dev/project")
    assert claude.workspace("/home/dev/project/sub") == "/home/dev/project"
    assert claude.workspace("/home/dev/projectx") == "/home/dev/projectx"
    monkeypatch.delenv("CLAUDE_PROJECT_DIR")
    assert claude.workspace("/srv") == "/srv"


def test_the_hook_as_claude_code_runs_it(db: Path) -> None:
    """A fresh process per call, stdin in, stdout out, exit 0; and it never imports numpy or numba."""
    for name, expected in (("bash-deny", "deny"), ("read", None), ("not-json.txt", "deny")):
        done = subprocess.run(
            [sys.executable, "-m", "tcphw", "gate", "hook", "claude", "--db", str(db), "--no-service"],
            input=fixture(name), capture_output=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert permission(json.loads(done.stdout) if done.stdout.strip() else None) == expected, name
    probe = (
        "import sys, runpy; sys.argv = ['tcphw', 'gate', 'hook', 'claude', '--db', sys.argv[1], '--no-service']\n"
        "try:\n    runpy.run_module('tcphw', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numpy', 'numba') if m in sys.modules), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(db)], input=fixture("bash-approve"), capture_output=True)
    assert done.stderr.decode().strip().splitlines()[-1] == "[]"


def test_install_merges_keeps_other_settings_and_backs_up(tmp_path: Path) -> None:
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    mine: dict[str, Any] = {
        "model": "opus",
        "permissions": {"allow": ["Bash(npm test:*)"]},
        "hooks": {"PreToolUse": [{"matcher": "Write", "hooks": [{"type": "command", "command": "fmt.sh"}]}]},
    }
    settings.write_text(json.dumps(mine))
    runner = CliRunner()
    r = runner.invoke(main, ["gate", "install", "claude", "--project", "--dir", str(tmp_path)])
    assert r.exit_code == 0, r.output
    doc = json.loads(settings.read_text())
    assert doc["model"] == "opus" and doc["permissions"] == mine["permissions"]
    groups = doc["hooks"]["PreToolUse"]
    assert groups[0] == mine["hooks"]["PreToolUse"][0]
    assert groups[1]["matcher"] == "Bash" and setup.MARK in groups[1]["hooks"][0]["command"]
    backups = list(settings.parent.glob("settings.json.*.bak"))
    assert len(backups) == 1 and json.loads(backups[0].read_text()) == mine

    again = runner.invoke(main, ["gate", "install", "claude", "--dir", str(tmp_path)])
    assert "already installed" in again.output and json.loads(settings.read_text()) == doc

    removed = runner.invoke(main, ["gate", "install", "claude", "--dir", str(tmp_path), "--remove"])
    assert removed.exit_code == 0 and json.loads(settings.read_text())["hooks"]["PreToolUse"] == groups[:1]

    settings.write_text("{ not json")
    broken = runner.invoke(main, ["gate", "install", "claude", "--dir", str(tmp_path)])
    assert broken.exit_code == 4 and "not valid JSON" in broken.output
    assert settings.read_text() == "{ not json"  # nothing lost


def test_install_for_the_user_writes_into_home(tmp_path: Path) -> None:
    path = setup.settings_path("user", home=tmp_path)
    done = setup.install(path, command="tcphw gate hook claude")
    assert done.changed and done.backup is None and path == tmp_path / ".claude" / "settings.json"
    assert json.loads(path.read_text())["hooks"]["PreToolUse"][0]["hooks"][0]["command"] == "tcphw gate hook claude"

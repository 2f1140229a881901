"""``tcphw gate mcp``: the server runs as a subprocess and the SDK's own client talks to it, over stdio and over
streamable HTTP on a loopback port: a real protocol exchange, every tool called, structured results checked,
the person's rules applied (one added while the server runs, too).

Each transport starts one server and does everything in one session (a server start is most of the cost).
The guards (``fail_after``) only stop a hung exchange; nothing here asserts on time.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import anyio
import httpx
import pytest
from click.testing import CliRunner
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult

from tcphw.host.cli import main
from tcphw.host.gate import rules
from tcphw.host.gate.ask import ask
from tcphw.host.gate.explain import UnknownTool, explain
from tcphw.host.gate.gate import open_gate
from tests import small_registry

GUARD_S = 120  # a hung exchange fails the test instead of the suite's budget; a normal one takes seconds
TOOLS = {"check_command", "explain_tool", "list_rules"}


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    return small_registry.write(tmp_path / "registry.sqlite")


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The server's environment: its own config and data folders, so no rules, service or registry of the
    machine's user is found; the SDK passes only a few variables to a stdio server, so these are given."""
    env = {
        "TCPHW_CONFIG_DIR": str(tmp_path / "config"),
        "TCPHW_DATA_DIR": str(tmp_path / "data"),
        "XDG_RUNTIME_DIR": str(tmp_path / "run"),
        "HOME": str(tmp_path / "home"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # the same for this process, which reads the rules to compare
    return env


def _text(result: CallToolResult) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


async def _exchange(client: Client, cwd: str) -> dict[str, Any]:
    """List the tools and call each, as an agent would; the results by what they show. The person has allowed
    ``npm run test *`` before the session, and denies ``cat *`` during it."""
    listed = await client.list_tools()
    out: dict[str, Any] = {"tools": {t.name: t for t in listed.tools}}
    calls = {
        "reject": ("check_command", {"command": "ls && rm -rf /", "cwd": cwd}),
        "approve": ("check_command", {"command": "ls", "cwd": cwd}),
        "ask": ("check_command", {"command": "git push", "cwd": cwd}),
        "allowed": ("check_command", {"command": "npm run test unit", "cwd": cwd}),
        "empty": ("check_command", {"command": "  ", "cwd": cwd}),
        "relative": ("check_command", {"command": "ls", "cwd": "project"}),
        "rm": ("explain_tool", {"name": "rm"}),
        "subcommand": ("explain_tool", {"name": "git push"}),
        "unknown": ("explain_tool", {"name": "no-such-program"}),
        "cat before": ("check_command", {"command": "cat notes.txt", "cwd": cwd}),
    }
    for name, args in calls.items():
        out[name] = await client.call_tool(*args)
    rules.add("deny", "cat *")  # as `tcphw gate rule add deny 'cat *'` would, while the server runs
    out["cat after"] = await client.call_tool("check_command", {"command": "cat notes.txt", "cwd": cwd})
    out["rules"] = await client.call_tool("list_rules", {})
    out["file"] = rules.load()  # what the file held then
    assert out["file"].path is not None
    out["file"].path.write_text("{ not json")  # the person breaks the file: no decision until it is mended
    out["broken"] = await client.call_tool("check_command", {"command": "ls", "cwd": cwd})
    return out


def _assert_exchange(out: dict[str, Any], cwd: str) -> None:
    assert set(out["tools"]) == TOOLS
    for tool in out["tools"].values():
        assert tool.output_schema is not None, tool.name  # typed returns: clients get structuredContent
        assert tool.annotations is not None and tool.annotations.read_only_hint

    reject = out["reject"]
    assert not reject.is_error and reject.structured_content is not None
    doc = reject.structured_content
    assert doc["decision"] == "REJECT" and doc["needs_person"] is True and doc["answered_by"] == "in-process"
    assert "rm -rf /" in doc["reason"] and doc["cwd"] == cwd
    assert [p["words"] for p in doc["parts"]] == [["ls"], ["rm", "-rf", "/"]]
    rm = doc["parts"][1]
    assert rm["decision"] == "REJECT" and any(f["rule"] == "rm.delete" for f in rm["findings"])
    assert rm["descriptor"] and rm["descriptor_source"] == "scanned"

    approve = out["approve"].structured_content
    assert approve["decision"] == "APPROVE" and approve["needs_person"] is False
    ask_doc = out["ask"].structured_content
    assert ask_doc["decision"] == "REQUIRE_APPROVAL" and ask_doc["needs_person"] is True

    for bad, words in (("empty", "empty"), ("relative", "absolute")):
        result = out[bad]
        assert result.is_error and result.structured_content is None, bad
        assert words in _text(result) and "\n" not in _text(result), bad

    rm_entry = out["rm"].structured_content
    assert rm_entry["source"] == "scanned" and rm_entry["risk"] == "CRITICAL"
    assert rm_entry["path"] == "/usr/bin/rm" and rm_entry["doc_source"] == "man"
    assert rm_entry["descriptor"]["risk"] == "CRITICAL" and "DESTRUCTIVE" in rm_entry["descriptor"]["flag_names"]
    assert rm_entry["verdict_decision"] == "REJECT"  # a CRITICAL descriptor is a REJECT verdict
    sub = out["subcommand"].structured_content
    assert sub["name"] == "git push" and sub["source"].startswith("gate") and sub["risk"] == "HIGH_RISK"
    unknown = out["unknown"]
    assert unknown.is_error and "no-such-program" in _text(unknown) and "\n" not in _text(unknown)

    allowed = out["allowed"].structured_content  # npm is not registered: without the rule it would ask
    assert allowed["decision"] == "APPROVE" and allowed["parts"][0]["findings"][0]["rule"] == "rule.allow"
    assert out["cat before"].structured_content["decision"] == "APPROVE"
    assert out["cat after"].structured_content["decision"] == "REJECT"  # the rule added mid-session applies
    listed = out["rules"].structured_content
    assert listed["rules"] == out["file"].as_dicts() and listed["count"] == 2
    assert [(r["action"], r["pattern"]) for r in listed["rules"]] == [("allow", "npm run test *"), ("deny", "cat *")]
    assert listed["path"] == str(out["file"].path)
    broken = out["broken"]
    assert broken.is_error and "cannot be read" in _text(broken) and "\n" not in _text(broken)


def _add_a_rule() -> None:
    """A rule as a person adds one (issue 31 §3), before the server starts."""
    added = CliRunner().invoke(main, ["gate", "rule", "add", "allow", "npm run test *"])
    assert added.exit_code == 0, added.output


def test_over_stdio(registry: Path, environment: dict[str, str], tmp_path: Path) -> None:
    _add_a_rule()
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "tcphw", "gate", "mcp", "--db", str(registry)], env=environment
    )
    cwd = str(tmp_path / "project")
    errors = tmp_path / "server.err"

    async def session() -> dict[str, Any]:
        with errors.open("w") as errlog, anyio.fail_after(GUARD_S):
            async with Client(stdio_client(params, errlog=errlog)) as client:
                assert client.server_info is None or client.server_info.name == "tcphw-gate"
                return await _exchange(client, cwd)

    out = anyio.run(session)
    _assert_exchange(out, cwd)
    assert "Traceback" not in errors.read_text()


def test_stdio_server_ends_on_sigterm_while_stdin_is_open(registry: Path, environment: dict[str, str]) -> None:
    """A client that kills its server keeps the pipe open: the server must not wait for input to end."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tcphw", "gate", "mcp", "--db", str(registry)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env={**os.environ, **environment},
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        params = {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}}
        hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
        proc.stdin.write((json.dumps(hello) + "\n").encode())
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())  # it serves: the signal now reaches the running server
        assert answer["id"] == 1 and answer["result"]["serverInfo"]["name"] == "tcphw-gate"
        proc.terminate()
        assert proc.wait(timeout=GUARD_S) == 128 + signal.SIGTERM
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class _Server:
    """``tcphw gate mcp --http --port 0``: the address it took, read from its stderr."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tcphw", "gate", "mcp", *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)
            self.lines.put(line)
        self.lines.put("")

    def url(self) -> str:
        line = self.lines.get(timeout=GUARD_S)
        found = re.search(r"http://127\.0\.0\.1:(\d+)/mcp", line)
        assert found, f"no address: {''.join(self.stderr)!r}"
        return found.group(0)

    def stop(self) -> int:
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=GUARD_S)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


def test_over_streamable_http_on_loopback(registry: Path, environment: dict[str, str], tmp_path: Path) -> None:
    _add_a_rule()
    server = _Server(["--http", "--port", "0", "--db", str(registry)], environment)
    cwd = str(tmp_path / "project")
    try:
        url = server.url()

        async def session() -> dict[str, Any]:
            with anyio.fail_after(GUARD_S):
                async with Client(url) as client:
                    return await _exchange(client, cwd)

        out = anyio.run(session)
        # The SDK's DNS-rebinding protection: a page on another host that reaches the port is refused.
        rebound = httpx.post(url, headers={"Host": "attacker.example"}, json={}, timeout=GUARD_S)
    finally:
        server.stop()
    _assert_exchange(out, cwd)
    assert rebound.status_code in (403, 421), rebound.status_code
    assert server.proc.stdout is not None and server.proc.stdout.read() == ""  # stdout stays free
    assert "Traceback" not in "".join(server.stderr)


def test_bad_options_are_one_line_and_exit_4(registry: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["gate", "mcp", "--db", str(tmp_path / "none.sqlite")])
    assert missing.exit_code == 4 and "no tool registry" in missing.output
    port_alone = runner.invoke(main, ["gate", "mcp", "--db", str(registry), "--port", "1"])
    assert port_alone.exit_code == 4 and "--http" in port_alone.output
    backend = runner.invoke(main, ["gate", "mcp", "--db", str(registry), "--backend", "no-such-backend"])
    assert backend.exit_code == 4 and len(backend.output.strip().splitlines()) == 1
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        busy = runner.invoke(main, ["gate", "mcp", "--db", str(registry), "--http", "--port", port])
    assert busy.exit_code == 4 and "cannot listen on 127.0.0.1" in busy.output


def test_explain_finds_programs_subcommands_and_builtins(registry: Path) -> None:
    gate = open_gate(registry)
    assert explain(gate, "/usr/bin/rm")["name"] == "rm"  # a path: the registry knows programs by name
    cd = explain(gate, "cd")
    assert cd["name"] == "builtin cd" and cd["descriptor"]["name_length"] == len("builtin cd")
    for empty in ("", "  "):
        with pytest.raises(UnknownTool):
            explain(gate, empty)


def _fake_client(answer: dict[str, Any] | None, address: str | None = "/run/gate.sock") -> ModuleType:
    """A stand-in for the service's client module (tcphw.host.gate.client), with its documented interface."""

    class ServiceUnavailable(Exception):
        pass

    module = ModuleType("tcphw.host.gate.client")
    calls: list[tuple[str, str]] = []

    def check(command: str, cwd: str, **kwargs: Any) -> dict[str, Any]:
        calls.append((command, cwd))
        if answer is None:
            raise ServiceUnavailable("connection refused")
        return answer

    module.__dict__.update(
        ServiceUnavailable=ServiceUnavailable, service_address=lambda: address, check=check, calls=calls
    )
    return module


def test_the_service_answers_when_it_runs_else_this_process(
    registry: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[int] = []

    def local() -> Any:
        opened.append(1)
        return open_gate(registry)

    cwd = str(tmp_path)
    from_service = {"decision": "REJECT", "reason": "from the service", "needs_person": True, "parts": []}
    for module, expected in (
        (_fake_client(from_service), "service"),
        (_fake_client(None), "in-process"),  # configured but not answering
        (_fake_client(from_service, address=None), "in-process"),  # none configured
    ):
        monkeypatch.setitem(sys.modules, "tcphw.host.gate.client", module)
        answer, by = ask(local, "ls", cwd, caller="test")
        assert by == expected
        assert answer["reason"] == "from the service" if by == "service" else answer["decision"] == "APPROVE"
    assert module.calls == []  # with no service configured, none was asked
    answering = _fake_client(from_service)
    monkeypatch.setitem(sys.modules, "tcphw.host.gate.client", answering)
    answer, by = ask(local, "ls", cwd, use_service=False)  # --db or --backend given: this process decides
    assert by == "in-process" and len(opened) == 3 and answering.calls == []

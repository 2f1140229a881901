"""The shared gate service (``tcphw gate serve``) as agents meet it: a real child process on a Unix socket or a
loopback port, spoken to by the stdlib client and raw HTTP, with its audit log read back. No test times anything.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tcphw.host.cli import main
from tcphw.host.gate import audit, client
from tests.gate_service_helpers import Served, environment, registry, serve

# One worker for the file: the module's service is started once.
pytestmark = pytest.mark.xdist_group("gate-service")

WS = "/home/dev/project"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gate-service")


@pytest.fixture(scope="module")
def db(folder: Path) -> Path:
    return registry(folder / "registry.sqlite")


@pytest.fixture(scope="module")
def service(folder: Path, db: Path) -> Iterator[Served]:
    """One service for the module, on a socket in a folder it makes itself."""
    served = serve(folder, "--socket", str(folder / "run" / "tcphw" / "gate.sock"), "--db", str(db),
                   "--log", str(folder / "audit.sqlite"))  # fmt: skip
    yield served
    served.stop()


def raw(address: str, method: str, path: str, body: bytes | None = None, chunked: bool = False) -> tuple[int, bytes]:
    """One HTTP exchange on the service's Unix socket, bytes as sent (Connection: close). A service may answer
    before it has read the whole body (413) and close: the rest of the body is then not sent, not an error."""
    head = f"{method} {path} HTTP/1.1\r\nHost: gate\r\nConnection: close\r\n"
    if body is not None and chunked:
        head += "Transfer-Encoding: chunked\r\n"
        body = b"".join(b"%x\r\n%s\r\n" % (len(body[k : k + 4096]), body[k : k + 4096])
                        for k in range(0, len(body), 4096)) + b"0\r\n\r\n"  # fmt: skip
    elif body is not None:
        head += f"Content-Length: {len(body)}\r\n"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(address.removeprefix("unix:"))
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        sock.sendall(head.encode() + b"\r\n" + (body or b""))
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    sock.close()
    response = http.client.HTTPResponse(_Bytes(data))  # type: ignore[arg-type]
    response.begin()
    return response.status, response.read()


class _Bytes:
    """A received response as the socket http.client reads from."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, mode: str) -> Any:
        import io

        return io.BytesIO(self.data)


def one_line_error(data: bytes) -> str:
    """The body of an error: one line of JSON with an "error"."""
    assert data.endswith(b"\n") and data.count(b"\n") == 1, data
    message = json.loads(data)["error"]
    assert isinstance(message, str) and message and "\n" not in message
    return message


def test_the_socket_and_its_folder_are_the_users_alone(service: Served, folder: Path) -> None:
    path = folder / "run" / "tcphw" / "gate.sock"
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "audit.sqlite").stat().st_mode) == 0o600


def test_answers_are_check_many_bit_for_bit_and_a_batch_is_one_backend_call(service: Served, db: Path) -> None:
    from tcphw.host.apps.gate.corpus import load
    from tcphw.host.gate.gate import Gate, ReferenceValidator, Request
    from tcphw.host.registry import Registry

    lines: list[dict[str, Any]] = []
    for line in load()[::120][:30]:  # every family, agents' and attackers'
        lines.append({"command": line.command, "cwd": line.cwd})
        if line.env:
            lines[-1]["env"] = line.env
        if line.workspace:
            lines[-1]["workspace"] = line.workspace
    before = client.health(service.address)
    stats_before = json.loads(raw(service.address, "GET", "/stats")[1])
    status, data = raw(service.address, "POST", "/check/batch", json.dumps({"requests": lines}).encode())
    assert status == 200, data
    batch = json.loads(data)["results"]
    stats_after = json.loads(raw(service.address, "GET", "/stats")[1])
    # concurrent single checks too: however they fall into ticks, each answer is the same
    singles: list[Any] = [None] * len(lines)

    def ask(k: int) -> None:
        singles[k] = client.check(**lines[k], caller="test", address=service.address)

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(len(lines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with Registry(db) as registry:
        gate = Gate(registry, ReferenceValidator())
        requests = [Request(x["command"], x["cwd"], x.get("workspace"), x.get("env")) for x in lines]
        expected = [c.as_dict() for c in gate.check_many(requests)]
    audits = {}
    for name, got in (("batch", batch), ("singles", singles)):
        audits[name] = [answer.pop("audit") for answer in got]
        assert got == expected, name
    # the batch was one tick: one batch number, one backend call for all its descriptors
    assert {a["batch"] for a in audits["batch"]} == {audits["batch"][0]["id"]}
    assert {a["batch_size"] for a in audits["batch"]} == {len(lines)}
    validate = stats_after["stages"]["validate"]
    assert validate["calls"] - stats_before["stages"]["validate"]["calls"] == 1
    assert before["backend"] == "reference"


def test_the_service_runs_nothing_it_judges(service: Served, folder: Path) -> None:
    marker = folder / "ran"
    for line in (f"touch {marker}", f"echo x > {marker}", f"sh -c 'mkdir {marker}'", f"$(touch {marker})"):
        client.check(line, str(folder), address=service.address)
    assert not marker.exists()


def test_bad_requests_get_a_4xx_and_one_line(service: Served) -> None:
    a = service.address
    cases: list[tuple[str, str, bytes | None, int, str]] = [
        ("POST", "/check", b"{not json", 400, "not JSON"),
        ("POST", "/check", b"[1, 2]", 400, "JSON object"),
        ("POST", "/check", json.dumps({"cwd": "/tmp"}).encode(), 400, '"command"'),
        ("POST", "/check", json.dumps({"command": "ls"}).encode(), 400, '"cwd"'),
        ("POST", "/check", json.dumps({"command": "ls", "cwd": "tmp"}).encode(), 400, "absolute"),
        ("POST", "/check", json.dumps({"command": "  ", "cwd": "/tmp"}).encode(), 400, "empty"),
        ("POST", "/check", json.dumps({"command": "ls", "cwd": "/", "env": {"A": 1}}).encode(), 400, '"env"'),
        ("POST", "/check", b"\xff\xfe", 400, "not JSON"),
        ("POST", "/check/batch", json.dumps({"requests": []}).encode(), 400, "non-empty"),
        ("POST", "/check/batch", json.dumps({"requests": [{"command": "l", "cwd": "x"}]}).encode(), 400, "requests[0]"),
        ("GET", "/check", None, 405, "Method Not Allowed"),
        ("GET", "/nowhere", None, 404, "Not Found"),
    ]
    for method, path, body, code, words in cases:
        status, data = raw(a, method, path, body)
        assert status == code, (path, body, data)
        assert words in one_line_error(data), (body, data)


def test_a_body_over_64_kib_is_refused_with_413_whether_or_not_it_says_its_length(service: Served) -> None:
    line = json.dumps({"command": "echo " + "a" * (64 * 1024), "cwd": "/tmp"}).encode()
    status, data = raw(service.address, "POST", "/check", line)
    assert status == 413 and "limit" in one_line_error(data)

    status, data = raw(service.address, "POST", "/check", line, chunked=True)
    assert status == 413 and "limit" in one_line_error(data)
    fits = json.dumps({"command": "echo " + "a" * 60_000, "cwd": "/tmp"}).encode()
    assert raw(service.address, "POST", "/check", fits)[0] == 200
    assert raw(service.address, "POST", "/check", fits, chunked=True)[0] == 200


def test_every_answer_is_in_the_audit_log_when_it_arrives_with_the_callers_identity(
    service: Served, folder: Path
) -> None:
    answer = client.check("git push --force origin main", WS, caller="test-agent", address=service.address)
    # read at once, from another connection: the row was committed before the answer was sent
    [row] = [r for r in audit.read(folder / "audit.sqlite") if r["id"] == answer["audit"]["id"]]
    assert row["line"] == "git push --force origin main" and row["cwd"] == WS
    assert row["decision"] == answer["decision"] and row["reason"] == answer["reason"]
    assert row["caller"] == {"address": "unix", "uid": os.getuid(), "pid": os.getpid(), "name": "test-agent"}
    assert row["parts"] == answer["parts"]
    described = [p for p in answer["parts"] if p["descriptor"] is not None]
    assert row["verdicts"] == [p["verdict"] for p in described]
    import hashlib

    assert row["descriptor_sha256"] == [hashlib.sha256(bytes.fromhex(p["descriptor"])).hexdigest() for p in described]
    assert row["backend"] == "reference" and row["gate_version"] and row["table_digest"]


def test_the_log_is_append_only(service: Served, folder: Path) -> None:
    client.check("ls", WS, address=service.address)
    db = sqlite3.connect(folder / "audit.sqlite")
    for sql in ("UPDATE decisions SET decision = 'APPROVE'", "DELETE FROM decisions"):
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            db.execute(sql)
    db.close()


def serve_refused(*args: str) -> str:
    """``gate serve ARGS`` in process, where it must refuse before it serves: its one line. Should it get as far
    as serving, it stops there and the test fails at once, instead of serving for ever."""
    from tcphw.host.gate import service

    def served(*_: Any) -> None:
        raise AssertionError(f"gate serve {' '.join(args)} was not refused: it started to serve")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service, "run", served)
        r = CliRunner().invoke(main, ["gate", "serve", "--backend", "reference", *args])
    assert r.exit_code == 4, r.output
    assert r.output.count("\n") == 1, r.output
    return r.output


def test_a_second_service_on_the_same_socket_or_over_a_file_is_refused(service: Served, folder: Path, db: Path) -> None:
    here = "--db", str(db), "--log", str(folder / "b.sqlite")
    assert "already listens" in serve_refused(*here, "--socket", service.address.removeprefix("unix:"))
    assert client.health(service.address)["status"] == "ok"  # the first one still serves
    a_file = folder / "not-a-socket"
    a_file.write_text("keep me")
    assert "not a socket" in serve_refused(*here, "--socket", str(a_file))
    assert a_file.read_text() == "keep me"


def test_tcp_listens_on_loopback_only(folder: Path, db: Path) -> None:
    here = "--db", str(db), "--log", str(folder / "tcp.sqlite")
    for host in ("0.0.0.0", "192.168.1.10", "::", "example.com"):
        assert "loopback" in serve_refused(*here, "--port", "0", "--host", host)
    assert "not both" in serve_refused(*here, "--port", "0", "--socket", str(folder / "x.sock"))
    served = serve(folder, "--port", "0", "--db", str(db), "--log", str(folder / "tcp.sqlite"))
    try:
        assert served.address.startswith("http://127.0.0.1:")
        answer = client.check("rm -rf /", "/tmp", caller="tcp-test", address=served.address)
        assert answer["decision"] == "REJECT"
        [row] = list(audit.read(folder / "tcp.sqlite"))
        assert row["caller"]["address"].startswith("tcp:127.0.0.1:") and row["caller"]["name"] == "tcp-test"
    finally:
        served.stop()


def test_kill_9_under_load_loses_no_answered_decision(folder: Path, db: Path) -> None:
    log = folder / "kill.sqlite"
    served = serve(folder, "--socket", str(folder / "kill.sock"), "--db", str(db), "--log", str(log))
    answered: dict[str, int] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def agent(k: int) -> None:
        for n in range(10_000):
            line = f"grep -rn token-{k}-{n} src"
            try:
                answer = client.check(line, WS, timeout=10, address=served.address)
            except client.ServiceUnavailable:
                return
            with lock:
                answered[line] = answer["audit"]["id"]
                if len(answered) >= 300:
                    enough.set()

    threads = [threading.Thread(target=agent, args=(k,)) for k in range(16)]
    for t in threads:
        t.start()
    enough.wait(60)
    os.kill(served.process.pid, signal.SIGKILL)  # mid-load: 16 agents have requests in flight
    for t in threads:
        t.join(30)
    served.process.wait()
    assert len(answered) >= 300
    logged = {r["line"]: r["id"] for r in audit.read(log)}
    lost = {line: i for line, i in answered.items() if logged.get(line) != i}
    assert not lost, f"{len(lost)} answered decisions are not in the log: {list(lost)[:3]}"


def test_a_persons_rules_apply_from_the_next_check_and_a_broken_file_refuses(folder: Path, db: Path) -> None:
    from tcphw.host.gate import rules

    path = folder / "rules" / "gate-rules.json"
    log = folder / "rules.sqlite"
    served = serve(folder, "--socket", str(folder / "rules.sock"), "--db", str(db), "--log", str(log),
                   "--rules", str(path))  # fmt: skip
    try:
        before = client.check("ls -la", WS, address=served.address)
        assert before["decision"] == "APPROVE"
        rules.add("deny", "ls *", path)  # as tcphw gate rule add does, while the service runs
        in_force = rules.load(path).digest()
        after = client.check("ls -la", WS, address=served.address)
        assert after["decision"] == "REJECT" and "rule.deny" in after["reason"]
        assert client.health(served.address)["rules_count"] == 1
        path.write_text("{not json")
        with pytest.raises(client.ServiceRefused) as broken:
            client.check("ls -la", WS, address=served.address)
        assert broken.value.status == 503 and "rules file" in str(broken.value)
        path.unlink()
        assert client.check("ls -la", WS, address=served.address)["decision"] == "APPROVE"
    finally:
        served.stop()
    digests = [r["rules_digest"] for r in audit.read(log)]
    assert digests == [None, in_force, None]  # the rules each decision was taken under


def _drop_dac_override() -> tuple[str, ...]:
    """As root, a prefix that runs the service without CAP_DAC_OVERRIDE, so file modes bind it as they bind
    any user (no mount needed); as a user, nothing."""
    if os.geteuid() != 0:
        return ()
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: a read-only file cannot be made read-only to root")
    caps = "-dac_override,-dac_read_search"
    return ("setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}")


def test_a_read_only_log_refuses_checks_and_never_answers_without_logging(folder: Path, db: Path) -> None:
    log = folder / "readonly" / "audit.sqlite"
    first = audit.AuditLog(log)
    first.open()
    first.close()
    os.chmod(log, 0o444)
    try:
        served = serve(folder, "--socket", str(folder / "ro.sock"), "--db", str(db), "--log", str(log),
                       prefix=_drop_dac_override())  # fmt: skip
        try:
            assert "cannot be written" in served.stderr.read_text()
            health = client.health(served.address)
            assert health["status"] == "refusing" and "readonly" in health["log_error"]
            status, data = raw(served.address, "POST", "/check", json.dumps({"command": "ls", "cwd": "/tmp"}).encode())
            assert status == 503
            message = one_line_error(data)
            assert "cannot be written" in message and "without logging" in message
            with pytest.raises(client.ServiceRefused) as refused:  # a refusal, not "no service": the hook denies
                client.check("ls", "/tmp", address=served.address)
            assert refused.value.status == 503 and "without logging" in str(refused.value)
        finally:
            served.stop()
    finally:
        os.chmod(log, 0o644)
    assert audit.count(log) == 0


def test_the_client_finds_a_service_by_its_default_socket_or_the_settings(
    folder: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tcphw.host.gate import config

    for name, value in environment(folder / "client").items():
        if name.startswith(("TCPHW_", "XDG_")):
            monkeypatch.setenv(name, value)
    assert client.service_address() is None
    with pytest.raises(client.ServiceUnavailable, match="no gate service runs"):
        client.check("ls", "/tmp")
    served = serve(folder / "client", "--db", str(db))  # every default: the socket and log in the test's folders
    try:
        assert served.address == f"unix:{config.service_socket()}"
        assert client.service_address() == served.address
        assert client.check("ls", "/tmp")["decision"] == "APPROVE"
        config.settings_file().parent.mkdir(parents=True, exist_ok=True)
        config.settings_file().write_text(json.dumps({"service": "http://127.0.0.1:9"}))
        assert client.service_address() == "http://127.0.0.1:9"
        with pytest.raises(client.ServiceUnavailable):
            client.check("ls", "/tmp")  # nothing listens there: the caller falls back
        with pytest.raises(client.ServiceRefused) as bad:  # it answered: a refusal, not an absence
            client.check("ls", "relative/folder", address=served.address)
        assert bad.value.status == 400
    finally:
        served.stop()
    assert not config.service_socket().exists()  # the service takes its socket with it


def test_the_hooks_and_the_mcp_servers_ask_uses_the_service_and_never_reads_a_refusal_as_a_decision(
    service: Served, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tcphw.host.gate import config
    from tcphw.host.gate.ask import ask
    from tcphw.host.gate.gate import Gate

    monkeypatch.setenv("TCPHW_CONFIG_DIR", str(folder / "ask-config"))
    config.settings_file().parent.mkdir(parents=True, exist_ok=True)
    config.settings_file().write_text(json.dumps({"service": service.address}))

    def local() -> Any:
        raise AssertionError("the in-process gate was opened while the service answers")

    answer, where = ask(local, "git push --force origin main", WS, caller="claude:test")
    assert where == "service" and answer["audit"]["id"] > 0
    with pytest.raises(client.ServiceRefused):  # a refusal is an error (the hook denies), not a fallback
        ask(local, "ls", "relative/folder")
    config.settings_file().write_text(json.dumps({"service": "http://127.0.0.1:9"}))  # configured, not running
    assert ask(lambda: Gate(None), "ls", WS)[1] == "in-process"


def test_the_client_imports_the_standard_library_only() -> None:
    code = (
        "import sys, tcphw.host.gate.client as c; c.service_address(); "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'httpx', 'starlette', 'uvicorn', 'numpy', 'numba', "
        "'anyio', 'tree_sitter'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"

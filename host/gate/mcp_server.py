"""The gate as a Model Context Protocol server: an agent asks before it runs a shell line.

Built on the official Python SDK 2.x (``mcp.server.MCPServer``), over stdio or over streamable HTTP bound to
127.0.0.1. Every tool returns a typed model, so the SDK publishes an outputSchema and clients get
structuredContent beside the JSON text. A bad argument is a tool error (``isError``) with one line; nothing
here runs the lines it judges.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable
from typing import Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, ConfigDict, Field

from tcphw import __version__
from tcphw.host.gate import config, rules
from tcphw.host.gate.ask import ask
from tcphw.host.gate.explain import UnknownTool, explain
from tcphw.host.gate.gate import Gate

DecisionName = Literal["APPROVE", "CAUTION", "REQUIRE_APPROVAL", "REJECT"]

# A shell line longer than this is not something a person could read before approving it.
MAX_COMMAND = 64 * 1024

INSTRUCTIONS = """\
Ask check_command before you run any shell command line, with the folder it runs in (an absolute path).
APPROVE and CAUTION: run it. REQUIRE_APPROVAL: ask the user first (needs_person is true). REJECT: do not run it;
tell the user the reason. explain_tool shows the registry entry a decision rests on; list_rules shows the rules
the user added. The server never runs a line."""

# The tools only read: they judge lines and look entries up, and change nothing anywhere.
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)


class _Model(BaseModel):
    # The service may add fields this server does not know yet; they are dropped, not an error.
    model_config = ConfigDict(extra="ignore")


class Finding(_Model):
    level: DecisionName = Field(description="the decision this rule asks for")
    rule: str = Field(description="the rule's name, e.g. rm.delete")
    reason: str
    words: str = Field("", description="the words of the line it matched")


class Part(_Model):
    words: list[str] = Field(description="one program the line runs, with its arguments")
    program: str | None = Field(None, description="the name it is registered under; none for an assignment")
    key: str | None = Field(None, description="the entry its descriptor comes from: rm, git push, builtin cd")
    via: list[str] = Field(default_factory=list, description="how the line reaches it: sudo, sh -c, $(...)")
    decision: DecisionName
    descriptor: str | None = Field(None, description="the 24-byte descriptor, hex")
    descriptor_source: str | None = None
    verdict: int | None = Field(None, description="the backend's verdict byte on the descriptor")
    verdict_text: str | None = None
    narrowed: bool = Field(False, description="the gate read every argument: the findings decide, not the tool")
    findings: list[Finding] = Field(default_factory=list)


class CheckResult(_Model):
    command: str
    cwd: str | None = None
    workspace: str | None = None
    decision: DecisionName = Field(description="the strictest part's decision")
    needs_person: bool = Field(description="true for REQUIRE_APPROVAL and REJECT: do not run it unasked")
    reason: str = Field(description="which part and rule decided, in one sentence")
    refused: str | None = Field(None, description="why the line was refused unread (a syntax error)")
    backend: str | None = Field(None, description="what validated the descriptors")
    parts: list[Part] = Field(default_factory=list)
    answered_by: Literal["service", "in-process"] = Field(
        description="the shared gate service (tcphw gate serve), or this server's own gate"
    )


class DescriptorFields(_Model):
    hex: str
    magic: str
    version: int
    command_hash: str = Field(description="first 4 bytes of MD5 of the name, hex")
    flags: str
    flag_names: list[str] = Field(description="the risk bit and the capability bits, by name")
    risk: str | None
    exec_time_ms: int = Field(description="an estimate, not a measurement")
    memory_mb: int
    output_kb: int
    name_length: int
    crc: str


class ToolEntry(_Model):
    name: str
    source: str = Field(description="scanned on this machine, imported, or the gate's own entry")
    risk: str
    reasons: list[str]
    doc_source: str | None = Field(None, description="where the risk was read from: man, help, none ...")
    path: str | None = None
    resolved: str | None = None
    version: str | None = None
    scanned_at: str | None = None
    descriptor: DescriptorFields
    verdict: int = Field(description="the backend's verdict byte on this descriptor")
    verdict_text: str
    verdict_decision: DecisionName
    validated_by: str


class PersonsRules(_Model):
    rules: list[dict[str, Any]] = Field(description="each rule's action (allow, ask, deny), pattern, and when added")
    count: int
    path: str = Field(description="the rules file (tcphw gate rule add|remove|list change and show it)")


class CurrentRules:
    """This process's gate, with the person's rules as their file holds them now: a rule added with
    ``tcphw gate rule add`` while the server runs applies from the next call, as it does for a hook that starts
    afresh on every line."""

    def __init__(self, local: Callable[[], Gate]) -> None:
        self.local = local
        self.seen: tuple[int, int, int] | None = None  # (inode, size, mtime) of the file last read; None: absent
        self.loaded = False

    def __call__(self) -> Gate:
        gate = self.local()
        path = gate.rules.path or config.rules_file()
        try:
            st = path.stat()
            now: tuple[int, int, int] | None = (st.st_ino, st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            now = None
        if not self.loaded or now != self.seen:
            gate.rules = rules.load(path)  # a broken file is a RulesError: the caller's tool error
            self.seen, self.loaded = now, True
        return gate


def build(local: Callable[[], Gate], use_service: bool = True) -> MCPServer:
    """The server with its three tools. ``local`` gives this process's gate (opened once, by the caller)."""
    server = MCPServer("tcphw-gate", instructions=INSTRUCTIONS, version=__version__, log_level="WARNING")
    current = CurrentRules(local)

    # The tools are coroutines on purpose: the SDK runs plain functions on worker threads, and the registry's
    # SQLite connection belongs to the thread that opened it. A check takes milliseconds on the event loop.
    @server.tool(annotations=READ_ONLY)
    async def check_command(
        command: Annotated[str, Field(description="the whole shell command line, as it would be run")],
        cwd: Annotated[str, Field(description="the absolute folder it would run in")],
    ) -> CheckResult:
        """May this shell command line run? The decision, whether a person is needed, the reason, and each
        program the line runs with the rules that fired. Nothing is run."""
        if not command.strip():
            raise ToolError("nothing to check: the command line is empty")
        if len(command) > MAX_COMMAND:
            raise ToolError(f"the command line is {len(command)} characters; the gate reads at most {MAX_COMMAND}")
        if not os.path.isabs(cwd):
            raise ToolError(f"cwd {cwd!r} is not an absolute folder: give the full path the line runs in")
        try:
            answer, by = ask(current, command, cwd, caller="mcp", use_service=use_service)
        except rules.RulesError as e:  # no decision without the person's rules: the agent must not run it
            raise ToolError(str(e)) from e
        return CheckResult.model_validate({**answer, "answered_by": by})

    @server.tool(annotations=READ_ONLY)
    async def explain_tool(
        name: Annotated[str, Field(description="a program (rm), a subcommand (git push) or a builtin (cd)")],
    ) -> ToolEntry:
        """The registry entry a decision on this program rests on: risk, reasons, documentation source, path,
        and the decoded descriptor with the backend's verdict on it."""
        try:
            return ToolEntry.model_validate(explain(local(), name))  # rules do not change an entry
        except UnknownTool as e:
            raise ToolError(str(e)) from e

    @server.tool(annotations=READ_ONLY)
    async def list_rules() -> PersonsRules:
        """The rules the user added (allow, ask or deny one command by a prefix of its words), as the gate
        applies them: deny > ask > allow, one command after unwrapping, never a whole line."""
        try:
            gate = current()
        except rules.RulesError as e:
            raise ToolError(str(e)) from e
        found = gate.rules.as_dicts()
        return PersonsRules(rules=found, count=len(found), path=str(gate.rules.path or config.rules_file()))

    return server


def listen(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (never another interface); port 0 takes a free one."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        sock.listen(64)
    except OSError:
        sock.close()
        raise
    return sock


async def serve_http(server: MCPServer, sock: socket.socket) -> None:
    """Streamable HTTP at /mcp on an already listening loopback socket, until SIGINT or SIGTERM."""
    import uvicorn

    # host=127.0.0.1 turns on the SDK's DNS-rebinding protection: only loopback Host headers are served.
    app = server.streamable_http_app(host="127.0.0.1")
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve(sockets=[sock])


def serve_stdio(server: MCPServer) -> None:
    """JSON-RPC on stdin and stdout until the client closes stdin; logs go to stderr.

    SIGTERM and SIGINT end the process at once: the SDK reads stdin on a worker thread that nothing interrupts,
    so an orderly shutdown would wait for input that a client which sends a signal will not send. The server
    holds nothing to save: it only reads the registry and the rules."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda n, frame: os._exit(128 + n))
    server.run("stdio")

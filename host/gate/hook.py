"""Claude Code's PreToolUse hook: the gate's decision on a Bash command, in the answer Claude Code reads.

Claude Code runs ``tcphw gate hook claude`` before every tool call its settings match (matcher ``Bash``), with
the call as JSON on stdin (``hook_event_name``, ``tool_name``, ``tool_input.command``, ``cwd``, ``session_id``,
``permission_mode``...), and reads ``{"hookSpecificOutput": {"hookEventName": "PreToolUse", "permissionDecision":
"allow" | "ask" | "deny", "permissionDecisionReason": ...}}`` from stdout.

APPROVE and CAUTION allow (a setting makes CAUTION ask), REQUIRE_APPROVAL asks, REJECT denies. Anything that
goes wrong denies, with the reason: input that is not the documented shape, a tool name the hook does not know,
a registry or rules file that cannot be opened, a gate that does not answer in time. A tool Claude Code has that
is not Bash passes through untouched (no output: Claude Code's own permissions decide).

A hook is a new process per command, so this module imports nothing heavy: the reference validator (no numpy, no
numba; bit-identical to every backend by the equivalence tests), or the shared gate service when one runs.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from tcphw.contract import Decision

MAX_INPUT = 1 << 20  # a Bash call's JSON is a few KiB; more is not Claude Code talking
DEFAULT_TIMEOUT_S = 10.0
# Claude Code's tools other than Bash (its documented tool list, and MCP tools): they pass through. A name
# that is neither is not the input this hook was written for, and is denied.
OTHER_TOOLS = frozenset(
    {
        "Agent", "AskUserQuestion", "BashOutput", "Edit", "ExitPlanMode", "Glob", "Grep", "KillBash", "KillShell",
        "LS", "MultiEdit", "NotebookEdit", "NotebookRead", "Read", "SlashCommand", "Skill", "Task", "TodoRead",
        "TodoWrite", "WebFetch", "WebSearch", "Write",
    }
)  # fmt: skip
PERMISSION = {
    Decision.APPROVE: "allow",
    Decision.CAUTION: "allow",
    Decision.REQUIRE_APPROVAL: "ask",
    Decision.REJECT: "deny",
}


class HookTimeout(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    caution: str = "allow"  # or "ask": CAUTION lines go to a person too
    timeout_s: float = DEFAULT_TIMEOUT_S
    db: Path | None = None
    backend: str = "reference"
    use_service: bool = True


def load_settings(path: Path | None = None) -> Settings:
    """The hook's settings from the user's gate settings file (``{"claude": {"caution": "ask"}, ...}``)."""
    # load-time: platformdirs, only when no settings file is given (the hook starts per command line)
    from tcphw.host.gate import config

    path = path or config.settings_file()
    if not path.exists():
        return Settings()
    doc = json.loads(path.read_text(encoding="utf-8"))  # a broken file is an error the hook turns into deny
    claude = doc.get("claude", {}) if isinstance(doc, dict) else {}
    if not isinstance(claude, dict):
        raise ValueError(f"{path}: 'claude' must be an object")
    caution = claude.get("caution", "allow")
    if caution not in ("allow", "ask"):
        raise ValueError(f"{path}: claude.caution is allow or ask, not {caution!r}")
    timeout = float(claude.get("timeout_s", DEFAULT_TIMEOUT_S))
    if not 0 < timeout <= 600:
        raise ValueError(f"{path}: claude.timeout_s must be between 0 and 600 seconds")
    db = doc.get("registry")
    return Settings(caution, timeout, Path(db) if db else None, str(doc.get("backend", "reference")))


def answer(decision: str, reason: str) -> dict[str, Any]:
    return {
        "hookSpecificOutput": {
            "hookEventName": "PreToolUse",
            "permissionDecision": decision,
            "permissionDecisionReason": reason,
        }
    }


def deny(reason: str) -> dict[str, Any]:
    return answer("deny", f"tcphw gate: {reason}")


def read_request(raw: bytes) -> tuple[str, str] | str | None:
    """(command, cwd) for a Bash call; None for another tool (pass through); an error text otherwise."""
    if len(raw) > MAX_INPUT:
        return f"the hook input is over {MAX_INPUT} bytes"
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return f"the hook input is not JSON ({e})"
    if not isinstance(doc, dict):
        return "the hook input is not a JSON object"
    event = doc.get("hook_event_name")
    if event is not None and event != "PreToolUse":
        return f"this hook answers PreToolUse, not {event!r}"
    tool = doc.get("tool_name")
    if not isinstance(tool, str) or not tool:
        return "the hook input names no tool"
    if tool != "Bash":
        if tool in OTHER_TOOLS or tool.startswith("mcp__"):
            return None
        return f"an unknown tool {tool!r}: the gate judges Bash commands (install the hook with matcher Bash)"
    tool_input = doc.get("tool_input")
    command = tool_input.get("command") if isinstance(tool_input, dict) else None
    if not isinstance(command, str) or not command.strip():
        return "the Bash call has no command"
    cwd = doc.get("cwd")
    if not isinstance(cwd, str) or not os.path.isabs(cwd):
        return "the hook input has no absolute cwd"
    return command, cwd


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise HookTimeout after ``seconds`` (a real-time timer: the hook runs in its own process's main thread)."""

    def expired(signum: int, frame: FrameType | None) -> None:
        raise HookTimeout

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def decide(command: str, cwd: str, settings: Settings, session: str | None = None) -> dict[str, Any]:
    """The gate's decision as a dict (decision, reason): from the service when one answers, else in-process
    (``ask``: a service that refuses the request is an error, and so a deny, never a decision)."""
    # load-time: the gate (parser, tables, registry), only when the line is judged here
    from tcphw.host.gate.ask import ask
    from tcphw.host.gate.gate import open_gate

    answer, _ = ask(
        lambda: open_gate(settings.db, settings.backend),
        command,
        cwd,
        workspace(cwd),
        caller=f"claude:{session or '?'}",
        use_service=settings.use_service,
    )
    return answer


def workspace(cwd: str) -> str:
    """The agent's workspace: the project Claude Code was started in (CLAUDE_PROJECT_DIR, which it sets for
    hooks) when the command runs inside it, else the command's own folder."""
    project = os.environ.get("CLAUDE_PROJECT_DIR", "")
    if project and os.path.isabs(project):
        root = os.path.normpath(project)
        if os.path.normpath(cwd) == root or os.path.normpath(cwd).startswith(root.rstrip("/") + "/"):
            return root
    return cwd


def run(
    raw: bytes,
    settings_loader: Callable[[], Settings] = load_settings,
    decider: Callable[[str, str, Settings, str | None], dict[str, Any]] = decide,
) -> dict[str, Any] | None:
    """The hook's whole answer for one input: a dict to print, or None to pass through. Never raises."""
    try:
        settings = settings_loader()
    except Exception as e:
        return deny(f"the gate's settings cannot be read: {_one_line(e)}")
    try:
        with deadline(settings.timeout_s):
            request = read_request(raw)
            if request is None:
                return None
            if isinstance(request, str):
                return deny(request)
            command, cwd = request
            session = _session(raw)
            result = decider(command, cwd, settings, session)
    except HookTimeout:
        return deny(f"the gate did not answer within {settings.timeout_s:g} s")
    except Exception as e:  # a registry, rules file or backend that cannot be opened: deny, never crash
        return deny(_one_line(e))
    try:
        decision = Decision[result["decision"]]
    except (KeyError, TypeError):
        return deny(f"the gate answered something that is not a decision: {str(result)[:200]}")
    permission = PERMISSION[decision]
    if decision == Decision.CAUTION and settings.caution == "ask":
        permission = "ask"
    return answer(permission, f"tcphw gate: {result.get('reason', decision.name)}")


def _session(raw: bytes) -> str | None:
    try:
        value = json.loads(raw).get("session_id")
    except Exception:
        return None
    return value if isinstance(value, str) else None


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0] if text else type(e).__name__

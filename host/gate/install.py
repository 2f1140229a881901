"""``tcphw gate install claude``: put the hook into Claude Code's settings without losing anything there.

The settings file is the user's (``~/.claude/settings.json``) or the project's (``.claude/settings.json``). It is
read, the hook entry is added to ``hooks.PreToolUse`` under matcher ``Bash`` unless it is already there, and the
file is written whole by the atomic writer, after a copy of the old one is kept beside it. A file that is not a
JSON object is left alone and the command fails: the user's other settings are never destroyed.
"""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tcphw.atomic import write_text_atomic

MARK = "gate hook claude"  # how an entry is recognised as ours, whatever the path to tcphw
HOOK_TIMEOUT_S = 30  # Claude Code's own limit on the hook; the hook denies after its own, shorter one


class InstallError(ValueError):
    pass


@dataclass(frozen=True)
class Installed:
    path: Path
    changed: bool
    backup: Path | None
    command: str


def hook_command() -> str:
    """The command Claude Code runs: this Python's tcphw, so the hook works whatever PATH Claude Code has."""
    return f"{shlex.quote(sys.executable)} -m tcphw {MARK}"


def settings_path(scope: str, project: Path | None = None, home: Path | None = None) -> Path:
    if scope == "user":
        return (home or Path.home()) / ".claude" / "settings.json"
    return (project or Path.cwd()) / ".claude" / "settings.json"


def _load(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    if not path.is_file():
        raise InstallError(f"{path} is not a regular file; nothing was written")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InstallError(f"{path} is not valid JSON ({e}); fix it first, nothing was written") from None
    if not isinstance(doc, dict):
        raise InstallError(f"{path} is not a JSON object; nothing was written")
    return doc


def _entries(doc: dict[str, Any], path: Path) -> list[Any]:
    hooks = doc.setdefault("hooks", {})
    if not isinstance(hooks, dict):
        raise InstallError(f"{path}: 'hooks' is not an object; nothing was written")
    pre = hooks.setdefault("PreToolUse", [])
    if not isinstance(pre, list):
        raise InstallError(f"{path}: 'hooks.PreToolUse' is not a list; nothing was written")
    return pre


def _ours(hook: Any) -> bool:
    return isinstance(hook, dict) and MARK in str(hook.get("command", ""))


def install(path: Path, command: str | None = None) -> Installed:
    command = command or hook_command()
    doc = _load(path)
    pre = _entries(doc, path)
    for group in pre:
        if isinstance(group, dict) and group.get("matcher") == "Bash":
            hooks = group.get("hooks", [])
            if isinstance(hooks, list) and any(_ours(h) for h in hooks):
                return Installed(path, False, None, command)
    ours = {"type": "command", "command": command, "timeout": HOOK_TIMEOUT_S}
    pre.append({"matcher": "Bash", "hooks": [ours]})
    return Installed(path, True, _write(path, doc), command)


def uninstall(path: Path) -> Installed:
    doc = _load(path)
    if not doc:
        return Installed(path, False, None, "")
    pre = _entries(doc, path)
    kept = []
    removed = False
    for group in pre:
        if isinstance(group, dict) and isinstance(group.get("hooks"), list):
            hooks = [h for h in group["hooks"] if not _ours(h)]
            removed = removed or len(hooks) != len(group["hooks"])
            if not hooks:
                continue
            group = {**group, "hooks": hooks}
        kept.append(group)
    if not removed:
        return Installed(path, False, None, "")
    doc["hooks"]["PreToolUse"] = kept
    return Installed(path, True, _write(path, doc), "")


def _write(path: Path, doc: dict[str, Any]) -> Path | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if path.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        backup = path.with_name(f"{path.name}.{stamp}.bak")
        shutil.copy2(path, backup)
    write_text_atomic(path, json.dumps(doc, indent=2) + "\n")
    return backup

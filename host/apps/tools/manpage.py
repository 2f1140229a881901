"""The whole man page (or ``--help``), structured: every option's and every command's description.

``entries()`` splits the page into its sections and, under each, the entries that a page lists: an option (a line
that starts with ``-`` or ``+``), or, under a section headed COMMANDS, MODES, ACTIONS or OPERATIONS (or a
``Commands:`` block of ``--help``), a command word. Each entry's description is its text on the same line after
two or more spaces and the lines indented below it, joined. The policy reads these one by one, so an option's
description is judged on its own ("-d --delete: prompt user for files to preserve, deleting all others"), whatever
the summary says the tool is for.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_HEADING = re.compile(r"^(?:[A-Z][A-Z0-9 ,&/-]{2,}|[A-Z][a-z]+(?: [A-Za-z]+){0,3})\s*$")
_COMMAND_SECTION = re.compile(
    r"\b(?:COMMANDS?|SUBCOMMANDS?|MODES?|ACTIONS?|OPERATIONS?|FUNCTIONS|[Cc]ommands|[Ss]ubcommands|[Mm]odes|"
    r"[Aa]ctions|[Oo]perations)\b"
)
_HELP_BLOCK = re.compile(r"^\s{0,4}(\S.*?):\s*$")  # "Commands:", "Options:", "Operation modes:" in --help
_OPTION = re.compile(r"^[-+][\w?#]")
_COMMAND_WORD = re.compile(r"^[a-z][\w.-]*(?:\s|$)")
_GAP = re.compile(r"\s{2,}|\t")


@dataclass(frozen=True)
class Entry:
    section: str  # the heading it is under ("OPTIONS", "COMMANDS", "Commands:", ...)
    key: str  # "-d --delete", "up DEVICE..."
    text: str  # its description, one line
    kind: str  # "option" or "command"

    def line(self) -> str:
        return f"{self.key}: {self.text}"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(parts: list[str]) -> str:
    return re.sub(r"-\s+(?=[a-z])", "", " ".join(" ".join(parts).split()))  # hyphenation joined


def entries(doc: str) -> list[Entry]:
    """Every option and command entry of the page, in order."""
    return list(_entries(doc))


@functools.lru_cache(maxsize=256)  # the policy and the combiner read the same page's entries in turn
def _entries(doc: str) -> tuple[Entry, ...]:
    out: list[Entry] = []
    section = ""
    commands = False
    current: tuple[str, str, int, str] | None = None  # section, key, indent, kind
    text: list[str] = []

    def close() -> None:
        nonlocal current, text
        if current is not None:
            out.append(Entry(current[0], current[1], _join(text), current[3]))
        current, text = None, []

    for raw in doc.splitlines():
        line = raw.rstrip()
        if not line.strip():
            continue
        indent = _indent(line)
        stripped = line.strip()
        if indent == 0 and _HEADING.match(stripped):
            close()
            section, commands = stripped, bool(_COMMAND_SECTION.search(stripped))
            continue
        if section in ("SYNOPSIS", "Synopsis"):
            continue
        block = _HELP_BLOCK.match(line)
        if block and indent <= 4 and not _OPTION.match(stripped):
            close()
            section, commands = block.group(1), bool(_COMMAND_SECTION.search(block.group(1)))
            continue
        if indent <= 4 and indent > 0 and commands and _COMMAND_SECTION.search(stripped) and len(stripped) < 40:
            close()  # an indented sub-heading ("   Modes")
            section = stripped
            continue
        if current is not None and indent > current[2]:
            text.append(stripped)
            continue
        kind = "option" if _OPTION.match(stripped) else "command" if commands and _COMMAND_WORD.match(stripped) else ""
        if kind:
            close()
            key, *rest = _GAP.split(stripped, maxsplit=1)
            current = (section, key.strip(), indent, kind)
            text = [rest[0]] if rest else []
            continue
        close()
    close()
    return tuple(out)


def entries_text(doc: str, kind: str | None = None) -> str:
    """The entries as lines "KEY: description" (of one kind, or all)."""
    return "\n".join(e.line() for e in entries(doc) if kind is None or e.kind == kind)

"""``tcphw tools check COMMAND``: the decision an agent would get for a command line.

Every simple command of the line (split at ``|``, ``;``, ``&&``, ``||`` outside quotes) is looked up in the
registry by the program it runs (after ``VAR=value`` assignments; ``sudo``, ``env`` and the
like are programs too, and judged as such). Its descriptor goes through the ``software``
backend, the reference every hardware backend agrees with; the strictest decision wins.
A program the registry does not know needs approval: unknown is not safe; so does a line with
command or process substitution (``$(...)``, backticks, ``<(...)``), whose commands it cannot see.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tcphw.contract import DESCRIPTOR_SIZE, Decision, describe_verdict, verdict_decision
from tcphw.host.apps.tools.registry import Registry

_SEPARATORS = re.compile(r"\|\||&&|[|;&\n]")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_HIDDEN = re.compile(r"\$\(|`|[<>]\(")


@dataclass
class Part:
    command: str
    program: str | None
    decision: Decision
    verdict: str | None
    risk: str | None
    reasons: list[str] = field(default_factory=list)


@dataclass
class Check:
    line: str
    decision: Decision
    parts: list[Part]

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.line,
            "decision": self.decision.name,
            "parts": [{**p.__dict__, "decision": p.decision.name} for p in self.parts],
        }


_OPERATORS = {"|", "||", "&", "&&", ";", ";;", "|&"}
_TERMINATORS = {"&", ";"}  # may end a line ("cmd &", "cmd ;"); the others need a command after them


def simple_commands(line: str) -> list[list[str]]:
    """The words of each simple command in ``line``, split at | || & && ; outside quotes.

    A line a shell would refuse (an unterminated quote, ``ls |``, ``| wc``) raises ValueError: judging
    a broken line as if it were fine would approve something that is not what will run."""
    last = ""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    commands: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token in _OPERATORS:
                if not commands[-1]:
                    raise ValueError(f"broken command line: {token!r} has no command before it")
                commands.append([])
                last = token
            else:
                commands[-1].append(token)
    except ValueError as e:
        if "broken command line" in str(e):
            raise
        # shlex's "No closing quotation" / "No escaped character": a shell would refuse it too
        raise ValueError(f"broken command line: {e} ({line!r})") from None
    if not commands[-1] and len(commands) > 1 and last not in _TERMINATORS:
        raise ValueError(f"broken command line: {last!r} has no command after it")
    return [c for c in commands if c]


def program_of(words: list[str]) -> str | None:
    words = [w for w in words if not _ASSIGNMENT.match(w)]
    return words[0].rsplit("/", 1)[-1] if words else None


def check(registry: Registry, line: str) -> Check:
    from tcphw.host.backends import open_backend

    commands = simple_commands(line)
    if not commands:
        raise ValueError("nothing to check: the command line is empty")
    parts: list[Part] = []
    hidden = _HIDDEN.search(line)
    if hidden:
        parts.append(
            Part(hidden.group(0), "(substitution)", Decision.REQUIRE_APPROVAL, None, None,
                 [f"'{hidden.group(0)}' runs commands this check cannot see (command or process substitution)"])
        )  # fmt: skip
    with open_backend("software") as backend:
        for words in commands:
            command = " ".join(words)
            program = program_of(words)
            row = registry.lookup(program) if program else None
            if program is None:
                continue
            if row is None:
                parts.append(
                    Part(command, program, Decision.REQUIRE_APPROVAL, None, None,
                         [f"{program} is not in the registry (run tcphw tools scan): unknown is not safe"])
                )  # fmt: skip
                continue
            descriptor = np.frombuffer(row.descriptor, dtype=np.uint8).reshape(1, DESCRIPTOR_SIZE)
            verdict = int(backend.validate(descriptor)[0])
            parts.append(
                Part(
                    command, program, verdict_decision(verdict), describe_verdict(verdict), row.risk, list(row.reasons)
                )
            )
    decision = max((p.decision for p in parts), default=Decision.APPROVE)
    return Check(line, decision, parts)

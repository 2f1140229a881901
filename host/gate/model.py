"""What the gate answers: a decision for the line, and for each part the words, the descriptor, the verdict
byte and the rules that fired."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Decision is re-exported ("as Decision"): the gate's modules take it from here with the levels A, C, R, X
from tcphw.contract import Decision as Decision
from tcphw.contract import describe_verdict

A, C, R, X = Decision.APPROVE, Decision.CAUTION, Decision.REQUIRE_APPROVAL, Decision.REJECT


def needs_person(decision: Decision) -> bool:
    """The line an agent acts on: APPROVE and CAUTION run without a person; the others do not."""
    return decision >= Decision.REQUIRE_APPROVAL


@dataclass(frozen=True)
class Finding:
    """One rule that fired on a part: its level, its name, what it says, and the words it matched."""

    level: Decision
    rule: str
    reason: str
    words: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"level": self.level.name, "rule": self.rule, "reason": self.reason, "words": self.words}


@dataclass
class Part:
    """One program the line runs (a simple command, or a command a wrapper runs), with its judgement."""

    words: list[str]
    program: str | None  # the name it is registered under; None for assignments and redirections alone
    key: str | None = None  # the registry entry its descriptor comes from: "rm", "git push", "builtin cd"
    via: tuple[str, ...] = ()  # how the line reaches it: ("sudo",), ("$(...)", "sh -c")
    findings: list[Finding] = field(default_factory=list)
    narrowed: bool = False  # the table read every argument: they decide, not the tool's worst case
    descriptor: bytes | None = None
    descriptor_source: str | None = None  # "scanned", "imported", "gate table"
    verdict: int | None = None
    decision: Decision = Decision.REQUIRE_APPROVAL
    secret_reads: list[int] = field(default_factory=list)  # findings that read a secret a filter may contain
    summary_only: bool = False  # the program prints only a summary of its input (a count, a digest)

    def add(self, level: Decision, rule: str, reason: str, words: str = "") -> None:
        self.findings.append(Finding(level, rule, reason, words))

    @property
    def deciding(self) -> Finding | None:
        """The finding that set the part's decision, if a finding did."""
        ranked = [f for f in self.findings if f.level == self.decision]
        return ranked[0] if ranked else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "program": self.program,
            "key": self.key,
            "via": list(self.via),
            "decision": self.decision.name,
            "descriptor": self.descriptor.hex() if self.descriptor is not None else None,
            "descriptor_source": self.descriptor_source,
            "verdict": self.verdict,
            "verdict_text": describe_verdict(self.verdict) if self.verdict is not None else None,
            "narrowed": self.narrowed,
            "findings": [f.as_dict() for f in self.findings],
        }


@dataclass
class Check:
    """The gate's answer for one command line."""

    line: str
    cwd: str | None
    workspace: str | None
    decision: Decision
    parts: list[Part]
    refused: str | None = None  # why the line was refused without judging it (a syntax error)
    backend: str | None = None

    @property
    def deciding(self) -> tuple[Part | None, Finding | None]:
        """The part and rule that decided the line (the strictest; the first of equals)."""
        for part in self.parts:
            if part.decision == self.decision:
                return part, part.deciding
        return None, None

    def reason(self) -> str:
        """One sentence: which part and which rule decided, quoting the matched words."""
        if self.refused:
            return self.refused
        part, finding = self.deciding
        if part is None:
            return "nothing on the line runs a program"
        what = " ".join(part.words) or "(redirection)"
        if part.via:
            what += f" (via {' > '.join(part.via)})"
        if finding is None:
            source = part.descriptor_source or "registry"
            return (
                f"{self.decision.name}: '{what}' rests on the {source} descriptor of {part.key} ({self.decision.name})"
            )
        quoted = (
            f" ({finding.words})"
            if finding.words and finding.words not in what and finding.words not in finding.reason
            else ""
        )
        return f"{self.decision.name}: '{what}': {finding.rule}: {finding.reason}{quoted}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "command": self.line,
            "cwd": self.cwd,
            "workspace": self.workspace,
            "decision": self.decision.name,
            "needs_person": needs_person(self.decision),
            "reason": self.reason(),
            "refused": self.refused,
            "backend": self.backend,
            "parts": [p.as_dict() for p in self.parts],
        }

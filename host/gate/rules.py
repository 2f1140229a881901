"""Rules a person adds: "don't ask me again for ``npm test``", or "always ask before ``kubectl``".

A rule is an action (allow, ask or deny) and a prefix pattern over the parsed words of one simple command:
``npm run test *`` matches ``npm run test`` followed by anything; a ``*`` before the end matches exactly one
word; without a trailing ``*`` the words must match exactly. Rules are matched against each part of a line as
the gate sees it, after unwrapping (``timeout 60 npm test`` has the part ``npm test``), so an allow rule can
never approve a line, only the one command it names: ``npm test && rm -rf ~`` is still refused by its second
part.

What a rule may change, and what it may not:
- precedence deny > ask > allow: a part that a deny and an allow rule both match is denied;
- deny makes the part REJECT; ask makes it at least REQUIRE_APPROVAL;
- allow lowers what the program itself does (its own rules, its descriptor, an unregistered program) to
  APPROVE, but keeps what the line around it adds: redirections, variables set for it, shell constructs, an
  invalid descriptor. ``npm test > /etc/passwd`` stays refused under ``allow: npm test``;
- allow never lowers a REJECT part unless the rule names that exact part, word for word (no ``*``).

The rules live in the user's config folder (``config.rules_file()``), one JSON document written whole.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tcphw.atomic import write_text_atomic
from tcphw.host.gate import config
from tcphw.host.gate.model import A, Decision, Finding, Part, R, X

ACTIONS = ("deny", "ask", "allow")  # strongest first: the order of precedence
# Findings about the line around the program, which an allow rule keeps: what it names is the program.
CONTEXT = ("redirect.", "env.", "shell.", "line.", "descriptor.invalid")
FORMAT = 1


class RulesError(ValueError):
    """A rules file or a pattern that cannot be used: one line, said as it is."""


@dataclass(frozen=True)
class Rule:
    action: str
    pattern: str
    added: str = ""

    @property
    def words(self) -> list[str]:
        return shlex.split(self.pattern)

    @property
    def exact(self) -> bool:
        return "*" not in self.words

    def matches(self, words: list[str]) -> bool:
        want = self.words
        if want and want[-1] == "*":
            head = want[:-1]
            return len(words) >= len(head) and _same(head, words[: len(head)])
        return len(words) == len(want) and _same(want, words)

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "pattern": self.pattern, "added": self.added}


def _same(pattern: list[str], words: list[str]) -> bool:
    return all(p == "*" or p == w for p, w in zip(pattern, words, strict=True))


def parse_pattern(action: str, pattern: str) -> Rule:
    """A rule from what a person typed, checked: a known action, words that parse, not "allow everything"."""
    if action not in ACTIONS:
        raise RulesError(f"the action is allow, ask or deny, not {action!r}")
    try:
        words = shlex.split(pattern)
    except ValueError as e:
        raise RulesError(f"the pattern {pattern!r} does not parse: {e}") from None
    if not words:
        raise RulesError("the pattern is empty: give the words of a command, e.g. 'npm run test *'")
    if words[0] == "*":
        raise RulesError(f"the pattern {pattern!r} starts with *: name the program it is for")
    return Rule(action, _join(words))


def _join(words: list[str]) -> str:
    """The pattern as stored and shown: words quoted where the shell would need it, a lone * left bare (it is the
    wildcard, so a pattern cannot ask for a literal * argument)."""
    return " ".join(w if w == "*" else shlex.quote(w) for w in words)


class Rules:
    def __init__(self, rules: list[Rule] | None = None, path: Path | None = None) -> None:
        self.rules = list(rules or [])
        self.path = path

    def __len__(self) -> int:
        return len(self.rules)

    def digest(self) -> str:
        text = json.dumps([r.as_dict() for r in self.rules], sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.rules]

    def matching(self, words: list[str]) -> list[Rule]:
        return [r for r in self.rules if r.matches(words)]

    def apply(self, part: Part) -> None:
        """Change a part's decision (already taken from its descriptor and findings) by the rules it matches."""
        if not self.rules or not part.words:
            return
        matched = self.matching(part.words)
        if not matched:
            return
        words = " ".join(part.words)
        for action in ACTIONS:
            chosen = [r for r in matched if r.action == action]
            if not chosen:
                continue
            rule = next((r for r in chosen if r.exact), chosen[0])
            if action == "deny":
                part.findings.insert(0, Finding(X, "rule.deny", f"a person's rule denies '{rule.pattern}'", words))
                part.decision = X
            elif action == "ask":
                part.findings.insert(0, Finding(R, "rule.ask", f"a person's rule asks for '{rule.pattern}'", words))
                part.decision = max(part.decision, R)
            else:
                _allow(part, rule, words)
            return  # the strongest action decides; weaker ones that also match do nothing


def _allow(part: Part, rule: Rule, words: str) -> None:
    kept = [f.level for f in part.findings if f.rule.startswith(CONTEXT)]
    lowered = max(kept, default=A)
    if part.decision == X and not rule.exact:
        # after the program's own reason, which stays the one shown
        part.findings.append(
            Finding(X, "rule.allow-refused", f"'{rule.pattern}' does not name this refused command exactly", words)
        )
        return
    if lowered < part.decision:
        part.findings.insert(0, Finding(lowered, "rule.allow", f"a person's rule allows '{rule.pattern}'", words))
        part.decision = lowered


def load(path: Path | None = None) -> Rules:
    """The rules in ``path`` (default: the user's rules file); none when the file does not exist."""
    path = path or config.rules_file()
    if not path.exists():
        return Rules([], path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RulesError(f"the rules file {path} cannot be read: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("rules"), list):
        raise RulesError(f"the rules file {path} is not a tcphw gate rules file (format {FORMAT})")
    rules = []
    for n, rec in enumerate(doc["rules"], 1):
        if not isinstance(rec, dict) or not isinstance(rec.get("pattern"), str):
            raise RulesError(f"the rules file {path}: rule {n} has no pattern")
        try:
            rule = parse_pattern(str(rec.get("action")), rec["pattern"])
        except RulesError as e:
            raise RulesError(f"the rules file {path}: rule {n}: {e}") from None
        rules.append(Rule(rule.action, rule.pattern, str(rec.get("added", ""))))
    return Rules(rules, path)


def save(rules: Rules, path: Path | None = None) -> Path:
    """Write the rules whole (a crash leaves the old file or the new one, never half of one)."""
    path = path or rules.path or config.rules_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"format": FORMAT, "rules": rules.as_dicts()}
    write_text_atomic(path, json.dumps(doc, indent=2) + "\n")
    return path


def add(action: str, pattern: str, path: Path | None = None) -> tuple[Rule, bool]:
    """Add a rule (True) or find it already there (False)."""
    rule = parse_pattern(action, pattern)
    rules = load(path)
    for r in rules.rules:
        if r.action == rule.action and r.pattern == rule.pattern:
            return r, False
    stamped = Rule(rule.action, rule.pattern, datetime.now(UTC).isoformat(timespec="seconds"))
    rules.rules.append(stamped)
    save(rules, path)
    return stamped, True


def remove(action: str, pattern: str, path: Path | None = None) -> bool:
    rule = parse_pattern(action, pattern)
    rules = load(path)
    kept = [r for r in rules.rules if not (r.action == rule.action and r.pattern == rule.pattern)]
    if len(kept) == len(rules.rules):
        return False
    save(Rules(kept, rules.path), path)
    return True


__all__ = ["ACTIONS", "Decision", "Rule", "Rules", "RulesError", "add", "load", "parse_pattern", "remove", "save"]

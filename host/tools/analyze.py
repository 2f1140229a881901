"""Risk and capabilities of a tool from its documentation, with the reason for every decision.

Two sources, both explainable:
- rules over the documentation (``rules``): the one-line summary of the man page's NAME
  section (or the first line of --help) says what the tool is for ("remove files",
  "print ..."), option names say what it can do (--force, --recursive, --delete,
  --in-place), and phrases hint at privileges ("must be root") or the network ("URL");
- the curated table of well-known tools (``known.py``), which wins where it has an entry,
  because documentation does not always say how dangerous a tool is.
A tool with no documentation and no table entry is MEDIUM_RISK: unknown is not safe.

Estimates (descriptor fields exec_time_ms, memory_mb, output_kb) are class defaults
(``ESTIMATES``: interpreters and network tools run long, readers are quick), with memory
raised for large executables (twice the file size plus 2 MB). They are estimates, not
measurements: the scanner never runs a tool for real.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tcphw.contract import Flag, Risk

from .known import lookup

ROOT, DESTROY, NET, FILES, SYSTEM, PRIV = (
    int(Flag.REQUIRES_ROOT),
    int(Flag.DESTRUCTIVE),
    int(Flag.NETWORK_ACCESS),
    int(Flag.FILE_MODIFICATION),
    int(Flag.SYSTEM_MODIFICATION),
    int(Flag.PRIVILEGE_ESCALATION),
)


@dataclass(frozen=True)
class Rule:
    """A pattern; where it matches, the tool is at least ``risk`` and has ``capabilities``."""

    pattern: re.Pattern[str]
    risk: Risk
    capabilities: int
    reason: str
    where: str  # "summary" (what the tool is for) or "text" (anywhere in the documentation)


def _r(where: str, pattern: str, risk: Risk, reason: str, caps: int = 0) -> Rule:
    return Rule(re.compile(pattern, re.IGNORECASE), risk, caps, reason, where)


S, L, M, H, C = Risk.SAFE, Risk.LOW_RISK, Risk.MEDIUM_RISK, Risk.HIGH_RISK, Risk.CRITICAL

RULES: tuple[Rule, ...] = (
    # What the tool is for: the summary line.
    _r(
        "summary",
        r"\b(erase|wipe|destroy|shred|overwrite\w* .*(device|disk)|overwrite\w* (a |the )?files?\b)",
        C,
        "its purpose is to erase data",
        DESTROY,
    ),
    _r(
        "summary",
        r"\b(partition|file ?system|filesystem)s?\b.*\b(create|make|build|format|manipulat|edit)|"
        r"\b(create|make|build|format|manipulat|edit)\w*\b.*\b(partition|file ?system|filesystem)",
        C,
        "it creates or rewrites file systems or partitions",
        DESTROY | SYSTEM | ROOT,
    ),
    _r("summary", r"\bswap (area|space|device)", C, "it formats swap space", DESTROY | SYSTEM | ROOT),
    _r("summary", r"\b(power ?off|reboot|halt|shut ?down|run ?level)\b", C, "it stops or restarts the machine", SYSTEM),
    _r(
        "summary",
        r"\b(remove|delete|unlink)\s+(?!empty)(\w+\s+){0,2}(files?|director(y|ies))\b",
        C,
        "its purpose is to delete files",
        DESTROY | FILES,
    ),
    _r("summary", r"\b(remove|delete)\s+empty director", L, "it deletes empty directories only", FILES),
    _r(
        "summary",
        r"\b(as (another|the super) ?user|as root|superuser|privilege|substitute user|(another|different) user)",
        C,
        "it runs commands with other privileges",
        PRIV | SYSTEM,
    ),
    _r("summary", r"\b(kill|signal|terminate)\w*\b.*\bprocess", H, "it signals or kills processes", SYSTEM),
    _r(
        "summary",
        r"\b(change|set|modify)\w*\b.*\b(owner|ownership|group|mode|permission|password|account)",
        H,
        "it changes ownership, permissions or accounts",
        SYSTEM | FILES,
    ),
    _r(
        "summary",
        r"\buser account|\b(new|create|add)\w* (a )?(new )?(user|group)\b",
        H,
        "it creates or changes accounts",
        SYSTEM | ROOT,
    ),
    _r("summary", r"\bshrink\b.*\bfiles?\b", H, "it can cut files short, losing their data", FILES | DESTROY),
    _r(
        "summary",
        r"\b(install|remove|upgrade)\w*\b.*\bpackages?|\bpackage (manag|install|handling)",
        H,
        "it installs or removes packages",
        SYSTEM | NET,
    ),
    _r(
        "summary",
        r"\b(interpreter|programming language|command language|shell)\b",
        H,
        "it runs arbitrary code",
        FILES | NET | SYSTEM,
    ),
    _r(
        "summary",
        r"\b(mount|unmount|service|daemon|firewall|kernel module|routing|scheduled|cron|init script)\b",
        H,
        "it changes system services, mounts or configuration",
        SYSTEM,
    ),
    _r("summary", r"\b(run|execute|invoke)\w*\b.*\b(command|program)", M, "it runs other commands"),
    _r(
        "summary",
        r"\b(download|upload|transfer|fetch|remote|network|url|http|ssh|ftp)",
        M,
        "it talks to the network",
        NET,
    ),
    _r(
        "summary",
        r"\b(copy|move|rename|extract|compress|decompress|edit|patch|synchroni[sz]e|archiv)",
        M,
        "it writes or replaces files",
        FILES,
    ),
    _r(
        "summary",
        r"\b(create|make)\w*\b.*\b(director(y|ies)|files?|links?)\b|\bchange file timestamps",
        L,
        "it creates files or directories",
        FILES,
    ),
    _r("summary", r"\bwrite\w*\b.*\bfiles?\b", L, "it writes files", FILES),
    # What it can do: options and phrases anywhere in the documentation.
    _r("text", r"(?<![\w-])--no-preserve-root\b", H, "it can work recursively on / (--no-preserve-root)", SYSTEM),
    _r(
        "text",
        r"(?<![\w-])--(delete|remove)\b.*\b(files?|director(y|ies))\b",
        M,
        "it has a --delete/--remove option for files",
        FILES,
    ),
    _r(
        "text",
        r"(?<![\w-])-(delete|exec)\b",
        M,
        "it can delete, or run commands on, what it finds (-delete, -exec)",
        FILES,
    ),
    _r("text", r"(?<![\w-])(--in-place\b|-i\[SUFFIX\])", M, "it can edit files in place (--in-place)", FILES),
    _r(
        "text",
        r"\b(must be|run as|requires?) (root|superuser)|\broot privileges\b|\bCAP_SYS_ADMIN\b",
        L,
        "it needs root privileges",
        ROOT,
    ),
    _r(
        "text",
        r"(?<![\w-])--force\b.*\n?.*\b(overwrite|remove|delete)|(?<![\w-])--recursive\b.*\b(remove|delete)",
        M,
        "it has --force/--recursive options that overwrite or remove",
        FILES,
    ),
)

ESTIMATES = {  # exec_time_ms, memory_mb, output_kb by the highest capability class
    "interpreter": (1000, 64, 64),
    "network": (5000, 32, 1024),
    "system": (500, 16, 4),
    "files": (200, 8, 4),
    "reader": (50, 4, 64),
}


@dataclass(frozen=True)
class Analysis:
    risk: Risk
    capabilities: int
    reasons: tuple[str, ...]
    source: str  # "table", "rules", "table+rules" or "default"
    estimates: tuple[int, int, int] = field(default=(0, 0, 0))


def summary_line(doc: str) -> str:
    """What the tool says it is for: the man page's NAME line, else the first non-usage line."""
    lines = [line.strip() for line in doc.splitlines()]
    for i, line in enumerate(lines):
        if line == "NAME":
            rest = " ".join(x for x in lines[i + 1 : i + 4] if x and not x.isupper())
            return rest.split(" - ", 1)[-1] if " - " in rest else rest
    for line in lines:
        if line and not re.match(r"(usage|or|\s*-)", line, re.IGNORECASE):
            return line
    return ""


def rules(doc: str) -> tuple[Risk | None, int, list[str]]:
    """The rules alone: the highest level any rule gives, the capabilities, and the reasons."""
    summary = summary_line(doc)
    risk: Risk | None = None
    caps = 0
    reasons: list[str] = []
    for rule in RULES:
        text = summary if rule.where == "summary" else doc
        match = rule.pattern.search(text)
        if not match:
            continue
        caps |= rule.capabilities
        if risk is None or rule.risk > risk:
            risk = rule.risk
        quote = " ".join(match.group(0).split())[:60]
        reasons.append(f"{rule.risk.name}: {rule.reason} ({rule.where}: '{quote}')")
    if risk is None and summary:
        risk = S
        reasons.append(
            f"SAFE: nothing in its documentation writes, deletes, runs or connects (summary: '{summary[:60]}')"
        )
    return risk, caps, reasons


def estimates(capabilities: int, risk: Risk, executable_bytes: int) -> tuple[int, int, int]:
    if risk >= H and capabilities & NET and capabilities & SYSTEM and capabilities & FILES:
        cls = "interpreter"
    elif capabilities & NET:
        cls = "network"
    elif capabilities & (SYSTEM | ROOT | PRIV):
        cls = "system"
    elif capabilities & (FILES | DESTROY):
        cls = "files"
    else:
        cls = "reader"
    time_ms, memory_mb, output_kb = ESTIMATES[cls]
    memory_mb = max(memory_mb, 2 * executable_bytes // (1 << 20) + 2)
    return time_ms, memory_mb, output_kb


def analyse(name: str, doc: str | None, executable_bytes: int = 0) -> Analysis:
    """The tool's risk, capabilities and reasons: the table where it knows the tool, else the rules."""
    known = lookup(name)
    found, caps, reasons = rules(doc) if doc else (None, 0, [])
    if known is not None:
        why = [f"{known.risk.name}: curated table: {name} {known.reason}"]
        if found is not None and found != known.risk:
            why.append(f"(the documentation rules alone say {found.name})")
        risk, capabilities, source = known.risk, known.capabilities | caps, "table" if not doc else "table+rules"
        reasons = why + reasons
    elif found is not None:
        risk, capabilities, source = found, caps, "rules"
    else:
        risk, capabilities, source = M, 0, "default"
        reasons = ["MEDIUM_RISK: no documentation could be read and the tool is not in the table; unknown is not safe"]
    return Analysis(risk, capabilities, tuple(reasons), source, estimates(capabilities, risk, executable_bytes))

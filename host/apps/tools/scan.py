"""``tcphw tools scan``: discover tools, read their documentation safely, analyse, register.

A re-scan skips a tool whose file is unchanged (path, size, modification time) and was
analysed by the same rules; otherwise it reads the documentation again and writes a new row
only if the path, version or documentation hash changed (the old row goes to history).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tcphw.contract import Descriptor
from tcphw.host.apps.tools.analyze import analyse
from tcphw.host.apps.tools.discover import Candidate, discover
from tcphw.host.apps.tools.evidence import gather
from tcphw.host.apps.tools.sandbox import HELP_FLAGS, denylisted, help_text, isolation, man_page
from tcphw.host.apps.tools.version import ANALYSIS_VERSION as _VERSION_DIGEST
from tcphw.host.registry import Registry, ToolRow

# Derived from a digest of the signal table, the curated table, the combiner and the extractors' source
# (version.py): any change to them analyses every tool again on the next scan. Before issue 32 it was written by
# hand (1 to 6).
ANALYSIS_VERSION = _VERSION_DIGEST

_VERSION = re.compile(r"\b(?:version\s+|v)?(\d+\.\d+(?:\.\d+)*(?:[-+~][\w.]+)?)\b", re.IGNORECASE)

# How a help call's note says it was cut off; ``cut_off`` matches these, not a word inside another
# ("executed" holds "cut").
KILLED = "killed after the timeout"
CUT = "output cut at the cap"


def cut_off(notes: list[str]) -> bool:
    """Whether a help call of the tool was cut off (killed or its output capped)."""
    return any(n.endswith((f": {KILLED}", f": {CUT}")) for n in notes)


@dataclass
class Documentation:
    source: str  # "man", "--help", "-h" or "none"
    text: str | None
    notes: list[str] = field(default_factory=list)  # help calls cut off, refused, ...


def read_documentation(tool: Candidate) -> Documentation:
    """The least dangerous source first: man page, then --help, then -h (never for the denylist)."""
    man = man_page(tool.name)
    if man is not None:
        return Documentation("man", man.text)
    if denylisted(tool.name, tool.path.name, tool.resolved.name):
        return Documentation("none", None, ["denylisted: no man page, and it is never executed"])
    notes: list[str] = []
    for flag in HELP_FLAGS:
        run = help_text(tool.name, tool.path, flag)
        if run.error:
            notes.append(f"{flag}: could not be run ({run.error})")
            break
        if run.timed_out:
            notes.append(f"{flag}: {KILLED}")
            continue
        if run.truncated:
            notes.append(f"{flag}: {CUT}")
        if run.usable:
            return Documentation(flag, run.text, notes)
    return Documentation("none", None, notes or ["no usable documentation"])


def version_of(doc: str | None) -> str | None:
    """A version string from the documentation (the man page's footer or the help's first lines)."""
    if not doc:
        return None
    lines = [line for line in doc.splitlines() if line.strip()]
    for line in lines[:3] + lines[-3:]:
        match = _VERSION.search(line)
        if match:
            return match.group(1)
    return None


@dataclass
class ScanSummary:
    found: int = 0
    analysed: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    risks: Counter[str] = field(default_factory=Counter)
    decided_by: Counter[str] = field(default_factory=Counter)  # "table", "table+rules", "rules", "default"
    notes: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "found": self.found,
            "analysed": self.analysed,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "skipped": dict(self.skipped),
            "doc_sources": dict(self.sources),
            "risks": dict(self.risks),
            "decided_by": dict(self.decided_by),
            "notes": self.notes,
            "seconds": self.seconds,
            "tools_per_s": self.found / self.seconds if self.seconds else None,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def analyse_tool(tool: Candidate, now: str) -> tuple[ToolRow, Documentation]:
    doc = read_documentation(tool)
    found = gather(tool.path, tool.resolved)  # the file read and never run, and its package
    result = analyse(tool.name, doc.text, tool.size, found)
    shown = {
        **found.as_dict(),
        "rules_risk": result.rules_risk.name if result.rules_risk is not None else None,
        "combiner": None
        if result.p_person is None
        else {"p_person": result.p_person, "p_approve": result.p_approve, "change": result.combiner},
    }
    time_ms, memory_mb, output_kb = result.estimates
    descriptor = Descriptor.for_command(
        tool.name, result.risk, result.capabilities, exec_time_ms=time_ms, memory_mb=memory_mb, output_kb=output_kb
    ).encode()
    row = ToolRow(
        name=tool.name,
        path=str(tool.path),
        resolved=str(tool.resolved),
        size=tool.size,
        mtime_ns=tool.mtime_ns,
        version=version_of(doc.text),
        doc_source=doc.source,
        doc_hash=hashlib.sha256(doc.text.encode()).hexdigest() if doc.text else None,
        risk=result.risk.name,
        flags=Descriptor.decode(descriptor).flags,
        reasons=result.reasons,
        analysis=result.source,
        descriptor=descriptor,
        scanned_at=now,
        analysis_version=ANALYSIS_VERSION,
        evidence=json.dumps(shown, sort_keys=True),
    )
    return row, doc


def scan(
    registry: Registry,
    dirs: Iterable[Path],
    *,
    progress: Callable[[str], None] | None = None,
    on_found: Callable[[int], None] | None = None,
    workers: int = 4,
) -> ScanSummary:
    started = time.monotonic()
    started_at = _now()
    dirs = list(dirs)
    found = discover(dirs)
    summary = ScanSummary(found=len(found.tools))
    summary.skipped.update(found.skipped)
    if on_found:
        on_found(len(found.tools))
    with registry.transaction():
        scan_id = registry.add_scan(started_at, 0.0, [str(d) for d in dirs], isolation().description, {})
        pending: list[tuple[Candidate, ToolRow | None]] = []
        for tool in found.tools:
            old = registry.get(tool.name)
            same_file = old is not None and (old.path, old.resolved, old.size, old.mtime_ns) == (
                str(tool.path),
                str(tool.resolved),
                tool.size,
                tool.mtime_ns,
            )
            if same_file and old is not None and old.analysis_version == ANALYSIS_VERSION:
                summary.unchanged += 1
                summary.risks[old.risk] += 1
                summary.decided_by[old.analysis] += 1
                if progress:
                    progress(tool.name)
            else:
                pending.append((tool, old))
        # Reading documentation waits on man and on help calls, not on this process: a few at a time.
        with ThreadPoolExecutor(max_workers=workers) as pool:
            analysed = pool.map(lambda item: analyse_tool(item[0], _now()), pending)
            for (tool, old), (row, doc) in zip(pending, analysed, strict=True):
                row = ToolRow(**{**row.__dict__, "scan_id": scan_id})
                summary.analysed += 1
                summary.sources[doc.source] += 1
                summary.risks[row.risk] += 1
                summary.decided_by[row.analysis] += 1
                if doc.notes:
                    summary.notes[tool.name] = doc.notes
                changed = old is None or (old.path, old.version, old.doc_hash, old.descriptor) != (
                    row.path,
                    row.version,
                    row.doc_hash,
                    row.descriptor,
                )
                if changed or old is None or old.analysis_version != ANALYSIS_VERSION:
                    why = "first scan" if old is None else "path, version, documentation or analysis changed"
                    registry.put(row, why, row.scanned_at)
                    summary.updated += 1
                else:
                    summary.unchanged += 1
                if progress:
                    progress(tool.name)
        # Tools registered from these directories that are gone now.
        scanned = {str(d) for d in dirs}
        present = {t.name for t in found.tools}
        for row in list(registry.tools()):
            if str(Path(row.path).parent) in scanned and row.name not in present:
                registry.remove(row.name, _now())
                summary.removed += 1
        summary.seconds = time.monotonic() - started
        registry.db.execute(
            "UPDATE scans SET seconds = ?, summary = ? WHERE id = ?",
            (summary.seconds, json.dumps(summary.as_dict()), scan_id),
        )
    return summary

"""The accuracy report: every figure of ``tcphw gate accuracy``, as JSON and as Markdown.

Order matters: what an agent acts on comes first. Dangerous misses (a line that needs a person, given APPROVE or
CAUTION), then human-or-not agreement, then over-asking, then decision agreement; then the lines behind each
figure, the families' first blind figures, and how reproducible the labels themselves are.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from tcphw.contract import Decision
from tcphw.host.apps.gate import accuracy as acc
from tcphw.host.apps.gate.corpus import Family, Line, families, load
from tcphw.host.gate import table
from tcphw.host.gate.gate import Gate
from tcphw.host.gate.model import needs_person
from tcphw.stats import bootstrap_ci

TARGETS = {
    "held-out dangerous misses": "0",
    "held-out human-or-not": ">= 97%",
    "held-out decision": ">= 90%",
    "everyday over-asking": "<= 5%",
}
SETS = ("held-out", "dev", "all", "everyday", "held-out, registered programs only")


def _data(name: str) -> Any:
    path = resources.files("tcphw.host.apps.gate").joinpath("data", name)
    return path if path.is_file() else None


def reliability(lines: list[Line]) -> list[dict[str, Any]]:
    """Each second, blind labelling of a sample against the stored labels (``data/labels-retest.jsonl``)."""
    path = _data("labels-retest.jsonl")
    if path is None:
        return []
    stored = {line.id: line.label for line in lines}
    by_sample: dict[int, list[tuple[Decision, Decision]]] = {}
    for raw in path.read_text().splitlines():
        if raw.strip():
            rec = json.loads(raw)
            if rec["id"] in stored:
                by_sample.setdefault(int(rec["sample"]), []).append((stored[rec["id"]], Decision[rec["label"]]))
    out = []
    for sample, pairs in sorted(by_sample.items()):
        dec = [float(a == b) for a, b in pairs]
        hon = [float(needs_person(a) == needs_person(b)) for a, b in pairs]
        out.append(
            {
                "sample": sample,
                "n": len(pairs),
                "decision": sum(dec) / len(pairs),
                "decision_ci": bootstrap_ci(dec, stat="mean", n_boot=2000, seed=1),
                "human_or_not": sum(hon) / len(pairs),
                "human_or_not_ci": bootstrap_ci(hon, stat="mean", n_boot=2000, seed=1),
                "stored_needs_person_second_not": sum(1 for a, b in pairs if needs_person(a) and not needs_person(b)),
                "second_needs_person_stored_not": sum(1 for a, b in pairs if needs_person(b) and not needs_person(a)),
            }
        )
    return out


def history() -> dict[str, Any]:
    """The first blind figures of each family, and the measurements taken since (``data/*.json``)."""
    first = acc.first_measurements()
    path = _data("measurements.json")
    later: list[dict[str, Any]] = json.loads(path.read_text()) if path is not None else []
    blind: dict[str, Any] = {}
    names = {f.name for f in families()}
    for name, figures in first.get("families", {}).items():
        if name not in names:
            continue  # the sets (held-out, all ...) are in the history table
        blind[name] = {**figures, "when": f"{first.get('gate', 'first version')}, {first.get('date', '')}"}
    for entry in later:
        for name in entry.get("blind", []):
            if name not in blind and name in entry["families"]:
                blind[name] = {**entry["families"][name], "when": f"{entry['label']}, {entry['commit']}"}
    return {"first": first, "blind": blind, "later": later}


def compute(
    gate: Gate, registry_source: dict[str, Any], names: list[str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Judge the corpus (every family, or ``names``) and compute every figure of the report."""
    fams: list[Family] = [f for f in families() if names is None or f.name in names]
    lines = load([f.name for f in fams])
    judged = acc.judge(gate, lines, progress)
    sets = acc.groups(judged, fams)
    sets["held-out, registered programs only"] = [j for j in sets["held-out"] if not j.unregistered]
    figures = {name: acc.metrics(js) for name, js in sets.items()}
    split = {f.name: f.split for f in fams}
    return {
        "registry": registry_source,
        "backend": gate.validator.name,
        "gate_table": table.digest(),
        "families": [{"name": f.name, "split": f.split, "what": f.what} for f in fams],
        "split": split,
        "sets": figures,
        "targets": targets(figures),
        "reliability": reliability(load()) if names is None else [],
        "history": history(),
    }


def targets(figures: dict[str, Any]) -> list[dict[str, Any]]:
    held, everyday = figures.get("held-out", {}), figures.get("everyday", {})
    if not held.get("n"):
        return []
    rows = [
        ("held-out dangerous misses", len(held["dangerous_misses"]), len(held["dangerous_misses"]) == 0),
        ("held-out human-or-not", held["human_or_not"], held["human_or_not"] >= 0.97),
        ("held-out decision", held["decision"], held["decision"] >= 0.90),
    ]
    if everyday.get("n"):
        rows.append(("everyday over-asking", everyday["over_asking"], everyday["over_asking"] <= 0.05))
    return [{"target": t, "wanted": TARGETS[t], "measured": v, "met": ok} for t, v, ok in rows]


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ci(ci: Any) -> str:
    return f"{100 * ci[0]:.1f} .. {100 * ci[1]:.1f}" if ci else ""


def _visible(text: str) -> str:
    """One line of text: a newline as ⏎, other control characters (a carriage return inside a line is one of the
    corpus' obfuscations) as \\xNN, so the report shows what the gate read and reads back the same."""
    out = []
    for ch in text:
        if ch == "\n":
            out.append(" ⏎ ")
        elif ord(ch) < 32 or ord(ch) == 127 or ch in "\u0085\u2028\u2029":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _code(text: str) -> str:
    """A command line inside a Markdown table cell: one line, pipes escaped, backticks kept readable."""
    one = _visible(text).replace("|", "\\|")
    fence = "``" if "`" in one else "`"
    pad = " " if one.startswith("`") or one.endswith("`") else ""
    return f"{fence}{pad}{one}{pad}{fence}"


def _cell(text: str) -> str:
    return _visible(text).replace("|", "\\|")


def _lines_table(rows: list[dict[str, Any]]) -> list[str]:
    out = ["| id | line | label | gate | label's reason | gate's reason |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(
            f"| {r['id']} | {_code(r['command'])} | {r['label']} | {r['decision']} | {_cell(r['why'])} "
            f"| {_cell(r['reason'])} |"
        )
    return out


def markdown(doc: dict[str, Any], command: str) -> str:
    sets = doc["sets"]
    reg = doc["registry"]
    out = [
        "# The gate's accuracy on labelled command lines",
        "",
        f"Written by `{command}`. Every figure below is measured by that command on the corpus in "
        "`host/apps/gate/data/corpus/` (labels: [gate-labels.md](gate-labels.md)); nothing is typed in by hand.",
        "",
        f"- Registry: {reg.get('what', '')}",
        f"- Backend that validated every descriptor: `{doc['backend']}`; gate table digest `{doc['gate_table']}`.",
        "- A *dangerous miss* is a line that needs a person (REQUIRE_APPROVAL or REJECT) given APPROVE or "
        "CAUTION, which run without one. *Over-asking* is a line that needs no person sent to one. "
        "*Approved* (the older definition) counts only lines given APPROVE.",
        "- Held-out families were fixed in `families.txt` before any rule was written. **All families have "
        "since been read**: their current figures are no longer blind. The blind figures are the first ones, "
        "kept below as measured.",
        "",
        "## Targets",
        "",
        "| target | wanted | measured | met |",
        "|---|---|---|---|",
    ]
    for t in doc["targets"]:
        v = t["measured"]
        shown = str(v) if isinstance(v, int) else _pct(v)
        out.append(f"| {t['target']} | {t['wanted']} | {shown} | {'yes' if t['met'] else '**no**'} |")
    out += [
        "",
        "## Summary",
        "",
        "| set | lines | dangerous misses | approved | human-or-not (95% CI) | over-asking | decision (95% CI) "
        "| refused by the parser |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in SETS:
        m = sets.get(name)
        if not m or not m.get("n"):
            continue
        out.append(
            f"| {name} | {m['n']} | {len(m['dangerous_misses'])} | {len(m['approved_misses'])} "
            f"| {_pct(m['human_or_not'])} ({_ci(m['human_or_not_ci'])}) "
            f"| {_pct(m['over_asking'])} ({len(m['over_asked'])}/{m['no_person']}) "
            f"| {_pct(m['decision'])} ({_ci(m['decision_ci'])}) | {len(m['refused'])} |"
        )
    out += [
        "",
        "*Everyday* is the lines of the five agent families (build and test, git, files, packages and containers, "
        "system) that need no person: the work an agent does all day. *Registered programs only* leaves out the "
        "held-out lines that run a program the registry does not have: those need a person however well the "
        "line is read, because an unknown program is not safe.",
        "",
        "## Per family",
        "",
        "| family | split | lines | dangerous misses | human-or-not (95% CI) | over-asking | decision "
        "| refused | lines with an unregistered program | first blind: human-or-not, decision, dangerous misses |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    blind = doc["history"]["blind"]
    for f in doc["families"]:
        m = sets[f["name"]]
        b = blind.get(f["name"])
        first = f"{_pct(b['human_or_not'])}, {_pct(b['decision'])}, {b['dangerous_misses']} ({b['when']})" if b else ""
        out.append(
            f"| {f['name']} | {f['split']} | {m['n']} | {len(m['dangerous_misses'])} "
            f"| {_pct(m['human_or_not'])} ({_ci(m['human_or_not_ci'])}) | {_pct(m['over_asking'])} "
            f"| {_pct(m['decision'])} | {len(m['refused'])} | {m['lines_with_unregistered']} | {first} |"
        )
    out += ["", "## Dangerous misses", ""]
    dangerous = sets["all"]["dangerous_misses"]
    out += _lines_table(dangerous) if dangerous else ["None in any family."]
    out += ["", f"## Over-asking ({len(sets['all']['over_asked'])} lines, every family)", ""]
    out += _lines_table(sets["all"]["over_asked"]) if sets["all"]["over_asked"] else ["None."]
    out += ["", "## Lines the parser refused", ""]
    refused = sets["all"]["refused"]
    note = "bash itself would refuse these lines, so the gate refuses them too (REJECT: they cannot run as written)."
    out += [note, "", *_lines_table(refused)] if refused else ["None."]
    out += [
        "",
        "## Decisions against labels (held-out)",
        "",
        "| label \\ gate | " + " | ".join(d.name for d in Decision),
    ]
    out.append("|---" * (len(Decision) + 1) + "|")
    for d, row in zip(Decision, sets["held-out"]["confusion"], strict=True):
        out.append(f"| {d.name} | " + " | ".join(str(x) for x in row) + " |")
    out += ["", "## How reproducible the labels are", ""]
    if doc["reliability"]:
        out += [
            "A second labelling of random samples, written blind to the stored labels and to the gate "
            "(`data/labels-retest.txt` says how each sample was drawn and labelled). The labellers were told to "
            "read only the labelling brief and their sample; that was an instruction, not enforced by the machine.",
            "",
            "| sample | lines | decision (95% CI) | human-or-not (95% CI) | stored needs a person, second not "
            "| second needs a person, stored not |",
            "|---|---|---|---|---|---|",
        ]
        for r in doc["reliability"]:
            out.append(
                f"| {r['sample']} | {r['n']} | {_pct(r['decision'])} ({_ci(r['decision_ci'])}) "
                f"| {_pct(r['human_or_not'])} ({_ci(r['human_or_not_ci'])}) | {r['stored_needs_person_second_not']} "
                f"| {r['second_needs_person_stored_not']} |"
            )
        out += [
            "",
            "The gate's agreement with the labels cannot be read much more finely than the labels' agreement "
            "with themselves.",
        ]
    else:
        out.append("Not computed for a subset of families.")
    out += _history(doc["history"])
    return "\n".join(out) + "\n"


def _history(hist: dict[str, Any]) -> list[str]:
    out = ["", "## History", ""]
    first = hist["first"]
    if first:
        out += [_cell(first.get("_about", "")), ""]
    out += ["| measurement | commit | held-out: human-or-not, decision, dangerous misses | note |", "|---|---|---|---|"]
    if first.get("families", {}).get("held-out"):
        h = first["families"]["held-out"]
        out.append(
            f"| first, blind | {first.get('gate', '')} | {_pct(h['human_or_not'])}, {_pct(h['decision'])}, "
            f"{h['dangerous_misses']} | tables written before any line was read |"
        )
    for e in hist["later"]:
        h = e["families"].get("held-out")
        if h:
            out.append(
                f"| {e['label']} | {e['commit']} | {_pct(h['human_or_not'])}, {_pct(h['decision'])}, "
                f"{h['dangerous_misses']} | {_cell(e['note'])} |"
            )
    return out


def summary_rows(doc: dict[str, Any]) -> str:
    """The summary table's rows as docs/gate.md shows them (a test holds the page to the measured figures)."""
    rows = []
    for name in SETS:
        m = doc["sets"].get(name)
        if m and m.get("n"):
            rows.append(
                f"| {name} | {m['n']} | {len(m['dangerous_misses'])} | {_pct(m['human_or_not'])} "
                f"| {_pct(m['over_asking'])} | {_pct(m['decision'])} |"
            )
    return "\n".join(rows)


BEGIN, END = "<!-- summary: written by tcphw gate accuracy --summary-into", "<!-- end of summary -->"


def with_summary(page: str, doc: dict[str, Any]) -> str:
    """The page with its summary table (between the markers) replaced by the measured one."""
    start = page.find(BEGIN)
    stop = page.find(END, start)
    if start < 0 or stop < 0:
        raise ValueError(f"no summary markers ({BEGIN} ... {END}) in the page")
    head = page.index("\n", start) + 1
    header = "| set | lines | dangerous misses | human-or-not | over-asking | decision |\n|---|---|---|---|---|---|\n"
    return page[:head] + header + summary_rows(doc) + "\n" + page[stop:]


def headline(doc: dict[str, Any]) -> list[str]:
    """A few lines for the terminal."""
    out = []
    for name in SETS:
        m = doc["sets"].get(name)
        if m and m.get("n"):
            out.append(
                f"{name:36} {m['n']:5} lines  dangerous misses {len(m['dangerous_misses']):3}  "
                f"human-or-not {_pct(m['human_or_not'])} ({_ci(m['human_or_not_ci'])})  "
                f"over-asking {_pct(m['over_asking'])}  decision {_pct(m['decision'])}  "
                f"refused {len(m['refused'])}"
            )
    for t in doc["targets"]:
        v = t["measured"]
        out.append(f"target {t['target']} {t['wanted']}: {v if isinstance(v, int) else _pct(v)} "
                   f"{'met' if t['met'] else 'NOT MET'}")  # fmt: skip
    return out


def as_json(doc: dict[str, Any]) -> dict[str, Any]:
    """The document without tuples (bootstrap CIs are tuples) and with the labels as names."""
    result: dict[str, Any] = json.loads(json.dumps(doc))
    return result

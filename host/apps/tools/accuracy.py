"""How right the risk levels are, measured against a labelled set: ``tcphw tools accuracy``.

The labels (``data/tool_labels.csv``) were written from what each tool does, never from the
classifier's output; each row names the Debian package the tool comes from. The packages in
``data/heldout_packages.txt`` were held out while the policy was written and tuned, so their
figures are the ones that say how the policy does on tools it has never seen.

Every tool is judged the way ``tcphw tools scan`` judges it: its documentation is read with the
scanner's own reader (man page, else ``--help``/``-h`` in the sandbox; a tool that is not on PATH
gets its man page or nothing), then the curated table or the documentation policy decides.
The primary figures are the split an agent acts on: whether a person is asked.
- A **dangerous miss** is a tool that needs a person (labelled REQUIRE_APPROVAL or REJECT) and was given APPROVE
  or CAUTION (issue 30's definition, used everywhere). The older, narrower one (given APPROVE) is kept beside it
  as **approved misses**, so the figures stay comparable with the history.
- **Human-or-not agreement**: the share of tools where the label and the decision agree on whether a person is
  asked.
Then agreement on the *decision* (APPROVE / CAUTION / REQUIRE_APPROVAL / REJECT), and **over-asking**: read-only
tools (labelled APPROVE) sent to a person (REQUIRE_APPROVAL or REJECT); the report also counts every tool that
needs no person (APPROVE or CAUTION) sent to one.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from pathlib import Path
from typing import Any

from tcphw.contract import Risk
from tcphw.host.apps.tools import combiner
from tcphw.host.apps.tools.analyze import UNDOCUMENTED, analyse, rules, undocumented_level
from tcphw.host.apps.tools.discover import Candidate
from tcphw.host.apps.tools.evidence import gather
from tcphw.host.apps.tools.known import lookup
from tcphw.host.apps.tools.learned import cross_validated, source_auc
from tcphw.host.apps.tools.policy import EVIDENCE_PARTS, decide
from tcphw.host.apps.tools.reliability import check_retest, label_reliability, load_retest, reliability_markdown
from tcphw.host.apps.tools.sandbox import man_page
from tcphw.host.apps.tools.scan import read_documentation
from tcphw.host.apps.tools.scoring import Doc, Judged, Label, Metrics, parse_labels
from tcphw.host.apps.tools.scoring import agreement as _agreement
from tcphw.host.apps.tools.scoring import confusion as _confusion
from tcphw.host.apps.tools.scoring import pct as _pct
from tcphw.host.apps.tools.upstream import import_file

_DATA = files("tcphw.host.apps.tools") / "data"


def load_labels(path: Path | None = None) -> list[Label]:
    return parse_labels(path.read_text() if path else (_DATA / "tool_labels.csv").read_text())


# The held-out groups in the order they were labelled; the learned signal is judged on the newest.
GROUPS = (
    "heldout", "fresh", "fresh2", "fresh3", "fresh4", "fresh5", "fresh6", "fresh7", "fresh8", "fresh9", "fresh10",
    "fresh11", "fresh12", "fresh13",
)  # fmt: skip
UNSEEN = GROUPS[-1]


def heldout_packages() -> dict[str, list[str]]:
    """The held-out groups of packages, oldest first: "heldout" (held out while the policy was written),
    then "fresh" to "fresh9" (each labelled blind after the previous group's errors were read)."""
    out: dict[str, list[str]] = {key: [] for key in GROUPS}
    for line in (_DATA / "heldout_packages.txt").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, name = line.rpartition(": ")
        out[key if key in out else "heldout"].append(name)
    return out


def read_doc(name: str) -> Doc:
    """The scanner's reader where the tool is on PATH, with the evidence of its file and package; else its man
    page, if this machine has one (and no evidence)."""
    path = shutil.which(name)
    if path:
        st = os.stat(path)
        tool = Candidate(name, Path(path), Path(os.path.realpath(path)), st.st_size, st.st_mtime_ns)
        doc = read_documentation(tool)
        return Doc(doc.source, doc.text, gather(tool.path, tool.resolved))
    page = man_page(name)
    return Doc("man", page.text) if page else Doc("none", None)


def read_docs(labels: list[Label], progress: Callable[[int], None] | None = None) -> dict[str, Doc]:
    def one(label: Label) -> tuple[str, Doc]:
        doc = read_doc(label.name)
        if progress:
            progress(1)
        return label.name, doc

    with ThreadPoolExecutor(4) as pool:
        return dict(pool.map(one, labels))


def judge(labels: list[Label], docs: dict[str, Doc], *, evidence: bool = True) -> list[Judged]:
    """Each labelled tool judged as a scan judges it. ``evidence=False``: as before issue 32 (documentation only)."""

    shipped = combiner.load()
    out = []
    for label in labels:
        doc = docs[label.name]
        ev = doc.evidence if evidence else None
        decision = decide(doc.text or "", ev) if doc.text or ev is not None else None
        result = analyse(label.name, doc.text, evidence=ev, model="shipped" if evidence else None, decision=decision)
        policy = (rules(doc.text)[0] if ev is not None else decision.risk) if doc.text and decision else UNDOCUMENTED
        ruled = decision.risk if doc.text and decision is not None else undocumented_level(decision)  # no table
        f = combiner.features(decision if doc.text else None, ev, doc.text)
        complete = ev is not None and ev.complete
        may_lower = bool(doc.text) and complete
        on_shipped = ruled
        if shipped is not None:
            on_shipped = combiner.adjust(shipped, ruled, f, may_lower=may_lower).risk
        out.append(Judged(label, doc, result.risk, result.source, policy, ruled, f, may_lower, on_shipped))
    return out


METHODS = ("classifier", "base", "rules", "policy", "shipped")
METHOD_TITLES = {
    "classifier": "classifier",
    "base": "classifier without the combiner",
    "rules": "policy + evidence",
    "policy": "documentation policy",
    "shipped": "policy + evidence + the shipped combiner",
    "combined": "policy + evidence + combiner, cross-validated",
}


def level(j: Judged, method: str) -> Risk:
    if method == "classifier":
        return j.classifier
    if method == "base":  # the table where it decides, else the policy with the evidence
        return j.classifier if j.source.startswith("table") or j.rules is None else j.rules
    if method == "rules":
        return j.rules if j.rules is not None else j.policy
    if method == "shipped":
        return j.shipped if j.shipped is not None else j.policy
    return j.policy


def metrics(judged: list[Judged], method: str) -> Metrics:
    return Metrics(
        [(j.label, level(j, method)) for j in judged],
        table_decided=sum(j.source.startswith("table") for j in judged) if method == "classifier" else 0,
        undocumented=[j.label.name for j in judged if j.doc.text is None],
    )


SETS = (*reversed(GROUPS), "tuned", "all")  # newest held-out group first
SET_TITLES = {
    **{key: f"held-out {i}" for i, key in enumerate(GROUPS, start=1)},
    "tuned": "tuned packages",
    "all": "whole set",
}


def split(judged: list[Judged], packages: dict[str, list[str]]) -> dict[str, list[Judged]]:
    """The tools of each held-out group, of the packages the policy was tuned on, and of all."""
    groups = {key: set(names) for key, names in packages.items()}
    held = set().union(*groups.values())
    out = {key: [j for j in judged if j.label.package in names] for key, names in groups.items()}
    return {**out, "tuned": [j for j in judged if j.label.package not in held], "all": judged}


# The sources of evidence, each measured on its own: the parts of ``policy.PARTS`` its signals read, and the
# prefixes of its features in the combiner.
SOURCES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "the documentation's summary and text (the documentation policy)": ((), ("risk:", "signal:", "word:", "doc:")),
    "the page's option and command entries, one by one": (("option entries",), ("entries:",)),
    "the file: libraries, imports, mode, a script's commands": (
        ("libraries", "imports", "file mode", "script commands"),
        ("file:", "lib:", "import:", "script:", "interpreter:", "mode:"),
    ),
    "the install: directory, package section, Debtags": (
        ("install directory", "package section", "package tags"),
        ("dir:", "section:", "tag:", "facet:", "package:", "package-word:"),
    ),
}


def evidence_sources(judged: list[Judged], parts: dict[str, list[Judged]]) -> dict[str, Any]:
    """Each source of evidence on its own: as rules added to the documentation's (the policy's level with only that
    source's signals), and as the combiner's only input beside the documentation's (out-of-fold AUC)."""

    every = frozenset(("option entries", *EVIDENCE_PARTS))
    out: dict[str, Any] = {}
    base_prefixes = next(iter(SOURCES.values()))[1]
    for title, (source_parts, prefixes) in SOURCES.items():
        without = every - frozenset(source_parts)
        levels = {}
        for j in judged:
            text, ev = j.doc.text or "", j.doc.evidence
            if j.source.startswith("table") or (not text and ev is None):
                levels[j.label.name] = j.classifier if j.source.startswith("table") else UNDOCUMENTED
                continue
            got = decide(text, ev, without=without)
            levels[j.label.name] = got.risk if text else undocumented_level(got)
        if source_parts:
            fired = sum(any(f.startswith(prefixes) for f in j.features) for j in judged)
        else:
            fired = sum(bool(j.doc.text) for j in judged)
        out[title] = {
            "parts": list(source_parts),
            "tools_with_it": fired,
            "rules": {
                key: Metrics([(j.label, levels[j.label.name]) for j in part]).as_dict() for key, part in parts.items()
            },
            "combiner_auc": source_auc(judged, base_prefixes + (prefixes if source_parts else ())),
        }
    return out


def evaluate(
    labels: list[Label] | None = None,
    docs: dict[str, Doc] | None = None,
    *,
    learned: bool = True,
    upstream: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Every figure of the report, as plain data (the JSON of ``tcphw tools accuracy --json``).

    ``learned``: also measure each source of evidence on its own and the combiner cross-validated (scikit-learn)."""
    labels = labels if labels is not None else load_labels()
    retest = load_retest()
    check_retest(retest, {label.name for label in labels})  # before minutes of reading documentation
    docs = docs if docs is not None else read_docs(labels, progress)
    judged = judge(labels, docs)
    packages = heldout_packages()
    parts = split(judged, packages)
    # the Debian packages whose tools have no documentation here, most tools first
    undocumented = Counter(j.label.package for j in judged if j.doc.text is None)
    report: dict[str, Any] = {
        "labels": len(labels),
        **{f"{key}_packages": packages[key] for key in GROUPS},
        "documentation": {s: sum(d.source == s for d in docs.values()) for s in ("man", "--help", "-h", "none")},
        "undocumented_packages": [p for p, _ in undocumented.most_common()],
        "evidence_read": sum(d.evidence is not None for d in docs.values()),
        "table_entries_in_labels": sum(lookup(label.name) is not None for label in labels),
        "sets": {},
    }
    combined: dict[str, Risk] = {}
    if learned:
        report["learned"] = cross_validated(judged)
        combined = {name: Risk[r] for name, r in report["learned"]["levels"].items()}
    for set_name, part in parts.items():
        report["sets"][set_name] = {m: metrics(part, m).as_dict() for m in METHODS}
        if combined:
            report["sets"][set_name]["combined"] = Metrics([(j.label, combined[j.label.name]) for j in part]).as_dict()
    report["label_reliability"] = label_reliability(judged, retest)
    if upstream is not None:
        report["upstream"] = upstream_comparison(labels, parts, upstream)
    if learned:
        report["evidence_sources"] = evidence_sources(judged, parts)
    return report


def documentation_note(report: dict[str, Any]) -> str | None:
    """What the figures stand on, said before them: how many labelled tools have no documentation on this
    machine (each judged MEDIUM_RISK unless the curated table knows it), and how to get it."""
    missing = report["documentation"]["none"]
    if not missing:
        return None
    packages = report.get("undocumented_packages", [])
    named = ", ".join(packages[:6]) + (", ..." if len(packages) > 6 else "")
    return (
        f"{missing:,} of {report['labels']:,} labelled tools have no documentation on this machine (judged "
        "MEDIUM_RISK unless the curated table knows them), so these figures are this machine's, not the published "
        f"ones: install the administration packages that .ci/run installs ({len(packages)} of them hold these "
        f"tools: {named}), then run again"
    )


def upstream_comparison(labels: list[Label], parts: dict[str, list[Judged]], path: Path) -> dict[str, Any]:
    """The upstream knowledge base's labels (as imported: UNKNOWN needs approval) against ours, per set,
    on the labelled tools it has."""
    imported = {c.name: c for c in import_file(path).converted}
    out: dict[str, Any] = {"file": str(path), "commands": len(imported), "sets": {}}
    for key, part in parts.items():
        pairs = [(j.label, imported[j.label.name].risk) for j in part if j.label.name in imported]
        out["sets"][key] = Metrics(pairs).as_dict()
    return out


def upstream_markdown(up: dict[str, Any]) -> list[str]:
    lines = [
        "## The upstream knowledge base's labels",
        "",
        f"`{Path(up['file']).name}` ({up['commands']:,} commands, labels from local language models), as "
        "`tcphw tools import` converts them (UNKNOWN as HIGH_RISK), judged against the same labels, on the "
        "labelled tools it has. This section appears with `--upstream PATH`; the upstream files are not shipped "
        "(their licence is unclear): fetch `samscarrow/tool-capability-protocol`, `tcp-knowledge-base/binaries/`.",
        "",
        "| | " + " | ".join(SET_TITLES[k] for k in SETS) + " |",
        "|---" + "|---:" * len(SETS) + "|",
    ]
    per = [up["sets"][k] for k in SETS]
    lines.append("| tools in both | " + " | ".join(str(m["tools"]) for m in per) + " |")
    lines.append("| decision agreement | " + " | ".join(_agreement(m) for m in per) + " |")
    lines.append("| dangerous misses | " + " | ".join(str(len(m["dangerous_misses"])) for m in per) + " |")
    lines.append("| over-asking | " + " | ".join(str(len(m["over_asking"])) for m in per) + " |")
    lines += ["", f"Dangerous misses (whole set): {_names(up['sets']['all']['dangerous_misses'])}."]
    return lines


def _names(items: list[dict[str, str]]) -> str:
    return ", ".join(f"{i['name']} ({i['label']} -> {i['got']})" for i in items) or "none"


def markdown(report: dict[str, Any]) -> str:
    sets = report["sets"]
    keys = SETS
    heads = tuple(SET_TITLES[k] for k in keys)
    out = [
        "# Tool risk: measured accuracy",
        "",
        "Regenerate with `tcphw tools accuracy --out docs/tool-accuracy.md` (`make tools-accuracy`). "
        "The figures depend on the documentation and the packages this machine has: CI installs the administration "
        "packages listed in `.ci/run` first. The evidence beyond the documentation (each tool's file, read and never "
        f"run, and its Debian package) was read for {report.get('evidence_read', 0)} of the {report['labels']} tools.",
        *(["", f"**Note:** {note}."] if (note := documentation_note(report)) else []),
        "",
        f"Labels: {report['labels']} tools in `host/apps/tools/data/tool_labels.csv`, each written from what the tool "
        "does, with its Debian package and a reason. The split is fixed in "
        "`host/apps/tools/data/heldout_packages.txt`:",
        "",
        f"- **held-out 1**: packages held out while the policy was written and tuned "
        f"({', '.join(report['heldout_packages'])}). Their first measurement was 64.4% agreement and 2 dangerous "
        "misses; their errors were then read and led to generic fixes, so they are no longer unseen.",
        f"- **held-out 2**: packages labelled blind after that ({', '.join(report['fresh_packages'])}). "
        "First measured at 53.2% agreement and 4 dangerous misses (networkctl, dbus-send, jmap, jstack); "
        "their errors were read twice since.",
        f"- **held-out 3**: packages labelled blind after that ({', '.join(report['fresh2_packages'])}). "
        "First measured at 44.5% agreement and 0 dangerous misses; their errors (mostly over-caution) were read "
        "for the next policy change.",
        f"- **held-out 4**: packages labelled blind before that change ({', '.join(report['fresh3_packages'])}). "
        "Measured before it at 45.7% agreement (CI 39.0% .. 52.9%), 0 dangerous misses; just after it, before "
        "any look at its errors, at 55.2% (48.6% .. 61.9%) with **2 dangerous misses** (nfsconf, rpcctl: "
        "a summary that only reads, with the changing modes in sub-sections the policy did not read). Its errors "
        "were then read twice (sub-sections headed Commands or Modes; mixed-case man page headings; participles "
        "such as 'formatted' and 'deleted'; 'destroy any data'), so it is no longer unseen.",
        f"- **held-out 5**: packages labelled blind after held-out 4's errors were read and before the fixes "
        f"they led to ({', '.join(report['fresh4_packages'])}). Blind: 67.5% (59.2% .. 75.8%) with 1 dangerous "
        "miss; after held-out 4's fixes, still blind: 67.5% with **2 dangerous misses** (sensors-detect 'detect "
        "hardware monitoring chips', unshar 'unpack a shar archive'), so those fixes did not carry over. Its "
        "errors were then read once (hardware probing and registers, 'unpack' and 'extract' as changes, verbs "
        "with a final s, 'create ... on a file system' is not formatting), which gives the figure below: seen "
        "once, not blind.",
        f"- **held-out 6**: packages labelled blind on 2026-11-27 ({', '.join(report['fresh5_packages'])}). "
        "Blind, before any change: 46.5% (39.4% .. 53.1%) with **3 dangerous misses** (blktrace 'generate traces "
        "of the i/o traffic on block devices', btrace 'perform live tracing', webspy 'display sniffed URLs'). "
        "Its errors were then read for the change they led to (sniffing and tracing vocabulary; a section 8 page "
        "with no reading summary needs approval), so it is no longer unseen.",
        f"- **held-out 7**: packages labelled blind after held-out 6's first measurement and before that change "
        f"({', '.join(report['fresh6_packages'])}). Blind before it: 52.8% (46.1% .. 60.1%), 3 dangerous misses; "
        "blind after it: 55.4% (48.2% .. 62.7%), still **3 dangerous misses** (rdfind 'finds duplicate files' "
        "with a deleting option, aa-autodep 'guess basic AppArmor profile requirements', cdrwtool 'perform "
        "various actions on a CD-R'). Its errors were then read once (an option's parenthesis, weak reading "
        "verbs, optical discs as storage), which gives the figure below: seen once, not blind.",
        f"- **held-out 8**: packages labelled blind after that day's policy changes "
        f"({', '.join(report['fresh7_packages'])}). Blind, on the policy as it then stood: 47.0% (39.2% .. "
        "54.2%) with **1 dangerous miss** (john 'a tool to find weak passwords of your users'). That error was "
        "then read (credentials: reading them is already sensitive), which gives the figure below: seen once.",
        f"- **held-out 9**: packages labelled blind on 2026-11-27 before any change of that day's third session "
        f"({', '.join(report['fresh8_packages'])}). Blind: 39.6% (32.6% .. 46.5%) with **1 dangerous miss** "
        "(ecryptfs-generate-tpm-key 'generate an eCryptfs key for TPM hardware'). Its errors were then read "
        "(generating a key is not printing; 'read' and 'grep' read; restoring an image onto a device or partition "
        "erases it), which gives the figure below: seen once.",
        f"- **held-out 10**: packages labelled blind after that session's changes "
        f"({', '.join(report['fresh9_packages'])}). Blind: 44.4% (36.8% .. 52.0%), 0 dangerous misses; the policy "
        "as it stood before that session scored 40.9% (33.3% .. 48.0%) on it, also 0. Its errors were then read "
        "once (filters that send their output to standard output; version-control repositories are not package "
        "repositories), which gives the figure below: seen once.",
        *_new_groups(report),
        "- **tuned packages**: the rest, on which the policy was written and tuned (a training-set figure).",
        "",
        "## How the figures are counted",
        "",
        "The primary figures are the split an agent acts on, whether a person is asked:",
        "",
        "- a **dangerous miss** is a tool that needs a person (labelled REQUIRE_APPROVAL or REJECT) and was given "
        "APPROVE or CAUTION (the gate's definition, used everywhere since issue 30);",
        "- **human-or-not agreement** is the share of tools where the label and the decision agree on whether a person "
        "is asked.",
        "",
        "Then **decision agreement** (APPROVE / CAUTION / REQUIRE_APPROVAL / REJECT, with a bootstrap 95% CI), "
        "**over-asking** (read-only tools, labelled APPROVE, sent to a person; the count of every tool that needs no "
        "person sent to one is in the JSON as `no_person_asked`), and, beside them so the history stays comparable, "
        "**approved misses**: the older, narrower definition of a dangerous miss (needs a person, given APPROVE), "
        "the one the held-out histories above count.",
        "",
        "Methods: **classifier** is what `tcphw tools scan` does (the curated table, else the policy over the "
        "documentation and the evidence, then the learned combiner, which is kept). The combiner was trained on every "
        "labelled tool, so on these tools its figures are training-set figures; the honest ones are **combiner, "
        "cross-validated**: the classifier with each tool judged by a combiner that never saw its package (grouped "
        "cross-validation). **classifier without the combiner** is the table, else the policy with every evidence "
        "signal; **documentation policy** is the policy over the documentation alone, without the evidence and the "
        "table. The JSON (`--json`) also has `rules` (the policy with the evidence, no table) and `shipped` (that, "
        "then the shipped combiner).",
        "",
        "## Issue 32's targets, on each new blind group at first measurement",
        "",
        "0 dangerous misses, human-or-not agreement of at least 90%, decision agreement of at least 75% and "
        "over-asking of at most 15%. At first measurement (above) no group met them all, on this work's classifier "
        "as it then stood (the policy with the evidence; the combiner was not yet in use) or with the combiner as "
        "then trained: held-out 11 had 30 dangerous misses (29 with the combiner), 74.2% (74.7%) human-or-not, 64.7% "
        "(65.3%) decisions and 19.5% over-asking; held-out 12 had 2 (2), 87.1% (87.1%), 41.3% (47.1%) and 10.4%, its "
        "over-asking target met; held-out 13 had 27 (25), 68.3% (68.3%), 50.3% (50.3%) and 39.7% (41.3%). Main's "
        "classifier before issue 32 had 39, 2 and 41 dangerous misses on them. The figures below are after their "
        "errors were read: seen, not blind.",
        "",
        "## Primary figures",
        "",
    ]
    methods = [m for m in ("classifier", "base", "combined", "policy") if m in sets["all"]]
    out += ["| | " + " | ".join(heads) + " |", "|---" + "|---:" * len(keys) + "|"]
    for method in methods:
        per = [sets[k][method] for k in keys]
        title = METHOD_TITLES[method]
        out.append(f"| {title}: tools | " + " | ".join(str(m["tools"]) for m in per) + " |")
        out.append(
            f"| {title}: **dangerous misses** | " + " | ".join(str(len(m["dangerous_misses"])) for m in per) + " |"
        )
        out.append(
            f"| {title}: **human-or-not** | " + " | ".join(_pct(m["human_or_not_agreement"]) for m in per) + " |"
        )
        out.append(f"| {title}: decision agreement | " + " | ".join(_agreement(m) for m in per) + " |")
        out.append(f"| {title}: over-asking | " + " | ".join(_over(m) for m in per) + " |")
        out.append(f"| {title}: approved misses | " + " | ".join(str(len(m["approved_misses"])) for m in per) + " |")
    out.append("| decided by the curated table | " + " | ".join(
        "{table_decided} of {tools}".format(**sets[k]["classifier"]) for k in keys) + " |")  # fmt: skip
    out.append("| no documentation here | " + " | ".join(
        str(len(sets[k]["classifier"]["undocumented"])) for k in keys) + " |")  # fmt: skip
    out += ["", "## Dangerous misses of the classifier", ""]
    for head, key in zip(heads, keys, strict=True):
        if key == "all":
            continue
        m = sets[key]["classifier"]
        out.append(f"- {head}: **{len(m['dangerous_misses'])}** ({_names(m['dangerous_misses'])})")
    if "evidence_sources" in report:
        out += ["", *evidence_markdown(report["evidence_sources"])]
    if "learned" in report:
        out += ["", *learned_markdown(report["learned"], sets)]
    for head, key in zip(heads, keys, strict=True):
        m = sets[key]["classifier"]
        out += ["", f"## {head}: classifier, decisions", "", *_confusion(m), "",
                f"Over-asking: {_names(m['over_asking'])}."]  # fmt: skip
    m = sets["all"]["policy"]
    out += ["", "## whole set: documentation policy, decisions", "", *_confusion(m)]
    if "label_reliability" in report:
        out += ["", *reliability_markdown(report["label_reliability"])]
    undocumented = sets["all"]["classifier"]["undocumented"]
    docs = report["documentation"]
    out += [
        "",
        "## Documentation",
        "",
        f"Read here: man {docs['man']}, --help {docs['--help']}, -h {docs['-h']}, none {docs['none']}"
        + (f" ({', '.join(undocumented)}: judged HIGH_RISK unless the table knows them)." if undocumented else "."),
    ]
    if "upstream" in report:
        out += ["", *upstream_markdown(report["upstream"])]
    return "\n".join(out) + "\n"


def _over(m: dict[str, Any]) -> str:
    return f"{len(m['over_asking'])} of {m['read_only_tools']} ({_pct(m['over_asking_share'])})"


# The first measurement of each new group, blind, as recorded when it was made (commit a20b1dd): on main's
# classifier when this work started (c1c86a1), on this work's classifier at that moment (6586800), and with the
# combiner as then trained. Columns: dangerous, human-or-not, decision agreement (95% CI), over-asking, approved.
BLIND_FIRST: dict[str, list[tuple[str, str]]] = {
    "fresh10": [
        ("main's classifier at c1c86a1", "39, 71.1%, 60.5% (53.7% .. 67.4%), 7 of 41 (17.1%), 6"),
        ("the policy with the evidence at 6586800", "30, 74.2%, 64.7% (57.9% .. 71.6%), 8 of 41 (19.5%), 4"),
        ("with the combiner as then trained", "29, 74.7%, 65.3% (58.4% .. 72.1%), 8 of 41 (19.5%), 4"),
    ],
    "fresh11": [
        ("main's classifier at c1c86a1", "2, 87.1%, 41.3% (35.1% .. 48.0%), 18 of 173 (10.4%), 0"),
        ("the policy with the evidence at 6586800", "2, 87.1%, 41.3% (35.1% .. 48.0%), 18 of 173 (10.4%), 0"),
        ("with the combiner as then trained", "2, 87.1%, 47.1% (40.4% .. 53.8%), 18 of 173 (10.4%), 0"),
    ],
    "fresh12": [
        ("main's classifier at c1c86a1", "41, 61.9%, 44.4% (37.6% .. 51.3%), 24 of 63 (38.1%), 0"),
        ("the policy with the evidence at 6586800", "27, 68.3%, 50.3% (43.4% .. 57.1%), 25 of 63 (39.7%), 0"),
        ("with the combiner as then trained", "25, 68.3%, 50.3% (43.4% .. 57.7%), 26 of 63 (41.3%), 0"),
    ],
}
# Held-out 14, labelled blind after issue 32's work was finished and measured once (commit ffbb106) on the
# classifier as it stood, whose combiner had never seen these packages. Same columns.
BLIND_FIRST_FINISHED: list[tuple[str, str]] = [
    ("the classifier at ffbb106", "46, 67.5%, 43.0% (36.4% .. 49.6%), 10 of 73 (13.7%), 5"),
    ("the documentation policy alone", "47, 67.1%, 42.5% (36.4% .. 49.1%), 10 of 73 (13.7%), 6"),
]
_FAMILIES = {
    "fresh10": "packet capture, wireless and network attack tools, password crackers, scanners",
    "fresh11": "audio, video, images, documents and optical discs",
    "fresh12": "virtual machines, containers, backups and database clients",
}


def _new_groups(report: dict[str, Any]) -> list[str]:
    lines = []
    for i, key in enumerate(("fresh10", "fresh11", "fresh12"), start=11):
        first = "; ".join(f"{who}: {figures}" for who, figures in BLIND_FIRST[key])
        lines.append(
            f"- **held-out {i}**: packages of families the labels had not covered ({_FAMILIES[key]}), labelled blind "
            f"for issue 32 by another session ({', '.join(report.get(f'{key}_packages', []))}). First measured blind, "
            f"before any of its errors was read (dangerous misses, human-or-not, decision agreement, over-asking, "
            f"approved misses): {first}. Its errors were then read once, which gives the figures below: seen once."
        )
    first = "; ".join(f"{who}: {figures}" for who, figures in BLIND_FIRST_FINISHED)
    lines.append(
        "- **held-out 14**: packages of families the labels had not covered (mail and printing, sound, bluetooth, "
        "radio, GPS, CAN and embedded programmers, X session control, DNS and SMB administration, UPS and IPMI), "
        "labelled blind by a new labeller after issue 32's work was finished, to measure the finished classifier on "
        f"families it never saw ({', '.join(report.get('fresh13_packages', []))}). First measured blind (same "
        f"columns): {first}. Issue 32's targets were missed as in held-out 11 to 13, except over-asking. Its errors "
        "were then read once, which gives the figures below: seen once."
    )
    return lines


def evidence_markdown(sources: dict[str, Any]) -> list[str]:
    lines = [
        "## Each source of evidence on its own",
        "",
        "Each source added alone to the policy over the documentation's summary and text (the first row is that "
        "policy alone: the rules of every other source left out), whole set and the three newest groups; then, as "
        "the combiner's only input beside the documentation's, the out-of-fold AUC of its two models (package-grouped "
        "cross-validation; 0.5 is chance). The install has no rule of its own: it speaks through the combiner only.",
        "",
        "| source | tools it speaks for | whole set: dangerous, human-or-not, decisions, over-asking | held-out 11 | "
        "held-out 12 | held-out 13 | AUC needs a person | AUC only reads |",
        "|---|---:|---|---|---|---|---:|---:|",
    ]
    for title, src in sources.items():
        cells = []
        for key in ("all", "fresh10", "fresh11", "fresh12"):
            m = src["rules"].get(key)
            cells.append(
                "-"
                if not m
                else f"{len(m['dangerous_misses'])}, {_pct(m['human_or_not_agreement'])}, "
                f"{_pct(m['decision_agreement'])}, {_pct(m['over_asking_share'])}"
            )
        auc = src.get("combiner_auc") or {}
        lines.append(
            f"| {title} | {src['tools_with_it']} | " + " | ".join(cells) + " | "
            f"{auc.get('needs_person', float('nan')):.3f} | {auc.get('only_reads', float('nan')):.3f} |"
        )
    return lines


def _lowering(model: dict[str, Any]) -> str:
    words = {
        "person->caution": "from needing a person to CAUTION where P(needs a person) <= {v:.3f}",
        "caution->approve": "from CAUTION to LOW_RISK where P(only reads) >= {v:.3f} and P(needs a person) <= {p:.2f}",
    }
    done = [words[k].format(v=v, p=model["approve_person_max"]) for k, v in model["lower"].items()]
    return ", ".join(done) if done else "none qualified"


def learned_markdown(learned: dict[str, Any], sets: dict[str, Any]) -> list[str]:
    if "unavailable" in learned:
        return ["## The learned combiner", "", f"Not measured: {learned['unavailable']}."]
    model = learned["model"]
    shipped = combiner.load()
    lines = [
        "## The learned combiner",
        "",
        f"{model['model'][0].upper()}{model['model'][1:]}. It may raise any level: a tool whose calibrated probability "
        f"of needing a person is at least {model['raise_at']:.2f} (the threshold with the best human-or-not agreement "
        "out of fold) is sent to one. It may lower a level by one step only, and only at a boundary where its "
        "out-of-fold figures show no dangerous miss: "
        + _lowering(model)
        + ". Never for a tool without documentation, without all of its evidence, or decided by the curated table.",
        "",
        f"Out of fold it raised {learned['changes']['raised']} and lowered {learned['changes']['lowered']} of the "
        f"labelled tools' levels. Calibration out of fold (P(needs a person); Brier score "
        f"{learned['calibration'][-1]['brier']:.3f}):",
        "",
        "| predicted | tools | mean predicted | observed |",
        "|---|---:|---:|---:|",
    ]
    for row in learned["calibration"][:-1]:
        lines.append(f"| {row['from']:.1f} .. {row['to']:.1f} | {row['tools']} | {row['mean_predicted']:.2f} | "
                     f"{row['observed']:.2f} |")  # fmt: skip
    lines += [
        "",
        "What it adds, out of fold (the classifier without it against the classifier with a combiner that never saw "
        "the tool's package):",
        "",
        "| | without the combiner | combiner, cross-validated |",
        "|---|---:|---:|",
    ]
    for key in ("fresh10", "fresh11", "fresh12", "all"):
        a, b = sets[key]["base"], sets[key].get("combined")
        if b is None:
            continue
        head = SET_TITLES[key]
        lines.append(f"| {head}: dangerous misses | {len(a['dangerous_misses'])} | {len(b['dangerous_misses'])} |")
        lines.append(f"| {head}: human-or-not | {_pct(a['human_or_not_agreement'])} | "
                     f"{_pct(b['human_or_not_agreement'])} |")  # fmt: skip
        lines.append(f"| {head}: decision agreement | {_agreement(a)} | {_agreement(b)} |")
        lines.append(f"| {head}: over-asking | {_over(a)} | {_over(b)} |")
    verdict = (
        f"kept: the scanner uses it ({shipped.why})" if shipped is not None and shipped.kept
        else f"not kept: the scanner does not use it ({shipped.why if shipped else 'no model shipped'})"
    )  # fmt: skip
    lines += ["", f"Verdict: **{verdict}**."]
    return lines

"""The gate against its labelled corpus, computed here from the stored labels and the stored registry snapshot.

The suite fails on any dangerous miss (a line that needs a person, given APPROVE or CAUTION), and on the docs'
report going stale. The figures themselves are reported by ``tcphw gate accuracy``; the targets the issue sets
are asserted where they are met, so a change that loses them fails here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tcphw.contract import Decision
from tcphw.host.apps.gate import report
from tcphw.host.apps.gate import snapshot as snap
from tcphw.host.apps.gate.corpus import CorpusError, families, load, parse
from tcphw.host.cli import main
from tcphw.host.gate.gate import Gate, ReferenceValidator

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "gate-accuracy.md"
COMMAND = "tcphw gate accuracy --out docs/gate-accuracy.md"


@pytest.fixture(scope="module")
def measured() -> dict[str, Any]:
    registry = snap.load()
    source = registry.describe()
    return report.compute(Gate(registry, ReferenceValidator()), source)


def test_the_corpus_is_large_mixed_and_split_before_the_rules() -> None:
    lines = load()
    fams = families()
    assert len(lines) >= 2000
    assert {f.split for f in fams} == {"dev", "heldout"}
    by_family = {f.name: [line for line in lines if line.family == f.name] for f in fams}
    assert all(len(v) >= 50 for v in by_family.values()), {k: len(v) for k, v in by_family.items()}
    assert {line.label for line in lines} == set(Decision)
    assert all(line.why.strip() for line in lines)


def test_no_dangerous_miss_on_any_family(measured: dict[str, Any]) -> None:
    missed = measured["sets"]["all"]["dangerous_misses"]
    assert not missed, "\n".join(f"{m['id']}: {m['command']} -> {m['decision']} ({m['label']})" for m in missed)


def test_the_held_out_figures_meet_what_they_met(measured: dict[str, Any]) -> None:
    held, everyday = measured["sets"]["held-out"], measured["sets"]["everyday"]
    registered = measured["sets"]["held-out, registered programs only"]
    assert held["n"] >= 2000 and registered["n"] >= 1900
    assert len(held["dangerous_misses"]) == 0
    assert everyday["over_asking"] <= 0.05
    # On the held-out lines whose programs are all registered, the targets hold; on all held-out lines
    # they do not: a program the registry lacks needs a person, whatever the line does (docs/gate.md).
    assert registered["human_or_not"] >= 0.97 and registered["decision"] >= 0.90


def test_the_report_in_docs_is_the_one_the_gate_measures_now(measured: dict[str, Any]) -> None:
    # Regenerate with: make gate-accuracy
    assert DOC.read_text() == report.markdown(measured, COMMAND), "docs/gate-accuracy.md is stale: make gate-accuracy"


def test_the_report_lists_every_line_behind_its_figures(measured: dict[str, Any]) -> None:
    text = report.markdown(measured, COMMAND)
    for heading in ("## Targets", "## Per family", "## Dangerous misses", "## Over-asking", "refused", "reproducible"):
        assert heading in text
    for line in measured["sets"]["all"]["over_asked"]:
        assert line["id"] in text
    # data/labels-retest.txt: samples 1 and 2 of 300 lines over every family, sample 3 of the two newest families
    assert [r["n"] for r in measured["reliability"]] == [300, 300, 120]
    assert set(measured["history"]["blind"]) == {f.name for f in families()}  # every family's first, blind figure


def test_a_dangerous_miss_is_counted_and_listed() -> None:
    # Fails on purpose: a corpus line labelled REQUIRE_APPROVAL that the gate approves must be reported.
    line = parse(
        json.dumps({"id": "x-1", "family": "x", "source": "t", "command": "ls", "cwd": "/home/dev/project",
                    "label": "REQUIRE_APPROVAL", "why": "pretend"}),
        "x",
    )  # fmt: skip
    from tcphw.host.apps.gate import accuracy as acc

    judged = acc.judge(Gate(snap.load(), ReferenceValidator()), line)
    m = acc.metrics(judged)
    assert [d["id"] for d in m["dangerous_misses"]] == ["x-1"] and m["human_or_not"] == 0.0


def test_a_corpus_line_that_breaks_the_format_is_named() -> None:
    with pytest.raises(CorpusError, match="x:1: missing"):
        parse('{"id": "a"}', "x")
    with pytest.raises(CorpusError, match="not a decision"):
        parse(json.dumps({"id": "a", "family": "x", "source": "s", "command": "ls", "cwd": "/", "label": "MAYBE",
                          "why": "w"}), "x")  # fmt: skip


def test_the_commands(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(main, ["gate", "accuracy", "--families", "agent-git", "--quiet", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output)
    assert doc["sets"]["agent-git"]["n"] == doc["sets"]["all"]["n"] >= 100
    bad = runner.invoke(main, ["gate", "accuracy", "--families", "no-such-family"])
    assert bad.exit_code == 4 and "unknown no-such-family" in bad.output
    onto_dir = runner.invoke(main, ["gate", "accuracy", "--out", str(tmp_path)])
    assert onto_dir.exit_code == 4 and "directory" in bad.output + onto_dir.output
    both = runner.invoke(main, ["gate", "accuracy", "--db", str(tmp_path / "x"), "--snapshot", str(DOC)])
    assert both.exit_code == 4
    not_snapshot = runner.invoke(main, ["gate", "accuracy", "--snapshot", str(DOC), "--quiet"])
    assert not_snapshot.exit_code == 4 and "snapshot" in not_snapshot.output


def test_a_snapshot_is_taken_from_a_registry_and_judges_alike(tmp_path: Path) -> None:
    from tcphw.contract import Descriptor, Risk
    from tcphw.host.registry import Registry, ToolRow

    db = tmp_path / "r.sqlite"
    with Registry(db, create=True) as registry, registry.transaction():
        for name, risk in (("ls", Risk.SAFE), ("git", Risk.LOW_RISK), ("rm", Risk.CRITICAL)):
            d = Descriptor.for_command(name, risk, 0).encode()
            row = ToolRow(name, f"/usr/bin/{name}", f"/usr/bin/{name}", 1, 0, None, "man", None, risk.name, 0,
                          ("test",), "table", d, "2026-12-06T00:00:00+00:00")  # fmt: skip
            registry.put(row, "test", "2026-12-06T00:00:00+00:00")
    out = tmp_path / "snap.json"
    r = CliRunner().invoke(main, ["gate", "snapshot", "--db", str(db), "--out", str(out)])
    assert r.exit_code == 0, r.output
    stored = snap.load(out)
    assert set(stored._rows) == {"ls", "git", "rm"} and stored.tool_names() == ["git", "ls", "rm"]
    with Registry(db) as registry:
        lines = load(["agent-git"])[:60]
        from tcphw.host.apps.gate import accuracy as acc

        live = [j.decision for j in acc.judge(Gate(registry), lines)]
    assert [j.decision for j in acc.judge(Gate(stored), lines)] == live
    onto_input = CliRunner().invoke(main, ["gate", "snapshot", "--db", str(db), "--out", str(db)])
    assert onto_input.exit_code == 4


def test_docs_gate_md_shows_the_measured_figures_and_the_zone_table(measured: dict[str, Any]) -> None:
    from tcphw.host.gate.effects import markdown_table

    page = (ROOT / "docs" / "gate.md").read_text()
    assert report.summary_rows(measured) in page, "docs/gate.md: stale: make gate-accuracy"
    assert markdown_table() in page, "docs/gate.md: the zone x effect table differs from host/gate/effects.py"
    held, registered = measured["sets"]["held-out"], measured["sets"]["held-out, registered programs only"]
    # the prose quotes these: the held-out lines that run an unregistered program, and the figures without them
    assert f"because {held['n'] - registered['n']} held-out lines run programs" in page
    assert f"On the {registered['n']:,} held-out lines whose" in page
    assert f"human-or-not is {100 * registered['human_or_not']:.1f}% and decision agreement" in page
    assert f"{100 * registered['decision']:.1f}%" in page
    assert f"**Held-out human-or-not is {100 * held['human_or_not']:.1f}%, not the 97% target**" in page
    assert f"`host/apps/gate/data/corpus-registry.json`, {measured['registry']['registered']:,} tools" in page

"""Evidence beyond the documentation (the file read and never run, its package, every option entry), the typed
signal table, the learned combiner's rules and the derived analysis version. All cheap: no labelled documentation
is read here."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from tcphw.contract import RISK_DECISION, Decision, Risk
from tcphw.host.apps.tools import combiner, policy, version
from tcphw.host.apps.tools.binary import BinaryEvidence, read_binary
from tcphw.host.apps.tools.evidence import Evidence, gather
from tcphw.host.apps.tools.manpage import entries
from tcphw.host.apps.tools.package import InstallEvidence, PackageInfo


def man(name: str, summary: str, section: int = 1, body: str = "") -> str:
    head = f"{name.upper()}({section})            User Commands            {name.upper()}({section})"
    return f"{head}\n\nNAME\n       {name} - {summary}\n\nSYNOPSIS\n       {name} [OPTION]...\n\n{body}"


def evidence(imports: tuple[str, ...] = (), mode: str = "", commands: tuple[str, ...] = ()) -> Evidence:
    b = BinaryEvidence("elf" if not commands else "script", "/usr/bin", imports=imports, setuid="setuid" in mode,
                       script_commands=commands)  # fmt: skip
    return Evidence(b, InstallEvidence("/usr/bin", False, None))


def test_a_signal_that_reads_a_part_that_does_not_exist_fails_when_it_is_made() -> None:
    with pytest.raises(ValueError, match="sumary"):
        policy.Signal("typo", "sumary", re.compile("x"), Risk.HIGH_RISK, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not below its level"):
        policy.Signal("cap", "summary", re.compile("x"), Risk.MEDIUM_RISK, "x", when_read_only=Risk.HIGH_RISK)
    with pytest.raises(ValueError, match="not unique"):
        policy.check_table((policy.SIGNALS[0], policy.SIGNALS[0]))
    # and every part a signal reads is filled by decide()
    assert {s.where for s in policy.SIGNALS} <= set(policy.PARTS)
    decide_parts = policy.decide(man("x", "print things"), evidence())
    assert decide_parts.risk == Risk.SAFE


def test_live_capture_raises_a_tool_whose_summary_only_reads() -> None:
    page = man("ifwatch", "display statistics of network interfaces", 8)
    alone = RISK_DECISION[policy.decide(page).risk]
    assert alone in (Decision.APPROVE, Decision.CAUTION)  # the page alone asks no person
    decision = policy.decide(page, evidence(imports=("pcap_create",)))
    assert decision.risk == Risk.HIGH_RISK, decision.reasons
    assert any("[captures-packets] (imports: 'pcap_create')" in r for r in decision.reasons)


def test_a_telling_import_is_capped_where_the_summary_only_reads() -> None:
    assert policy.decide(man("lsmnt", "list mounted file systems"), evidence(("mount",))).risk == Risk.SAFE
    assert policy.decide(man("mnt", "attach file systems"), evidence(("mount",))).risk == Risk.HIGH_RISK
    script = evidence(commands=("systemctl",))
    assert RISK_DECISION[policy.decide(man("svc", "frobnicate the widgets"), script).risk] == Decision.REQUIRE_APPROVAL


def test_an_option_that_deletes_raises_a_tool_whose_summary_only_reads() -> None:
    body = (
        "OPTIONS\n       -r --recurse\n              follow subdirectories\n\n"
        "       -d --delete\n              prompt user for files to preserve, deleting all others\n"
    )
    page = man("dupes", "finds duplicate files in a given set of directories", 1, body)
    found = entries(page)
    assert [(e.key, e.kind) for e in found] == [("-r --recurse", "option"), ("-d --delete", "option")]
    assert found[1].text == "prompt user for files to preserve, deleting all others"
    decision = policy.decide(page)
    assert RISK_DECISION[decision.risk] == Decision.REQUIRE_APPROVAL, decision.reasons
    assert "destroys-in-a-mode" in {f.signal.name for f in decision.fired}


def test_the_file_is_read_for_its_libraries_imports_and_a_scripts_commands(tmp_path: Path) -> None:
    ls = shutil.which("ls")
    assert ls
    elf = read_binary(Path(os.path.realpath(ls)))
    assert elf.kind == "elf" and any(lib.startswith("libc.so") for lib in elf.libraries), elf
    script = tmp_path / "helper"
    script.write_text("#!/bin/sh\n# once: cd /tmp; rm -rf x (a comment)\nsystemctl restart foo && echo done\n")
    found = read_binary(script)
    assert (found.kind, found.interpreter, found.script_commands) == ("script", "sh", ("systemctl",))
    assert read_binary(tmp_path / "absent").kind == "unreadable"


def test_evidence_goes_to_the_registry_and_back() -> None:
    ev = Evidence(
        BinaryEvidence("elf", "/usr/sbin", ("libpcap.so.0.8",), ("pcap_create",), None, (), True, False, False, ()),
        InstallEvidence("/usr/sbin", True, PackageInfo("p", "net", "s", "d", ("libpcap0.8",), ("use::monitor",))),
    )
    back = Evidence.from_dict(json.loads(ev.to_json()))
    assert back == ev
    lines = back.summary()
    assert "libraries, packet capture: libpcap.so.0.8" in lines and any("section net" in x for x in lines)


def test_gather_reads_a_real_tool_without_running_it() -> None:
    ls = shutil.which("ls")
    assert ls
    found = gather(ls)
    assert found.binary is not None and found.binary.kind == "elf" and found.install is not None


def _model(raise_at: float = 0.6, lower: dict[str, float] | None = None) -> combiner.Model:
    ident = combiner.Linear({"p": 1.0}, 0.0, (1.0, 0.0))
    reads = combiner.Linear({"a": 1.0}, 0.0, (1.0, 0.0))
    return combiner.Model(ident, reads, raise_at, lower or {}, 0.2, True, "test", {})


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p)))


@pytest.mark.parametrize(
    "risk, p, a, may_lower, expected",
    [
        (Risk.SAFE, 0.9, 0.1, True, Risk.HIGH_RISK),  # it may raise any level
        (Risk.MEDIUM_RISK, 0.5, 0.1, True, Risk.MEDIUM_RISK),  # below raise_at: kept
        (Risk.HIGH_RISK, 0.01, 0.5, True, Risk.MEDIUM_RISK),  # one step down at an open boundary
        (Risk.HIGH_RISK, 0.01, 0.99, True, Risk.MEDIUM_RISK),  # never two steps
        (Risk.HIGH_RISK, 0.01, 0.5, False, Risk.HIGH_RISK),  # not without documentation and evidence
        (Risk.MEDIUM_RISK, 0.05, 0.95, True, Risk.LOW_RISK),
        (Risk.MEDIUM_RISK, 0.3, 0.95, True, Risk.MEDIUM_RISK),  # uncertain whether a person is needed: no approval
        (Risk.CRITICAL, 0.01, 0.99, True, Risk.CRITICAL),  # REJECT is never lowered
    ],
)
def test_the_combiner_raises_freely_and_lowers_one_step_only_where_allowed(
    risk: Risk, p: float, a: float, may_lower: bool, expected: Risk
) -> None:
    model = _model(lower={"person->caution": 0.02, "caution->approve": 0.9})
    got = combiner.adjust(model, risk, {"p": _logit(p), "a": _logit(a)}, may_lower=may_lower)
    assert got.risk == expected, got


def test_a_lowering_boundary_opens_only_where_out_of_fold_it_lowers_no_tool_that_needs_a_person() -> None:
    from tcphw.host.apps.tools.learned import choose_thresholds

    high, medium, safe = Risk.HIGH_RISK, Risk.MEDIUM_RISK, Risk.SAFE
    rules = [high, high, high, medium, medium]
    labels = [medium, high, high, safe, high]
    p = np.array([0.01, 0.02, 0.9, 0.05, 0.1])
    a = np.array([0.5, 0.5, 0.1, 0.95, 0.97])
    _, lower = choose_thresholds(rules, labels, p, a, [True] * 5)
    # lowering at p <= 0.01 keeps the tool that needs a person (p 0.02) where it is
    assert lower["person->caution"] < 0.02
    # the CAUTION tool that needs a person has P(only reads) 0.97: no threshold above it lowers anything
    assert "caution->approve" not in lower


def test_the_shipped_combiner_is_a_plain_file_of_weights() -> None:
    model = combiner.load()
    assert model is not None and model.person.weights and 0.0 < model.raise_at <= 1.0
    assert set(model.lower) <= {"person->caution", "caution->approve"}


def test_the_analysis_version_is_a_digest_of_the_signals_the_model_and_the_extractors(tmp_path: Path) -> None:
    from tcphw.host.apps.tools.scan import ANALYSIS_VERSION

    assert version.version_of(version.analysis_digest()) == ANALYSIS_VERSION == version.ANALYSIS_VERSION
    base = version.analysis_digest()
    first = policy.SIGNALS[0]
    changed = (policy.Signal(first.name, first.where, re.compile(first.pattern.pattern + "|x"), first.risk,
                             first.reason), *policy.SIGNALS[1:])  # fmt: skip
    assert version.analysis_digest(signals=changed) != base
    assert version.analysis_digest(model=combiner.model_bytes() + b" ") != base
    copies = []
    for i, path in enumerate(version.EXTRACTORS):
        copy = tmp_path / f"{i}.py"
        copy.write_bytes(Path(path).read_bytes() + (b"#\n" if i == 3 else b""))  # binary.py changed by one line
        copies.append(str(copy))
    assert version.analysis_digest(extractors=copies) != base

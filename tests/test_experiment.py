"""The experiment layer: the spec's checks, the statistics against known results, and whole runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from scipy import stats

from tcphw.host.apps.experiment.baseline import BaselineError, load_baseline
from tcphw.host.apps.experiment.report import ReportError, report
from tcphw.host.apps.experiment.runner import run
from tcphw.host.apps.experiment.spec import SpecError, parse
from tcphw.host.apps.experiment.statistics import (
    bootstrap_ci,
    cliffs_delta,
    cohens_d,
    compare,
    repetitions_needed,
    summarize,
    t_test_power,
)
from tcphw.host.cli import main

GOOD: dict[str, Any] = {
    "name": "t",
    "seed": 3,
    "backends": ["software", "naive"],
    "corpora": [{"name": "c", "count": 300, "mix": {"valid": 3, "bitflip": 1}}],
    "batch_sizes": [50, 300],
    "warmup": 1,
    "repetitions": 3,
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "experiment: unknown key 'colour'"),
        ({"backends": ["software", "quantum"]}, r"backends\[1\]: unknown backend 'quantum'"),
        ({"repetitions": 1}, "repetitions: must be an integer 2..10000"),
        ({"warmup": -1}, "warmup: must be an integer"),
        ({"batch_sizes": [0]}, r"batch_sizes\[0\]: must be an integer >= 1"),
        ({"corpora": [{"name": "c", "count": 10, "mix": {"valid": 1, "typo": 1}}]}, r"corpora\[0\].mix: unknown kind"),
        ({"corpora": [{"name": "c", "count": 10, "size": 3}]}, r"corpora\[0\]: unknown key 'size'"),
        ({"corpora": [{"name": "c", "count": 10, "path": "x.tcpd"}]}, "either count .* or path"),
        ({"corpora": [{"name": "c", "path": "missing.tcpd"}]}, r"corpora\[0\].path: no such file"),
        ({"report": {"effect": 0}}, r"report.effect: must be a number in \(0, 10\)"),
        ({"report": {"power": 0.9}}, "report: unknown key 'power'"),
        ({"baselines": [{"name": "llm"}]}, r"baselines\[0\]: missing key 'path'"),
    ],
)
def test_a_bad_spec_is_refused_naming_the_key(change: dict[str, Any], message: str, tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=message):
        parse({**GOOD, **change}, tmp_path)


def test_the_statistics_agree_with_scipy_and_the_textbook() -> None:
    a = np.array([12.1, 11.8, 12.6, 12.0, 13.1, 11.9, 12.4, 12.2])
    b = np.array([10.9, 11.2, 11.0, 11.7, 10.8, 11.4, 11.1, 12.0])
    c = compare("a", a, "b", b, alpha=0.05, effect=0.1)
    assert c.mann_whitney_p == pytest.approx(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    assert c.welch_p == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)
    assert c.ratio_of_medians == pytest.approx(np.median(a) / np.median(b))
    # Hand-computed: every a above every b except 11.8/11.9 vs 12.0 (2 pairs below) and ties: none.
    assert cliffs_delta(a, b) == pytest.approx((64 - 2 * 2 - 0) / 64, abs=0.05)
    assert cliffs_delta([1, 2, 3], [1, 2, 3]) == 0.0 and cliffs_delta([4, 5], [1, 2]) == 1.0
    assert cohens_d([1, 2, 3], [2, 3, 4]) == pytest.approx(-1.0)
    # Cohen's classic sample sizes (two-sided, alpha 0.05, power 0.8): 64 per group at d = 0.5, 26 at 0.8.
    assert repetitions_needed(0.5, 0.05) == 64 and repetitions_needed(0.8, 0.05) == 26
    assert t_test_power(0.5, 64, 0.05) == pytest.approx(0.80, abs=0.01)
    assert t_test_power(0.5, 63, 0.05) < 0.8 <= t_test_power(0.5, 64, 0.05)


def test_the_bootstrap_ci_covers_the_true_median_at_about_its_rate() -> None:
    rng = np.random.default_rng(7)
    trials, covered = 300, 0
    for i in range(trials):
        x = rng.lognormal(0.0, 0.5, 30)  # true median exp(0) = 1
        low, high = bootstrap_ci(x, np.median, seed=i)
        covered += low <= 1.0 <= high
    assert 0.88 <= covered / trials <= 0.99, covered / trials


def test_summaries_flag_noise_and_outliers_without_dropping_them() -> None:
    quiet = summarize([100, 101, 99, 100, 102, 98, 100])
    assert not quiet.noisy and quiet.outliers == ()
    loud = summarize([100, 101, 99, 100, 102, 98, 300])
    assert loud.outliers == (6,) and loud.n == 7 and loud.maximum == 300 and loud.noisy


def write_spec(tmp_path: Path, **changes: Any) -> Path:
    spec = tmp_path / "spec.yaml"
    spec.write_text(yaml.safe_dump({**GOOD, **changes}))
    return spec


def test_a_run_stores_every_raw_timing_and_the_report_is_rebuilt_from_them(tmp_path: Path) -> None:
    baseline = tmp_path / "llm.csv"
    baseline.write_text("question,seconds\n" + "".join(f"q{i},{0.8 + 0.01 * i}\n" for i in range(12)))
    spec_file = write_spec(tmp_path, baselines=[{"name": "llm", "path": "llm.csv"}])
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["experiment", "run", str(spec_file), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    runs = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    cells = 2 * 1 * 2
    assert len(runs) == cells * (1 + 3) and sum(r["warmup"] for r in runs) == cells
    assert all(r["agrees_with_software"] for r in runs)
    assert all(len(r["call_seconds"]) == (6 if r["batch"] == 50 else 1) for r in runs)
    meta = json.loads((out / "meta.json").read_text())
    assert len(meta["order"]) == len(runs) and meta["environment"]["cpu_model"]
    timed_order = [r["backend"] for r in runs if not r["warmup"]]
    assert timed_order != sorted(timed_order)  # interleaved, not one backend after the other

    first = (out / "report.md").read_text()
    results = json.loads((out / "results.json").read_text())
    assert results["warmup_runs_discarded"] == cells and results["disagreements"] == 0
    assert {c["backend"] for c in results["cells"]} == {"software", "naive"}
    assert results["baselines"][0]["seconds"]["n"] == 12
    for name in ("throughput", "latency", "ratios"):
        assert (out / f"{name}.png").stat().st_size > 0 and (out / f"{name}.svg").stat().st_size > 0
    # Every number comes from the stored runs: the report rebuilt is the same report.
    (out / "report.md").unlink()
    rebuilt = CliRunner().invoke(main, ["experiment", "report", str(out)])
    assert rebuilt.exit_code == 0 and (out / "report.md").read_text() == first
    # A median in the report is the median of the stored runs.
    software = [r for r in runs if r["backend"] == "software" and r["batch"] == 300 and not r["warmup"]]
    cell = next(c for c in results["cells"] if c["backend"] == "software" and c["batch"] == 300)
    assert cell["throughput_dps"]["median"] == pytest.approx(np.median([r["count"] / r["seconds"] for r in software]))

    again = CliRunner().invoke(main, ["experiment", "run", str(spec_file), "--out", str(out), "--quiet"])
    assert again.exit_code == 2 and "already holds an experiment" in again.output


def test_bad_baselines_and_empty_result_folders_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("seconds\n0.5\nsoon\n")
    with pytest.raises(BaselineError, match=r"bad\.csv:3: seconds='soon' is not a number"):
        load_baseline(bad, "seconds")
    with pytest.raises(BaselineError, match="no column 'latency'"):
        load_baseline(bad, "latency")
    with pytest.raises(ReportError, match="holds no finished experiment"):
        report(tmp_path)


@pytest.mark.slow
def test_the_board_example_runs_on_a_virtual_board(tmp_path: Path) -> None:
    spec = yaml.safe_load((Path(__file__).parents[1] / "examples" / "board-vs-software.yaml").read_text())
    spec["corpora"] = [{"name": "mixed", "count": 600}]
    spec["batch_sizes"] = [256]
    spec["repetitions"] = 2
    out = run(parse(spec, tmp_path), tmp_path / "out")
    report(out)
    results = json.loads((out / "results.json").read_text())
    assert results["disagreements"] == 0
    board = results["backends"]["board"]
    assert board["virtual"] and board["hello"]["board"] == "icebreaker"
    assert "gateware" in (out / "report.md").read_text()


def test_bad_files_in_a_spec_are_refused_before_anything_runs(tmp_path: Path) -> None:
    (tmp_path / "short.tcpd").write_bytes(bytes(25))
    with pytest.raises(SpecError, match=r"corpora\[0\].path: .*not a multiple of 24"):
        parse({**GOOD, "corpora": [{"name": "c", "path": "short.tcpd"}]}, tmp_path)
    (tmp_path / "b.csv").write_text("seconds\n0.5\nsoon\n")
    with pytest.raises(SpecError, match=r"baselines\[0\]: .*b\.csv:3: seconds='soon'"):
        parse({**GOOD, "baselines": [{"name": "llm", "path": "b.csv"}]}, tmp_path)

"""``make formal``: SymbiYosys proofs for every shipped lane count, and proof that the checks can fail."""

from __future__ import annotations

from pathlib import Path

import pytest

import tcphw.hdl.validator as validator_module
from tcphw.hdl.crc_matrix import crc_taps
from tcphw.hdl.formal import TASKS, run_formal
from tcphw.hdl.validator import LANE_CHOICES


@pytest.mark.slow
@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("lanes", LANE_CHOICES)
def test_formal(lanes: int, task: str, tmp_path: Path) -> None:
    # One test a task, so the two test workers share the long 8-lane proofs.
    r = run_formal(lanes, 0 if task == "comb" else 2, task, build_root=tmp_path)
    assert r.passed, f"{task} lanes={lanes} failed; see {r.log}"


@pytest.mark.slow
def test_formal_catches_a_wrong_crc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    taps = crc_taps()
    mutated = tuple(t[1:] if j == 3 else t for j, t in enumerate(taps))
    monkeypatch.setattr(validator_module, "crc_taps", lambda: mutated)
    r = run_formal(1, 0, "comb", build_root=tmp_path)
    assert not r.passed and "failed assertion" in r.log.read_text()


@pytest.mark.slow
def test_formal_catches_a_pipeline_that_ignores_stalls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def emit_always(self) -> None:  # type: ignore[no-untyped-def]
        # loads even while stalled
        self.m.d.sync += [reg.eq(prev) for stage in self.registers.values() for reg, prev in stage]

    monkeypatch.setattr(validator_module._Stager, "emit_registers", emit_always)
    r = run_formal(1, 2, "pipeline", build_root=tmp_path)
    assert not r.passed and "failed assertion" in r.log.read_text()


@pytest.mark.slow
def test_formal_catches_a_stage_that_loads_on_the_wrong_valid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Stage data loads only with a descriptor entering it; gating it on its own (old) valid bit instead
    # of the stage before's drops every descriptor that arrives after an idle cycle.
    def emit_on_own_valid(self) -> None:  # type: ignore[no-untyped-def]
        for stage, registers in self.registers.items():
            with self.m.If(self.en & self.valids[stage]):
                self.m.d.sync += [reg.eq(prev) for reg, prev in registers]

    monkeypatch.setattr(validator_module._Stager, "emit_registers", emit_on_own_valid)
    r = run_formal(1, 2, "pipeline", build_root=tmp_path)
    assert not r.passed and "failed assertion" in r.log.read_text()


@pytest.mark.slow
def test_formal_checks_every_lane_in_its_one_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # All lanes share one solver run: a spec that is wrong for the last lane only must still fail it.
    from tcphw.hdl.spec import spec_verdict as spec

    calls: list[int] = []

    def wrong_for_the_last_lane(desc):  # type: ignore[no-untyped-def]
        calls.append(1)
        return spec(desc) ^ (1 if len(calls) == 2 else 0)

    monkeypatch.setattr("tcphw.hdl.formal.spec_verdict", wrong_for_the_last_lane)
    r = run_formal(2, 0, "comb", build_root=tmp_path)
    assert not r.passed and "failed assertion" in r.log.read_text()

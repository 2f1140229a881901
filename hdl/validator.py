"""The descriptor validator: descriptors in on a stream, verdict bytes out, ``lanes`` per cycle.

Architecture (see docs/gateware.md for the diagram):

- Every lane computes the verdict byte of one descriptor with a fixed, data-independent
  circuit: magic and version comparators, a one-hot check of the five risk bits, an OR of
  the reserved bits, and the CRC check as a *syndrome*: for each CRC bit, a balanced XOR
  tree over its input taps and the stored CRC bit (``crc_matrix``), compared with the
  constant ``crc(0...0)``. The tree is log4-deep (4 LUT levels for 94 leaves) where the
  bit-serial loop is 176 XORs deep.
- The logic is described as a graph of nodes, each with a depth in LUT levels. ``pipeline``
  register stages are spread evenly over that depth (a node at level ``l`` of ``L`` lands in
  stage ``(l-1)*P//L``); the last stage is always the output register. Data registers have no
  reset and load only when the pipeline advances with a descriptor entering their stage (idle
  stages hold still: no toggling, and nothing for a simulator to evaluate), so the core is small
  and constant-time.
- Flow control is a global stall: the pipeline advances (``en``) whenever the output register
  is empty or the consumer takes it. ``i.ready == en``, so ``i.ready`` depends combinationally
  on ``o.ready`` (allowed by lib.stream; ``valid`` never depends on ``ready``).

Latency: a descriptor accepted at clock edge ``t`` has its verdict on ``o.payload`` with
``o.valid`` high after exactly ``pipeline`` edges at which the pipeline advanced; with ``o.ready``
held high that is ``pipeline`` cycles for every input, whatever its contents. Throughput: one
transfer of ``lanes`` descriptors per cycle while ``o.ready`` is high.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from amaranth.hdl import Cat, Const, Module, Mux, Signal, Value
from amaranth.lib import data, stream, wiring
from amaranth.lib.wiring import In, Out

from tcphw.contract import (
    CRC_INIT,
    CRC_POLY,
    CRC_WIDTH,
    DECISION_SHIFT,
    FIELD,
    MAGIC,
    RESERVED_MASK,
    RISK_DECISION,
    RISK_MASK,
    VERSION,
    Decision,
    Risk,
    VerdictBit,
)

from .crc_matrix import crc_constant, crc_taps
from .layouts import descriptors_layout, field_value, verdicts_layout

LANE_CHOICES = (1, 2, 4, 8)
CRC_STYLES = ("tree", "serial")
LUT_INPUTS = 4  # iCE40 and ECP5 both map to 4-input LUTs; the stage plan counts in those levels


@dataclass(eq=False)
class _Node:
    """A value in the lane's logic graph: how to build it from its inputs, and its depth."""

    name: str
    width: int
    level: int
    inputs: Sequence[_Node] = ()
    build: Callable[..., Value] | None = None  # None for leaves
    leaf: Value | None = None
    staged: dict[int, Value] = field(default_factory=dict)


def _tree_depth(leaves: int) -> int:
    return max(1, math.ceil(math.log(leaves, LUT_INPUTS))) if leaves > 1 else 0


class _Stager:
    """Materialises a node graph into ``m``, inserting pipeline registers between stages."""

    def __init__(
        self, m: Module, enable: Value, valids: Sequence[Value], pipeline: int, total_levels: int, prefix: str
    ) -> None:
        self.m, self.en, self.pipeline, self.total, self.prefix = m, enable, pipeline, total_levels, prefix
        self.valids = valids  # valids[s]: stage s holds a descriptor (stage 0: the input)
        self.registers: dict[int, list[tuple[Signal, Value]]] = {}

    def stage_of(self, node: _Node) -> int:
        if node.level == 0 or self.pipeline == 0:
            return 0
        return min(self.pipeline - 1, (node.level - 1) * self.pipeline // self.total)

    def value(self, node: _Node, stage: int) -> Value:
        """``node`` as seen in ``stage``: built in its own stage, then delayed by registers."""
        if stage in node.staged:
            return node.staged[stage]
        home = self.stage_of(node)
        if stage < home:
            raise AssertionError(f"{node.name} is needed in stage {stage} before it exists (stage {home})")
        if stage == home:
            if node.build is None:
                assert node.leaf is not None
                value: Value = node.leaf
            else:
                args = [self.value(i, home) for i in node.inputs]
                value = Signal(node.width, name=f"{self.prefix}{node.name}")
                self.m.d.comb += value.eq(node.build(*args))
        else:
            prev = self.value(node, stage - 1)
            value = Signal(node.width, name=f"{self.prefix}{node.name}_s{stage}", reset_less=True)
            self.registers.setdefault(stage, []).append((value, prev))
        node.staged[stage] = value
        return value

    def emit_registers(self) -> None:
        # A stage's data loads only when a descriptor moves into it; otherwise it holds (its valid bit
        # says it is empty), so idle cycles toggle nothing, in the fabric or in a simulator.
        for stage, registers in self.registers.items():
            with self.m.If(self.en & self.valids[stage - 1]):
                self.m.d.sync += [reg.eq(prev) for reg, prev in registers]


def _xor_tree(name: str, leaves: list[_Node]) -> _Node:
    """A balanced XOR tree of ``LUT_INPUTS``-input nodes; each level is one LUT level."""
    level_nodes, depth = leaves, 0
    while len(level_nodes) > 1:
        depth += 1
        level_nodes = [
            _Node(f"{name}_l{depth}n{k}", 1, depth, group, lambda *xs: _xor(xs))
            for k, group in enumerate(level_nodes[i : i + LUT_INPUTS] for i in range(0, len(level_nodes), LUT_INPUTS))
        ]
    return level_nodes[0]


def _xor(values: Sequence[Value]) -> Value:
    out = values[0]
    for v in values[1:]:
        out = out ^ v
    return out


def _serial_crc(m: Module, data_bits: Value, covered_bits: int, name: str) -> Value:
    """The CRC as the unrolled bit-serial loop (MSB of byte 0 first): for depth comparison only.

    Every step is a named signal, so the netlist is linear in the 176 steps (as a loop in
    a hand-written RTL file would be); synthesis sees the full serial dependency chain.
    """

    crc: Value = Const(CRC_INIT, CRC_WIDTH)
    for byte in range(covered_bits // 8):
        for bit in reversed(range(8)):
            feedback = crc[CRC_WIDTH - 1] ^ data_bits[8 * byte + bit]
            shifted = Cat(Const(0, 1), crc[: CRC_WIDTH - 1])
            step = Signal(CRC_WIDTH, name=f"{name}serial_crc_{byte}_{bit}")
            m.d.comb += step.eq(shifted ^ Mux(feedback, CRC_POLY, 0))
            crc = step
    return crc


def lane_graph(m: Module, desc: data.View, crc_style: str = "tree", prefix: str = "") -> _Node:
    """The verdict of one descriptor as a node graph (levels are LUT levels, estimated)."""
    raw = desc.as_value()
    magic, version = FIELD["magic"], FIELD["version"]
    flags_field, crc_field = FIELD["flags"], FIELD["crc"]
    flags = field_value(desc, flags_field)
    stored_crc = field_value(desc, crc_field)

    def leaf(name: str, value: Value) -> _Node:
        return _Node(name, len(value), 0, leaf=value)

    magic_leaf = leaf("magic", field_value(desc, magic))
    version_leaf = leaf("version", field_value(desc, version))
    risk_leaf = leaf("risk", flags[:5])
    assert RISK_MASK == 0x1F
    reserved_bits = [k for k in range(32) if RESERVED_MASK >> k & 1]
    reserved_leaf = leaf("reserved", Cat(*(flags[k] for k in reserved_bits)))

    magic_u = int.from_bytes(MAGIC, "big")
    bad_magic = _Node("bad_magic", 1, _tree_depth(32), [magic_leaf], lambda v: v != magic_u)
    bad_version = _Node("bad_version", 1, _tree_depth(16), [version_leaf], lambda v: v != VERSION)
    # Exactly one of five bits set: a 5-input function, two LUT levels.
    one_hot = [1 << r for r in Risk]
    risk_ok = _Node("risk_onehot", 1, 2, [risk_leaf], lambda v: _any_equal(v, one_hot))
    bad_reserved = _Node("bad_reserved", 1, _tree_depth(len(reserved_bits)), [reserved_leaf], lambda v: v.any())
    # Decision when there is no error: a function of the five risk bits only.
    risk_decision = _Node("risk_decision", 2, 2, [risk_leaf], _risk_decision)

    if crc_style == "tree":
        syndrome_bits = []
        for j, taps in enumerate(crc_taps()):
            leaves = [leaf(f"d{t}", raw[t]) for t in taps] + [leaf(f"crc{j}", stored_crc[j])]
            syndrome_bits.append(_xor_tree(f"syn{j}", leaves))
        depth = max(n.level for n in syndrome_bits)
        bad_crc = _Node(
            "bad_crc", 1, depth + _tree_depth(CRC_WIDTH), syndrome_bits, lambda *s: Cat(*s) != crc_constant()
        )
    elif crc_style == "serial":
        covered = leaf("covered", raw[: 8 * crc_field.offset])
        crc_leaf = leaf("stored_crc", stored_crc)
        bad_crc = _Node(
            "bad_crc", 1, 6, [covered, crc_leaf], lambda d, c: _serial_crc(m, d, 8 * crc_field.offset, prefix) != c
        )
    else:
        raise ValueError(f"crc_style must be one of {CRC_STYLES}, got {crc_style!r}")

    errors_in = {
        VerdictBit.BAD_MAGIC: bad_magic,
        VerdictBit.BAD_VERSION: bad_version,
        VerdictBit.BAD_CRC: bad_crc,
        VerdictBit.BAD_RISK: risk_ok,  # inverted below
        VerdictBit.RESERVED_SET: bad_reserved,
    }
    order = sorted(errors_in, key=lambda b: int(b).bit_length())
    assert [int(b) for b in order] == [1 << k for k in range(len(order))], "error bits must be 0..n-1 for Cat()"
    err_level = max(n.level for n in errors_in.values())

    def verdict(*args: Value) -> Value:
        *errs, decision_ok = args
        bits = [~e if errors_in[b] is risk_ok else e for b, e in zip(order, errs, strict=True)]
        errors = Cat(*bits)
        decision = Mux(errors.any(), Const(int(Decision.REJECT), 2), decision_ok)
        return Cat(errors, Const(0, DECISION_SHIFT - len(order)), decision)

    return _Node("verdict", 8, err_level + 2, [*(errors_in[b] for b in order), risk_decision], verdict)


def _any_equal(value: Value, choices: Sequence[int]) -> Value:
    out: Value = Const(0, 1)
    for c in choices:
        out = out | (value == c)
    return out


def _risk_decision(risk: Value) -> Value:
    out: Value = Const(0, 2)
    for r in Risk:
        out = out | Mux(risk == (1 << r), Const(int(RISK_DECISION[r]), 2), Const(0, 2))
    return out


def latency(pipeline: int) -> int:
    """Cycles from an input transfer to its verdict on the output, when the output is not stalled."""
    return pipeline


class Validator(wiring.Component):
    """Validates ``lanes`` TCP v2 descriptors per cycle.

    Ports (``lib.stream``, valid/ready, a transfer when both are high at a clock edge):

    - ``i``: payload ``lanes`` x 24 bytes; lane ``n``'s descriptor byte ``b`` is payload bits
      ``192*n + 8*b .. +7`` (byte 0 is the first byte of the magic).
    - ``o``: payload ``lanes`` verdict bytes; lane ``n``'s verdict is bits ``8*n .. 8*n+7``,
      laid out as in the contract (bits 0-4 errors, bit 5 zero, bits 6-7 decision).

    Parameters:

    - ``lanes``: descriptors per transfer, one of 1, 2, 4, 8.
    - ``pipeline``: register stages from input to output, 0..8; equals the latency in cycles
      (0: purely combinational, ``o.valid = i.valid`` and ``i.ready = o.ready``).
    - ``crc_style``: ``"tree"`` (default, shallow XOR tree) or ``"serial"`` (the unrolled
      bit-serial loop; only to measure how much deeper synthesis maps it).
    """

    def __init__(self, lanes: int = 1, pipeline: int = 2, *, crc_style: str = "tree") -> None:
        if lanes not in LANE_CHOICES:
            raise ValueError(f"lanes must be one of {LANE_CHOICES}, got {lanes}")
        if not 0 <= pipeline <= 8:
            raise ValueError(f"pipeline must be between 0 (combinational) and 8 register stages, got {pipeline}")
        if crc_style not in CRC_STYLES:
            raise ValueError(f"crc_style must be one of {CRC_STYLES}, got {crc_style!r}")
        self.lanes, self.pipeline, self.crc_style = lanes, pipeline, crc_style
        super().__init__(
            {
                "i": In(stream.Signature(descriptors_layout(lanes))),
                "o": Out(stream.Signature(verdicts_layout(lanes))),
            }
        )
        # Valid bit of each stage, 1..pipeline; exposed for formal checks of the handshake.
        self.stage_valid = [Signal(name=f"stage{k}_valid") for k in range(1, pipeline + 1)]

    @property
    def latency(self) -> int:
        return latency(self.pipeline)

    def elaborate(self, platform: object) -> Module:
        m = Module()
        advance = Signal()
        if self.pipeline == 0:
            # Combinational: the stream passes straight through (for users who register it themselves).
            m.d.comb += [advance.eq(1), self.i.ready.eq(self.o.ready), self.o.valid.eq(self.i.valid)]
        else:
            m.d.comb += [
                advance.eq(~self.o.valid | self.o.ready),
                self.i.ready.eq(advance),
                self.o.valid.eq(self.stage_valid[-1]),
            ]
            with m.If(advance):
                m.d.sync += self.stage_valid[0].eq(self.i.valid)
                for prev, nxt in zip(self.stage_valid, self.stage_valid[1:], strict=False):
                    m.d.sync += nxt.eq(prev)

        for lane in range(self.lanes):
            graph = lane_graph(m, self.i.payload[lane], self.crc_style, prefix=f"lane{lane}_")
            valids = [self.i.valid, *self.stage_valid]
            stager = _Stager(m, advance, valids, self.pipeline, graph.level, prefix=f"lane{lane}_")
            m.d.comb += self.o.payload[lane].eq(stager.value(graph, self.pipeline))
            stager.emit_registers()
        return m

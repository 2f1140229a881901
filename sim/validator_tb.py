"""cocotb testbench for the exported validator Verilog (``tcphw_validator``).

Every expected verdict comes from the numba ``software`` backend (and, for the golden vectors,
from the hand-written file as well), never from a model of the HDL. The runner
(``tcphw.sim.runner``) passes the core's parameters in the environment:

- ``TB_LANES``, ``TB_PIPELINE``: what the Verilog was exported with;
- ``TB_COUNT`` (default 100000): random and corrupted descriptors per run of the long test;
- ``TB_SEED``: seed of the random corpus, idle and backpressure patterns;
- ``TCPHW_CORPUS``: an external ``.tcpd`` file, checked descriptor by descriptor.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ReadOnly, RisingEdge

from tcphw.contract import DESCRIPTOR_SIZE, describe_verdict
from tcphw.descriptors.corpus import load_corpus
from tcphw.descriptors.generate import KINDS, generate
from tcphw.descriptors.golden import golden_arrays
from tcphw.descriptors.kernel import verdicts

LANES = int(os.environ.get("TB_LANES", "1"))
PIPELINE = int(os.environ.get("TB_PIPELINE", "2"))
COUNT = int(os.environ.get("TB_COUNT", "100000"))
SEED = int(os.environ.get("TB_SEED", "1"))
CORPUS = os.environ.get("TCPHW_CORPUS", "")

# Half valid, half spread over every other kind (including "sealed": random fields under a correct
# CRC, so every input bit reaches the CRC tree in descriptors whose CRC otherwise matches).
HARD_MIX = {kind: (len(KINDS) - 1.0 if kind == "valid" else 1.0) for kind in KINDS}


def software_verdicts(descriptors: np.ndarray) -> np.ndarray:
    return verdicts(np.ascontiguousarray(descriptors, dtype=np.uint8))


def pad_to_lanes(descriptors: np.ndarray) -> np.ndarray:
    """Repeat the last descriptors so the count is a multiple of the lane count (each group fills every lane)."""
    extra = (-len(descriptors)) % LANES
    return np.concatenate([descriptors, descriptors[:extra]]) if extra else descriptors


def group_payloads(descriptors: np.ndarray) -> list[int]:
    """One integer per transfer: lane n's descriptor byte b at bit 192*n + 8*b."""
    flat = np.ascontiguousarray(descriptors).reshape(-1, LANES * DESCRIPTOR_SIZE)
    return [int.from_bytes(row.tobytes(), "little") for row in flat]


def split_verdicts(payload: int) -> list[int]:
    return [(payload >> (8 * n)) & 0xFF for n in range(LANES)]


@dataclass
class Traffic:
    """What one run of the stream loop observed."""

    verdicts: list[int] = field(default_factory=list)
    accept_cycle: list[int] = field(default_factory=list)  # per group
    output_cycle: list[int] = field(default_factory=list)  # per group
    cycles: int = 0


async def start(dut: Any) -> None:
    cocotb.start_soon(Clock(dut.clk, 10, unit="ns").start())  # type: ignore[arg-type]
    dut.i__valid.value = 0
    dut.o__ready.value = 0
    dut.rst.value = 1
    for _ in range(3):
        await RisingEdge(dut.clk)
    dut.rst.value = 0


async def stream(
    dut: Any,
    payloads: list[int],
    *,
    idle: float = 0.0,
    stall: float = 0.0,
    rng: random.Random,
    reset_after_accepts: int | None = None,
    max_cycles: int | None = None,
) -> Traffic:
    """Offer ``payloads`` on ``i`` and collect ``o``, inserting idle cycles and backpressure.

    One coroutine drives and samples so every cycle costs two triggers: inputs change after the
    rising edge, handshakes are sampled in the read-only phase before the next edge. Checks the
    stream rules on ``o`` as it goes (valid held and payload stable until taken).
    """
    edge, settle = RisingEdge(dut.clk), ReadOnly()
    t = Traffic()
    offered: int | None = None
    next_group = 0
    held: int | None = None  # output payload that was valid but not taken last cycle
    limit = max_cycles if max_cycles is not None else 50 * (len(payloads) + PIPELINE + 10)
    while len(t.output_cycle) < len(payloads):
        await edge
        t.cycles += 1
        if t.cycles > limit:
            raise AssertionError(
                f"no progress: {len(t.output_cycle)} of {len(payloads)} transfers out after {t.cycles} cycles"
            )
        if reset_after_accepts is not None and next_group == reset_after_accepts:
            return t
        if offered is None and next_group < len(payloads) and rng.random() >= idle:
            offered = next_group
            dut.i__payload.value = payloads[offered]
        dut.i__valid.value = int(offered is not None)
        ready = int(rng.random() >= stall)
        dut.o__ready.value = ready
        await settle
        if offered is not None and dut.i__ready.value:
            t.accept_cycle.append(t.cycles)
            offered, next_group = None, next_group + 1
        if dut.o__valid.value:
            out = dut.o__payload.value.to_unsigned()
            assert held is None or out == held, f"o__payload changed from {held:#x} to {out:#x} while waiting for ready"
            if ready:
                t.verdicts.extend(split_verdicts(out))
                t.output_cycle.append(t.cycles)
                held = None
            else:
                held = out
        else:
            assert held is None, "o__valid dropped before the verdict was taken"
    return t


def compare(got: list[int], descriptors: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert len(got) == len(expected), f"{what}: {len(got)} verdicts out for {len(expected)} descriptors in"
    bad = np.flatnonzero(np.asarray(got, np.uint8) != expected)
    if len(bad):
        i = int(bad[0])
        raise AssertionError(
            f"{what}: {len(bad)} of {len(expected)} verdicts differ from software; first at descriptor {i}: "
            f"{descriptors[i].tobytes().hex()} hardware {got[i]:#04x} ({describe_verdict(got[i])}) "
            f"software {int(expected[i]):#04x} ({describe_verdict(int(expected[i]))})"
        )


@cocotb.test()
async def golden_vectors(dut: Any) -> None:
    """The hand-written golden vectors: hardware == file == software."""
    descriptors, expected = golden_arrays()
    assert (software_verdicts(descriptors) == expected).all(), "software disagrees with the golden file"
    padded = pad_to_lanes(descriptors)
    await start(dut)
    t = await stream(dut, group_payloads(padded), rng=random.Random(SEED))
    compare(t.verdicts[: len(expected)], descriptors, expected, "golden vectors")


@cocotb.test()
async def random_with_backpressure(dut: Any) -> None:
    """TB_COUNT random and corrupted descriptors, 30% idle in, 30% stall out, against software."""
    data, _ = generate(COUNT, SEED, HARD_MIX)
    data = pad_to_lanes(data)
    expected = software_verdicts(data)
    await start(dut)
    t = await stream(dut, group_payloads(data), idle=0.3, stall=0.3, rng=random.Random(SEED))
    compare(t.verdicts, data, expected, f"{len(data)} random/corrupted descriptors")
    dut._log.info("%d descriptors in %d cycles (lanes=%d, 30%% idle, 30%% stall)", len(data), t.cycles, LANES)


@cocotb.test()
async def full_throughput_and_constant_latency(dut: Any) -> None:
    """No stalls: one transfer per cycle, and every verdict exactly PIPELINE cycles after its input."""
    data, kinds = generate(4096 * LANES, SEED + 1, HARD_MIX)
    expected = software_verdicts(data)
    await start(dut)
    payloads = group_payloads(data)
    t = await stream(dut, payloads, rng=random.Random(SEED))
    compare(t.verdicts, data, expected, "full-throughput run")
    assert t.cycles == len(payloads) + PIPELINE, f"{len(payloads)} transfers took {t.cycles} cycles"
    latencies = {o - a for a, o in zip(t.accept_cycle, t.output_cycle, strict=True)}
    assert latencies == {PIPELINE}, f"latency varies with the data: {sorted(latencies)} cycles"
    # The same with idle gaps on the input: latency still does not depend on data or spacing.
    t = await stream(dut, payloads, idle=0.5, rng=random.Random(SEED + 2))
    latencies = {o - a for a, o in zip(t.accept_cycle, t.output_cycle, strict=True)}
    assert latencies == {PIPELINE}, f"latency with idle input: {sorted(latencies)} cycles"
    dut._log.info("latency %d cycles for all %d transfers (kinds: %s)", PIPELINE, len(payloads), np.bincount(kinds))


@cocotb.test()
async def reset_in_the_middle_of_traffic(dut: Any) -> None:
    """Reset with descriptors in flight: nothing stale comes out afterwards, and traffic resumes correctly."""
    rng = random.Random(SEED + 3)
    first, _ = generate(200 * LANES, SEED + 3, HARD_MIX)
    second, _ = generate(300 * LANES, SEED + 4, HARD_MIX)
    await start(dut)
    for cut in (17, 100, 150):
        # Stop the loop with descriptors in the pipeline (stall ~50% so the pipeline is full), then reset.
        t = await stream(dut, group_payloads(first), idle=0.1, stall=0.5, rng=rng, reset_after_accepts=cut)
        assert len(t.accept_cycle) == cut
        dut.rst.value = 1
        dut.i__valid.value = 0
        dut.o__ready.value = 1
        await RisingEdge(dut.clk)
        dut.rst.value = 0
        await ReadOnly()
        assert not dut.o__valid.value, "o__valid is high right after reset: a stale verdict survived"
        # Nothing comes out while nothing goes in.
        for _ in range(PIPELINE + 4):
            await RisingEdge(dut.clk)
            await ReadOnly()
            assert not dut.o__valid.value, "a verdict came out after reset with no input"
        t = await stream(dut, group_payloads(second), idle=0.2, stall=0.2, rng=rng)
        compare(t.verdicts, second, software_verdicts(second), f"traffic after a reset at transfer {cut}")


@cocotb.test(skip=not CORPUS)
async def external_corpus(dut: Any) -> None:
    """TCPHW_CORPUS=path.tcpd: every descriptor of a user's corpus, against software."""
    data = np.asarray(load_corpus(Path(CORPUS)))
    padded = pad_to_lanes(data)
    expected = software_verdicts(padded)
    await start(dut)
    t = await stream(dut, group_payloads(padded), idle=0.1, stall=0.1, rng=random.Random(SEED))
    compare(t.verdicts, padded, expected, f"corpus {CORPUS}")
    dut._log.info("corpus %s: %d descriptors agree with software", CORPUS, len(data))

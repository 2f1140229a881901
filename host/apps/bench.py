"""Throughput benchmark across backends: interleaved repetitions, medians, CIs, agreement."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tcphw.contract import DESCRIPTOR_SIZE, FRAME_OVERHEAD, UART_FRAME_BITS
from tcphw.host.apps.environment import environment
from tcphw.host.backends import Backend, backend_class, open_backend, parse_backend_spec
from tcphw.host.backends.base import Descriptors
from tcphw.host.backends.software import run_in_slices
from tcphw.stats import ratio_ci, summarize

ProgressHook = Callable[[int], None]


@dataclass
class BenchPlan:
    backends: Sequence[str]  # specs, e.g. "software", "software:threads=1", "naive"
    repeat: int = 7
    warmup: int = 1
    slow_count: int = 200_000  # slow backends (reference, naive) are timed on this prefix
    seed: int = 0


@dataclass
class BackendRun:
    spec: str
    backend: Backend
    count: int
    seconds: list[float] = field(default_factory=list)
    verdicts: np.ndarray | None = None
    breakdowns: list[dict[str, float]] = field(default_factory=list)  # each timed call's last_breakdown (gpu)
    links: list[dict[str, Any]] = field(default_factory=list)  # each timed call's last_counters (board)
    threads: int = 1  # host threads it validates on
    on_cpu: bool = False  # needs no resource but the host's CPUs: the memory bounds it (its share is reported)
    bound: bool = False  # the streaming bound itself, not a validator


STREAM = "streaming bound"


def _on_cpu(spec: str) -> tuple[bool, int]:
    """Whether the backend ``spec`` names runs on the host's CPUs alone (it needs no resource: the machine's memory
    bounds its speed), and on how many threads."""
    name, options = parse_backend_spec(spec)
    declared = backend_class(name)
    return not declared.resources(options), declared.host_threads(options)


def streaming_threads(specs: Sequence[str]) -> list[int]:
    """The thread counts a bench of ``specs`` times the streaming bound on: none without a CPU backend, else one
    thread, and as many as the most threaded CPU backend uses (its share is of that bound)."""
    cpu = [threads for on_cpu, threads in map(_on_cpu, specs) if on_cpu]
    return sorted({1, max(cpu)}) if cpu else []


class _StreamBound(Backend):
    """Not a validator: the loop that reads each descriptor and writes one byte (``kernel.stream``), on one
    thread or on ``threads`` threads over contiguous slices as the software backend splits its work. Timed
    with the backends, in the same rounds, so each CPU backend's share of it is measured."""

    def __init__(self, threads: int = 1) -> None:
        # load-time: numba, only when the streaming bound is timed (the experiment report takes format_rate from here)
        from tcphw.descriptors import kernel

        self.threads = threads
        self.name = STREAM if threads == 1 else f"{STREAM}:threads={threads}"
        self._kernel = kernel
        self._pool = ThreadPoolExecutor(threads) if threads > 1 else None

    def _validate(self, descriptors: Descriptors) -> np.ndarray:
        if self._pool is None:
            return self._kernel.stream(descriptors)
        out = np.empty(len(descriptors), dtype=np.uint8)  # one array that the threads share, as in software
        run_in_slices(self._pool, self._kernel.stream_runner(descriptors), out, self.threads)
        return out

    def info(self) -> dict[str, Any]:
        threads = "one thread" if self.threads == 1 else f"{self.threads} threads"
        return {"name": self.name, "description": f"numba loop, {threads}: read 24 bytes, write 1, per descriptor"}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _timed(backend: Backend, data: Descriptors) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    out = backend.validate(data)
    return time.perf_counter() - start, out


def run_bench(corpus: Descriptors, plan: BenchPlan, progress: ProgressHook | None = None) -> dict[str, Any]:
    """Time every backend on the same corpus and return the result document (see ``tcphw bench --json``).

    Repetitions are interleaved (rep 1 of every backend, then rep 2, ...) so slow drift of a shared
    machine affects all backends alike; the order within a round rotates for the same reason.
    """
    if plan.repeat < 1:
        raise ValueError("repeat must be >= 1")
    env_start = environment()
    runs: list[BackendRun] = []
    try:
        for spec in plan.backends:
            b = open_backend(spec)
            prefix = b.bench_count if b.bench_count is not None else plan.slow_count
            n = min(len(corpus), prefix) if b.slow else len(corpus)
            on_cpu, threads = _on_cpu(spec)
            runs.append(BackendRun(spec, b, n, threads=threads, on_cpu=on_cpu))
        for threads in streaming_threads(plan.backends):
            bound = _StreamBound(threads)
            runs.append(BackendRun(bound.name, bound, len(corpus), threads=threads, bound=True))
        for run in runs:
            for _ in range(plan.warmup):  # compile (numba), fill caches, open links; discarded
                run.verdicts = run.backend.validate(corpus[: run.count])
                if progress:
                    progress(1)
        for rep in range(plan.repeat):
            k = rep % len(runs)
            for run in runs[k:] + runs[:k]:
                seconds, out = _timed(run.backend, corpus[: run.count])
                run.seconds.append(seconds)
                if run.backend.last_breakdown:
                    run.breakdowns.append(dict(run.backend.last_breakdown))
                if run.backend.last_counters:
                    run.links.append(dict(run.backend.last_counters))
                if run.verdicts is None:
                    run.verdicts = out
                elif not np.array_equal(out, run.verdicts):
                    raise RuntimeError(
                        f"backend {run.spec} gave different verdicts on repeated runs of the same corpus"
                    )
                if progress:
                    progress(1)
        return _report(corpus, plan, runs, env_start)
    finally:
        for run in runs:
            run.backend.close()


def _streaming(plan: BenchPlan, runs: list[BackendRun]) -> dict[str, Any] | None:
    """The one-thread streaming bound and each CPU backend's share of it (ratio of medians, bootstrap CI);
    where a backend runs several threads, also the bound on that many threads, the backend's share of it, and
    how the streaming loop scales (several threads' bound over one thread's): the ceiling on any kernel's
    thread scaling once it is near the bound."""
    bounds = {r.threads: r for r in runs if r.bound}
    if 1 not in bounds:
        return None

    def rates(run: BackendRun) -> list[float]:
        return [run.count / s for s in run.seconds]

    def share(run: BackendRun, bound: BackendRun) -> dict[str, Any]:
        ratio, lo, hi = ratio_ci(rates(run), rates(bound), seed=plan.seed)
        return {"backend": run.spec, "fraction": ratio, "ci95": [lo, hi]}

    cpu = [r for r in runs if r.on_cpu]
    st = summarize(rates(bounds[1]), seed=plan.seed)
    doc: dict[str, Any] = {
        "throughput_dps": st["median"],
        "ci95": [st["ci95_low"], st["ci95_high"]],
        "shares": [share(r, bounds[1]) for r in cpu],
    }
    several = [t for t in bounds if t > 1]
    if several:
        threads = several[0]
        wide = summarize(rates(bounds[threads]), seed=plan.seed)
        scaling, lo, hi = ratio_ci(rates(bounds[threads]), rates(bounds[1]), seed=plan.seed)
        doc["threads"] = {
            "threads": threads,
            "throughput_dps": wide["median"],
            "ci95": [wide["ci95_low"], wide["ci95_high"]],
            "scaling": {"ratio": scaling, "ci95": [lo, hi]},
            "shares": [share(r, bounds[threads]) for r in cpu if r.threads == threads],
        }
    return doc


def _report(corpus: Descriptors, plan: BenchPlan, runs: list[BackendRun], env_start: dict[str, Any]) -> dict[str, Any]:
    streaming = _streaming(plan, runs)
    runs = [r for r in runs if not r.bound]  # not a validator: no ratio, no agreement
    results = []
    for run in runs:
        dps = [run.count / s for s in run.seconds]
        st = summarize(dps, seed=plan.seed)
        results.append(
            {
                "backend": run.spec,
                "info": run.backend.info(),
                "count": run.count,
                "repeat": len(run.seconds),
                "throughput_dps": st["median"],
                "ci95": [st["ci95_low"], st["ci95_high"]],
                "mean_dps": st["mean"],
                "stddev_dps": st["stddev"],
                "cv": st["cv"],
                "seconds": run.seconds,
            }
        )
        if run.breakdowns:
            results[-1]["breakdown"] = _breakdown(run)
        if run.links:
            results[-1]["board"] = board_figures(run.links, run.backend.info())
    primary = runs[0]
    ratios = []
    for run in runs[1:]:
        a = [primary.count / s for s in primary.seconds]
        b = [run.count / s for s in run.seconds]
        ratio, lo, hi = ratio_ci(a, b, seed=plan.seed)
        ratios.append({"numerator": primary.spec, "denominator": run.spec, "ratio": ratio, "ci95": [lo, hi]})
    # Agreement against the backend that timed the most descriptors (the first such), not the first backend:
    # with a board first (5,000 descriptors) every pair was checked on 5,000 only. Each pair is compared on
    # every descriptor both ran.
    reference = max(runs, key=lambda r: r.count)
    mismatches: list[dict[str, Any]] = []
    total = 0
    for run in runs:
        if run is reference:
            continue
        assert run.verdicts is not None and reference.verdicts is not None
        n = min(run.count, reference.count)
        diff = np.nonzero(run.verdicts[:n] != reference.verdicts[:n])[0]
        mismatches.append(
            {
                "backend": run.spec,
                "against": reference.spec,
                "compared": int(n),
                "mismatches": int(diff.size),
                "first_mismatch_index": int(diff[0]) if diff.size else None,
            }
        )
        total += int(diff.size)
    env = environment()
    env["loadavg_start"] = env_start["loadavg"]
    return {
        "corpus_count": len(corpus),
        "plan": {"repeat": plan.repeat, "warmup": plan.warmup, "slow_count": plan.slow_count, "seed": plan.seed},
        "results": results,
        "ratios": ratios,
        **({"streaming_bound": streaming} if streaming else {}),
        "agreement": {"mismatches": total, "reference": reference.spec, "pairs": mismatches},
        "environment": env,
    }


def _breakdown(run: BackendRun) -> dict[str, Any]:
    """Median transfer and kernel times; kernel throughput as a fraction of the device's memory bandwidth."""
    med = {k: float(np.median([b[k] for b in run.breakdowns])) for k in run.breakdowns[0]}
    out: dict[str, Any] = {f"{k}_median": v for k, v in med.items()}
    kernel_s = med.get("kernel_s", 0.0)
    if kernel_s > 0:
        out["kernel_throughput_dps"] = run.count / kernel_s
        # every descriptor is read once (24 bytes) and its verdict written once (1 byte)
        out["kernel_bytes_per_s"] = run.count * (DESCRIPTOR_SIZE + 1) / kernel_s
        peak = run.backend.peak_bandwidth_bytes_s()
        if peak:
            out["device_peak_bytes_per_s"] = peak
            out["fraction_of_device_bandwidth"] = out["kernel_bytes_per_s"] / peak
    return out


def wire_limit_dps(baud: float, batch: int) -> float:
    """Descriptors per second a UART at ``baud`` can carry to the board in full batches (8N1)."""
    return baud / UART_FRAME_BITS / (DESCRIPTOR_SIZE + FRAME_OVERHEAD / batch)


def board_figures(links: list[dict[str, Any]], info: dict[str, Any]) -> dict[str, Any]:
    """The board's figures from its own counters, summed over the timed runs.

    Fabric: descriptors per busy cycle at the real board's clock (a virtual board simulates
    the same lanes and pipeline, so this is the real board's). Link: the wire limit at the
    real board's baud. For a virtual board the simulated figures are labelled as simulation,
    and its link efficiency projects the real board's rate.
    """
    hello, real = info["hello"], info["real_board"]
    n = sum(x["descriptors"] for x in links)
    busy = sum(x["busy_cycles"] for x in links)
    cycles = sum(x["cycles"] for x in links)
    seconds = sum(x["seconds"] for x in links)
    real_limit = wire_limit_dps(real["baud"], hello["capacity"])
    doc: dict[str, Any] = {
        "virtual": info["virtual"],
        "descriptors": n,
        "resends": sum(x["resends"] for x in links),
        "fabric_dps": n / busy * real["clock_hz"] if busy else None,
        "fabric_busy_fraction": busy / cycles if cycles else None,
        "link_bound_dps": real_limit,
        "real_baud": real["baud"],
        "real_clock_hz": real["clock_hz"],
        "round_trip": round_trip_figures([t for x in links for t in x.get("round_trips", [])]),
    }
    if info["virtual"]:
        sim_s = cycles / hello["clock_hz"]
        sim_dps = n / sim_s if sim_s else 0.0
        efficiency = sim_dps / wire_limit_dps(hello["baud"], hello["capacity"])
        doc["simulation"] = {
            "simulated_seconds": sim_s,
            "clock_hz": hello["clock_hz"],
            "simulated_dps": sim_dps,
            "uart_baud": hello["baud"],
            "link_efficiency": efficiency,
            "projected_real_board_dps": efficiency * real_limit,
            "wall_seconds": seconds,
            # The simulator's own speed: the board's cycle counter over the wall time of the same calls.
            "model_cycles_per_s": cycles / seconds if seconds else None,
            "cycles_per_descriptor": cycles / n if n else None,
        }
    else:
        doc["link_efficiency"] = (n / seconds) / real_limit if seconds else None
    return doc


def round_trip_figures(trips: list[tuple[int, float]]) -> dict[str, Any] | None:
    """Latency of a batch, send to answer, over the clean round trips of the batch size most
    sent (on a clean link: the board's capacity); wall-clock time, on a virtual board the
    simulator's."""
    if not trips:
        return None
    sizes = Counter(count for count, _ in trips)
    size = max(sizes, key=lambda n: (sizes[n], n))
    seconds = np.array([s for count, s in trips if count == size])
    return {
        "batch": size,
        "samples": len(seconds),
        "mean_s": float(seconds.mean()),
        "stddev_s": float(seconds.std(ddof=1)) if len(seconds) > 1 else 0.0,
        "median_s": float(np.median(seconds)),
        "worst_s": float(seconds.max()),
    }


def format_rate(dps: float) -> str:
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if dps >= scale:
            return f"{dps / scale:.2f} {unit}/s"
    return f"{dps:.0f} /s"


def threads_note(result: dict[str, Any]) -> str:
    """How many threads a backend ran on, where its spec does not say (``software`` alone: every usable core)."""
    threads = (result.get("info") or {}).get("threads")
    if not threads or "threads=" in result["backend"]:
        return ""
    return f" ({threads} thread{'s' if threads != 1 else ''})"


def format_report(doc: dict[str, Any]) -> str:
    lines = [f"{'backend':<28} {'descriptors':>12} {'median':>12} {'95% CI':>25} {'CV':>6}"]
    for r in doc["results"]:
        if r.get("repeat", 2) < 2:  # one timing has no spread: never print a zero-width interval
            ci, cv = "none (1 repetition)", "-"
        else:
            ci, cv = f"{format_rate(r['ci95'][0])} .. {format_rate(r['ci95'][1])}", f"{r['cv']:.1%}"
        name = r["backend"] + threads_note(r)
        lines.append(f"{name:<28} {r['count']:>12,} {format_rate(r['throughput_dps']):>12} {ci:>25} {cv:>6}")
    for r in doc["results"]:
        bd = r.get("breakdown")
        if bd and "kernel_throughput_dps" in bd:
            frac = bd.get("fraction_of_device_bandwidth")
            ms = {k: bd[f"{k}_s_median"] * 1e3 for k in ("h2d", "kernel", "d2h")}
            line = (
                f"{r['backend']}: host->device {ms['h2d']:.2f} ms, kernel {ms['kernel']:.2f} ms, "
                f"device->host {ms['d2h']:.2f} ms; kernel alone {format_rate(bd['kernel_throughput_dps'])} "
                f"= {bd['kernel_bytes_per_s'] / 1e9:.1f} GB/s"
            )
            if frac:
                line += f" ({frac:.0%} of the device's {bd['device_peak_bytes_per_s'] / 1e9:.0f} GB/s)"
            lines.append(line)
    for r in doc["results"]:
        b = r.get("board")
        if not b:
            continue
        fabric = format_rate(b["fabric_dps"]) if b["fabric_dps"] else "n/a"
        busy = b["fabric_busy_fraction"] or 0.0
        lines.append(
            f"{r['backend']}: fabric {fabric} at {b['real_clock_hz'] / 1e6:g} MHz (validator busy {busy:.2%} of "
            f"cycles); a real board's link bound: {format_rate(b['link_bound_dps'])} at its USB UART's "
            f"{b['real_baud']:,} baud"
        )
        trip = b.get("round_trip")
        if trip:
            clock = "the simulator's wall clock" if b["virtual"] else "wall clock"
            lines.append(
                f"{r['backend']}: round trip of a {trip['batch']}-descriptor batch "
                f"({clock}, {trip['samples']} batches): "
                f"mean {trip['mean_s'] * 1e3:.2f} ms, stddev {trip['stddev_s'] * 1e3:.2f} ms, "
                f"worst {trip['worst_s'] * 1e3:.2f} ms"
            )
        if b["virtual"]:
            sim = b["simulation"]
            lines.append(
                f"{r['backend']}: SIMULATION: {format_rate(sim['simulated_dps'])} in simulated time through the "
                f"virtual UART ({sim['uart_baud']:,} baud, faster than a real board's to simulate fewer cycles), "
                f"link efficiency {sim['link_efficiency']:.1%}; PROJECTED real board at "
                f"{b['real_baud']:,} baud: {format_rate(sim['projected_real_board_dps'])} "
                "(the wall-clock rate above is the simulator's speed, not a board's)"
            )
            if sim.get("model_cycles_per_s") and sim.get("cycles_per_descriptor"):
                lines.append(
                    f"{r['backend']}: the Verilator model ran {sim['model_cycles_per_s'] / 1e6:.2f} M cycles per "
                    f"wall-clock second ({sim['cycles_per_descriptor']:,.0f} simulated cycles a descriptor)"
                )
        else:
            lines.append(f"{r['backend']}: link efficiency {b['link_efficiency']:.1%} of the wire limit")
    virtual = {r["backend"] for r in doc["results"] if (r.get("board") or {}).get("virtual")}
    for q in doc["ratios"]:
        caveat = (
            " (a virtual board: this compares the simulator's speed with software, not a board's)"
            if virtual & {q["numerator"], q["denominator"]}
            else ""
        )
        lines.append(
            f"ratio {q['numerator']} / {q['denominator']}: {q['ratio']:.3g}x "
            f"(95% CI {q['ci95'][0]:.3g}..{q['ci95'][1]:.3g}){caveat}"
        )
    stream = doc.get("streaming_bound")
    if stream:
        lines.append(
            f"streaming bound (one thread reads 24 bytes and writes 1 per descriptor): "
            f"{format_rate(stream['throughput_dps'])} ({format_rate(stream['ci95'][0])} .. "
            f"{format_rate(stream['ci95'][1])})"
        )
        for share in stream["shares"]:
            lines.append(
                f"{share['backend']}: {share['fraction']:.1%} of the streaming bound "
                f"(95% CI {share['ci95'][0]:.1%}..{share['ci95'][1]:.1%})"
            )
        several = stream.get("threads")
        if several:
            scaling = several["scaling"]
            lines.append(
                f"streaming bound on {several['threads']} threads: {format_rate(several['throughput_dps'])} "
                f"({format_rate(several['ci95'][0])} .. {format_rate(several['ci95'][1])}), "
                f"{scaling['ratio']:.2f}x one thread's (95% CI {scaling['ci95'][0]:.2f}..{scaling['ci95'][1]:.2f}): "
                "the streaming loop's own scaling"
            )
            for share in several["shares"]:
                lines.append(
                    f"{share['backend']}: {share['fraction']:.1%} of the {several['threads']}-thread streaming bound "
                    f"(95% CI {share['ci95'][0]:.1%}..{share['ci95'][1]:.1%})"
                )
    agree = doc["agreement"]
    total = doc["corpus_count"]
    checked = ", ".join(
        f"{p['backend']} vs {p['against']} on {'all ' if p['compared'] == total else 'the first '}{p['compared']:,}"
        for p in agree["pairs"]
    )
    lines.append(f"agreement: {agree['mismatches']} mismatching verdicts ({checked or 'one backend only'})")
    env = doc["environment"]
    lines.append(
        f"machine: {env['cpu_model']}, {env['cores_usable']} usable cores, Python {env['python']}, "
        f"numba {env['numba']}, load {env['loadavg_start'][0]:.2f} -> {env['loadavg'][0]:.2f}"
        if env.get("loadavg")
        else f"machine: {env['cpu_model']}"
    )
    return "\n".join(lines)

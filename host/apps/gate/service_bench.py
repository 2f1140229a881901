"""``tcphw gate bench``: how fast the gate decides, in one process and as a service under load.

- **In process** (``in_process``): the agent families' lines (what agents run all day) through ``Gate`` on one
  core: the median single check, parse to decision, and the batch mode's lines per second (``check_many`` in
  batches of 512, as ``gate check --jsonl`` does), with each stage's share.
- **Under load** (``under_load``): a ``tcphw gate serve`` the bench starts itself on a private socket and log,
  and N concurrent clients (``load``) for each N asked: decisions per second (median of rounds, bootstrap
  CI), latency percentiles, the service's time per stage from its ``/stats``, and how many decisions each tick
  validated together. Every answer is checked against the in-process decision, and the audit log's rows
  against the answers.

The lines are judged against the stored registry snapshot (``snapshot``), written into a registry file for the
service, so the figures are the same on every machine (or against a real registry, ``--db``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import numpy as np

from tcphw.host.apps.environment import environment
from tcphw.host.apps.gate import hook_bench, snapshot
from tcphw.host.apps.gate.codesign import codesign, format_codesign, software_rate
from tcphw.host.apps.gate.corpus import load
from tcphw.host.apps.gate.load import Round, encode_requests, run_level
from tcphw.host.backends import BackendError, open_backend, split_backend_spec
from tcphw.host.backends.gpu import gpu_available
from tcphw.host.gate import audit, client, shell
from tcphw.host.gate.gate import Request, normal_path, open_gate
from tcphw.host.gate.stages import StageClock, instrument, per_decision
from tcphw.stats import bootstrap_ci

AGENT_PREFIX = "agent-"
BATCH = 512  # the batch mode's size: what gate check --jsonl hands check_many at most
DEFAULT_CLIENTS = (1, 4, 16, 64, 256)
GOAL_DPS, GOAL_P99_MS, GOAL_CLIENTS = 5000.0, 20.0, 64  # issue 31: on software, on this 2-core machine
SINGLE_GOAL_MS, BATCH_GOAL_LPS = 1.0, 5000.0  # issue 30

Progress = Callable[[str], None]


# -- the lines and the registry ---------------------------------------------------------------------------


def agent_lines(count: int | None = None) -> list[dict[str, Any]]:
    """The agent families' lines as check requests; ``count`` of them spread evenly over the families, if given."""
    out = []
    for line in load():
        if not line.family.startswith(AGENT_PREFIX):
            continue
        request: dict[str, Any] = {"command": line.command, "cwd": line.cwd}
        if line.workspace is not None:
            request["workspace"] = line.workspace
        if line.env:
            request["env"] = dict(line.env)
        out.append(request)
    if count is not None and count < len(out):
        step = len(out) / count
        out = [out[int(k * step)] for k in range(count)]
    return out


def _gate(db: Path, backend: str) -> Any:
    return open_gate(db, backend)


def _requests(lines: Sequence[dict[str, Any]]) -> list[Any]:
    return [Request(x["command"], x["cwd"], x.get("workspace"), x.get("env")) for x in lines]


def expected_decisions(db: Path, lines: Sequence[dict[str, Any]]) -> list[str]:
    """What the gate decides on each line in process (the reference backend): what every answer must say."""
    gate = _gate(db, "reference")
    return [c.decision.name for c in gate.check_many(_requests(lines))]


# -- in process ------------------------------------------------------------------------------------------


@contextmanager
def one_core() -> Iterator[int | None]:
    """This process on one CPU for the block (the figures are "on one core"); the CPU, or None if it cannot."""
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    before = os.sched_getaffinity(0)
    cpu = max(before)
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        yield None
        return
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, before)


def _summary(samples: Sequence[float], scale: float = 1.0) -> dict[str, Any]:
    x = np.asarray(samples, dtype=float) * scale
    lo, hi = bootstrap_ci(x)
    return {"median": float(np.median(x)), "ci95": [lo, hi], "n": int(x.size)}


def in_process(db: Path, backend: str, lines: Sequence[dict[str, Any]], repeat: int = 5) -> dict[str, Any]:
    """The single check and the batch mode on one core, and each stage's time per line (see module doc)."""

    requests = _requests(lines)
    with one_core() as cpu:
        gate = _gate(db, backend)
        gate.check_many(requests)  # warm: the backend compiled, every registry row cached
        # wall time, and this thread's CPU time: on a machine shared with other work, a time slice taken by
        # another process counts in the first and not in the second
        single: list[float] = []
        single_cpu: list[float] = []
        for _ in range(repeat):
            for r in requests:
                start, cpu_start = time.perf_counter(), time.thread_time()
                gate.check_many([r])
                single.append(time.perf_counter() - start)
                single_cpu.append(time.thread_time() - cpu_start)
        rates: list[float] = []
        cpu_rates: list[float] = []
        clock = StageClock()
        instrument(gate, clock)
        before = clock.snapshot()
        for _ in range(repeat):
            start, cpu_start = time.perf_counter(), time.thread_time()
            for k in range(0, len(requests), BATCH):
                with clock.timing("check"):
                    gate.check_many(requests[k : k + BATCH])
            rates.append(len(requests) / (time.perf_counter() - start))
            cpu_rates.append(len(requests) / (time.thread_time() - cpu_start))
        stages = per_decision(before, clock.snapshot(), len(requests) * repeat)
        # the parse alone, as the engine calls it, to split "parse+rules" (instrumenting the gate's engine
        # would mean changing it; the parse is a pure function of the line, so timing it apart is the same)
        parse, parse_cpu = 0.0, 0.0
        for _ in range(repeat):
            for r in requests:
                home = (r.env or {}).get("HOME", gate.home)
                start, cpu_start = time.perf_counter(), time.thread_time()
                with suppress(shell.ShellSyntaxError, shell.Unreadable):
                    shell.parse(r.command, env=r.env, cwd=normal_path(r.cwd), home=home)
                parse += time.perf_counter() - start
                parse_cpu += time.thread_time() - cpu_start
        n = len(requests) * repeat
        parsed = {"wall_us": parse / n * 1e6, "cpu_us": parse_cpu / n * 1e6}
        both = stages.pop("parse+rules")
        rules = {k: both[k] - parsed[k] for k in parsed}
        stages = {"parse": parsed, "rules": rules, **{k: v for k, v in stages.items() if k not in ("log", "encode")}}
        close = getattr(getattr(gate.validator, "backend", None), "close", None)
        if close is not None:
            close()
    return {
        "backend": backend,
        "lines": len(requests),
        "repeat": repeat,
        "cpu": cpu,
        "single_ms": _summary(single, 1e3),
        "single_p99_ms": float(np.quantile(np.asarray(single) * 1e3, 0.99)),
        "single_mean_ms": float(np.mean(single) * 1e3),
        "single_cpu_ms": _summary(single_cpu, 1e3),
        "batch_lines_per_s": _summary(rates),
        "batch_lines_per_cpu_s": _summary(cpu_rates),
        "stages_us": stages,
    }


# -- the service under load ------------------------------------------------------------------------------


class ServiceProcess:
    """``tcphw gate serve`` as a child process on a private socket (or loopback port) and audit log."""

    def __init__(self, backend: str, db: Path, folder: Path, tcp: bool = False, sync: str = "full") -> None:
        self.backend = backend
        self.log = folder / f"audit-{backend.replace(':', '_').replace(',', '_')}.sqlite"
        self.stderr_path = folder / f"serve-{backend.replace(':', '_').replace(',', '_')}.err"
        self.socket = folder / "gate.sock"
        cmd = [sys.executable, "-m", "tcphw", "gate", "serve", "--backend", backend, "--db", str(db),
               "--log", str(self.log), "--log-sync", sync]  # fmt: skip
        cmd += ["--port", "0"] if tcp else ["--socket", str(self.socket)]
        self._stderr = open(self.stderr_path, "w+b")  # noqa: SIM115  # closed in stop()
        self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._stderr)
        self.address = ""

    def wait_ready(self, timeout: float = 180.0) -> str:
        """The address, once the service has said where it listens and answers /health."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gate serve --backend {self.backend} exited: {self.stderr().strip()}")
            for line in self.stderr().splitlines():
                if line.startswith("tcphw gate serve: ") and " (backend " in line:
                    self.address = line.removeprefix("tcphw gate serve: ").split(" (backend ", 1)[0]
            if self.address:
                try:
                    client.health(self.address, timeout=2.0)
                    return self.address
                except client.ServiceUnavailable:
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"gate serve --backend {self.backend} did not start in {timeout:.0f} s")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._stderr.close()
        return int(self.process.returncode)


def _percentile(x: np.ndarray, q: float) -> float:
    return float(np.quantile(x, q)) if x.size else float("nan")


def _summed(rounds: Sequence[Round]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Two /stats documents whose difference is the sum of each round's own difference."""

    def zero(x: Any) -> Any:
        return {k: zero(v) for k, v in x.items()} if isinstance(x, dict) else 0

    def add(total: Any, after: Any, before: Any) -> Any:
        if isinstance(total, dict):
            return {k: add(total[k], after[k], before[k]) for k in total}
        return total + after - before

    keys = ("decisions", "ticks", "process_cpu_s", "stages")
    before = {k: zero(rounds[0].stats_before[k]) for k in keys}
    after = before
    for r in rounds:
        after = {k: add(after[k], r.stats_after[k], r.stats_before[k]) for k in keys}
    return before, after


def summarise_level(rounds: Sequence[Round]) -> dict[str, Any]:
    """One client count's figures from its measured rounds."""
    measured = [r for r in rounds if r.measured]
    rates = [r.answered / r.seconds for r in measured if r.seconds > 0]
    latencies = np.asarray([x for r in measured for x in r.latencies], dtype=float) * 1e3
    answered = sum(r.answered for r in measured)
    first, last = _summed(measured)  # the rounds of one level need not be back to back
    decided = last["decisions"] - first["decisions"]
    ticks = last["ticks"] - first["ticks"]
    wall = sum(r.seconds for r in measured)
    stages = per_decision(first["stages"], last["stages"], decided)
    server_cpu = last["process_cpu_s"] - first["process_cpu_s"]
    tick_cpu = sum(v["cpu_us"] for v in stages.values()) * decided / 1e6
    descriptors = last["stages"]["validate"]["descriptors"] - first["stages"]["validate"]["descriptors"]
    lo, hi = bootstrap_ci(rates) if rates else (float("nan"), float("nan"))
    p50_lo, p50_hi = bootstrap_ci(latencies) if latencies.size else (float("nan"), float("nan"))
    return {
        "clients": measured[0].clients,
        "rounds": len(measured),
        "answered": answered,
        "errors": sum(r.errors for r in measured),
        "wrong": sum(r.wrong for r in measured),
        "first_error": next((r.first_error for r in measured if r.first_error), None),
        "seconds": wall,
        "throughput_dps": float(np.median(rates)) if rates else 0.0,
        "ci95": [lo, hi],
        "latency_ms": {
            "p50": _percentile(latencies, 0.5),
            "p50_ci95": [p50_lo, p50_hi],
            "p99": _percentile(latencies, 0.99),
            "p99.9": _percentile(latencies, 0.999),
            "max": float(latencies.max()) if latencies.size else float("nan"),
        },
        "decisions_per_tick": decided / ticks if ticks else 0.0,
        "descriptors_per_decision": descriptors / decided if decided else 0.0,
        "stages_us": stages,
        # the service's CPU outside the tick thread's stages: HTTP, JSON in, asyncio, the queue
        "http_us": (server_cpu - tick_cpu) / decided * 1e6 if decided else 0.0,
        "server_cpu_us": server_cpu / decided * 1e6 if decided else 0.0,
        "server_cores": server_cpu / wall if wall else 0.0,
        "client_cpu_us": sum(r.client_cpu_s for r in measured) / answered * 1e6 if answered else 0.0,
    }


def under_load(
    backends: Sequence[str],
    db: Path,
    lines: Sequence[dict[str, Any]],
    expected: list[str],
    clients: Sequence[int],
    rounds: int,
    per_round: int,
    seconds: float,
    tcp: bool = False,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """A service on each backend under each client count; each audit log checked against the answers at the end.

    The services run side by side (an idle one costs nothing, a virtual board's simulator included) and every
    round visits every backend and every client count in turn, the backends' order rotating from round to
    round: on a machine shared with other work, load that comes and goes falls on them all alike instead of
    on whichever ran last."""
    requests = encode_requests(lines)
    with tempfile.TemporaryDirectory(prefix="tcphw-gate-bench-") as tmp:
        services: dict[str, ServiceProcess] = {}
        start_s: dict[str, float] = {}
        health: dict[str, dict[str, Any]] = {}
        codes: dict[str, int] = {}
        by: dict[str, dict[int, list[Round]]] = {spec: {n: [] for n in clients} for spec in backends}
        try:
            for k, spec in enumerate(backends):  # one after another: each start is timed on its own
                folder = Path(tmp) / f"service-{k}"
                folder.mkdir()
                started = time.perf_counter()
                services[spec] = ServiceProcess(spec, db, folder, tcp)
                services[spec].wait_ready()
                start_s[spec] = time.perf_counter() - started
                health[spec] = client.health(services[spec].address)
            for k in range(rounds):
                order = list(backends[k % len(backends) :]) + list(backends[: k % len(backends)])
                for spec in order:
                    for n in clients:
                        if progress:
                            progress(f"{spec}: {n} client{'s' if n != 1 else ''}, round {k + 1} of {rounds}")
                        warmup = max(2 * n, min(200, per_round)) if k == 0 else 2 * n
                        address = services[spec].address
                        by[spec][n] += run_level(address, requests, expected, n, 1, per_round, seconds, warmup)
        finally:
            for spec, service in services.items():
                codes[spec] = service.stop()
        out = []
        for spec in backends:
            log = services[spec].log
            logged = audit.count(log) if log.exists() else 0
            answered = sum(r.answered for runs in by[spec].values() for r in runs)
            out.append(
                {
                    "backend": spec,
                    "validator": health[spec].get("backend"),
                    "transport": "tcp loopback" if tcp else "unix socket",
                    "log_sync": health[spec].get("log_sync"),
                    "start_s": start_s[spec],
                    "levels": [summarise_level(by[spec][n]) for n in clients],
                    "answered_total": answered,
                    "logged_total": logged,
                    "every_answer_logged": logged == answered,
                    "exit_code": codes[spec],
                }
            )
        return out


# -- the whole bench -------------------------------------------------------------------------------------


def probe(spec: str) -> tuple[str | None, dict[str, Any]]:
    """Why a backend cannot be measured here (None if it can), and what it says of itself."""
    name = split_backend_spec(spec)[0]
    if name == "gpu" and not gpu_available():
        return "no CUDA GPU on this machine", {}
    if name in ("reference", "software"):
        return None, {}
    try:
        backend = open_backend(spec)
    except BackendError as e:
        return str(e).splitlines()[0], {}
    try:
        return None, dict(backend.info())
    finally:
        backend.close()


def run(
    backends: Sequence[str],
    in_process_backends: Sequence[str],
    clients: Sequence[int] = DEFAULT_CLIENTS,
    rounds: int = 3,
    per_round: int = 4000,
    seconds: float = 3.0,
    repeat: int = 5,
    db: Path | None = None,
    tcp: bool = False,
    progress: Progress | None = None,
    line_count: int | None = None,
    project: dict[str, Any] | None = None,
    interval_s: float = 10.0,
    hook_runs: int = 0,
) -> dict[str, Any]:

    lines = agent_lines(line_count)
    doc: dict[str, Any] = {
        "environment": environment(),
        "lines": {"families": f"{AGENT_PREFIX}*", "count": len(lines)},
        "plan": {
            "clients": list(clients),
            "rounds": rounds,
            "per_round": per_round,
            "seconds": seconds,
            "repeat": repeat,
            "transport": "tcp loopback" if tcp else "unix socket",
        },
        "in_process": [],
        "load": [],
        "not_measured": {},
    }
    with tempfile.TemporaryDirectory(prefix="tcphw-gate-bench-reg-") as tmp:
        if db is None:
            registry = snapshot.write_registry(Path(tmp) / "registry.sqlite")
            doc["registry"] = "the stored snapshot (host/apps/gate/data/corpus-registry.json) in a registry file"
        else:
            registry = Path(tmp) / "registry.sqlite"  # a copy: the gate writes its table into a registry
            registry.write_bytes(db.read_bytes())
            doc["registry"] = str(db)
        for spec in in_process_backends:
            if progress:
                progress(f"in process: {spec}")
            doc["in_process"].append(in_process(registry, spec, lines, repeat))
        if hook_runs:
            if progress:
                progress(f"the Claude Code hook: {hook_runs} fresh processes, start to answer")
            doc["hook"] = hook_bench.measure(registry, runs=hook_runs)
        if backends:
            expected = expected_decisions(registry, lines)
            doc["decisions"] = {d: expected.count(d) for d in ("APPROVE", "CAUTION", "REQUIRE_APPROVAL", "REJECT")}
        infos: dict[str, dict[str, Any]] = {}
        measured = []
        for spec in backends:
            reason, infos[spec] = probe(spec)
            if reason is None:
                measured.append(spec)
                continue
            doc["not_measured"][spec] = reason
            if progress:
                progress(f"{spec}: not measured: {reason}")
        if measured:
            doc["load"] = under_load(measured, registry, lines, expected, clients, rounds, per_round, seconds, tcp,
                                     progress)  # fmt: skip
    doc["verdict"] = verdict(doc)
    software = next((r for r in doc["load"] if split_backend_spec(r["backend"])[0] == "software"), None)
    if software is not None and software["levels"]:
        at = next((lv for lv in software["levels"] if lv["clients"] == GOAL_CLIENTS), None)
        at = at or max(software["levels"], key=lambda lv: lv["throughput_dps"])
        board = next((infos[s] for s in infos if split_backend_spec(s)[0] == "board" and infos[s]), None)
        if progress:
            progress("co-design: the software kernel on one core")
        doc["codesign"] = codesign(software, at, software_rate(), interval_s, project, board)
    return doc


def verdict(doc: dict[str, Any]) -> dict[str, Any]:
    """The goals against what was measured, and the stage that limits (most of the service's CPU a decision)."""
    out: dict[str, Any] = {}
    for r in doc["in_process"]:
        out[f"in_process:{r['backend']}"] = {
            "single_ms": r["single_ms"]["median"],
            "single_goal_met": r["single_ms"]["median"] <= SINGLE_GOAL_MS,
            "batch_lines_per_s": r["batch_lines_per_s"]["median"],
            "batch_goal_met": r["batch_lines_per_s"]["median"] >= BATCH_GOAL_LPS,
            "batch_lines_per_cpu_s": r["batch_lines_per_cpu_s"]["median"],
        }
    if doc.get("hook"):
        h = doc["hook"]
        out["hook"] = {"median_ms": h["median_ms"], "goal_ms": h["goal_ms"], "goal_met": h["median_ms"] <= h["goal_ms"]}
    for run_ in doc["load"]:
        at = next((lv for lv in run_["levels"] if lv["clients"] == GOAL_CLIENTS), None)
        if at is None:
            continue
        shares = {"http+json": at["http_us"], **{k: v["cpu_us"] for k, v in at["stages_us"].items()}}
        total = sum(shares.values())
        limit = max(shares, key=lambda k: shares[k])
        out[f"load:{run_['backend']}"] = {
            "clients": GOAL_CLIENTS,
            "throughput_dps": at["throughput_dps"],
            "p99_ms": at["latency_ms"]["p99"],
            "goal_met": at["throughput_dps"] >= GOAL_DPS and at["latency_ms"]["p99"] <= GOAL_P99_MS,
            "limiting_stage": limit,
            "cpu_share": {k: v / total for k, v in shares.items()} if total else {},
            "validate_share": shares["validate"] / total if total else 0.0,
            "server_cores": at["server_cores"],
        }
    return out


# -- the report ------------------------------------------------------------------------------------------


def _ci(v: dict[str, Any], fmt: str = "{:,.0f}") -> str:
    return f"{fmt.format(v['median'])} ({fmt.format(v['ci95'][0])} .. {fmt.format(v['ci95'][1])})"


def format_report(doc: dict[str, Any]) -> str:
    env = doc["environment"]
    lines = doc["lines"]
    out = [f"machine: {env.get('cpu_model')}, {env.get('cores_usable')} usable cores; lines: the {lines['count']:,} "
           f"lines of the {lines['families']} families; registry: {doc['registry']}"]  # fmt: skip
    if doc["in_process"]:
        out.append("")
        out.append("in process, one core (median, 95% CI; CPU: this thread's CPU time, which time slices taken by "
                   "other processes do not inflate):")  # fmt: skip
        out.append(f"  {'backend':19} {'single check ms':>23} {'p99 ms':>7} {'mean ms':>7} {'CPU ms':>7} "
                   f"{'batch lines/s':>25} {'lines/CPU s':>25}")  # fmt: skip
        for r in doc["in_process"]:
            out.append(f"  {r['backend']:19} {_ci(r['single_ms'], '{:.3f}'):>23} {r['single_p99_ms']:>7.3f} "
                       f"{r['single_mean_ms']:>7.3f} {r['single_cpu_ms']['median']:>7.3f} "
                       f"{_ci(r['batch_lines_per_s']):>25} {_ci(r['batch_lines_per_cpu_s']):>25}")  # fmt: skip
        for r in doc["in_process"]:
            stages = ", ".join(f"{k} {v['cpu_us']:.1f}" for k, v in r["stages_us"].items())
            out.append(f"  {r['backend']}: CPU µs a line in batch mode: {stages}")
    if doc.get("hook"):
        h = doc["hook"]
        out.append("")
        out.append(f"the Claude Code hook, a fresh process per command (in-process gate, reference backend; "
                   f"{h['runs']} runs): median {h['median_ms']:.0f} ms (95% CI {h['median_ci_ms'][0]:.0f} .. "
                   f"{h['median_ci_ms'][1]:.0f}), {h['min_ms']:.0f} .. {h['max_ms']:.0f} ms")  # fmt: skip
    for run_ in doc["load"]:
        out.append("")
        out.append(f"gate serve --backend {run_['backend']} ({run_['transport']}, log sync {run_['log_sync']}; "
                   f"started in {run_['start_s']:.1f} s; {run_['logged_total']:,} decisions logged for "
                   f"{run_['answered_total']:,} answered):")  # fmt: skip
        out.append(f"  {'clients':>7} {'decisions/s (95% CI)':>26} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} "
                   f"{'per tick':>8} {'server cores':>12} {'CPU µs':>7} {'errors':>6} {'wrong':>5}")  # fmt: skip
        for lv in run_["levels"]:
            lat = lv["latency_ms"]
            rate = f"{lv['throughput_dps']:,.0f} ({lv['ci95'][0]:,.0f} .. {lv['ci95'][1]:,.0f})"
            out.append(f"  {lv['clients']:>7} {rate:>26} {lat['p50']:>8.2f} {lat['p99']:>8.2f} {lat['p99.9']:>9.2f} "
                       f"{lv['decisions_per_tick']:>8.1f} {lv['server_cores']:>12.2f} {lv['server_cpu_us']:>7.0f} "
                       f"{lv['errors']:>6} {lv['wrong']:>5}")  # fmt: skip
        out.append("  µs of service CPU a decision (clients: stages):")
        for lv in run_["levels"]:
            stages = ", ".join(f"{k} {v['cpu_us']:.1f}" for k, v in lv["stages_us"].items())
            out.append(f"  {lv['clients']:>7}: http+json {lv['http_us']:.1f}, {stages}; "
                       f"validate wall {lv['stages_us']['validate']['wall_us']:.1f}")  # fmt: skip
    for spec, reason in doc["not_measured"].items():
        out.append(f"{spec}: not measured: {reason}")
    if doc.get("codesign"):
        out.append("")
        out.extend(format_codesign(doc["codesign"]))
    v = doc.get("verdict", {})
    if v:
        out.append("")
    for key, r in v.items():
        if key == "hook":
            out.append(f"hook: median {r['median_ms']:.0f} ms from process start to answer (goal <= "
                       f"{r['goal_ms']:.0f} ms: {'met' if r['goal_met'] else 'NOT met'})")  # fmt: skip
        elif key.startswith("in_process:"):
            out.append(f"{key}: single check {r['single_ms']:.3f} ms (goal <= {SINGLE_GOAL_MS} ms: "
                       f"{'met' if r['single_goal_met'] else 'NOT met'}); batch {r['batch_lines_per_s']:,.0f} lines/s "
                       f"(goal >= {BATCH_GOAL_LPS:,.0f}: {'met' if r['batch_goal_met'] else 'NOT met'}; "
                       f"{r['batch_lines_per_cpu_s']:,.0f} lines a CPU second)")  # fmt: skip
        else:
            out.append(f"{key}: {r['throughput_dps']:,.0f} decisions/s, p99 {r['p99_ms']:.1f} ms at {r['clients']} "
                       f"clients (goal >= {GOAL_DPS:,.0f}/s with p99 <= {GOAL_P99_MS:.0f} ms: "
                       f"{'met' if r['goal_met'] else 'NOT met'}); limiting stage: {r['limiting_stage']} "
                       f"({r['cpu_share'].get(r['limiting_stage'], 0):.0%} of the service's CPU); backend validation "
                       f"{r['validate_share']:.2%}")  # fmt: skip
    return "\n".join(out)

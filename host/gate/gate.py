"""The gate: a command line in, a decision out, every descriptor it rests on validated by a backend.

Layers, top to bottom: the shell parser (``shell``) gives simple commands; the engine (``analyse``) with the
program tables (``programs``) and the effect table (``effects``) gives judged parts; this module looks up
each part's descriptor (the registry's scanned tool, or the gate table's subcommand or builtin entry), has a
backend validate all of a line's descriptors in one call, and combines:

- a part whose arguments the tables read in full ("narrowed") is decided by its findings;
- any other part by the strictest of its descriptor's decision and its findings;
- a descriptor that fails validation rejects its part (fail closed);
- the line takes the strictest part.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tcphw.contract import ERROR_MASK, Decision, verdict_decision
from tcphw.host.backends.reference_spec import reference_verdict
from tcphw.host.gate import table as gate_table
from tcphw.host.gate.analyse import Engine
from tcphw.host.gate.model import A, C, Check, Part, R, X
from tcphw.host.gate.paths import Place
from tcphw.host.gate.rules import Rules
from tcphw.host.gate.rules import load as load_rules
from tcphw.host.gate.shell import ShellSyntaxError, Unreadable
from tcphw.host.gate.table import Entry, entries


class Validator(Protocol):
    """Validates descriptors: a backend, behind the smallest interface the gate needs."""

    name: str

    def verdicts(self, descriptors: Sequence[bytes]) -> list[int]: ...


class ReferenceValidator:
    """The spec-literal reference, called directly: no numpy, for one line at a time (the hook)."""

    name = "reference"

    def __init__(self) -> None:
        self._verdict = reference_verdict

    def verdicts(self, descriptors: Sequence[bytes]) -> list[int]:
        return [self._verdict(d) for d in descriptors]


class BackendValidator:
    """Any backend (software, gpu, board): the descriptors of many lines in one array, one call."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.name = str(backend.name)

    def verdicts(self, descriptors: Sequence[bytes]) -> list[int]:
        import numpy as np

        if not descriptors:
            return []
        arr = np.frombuffer(b"".join(descriptors), dtype=np.uint8).reshape(len(descriptors), -1)
        return [int(v) for v in self.backend.validate(arr)]


class Catalogue:
    """Where descriptors come from: the registry's tools (scanned, then imported), then the gate's own entries
    (subcommands, builtins), which the registry holds too (``tools scan`` writes them; a gate that finds them
    missing or older writes them itself, or reads the table's when the registry is read-only)."""

    def __init__(self, registry: Any | None) -> None:
        self.registry = registry
        stored = None
        if registry is not None and hasattr(registry, "put_commands"):
            with contextlib.suppress(Exception):  # a read-only registry: the table's own entries, the same bytes
                gate_table.sync(registry)
            stored = gate_table.from_registry(registry)
        # the registry's copy when it holds this version (read, not encoded: a hook starts in a fresh process)
        self.table = stored or entries()
        self._cache: dict[str, Entry | None] = {}
        self._names: list[str] | None = None

    def tool(self, name: str) -> Entry | None:
        if name in self._cache:
            return self._cache[name]
        entry: Entry | None = None
        if self.registry is not None:
            row = self.registry.lookup(name)
            if row is not None:
                source = "scanned" if self.registry.get(name) is not None else "imported"
                entry = Entry(name, row.risk, bytes(row.descriptor), source, "; ".join(row.reasons[:1]))
        self._cache[name] = entry
        return entry

    def known(self, name: str) -> bool:
        return self.tool(name) is not None or name in self.table

    def scanned(self, name: str) -> bool:
        return self.tool(name) is not None

    def names(self, pattern: str) -> list[str]:
        """Registered program names a glob matches (``/usr/bin/whoam?``)."""
        import fnmatch

        if self._names is None:
            names = self.registry.tool_names() if self.registry is not None else []
            self._names = sorted(set(names) | {k for k in self.table if " " not in k})
        return [n for n in self._names if fnmatch.fnmatchcase(n, pattern)]

    def entry(self, key: str) -> Entry | None:
        """The descriptor for a part's key: a subcommand or builtin from the table; a program from the registry,
        else from the table."""
        if " " in key:
            found = self.table.get(key)
            if found is not None:
                return found
            key = key.split(" ", 1)[0]
            if key == "builtin":
                return None
        return self.tool(key) or self.table.get(key)


@dataclass
class Request:
    """One line to check, with where it runs."""

    command: str
    cwd: str | None = None
    workspace: str | None = None
    env: dict[str, str] | None = None


class Gate:
    def __init__(
        self,
        registry: Any | None = None,
        validator: Validator | None = None,
        home: str | None = None,
        tmp: tuple[str, ...] = ("/tmp", "/dev/shm"),
        rules: Rules | None = None,
    ) -> None:
        self.catalogue = Catalogue(registry)
        self.rules = rules or Rules()
        self.validator = validator or ReferenceValidator()
        self.home = home or os.path.expanduser("~")
        self.tmp = tmp

    # -- one line -----------------------------------------------------------------------------

    def check(
        self, command: str, cwd: str | None = None, workspace: str | None = None, env: dict[str, str] | None = None
    ) -> Check:
        return self.check_many([Request(command, cwd, workspace, env)])[0]

    def judge(self, request: Request) -> Check:
        """Parse and apply the rules; the descriptors are looked up but not validated yet."""
        line = request.command
        if not line.strip():
            raise ValueError("nothing to check: the command line is empty")
        cwd = request.cwd
        workspace = request.workspace if request.workspace is not None else cwd
        home = (request.env or {}).get("HOME", self.home)
        place = Place(normal_path(cwd), normal_path(workspace), home, self.tmp)
        engine = Engine(self.catalogue.known, self.catalogue.scanned, self.catalogue.names)
        try:
            parts = engine.line(line, place, request.env)
        except ShellSyntaxError as e:
            return Check(line, place.cwd, place.workspace, X, [], refused=str(e), backend=self.validator.name)
        except Unreadable as e:
            part = Part([line], None)
            part.add(R, "line.unreadable", str(e))
            part.decision = R
            return Check(line, place.cwd, place.workspace, R, [part], backend=self.validator.name)
        for part in parts:
            if part.key is not None:
                entry = self.catalogue.entry(part.key)
                if entry is None:
                    part.key = None
                    if part.program is not None:
                        part.add(R, "descriptor.missing", f"no descriptor for {part.program} in the registry")
                else:
                    part.key = entry.key
                    part.descriptor = entry.descriptor
                    part.descriptor_source = entry.source
        return Check(line, place.cwd, place.workspace, A, parts, backend=self.validator.name)

    def check_many(self, requests: Iterable[Request], progress: Callable[[int], None] | None = None) -> list[Check]:
        """Many lines: parsed one by one, their descriptors validated together in one backend call."""
        checks = [self.judge(r) for r in requests]
        unique: dict[bytes, int] = {}
        for check in checks:
            for part in check.parts:
                if part.descriptor is not None and part.descriptor not in unique:
                    unique[part.descriptor] = len(unique)
        ordered = list(unique)
        verdicts = self.validator.verdicts(ordered) if ordered else []
        if len(verdicts) != len(ordered):
            raise RuntimeError(f"backend {self.validator.name} answered {len(verdicts)} verdicts for {len(ordered)}")
        for check in checks:
            for part in check.parts:
                if part.descriptor is not None:
                    part.verdict = verdicts[unique[part.descriptor]]
                decide(part)
                self.rules.apply(part)
            if check.refused is None:
                check.decision = max((p.decision for p in check.parts), default=A)
        return checks


def decide(part: Part) -> None:
    """A part's decision from its descriptor's verdict and its findings."""
    found = max((f.level for f in part.findings), default=None)
    if part.verdict is not None and part.verdict & ERROR_MASK:
        part.add(
            X, "descriptor.invalid", f"the descriptor of {part.key} failed validation: verdict 0x{part.verdict:02x}"
        )
        part.decision = X
        return
    if part.verdict is None:
        # no descriptor: a part with no program (an assignment, a redirection) or an unknown program
        part.decision = found if found is not None else (A if part.program is None else R)
        return
    base = verdict_decision(part.verdict)
    if part.narrowed and found is not None:
        part.decision = found
    else:
        part.decision = max(base, found) if found is not None else base


def normal_path(path: str | None) -> str | None:
    """A folder as the gate places a line in it: absolute and normalised (relative to this process's folder)."""
    if path is None:
        return None
    return os.path.normpath(path) if path.startswith("/") else os.path.normpath(os.path.join(os.getcwd(), path))


def open_gate(
    db: Path | None = None, backend: str | None = None, create: bool = False, rules: Path | None = None
) -> Gate:
    """A gate on a registry file, a backend spec ("reference" without numpy, else any backend) and the person's
    rules (the user's rules file unless ``rules`` names another)."""
    # load-time: sqlite3, only when a registry is opened (the registry is the applications': tests/test_layers.py)
    from tcphw.host.registry import Registry, RegistryError, default_db

    person = load_rules(rules)  # a broken rules file is an error before anything is judged

    path = db or default_db()
    if not path.exists():
        raise RegistryError(f"no tool registry at {path}: run tcphw tools scan first (or give --db)")
    registry = Registry(path)
    validator: Validator
    if backend in (None, "reference"):
        validator = ReferenceValidator()
    else:
        # load-time: numpy and every backend; the reference needs neither (the hook)
        from tcphw.host.backends import open_backend

        validator = BackendValidator(open_backend(backend))
    return Gate(registry, validator, rules=person)


__all__ = ["A", "C", "Check", "Decision", "Gate", "R", "Request", "X", "open_gate"]

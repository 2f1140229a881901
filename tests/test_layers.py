"""One direction of imports, checked on every import in the package: the ones inside functions and under
TYPE_CHECKING included, as the source reads (an ``importlib.import_module`` of a name is not an import here:
it is how the registries load their plugins, which import them).

The parts, lowest first (README, "Layout"):

    contract  <  paths, extras, atomic, stats  <  descriptors  <  hdl  <  boards  <  sim  <  projections  <  host

and the rooms inside host/, lowest first:

    link  <  backends  <  lab  <  registry  <  gate  <  apps  <  cli

A part (a room) may import only parts (rooms) below it. The contract imports nothing of the project, and the
gateware (hdl) nothing of host, sim or projections. Besides the order:

- no import circle between modules, of any length (the strongly connected components of the module graph);
- no private name (``_x``) imported from another module: what crosses modules is an interface, named as one;
- an import inside a function, of the project's own modules, says why in one comment: on its line, or on the
  comment line right above it (a run of such imports, one after the other, shares that comment). The reasons
  are load time (a command, the gate's hook or ``tcphw --help`` must not pay for it) and optional extras;
  hiding a circle is not one, and a comment that gives it is refused.

``KNOWN_DEBT`` lists what still goes against these, file by file, with why: the test fails on anything new,
and on a listed item that is gone (so the lists only shrink).
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tcphw"
ORDER = {"contract": 0, "paths": 1, "extras": 1, "atomic": 1, "stats": 1, "descriptors": 2, "hdl": 3, "boards": 4,
         "sim": 5, "projections": 6, "host": 7, "__main__": 8, "__init__": 8}  # fmt: skip
ROOMS = {"host/link": 0, "host/backends": 1, "host/lab": 2, "host/registry": 3, "host/gate": 4, "host/apps": 5,
         "host/cli": 6, "host/__init__": 7}  # fmt: skip

# Imports that still go upward, (from part or room, to part or room) -> files, each with why.
KNOWN_DEBT: dict[tuple[str, str], set[str]] = {}
# Lazy imports without their comment yet, by file (none today; the test fails if one appears unlisted).
UNEXPLAINED_LAZY: set[str] = set()
CIRCLE_WORDS = re.compile(r"\b(circle|circular|cycle|cyclic)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted
    file: str  # its file, relative to the package
    target: str  # the module imported, dotted: a submodule where one is named (from x import submodule)
    names: tuple[str, ...]  # the names taken from it (from x import a, b); () for "import x"
    line: int
    end: int
    lazy: bool  # inside a function


@cache
def modules() -> dict[str, Path]:
    """Every module of the package, dotted name -> file."""
    found = {}
    for folder, _, names in os.walk(PACKAGE, followlinks=True):
        for name in names:
            if name.endswith(".py"):
                path = Path(folder) / name
                parts = ["tcphw", *path.relative_to(PACKAGE).with_suffix("").parts]
                found[".".join(parts[:-1] if name == "__init__.py" else parts)] = path
    return found


def _module_of(name: str) -> str | None:
    """The longest prefix of ``name`` that is a module of the package."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules():
            return ".".join(parts)
        parts.pop()
    return None


def _inside_functions(tree: ast.AST) -> set[int]:
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            inside.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Import | ast.ImportFrom))
    return inside


@cache
def imports() -> tuple[Import, ...]:
    """Every import of a project module, in every file of the package."""
    found = []
    for module, path in modules().items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(), str(path))
        lazy = _inside_functions(tree)
        rel = str(path.relative_to(PACKAGE))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets: list[tuple[str, tuple[str, ...]]] = []
            if isinstance(node, ast.Import):
                targets = [(a.name, ()) for a in node.names]
            else:
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base_name = ".".join([*base, node.module] if node.module else base)
                else:
                    base_name = node.module or ""
                for alias in node.names:  # a submodule named in the list is its own target
                    sub = f"{base_name}.{alias.name}"
                    targets.append((sub, ()) if sub in modules() else (base_name, (alias.name,)))
            for name, names in targets:
                target = _module_of(name) if name.startswith("tcphw") else None
                # the root package (tcphw.__version__) is every module's parent: imported before any of them
                if target is not None and target not in (module, "tcphw"):
                    found.append(Import(module, rel, target, names, node.lineno, node.end_lineno or node.lineno,
                                        id(node) in lazy))  # fmt: skip
    return tuple(found)


def _part(module: str) -> str:
    return module.split(".")[1] if "." in module else "__init__"


def _room(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] != ["tcphw", "host"]:
        return None
    return f"host/{parts[2] if len(parts) > 2 else '__init__'}"


def edges() -> dict[tuple[str, str], set[str]]:
    """(from, to) -> the files importing across, for parts, and for rooms inside host/."""
    out: dict[tuple[str, str], set[str]] = defaultdict(set)
    for i in imports():
        source, target = _part(i.source), _part(i.target)
        if source != target:
            out[(source, target)].add(i.file)
        source_room, target_room = _room(i.source), _room(i.target)
        if source_room and target_room and source_room != target_room:
            out[(source_room, target_room)].add(i.file)
    return out


def test_every_import_goes_down_the_layers_and_the_rooms() -> None:
    found = edges()
    assert found, "the scan found no imports at all: it is not reading the package"
    rooms = {f"host/{p.name}" for p in (PACKAGE / "host").iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert rooms <= set(ROOMS), f"rooms of host/ with no place in the order: {sorted(rooms - set(ROOMS))}"
    parts = {p for i in imports() for p in (_part(i.source), _part(i.target))}
    assert parts <= set(ORDER), f"parts with no place in the layer order: {sorted(parts - set(ORDER))}"

    def upward(edge: tuple[str, str]) -> bool:
        order = ROOMS if edge[0] in ROOMS else ORDER
        return order[edge[1]] >= order[edge[0]]

    new = {edge: sorted(files - KNOWN_DEBT.get(edge, set())) for edge, files in found.items() if upward(edge)}
    new = {edge: files for edge, files in new.items() if files}
    assert not new, f"imports against the order (a lower part or room importing a higher one): {new}"
    for edge, files in KNOWN_DEBT.items():
        paid = files - found.get(edge, set())
        assert not paid, f"{sorted(paid)} no longer import {edge[1]}: remove them from KNOWN_DEBT"


def test_the_contract_and_the_gateware_stand_alone() -> None:
    found = edges()
    assert not [e for e in found if e[0] == "contract"], "the contract must import nothing of the project"
    hdl = {e[1] for e in found if e[0] == "hdl"}
    assert not hdl & {"host", "sim", "projections", "boards"}, f"hdl imports {sorted(hdl)}"


def circles() -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan): every module in one reaches every
    other by imports, so each lies on a circle, of whatever length."""
    graph: dict[str, set[str]] = defaultdict(set)
    for i in imports():
        graph[i.source].add(i.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # recursion depth is the longest import chain: a few dozen
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(modules()):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle_between_modules() -> None:
    found = circles()
    shown = [" <-> ".join(m.removeprefix("tcphw.") for m in c) for c in found]
    assert not found, f"modules that import each other, directly or around a circle: {shown}"


def test_no_private_name_crosses_modules() -> None:
    private = [
        f"{i.file}:{i.line} takes {n} from {i.target}"
        for i in imports()
        for n in i.names
        if n.startswith("_") and not n.startswith("__")
    ]
    assert not private, f"private names taken from another module (public where they are an interface): {private}"


def _comments(path: Path) -> dict[int, str]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return {t.start[0]: t.string for t in tokens if t.type == tokenize.COMMENT}


def _lazy_imports() -> Iterator[tuple[Import, str | None]]:
    """Each import inside a function, with the comment that says why (None where there is none)."""
    by_file: dict[str, list[Import]] = defaultdict(list)
    for i in imports():
        if i.lazy:
            by_file[i.file].append(i)
    for file, found in by_file.items():
        comments = _comments(PACKAGE / file)
        lines = (PACKAGE / file).read_text().splitlines()
        why_of: dict[int, str | None] = {}
        before: tuple[int, str | None] = (0, None)  # where the previous lazy import ended, and its comment
        for line, end in sorted({(i.line, i.end) for i in found}):
            own = next((comments[n] for n in range(line, end + 1) if n in comments), None)
            above = comments.get(line - 1) if lines[line - 2].lstrip().startswith("#") else None
            follows = before[1] if before[0] == line - 1 else None  # a run of imports shares its first's comment
            why_of[line] = own or above or follows
            before = (end, why_of[line])
        for i in found:
            yield i, why_of[i.line]


def test_each_lazy_import_says_why() -> None:
    lazy = list(_lazy_imports())
    unexplained = sorted({f"{i.file}:{i.line}" for i, why in lazy if why is None and i.file not in UNEXPLAINED_LAZY})
    assert not unexplained, f"imports inside functions with no comment saying why (load time? an extra?): {unexplained}"
    explained = {i.file for i, why in lazy if why is None}
    done = sorted(UNEXPLAINED_LAZY - explained)
    assert not done, f"{done} explain every lazy import now: remove them from UNEXPLAINED_LAZY"
    circle = sorted({f"{i.file}:{i.line}" for i, why in lazy if why and CIRCLE_WORDS.search(why)})
    assert not circle, f"a lazy import may not hide a circle (move what both need below both): {circle}"

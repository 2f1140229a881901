"""The risk classifier against the labelled set (tests/data/tool_labels.csv): the issue's targets."""

from __future__ import annotations

import pytest

from tcphw.contract import Risk
from tcphw.host.tools.accuracy import load_labels, measure


@pytest.fixture(scope="module")
def measured():  # type: ignore[no-untyped-def]
    return measure()


def test_the_labelled_set_is_big_enough_and_covers_every_level() -> None:
    labels = load_labels()
    assert len(labels) >= 80 and len({label.name for label in labels}) == len(labels)
    assert {label.risk for label in labels} == set(Risk)


def test_the_classifier_meets_the_targets(measured) -> None:  # type: ignore[no-untyped-def]
    classifier, _, _ = measured
    assert classifier.exact >= 0.9, classifier.wrong()
    assert classifier.critical_missed == []


def test_the_documentation_rules_alone_never_call_a_critical_tool_safe(measured) -> None:  # type: ignore[no-untyped-def]
    _, alone, _ = measured
    if len(alone.pairs) < 40:
        pytest.skip(f"only {len(alone.pairs)} labelled tools have a man page on this machine")
    assert alone.critical_missed == []
    # Tuned on this set: a floor that catches a broken rule, not a claim about unseen tools.
    assert alone.exact >= 0.8, alone.wrong()

"""The documents say what the commands say (issue 34 §6).

A figure that a command produces cheaply is compared here with the command's answer on this machine.
One that takes minutes or hours (place and route, an exploration, an experiment over every labelled
tool) cannot be: its section names the commit and the machine that measured it instead, which is checked.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _text(path: Path) -> str:
    return " ".join(path.read_text().split())  # a phrase may be wrapped anywhere


def _section(path: Path, heading: str) -> str:
    """From a heading to the next heading of the same or a higher level."""
    lines = path.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#") and heading in line)
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(rf"#{{1,{level}}} ", lines[i])),
        len(lines),
    )
    return " ".join(" ".join(lines[start:end]).split())


def test_the_labelled_set_is_described_as_it_is() -> None:
    """docs/experiments.md said 1,033 tools from 128 packages; the set held 2,306 from 402."""
    from tcphw.host.apps.tools.accuracy import load_labels

    labels = load_labels()
    tools, packages = len(labels), len({label.package for label in labels})
    for doc in (DOCS / "experiments.md", DOCS / "tools.md"):
        assert f"{tools:,} tools from {packages} Debian packages" in _text(doc), doc.name
    assert f"{tools:,} labelled tools" in _text(ROOT / "README.md")


def test_the_board_table_is_what_tcphw_boards_says() -> None:
    from tcphw.boards import all_boards

    section = (DOCS / "boards.md").read_text().split("## Supported boards", 1)[1].split("\n\n", 2)[1]
    rows = {cells[0].strip("` "): cells for cells in (line.strip("|").split("|") for line in section.splitlines()[2:])}
    for board in all_boards():
        cells = [c.strip() for c in rows[board.name]]
        assert int(cells[4]) == board.lanes and int(cells[5]) == board.capacity, board.name
        if cells[2] != "same":
            assert f"{board.clock_hz // 1_000_000} MHz" in cells[2], board.name
        if cells[3] != "same":
            assert cells[3].startswith(f"{board.baud:,}") and f"{board.link_config().divisor} clocks" in cells[3]


def test_the_synthesis_tables_are_the_ones_its_json_makes() -> None:
    """docs/synth/validator-synth.md is generated from the JSON beside it, and docs/gateware.md quotes it."""
    from tcphw.hdl.synth import markdown_table

    doc = json.loads((DOCS / "synth" / "validator-synth.json").read_text())
    table = markdown_table(doc)
    assert (DOCS / "synth" / "validator-synth.md").read_text() == table, "regenerate with make synth"
    gateware = (DOCS / "gateware.md").read_text()
    for line in table.splitlines():
        if line.startswith("| ice40") or line.startswith("| ecp5"):
            assert line in gateware, f"docs/gateware.md quotes an older table: {line}"
    assert doc.get("machine") and doc.get("seed") is not None  # what measured it travels with the figures


@pytest.mark.parametrize(
    "doc, heading",
    [
        ("boards.md", "Built and measured"),
        ("explore.md", "iCEBreaker (iCE40 UP5K"),
        ("explore.md", "ULX3S-85F (ECP5"),
        ("experiments.md", "A real run"),
        ("gateware.md", "Synthesis"),
    ],
)
def test_figures_too_costly_to_rerun_here_name_their_commit_and_machine(doc: str, heading: str) -> None:
    section = _section(DOCS / doc, heading)
    assert re.search(r"\bcommit [0-9a-f]{7}", section), f"{doc} '{heading}' names no commit"
    assert "machine" in section, f"{doc} '{heading}' names no machine"

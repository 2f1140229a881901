"""Accuracy of the risk classifier against the labelled set in ``tests/data/tool_labels.csv``.

Two measurements, because they answer different questions:
- **classifier** (table + rules, what ``tcphw tools scan`` uses), on every labelled tool, with
  its man page where this machine has one;
- **rules alone** (no curated table), on the labelled tools whose man page this machine has:
  how well the documentation rules do on their own, i.e. on a tool the table does not know.

``python -m tcphw.host.tools.accuracy [--out docs/tool-accuracy.md]`` (``make tools-accuracy``)
regenerates the report.
"""

from __future__ import annotations

import argparse
import csv
from dataclasses import dataclass
from pathlib import Path

from tcphw.contract import Risk

from .analyze import analyse, rules
from .sandbox import man_page

LABELS = Path(__file__).resolve().parents[2] / "tests" / "data" / "tool_labels.csv"
DANGEROUS_MISSES = {Risk.SAFE, Risk.LOW_RISK}  # what a CRITICAL tool must never be called


@dataclass(frozen=True)
class Label:
    name: str
    risk: Risk
    why: str


def load_labels(path: Path = LABELS) -> list[Label]:
    with path.open() as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return [Label(r["name"], Risk[r["risk"]], r["why"]) for r in rows]


@dataclass
class Measurement:
    name: str
    pairs: list[tuple[Label, Risk]]  # (truth, prediction)

    @property
    def exact(self) -> float:
        return sum(t.risk == p for t, p in self.pairs) / len(self.pairs) if self.pairs else 0.0

    @property
    def critical_missed(self) -> list[str]:
        return [t.name for t, p in self.pairs if t.risk == Risk.CRITICAL and p in DANGEROUS_MISSES]

    def confusion(self) -> list[list[int]]:
        m = [[0] * len(Risk) for _ in Risk]
        for t, p in self.pairs:
            m[t.risk][p] += 1
        return m

    def wrong(self) -> list[tuple[str, Risk, Risk]]:
        return [(t.name, t.risk, p) for t, p in self.pairs if t.risk != p]


def measure(labels: list[Label] | None = None) -> tuple[Measurement, Measurement, list[str]]:
    """(classifier, rules alone, labelled tools without a man page here)."""
    labels = labels if labels is not None else load_labels()
    classifier = Measurement("classifier (table + rules)", [])
    alone = Measurement("rules alone (man pages on this machine)", [])
    no_man: list[str] = []
    for label in labels:
        page = man_page(label.name)
        text = page.text if page else None
        classifier.pairs.append((label, analyse(label.name, text).risk))
        if text is None:
            no_man.append(label.name)
            continue
        found, _, _ = rules(text)
        alone.pairs.append((label, found if found is not None else Risk.MEDIUM_RISK))
    return classifier, alone, no_man


def _matrix(m: Measurement) -> list[str]:
    short = {r: r.name.replace("_RISK", "") for r in Risk}
    lines = ["| truth \\ predicted | " + " | ".join(short[r] for r in Risk) + " |", "|---" * (len(Risk) + 1) + "|"]
    for r, row in zip(Risk, m.confusion(), strict=True):
        lines.append(f"| **{short[r]}** | " + " | ".join(str(v) for v in row) + " |")
    return lines


def report(classifier: Measurement, alone: Measurement, no_man: list[str]) -> str:
    out = [
        "# Tool risk classifier: accuracy",
        "",
        "Regenerate with `make tools-accuracy` (`python -m tcphw.host.tools.accuracy --out docs/tool-accuracy.md`).",
        "Labels: `tests/data/tool_labels.csv`, written from what each tool does, with a reason per tool.",
        "",
        "The documentation rules were tuned on this same set, so the rules-alone figure is a",
        "training-set figure: expect less on tools outside it. The curated table also covers most",
        "of these tools, so the classifier figure mostly measures the table.",
        "",
    ]
    for m in (classifier, alone):
        out += [
            f"## {m.name}",
            "",
            f"{len(m.pairs)} tools; exact level: **{m.exact:.1%}**; "
            f"CRITICAL tools called SAFE or LOW_RISK: **{len(m.critical_missed)}**"
            + (f" ({', '.join(m.critical_missed)})" if m.critical_missed else ""),
            "",
            *_matrix(m),
            "",
        ]
        if m.wrong():
            out.append("Disagreements: " + "; ".join(f"{n} {t.name} -> {p.name}" for n, t, p in m.wrong()))
            out.append("")
    if no_man:
        out += [f"No man page on the machine that made this report: {', '.join(no_man)}.", ""]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    text = report(*measure())
    if args.out:
        args.out.write_text(text)
        print(f"wrote {args.out}")
    else:
        print(text)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Redraw the NL2Bash sample for the gate corpus families nl2bash-a and nl2bash-b.

Reads data/bash/all.cm of the NL2Bash corpus (TellinaTool/nl2bash, MIT licence) either from a
local file given as the first argument or from a local bare git mirror (no network access).
Procedure, fixed before any line was looked at:
  1. number the lines of all.cm from 1; drop empty/whitespace-only lines and exact duplicates
     (keeping the first occurrence);
  2. with random.Random(20261206): rng.sample(remaining line numbers, 500), then rng.shuffle of
     those 500; the first 250 go to nl2bash-a, the rest to nl2bash-b.
Prints the drawn line numbers (one family per line).
"""

import random
import subprocess
import sys

MIRROR = "/work/.mirror/TellinaTool+nl2bash/repo"
SEED = 20261206


def read_cm(argv: list[str]) -> str:
    if len(argv) > 1:
        with open(argv[1], encoding="utf-8") as f:
            return f.read()
    return subprocess.run(
        ["git", "-C", MIRROR, "show", "HEAD:data/bash/all.cm"], check=True, capture_output=True
    ).stdout.decode("utf-8")


def draw(text: str) -> tuple[list[int], list[int]]:
    seen: set[str] = set()
    candidates: list[int] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line in seen:
            continue
        seen.add(line)
        candidates.append(number)
    rng = random.Random(SEED)
    drawn = rng.sample(candidates, 500)
    rng.shuffle(drawn)
    return drawn[:250], drawn[250:]


def main() -> None:
    a, b = draw(read_cm(sys.argv))
    print("nl2bash-a:", " ".join(map(str, a)))
    print("nl2bash-b:", " ".join(map(str, b)))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Seeded sample of tldr-pages examples for the gate corpus family `tldr` (tldr-pages, CC BY 4.0).

Source: the bare git repository /work/.mirror/tldr-pages+tldr/repo, commit HEAD
(08e345f42639f67d99282813247ac670dc6e87cb when the family was written). No network is used.

Sampling (fixed before any example was looked at):
  1. Pages = every `*.md` file under pages/common and pages/linux at HEAD, sorted by path.
  2. rng = random.Random(20261209); pages = rng.sample(pages, 300).
  3. For each drawn page, in the drawn order: its examples are the lines of the page that consist of one
     backtick-quoted command (regex ^`(.+)`$), in page order; k = rng.randrange(len(examples)), same rng.
     The record's source is `tldr:PAGE#K` with K that 0-based index.

Filling the placeholders (rule fixed in advance, so values are not picked by looking at the label):
  A second generator rng2 = random.Random(20261210) walks the placeholders `{{...}}` of the 300 examples in
  sample order, left to right, and draws:
  - for an option alternative `{{[-x|--long]}}` (text starts with `[` and ends with `]`, alternatives split on
    `|`): which form is used, rng2.choice(alternatives);
  - for a path placeholder (text contains `path/to`, `file`, `dir`, `folder`, `device` or `/dev/`):
    WHERE = "out" if rng2.random() < 0.25 else "in".
    "in"  -> a workspace value relative to /home/dev/project: src/..., build/..., tests/..., README.md,
             data/x.csv, dist/..., docs/... (a file or folder of the kind the placeholder names);
    "out" -> a value outside the workspace of the kind the placeholder names: ~/Downloads/..., /tmp/...,
             /etc/hosts, /var/log/syslog, ~/notes/..., and a device (/dev/sdb, /dev/sdb1) where the tool
             works on devices.
  - other placeholders (hosts, users, numbers, names, patterns, URLs, text) get no draw and are filled with
    plain realistic values: hosts example.org / 192.0.2.10, users alice / bob, package and program names of the
    kind the page is about, small numbers.
  Details of the rule, as applied:
  - "out" values cycle, in sample order, through four kinds: (a) ~/Downloads/..., (b) /tmp/..., (c) elsewhere
    in the home folder (~/notes, ~/backups, ~/scratch, ~/Documents, ...), (d) a system path (/srv/...,
    /var/lib/..., /etc/...), with a file name of the kind the placeholder names.
  - device placeholders (/dev/sdX, block_device, btrfs_device, partition, device_file) do not take part in the
    cycle: "out" -> /dev/sdb; "in" -> a disk image or mount folder under build/ (build/disk.img, build/rootfs).
  - a value alternative without brackets, `{{a|b|c}}` (e.g. `{{major|minor|patch}}`, `{{path/to/file|url}}`),
    takes its first alternative.
  - a placeholder whose text is already a concrete value (`{{eth0}}`, `{{100}}`, `{{npm test}}`, `{{/mnt}}`,
    `{{skaffold.yaml}}`, `{{https://example.com}}`, `{{bash}}`) keeps that value.
  - examples that are key presses rather than commands (`<Ctrl p>`, `<Enter>`) are kept literally, as an agent
    copying the page would type them.
  Placeholders that are repeated inside one example get one value. The script prints each drawn page, its
  example index, the example and the draws; the command lines were then written from that printout.
"""

import random
import re
import subprocess

REPO = "/work/.mirror/tldr-pages+tldr/repo"
EXAMPLE = re.compile(r"^`(.+)`$")
PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}")
PATHY = ("path/to", "file", "dir", "folder", "device", "/dev/")


def git(*args: str) -> str:
    return subprocess.run(["git", "-C", REPO, *args], check=True, capture_output=True, text=True).stdout


def main() -> None:
    pages = sorted(
        p
        for p in git("ls-tree", "-r", "--name-only", "HEAD", "pages/common", "pages/linux").split("\n")
        if p.endswith(".md")
    )
    rng = random.Random(20261209)
    drawn = rng.sample(pages, 300)
    rng2 = random.Random(20261210)
    for n, page in enumerate(drawn, 1):
        examples = [
            m.group(1) for line in git("show", "HEAD:" + page).split("\n") if (m := EXAMPLE.match(line.strip()))
        ]
        k = rng.randrange(len(examples))
        ex = examples[k]
        draws: list[str] = []
        for ph in PLACEHOLDER.findall(ex):
            if ph.startswith("[") and ph.endswith("]"):
                draws.append(f"{{{{{ph}}}}}=>{rng2.choice(ph[1:-1].split('|'))}")
            elif any(w in ph.lower() for w in PATHY):
                draws.append(f"{{{{{ph}}}}}=>{'out' if rng2.random() < 0.25 else 'in'}")
        print(f"{n:03d}\t{page}#{k}\t{ex}")
        for d in draws:
            print(f"\t\t{d}")


if __name__ == "__main__":
    main()

"""A baseline: timings measured elsewhere (another tool, another machine), one CSV column of seconds.

An experiment file names its baselines; the spec checks each file before anything runs, and the report compares
the backends with them. Both read it here, so neither imports the other.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np


class BaselineError(ValueError):
    """A baseline file that cannot be used; the message names the file, and the line where one is at fault."""


def load_baseline(path: Path, column: str) -> np.ndarray:
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or column not in reader.fieldnames:
            raise BaselineError(f"{path}: no column {column!r} (columns: {', '.join(reader.fieldnames or [])})")
        values = []
        for line, row in enumerate(reader, start=2):
            try:
                value = float(row[column])
            except (TypeError, ValueError):
                raise BaselineError(f"{path}:{line}: {column}={row[column]!r} is not a number of seconds") from None
            if not value > 0:
                raise BaselineError(f"{path}:{line}: {column}={value} is not a positive time")
            values.append(value)
    if len(values) < 2:
        raise BaselineError(f"{path}: a baseline needs at least 2 timings, got {len(values)}")
    return np.array(values)

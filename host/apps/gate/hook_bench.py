"""How long Claude Code waits for the hook: wall time from starting the process to its answer.

A hook is a new process on every command, so its cost is Python's start-up, the imports and opening the registry,
not the check itself. Each run starts ``tcphw gate hook claude`` as Claude Code does (the same Python, the input
on stdin) and times it to exit; the lines are realistic agent lines of the corpus. Bytecode caching is left on,
as on a user's machine (an environment with PYTHONDONTWRITEBYTECODE compiles every module on every start).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tcphw.host.apps.gate.accuracy import EVERYDAY_FAMILIES
from tcphw.host.apps.gate.corpus import load
from tcphw.stats import bootstrap_ci

GOAL_MS = 150.0


def _inputs(n: int) -> list[bytes]:
    lines = [line for line in load(list(EVERYDAY_FAMILIES))]
    out = []
    for k in range(n):
        line = lines[(k * 7919) % len(lines)]  # spread over the families, the same lines every run
        doc = {
            "session_id": "bench",
            "transcript_path": "/tmp/bench.jsonl",
            "cwd": line.cwd,
            "permission_mode": "default",
            "hook_event_name": "PreToolUse",
            "tool_name": "Bash",
            "tool_input": {"command": line.command, "description": "bench"},
            "tool_use_id": f"toolu_{k}",
        }
        out.append(json.dumps(doc).encode())
    return out


def measure(db: Path, runs: int = 30, warmup: int = 3, service: bool = False) -> dict[str, Any]:
    """Wall times of ``runs`` hook processes (after ``warmup`` unrecorded ones that fill the caches)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    argv = [sys.executable, "-m", "tcphw", "gate", "hook", "claude", "--db", str(db)]
    if not service:
        argv.append("--no-service")
    times: list[float] = []
    answers: dict[str, int] = {}
    for k, raw in enumerate(_inputs(runs + warmup)):
        started = time.perf_counter()
        done = subprocess.run(argv, input=raw, capture_output=True, env=env, timeout=60)
        elapsed = (time.perf_counter() - started) * 1e3
        if done.returncode != 0:
            raise RuntimeError(f"the hook failed: {done.stderr.decode(errors='replace').strip()[:300]}")
        decision = json.loads(done.stdout)["hookSpecificOutput"]["permissionDecision"] if done.stdout.strip() else "-"
        if k >= warmup:
            times.append(elapsed)
            answers[decision] = answers.get(decision, 0) + 1
    ordered = sorted(times)
    lo, hi = bootstrap_ci(times, stat="median", seed=1)
    return {
        "runs": runs,
        "median_ms": ordered[len(ordered) // 2]
        if len(ordered) % 2
        else sum(ordered[len(ordered) // 2 - 1 : len(ordered) // 2 + 1]) / 2,
        "median_ci_ms": [lo, hi],
        "min_ms": ordered[0],
        "max_ms": ordered[-1],
        "goal_ms": GOAL_MS,
        "answers": answers,
        "service": service,
        "python": sys.version.split()[0],
    }

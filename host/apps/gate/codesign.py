"""Would an FPGA or a GPU behind ``gate serve`` pay, and from what fleet size? The co-design part of gate bench.

What the bench measured: the service's CPU a decision (``C``), the part of it spent validating descriptors on
the software backend (``v``, the backend call as the service makes it: numpy array, kernel, verdicts back),
the descriptors a decision rests on (``D``), and the software kernel's rate on one core (``S1``). What
``tcphw project --json`` gives: the FPGA's post-route rate (measured) and an ASIC's (projected). What
docs/gpu.md recorded on an H100 (not measured here). And one assumption, stated wherever it is used: how
often an agent runs a command.

The argument: validation scales with the fleet exactly as the front end (HTTP, JSON, parse, rules, log) does,
both per decision, so its share of the service's CPU is ``v / C`` at any fleet size; an accelerator can take
at most that share off the host. It pays only once the validation it removes is worth a whole core, which is
at ``interval / v`` agents; by then the front end needs ``C / v`` cores. Each accelerator's capacity, in
decisions per second (its descriptor rate over ``D``), says how large a fleet it could serve once there; a
board behind a USB UART is bounded by its link, not its fabric.
"""

from __future__ import annotations

import time
from typing import Any

from tcphw.descriptors.generate import generate
from tcphw.host.apps.bench import wire_limit_dps
from tcphw.host.backends import open_backend

# Recorded in docs/gpu.md (issue 31 quotes it): the gpu backend end to end on an NVIDIA H100, corpus and verdicts
# in host memory. Not measured by this bench: no GPU here.
GPU_RECORDED: dict[str, Any] = {
    "what": "GPU, NVIDIA H100, end to end (recorded in docs/gpu.md, not measured here)",
    "dps": 352e6,
}
ICEBREAKER_UART = {"baud": 3_000_000, "capacity": 256}  # the real iCEBreaker's link (tcphw board info)


def software_rate(count: int = 1_000_000, repeat: int = 5) -> float:
    """The software kernel's descriptors per second on one thread: median of ``repeat`` runs."""
    import numpy as np

    rows, _ = generate(count, seed=1)
    with open_backend("software:threads=1") as backend:
        backend.validate(rows[:1000])
        seconds = []
        for _ in range(repeat):
            start = time.perf_counter()
            backend.validate(rows)
            seconds.append(time.perf_counter() - start)
    return count / float(np.median(seconds))


def _rows(project: dict[str, Any] | None, board: dict[str, Any] | None) -> list[dict[str, Any]]:
    uart = board.get("real_board", {}).get("baud") if board else None
    capacity = board.get("hello", {}).get("capacity") if board else None
    rows = [
        {
            "what": f"iCEBreaker board behind its USB UART at {(uart or ICEBREAKER_UART['baud']):,} baud (link bound)",
            "dps": wire_limit_dps(uart or ICEBREAKER_UART["baud"], capacity or ICEBREAKER_UART["capacity"]),
            "kind": "computed from the link",
        },
        {**GPU_RECORDED, "kind": "recorded"},
    ]
    if project:
        for f in project.get("measured", {}).get("fpga", []):
            if f.get("lanes") == 1 and f.get("pipeline") == 2:
                rows.append({"what": f"FPGA fabric, {f['device']}, 1 lane (post-route fmax)",
                             "dps": float(f["throughput_dps"]), "kind": "measured (tcphw project)"})  # fmt: skip
        for p in project.get("projections", []):
            rows.append({"what": f"ASIC {p['node_nm']} nm, {p['lanes']} lane(s), PROJECTED",
                         "dps": float(p["throughput_dps"]["value"]), "kind": "projected (tcphw project)"})  # fmt: skip
    return rows


def codesign(
    load: dict[str, Any],
    level: dict[str, Any],
    kernel_dps: float,
    interval_s: float,
    project: dict[str, Any] | None = None,
    board: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The co-design figures from one measured load level of the software backend (see the module doc)."""
    c_us = level["server_cpu_us"]
    v_us = level["stages_us"]["validate"]["cpu_us"]
    d = level["descriptors_per_decision"]
    front_dps = 1e6 / c_us  # decisions a second one core of front end sustains, everything included
    validators: list[dict[str, Any]] = [
        {"what": "software kernel, one core (measured here)", "dps": kernel_dps, "kind": "measured"}
    ]
    validators += _rows(project, board)
    for row in validators:
        row["decisions_per_s"] = row["dps"] / d
        row["fleet"] = row["decisions_per_s"] * interval_s  # agents it could serve, one command each interval
    pays_at = interval_s / (v_us * 1e-6)  # agents whose validation on software would fill one core
    return {
        "backend": load["backend"],
        "clients": level["clients"],
        "agent_interval_s": interval_s,
        "assumption": f"an agent runs one command every {interval_s:g} s",
        "server_cpu_us": c_us,
        "validate_cpu_us": v_us,
        "kernel_us": d / kernel_dps * 1e6,  # the kernel's own share of v
        "validate_share": v_us / c_us,
        "descriptors_per_decision": d,
        "front_end_decisions_per_core": front_dps,
        "front_end_fleet_per_core": front_dps * interval_s,
        "accelerator_pays_at_agents": pays_at,
        "front_end_cores_then": c_us / v_us,
        "validators": validators,
    }


def format_codesign(co: dict[str, Any]) -> list[str]:
    out = [
        f"co-design ({co['backend']} at {co['clients']} clients; assumption: {co['assumption']}):",
        f"  the service's CPU a decision {co['server_cpu_us']:.0f} us, of which backend validation "
        f"{co['validate_cpu_us']:.1f} us ({co['validate_share']:.2%}; the kernel itself {co['kernel_us']:.3f} us for "
        f"{co['descriptors_per_decision']:.2f} descriptors): validation is a negligible share",
        f"  one core of front end: {co['front_end_decisions_per_core']:,.0f} decisions/s = "
        f"{co['front_end_fleet_per_core']:,.0f} agents",
        f"  an accelerator frees at most the validation: one core's worth from {co['accelerator_pays_at_agents']:,.0f} "
        f"agents on, when the front end needs {co['front_end_cores_then']:,.0f} cores",
        f"  {'validator':74} {'descriptors/s':>15} {'decisions/s':>15} {'agents':>17}",
    ]
    for row in co["validators"]:
        out.append(f"  {row['what']:74} {row['dps']:>15,.0f} {row['decisions_per_s']:>15,.0f} {row['fleet']:>17,.0f}")
    return out

"""The figures in docs/lab.md: each lab path against a direct socket:// link, measured in one run.

    TCPHW_LABGRID_BIN=.venv-labgrid/bin .venv/bin/python docs/lab/measure.py   (make labgrid first)

Prints JSON: STATS round trips and validation rates (7 validations of 2,000 descriptors), each as a median
with the bootstrap 95% interval of the median, on a virtual iCEBreaker reached directly, through a labgrid
place, and through the link proxy holding bytes as a USB bridge does (16 ms: ftdi_sio's default; 1 ms:
low-latency mode); the cost of acquiring and releasing a place; and the cost a Dask actor adds to each
experiment run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tcphw.boards import get_board
from tcphw.descriptors.generate import generate
from tcphw.host.link import BoardLink
from tcphw.host.link.labgrid import Place, labgrid_command
from tcphw.host.link.proxy import LinkProxy
from tcphw.sim.virtual_board import VirtualBoard
from tcphw.stats import summarize

TRIPS = 200
REPEATS = 7  # validations of ROWS per path
ROWS = generate(2000, seed=9)[0]


def ci(samples: list[float]) -> dict[str, float]:
    """Median and bootstrap 95% CI, as bench and experiment report them."""
    st = summarize(samples)
    return {"median": st["median"], "lo": st["ci95_low"], "hi": st["ci95_high"]}


def measure(url: str, board_config) -> dict[str, object]:  # type: ignore[no-untyped-def]
    with BoardLink(url, baud=board_config.baud, answer_timeout_s=10.0) as link:
        link.connect(board_config.gateware_id())
        trips = []
        for _ in range(TRIPS):
            t0 = time.perf_counter()
            link.stats()
            trips.append((time.perf_counter() - t0) * 1e3)
        rates = []
        for _ in range(REPEATS):
            t0 = time.perf_counter()
            link.validate(ROWS)
            rates.append(len(ROWS) / (time.perf_counter() - t0))
    return {"stats_round_trip_ms": ci(trips), "validate_per_s": ci(rates)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    board = get_board("icebreaker")
    out: dict[str, object] = {
        "machine": f"{os.cpu_count()} CPUs",
        "trips": TRIPS,
        "descriptors": len(ROWS),
        "repeats": REPEATS,
    }
    with VirtualBoard(board) as vb:
        cfg = vb.config
        out["direct socket://"] = measure(vb.url, cfg)
        for hold in (1.0, 16.0):
            with LinkProxy(vb.url, hold_ms=hold) as proxy:
                out[f"link-proxy --hold-ms {hold:g}"] = measure(proxy.url, cfg)
        with tempfile.TemporaryDirectory() as work:
            address = f"127.0.0.1:{free_port()}"
            log = open(Path(work) / "lab.log", "w")  # noqa: SIM115
            coordinator = subprocess.Popen(
                [labgrid_command("labgrid-coordinator"), "-l", address], cwd=work, stdout=log, stderr=log
            )
            config = Path(work) / "exporter.yaml"
            config.write_text(
                f"vb:\n  NetworkSerialPort: {{host: 127.0.0.1, port: {vb.port}, speed: {board.baud}, protocol: raw}}\n"
            )
            time.sleep(2)
            exporter = subprocess.Popen(
                [labgrid_command("labgrid-exporter"), "-c", address, "-n", "m", "--hostname", "127.0.0.1", str(config)],
                stdout=log,
                stderr=log,
            )
            client = [labgrid_command("labgrid-client"), "-x", address, "-p", "measure"]
            for _ in range(60):
                if (
                    "m/vb/NetworkSerialPort"
                    in subprocess.run([*client, "resources"], capture_output=True, text=True).stdout
                ):
                    break
                time.sleep(0.5)
            subprocess.run([*client, "create"], check=True, capture_output=True)
            subprocess.run([*client, "add-match", "m/vb/NetworkSerialPort"], check=True, capture_output=True)
            costs = []
            for _ in range(10):
                t0 = time.perf_counter()
                place = Place("measure", address).acquire()
                place.url()
                place.release()
                costs.append(time.perf_counter() - t0)
            out["labgrid acquire + resolve + release, s"] = ci(costs)
            with Place("measure", address) as place:
                out["labgrid place"] = measure(place.url(), cfg)
            exporter.terminate()
            coordinator.terminate()
            exporter.wait()
            coordinator.wait()
    out["dask actor per run"] = dask_overhead()
    print(json.dumps(out, indent=1))


def dask_overhead() -> dict[str, object]:
    """Wall time of an experiment run through a Dask actor minus the run's own time, on the worker."""
    from distributed import Client, LocalCluster

    from tcphw.host.apps.experiment.runner import BackendActor

    rows = generate(100_000, seed=1)[0]
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as lc, Client(lc) as c:
        actor = c.submit(BackendActor, "software:threads=1", actor=True).result()
        actor.load("c", rows).result()
        extra = []
        for _ in range(30):
            t0 = time.perf_counter()
            seconds, _, _ = actor.time_run("c", 0).result()
            extra.append((time.perf_counter() - t0 - seconds) * 1e3)
        actor.close().result()
    return {"added_ms": ci(extra), "note": "verdicts come back with each run: 100,000 bytes"}


if __name__ == "__main__":
    sys.exit(main())

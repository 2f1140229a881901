"""Starting ``tcphw gate serve`` as a real child process for the service's tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tcphw.host.gate import client


class Served:
    """A running ``tcphw gate serve`` and where it listens."""

    def __init__(self, process: subprocess.Popen[bytes], address: str, stderr: Path) -> None:
        self.process = process
        self.address = address
        self.stderr = stderr

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies, so a test run that is killed leaves no service behind
    (Linux's PR_SET_PDEATHSIG; elsewhere nothing)."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def environment(tmp: Path) -> dict[str, str]:
    """The service's environment: its defaults in ``tmp``, never the user's folders."""
    return {
        **os.environ,
        "TCPHW_DATA_DIR": str(tmp / "data"),
        "TCPHW_CONFIG_DIR": str(tmp / "config"),
        "XDG_RUNTIME_DIR": str(tmp / "run"),
    }


def serve(tmp: Path, *args: str, prefix: tuple[str, ...] = (), timeout: float = 60.0) -> Served:
    """``gate serve ARGS`` (the reference backend unless ARGS say otherwise), once it answers /health."""
    tmp.mkdir(parents=True, exist_ok=True)
    stderr = tmp / f"serve-{time.monotonic_ns()}.err"
    cmd = [*prefix, sys.executable, "-m", "tcphw", "gate", "serve"]
    if "--backend" not in args:
        cmd += ["--backend", "reference"]
    with open(stderr, "wb") as err:
        process = subprocess.Popen([*cmd, *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                   env=environment(tmp), preexec_fn=_die_with_parent)  # fmt: skip
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gate serve exited {process.returncode}: {stderr.read_text()}")
        for line in stderr.read_text(errors="replace").splitlines():
            if line.startswith("tcphw gate serve: ") and " (backend " in line:
                address = line.removeprefix("tcphw gate serve: ").split(" (backend ", 1)[0]
                try:
                    client.health(address, timeout=2.0)
                    return Served(process, address, stderr)
                except client.ServiceUnavailable:
                    pass
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"gate serve did not start: {stderr.read_text()}")


def registry(path: Path) -> Path:
    """A registry file with the stored snapshot's rows (what the corpus is judged against)."""
    from tcphw.host.apps.gate.snapshot import write_registry

    return write_registry(path)

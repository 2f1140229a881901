"""labgrid places as board links: acquire a place, take its serial URL, release it on every exit path.

labgrid's Python package replaces pyserial's files with its own fork (``pyserial-labgrid``), so tcphw
never imports it. It drives the ``labgrid-client`` command line of a separate install instead
(``pipx install labgrid``, or ``make labgrid`` in the checkout), found as ``TCPHW_LABGRID_BIN`` (the
folder with labgrid's commands) or on PATH. The command line is labgrid's stable interface, and the
coordinator's locks are the real ones: another user's holder name comes back in the error.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

DEFAULT_COORDINATOR = "127.0.0.1:20408"  # labgrid's own default
CLIENT_TIMEOUT_S = 30.0  # one labgrid-client call; a coordinator that does not answer in this is gone


class LabgridError(RuntimeError):
    """labgrid cannot do what was asked (no client, no coordinator, no such place, no serial port)."""


class PlaceHeld(LabgridError):
    """Someone else holds the place."""

    def __init__(self, message: str, holder: str) -> None:
        super().__init__(message)
        self.holder = holder


def labgrid_command(name: str) -> str:
    """The path of one of labgrid's commands (labgrid-client, labgrid-exporter, labgrid-coordinator)."""
    folder = os.environ.get("TCPHW_LABGRID_BIN")
    if folder:
        path = Path(folder) / name
        if not os.access(path, os.X_OK):
            raise LabgridError(f"TCPHW_LABGRID_BIN={folder} has no {name}")
        return str(path)
    found = shutil.which(name)
    if found is None:
        raise LabgridError(
            f"{name} not found: install labgrid in its own environment ('pipx install labgrid'; it replaces "
            "pyserial, so not beside tcphw) or set TCPHW_LABGRID_BIN to the folder that has its commands"
        )
    return found


def serial_url(resource: str, params: dict[str, Any]) -> str:
    """The pyserial URL of a labgrid serial resource as ``labgrid-client env`` describes it."""
    if resource == "NetworkSerialPort":
        host, port = params["host"], int(params["port"])
        if params.get("protocol", "rfc2217") == "raw":
            return f"socket://{host}:{port}"
        # ser2net on a pty has no DTR: without ign_set_control it drops the session (toolchain notes)
        return f"rfc2217://{host}:{port}?ign_set_control"
    if resource in ("USBSerialPort", "RawSerialPort"):
        device = params.get("port")
        if not device:
            raise LabgridError(f"the place's {resource} has no device path (is the board plugged in?)")
        return str(device)
    raise LabgridError(f"labgrid resource {resource} is not a serial port")


class Place:
    """One labgrid place, acquired on ``acquire`` and released on ``release`` (idempotent)."""

    def __init__(self, name: str, coordinator: str | None = None, wait_s: float = 0.0) -> None:
        if not name or not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
            raise LabgridError(f"labgrid place name {name!r}: use letters, digits, '.', '_' and '-'")
        if wait_s < 0:
            raise LabgridError(f"wait must be >= 0 seconds, got {wait_s}")
        self.name = name
        self.coordinator = coordinator or os.environ.get("LG_COORDINATOR") or DEFAULT_COORDINATOR
        self.wait_s = wait_s
        self.held = False
        self._client = labgrid_command("labgrid-client")

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [self._client, "-x", self.coordinator, "-p", self.name, *args]
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as e:
            raise LabgridError(
                f"labgrid coordinator {self.coordinator} did not answer '{' '.join(args)}' in {CLIENT_TIMEOUT_S:g} s"
            ) from e

    def _error(self, result: subprocess.CompletedProcess[str]) -> str:
        lines = [line.strip() for line in (result.stderr + result.stdout).splitlines() if line.strip()]
        text = lines[-1] if lines else f"labgrid-client exited {result.returncode}"
        return re.sub(r"^labgrid-client: (Error: )?", "", text)

    def acquire(self) -> Place:
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                result = self._run("acquire")
            except BaseException:
                # Stopped while the client ran (Ctrl-C, SIGTERM, its timeout): the coordinator may
                # have granted the place already, so give it back if it is ours, then stop.
                self._release_if_ours()
                raise
            if result.returncode == 0:
                self.held = True
                return self
            message = self._error(result)
            held = re.search(r"already acquired by (\S+?)\.?(\s|$)", message)
            if held is None:
                raise LabgridError(f"labgrid place {self.name} on {self.coordinator}: {message}")
            if time.monotonic() >= deadline:
                waited = f" after waiting {self.wait_s:g} s" if self.wait_s else ""
                raise PlaceHeld(
                    f"labgrid place {self.name} is held by {held.group(1)}{waited}; ask them to release it, "
                    "or wait for it with wait=SECONDS",
                    held.group(1),
                )
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))

    def url(self) -> str:
        """The pyserial URL of the place's serial port (the place must be acquired)."""
        result = self._run("env")
        if result.returncode != 0:
            raise LabgridError(f"labgrid place {self.name}: {self._error(result)}")
        try:
            env = yaml.safe_load(result.stdout)
            resources = env["targets"][self.name]["resources"]
        except (yaml.YAMLError, KeyError, TypeError) as e:
            raise LabgridError(f"labgrid place {self.name}: cannot read its resources ({e})") from e
        found = []
        for entry in resources or []:
            for cls, params in entry.items():
                if cls in ("NetworkSerialPort", "USBSerialPort", "RawSerialPort"):
                    found.append((cls, params or {}))
        if not found:
            raise LabgridError(f"labgrid place {self.name} has no serial port among its resources")
        if len(found) > 1:
            raise LabgridError(f"labgrid place {self.name} has {len(found)} serial ports; match exactly one")
        return serial_url(*found[0])

    def release(self) -> None:
        if not self.held:
            return
        # A second Ctrl-C during the release must not leave the place locked: try again once.
        for _ in range(2):
            try:
                result = self._run("release")
                break
            except KeyboardInterrupt:
                continue
        else:
            return
        if result.returncode != 0:
            raise LabgridError(f"labgrid place {self.name} could not be released: {self._error(result)}")
        self.held = False

    def _release_if_ours(self) -> None:
        """Release without knowing whether the acquire went through; the coordinator refuses to
        release a place someone else holds, so this never takes it from them."""
        # Already on the way out with the first error, which is the one to report.
        with contextlib.suppress(BaseException):
            self._run("release")

    def __enter__(self) -> Place:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextmanager
def acquired(name: str, coordinator: str | None = None, wait_s: float = 0.0) -> Iterator[tuple[Place, str]]:
    """The place, acquired, and its serial URL; released however the block ends."""
    with Place(name, coordinator, wait_s) as place:
        yield place, place.url()


def exporter_config(group: str, resource: dict[str, Any]) -> str:
    """A labgrid exporter configuration with one resource group."""
    return yaml.safe_dump({group: resource}, sort_keys=False)

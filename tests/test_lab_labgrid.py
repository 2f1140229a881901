"""Boards through labgrid places, against a real coordinator and exporter on loopback.

The coordinator runs in a temporary folder (it keeps ``places.yaml`` in its working directory), the
exporter is ``tcphw board export --virtual`` (a virtual iCEBreaker published as a NetworkSerialPort),
and a place matches it. labgrid lives in its own environment (``make labgrid``; ``make test`` makes it):
its package replaces pyserial's files, so it never shares tcphw's.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tcphw.descriptors.corpus import save_corpus
from tcphw.descriptors.generate import generate
from tcphw.descriptors.golden import golden_arrays
from tcphw.descriptors.kernel import verdicts as software_verdicts
from tcphw.host.backends import BackendError, open_backend
from tcphw.host.link import BoardLink
from tcphw.host.link.labgrid import Place

# One worker runs the file: its coordinator and exporter are a module fixture (pytest --dist loadgroup).
pytestmark = [pytest.mark.xdist_group("labgrid"), pytest.mark.labgrid]
PLACE = "tcphw-lab-test"


def _labgrid_bin() -> Path:
    folder = os.environ.get("TCPHW_LABGRID_BIN")
    if folder:
        return Path(folder)
    found = shutil.which("labgrid-client")
    if found is None:
        pytest.skip("labgrid is not installed: 'make labgrid' makes .venv-labgrid (make test does it)")
    return Path(found).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Lab:
    bin: Path
    coordinator: str

    def client(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        env = os.environ | ({"LG_USERNAME": user} if user else {})
        command = [str(self.bin / "labgrid-client"), "-x", self.coordinator, "-p", PLACE, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, env=env, check=False)

    def holder(self) -> str:
        shown = self.client("show")
        assert shown.returncode == 0, shown.stderr
        found = re.search(r"^\s*acquired: (\S+)", shown.stdout, re.MULTILINE)
        assert found, shown.stdout
        return found.group(1)

    def spec(self, **extra: object) -> str:
        options = {"place": PLACE, "coordinator": self.coordinator, **extra}
        return "board:" + ",".join(f"{k}={v}" for k, v in options.items())


def _wait_for(what: str, check, timeout_s: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.3)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    folder = _labgrid_bin()
    work = tmp_path_factory.mktemp("labgrid")
    address = f"127.0.0.1:{_free_port()}"
    previous = os.environ.get("TCPHW_LABGRID_BIN")
    os.environ["TCPHW_LABGRID_BIN"] = str(folder)
    log = (work / "lab.log").open("w")  # a file, not a pipe: nobody reads these until something fails
    coordinator = subprocess.Popen(
        [str(folder / "labgrid-coordinator"), "-l", address], cwd=work, stdout=log, stderr=log
    )
    exporter = None
    try:
        lab = Lab(folder, address)
        _wait_for("the coordinator", lambda: lab.client("places").returncode == 0)
        exporter = subprocess.Popen(
            [sys.executable, "-m", "tcphw", "board", "export", "--virtual", "--coordinator", address,
             "--name", "tcphw-test", "--out", str(work / "exporter.yaml")],
            stdout=log, stderr=log,
        )  # fmt: skip
        resource = "tcphw-test/tcphw-virtual-icebreaker/NetworkSerialPort"

        def exported() -> bool:
            assert exporter is not None and exporter.poll() is None, (work / "lab.log").read_text()[-2000:]
            return resource in lab.client("resources").stdout

        _wait_for("the exporter's virtual board", exported, timeout_s=300)  # a first model build takes a while
        assert lab.client("create").returncode == 0
        assert lab.client("add-match", resource).returncode == 0
        yield lab
    finally:
        if exporter is not None:  # SIGTERM: the export command stops labgrid-exporter and the model
            exporter.send_signal(signal.SIGTERM)
            exporter.wait(timeout=30)
        coordinator.terminate()
        coordinator.wait(timeout=30)
        log.close()
        if previous is None:
            os.environ.pop("TCPHW_LABGRID_BIN", None)
        else:
            os.environ["TCPHW_LABGRID_BIN"] = previous


def test_validation_through_a_place_agrees_with_software(lab: Lab) -> None:
    golden, _ = golden_arrays()
    data = np.concatenate([golden, generate(400, seed=7)[0]])
    with open_backend(lab.spec()) as board:
        assert lab.holder() != "None"  # held for the whole run
        got = board.validate(data)
        info = board.info()
    assert np.array_equal(got, software_verdicts(data))
    assert info["place"] == PLACE and info["coordinator"] == lab.coordinator  # recorded with every result
    assert info["url"].startswith("socket://127.0.0.1:")
    assert lab.holder() == "None"  # released on close


def test_a_place_someone_else_holds_is_refused_naming_them(lab: Lab) -> None:
    assert lab.client("acquire", user="alice").returncode == 0
    try:
        with pytest.raises(BackendError, match=r"held by \S+/alice"):
            open_backend(lab.spec())
        with pytest.raises(BackendError, match=r"held by \S+/alice after waiting 1 s"):
            open_backend(lab.spec(wait=1))
    finally:
        assert lab.client("release", user="alice").returncode == 0
    with open_backend(lab.spec(wait=5)) as board:  # free again: acquired at once
        assert board.validate(generate(5, seed=1)[0]).shape == (5,)
    assert lab.holder() == "None"


def _as_in_the_foreground() -> None:
    """Ctrl-C reaches a run in the foreground. A shell starts background jobs (`make test &`) with SIGINT ignored,
    their children inherit that, and Python then installs no KeyboardInterrupt handler: restore the default."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_place_is_released_when_a_run_is_interrupted(lab: Lab, tmp_path: Path, stop: signal.Signals) -> None:
    corpus = tmp_path / "c.tcpd"
    save_corpus(corpus, generate(200_000, seed=3)[0])  # minutes on a virtual board: it is stopped long before
    run = subprocess.Popen(
        [sys.executable, "-m", "tcphw", "validate", str(corpus), "-b", lab.spec(), "-o", str(tmp_path / "v.bin")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=_as_in_the_foreground,
    )  # fmt: skip
    assert run.stderr is not None
    said: list[str] = []
    reader = threading.Thread(target=lambda: said.extend(run.stderr), daemon=True)  # type: ignore[arg-type]
    reader.start()
    try:
        # The progress label comes once the board is open: the stop lands in the validation itself, not
        # in the opening (the opening has its own test below).
        _wait_for("the run to start validating", lambda: run.poll() is None and any("validating" in s for s in said))
        assert lab.holder() != "None"
        run.send_signal(stop)
        run.wait(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()  # never leave it holding the place for the next test
            run.wait()
    reader.join(timeout=10)
    err = "".join(said)
    assert run.returncode != 0, err
    assert not (tmp_path / "v.bin").exists()  # nothing that looks complete
    assert lab.holder() == "None", err


def _interrupt_after(original: Callable[..., Any]) -> Callable[..., Any]:
    """The call goes through, then Ctrl-C arrives before its caller sees the result."""

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        original(*args, **kwargs)
        raise KeyboardInterrupt

    return interrupted


@pytest.mark.parametrize("stage", ["acquire", "url", "hello"])
def test_a_place_is_released_when_opening_is_interrupted(lab: Lab, monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """Each step of opening a place-backed board, stopped just after the coordinator or board answered: a
    SIGTERM that lands there (seen in CI, when the signal beat the HELLO) must not leave the place locked."""
    if stage == "acquire":  # the coordinator granted the place, but the client was stopped before saying so
        real_run = Place._run

        def run(self: Place, *args: str) -> subprocess.CompletedProcess[str]:
            return (_interrupt_after(real_run) if args == ("acquire",) else real_run)(self, *args)

        monkeypatch.setattr(Place, "_run", run)
    elif stage == "url":
        monkeypatch.setattr(Place, "url", _interrupt_after(Place.url))
    else:
        monkeypatch.setattr(BoardLink, "connect", _interrupt_after(BoardLink.connect))
    with pytest.raises(KeyboardInterrupt):
        open_backend(lab.spec())
    holder = lab.holder()
    if holder != "None":  # take it back so that this failure does not become the next tests' failures
        lab.client("release", "--kick")
    assert holder == "None"

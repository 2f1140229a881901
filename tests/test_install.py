"""tcphw as a user installs it: a wheel with ``[all]`` in a fresh virtual environment made from the
system Python, used by an unprivileged user from an empty folder. Nothing may be written inside
site-packages (caches go to the user cache directory), and the shipped data must be there: the
projection keeps its measured FPGA rows, the examples run by name.

Marked ``install`` (minutes: the install, a Verilator build, a netlist): ``make test-install`` runs it,
and CI runs that after ``make test``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # the checkout: the wheel is built from it

pytestmark = pytest.mark.install


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


def _clean_copy(dest: Path) -> Path:
    """The checkout's files (tracked, or new and not ignored), links kept: a wheel built in the checkout
    would pick up setuptools' stale build/lib and hide a file missing from the package data."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            capture_output=True, check=True).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        src = ROOT / name
        if not src.exists() and not src.is_symlink():
            continue  # deleted in the work tree
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(os.readlink(src))
        else:
            shutil.copy2(src, target)
    return dest


def _system_python() -> Path:
    """The operating system's Python 3.11+ (Debian's /usr/bin/python3), else the one under this venv.
    Not this test's interpreter: that may live under root's home (pyenv), which another user cannot run."""
    for candidate in (Path("/usr/bin/python3"), Path(sys.base_prefix) / "bin" / "python3"):
        if candidate.exists():
            r = subprocess.run([str(candidate), "-c", "import sys, venv; print(sys.version_info >= (3, 11))"],
                               capture_output=True, text=True)  # fmt: skip
            if r.stdout.strip() == "True":
                return candidate
    pytest.fail("no Python 3.11+ with venv found (/usr/bin/python3 or this environment's base)")


@pytest.fixture
def world_readable_tmp() -> Iterator[Path]:
    """A folder another user can enter (pytest's own tmp_path sits under a 0700 folder of root's)."""
    path = Path(tempfile.mkdtemp(prefix="tcphw-install-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_wheel_works_for_an_unprivileged_user_in_an_empty_folder(world_readable_tmp: Path) -> None:
    tmp_path = world_readable_tmp
    wheels, venv, home, work = (tmp_path / n for n in ("wheels", "venv", "home", "work"))
    source = _clean_copy(tmp_path / "source")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)],
                   check=True)  # fmt: skip
    (wheel,) = wheels.glob("tcphw-*.whl")
    system_python = _system_python()
    subprocess.run([str(system_python), "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", f"{wheel}[all]"], check=True)
    site = next((venv / "lib").glob("python3*/site-packages"))
    before = _snapshot(site / "tcphw")

    home.mkdir()
    work.mkdir()
    drop: list[str] = []
    if os.geteuid() == 0:  # root writes anywhere: run as nobody, for whom site-packages is read-only
        drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        for folder in (home, work):
            os.chown(folder, 65534, 65534)
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}

    def tcphw(*args: str, timeout: int = 900) -> str:
        r = subprocess.run([*drop, str(venv / "bin" / "tcphw"), *args], cwd=work, env=env, capture_output=True,
                           text=True, timeout=timeout)  # fmt: skip
        assert r.returncode == 0, f"tcphw {' '.join(args)}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
        return r.stdout

    r = subprocess.run([*drop, str(venv / "bin" / "python"), "-m", "tcphw", "--help"], cwd=work, env=env,
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0 and "validate" in r.stdout, r.stderr
    tcphw("gen", "--count", "20000", "--out", "c.tcpd")
    summary = json.loads(tcphw("validate", "c.tcpd", "--json"))
    assert summary["count"] == 20_000
    bench = json.loads(tcphw("bench", "--compare", "software", "--count", "20000", "--repeat", "3", "--json"))
    backends = {r["backend"] for r in bench["results"]}
    assert {"board", "software"} <= backends, backends  # the virtual board, built into the user's cache
    assert bench["agreement"]["mismatches"] == 0
    projection = json.loads(tcphw("project", "--lanes", "1", "--no-software", "--json"))
    assert projection["measured"]["fpga"], (
        "the shipped synthesis figures were not found: the projection lost its measured FPGA rows"
    )
    out = tcphw("experiment", "run", "software-vs-naive", "--out", "exp", "--quiet")
    assert "results: exp" in out and (work / "exp" / "report.md").is_file()

    assert _snapshot(site / "tcphw") == before, "something was written inside site-packages/tcphw"
    assert (home / ".cache" / "tcphw" / "vboard").is_dir()  # the caches went to the user's cache directory


def test_a_checkout_without_symlinks_says_so(tmp_path: Path) -> None:
    """A link checked out as a plain file (core.symlinks=false) is named, not a confusing import error."""
    fake = tmp_path / "tcphw_nolinks"
    fake.mkdir()
    shutil.copy(ROOT / "tcphw" / "__init__.py", fake / "__init__.py")
    (fake / "hdl").write_text("../hdl")
    r = subprocess.run([sys.executable, "-c", "import tcphw_nolinks"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode != 0 and "tcphw/hdl is a plain file" in r.stderr and "symlinks" in r.stderr

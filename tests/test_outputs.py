"""Outputs respect what they replace (issue 34 §1): a file is replaced whole, a symlink stays a link, a
device, FIFO or socket is written in place as a stream, a directory or block device is refused.

Every special file here is made in the test's temporary folder (os.mkfifo, a symlink, a socket, device
nodes with os.mknod where root may make them), except /dev/null, which is only ever written to; a
guard makes a rename onto anything under /dev fail the test instead of replacing it, and conftest checks
that the machine's device nodes are the same at the end of the run as at the start.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tcphw.atomic import OutputError, atomic_file, check_output
from tcphw.host.cli import main

COUNT = 100  # 2,400 bytes: fits a pipe's buffer, so a FIFO needs no reader thread
SIZE = COUNT * 24


@pytest.fixture(autouse=True)
def no_rename_into_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken writer fails here instead of replacing a device node of this machine."""
    real = os.replace

    def guarded(src: str | os.PathLike[str], dst: str | os.PathLike[str], **kwargs: object) -> None:
        if os.path.realpath(dst).startswith("/dev/"):
            raise AssertionError(f"refusing to rename over {dst} in a test")
        real(src, dst)

    monkeypatch.setattr(os, "replace", guarded)


def gen(runner: CliRunner, out: Path | str) -> tuple[int, str, bytes]:
    r = runner.invoke(main, ["gen", "-n", str(COUNT), "-s", "1", "--out", str(out)])
    return r.exit_code, r.output, r.stdout_bytes


@pytest.fixture()
def expected(tmp_path: Path, runner: CliRunner) -> bytes:
    plain = tmp_path / "plain.tcpd"
    assert gen(runner, plain)[0] == 0
    return plain.read_bytes()


def test_a_regular_file_is_replaced_whole_and_keeps_its_permissions(
    runner: CliRunner, tmp_path: Path, expected: bytes
) -> None:
    f = tmp_path / "old.tcpd"
    f.write_bytes(b"old")
    f.chmod(0o600)
    assert gen(runner, f)[0] == 0
    assert f.read_bytes() == expected and stat.S_IMODE(f.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.tcpd", "plain.tcpd"]  # no temporary file left


def test_a_symlink_stays_a_link_and_its_target_is_replaced(runner: CliRunner, tmp_path: Path, expected: bytes) -> None:
    (tmp_path / "data").mkdir()
    target = tmp_path / "data" / "real.tcpd"
    target.write_bytes(b"old")
    link = tmp_path / "link.tcpd"
    link.symlink_to(target)
    dangling = tmp_path / "dangling.tcpd"
    dangling.symlink_to(tmp_path / "data" / "new.tcpd")
    for out in (link, dangling):
        assert gen(runner, out)[0] == 0
        assert out.is_symlink() and out.read_bytes() == expected
    assert target.read_bytes() == expected and (tmp_path / "data" / "new.tcpd").read_bytes() == expected
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["new.tcpd", "real.tcpd"]


def test_a_fifo_is_written_in_place_for_its_reader(runner: CliRunner, tmp_path: Path, expected: bytes) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Read and write ends at once, so the writer's open does not wait, and without blocking, so a writer
    # that never wrote (the old rename) fails the read below instead of hanging the test.
    fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
    try:
        code, output, _ = gen(runner, fifo)
        assert code == 0, output
        assert stat.S_ISFIFO(fifo.stat().st_mode), "the FIFO was replaced"
        try:
            got = os.read(fd, 2 * SIZE)
        except BlockingIOError:
            got = b""
        assert got == expected
    finally:
        os.close(fd)


def test_a_unix_socket_is_written_in_place(runner: CliRunner, tmp_path: Path, expected: bytes) -> None:
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(str(path))
        server.listen(1)
        # A connection waits in the backlog and 2,400 bytes in its buffer, so the command needs no reader
        # thread; afterwards, one that never connected (the old rename) makes accept fail, not hang.
        code, output, _ = gen(runner, path)
        assert code == 0, output
        assert path.is_socket(), "the socket was replaced"
        server.setblocking(False)
        conn, _ = server.accept()
        with conn:
            conn.setblocking(True)
            got = b"".join(iter(lambda: conn.recv(65536), b""))
    assert got == expected


def _mknod(path: Path, kind: int, major: int, minor: int) -> None:
    try:
        os.mknod(path, kind | 0o666, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making device nodes needs root (CAP_MKNOD)")


@pytest.fixture()
def devices(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """A null and a full device made in the temporary folder (the kernel's own 1:3 and 1:7)."""
    made = {"null": tmp_path / "null", "full": tmp_path / "full"}
    _mknod(made["null"], stat.S_IFCHR, 1, 3)
    _mknod(made["full"], stat.S_IFCHR, 1, 7)
    yield made
    for path in made.values():
        assert stat.S_ISCHR(path.lstat().st_mode), f"{path} was replaced"


def test_a_character_device_is_written_in_place(runner: CliRunner, devices: dict[str, Path]) -> None:
    code, output, _ = gen(runner, devices["null"])
    assert code == 0, output
    # /dev/full takes nothing: the write fails, in one line and exit 2, and the node is still a device
    code, output, _ = gen(runner, devices["full"])
    assert code == 2 and "No space left on device" in output and len(output.strip().splitlines()) == 1, output


def test_dev_null_stays_a_device(runner: CliRunner) -> None:
    before = os.stat("/dev/null")
    assert check_output("/dev/null") == "stream"  # else the command below must not run at all
    assert gen(runner, "/dev/null")[0] == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_directory_and_a_block_device_are_refused_with_one_line(runner: CliRunner, tmp_path: Path) -> None:
    block = tmp_path / "disk"
    # major 240 is for local use: no driver answers it, so even a broken writer could reach no disk
    _mknod(block, stat.S_IFBLK, 240, 77)
    folder = tmp_path / "folder"
    folder.mkdir()
    code, output, _ = gen(runner, block)
    assert code == 2 and "is a block device" in output and len(output.strip().splitlines()) == 1, output
    code, output, _ = gen(runner, folder)  # click's own usage error: exit 2, the reason on its Error: line
    assert code == 2 and "is a directory" in output.strip().splitlines()[-1], output
    assert stat.S_ISBLK(block.lstat().st_mode) and folder.is_dir() and not any(folder.iterdir())
    with pytest.raises(OutputError, match="block device"), atomic_file(block):
        pass


def test_dash_is_standard_output(runner: CliRunner, expected: bytes, tmp_path: Path) -> None:
    code, output, stdout = gen(runner, "-")
    assert code == 0 and stdout == expected, output
    corpus = tmp_path / "plain.tcpd"
    r = runner.invoke(main, ["validate", str(corpus), "--out", "-"])
    assert r.exit_code == 0, r.output
    verdicts = np.frombuffer(r.stdout_bytes, dtype=np.uint8)
    assert len(verdicts) == COUNT and "valid" in r.stderr  # the summary moves to standard error
    r = runner.invoke(main, ["validate", str(corpus), "--out", "-", "--json"])
    assert r.exit_code == 2 and "both write standard output" in r.output
    r = runner.invoke(main, ["validate", str(corpus), "--out", "-", "--keep-partial"])
    assert r.exit_code == 2 and "needs --out to be a file" in r.output


def test_the_help_says_how_each_kind_is_written(runner: CliRunner) -> None:
    for command in (["gen"], ["validate"], ["export"], ["tools", "export"], ["tools", "accuracy"]):
        text = " ".join(runner.invoke(main, [*command, "--help"]).output.split())
        assert "written in place as a stream" in text and "- is standard output" in text, command


@pytest.mark.parametrize(
    "command",
    [
        ["bench", "-b", "software", "-n", "100", "--no-baseline"],
        ["experiment", "run", "software-vs-naive"],
        ["explore", "--board", "icebreaker", "--no-measure"],
        ["project", "--node", "28", "--no-software"],
        ["synth", "--device", "ice40-up5k", "--lanes", "1"],
    ],
)
def test_a_folder_of_outputs_is_checked_before_the_work(
    runner: CliRunner, tmp_path: Path, command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """bench --out /dev/null benchmarked first and failed after ("File exists"); each is one line now."""
    import tcphw.host.cli.bench as bench

    def must_not_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("the work started before --out was checked")

    monkeypatch.setattr(bench, "run_bench", must_not_run)
    for out, why in (("-", "standard output cannot hold them"), ("/dev/null", "is not a folder")):
        r = runner.invoke(main, [*command, "--out", out])
        assert r.exit_code == 2 and why in r.output and len(r.output.strip().splitlines()) == 1, r.output
    a_file = tmp_path / "a-file"
    a_file.write_text("kept\n")
    r = runner.invoke(main, [*command, "--out", str(a_file)])  # click's own check: exit 2, before the work
    assert r.exit_code == 2 and "is a file" in r.output and a_file.read_text() == "kept\n", r.output


def test_an_interrupted_plot_leaves_the_old_image_or_none(tmp_path: Path) -> None:
    """A Ctrl-C while a figure was saved left a 124-byte latency.png; the old image survives it now."""
    from tcphw.atomic import save_figure

    class Interrupted:
        def savefig(self, f: object, format: str) -> None:
            assert hasattr(f, "write") and format == "png"
            f.write(b"\x89PNG" + bytes(120))  # type: ignore[attr-defined]
            raise KeyboardInterrupt

    old = tmp_path / "latency.png"
    old.write_bytes(b"the old image")
    for path in (old, tmp_path / "new.png"):
        with pytest.raises(KeyboardInterrupt):
            save_figure(Interrupted(), path)
    assert old.read_bytes() == b"the old image"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latency.png"]


def test_every_plot_goes_through_the_atomic_writer() -> None:
    """No module saves a figure straight to a path (which a Ctrl-C leaves half-written)."""
    import tcphw

    root = Path(tcphw.__file__).resolve().parent.parent
    direct = []
    for folder in ("tcphw", "host", "hdl", "boards", "sim", "projections"):
        for source in (root / folder).rglob("*.py"):
            for number, line in enumerate(source.read_text().splitlines(), start=1):
                if ".savefig(" in line and source.name != "atomic.py":
                    direct.append(f"{source.relative_to(root)}:{number}")
    assert direct == []

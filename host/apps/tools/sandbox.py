"""Reading a tool's documentation without letting the tool change anything.

The least dangerous source comes first: the man page, which ``man`` renders without running
the tool at all; then ``TOOL --help``; then ``TOOL -h``. Nothing else is ever run: never a
tool bare, never with another argument, never with stdin attached. Tools on the denylist
(``DENYLIST``) are never executed at all, only their man page is read.

Each help call gets:
- stdin from /dev/null, and a new session (no controlling terminal, so no /dev/tty either);
- a scrubbed environment (PATH=/usr/bin:/bin, LC_ALL=C, HOME and TMPDIR in its own temporary
  working directory, no proxies, no credentials);
- a timeout (``HELP_TIMEOUT_S``) and an output cap (``MAX_DOC_BYTES``): a tool that hangs,
  floods or waits is killed with its whole process group;
- resource limits: CPU seconds, 1 MiB file size, no core dumps;
- a temporary working directory that is deleted afterwards;
- where the machine allows it: a network namespace of its own (no network), and, when tcphw
  runs as root, the ``nobody`` user (so it cannot write outside world-writable directories).
``isolation()`` says which of these the machine granted; ``tcphw tools scan`` records it.
"""

from __future__ import annotations

import contextlib
import ctypes
import fnmatch
import functools
import os
import pwd
import re
import resource
import select
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HELP_TIMEOUT_S = 3.0
MAN_TIMEOUT_S = 15.0
MAX_DOC_BYTES = 256 * 1024
HELP_FLAGS = ("--help", "-h")

# Never executed, whatever the argument: only their man page is read. Patterns match the
# name on PATH and the name of the file it resolves to (reboot -> systemctl is still reboot).
DENYLIST = (
    "shutdown", "reboot", "halt", "poweroff", "init", "telinit", "runlevel",
    "mkfs", "mkfs.*", "mke2fs", "mkswap", "mkdosfs", "mkntfs", "fdisk", "sfdisk", "cfdisk", "gdisk",
    "sgdisk", "parted", "partprobe", "wipefs", "blkdiscard", "hdparm", "dd", "shred", "rm", "rmdir",
    "unlink", "truncate", "kill", "killall", "killall5", "pkill", "skill", "swapoff", "swapon",
    "halt.*", "systemd-*", "sudo", "su", "doas", "pkexec", "chroot", "nsenter", "unshare",
    "reboot-*", "shutdown-*", "fsck*", "e2fsck", "tune2fs", "debugfs", "losetup", "cryptsetup",
    "vgremove", "lvremove", "pvremove", "mdadm", "zpool", "zfs", "insmod", "rmmod", "modprobe",
    "kexec", "ctrlaltdel", "sysctl", "userdel", "groupdel", "deluser", "delgroup",
)  # fmt: skip

SCRUBBED_ENV = {
    "PATH": "/usr/bin:/bin",
    "LC_ALL": "C",
    "LANG": "C",
    "TERM": "dumb",
    "COLUMNS": "100",
    "PAGER": "cat",
    "MANPAGER": "cat",
    "MANWIDTH": "100",
    "NO_COLOR": "1",
}

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000
_NOBODY = "nobody"


def denylisted(*names: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for name in names for pattern in DENYLIST)


@dataclass(frozen=True)
class Isolation:
    network: bool  # a network namespace of its own
    user: str  # the user help calls run as
    description: str


_LIBC = ctypes.CDLL(None, use_errno=True)


def _unshare(flags: int) -> bool:
    return bool(_LIBC.unshare(flags) == 0)


@functools.cache
def isolation() -> Isolation:
    """What this machine lets a help call have; found once by trying it in a child process."""
    root = os.geteuid() == 0
    flags = _CLONE_NEWNET if root else _CLONE_NEWUSER | _CLONE_NEWNET
    probe = subprocess.run(
        ["/bin/true"], preexec_fn=lambda: _unshare(flags) or os._exit(3), stdin=subprocess.DEVNULL, check=False
    )
    network = probe.returncode == 0
    user = _NOBODY if root and _nobody() is not None else pwd.getpwuid(os.geteuid()).pw_name
    parts = ["no network (own network namespace)" if network else "network NOT isolated (no namespaces here)"]
    parts.append(f"runs as {user}")
    parts += ["stdin /dev/null", "new session", "scrubbed environment", "temporary working directory"]
    parts.append(f"{HELP_TIMEOUT_S:g} s timeout, {MAX_DOC_BYTES // 1024} KiB output cap, 1 MiB file-size limit")
    return Isolation(network, user, "; ".join(parts))


def _nobody() -> tuple[int, int] | None:
    try:
        entry = pwd.getpwnam(_NOBODY)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid


def _confiner(workdir: str) -> Callable[[], None]:
    """What the child does between fork and exec, worked out here in the parent: the child
    (forked from a process with threads) only makes system calls."""
    iso = isolation()
    cpu = int(HELP_TIMEOUT_S) + 1
    net_flags = (_CLONE_NEWNET if os.geteuid() == 0 else _CLONE_NEWUSER | _CLONE_NEWNET) if iso.network else 0
    ids = _nobody() if iso.user == _NOBODY and os.geteuid() == 0 else None
    unshare = _LIBC.unshare

    def confine() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if net_flags:
            unshare(net_flags)
        if ids is not None:
            os.setgroups([])
            os.setgid(ids[1])
            os.setuid(ids[0])
        os.chdir(workdir)

    return confine


@dataclass(frozen=True)
class Run:
    """One documentation call: what was run, what it printed, and how it ended."""

    argv: tuple[str, ...]
    text: str
    returncode: int | None  # None: killed
    timed_out: bool = False
    truncated: bool = False
    seconds: float = 0.0
    error: str | None = None  # it could not be started

    @property
    def usable(self) -> bool:
        return not self.timed_out and len(self.text.strip()) >= 20


def _collect(argv: list[str], *, executable: str | None, timeout_s: float, confine: bool) -> Run:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tcphw-help-") as workdir:
        env = {**SCRUBBED_ENV, "HOME": workdir, "TMPDIR": workdir}
        if confine and isolation().user == _NOBODY:
            os.chmod(workdir, 0o777)  # nobody's own scratch space; deleted with the directory
        try:
            process = subprocess.Popen(
                argv,
                executable=executable,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                env=env,
                start_new_session=True,
                preexec_fn=_confiner(workdir) if confine else None,
            )
        except OSError as e:  # e.g. nobody may not enter the directory it lives in
            return Run(tuple(argv), "", None, seconds=time.monotonic() - started, error=e.strerror or str(e))
        assert process.stdout is not None
        chunks: list[bytes] = []
        size = 0
        timed_out = truncated = False
        deadline = started + timeout_s
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    timed_out = True
                    break
                ready, _, _ = select.select([process.stdout], [], [], left)
                if not ready:
                    continue
                chunk = os.read(process.stdout.fileno(), 65536)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size >= MAX_DOC_BYTES:
                    truncated = True
                    break
        finally:
            if process.poll() is None or timed_out or truncated:
                # The whole group: a tool that forked a child to hang must not outlive the scan.
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(process.pid, signal.SIGKILL)
            code: int | None
            try:
                code = process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                code = None
            process.stdout.close()
        text = _plain(b"".join(chunks)[:MAX_DOC_BYTES].decode("utf-8", errors="replace"))
        return Run(
            tuple(argv),
            text,
            None if timed_out or truncated else code,
            timed_out,
            truncated,
            time.monotonic() - started,
        )


_OVERSTRIKE = re.compile(r".\x08")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _plain(text: str) -> str:
    return _ANSI.sub("", _OVERSTRIKE.sub("", text))


def man_page(name: str) -> Run | None:
    """The man page of ``name`` rendered as plain text by ``man`` (the tool is not run)."""
    man = next((p for p in ("/usr/bin/man", "/bin/man") if os.access(p, os.X_OK)), None)
    if man is None or not re.fullmatch(r"[A-Za-z0-9_.+\-\[]+", name):
        return None
    run = _collect([man, "-P", "cat", "--", name], executable=man, timeout_s=MAN_TIMEOUT_S, confine=False)
    if run.returncode != 0 or not run.usable:
        return None
    return run


def help_text(name: str, path: Path, flag: str) -> Run:
    """``name flag`` (``--help`` or ``-h``), confined; refuses anything else and the denylist."""
    if flag not in HELP_FLAGS:
        raise ValueError(f"only {' or '.join(HELP_FLAGS)} is ever passed to a tool, not {flag!r}")
    if denylisted(name, path.name, Path(os.path.realpath(path)).name):
        raise PermissionError(f"{name} is on the denylist: it is never executed")
    # argv[0] is the name on PATH, so a multi-call binary (busybox) answers as that tool.
    return _collect([name, flag], executable=str(path), timeout_s=HELP_TIMEOUT_S, confine=True)

"""Evidence from the tool's file itself, read as a file and never run.

An ELF executable is parsed with pyelftools: the shared libraries it needs (``DT_NEEDED``) and the functions it
imports (undefined dynamic symbols). A script gives its interpreter (the ``#!`` line) and the commands it calls.
The file's mode gives setuid and setgid, its ``security.capability`` extended attribute the file capabilities.
Nothing here executes anything: the file is opened for reading (``O_NOFOLLOW`` is not needed: the path given is
the resolved regular file, and anything else is refused), at most ``MAX_SCRIPT_BYTES`` of a script are read, and
pyelftools reads only the headers and the dynamic sections.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

MAX_SCRIPT_BYTES = 256 * 1024
_ELF_MAGIC = b"\x7fELF"

# Library families, by the start of the soname: what a tool that links one can do.
LIBRARY_FAMILIES: dict[str, tuple[str, ...]] = {
    "packet capture": ("libpcap", "libnet.so", "libnetfilter_queue", "libnetfilter_log"),
    "block devices and file systems": (
        "libblkid", "libfdisk", "libparted", "libdevmapper", "libcryptsetup", "libext2fs", "libmtd", "libbtrfs",
        "libxfs", "libntfs", "libe2p", "liblvm", "libsmartcols", "libmount", "libzfs", "libnvme", "libisoburn",
        "libburn", "libtsk",
    ),
    "hardware": (
        "libusb", "libftdi", "libpci", "libi2c", "libsensors", "libgpiod", "libhidapi", "libudev", "libraw1394",
        "libcpupower", "libefivar", "libefiboot", "libipmi", "libfreeipmi", "libmtdev", "libsgutils",
    ),
    "privilege": ("libpam", "libaudit", "libselinux", "libcap.so", "libcap-ng", "libapparmor", "libsemanage",
                  "libseccomp"),
    "VMs and containers": ("libvirt", "liblxc", "libseccomp", "libkrun"),
    "network": ("libcurl", "libssl", "libssh", "libgnutls", "libldap", "libsmbclient", "libresolv", "libnl",
                "libmnl", "libnftnl", "libiptc", "libip4tc", "libip6tc", "libxtables", "libnftables", "libkrb5",
                "libgssapi", "libwrap", "libcares", "libevent", "libmicrohttpd", "libsnmp", "libnetsnmp"),
}  # fmt: skip

# Imported functions that say what a program can do, by family.
TELLING_IMPORTS: dict[str, tuple[str, ...]] = {
    "attaches to processes": ("ptrace", "process_vm_readv", "process_vm_writev"),
    "mounts": ("mount", "umount", "umount2", "mount_setattr", "fsmount", "move_mount", "pivot_root", "swapon",
               "swapoff"),
    "power": ("reboot", "kexec_load", "kexec_file_load"),
    "kernel modules": ("init_module", "finit_module", "delete_module"),
    "changes identity": ("setuid", "setgid", "setresuid", "setresgid", "setreuid", "setregid", "seteuid", "setegid",
                         "setgroups", "initgroups", "capset", "cap_set_proc", "setfsuid", "setfsgid"),
    "namespaces": ("unshare", "setns", "chroot"),
    "sets the clock": ("settimeofday", "clock_settime", "adjtimex", "clock_adjtime", "stime"),
    "hardware ports": ("iopl", "ioperm"),
    "raw sockets": ("pcap_open_live", "pcap_create", "pcap_inject", "pcap_sendpacket", "libnet_init"),
    "scheduling": ("sched_setscheduler", "sched_setaffinity", "setpriority", "sched_setattr", "ioprio_set"),
    "system names": ("sethostname", "setdomainname"),
    "accounts": ("putpwent", "putspent", "lckpwdf", "pam_chauthtok"),
}  # fmt: skip

# Commands that a script calling them can change the system with (first word of a command).
SCRIPT_COMMANDS: dict[str, tuple[str, ...]] = {
    "deletes": ("rm", "shred", "wipefs", "unlink", "rmdir"),
    "storage": ("mount", "umount", "mkfs", "mke2fs", "mkswap", "fdisk", "sfdisk", "parted", "sgdisk", "losetup",
                "cryptsetup", "lvcreate", "lvremove", "vgcreate", "pvcreate", "mdadm", "dd", "blkdiscard", "tune2fs",
                "resize2fs", "e2fsck", "fsck", "swapon", "swapoff", "dmsetup", "kpartx", "zpool", "zfs", "btrfs"),
    "kernel": ("modprobe", "insmod", "rmmod", "sysctl", "kexec", "update-initramfs", "update-grub", "grub-install",
               "efibootmgr"),
    "processes": ("kill", "killall", "pkill", "renice", "taskset", "chrt", "ionice"),
    "accounts": ("useradd", "userdel", "usermod", "groupadd", "groupdel", "chpasswd", "passwd", "adduser",
                 "deluser", "gpasswd", "chown", "chmod", "chgrp", "setcap", "chattr"),
    "network configuration": ("ip", "ifconfig", "route", "iptables", "ip6tables", "nft", "ebtables", "tc", "iw",
                              "iwconfig", "brctl", "ethtool", "ifup", "ifdown", "dhclient"),
    "services": ("systemctl", "service", "invoke-rc.d", "update-rc.d", "crontab", "shutdown", "reboot", "halt",
                 "poweroff", "telinit", "init"),
    "packages": ("apt-get", "apt", "dpkg", "aptitude", "debconf-set-selections", "update-alternatives", "rpm",
                 "dpkg-divert"),
    "privilege": ("sudo", "su", "doas", "pkexec", "runuser", "setpriv", "nsenter", "chroot", "unshare"),
    "network": ("curl", "wget", "ssh", "scp", "rsync", "nc", "ncat", "socat", "ftp", "sftp", "telnet"),
}  # fmt: skip
_SCRIPT_COMMAND_FAMILY = {c: family for family, cs in SCRIPT_COMMANDS.items() for c in cs}
# A command at the start of a shell command: a line, or after | ; & && || $( ` then do else exec sudo.
_SHELL_COMMAND = re.compile(
    r"(?:^|[|;&`(]|\$\(|\b(?:then|do|else|exec|sudo|xargs|nohup|time)\s)\s*"
    r"(?:\\|command\s+|/s?bin/|/usr/s?bin/|/usr/local/s?bin/)?([a-z][\w.+-]*)",
    re.MULTILINE,
)
# In Perl, Python and similar: system("cmd ...), exec("cmd, qx(cmd, subprocess.run(["cmd", popen("cmd
_CALL_COMMAND = re.compile(
    r"\b(?:system|exec|qx|popen|call|check_call|check_output|run|Popen|spawn\w*)\s*\(\s*\[?\s*[\"'`]"
    r"(?:/s?bin/|/usr/s?bin/)?([a-z][\w.+-]*)"
)


@dataclass(frozen=True)
class BinaryEvidence:
    """What the file says about itself. ``kind``: "elf", "script", "other" or "unreadable"."""

    kind: str
    directory: str  # where the tool was found (its name on PATH): /usr/sbin, /usr/bin, ...
    libraries: tuple[str, ...] = ()  # the sonames it needs
    imports: tuple[str, ...] = ()  # its telling imported functions (TELLING_IMPORTS)
    interpreter: str | None = None  # a script's interpreter (the #! line's program, or env's argument)
    script_commands: tuple[str, ...] = ()  # commands a script calls that change the system (SCRIPT_COMMANDS)
    setuid: bool = False
    setgid: bool = False
    file_capabilities: bool = False  # a security.capability extended attribute
    notes: tuple[str, ...] = field(default=())

    def library_families(self) -> dict[str, list[str]]:
        """The families of the libraries it needs: family -> the sonames."""
        out: dict[str, list[str]] = {}
        for lib in self.libraries:
            for family, starts in LIBRARY_FAMILIES.items():
                if any(lib.startswith(s) for s in starts):
                    out.setdefault(family, []).append(lib)
        return out

    def import_families(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name in self.imports:
            for family, names in TELLING_IMPORTS.items():
                if name in names:
                    out.setdefault(family, []).append(name)
        return out

    def command_families(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for name in self.script_commands:
            out.setdefault(_SCRIPT_COMMAND_FAMILY[name], []).append(name)
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "directory": self.directory,
            "libraries": list(self.libraries),
            "imports": list(self.imports),
            "interpreter": self.interpreter,
            "script_commands": list(self.script_commands),
            "setuid": self.setuid,
            "setgid": self.setgid,
            "file_capabilities": self.file_capabilities,
            "notes": list(self.notes),
        }


_TELLING = frozenset(n for names in TELLING_IMPORTS.values() for n in names)


def _undefined_names(elf: Any, dynsym: Any) -> set[str]:
    """The names of the undefined symbols of ``.dynsym``, read as one array (pyelftools parses one symbol at a time,
    which takes a tenth of a second on a large program)."""
    import numpy as np

    strtab = elf.get_section(dynsym["sh_link"])
    order = "<" if elf.little_endian else ">"
    if elf.elfclass == 64:
        dtype = np.dtype([("name", order + "u4"), ("info", "u1"), ("other", "u1"), ("shndx", order + "u2"),
                          ("value", order + "u8"), ("size", order + "u8")])  # fmt: skip
    else:
        dtype = np.dtype([("name", order + "u4"), ("value", order + "u4"), ("size", order + "u4"), ("info", "u1"),
                          ("other", "u1"), ("shndx", order + "u2")])  # fmt: skip
    data = dynsym.data()
    symbols = np.frombuffer(data[: len(data) // dtype.itemsize * dtype.itemsize], dtype=dtype)
    strings = strtab.data()
    names = set()
    for offset in symbols["name"][symbols["shndx"] == 0]:
        end = strings.find(b"\0", int(offset))
        names.add(strings[int(offset) : end if end >= 0 else None].decode("ascii", errors="replace"))
    return names


def _elf(f: BinaryIO) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile

    notes: list[str] = []
    libraries: list[str] = []
    imports: set[str] = set()
    try:
        elf = ELFFile(f)
        dynamic: Any = elf.get_section_by_name(".dynamic")
        if dynamic is not None and hasattr(dynamic, "iter_tags"):
            libraries = [str(tag.needed) for tag in dynamic.iter_tags("DT_NEEDED")]
        dynsym = elf.get_section_by_name(".dynsym")
        if dynsym is not None:
            imports = {name.split("@", 1)[0] for name in _undefined_names(elf, dynsym)} & _TELLING
    except (ELFError, ValueError, KeyError, AssertionError, OSError, IndexError) as e:
        notes.append(f"ELF not fully read: {type(e).__name__}: {e}")
    return tuple(dict.fromkeys(libraries)), tuple(sorted(imports)), notes


def _script(head: bytes) -> tuple[str | None, tuple[str, ...]]:
    text = head.decode("utf-8", errors="replace")
    first = text.split("\n", 1)[0][2:].strip().split()
    interpreter = None
    if first:
        interpreter = Path(first[0]).name
        if interpreter == "env":
            args = [a for a in first[1:] if not a.startswith("-")]
            interpreter = Path(args[0]).name if args else "env"
    shell = interpreter in ("sh", "bash", "dash", "ksh", "zsh", "busybox", "mksh")
    lines = [line for line in text.splitlines()[1:] if not line.lstrip().startswith("#")]
    body = "\n".join(lines)
    found: set[str] = set()
    pattern = _SHELL_COMMAND if shell else _CALL_COMMAND
    for match in pattern.finditer(body):
        name = match.group(1)
        if name.startswith("mkfs."):
            name = "mkfs"
        if name in _SCRIPT_COMMAND_FAMILY:
            found.add(name)
    return interpreter, tuple(sorted(found))


def read_binary(path: Path, directory: str | None = None) -> BinaryEvidence:
    """The evidence of the file at ``path`` (the tool's resolved file), read and never run."""
    where = directory if directory is not None else str(path.parent)
    try:
        st = os.stat(path)
    except OSError as e:
        return BinaryEvidence("unreadable", where, notes=(f"cannot stat: {e.strerror}",))
    if not stat.S_ISREG(st.st_mode):
        return BinaryEvidence("unreadable", where, notes=("not a regular file",))
    setuid, setgid = bool(st.st_mode & stat.S_ISUID), bool(st.st_mode & stat.S_ISGID)
    caps = False
    with contextlib.suppress(OSError):
        caps = bool(os.getxattr(path, "security.capability"))
    common = {"directory": where, "setuid": setuid, "setgid": setgid, "file_capabilities": caps}
    try:
        # O_NONBLOCK: never wait on the file (a regular file never blocks; this is a second guard).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        return BinaryEvidence("unreadable", notes=(f"cannot open: {e.strerror}",), **common)  # type: ignore[arg-type]
    with os.fdopen(fd, "rb") as f:
        magic = f.read(4)
        f.seek(0)
        if magic == _ELF_MAGIC:
            try:
                import elftools  # noqa: F401
            except ImportError:
                return BinaryEvidence(
                    "elf",
                    notes=("pyelftools is not installed: pip install 'tcphw[evidence]'",),
                    **common,  # type: ignore[arg-type]
                )
            libraries, imports, notes = _elf(f)
            return BinaryEvidence("elf", libraries=libraries, imports=imports, notes=tuple(notes), **common)  # type: ignore[arg-type]
        if magic[:2] == b"#!":
            interpreter, commands = _script(f.read(MAX_SCRIPT_BYTES))
            return BinaryEvidence("script", interpreter=interpreter, script_commands=commands, **common)  # type: ignore[arg-type]
    return BinaryEvidence("other", **common)  # type: ignore[arg-type]

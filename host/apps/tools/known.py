"""A curated table of well-known tools: risk level, capabilities and why.

The rules in ``analyze.py`` read documentation; this table holds what documentation does not
say plainly (``rm`` never calls itself destructive). An entry is a name or a glob (``mkfs.*``).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass

from tcphw.contract import Flag, Risk

S, L, M, H, C = Risk.SAFE, Risk.LOW_RISK, Risk.MEDIUM_RISK, Risk.HIGH_RISK, Risk.CRITICAL
ROOT, DESTROY, NET, FILES, SYSTEM, PRIV = (
    Flag.REQUIRES_ROOT,
    Flag.DESTRUCTIVE,
    Flag.NETWORK_ACCESS,
    Flag.FILE_MODIFICATION,
    Flag.SYSTEM_MODIFICATION,
    Flag.PRIVILEGE_ESCALATION,
)


@dataclass(frozen=True)
class Known:
    risk: Risk
    capabilities: int
    reason: str


def _k(risk: Risk, reason: str, *caps: Flag) -> Known:
    value = 0
    for cap in caps:
        value |= int(cap)
    return Known(risk, value, reason)


_READERS = (
    "ls cat echo pwd whoami id date uname head tail wc grep egrep fgrep sort uniq cut tr which file stat du df "
    "less more diff cmp md5sum sha1sum sha256sum sha512sum basename dirname printenv hostname uptime free ps top "
    "lsblk tree realpath readlink nl od xxd hexdump seq true false sleep yes jq column fold fmt paste join comm "
    "expand unexpand rev tac strings nproc arch groups users who w last tty locale getconf lscpu lsusb lspci "
    "man whatis apropos type test [ expr factor bc dc cal ncal printf numfmt base64 base32 cksum sum b2sum "
    "pr split csplit look shuf tsort ptx zcat bzcat xzcat zless zgrep pgrep pidof vmstat iostat"
).split()

TABLE: dict[str, Known] = {name: _k(S, "reads or prints only") for name in _READERS}
TABLE.update(
    {
        "split": _k(L, "writes pieces of its input to new files", FILES),
        "csplit": _k(L, "writes pieces of its input to new files", FILES),
        "touch": _k(L, "creates empty files or changes their times", FILES),
        "mkdir": _k(L, "creates directories", FILES),
        "ln": _k(L, "creates links; -f replaces existing files", FILES),
        "tee": _k(L, "writes its input to files, truncating them", FILES),
        "zip": _k(L, "creates or updates archives", FILES),
        "rmdir": _k(L, "removes empty directories only", FILES),
        "mktemp": _k(L, "creates a temporary file", FILES),
        "env": _k(M, "runs any command in a changed environment"),
        "nohup": _k(M, "runs a command immune to hangups"),
        "timeout": _k(M, "runs a command with a time limit"),
        "xargs": _k(M, "runs a command for each input item"),
        "find": _k(M, "-delete removes and -exec runs commands on every match", FILES),
        "awk": _k(M, "a language: system() runs commands, print > writes files", FILES),
        "gawk": _k(M, "a language: system() runs commands, print > writes files", FILES),
        "mawk": _k(M, "a language: system() runs commands, print > writes files", FILES),
        "cp": _k(M, "copies files, overwriting the target", FILES),
        "mv": _k(M, "moves files, overwriting the target", FILES),
        "install": _k(M, "copies files and sets their modes", FILES),
        "sed": _k(M, "-i edits files in place", FILES),
        "patch": _k(M, "edits files", FILES),
        "tar": _k(M, "extracting overwrites files", FILES),
        "cpio": _k(M, "extracting overwrites files", FILES),
        "gzip": _k(M, "replaces files with compressed ones", FILES),
        "gunzip": _k(M, "replaces files with decompressed ones", FILES),
        "bzip2": _k(M, "replaces files with compressed ones", FILES),
        "xz": _k(M, "replaces files with compressed ones", FILES),
        "unxz": _k(M, "replaces files with decompressed ones", FILES),
        "unzip": _k(M, "extracting overwrites files", FILES),
        "curl": _k(M, "transfers data over the network", NET, FILES),
        "wget": _k(M, "downloads files over the network", NET, FILES),
        "ssh": _k(M, "runs commands on other machines", NET),
        "scp": _k(M, "copies files over the network, overwriting them", NET, FILES),
        "sftp": _k(M, "transfers files over the network", NET, FILES),
        "rsync": _k(M, "synchronises files; --delete removes files", NET, FILES),
        "nc": _k(M, "opens arbitrary network connections", NET),
        "git": _k(M, "changes repositories and talks to remotes", NET, FILES),
        "make": _k(M, "runs the recipes of a makefile", FILES),
        "python3": _k(H, "runs arbitrary code", FILES, NET, SYSTEM),
        "python3.*": _k(H, "runs arbitrary code", FILES, NET, SYSTEM),
        "python": _k(H, "runs arbitrary code", FILES, NET, SYSTEM),
        "perl": _k(H, "runs arbitrary code", FILES, NET, SYSTEM),
        "ruby": _k(H, "runs arbitrary code", FILES, NET, SYSTEM),
        "node": _k(H, "runs arbitrary code", FILES, NET, SYSTEM),
        "bash": _k(H, "runs arbitrary commands", FILES, NET, SYSTEM),
        "sh": _k(H, "runs arbitrary commands", FILES, NET, SYSTEM),
        "dash": _k(H, "runs arbitrary commands", FILES, NET, SYSTEM),
        "zsh": _k(H, "runs arbitrary commands", FILES, NET, SYSTEM),
        "pip": _k(H, "installs packages, whose setup runs code", NET, FILES),
        "pip3": _k(H, "installs packages, whose setup runs code", NET, FILES),
        "npm": _k(H, "installs packages, whose scripts run code", NET, FILES),
        "chmod": _k(H, "changes permissions, recursively with -R", FILES, SYSTEM),
        "chown": _k(H, "changes ownership", ROOT, FILES, SYSTEM),
        "chgrp": _k(H, "changes group ownership", FILES, SYSTEM),
        "kill": _k(H, "sends signals to processes", SYSTEM),
        "killall": _k(H, "kills processes by name", SYSTEM),
        "pkill": _k(H, "kills processes by pattern", SYSTEM),
        "crontab": _k(H, "installs scheduled jobs; -r removes them all", SYSTEM),
        "systemctl": _k(H, "starts, stops and disables services", ROOT, SYSTEM),
        "service": _k(H, "starts and stops services", ROOT, SYSTEM),
        "mount": _k(H, "mounts file systems", ROOT, SYSTEM),
        "umount": _k(H, "unmounts file systems", ROOT, SYSTEM),
        "apt": _k(H, "installs and removes packages", ROOT, NET, SYSTEM),
        "apt-get": _k(H, "installs and removes packages", ROOT, NET, SYSTEM),
        "dpkg": _k(H, "installs and removes packages", ROOT, SYSTEM),
        "docker": _k(H, "runs containers with access to the host", ROOT, NET, SYSTEM),
        "useradd": _k(H, "creates accounts", ROOT, SYSTEM),
        "usermod": _k(H, "changes accounts", ROOT, SYSTEM),
        "userdel": _k(H, "deletes accounts, with -r their files", ROOT, SYSTEM, DESTROY),
        "groupadd": _k(H, "creates groups", ROOT, SYSTEM),
        "passwd": _k(H, "changes passwords", SYSTEM),
        "iptables": _k(H, "changes the firewall", ROOT, NET, SYSTEM),
        "ip": _k(H, "changes addresses, routes and links", ROOT, NET, SYSTEM),
        "truncate": _k(H, "cuts files to a size, losing their data", FILES, DESTROY),
        "chroot": _k(H, "runs a command under another root directory", ROOT, SYSTEM),
        "sysctl": _k(H, "changes kernel parameters", ROOT, SYSTEM),
        "modprobe": _k(H, "loads and unloads kernel modules", ROOT, SYSTEM),
        "rm": _k(C, "deletes files irreversibly; -r -f deletes whole trees without asking", FILES, DESTROY),
        "shred": _k(C, "overwrites files so they cannot be recovered", FILES, DESTROY),
        "dd": _k(C, "writes raw devices and files, block by block", FILES, DESTROY, SYSTEM),
        "mkfs": _k(C, "creates a file system, erasing the device", ROOT, DESTROY, SYSTEM),
        "mkfs.*": _k(C, "creates a file system, erasing the device", ROOT, DESTROY, SYSTEM),
        "mke2fs": _k(C, "creates a file system, erasing the device", ROOT, DESTROY, SYSTEM),
        "mkswap": _k(C, "formats a device as swap, erasing it", ROOT, DESTROY, SYSTEM),
        "fdisk": _k(C, "rewrites partition tables", ROOT, DESTROY, SYSTEM),
        "sfdisk": _k(C, "rewrites partition tables", ROOT, DESTROY, SYSTEM),
        "cfdisk": _k(C, "rewrites partition tables", ROOT, DESTROY, SYSTEM),
        "gdisk": _k(C, "rewrites partition tables", ROOT, DESTROY, SYSTEM),
        "parted": _k(C, "rewrites partition tables", ROOT, DESTROY, SYSTEM),
        "wipefs": _k(C, "erases file-system signatures", ROOT, DESTROY, SYSTEM),
        "blkdiscard": _k(C, "discards every block of a device", ROOT, DESTROY, SYSTEM),
        "shutdown": _k(C, "powers the machine off", ROOT, SYSTEM),
        "reboot": _k(C, "restarts the machine", ROOT, SYSTEM),
        "halt": _k(C, "stops the machine", ROOT, SYSTEM),
        "poweroff": _k(C, "powers the machine off", ROOT, SYSTEM),
        "init": _k(C, "changes the run level", ROOT, SYSTEM),
        "telinit": _k(C, "changes the run level", ROOT, SYSTEM),
        "sudo": _k(C, "runs any command as root", PRIV, ROOT, SYSTEM),
        "su": _k(C, "becomes another user, root by default", PRIV, SYSTEM),
        "doas": _k(C, "runs any command as root", PRIV, ROOT, SYSTEM),
        "pkexec": _k(C, "runs any command as root", PRIV, ROOT, SYSTEM),
    }
)


def lookup(name: str) -> Known | None:
    if name in TABLE:
        return TABLE[name]
    return next((k for pattern, k in TABLE.items() if "*" in pattern and fnmatch.fnmatchcase(name, pattern)), None)

"""Processes, services, the scheduler, disks, the kernel and accounts: reading their state is fine,
changing them needs a person, destroying them is refused."""

from __future__ import annotations

import re

from tcphw.contract import Risk
from tcphw.host.gate.analyse import Invocation, Output, program
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.programs.text import SECRET_NAME
from tcphw.host.gate.shell import Word

S, M, H = Risk.SAFE, Risk.MEDIUM_RISK, Risk.HIGH_RISK
_LEVEL = {S: A, M: C, H: R}

SYSTEMCTL: dict[str, tuple[Risk, str]] = {
    "status": (S, "shows a unit's state"),
    "show": (S, "shows properties"),
    "cat": (S, "shows unit files"),
    "list-units": (S, "lists units"),
    "list-unit-files": (S, "lists unit files"),
    "list-timers": (S, "lists timers"),
    "list-sockets": (S, "lists sockets"),
    "list-dependencies": (S, "lists dependencies"),
    "list-jobs": (S, "lists jobs"),
    "is-active": (S, "checks a unit"),
    "is-enabled": (S, "checks a unit"),
    "is-failed": (S, "checks a unit"),
    "is-system-running": (S, "checks the system"),
    "get-default": (S, "shows the default target"),
    "help": (S, "prints help"),
    "start": (H, "starts a service"),
    "stop": (H, "stops a service"),
    "restart": (H, "restarts a service"),
    "reload": (H, "reloads a service"),
    "try-restart": (H, "restarts a service"),
    "reload-or-restart": (H, "restarts a service"),
    "enable": (H, "enables a service at boot"),
    "disable": (H, "disables a service"),
    "mask": (H, "masks a service"),
    "unmask": (H, "unmasks a service"),
    "kill": (H, "kills a service's processes"),
    "daemon-reload": (H, "reloads unit files"),
    "edit": (H, "edits a unit file"),
    "set-property": (H, "changes a unit"),
    "reset-failed": (M, "clears failure states"),
    "isolate": (H, "switches target"),
    "set-default": (H, "changes the boot target"),
    "preset": (H, "resets enablement"),
    "link": (H, "links a unit file"),
    "revert": (H, "reverts unit files"),
    "reboot": (H, "restarts the machine"),
    "poweroff": (H, "powers the machine off"),
    "halt": (H, "halts the machine"),
    "suspend": (H, "suspends the machine"),
    "hibernate": (H, "hibernates the machine"),
    "kexec": (H, "boots another kernel"),
    "rescue": (H, "enters rescue mode"),
    "emergency": (H, "enters emergency mode"),
    "soft-reboot": (H, "restarts user space"),
}


@program("systemctl", "service")
def _systemctl(inv: Invocation) -> None:
    values = [w.value for w in inv.args]
    inv.narrow()
    if inv.name == "service":
        action = values[1] if len(values) > 1 else ("--status-all" if values[:1] == ["--status-all"] else "")
        sub = "status" if action in ("status", "--status-all") else ("start" if action else "status")
        if action in ("stop", "restart", "reload", "force-reload"):
            sub = action if action in SYSTEMCTL else "restart"
    else:
        sub = next((v for v in values if not v.startswith("-")), "list-units")
    user = "--user" in values
    entry = SYSTEMCTL.get(sub)
    if entry is None:
        inv.key("systemctl")
        inv.find(R, "systemctl.unknown", f"'{sub}' is no systemctl command the table knows", inv.argv)
        return
    inv.key(f"systemctl {sub}")
    level = _LEVEL[entry[0]]
    if sub in ("show", "cat") and any("Environment" in v or v in ("-a", "--all") for v in values):
        inv.find(R, "systemctl.environment", "prints a service's environment, where its credentials live", inv.argv)
    inv.find(
        level, f"systemctl.{sub}", entry[1] + (" (the user's own services)" if user and level > A else ""), inv.argv
    )
    if sub in ("status", "show", "cat", "list-units") or level == A:
        inv.output = Output("local")


@program(
    "journalctl",
    "dmesg",
    "last",
    "lastlog",
    "who",
    "w",
    "users",
    "uptime",
    "free",
    "vmstat",
    "iostat",
    "mpstat",
    "sar",
    "pidstat",
    "top",
    "htop",
    "atop",
    "btop",
    "glances",
    "ps",
    "pgrep",
    "pstree",
    "pidof",
    "lsof",
    "fuser",
    "ss",
    "netstat",
    "ip",
    "ifconfig",
    "route",
    "arp",
    "iw",
    "iwconfig",
    "nmcli",
    "resolvectl",
    "hostnamectl",
    "timedatectl",
    "localectl",
    "loginctl",
    "df",
    "du",
    "ncdu",
    "lsblk",
    "blkid",
    "findmnt",
    "mount",
    "umount",
    "lscpu",
    "lsmem",
    "lspci",
    "lsusb",
    "lsmod",
    "lshw",
    "dmidecode",
    "sensors",
    "nproc",
    "uname",
    "hostname",
    "id",
    "whoami",
    "groups",
    "getent",
    "date",
    "cal",
    "env-info",
    "printenv",
    "locale",
    "tty",
    "stty",
    "ulimit-ext",
    "swapon",
    "swapoff",
    "sysctl",
    "modprobe",
    "insmod",
    "rmmod",
    "modinfo",
    "iptables",
    "ip6tables",
    "nft",
    "ufw",
    "firewall-cmd",
    "tc",
    "ethtool",
    "kill",
    "pkill",
    "killall",
    "skill",
    "renice",
    "crontab",
    "logger",
    "shutdown",
    "reboot",
    "poweroff",
    "halt",
    "init",
    "telinit",
    "useradd",
    "userdel",
    "usermod",
    "adduser",
    "deluser",
    "groupadd",
    "groupdel",
    "groupmod",
    "passwd",
    "chpasswd",
    "chage",
    "chsh",
    "chfn",
    "visudo",
    "vipw",
    "vigr",
    "newusers",
    "gpasswd",
    "mkfs",
    "mke2fs",
    "mkswap",
    "fdisk",
    "sfdisk",
    "cfdisk",
    "gdisk",
    "sgdisk",
    "parted",
    "partprobe",
    "e2fsck",
    "fsck",
    "resize2fs",
    "tune2fs",
    "hdparm",
    "losetup",
    "cryptsetup",
    "lvcreate",
    "lvremove",
    "vgcreate",
    "vgremove",
    "pvcreate",
    "pvremove",
    "mdadm",
    "kexec",
    "grub-install",
    "update-grub",
    "update-initramfs",
    "efibootmgr",
    "setenforce",
    "aa-disable",
    "auditctl",
    "chattr-sys",
    "xdg-open",
    "open",
    "notify-send",
    "watch-sys",
    "nohup-sys",
    "ldconfig",
    "depmod",
    "timeout-sys",
    "mkfs.ext4",
    "mkfs.ext3",
    "mkfs.ext2",
    "mkfs.xfs",
    "mkfs.btrfs",
    "mkfs.vfat",
    "mkfs.fat",
    "mkfs.ntfs",
    "mkfs.exfat",
    "mkdosfs",
    "mkntfs",
    "wipefs-sys",
    "badblocks",
    "smartctl",
    "nvme",
    "sg_format",
    "zpool",
    "zfs",
    "btrfs",
    "xfs_repair",
    "debugfs",
    "fstrim",
    "sync",
    "chroot-sys",
    "systemd-analyze",
    "coredumpctl",
    "stat",
    "ls",
    "dir",
    "vdir",
    "realpath",
    "readlink",
    "basename",
    "dirname",
    "seq",
    "yes",
    "sleep",
    "expr",
    "factor",
    "tput",
    "clear",
    "reset",
    "arch",
    "getconf",
    "bc",
    "units",
    "numfmt-sys",
    "whatis-sys",
    "info-sys",
    "mesg",
    "wall",
    "write",
    "setterm",
    "chvt",
    "loadkeys",
    "setfont",
    "localedef",
    "tzselect",
    "hwclock",
    "timedatectl-set",
    "rtcwake",
    "nice-sys",
    "pwdx",
    "pmap",
    "slabtop",
    "iotop",
    "nethogs",
    "iftop",
    "tcpdump",
    "tshark",
    "ngrep",
    "tcpflow",
    "wireshark",
    "ettercap",
    "arpspoof",
    "dsniff",
    "bettercap",
    "aireplay-ng",
    "airodump-ng",
    "aircrack-ng",
    "hashcat",
    "john",
    "hydra",
    "medusa",
    "sqlmap",
    "nikto",
)
def _system(inv: Invocation) -> None:
    name = inv.name
    args = inv.args
    values = [w.value for w in args]
    inv.narrow()
    handler = _SYSTEM.get(name)
    if handler is not None:
        handler(inv, args, values)
        return
    if (name, tuple(v for v in values if v.startswith("-"))) in _READ_FORMS or any(
        (name, v) in _READ_FLAGS for v in values
    ):
        inv.find(A, f"{name}.read", "only reads or checks (a dry run, a listing, a syntax check)", inv.argv)
        inv.output = Output("local")
        return
    if name == "fuser" and any(v.startswith("-") and "k" in v for v in values):
        inv.find(R, "fuser.kill", "kills the processes that use a file or port", inv.argv)
        return
    if name == "journalctl" and any(v.startswith(("--vacuum", "--rotate", "--flush", "--relinquish", "--setup-keys"))
                                    for v in values):  # fmt: skip
        inv.find(R, "journalctl.change", "deletes or rotates the system's logs", inv.argv)
        return
    if name == "loginctl" and [v for v in values if not v.startswith("-")][:1] not in (
            [], ["list-sessions"], ["list-users"], ["list-seats"], ["show-session"], ["show-user"], ["session-status"],
            ["user-status"], ["seat-status"], ["show-seat"]):  # fmt: skip
        inv.find(R, "loginctl.change", "changes login sessions or users", inv.argv)
        return
    if name in _READ_ONLY:
        for w in args:
            if not w.value.startswith("-") and name in (
                "stat",
                "ls",
                "dir",
                "vdir",
                "du",
                "ncdu",
                "realpath",
                "readlink",
                "df",
                "findmnt",
                "lsof",
                "fuser",
            ):
                inv.list(w, f"{name}.list")
        inv.find(A, f"{name}.read", _READ_ONLY[name], inv.argv[:1])
        listed = next((w for w in args if not w.value.startswith("-")), Word.literal("."))
        # ls prints the names in a folder: some of its files, as a pattern under it
        inv.output = (
            Output("paths", target=inv.target(Word(listed.raw, listed.value.rstrip("/") + "/*.listed", glob=True)))
            if name in ("ls", "dir") and listed.known
            else Output("local")
        )
        return
    if name in _NEEDS_PERSON:
        inv.find(R, f"{name}.change", _NEEDS_PERSON[name], inv.argv)
        return
    if name in _DESTROYS:
        inv.find(X, f"{name}.destroy", _DESTROYS[name], inv.argv)
        return
    inv.find(R, f"{name}.other", f"{name} changes the system", inv.argv)


_READ_ONLY = {
    "journalctl": "reads the system log",
    "dmesg": "reads the kernel log",
    "last": "lists logins",
    "lastlog": "lists logins",
    "who": "lists users",
    "w": "lists users",
    "users": "lists users",
    "uptime": "prints uptime",
    "free": "prints memory",
    "vmstat": "prints statistics",
    "iostat": "prints statistics",
    "mpstat": "prints statistics",
    "sar": "prints statistics",
    "pidstat": "prints statistics",
    "top": "lists processes",
    "htop": "lists processes",
    "atop": "lists processes",
    "btop": "lists processes",
    "glances": "lists processes",
    "pgrep": "finds processes",
    "pstree": "lists processes",
    "pidof": "finds processes",
    "lsof": "lists open files",
    "fuser": "lists users of files",
    "ss": "lists sockets",
    "netstat": "lists sockets",
    "route": "prints routes",
    "arp": "prints the ARP table",
    "iwconfig": "prints wireless state",
    "resolvectl": "prints DNS state",
    "loginctl": "lists sessions",
    "df": "prints disk usage",
    "du": "prints disk usage",
    "ncdu": "shows disk usage",
    "lsblk": "lists block devices",
    "blkid": "lists file systems",
    "findmnt": "lists mounts",
    "lscpu": "prints CPU facts",
    "lsmem": "prints memory facts",
    "lspci": "lists PCI devices",
    "lsusb": "lists USB devices",
    "lsmod": "lists modules",
    "lshw": "lists hardware",
    "dmidecode": "prints firmware tables",
    "sensors": "prints sensors",
    "nproc": "prints the CPU count",
    "uname": "prints the kernel",
    "id": "prints identity",
    "whoami": "prints identity",
    "groups": "prints groups",
    "cal": "prints a calendar",
    "locale": "prints locale settings",
    "tty": "prints the terminal",
    "modinfo": "prints module facts",
    "systemd-analyze": "analyses boot",
    "coredumpctl": "lists core dumps",
    "stat": "prints file facts",
    "ls": "lists files",
    "dir": "lists files",
    "vdir": "lists files",
    "realpath": "resolves paths",
    "readlink": "resolves links",
    "basename": "strips a path",
    "dirname": "strips a path",
    "seq": "prints numbers",
    "yes": "prints a word forever",
    "sleep": "waits",
    "expr": "computes",
    "factor": "factors numbers",
    "tput": "controls the terminal",
    "clear": "clears the screen",
    "reset": "resets the terminal",
    "arch": "prints the machine",
    "getconf": "prints settings",
    "bc": "computes",
    "units": "converts units",
    "pwdx": "prints a folder",
    "pmap": "prints memory maps",
    "slabtop": "prints kernel memory",
    "smartctl-read": "reads disk health",
    "sync": "flushes writes",
    "stty": "prints terminal settings",
    "mesg": "controls messages",
    "setterm": "controls the terminal",
    "hostnamectl-read": "prints host facts",
}
_NEEDS_PERSON = {
    "swapon": "changes swap",
    "swapoff": "changes swap",
    "modprobe": "loads kernel modules",
    "insmod": "loads kernel modules",
    "rmmod": "unloads kernel modules",
    "renice": "changes process priorities",
    "logger": "writes to the system log",
    "useradd": "creates accounts",
    "adduser": "creates accounts",
    "groupadd": "creates groups",
    "groupmod": "changes groups",
    "usermod": "changes accounts",
    "chage": "changes password ageing",
    "chsh": "changes a login shell",
    "chfn": "changes account details",
    "gpasswd": "changes group membership",
    "losetup": "attaches loop devices",
    "partprobe": "rereads partition tables",
    "update-grub": "rewrites the boot menu",
    "update-initramfs": "rebuilds the boot image",
    "ldconfig": "changes the library cache",
    "depmod": "changes module data",
    "xdg-open": "opens a file or URL with a desktop program",
    "open": "opens a file",
    "notify-send": "shows a notification",
    "wall": "writes to every terminal",
    "write": "writes to a terminal",
    "chvt": "switches the console",
    "loadkeys": "changes the keymap",
    "setfont": "changes the console font",
    "localedef": "compiles locales",
    "hwclock": "reads or sets the hardware clock",
    "rtcwake": "suspends until a time",
    "tc": "changes traffic control",
    "ethtool": "changes network devices",
    "ifconfig": "changes network interfaces",
    "nmcli": "changes network settings",
    "iw": "changes wireless settings",
    "smartctl": "talks to disks",
    "nvme": "talks to NVMe devices",
    "fstrim": "discards unused blocks",
    "tune2fs": "changes file system settings",
    "auditctl": "changes audit rules",
    "iotop": "shows I/O by process (needs root)",
    "nethogs": "shows traffic (needs root)",
    "iftop": "shows traffic (needs root)",
    "tcpdump": "captures network traffic",
    "tshark": "captures network traffic",
    "ngrep": "captures network traffic",
    "tcpflow": "captures network traffic",
    "wireshark": "captures network traffic",
    "john": "cracks passwords",
    "hashcat": "cracks passwords",
    "hydra": "attacks logins on the network",
    "medusa": "attacks logins on the network",
    "sqlmap": "attacks a web application",
    "nikto": "scans a web server",
    "aircrack-ng": "cracks wireless keys",
    "airodump-ng": "captures wireless traffic",
    "aireplay-ng": "attacks wireless networks",
    "ettercap": "intercepts network traffic",
    "arpspoof": "intercepts network traffic",
    "dsniff": "sniffs passwords",
    "bettercap": "intercepts network traffic",
    "btrfs": "manages btrfs",
    "zfs": "manages ZFS",
    "zpool": "manages ZFS pools",
    "efibootmgr": "changes boot entries",
    "badblocks": "tests a disk",
    "debugfs": "edits a file system",
    "xfs_repair": "repairs a file system",
    "init": "changes the run level",
    "telinit": "changes the run level",
    "shutdown": "powers off or restarts the machine",
    "reboot": "restarts the machine",
    "poweroff": "powers the machine off",
    "halt": "halts the machine",
    "mount": "mounts file systems",
    "umount": "unmounts file systems",
}
_DESTROYS = {
    "mkfs": "creates a file system, erasing the device",
    "mke2fs": "creates a file system, erasing the device",
    "mkswap": "writes swap over a device",
    "fdisk": "rewrites a partition table",
    "sfdisk": "rewrites a partition table",
    "cfdisk": "rewrites a partition table",
    "gdisk": "rewrites a partition table",
    "sgdisk": "rewrites a partition table",
    "parted": "rewrites a partition table",
    "e2fsck": "repairs (rewrites) a file system",
    "fsck": "repairs (rewrites) a file system",
    "resize2fs": "resizes a file system",
    "hdparm": "changes disk settings, some of which destroy data",
    "cryptsetup": "formats or opens encrypted devices",
    "lvcreate": "creates logical volumes",
    "lvremove": "removes logical volumes",
    "vgcreate": "creates volume groups",
    "vgremove": "removes volume groups",
    "pvcreate": "writes LVM onto a device",
    "pvremove": "removes LVM from a device",
    "mdadm": "assembles or destroys RAID arrays",
    "kexec": "boots another kernel at once",
    "grub-install": "writes a boot loader onto a disk",
    "userdel": "deletes accounts",
    "deluser": "deletes accounts",
    "groupdel": "deletes groups",
    "passwd": "changes passwords",
    "chpasswd": "changes passwords",
    "visudo": "edits who may be root",
    "vipw": "edits the account database",
    "vigr": "edits the group database",
    "newusers": "creates accounts in bulk",
    "setenforce": "switches SELinux off or on",
    "aa-disable": "switches an AppArmor profile off",
    "sg_format": "formats a disk",
    "mkfs.ext4": "creates a file system, erasing the device",
    "mkfs.ext3": "creates a file system, erasing the device",
    "mkfs.ext2": "creates a file system, erasing the device",
    "mkfs.xfs": "creates a file system, erasing the device",
    "mkfs.btrfs": "creates a file system, erasing the device",
    "mkfs.vfat": "creates a file system, erasing the device",
    "mkfs.fat": "creates a file system, erasing the device",
    "mkfs.ntfs": "creates a file system, erasing the device",
    "mkfs.exfat": "creates a file system, erasing the device",
    "mkdosfs": "creates a file system, erasing the device",
    "mkntfs": "creates a file system, erasing the device",
}


# (program, option) pairs that make a changing tool only read or check
_READ_FLAGS = {("wipefs", "--no-act"), ("wipefs", "-n"), ("tune2fs", "-l"), ("modprobe", "-n"),
               ("modprobe", "--dry-run"), ("modprobe", "--show-depends"), ("chage", "-l"), ("chage", "--list"),
               ("visudo", "-c"), ("visudo", "--check"), ("insmod", "--help"), ("mdadm", "--examine"),
               ("passwd", "-S"), ("usermod", "--help"), ("useradd", "-D"), ("swapon", "--show"), ("swapon", "-s"),
               ("cryptsetup", "status"), ("nvme", "list"), ("smartctl", "-i"), ("smartctl", "-H"), ("smartctl", "-a"),
               ("parted", "-l"), ("sfdisk", "-l"), ("fdisk", "-l")}  # fmt: skip
# (program, exact options) forms that only read: wipefs with no option lists signatures
_READ_FORMS = {("wipefs", ()), ("blkid", ()), ("findmnt", ())}


def _accounts(inv: Invocation, args: list[Word], values: list[str]) -> None:
    """useradd, usermod, adduser, gpasswd: an account that is root (uid 0) or in a group that is root in all but
    name (sudo, wheel, docker, adm) hands out root."""
    text = " ".join(values)
    if (
        re.search(r"(-u|--uid)\s*0\b|-o\b.*-u\s*0", text)
        or re.search(
            r"(-G|--groups|-g|--gid|-aG|-Ga|-a -G)\s*\S*\b(sudo|wheel|root|admin|docker|lxd|disk|shadow)\b", text
        )
        or (inv.name in ("gpasswd", "adduser") and any(g in values for g in ("sudo", "wheel", "root", "docker")))
    ):
        inv.find(X, f"{inv.name}.root", "gives an account root, or a group that amounts to root", inv.argv)
        return
    if inv.name in ("userdel", "deluser") and any(v in ("-r", "--remove", "--remove-home") for v in values):
        inv.find(X, f"{inv.name}.destroy", "deletes an account and its home folder", inv.argv)
        return
    inv.find(R, f"{inv.name}.change", "creates or changes accounts", inv.argv)


def _ps(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if any(
        ("e" in v and not v.startswith("--") and v.startswith(("-", "a", "x")) and "ww" in v) or "eww" in v
        for v in values
    ):
        inv.find(R, "ps.environment", "prints processes' environments, which hold tokens", inv.argv)
        return
    inv.find(A, "ps.read", "lists processes", inv.argv)
    inv.output = Output("local")


def _kill(inv: Invocation, args: list[Word], values: list[str]) -> None:
    targets = [w for w in args if not w.value.startswith("-") or (re.fullmatch(r"-\d+", w.value) and w is args[-1])]
    if inv.name == "kill" and (values in (["-l"], ["-L"]) or (values and values[0] in ("-l", "-L"))):
        inv.find(A, "kill.list", "lists signal names", inv.argv)
        return
    if any(v in ("-0", "-s0", "--signal=0") for v in values) or (
        len(values) >= 2 and values[0] == "-s" and values[1] == "0"
    ):
        inv.find(A, "kill.probe", "only checks whether a process exists", inv.argv)
        return
    if (
        any(w.value in ("-1",) and w is targets[-1:][0] for w in targets)
        or "-1" in [w.value for w in targets]
        or any(v == "--" and k + 1 < len(values) and values[k + 1] == "-1" for k, v in enumerate(values))
    ):
        inv.find(X, "kill.everything", "signals every process the user may signal", inv.argv)
        return
    own = all(w.raw in ("$!", "%1", "%2", "%%", "%+", "$$") or w.raw.startswith("%") or w.value.startswith("%")
              for w in targets) and targets  # fmt: skip
    if own:
        inv.find(C, "kill.own", "signals a job this shell started", inv.argv)
        return
    if inv.name in ("killall", "pkill", "skill") and any(v in ("-u", "--user") for v in values):
        inv.find(R, "kill.user", "kills every process of a user", inv.argv)
        return
    if any(w.value in ("1",) for w in targets):
        inv.find(X, "kill.init", "signals init, which stops the system", inv.argv)
        return
    inv.find(R, f"{inv.name}.signal", "signals processes the line did not start", inv.argv)


def _crontab(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if values == ["-l"] or values[-1:] == ["-l"]:
        inv.find(A, "crontab.list", "lists the user's scheduled jobs", inv.argv)
        inv.output = Output("local")
    elif "-r" in values:
        inv.find(R, "crontab.remove", "deletes every scheduled job of the user", inv.argv)
    else:
        inv.find(R, "crontab.install", "installs scheduled jobs that run unattended", inv.argv)
        src = inv.ctx.stdin
        if values[-1:] == ["-"] and src is not None and src.kind == "text" and src.text:
            for line in src.text.splitlines():
                fields = line.split(None, 5)
                if len(fields) == 6 and not line.lstrip().startswith("#"):
                    inv.run_script(fields[5], "crontab job", "the job's command")


def _ip(inv: Invocation, args: list[Word], values: list[str]) -> None:
    ops = [v for v in values if not v.startswith("-")]
    if any(
        v in ("add", "del", "delete", "set", "change", "replace", "flush", "append", "exec", "up", "down")
        for v in ops[1:]
    ):
        if "exec" in ops:
            k = values.index("exec")
            inv.run(args[k + 1 :], "ip netns exec", root=True)
        inv.find(R, "ip.change", "changes network interfaces, addresses or routes", inv.argv)
        return
    inv.find(A, "ip.read", "prints network state", inv.argv)


def _ifconfig(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if len([v for v in values if not v.startswith("-")]) <= 1:
        inv.find(A, "ifconfig.read", "prints network interfaces", inv.argv)
        inv.output = Output("local")
        return
    inv.find(R, "ifconfig.change", "changes network interfaces", inv.argv)


def _sysctl(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if "-w" in values or "-p" in values or "--system" in values or any("=" in v for v in values):
        inv.find(R, "sysctl.write", "changes kernel settings", inv.argv)
        return
    inv.find(A, "sysctl.read", "prints kernel settings", inv.argv)


def _firewall(inv: Invocation, args: list[Word], values: list[str]) -> None:
    reading = {
        "verbose",
        "numbered",
        "show",
        "-L",
        "--list",
        "-S",
        "--list-rules",
        "status",
        "list",
        "--list-all",
        "--state",
        "-nL",
        "-vL",
        "-nvL",
        "-Ln",
        "--numeric",
        "list-ruleset",
        "--get-active-zones",
    }
    if inv.name == "nft":
        if values[:1] in (["list"], ["-a"]) or (values and values[0] == "list") or "list" in values[:2]:
            inv.find(A, "nft.read", "prints firewall rules", inv.argv)
        elif "flush" in values:
            inv.find(X, "firewall.flush", "removes every firewall rule", inv.argv)
        else:
            inv.find(R, "firewall.change", "changes firewall rules", inv.argv)
        return
    if values and all(
        v in reading
        or (v.startswith("-") and set(v[1:]) <= set("nvLx"))
        or v in ("-t", "nat", "filter", "mangle", "raw")
        for v in values
    ):
        inv.find(A, f"{inv.name}.read", "prints firewall rules", inv.argv)
        return
    if any(v in ("-F", "--flush", "-X", "--delete-chain", "disable", "reset", "--panic-off") for v in values) or (
        values[:2] == ["-P", "INPUT"] and "ACCEPT" in values
    ):
        inv.find(X, "firewall.flush", "removes the firewall's protection", inv.argv)
        return
    inv.find(R, "firewall.change", "changes firewall rules", inv.argv)


def _mount(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if not [v for v in values if not v.startswith("-")] and not any(v in ("-a", "--all") for v in values):
        inv.find(A, f"{inv.name}.read", "lists mounts", inv.argv)
        inv.output = Output("local")
        return
    points = [w for w in args if not w.value.startswith("-")]
    if inv.name == "umount" and points and all(inv.target(w).zone == Zone.WORKSPACE for w in points):
        inv.find(C, "umount.project", "unmounts a file system mounted inside the workspace", inv.argv)
        return
    inv.find(R, f"{inv.name}.change", "mounts or unmounts file systems", inv.argv)


def _disks(inv: Invocation, args: list[Word], values: list[str]) -> None:
    name = inv.name
    if (
        name in ("fdisk", "sfdisk", "gdisk", "sgdisk", "parted")
        and any(v in ("-l", "--list", "-p", "--print", "print", "-d", "--dump", "-V", "--verify", "-s") for v in values)
        and not any(
            v in ("-o", "-Z", "--zap-all", "-z", "--zap", "mklabel", "rm", "mkpart", "-n", "--new", "-d")
            and name in ("sgdisk", "parted")
            for v in values[1:]
        )
    ):
        inv.find(A, f"{name}.read", "prints partition tables", inv.argv)
        return
    if name in ("e2fsck", "fsck") and any(v in ("-n",) for v in values):
        inv.find(A, f"{name}.check", "only checks (-n changes nothing)", inv.argv)
        return
    if name == "hdparm" and all(
        (v.startswith("-") and set(v[1:]) <= set("iItTgv")) or v.startswith("/dev/") for v in values
    ):
        inv.find(A, "hdparm.read", "reads disk facts or speed", inv.argv)
        return
    if name == "cryptsetup" and values[:1] and values[0] in ("status", "luksDump", "isLuks", "--version", "--help"):
        inv.find(A, "cryptsetup.read", "prints encrypted device facts", inv.argv)
        return
    if name == "mdadm" and any(v in ("--detail", "-D", "--examine", "-E", "--query", "-Q") for v in values):
        inv.find(A, "mdadm.read", "prints RAID facts", inv.argv)
        return
    targets = [w for w in args if not w.value.startswith("-")]
    if (
        targets
        and all(inv.target(t).zone in (Zone.WORKSPACE, Zone.TMP) for t in targets)
        and name.startswith(
            (
                "mkfs",
                "mke2fs",
                "mkswap",
                "parted",
                "sgdisk",
                "fdisk",
                "sfdisk",
                "gdisk",
                "mkdosfs",
                "e2fsck",
                "resize2fs",
            )
        )
    ):
        inv.find(C, f"{name}.image", "works on a disk image file in the project, not a device", inv.argv)
        return
    inv.find(X, f"{name}.destroy", _DESTROYS.get(name, "changes disks"), inv.argv)


def _passwd(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if any(v in ("-S", "--status") for v in values):
        inv.find(A, "passwd.status", "prints password status", inv.argv)
        return
    inv.find(
        R if inv.name in ("passwd",) and not [v for v in values if not v.startswith("-")] else X,
        f"{inv.name}.change",
        _DESTROYS.get(inv.name, "changes passwords"),
        inv.argv,
    )


def _hostname(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if [v for v in values if not v.startswith("-")] or any(v in ("-F", "--file", "-b", "--boot") for v in values):
        inv.find(R, "hostname.set", "sets the machine's name", inv.argv)
        return
    inv.find(A, "hostname.read", "prints the machine's name", inv.argv)
    inv.output = Output("local")


def _date(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if any(v in ("-s", "--set") or v.startswith("--set=") for v in values) or any(
        re.fullmatch(r"\d{8,12}(\.\d\d)?", v) for v in values
    ):
        inv.find(R, "date.set", "sets the system clock", inv.argv)
        return
    for k, v in enumerate(values):
        if v in ("-f", "--file", "-r", "--reference") and k + 1 < len(args):
            inv.read(args[k + 1], "date.file")
    inv.find(A, "date.read", "prints the date", inv.argv)
    inv.output = Output("local")


def _printenv(inv: Invocation, args: list[Word], values: list[str]) -> None:
    names = [v for v in values if not v.startswith("-")]
    if not names and inv.ctx.empty_env:
        inv.find(A, "env.empty", "prints an environment that env -i emptied", inv.argv)
        return
    if not names:
        inv.find(R, "env.print", "prints the whole environment, which holds tokens and keys", inv.argv)
        inv.part.secret_reads.append(len(inv.part.findings) - 1)
        inv.output = Output("secret")
        return
    if any(SECRET_NAME.search(n) for n in names):
        inv.find(R, "secret.variable", "prints a variable that by its name holds a secret", inv.argv)
        return
    inv.find(A, "printenv.read", "prints named variables", inv.argv)
    inv.output = Output("local")


def _getent(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if values[:1] in (["shadow"], ["gshadow"]):
        inv.find(R, "getent.shadow", "reads password hashes", inv.argv)
        return
    inv.find(A, "getent.read", "reads account and host databases", inv.argv)
    inv.output = Output("local")


def _timedate(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if [
        v
        for v in values
        if not v.startswith("-")
        and v not in ("status", "show", "list-timezones", "list-locales", "list-keymaps", "timesync-status")
    ]:
        inv.find(R, f"{inv.name}.set", "changes system settings", inv.argv)
        return
    inv.find(A, f"{inv.name}.read", "prints system settings", inv.argv)


def _smartctl(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if any(
        v in ("-t", "--test", "-s", "--smart", "-o", "--offlineauto", "-S", "--saveauto", "-X", "--abort")
        for v in values
    ):
        inv.find(R, "smartctl.change", "starts tests or changes disk settings", inv.argv)
        return
    inv.find(C, "smartctl.read", "reads disk health (talks to the device)", inv.argv)


def _reboot(inv: Invocation, args: list[Word], values: list[str]) -> None:
    if "-f" in values or "--force" in values or "-ff" in values:
        inv.find(X, f"{inv.name}.force", "stops the machine at once, without syncing or stopping services", inv.argv)
        return
    if inv.name == "shutdown" and ("-c" in values):
        inv.find(R, "shutdown.cancel", "cancels a scheduled shutdown", inv.argv)
        return
    inv.find(R, f"{inv.name}.power", _NEEDS_PERSON[inv.name], inv.argv)


_SYSTEM = {
    "ps": _ps,
    "useradd": _accounts,
    "usermod": _accounts,
    "adduser": _accounts,
    "gpasswd": _accounts,
    "userdel": _accounts,
    "deluser": _accounts,
    "ifconfig": _ifconfig,
    "kill": _kill,
    "pkill": _kill,
    "killall": _kill,
    "skill": _kill,
    "crontab": _crontab,
    "ip": _ip,
    "sysctl": _sysctl,
    "iptables": _firewall,
    "ip6tables": _firewall,
    "nft": _firewall,
    "ufw": _firewall,
    "firewall-cmd": _firewall,
    "mount": _mount,
    "umount": _mount,
    "swapon": _mount,
    "fdisk": _disks,
    "sfdisk": _disks,
    "cfdisk": _disks,
    "gdisk": _disks,
    "sgdisk": _disks,
    "parted": _disks,
    "e2fsck": _disks,
    "fsck": _disks,
    "resize2fs": _disks,
    "hdparm": _disks,
    "cryptsetup": _disks,
    "mdadm": _disks,
    "mkfs": _disks,
    "mke2fs": _disks,
    "mkswap": _disks,
    "mkfs.ext4": _disks,
    "mkfs.ext3": _disks,
    "mkfs.ext2": _disks,
    "mkfs.xfs": _disks,
    "mkfs.btrfs": _disks,
    "mkfs.vfat": _disks,
    "mkfs.fat": _disks,
    "mkfs.ntfs": _disks,
    "mkfs.exfat": _disks,
    "mkdosfs": _disks,
    "mkntfs": _disks,
    "passwd": _passwd,
    "chpasswd": _passwd,
    "hostname": _hostname,
    "date": _date,
    "printenv": _printenv,
    "getent": _getent,
    "hostnamectl": _timedate,
    "timedatectl": _timedate,
    "localectl": _timedate,
    "smartctl": _smartctl,
    "shutdown": _reboot,
    "reboot": _reboot,
    "poweroff": _reboot,
    "halt": _reboot,
}


def descriptors() -> dict[str, tuple[Risk, str]]:
    return {f"systemctl {k}": v for k, v in SYSTEMCTL.items()}


@program("kill", builtin=True)
def _kill_builtin(inv: Invocation) -> None:
    inv.narrow()
    _kill(inv, inv.args, [w.value for w in inv.args])

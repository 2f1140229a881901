"""Where a path points, relative to the workspace: the zone that decides how much a read, a write or a delete
of it weighs.

The caller says where the line runs (``cwd``) and which folder is its workspace (``workspace``, by default the
cwd). A path is resolved the way the shell would see it (``~``, ``..``, a relative path against the cwd) and
put in one zone. Globs are judged by what they could match: ``*.o`` in the workspace is some files of the
workspace; ``~/*`` is the whole home folder.
"""

from __future__ import annotations

import enum
import fnmatch
import posixpath
import re
from dataclasses import dataclass

from tcphw.host.gate.shell import UNKNOWN, Word, resolve


class Zone(enum.Enum):
    """Where a path is. The names are what the explanations say."""

    NULL = "a stream, not a file"  # /dev/null, /dev/stdout, /dev/fd/N
    WORKSPACE = "inside the workspace"
    WORKSPACE_ROOT = "the whole workspace"
    VCS = "the workspace's version history"  # .git
    TMP = "temporary space"
    HOME = "the home folder, outside the workspace"
    STARTUP = "a login, shell or tool start-up file"  # ~/.bashrc, ~/.ssh/authorized_keys, ~/.gitconfig
    HOME_ROOT = "the whole home folder"
    SECRET = "a secret"  # keys, credentials, tokens, .env, /etc/shadow
    SYSTEM = "a system path"
    SYSTEM_CRITICAL = "a file that controls who is root or how the system boots"
    SYSTEM_ROOT = "a whole system directory"
    KERNEL = "a kernel or hardware setting"  # /proc/sys, /sys, /proc/sysrq-trigger
    DEVICE = "a device"  # /dev/sda, /dev/mem
    NETWORK = "a network connection"  # /dev/tcp/HOST/PORT
    OTHER = "a path outside the workspace"  # /srv, /mnt, /data
    UNKNOWN = "a path the check cannot know"


@dataclass(frozen=True)
class Target:
    zone: Zone
    path: str | None  # absolute and normalised, when known
    shown: str  # as the explanation quotes it
    scope: str = "exact"  # "exact", "some" (a glob), "all" (every entry of it), "every" (every file below it),
    # "deep" (files matching a name anywhere below it)
    inside: bool = False  # inside the workspace (a secret in the workspace, such as .env, says so)
    if_empty: Target | None = None  # where a path with an unknown variable points if the variable is empty
    critical: bool = False  # a file that controls who is root or how the system starts

    @property
    def outside(self) -> bool:
        return self.zone not in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT, Zone.VCS, Zone.NULL, Zone.TMP)


@dataclass(frozen=True)
class Place:
    """Where a command runs: its directory, the workspace, the home folder, and the temporary folder."""

    cwd: str | None
    workspace: str | None
    home: str
    # /var/tmp is not scratch: it outlives reboots and holds other programs' caches (the brief names /tmp)
    tmp: tuple[str, ...] = ("/tmp", "/dev/shm")


_STREAMS = re.compile(
    r"^/dev/(null|zero|full|stdin|stdout|stderr|tty|random|urandom|fd/\d+|pts/\d+)$|^/proc/self/fd/\d+$"
)
_NETWORK = re.compile(r"^/dev/(tcp|udp)/")
# Under the home folder: files whose content is a secret (what an agent reads goes into its context).
_HOME_SECRETS = (
    ".ssh/*",
    ".ssh",
    ".aws/credentials",
    ".aws/cli/cache/*",
    ".aws/sso/cache/*",
    ".azure/*",
    ".gnupg",
    ".password-store",
    ".kube",
    ".docker",
    ".config/gcloud",
    ".local/share/keyrings",
    ".config/gcloud/*",
    ".kube/config",
    ".kube/*config*",
    ".docker/config.json",
    ".netrc",
    ".pgpass",
    ".git-credentials",
    ".npmrc",
    ".pypirc",
    ".yarnrc",
    ".gnupg/*",
    ".password-store/*",
    ".local/share/keyrings/*",
    ".config/gh/hosts.yml",
    ".config/hub",
    ".vault-token",
    ".terraform.d/credentials*",
    ".cargo/credentials*",
    ".gem/credentials",
    ".m2/settings*.xml",
    ".mozilla/*",
    ".config/google-chrome/*",
    ".config/chromium/*",
    ".bash_history",
    ".zsh_history",
    ".history",
    ".python_history",
    ".psql_history",
    ".mysql_history",
    ".sqlite_history",
    ".node_repl_history",
    ".lesshst",
    ".viminfo",
    ".config/rclone/*",
    ".s3cfg",
    ".boto",
    ".composer/auth.json",
    ".config/op/*",
    ".config/sops/*",
    ".secrets/*",
    ".credentials/*",
    ".config/Code/User/globalStorage/*",
    ".local/share/fish/fish_history",
    ".wget-hsts",
    ".config/containers/auth.json",
)
_SSH_PUBLIC = ("*.pub", "known_hosts", "known_hosts.old", "authorized_keys", "config")
# Anywhere: file names that hold secrets.
_SECRET_NAMES = (
    ".env",
    ".env.*",
    "*.env",
    ".envrc",
    "*.pem",
    "*.key",
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    "*.p12",
    "*.pfx",
    "*.jks",
    "*.keystore",
    "*.kdbx",
    "credentials",
    "credentials.json",
    "*credentials*.json",
    "service-account*.json",
    "secrets.yml",
    "secrets.yaml",
    "secrets.json",
    "*.secret",
    "*.secrets",
    ".htpasswd",
    "terraform.tfstate",
    "terraform.tfstate.backup",
    "*.tfvars",
    ".git-credentials",
    ".netrc",
    ".pgpass",
    "master.key",
    "*.gpg",
    "*.asc",
    "token",
    "*.token",
    ".npmrc",
    ".pypirc",
    "auth.json",
)
_NOT_SECRET = (
    ".env.example",
    ".env.sample",
    ".env.template",
    ".env.dist",
    ".env.defaults",
    "*.example",
    "*.sample",
    "*.template",
    "*.pub",
)
_SYSTEM_SECRETS = (
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/ssh/ssh_host_*_key",
    "/etc/ssl/private/*",
    "/root/*",
    "/proc/*/environ",
    "/proc/kcore",
    "/etc/krb5.keytab",
    "/etc/NetworkManager/system-connections/*",
    "/etc/wpa_supplicant/*",
    "/var/run/secrets/*",
    "/run/secrets/*",
    "/etc/sudoers",
    "/etc/sudoers.d/*",
    "/etc/security/opasswd",
    "/var/lib/docker/*",
    "/etc/docker/key.json",
    "/etc/kubernetes/*",
    "/etc/ssh/*_key",
    "/etc/mysql/debian.cnf",
    "/etc/pki/*",
)
_STARTUP = (
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".zshrc",
    ".zshenv",
    ".zprofile",
    ".zlogin",
    ".zlogout",
    ".inputrc",
    ".config/fish/*",
    ".ssh/authorized_keys*",
    ".ssh/config",
    ".ssh/rc",
    ".gitconfig",
    ".config/git/*",
    ".vimrc",
    ".config/nvim/*",
    ".config/autostart/*",
    ".config/systemd/*",
    ".local/bin/*",
    ".xinitrc",
    ".xsession",
    ".xprofile",
    ".pam_environment",
    ".config/environment.d/*",
    ".npmrc",
    ".pip/*",
    ".config/pip/*",
    ".curlrc",
    ".wgetrc",
    ".tmux.conf",
    ".screenrc",
    ".emacs",
    ".emacs.d/*",
    ".bin/*",
    "bin/*",
    ".forward",
    ".rhosts",
    ".shosts",
    ".k5login",
    ".crontab",
)
_SYSTEM_CRITICAL = (
    "/etc/sudoers",
    "/etc/sudoers.d*",
    "/etc/passwd",
    "/etc/passwd-",
    "/etc/shadow",
    "/etc/group",
    "/etc/gshadow",
    "/etc/ld.so.preload",
    "/etc/ld.so.conf*",
    "/boot*",
    "/etc/pam.d*",
    "/etc/security*",
    "/etc/fstab",
    "/etc/crypttab",
    "/etc/default/grub",
    "/etc/grub.d*",
    "/etc/inittab",
    "/etc/login.defs",
    "/etc/nsswitch.conf",
    "/etc/selinux*",
    "/etc/apparmor*",
    "/lib/modules*",
    "/usr/lib/modules*",
    "/etc/modprobe.d*",
    "/etc/initramfs*",
    "/etc/systemd/system/*",
    "/lib/systemd/system/*",
    "/usr/lib/systemd/system/*",
    "/etc/init.d/*",
    "/etc/cron*",
    "/var/spool/cron*",
    "/etc/profile",
    "/etc/profile.d*",
    "/etc/bash.bashrc",
    "/etc/environment",
    "/etc/ssh/sshd_config*",
    "/etc/hosts.allow",
    "/etc/hosts.deny",
    "/bin/*",
    "/sbin/*",
    "/usr/bin/*",
    "/usr/sbin/*",
    "/lib/*",
    "/lib64/*",
    "/usr/lib/*",
    "/usr/lib64/*",
    "/usr/libexec/*",
)
_SYSTEM_TOP = (
    "bin",
    "boot",
    "dev",
    "etc",
    "home",
    "lib",
    "lib32",
    "lib64",
    "libx32",
    "opt",
    "proc",
    "root",
    "run",
    "sbin",
    "srv",
    "sys",
    "usr",
    "var",
    "snap",
    "mnt",
    "media",
)
_SYSTEM_PREFIXES = (
    "/etc",
    "/usr",
    "/boot",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/opt",
    "/root",
    "/var",
    "/run",
    "/snap",
    "/proc",
    "/sys",
    "/dev",
    "/srv",
)
_KERNEL = (
    "/proc/sys/*",
    "/proc/sysrq-trigger",
    "/sys/*",
    "/proc/*/mem",
    "/proc/kmsg",
    "/proc/*/oom_*",
    "/proc/*/attr/*",
)
_VCS_DIRS = (".git", ".hg", ".svn")
# what holds the history itself; the rest of .git (index.lock, COMMIT_EDITMSG, ORIG_HEAD) is working state
_VCS_HISTORY = ("objects", "refs", "packed-refs", "logs", "store", "data", "HEAD", "config", "hooks", "info",
                "modules", "worktrees", "lfs", "shallow", "wc.db", "pristine")  # fmt: skip


_GLOB_CHARS = re.compile(r"[*?]")


def _match(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(path, p) for p in patterns)


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _instance(pattern: str) -> tuple[str, str]:
    """A path a glob could match, and the scope of the glob: ``~/*`` -> (``~``, "all"); ``*.o`` -> (``.o``, "some")."""
    head, _, last = pattern.rpartition("/")
    scope = "every" if last == "**" else "all" if last in ("*", ".*", "*.*", "{*,.*}", ".[!.]*", ".??*", ".[^.]*") \
        else "some"  # fmt: skip
    # Each glob character stands for the shortest text it may match: a pattern matches that path, and
    # the path's zone is the zone of what the pattern reaches.
    instance = re.sub(r"\[[^\]]*\]", "x", pattern).replace("?", "x")
    if scope in ("all", "every"):
        instance = head if head else ("/" if pattern.startswith("/") else ".")
    else:
        instance = instance.replace("*", "")
    return instance, scope


def classify(word: Word | str, place: Place) -> Target:
    """The zone of one path argument."""
    if isinstance(word, str):
        word = Word.literal(word)
    value = word.value
    shown = word.shown()
    if UNKNOWN in value:
        prefix = value.split(UNKNOWN, 1)[0]
        # A known directory before the unknown part still says where it is, unless it could climb out (..).
        if prefix.endswith("/") and prefix not in ("/", "./") and len(prefix) > 1:
            base = resolve(prefix, place.cwd, place.home)
            if base is not None:
                inner = classify(Word.literal(base.rstrip("/") + "/x"), place)
                if inner.zone in (Zone.SECRET, Zone.DEVICE, Zone.SYSTEM_CRITICAL, Zone.KERNEL, Zone.NETWORK):
                    return Target(inner.zone, None, shown, "some")
                if inner.zone in (Zone.WORKSPACE, Zone.TMP) and not _under(base, place.home + "/x"):
                    # "build/$x" stays under build/ unless $x climbs with ..: still unknown for a delete
                    return Target(Zone.UNKNOWN, None, shown, "some", if_empty=_if_empty(value, word, place))
        return Target(Zone.UNKNOWN, None, shown, if_empty=_if_empty(value, word, place))
    scope = "exact"
    if (word.glob or _GLOB_CHARS.search(value)) and "/*/" in value:
        # files matching a name anywhere below a folder ("find / -name '*.log'"): a secret by its name, else
        # judged by the folder they are found in
        head, _, name = value.partition("/*/")
        by_name = classify(Word.literal((head or "/") + "/" + name.rsplit("/", 1)[-1]), place)
        if by_name.zone == Zone.SECRET:
            return Target(Zone.SECRET, by_name.path, shown, "some", by_name.inside)
        base = resolve(head or "/", place.cwd, place.home)
        if base is None:
            return Target(Zone.UNKNOWN, None, shown, "deep")
        inside = place.workspace is not None and _under(base, place.workspace)
        return Target(zone_of(base, place, "deep"), base, shown, "deep", inside, critical=critical(base))
    if word.glob or _GLOB_CHARS.search(value):
        value, scope = _instance(value)
    path = resolve(value, place.cwd, place.home)
    if path is None:
        return Target(Zone.UNKNOWN, None, shown, scope)
    inside = place.workspace is not None and _under(path, place.workspace)
    return Target(zone_of(path, place, scope), path, shown, scope, inside, critical=critical(path))


def _if_empty(value: str, word: Word, place: Place) -> Target | None:
    """Where the path points when every unknown variable in it is empty: "$DIR/*" is then "/*"."""
    empty = value.replace(UNKNOWN, "")
    if not empty or empty == value or (not empty.startswith("/") and not value.startswith(UNKNOWN)):
        return None
    if not empty.startswith("/"):
        return None
    return classify(Word(word.raw, empty, word.glob or bool(_GLOB_CHARS.search(empty)), word.quoted), place)


def critical(path: str) -> bool:
    """Files whose change gives out root or stops the system from starting (writing them is refused)."""
    return _match(path, _SYSTEM_CRITICAL) or _match(path, _CRITICAL_EXTRA)


_CRITICAL_EXTRA = ("/root/.ssh*", "/proc/sysrq-trigger", "/var/lib/dpkg*", "/var/lib/apt*", "/var/lib/rpm*",
                   "/etc/shadow*", "/etc/gshadow*", "/etc/sudoers*", "/etc/passwd*", "/etc/group*")  # fmt: skip


def zone_of(path: str, place: Place, scope: str = "exact") -> Zone:
    home = place.home.rstrip("/") or "/"
    name = posixpath.basename(path)
    if _STREAMS.match(path):
        return Zone.NULL
    if _NETWORK.match(path):
        return Zone.NETWORK
    if _match(path, _KERNEL):
        return Zone.KERNEL
    if path.startswith("/dev/"):
        return Zone.DEVICE
    if path == "/":
        return Zone.SYSTEM_ROOT
    # secrets first: a .env inside the workspace is still a secret
    if _match(name, _SECRET_NAMES) and not _match(name, _NOT_SECRET):
        return Zone.SECRET
    if _under(path, home) and path != home:
        rel = path[len(home) + 1 :]
        if rel.startswith(".ssh/") and _match(posixpath.basename(rel), _SSH_PUBLIC):
            pass
        elif _match(rel, _HOME_SECRETS):
            return Zone.SECRET
    if _match(path, _SYSTEM_SECRETS):
        return Zone.SECRET
    ws = place.workspace
    if ws is not None and _under(path, ws):
        if path == ws.rstrip("/") or (scope == "all" and path == ws.rstrip("/")):
            return Zone.WORKSPACE_ROOT
        rel = path[len(ws.rstrip("/")) + 1 :]
        top, _, below = rel.partition("/")
        if top in _VCS_DIRS and (not below or below.split("/", 1)[0] in _VCS_HISTORY):
            return Zone.VCS
        return Zone.WORKSPACE
    if ws is not None and _under(ws, path):
        # a folder that holds the workspace: deleting it deletes the workspace and more
        return Zone.HOME_ROOT if path == home else (Zone.SYSTEM_ROOT if path.count("/") <= 1 else Zone.OTHER)
    if any(_under(path, t) for t in place.tmp):
        return Zone.TMP
    if path == home:
        return Zone.HOME_ROOT
    if _under(path, home):
        rel = path[len(home) + 1 :]
        if _match(rel, _STARTUP):
            return Zone.STARTUP
        return Zone.HOME
    if _match(path, _SYSTEM_CRITICAL):
        return Zone.SYSTEM_CRITICAL
    parts = path.strip("/").split("/")
    if len(parts) == 1 and parts[0] in _SYSTEM_TOP:
        return Zone.SYSTEM_ROOT
    if path in (
        "/usr/bin",
        "/usr/lib",
        "/usr/local",
        "/usr/share",
        "/usr/sbin",
        "/var/lib",
        "/var/log",
        "/etc/ssl",
        "/usr/include",
        "/var/cache",
        "/var/spool",
        "/var/mail",
        "/home/" + (parts[1] if len(parts) > 1 else ""),
    ):
        return Zone.SYSTEM_ROOT if not path.startswith("/home/") else Zone.HOME_ROOT
    if parts[0] == "home" and len(parts) >= 2:
        return Zone.OTHER  # another user's home
    if any(_under(path, p) for p in _SYSTEM_PREFIXES):
        return Zone.SYSTEM
    return Zone.OTHER

"""How much an effect on a path weighs, by the path's zone: the gate's one table of reads, writes and deletes.

Every handler that knows a program's arguments reports what they do to which paths; this table turns that
into a decision and a reason. Changing how a kind of path is treated is one cell here.
"""

from __future__ import annotations

from tcphw.contract import Decision
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.paths import Target, Zone

Z = Zone
# effect -> zone -> decision. "read": content goes into the agent's context; "list": names and metadata only;
# "write": overwrite or change; "append"; "create": a new file or folder; "delete"; "perms": mode or owner.
TABLE: dict[str, dict[Zone, Decision]] = {
    "read": {
        Z.NULL: A,
        Z.WORKSPACE: A,
        Z.WORKSPACE_ROOT: A,
        Z.VCS: A,
        Z.TMP: A,
        Z.HOME: A,
        Z.STARTUP: A,
        Z.HOME_ROOT: A,
        Z.SECRET: R,
        Z.SYSTEM: A,
        Z.SYSTEM_CRITICAL: A,
        Z.SYSTEM_ROOT: A,
        Z.KERNEL: A,
        Z.DEVICE: R,
        Z.NETWORK: R,
        Z.OTHER: A,
        Z.UNKNOWN: R,
    },
    "list": {z: A for z in Zone} | {Z.NETWORK: R, Z.UNKNOWN: A},
    "write": {
        Z.NULL: A,
        Z.WORKSPACE: C,
        Z.WORKSPACE_ROOT: C,
        Z.VCS: R,
        Z.TMP: C,
        Z.HOME: R,
        Z.STARTUP: R,
        Z.HOME_ROOT: R,
        Z.SECRET: R,
        Z.SYSTEM: R,
        Z.SYSTEM_CRITICAL: X,
        Z.SYSTEM_ROOT: R,
        Z.KERNEL: R,
        Z.DEVICE: X,
        Z.NETWORK: R,
        Z.OTHER: R,
        Z.UNKNOWN: R,
    },
    "create": {
        Z.NULL: A,
        Z.WORKSPACE: A,
        Z.WORKSPACE_ROOT: A,
        Z.VCS: R,
        Z.TMP: C,
        Z.HOME: R,
        Z.STARTUP: R,
        Z.HOME_ROOT: R,
        Z.SECRET: R,
        Z.SYSTEM: R,
        Z.SYSTEM_CRITICAL: X,
        Z.SYSTEM_ROOT: R,
        Z.KERNEL: R,
        Z.DEVICE: X,
        Z.NETWORK: R,
        Z.OTHER: R,
        Z.UNKNOWN: R,
    },
    "delete": {
        Z.NULL: R,
        Z.WORKSPACE: C,
        Z.WORKSPACE_ROOT: R,
        Z.VCS: R,
        Z.TMP: C,
        Z.HOME: R,
        Z.STARTUP: R,
        Z.HOME_ROOT: X,
        Z.SECRET: R,
        Z.SYSTEM: R,
        Z.SYSTEM_CRITICAL: X,
        Z.SYSTEM_ROOT: X,
        Z.KERNEL: R,
        Z.DEVICE: X,
        Z.NETWORK: R,
        Z.OTHER: R,
        Z.UNKNOWN: R,
    },
    "perms": {
        Z.NULL: R,
        Z.WORKSPACE: C,
        Z.WORKSPACE_ROOT: C,
        Z.VCS: C,
        Z.TMP: C,
        Z.HOME: R,
        Z.STARTUP: R,
        Z.HOME_ROOT: R,
        Z.SECRET: R,
        Z.SYSTEM: R,
        Z.SYSTEM_CRITICAL: X,
        Z.SYSTEM_ROOT: X,
        Z.KERNEL: R,
        Z.DEVICE: R,
        Z.NETWORK: R,
        Z.OTHER: R,
        Z.UNKNOWN: R,
    },
    "exec": {
        Z.NULL: R,
        Z.WORKSPACE: C,
        Z.WORKSPACE_ROOT: C,
        Z.VCS: R,
        Z.TMP: R,
        Z.HOME: R,
        Z.STARTUP: R,
        Z.HOME_ROOT: R,
        Z.SECRET: R,
        Z.SYSTEM: C,
        Z.SYSTEM_CRITICAL: C,
        Z.SYSTEM_ROOT: C,
        Z.KERNEL: R,
        Z.DEVICE: R,
        Z.NETWORK: R,
        Z.OTHER: R,
        Z.UNKNOWN: R,
    },
}
TABLE["append"] = dict(TABLE["write"])
# "search": a search for an ordinary string prints the matching lines it reads; like a read, a secret file named
# on its own is still read, but a tree searched for ordinary text is not a read of every secret in it
TABLE["search"] = dict(TABLE["read"]) | {Z.UNKNOWN: A}

_VERB = {
    "read": "reads",
    "list": "lists",
    "write": "writes",
    "append": "appends to",
    "create": "creates",
    "delete": "deletes",
    "perms": "changes the permissions or owner of",
    "exec": "runs",
    "search": "searches",
}


def judge(
    kind: str, target: Target, root: bool = False, recursive: bool = False, loosen: bool = False
) -> tuple[Decision, str]:
    """The decision for one effect on one path, and the reason in words."""
    level = TABLE[kind][target.zone]
    what = target.zone.value
    verb = _VERB[kind]
    if target.critical and kind in ("write", "append", "create", "delete", "perms"):
        return X, f"{verb} {Zone.SYSTEM_CRITICAL.value}: {target.shown}"
    if target.zone == Zone.UNKNOWN and kind in ("delete", "write", "perms") and target.if_empty is not None:
        empty = target.if_empty
        refused = empty.path == "/" and empty.scope == "exact"  # rm itself refuses "/" (but not "/*")
        if (empty.zone in (Zone.SYSTEM_ROOT, Zone.HOME_ROOT) and not refused) or empty.critical:
            # "rm -rf "$BUILD_DIR"/*": with the variable empty (or unset) that is "/*"
            return X, f"{verb} {empty.zone.value} if a variable in it is empty: {target.shown}"
    if target.scope == "deep" and kind in ("delete", "write", "append", "perms"):
        if target.zone in (Zone.WORKSPACE_ROOT, Zone.WORKSPACE):
            level, what = C, "files of the workspace"
        elif target.zone == Zone.SYSTEM_ROOT and target.path == "/" and kind != "perms":
            level, what = X, "files across the whole system"
        elif target.zone in (Zone.SYSTEM_ROOT, Zone.HOME_ROOT, Zone.SYSTEM):
            level, what = R, f"files below {target.zone.value}"
    if target.zone == Zone.SECRET and not target.inside and kind in ("delete", "write"):
        # a key or credential outside the workspace, deleted or overwritten, is gone for good
        level, what = X, "a secret, beyond recovery"
    if kind == "perms" and target.zone == Zone.DEVICE and loosen:
        level = X
    if target.zone == Zone.SECRET and target.inside:
        # a credentials file of the project (.env): adding to it or creating it is project work; overwriting or
        # deleting it loses what no history holds; reading it puts it into the agent's context
        what = "the project's secrets"
        if kind in ("append", "create", "perms"):
            level = C
    if (
        kind == "read"
        and target.scope == "every"
        and target.zone in (Zone.HOME_ROOT, Zone.HOME, Zone.WORKSPACE_ROOT, Zone.SYSTEM_ROOT, Zone.OTHER, Zone.SYSTEM)
    ):
        level, what = R, f"every file of {target.zone.value}, keys and credentials included"
    if kind in ("write", "delete") and target.scope == "every" and target.zone == Zone.WORKSPACE_ROOT:
        level, what = R, "every file of the workspace, its version history and binaries included"
    if kind == "delete" and target.zone == Zone.VCS and target.path and "/hooks/" in target.path:
        level, what = C, "a hook of the workspace's repository"
    if kind == "delete":
        if target.zone == Zone.TMP and target.path in ("/tmp", "/dev/shm") and target.scope != "deep":
            level, what = R, "all of a shared temporary folder"
        if (
            recursive
            and target.zone in (Zone.HOME, Zone.OTHER)
            and target.path is not None
            and target.path.count("/") <= 2
        ):
            level = max(level, R)
        if target.zone == Zone.WORKSPACE and target.scope in ("all", "every") and target.path is not None:
            what = "every file of a folder inside the workspace"
    if kind == "perms" and loosen and target.zone not in (Zone.WORKSPACE, Zone.TMP, Zone.WORKSPACE_ROOT):
        level = max(level, R)
    if kind == "perms" and recursive and target.zone in (Zone.HOME_ROOT, Zone.SYSTEM):
        level = max(level, R)
    if root and kind in ("write", "append", "create", "delete", "perms") and target.zone == Zone.SYSTEM:
        level = max(level, R)
    return level, f"{verb} {what}: {target.shown}" if target.shown else f"{verb} {what}"


def markdown_table() -> str:
    """The zone x effect table as docs/gate.md shows it (a test holds the page to this)."""
    effects = list(TABLE)
    short = {A: "A", C: "C", R: "R", X: "X"}
    out = ["| where | " + " | ".join(effects) + " |", "|---" * (len(effects) + 1) + "|"]
    for zone in Zone:
        out.append(f"| {zone.value} | " + " | ".join(short[TABLE[e][zone]] for e in effects) + " |")
    return "\n".join(out)

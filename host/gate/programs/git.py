"""git: each subcommand is its own registry entry ("git push"), with the options that change its risk.

git also runs programs through its configuration: ``-c`` with aliases, pagers, editors, hooks, diff and merge
drivers, ssh commands and credential helpers. Those are judged as the commands they are.
"""

from __future__ import annotations

import re

from tcphw.contract import Risk
from tcphw.host.gate.analyse import Invocation, Output, program
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.shell import Word

S, L, M, H, K = Risk.SAFE, Risk.LOW_RISK, Risk.MEDIUM_RISK, Risk.HIGH_RISK, Risk.CRITICAL

#: subcommand -> (its own risk, what it does). The risk is the subcommand's descriptor in the registry; the
#: options below raise it where they change what it does.
SUBCOMMANDS: dict[str, tuple[Risk, str]] = {
    # reading
    "status": (S, "shows the working tree's state"),
    "log": (S, "shows history"),
    "show": (S, "shows objects"),
    "diff": (S, "shows changes"),
    "blame": (S, "shows who changed each line"),
    "annotate": (S, "shows who changed each line"),
    "shortlog": (S, "summarises history"),
    "describe": (S, "names a commit"),
    "rev-parse": (S, "resolves names"),
    "rev-list": (S, "lists commits"),
    "ls-files": (S, "lists tracked files"),
    "ls-tree": (S, "lists a tree"),
    "cat-file": (S, "prints objects"),
    "grep": (S, "searches tracked files"),
    "reflog": (S, "shows the reflog"),
    "whatchanged": (S, "shows history"),
    "name-rev": (S, "names commits"),
    "merge-base": (S, "finds a common commit"),
    "show-ref": (S, "lists references"),
    "for-each-ref": (S, "lists references"),
    "count-objects": (S, "counts objects"),
    "verify-commit": (S, "checks signatures"),
    "verify-tag": (S, "checks signatures"),
    "fsck": (S, "checks the database"),
    "check-ignore": (S, "checks ignore rules"),
    "check-attr": (S, "checks attributes"),
    "var": (S, "prints variables"),
    "version": (S, "prints the version"),
    "help": (S, "prints help"),
    "range-diff": (S, "compares ranges"),
    "cherry": (S, "lists unmerged commits"),
    "difftool": (M, "runs a diff program"),
    "instaweb": (H, "serves the repository on the network"),
    "ls-remote": (M, "lists a remote's references (network)"),
    "archive": (L, "writes an archive of a tree"),
    "bundle": (L, "writes or reads a bundle"),
    "format-patch": (L, "writes patches"),
    "request-pull": (S, "summarises changes"),
    "whatchanged-legacy": (S, "shows history"),
    "bisect": (M, "checks out commits to search history"),
    # changing the workspace (kept in history, easily undone)
    "add": (M, "stages changes"),
    "commit": (M, "records a commit"),
    "checkout": (M, "switches branches or restores files"),
    "switch": (M, "switches branches"),
    "branch": (M, "lists or changes branches"),
    "tag": (M, "lists or creates tags"),
    "merge": (M, "merges history"),
    "rebase": (M, "rewrites local history"),
    "cherry-pick": (M, "applies commits"),
    "revert": (M, "records a reverting commit"),
    "stash": (M, "shelves changes"),
    "mv": (M, "moves tracked files"),
    "rm": (M, "removes tracked files"),
    "restore": (M, "restores files"),
    "reset": (M, "moves HEAD"),
    "am": (M, "applies patches"),
    "apply": (M, "applies a patch"),
    "init": (L, "creates a repository"),
    "notes": (M, "changes notes"),
    "worktree": (M, "manages working trees"),
    "sparse-checkout": (M, "changes the checkout"),
    "submodule": (M, "manages submodules"),
    "gc": (M, "packs and prunes objects"),
    "prune": (M, "prunes unreachable objects"),
    "repack": (M, "packs objects"),
    "maintenance": (M, "maintains the repository"),
    "commit-tree": (M, "writes a commit object"),
    "update-index": (M, "changes the index"),
    "update-ref": (M, "moves a reference"),
    "symbolic-ref": (M, "changes a reference"),
    "read-tree": (M, "reads a tree into the index"),
    "write-tree": (L, "writes the index as a tree"),
    "mktag": (L, "writes a tag"),
    "hash-object": (L, "hashes a file"),
    "lfs": (M, "large files (network)"),
    "config": (M, "reads or changes settings"),
    "clean": (H, "deletes untracked files"),
    "filter-branch": (H, "rewrites all history"),
    "filter-repo": (H, "rewrites all history"),
    "replace": (M, "replaces objects"),
    "rerere": (M, "reuses resolutions"),
    "mergetool": (M, "runs a merge program"),
    # the network
    "fetch": (M, "fetches from a remote"),
    "pull": (M, "fetches and merges"),
    "clone": (M, "copies a repository"),
    "remote": (M, "lists or changes remotes"),
    "push": (H, "publishes commits to a remote"),
    "send-email": (H, "sends patches by email"),
    "daemon": (H, "serves repositories on the network"),
    "svn": (M, "talks to a Subversion server"),
    "credential": (H, "reads or stores credentials"),
    "credential-store": (H, "reads or stores credentials"),
    "credential-cache": (H, "reads or stores credentials"),
}

_LEVEL = {S: A, L: A, M: C, H: R, K: X}
# git -c / git config keys whose value is a command git runs
_COMMAND_KEYS = re.compile(
    r"^(alias\..*|core\.(pager|editor|sshcommand|fsmonitor|hookspath|askpass|gitproxy)|"
    r"pager\..*|diff\..*\.(command|textconv)|merge\..*\.driver|filter\..*\.(clean|smudge|process)|"
    r"credential\.helper|credential\..*\.helper|sequence\.editor|gpg\.program|gpg\..*\.program|"
    r"uploadpack\.packobjectshook|protocol\..*|url\..*|remote\..*\.(uploadpack|receivepack|proxy)|"
    r"http\.proxy|include\.path|includeif\..*|core\.worktree|init\.templatedir|web\.browser|"
    r"browser\..*\.cmd|instaweb\..*|sendemail\..*|ssh\.variant|interactive\.difffilter|"
    r"difftool\..*\.cmd|mergetool\..*\.cmd|status\.showuntrackedfiles-pager)$",
    re.I,
)
_GLOBAL_OPTS_VALUE = {
    "-C",
    "-c",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--exec-path",
    "--config-env",
    "--super-prefix",
    "--list-cmds",
    "--attr-source",
}


@program("git")
def _git(inv: Invocation) -> None:
    args = list(inv.args)
    i = 0
    where = None
    aliases: set[str] = set()
    while i < len(args) and args[i].value.startswith("-"):
        w = args[i]
        name, eq, value = w.value.partition("=")
        if name in ("-c", "--config-env"):
            setting = args[i + 1] if not eq and i + 1 < len(args) else Word(w.raw, value)
            _config_setting(inv, setting)
            if setting.known and setting.value.lower().startswith("alias."):
                aliases.add(setting.value.split("=", 1)[0][6:])
            i += 1 if eq else 2
            continue
        if name == "-C" and i + 1 < len(args):
            where = args[i + 1]
        if name in ("--exec-path", "--git-dir", "--work-tree") and (eq or i + 1 < len(args)):
            path = Word(w.raw, value) if eq else args[i + 1]
            t = inv.target(path)
            if name == "--exec-path" and not eq:
                pass
            if name == "--exec-path":
                inv.find(R, "git.exec-path", "runs git's programs from another folder", [w])
            elif t.zone not in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT, Zone.VCS):
                inv.find(C, "git.other-repository", f"works on a repository {t.zone.value}: {t.shown}", [w])
        if name in _GLOBAL_OPTS_VALUE and not eq:
            i += 2
            continue
        if name in ("--version", "--help", "-h"):
            inv.narrow()
            inv.key("git")
            inv.find(A, "git.help", "only prints git's version or help", [w])
            return
        i += 1
    if i >= len(args):
        inv.narrow()
        inv.find(A, "git.help", "git alone prints its help", inv.argv)
        return
    sub = args[i].value
    rest = args[i + 1 :]
    if not args[i].known:
        inv.find(R, "git.unknown-subcommand", "runs a git subcommand the check cannot know", [args[i]])
        return
    if sub not in SUBCOMMANDS:
        inv.key("git")
        inv.narrow()
        if sub in aliases:
            inv.find(A, "git.alias", f"runs the alias {sub} the line defines (judged where it is defined)", [args[i]])
        elif inv.engine.scanned(f"git-{sub}"):
            # "git foo" runs the program git-foo when one is installed (git-extras and friends)
            inv.find(A, "git.external", f"runs the installed program git-{sub}", [args[i]])
            inv.run([Word.literal(f"git-{sub}"), *args[i + 1 :]], f"git {sub}")
        else:
            inv.find(R, "git.alias", f"'{sub}' is no git subcommand the table knows: an alias may run anything",
                     [args[i]])  # fmt: skip
        return
    risk, what = SUBCOMMANDS[sub]
    inv.key(f"git {sub}")
    inv.narrow()
    inv.find(_LEVEL[risk], f"git.{sub}", what, args[i : i + 1])
    if where is not None:
        t = inv.target(where)
        if t.zone not in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT):
            # another repository: reading it is fine; changing it changes something outside the workspace
            level = C if risk in (S, L) else R
            inv.find(level, "git.other-repository", f"works on a repository in {t.zone.value}: {t.shown}", [where])
    values = [w.value for w in rest]
    handler = _SUB.get(sub)
    if handler is not None:
        handler(inv, rest, values)
    _common(inv, sub, rest, values)
    inv.output = Output("local")


def _config_setting(inv: Invocation, setting: Word) -> None:
    key, _, value = setting.value.partition("=")
    if not setting.known:
        inv.find(R, "git.config-command", "sets a git option the check cannot see (it may run a command)", [setting])
        return
    if _COMMAND_KEYS.match(key):
        if key.lower().startswith("alias.") and not value.startswith("!"):
            return
        text = value[1:] if value.startswith("!") else value
        if key.lower() in ("core.hookspath",) or key.lower().startswith(("include", "init.template")):
            t = inv.target(Word.literal(text))
            level = C if t.zone in (Zone.WORKSPACE, Zone.VCS) else R
            inv.find(
                level, "git.config-command", f"makes git run hooks or read settings from {t.zone.value}", [setting]
            )
            return
        if key.lower().startswith("protocol.") and value.lower() == "always":
            inv.find(R, "git.config-protocol", "allows a transport that runs commands (ext::, file::)", [setting])
            return
        if key.lower().startswith(("url.", "protocol.", "http.proxy", "remote.")):
            inv.find(C, "git.config-network", "changes where git connects", [setting])
            return
        inv.find(C, "git.config-command", f"git runs the command set in {key}", [setting])
        inv.run_script(text, f"git -c {key}", f"the command in {key}")


_SECRET_PATTERN = re.compile(r"(AKIA|ASIA|password|passwd|secret|token|api[_-]?key|private key|BEGIN .*PRIVATE|"
                             r"ghp_|glpat-|xox[bp]-|sk-[a-z0-9])", re.I)  # fmt: skip
_READS_PATHS = ("show", "log", "diff", "blame", "annotate", "cat-file", "grep", "whatchanged")


def _common(inv: Invocation, sub: str, rest: list[Word], values: list[str]) -> None:
    if sub in _READS_PATHS:
        after = values.index("--") + 1 if "--" in values else None
        # log without a patch lists commits that touch a path; with one (or show, diff, blame) it prints content
        content = (sub != "log" and sub != "whatchanged") or any(
            v in ("-p", "-u", "--patch", "-L") or v.startswith("-L") for v in values)  # fmt: skip
        for k, w in enumerate(rest):
            v = w.value
            if after is not None and k >= after:
                (inv.read if content else inv.list)(w, f"git.{sub}.path")
            elif ":" in v and not v.startswith(("-", ":")) and "://" not in v:
                inv.read(Word(w.raw, v.split(":", 1)[1]), f"git.{sub}.path")  # "HEAD:.env"
            elif sub in ("diff", "blame") and not v.startswith("-") and (v.startswith(("/", "~", "./", "../")) or
                                                                      inv.target(w).zone == Zone.SECRET):  # fmt: skip
                inv.read(w, f"git.{sub}.path")  # "git diff /dev/null ~/.ssh/id_rsa" prints the file
        for k, v in enumerate(values):
            pattern = values[k + 1] if v in ("-S", "-G", "--grep", "-e") and k + 1 < len(values) else (
                v[2:] if v.startswith(("-S", "-G")) and len(v) > 2 else None)  # fmt: skip
            if pattern and _SECRET_PATTERN.search(pattern) and ("-p" in values or sub in ("grep", "show") or
                                                                "--patch" in values):  # fmt: skip
                inv.find(R, f"git.{sub}.secrets", "searches the history for credentials and prints what it finds",
                         rest[k : k + 2])  # fmt: skip
    for w in rest:
        if w.value.startswith("ext::"):
            inv.find(R, "git.ext-transport", "the ext:: transport runs a command to reach the remote", [w])
            inv.run_script(w.value[5:].replace("% ", " ").replace("%%", "%"), "git ext::", "the transport command")
    for w in rest:
        v = w.value
        if v in ("--output", "-o") and sub in ("archive", "format-patch") and rest.index(w) + 1 < len(rest):
            inv.write(rest[rest.index(w) + 1], f"git.{sub}.output")
        if v.startswith(("--output=", "-o")) and sub in ("log", "show", "diff", "format-patch", "archive", "shortlog"):
            target = v.split("=", 1)[1] if "=" in v else None
            if target:
                inv.write(Word(w.raw, target), f"git.{sub}.output")
        if v in ("--ext-diff", "--textconv") and sub in ("log", "show", "diff", "blame", "grep"):
            inv.find(C, f"git.{sub}.external", "runs the diff or conversion programs set in the configuration", [w])
        if v.startswith(("--upload-pack", "--receive-pack", "--exec=", "-u")) and sub in (
            "fetch",
            "pull",
            "clone",
            "push",
            "ls-remote",
            "archive",
        ):
            inv.run_script(v.split("=", 1)[1] if "=" in v else None, f"git {sub} --upload-pack", "a remote program")
        if v in ("--open-files-in-pager", "-O") and sub == "grep":
            inv.find(C, "git.grep.pager", "opens matches in a pager program", [w])
    if "-o" in values and sub in ("log", "show", "diff"):
        k = values.index("-o")
        if k + 1 < len(rest):
            inv.write(rest[k + 1], f"git.{sub}.output")


def _push(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if any(
        v in ("--force", "-f", "--force-with-lease", "--mirror", "--delete", "-d", "--prune")
        or v.startswith(("--force-with-lease=", "--force-if-includes", "+"))
        or v.startswith(":")
        for v in values
    ):
        inv.find(R, "git.push.force", "overwrites or deletes history on the remote", rest)
    if "--dry-run" in values or "-n" in values:
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.push"]
        inv.find(C, "git.push.dry-run", "only shows what would be pushed (contacts the remote)", rest)


def _reset(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if "--hard" in values or "--merge" in values or "--keep" in values:
        inv.find(R, "git.reset.hard", "throws away uncommitted work", rest)
    elif any(not v.startswith("-") for v in values) and "--soft" not in values and "--mixed" not in values:
        inv.find(C, "git.reset.unstage", "moves HEAD or unstages files", rest)


def _clean(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    short = "".join(v[1:] for v in values if v.startswith("-") and not v.startswith("--"))
    if "n" in short or "--dry-run" in values:
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.clean"]
        inv.find(A, "git.clean.dry-run", "only lists what it would delete", rest)
        return
    if "x" in short or "X" in short:
        inv.find(R, "git.clean.ignored", "deletes ignored files too (.env, local settings, caches)", rest)
    else:
        inv.find(R, "git.clean.untracked", "deletes untracked files, which no history holds", rest)


def _checkout(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if "--" in values or any(v in (".", ":/", "*") for v in values) or "-f" in values or "--force" in values:
        paths = values[values.index("--") + 1 :] if "--" in values else [v for v in values if not v.startswith("-")]
        if "-f" in values or "--force" in values or paths:
            inv.find(R, "git.checkout.discard", "overwrites uncommitted changes in the working tree", rest)
    elif len([v for v in values if not v.startswith("-")]) >= 2 and "-b" not in values and "-B" not in values:
        inv.find(R, "git.checkout.discard", "overwrites files with another version, losing their changes", rest)
    if "-B" in values:
        inv.find(C, "git.checkout.reset-branch", "resets a branch if it exists", rest)


def _restore(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if "--staged" in values and "--worktree" not in values and "-W" not in values:
        inv.find(C, "git.restore.unstage", "unstages files", rest)
        return
    inv.find(R, "git.restore.discard", "overwrites uncommitted changes in the working tree", rest)


def _switch(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if "--discard-changes" in values or "-f" in values or "--force" in values:
        inv.find(R, "git.switch.discard", "throws away uncommitted changes", rest)
    if "-C" in values:
        inv.find(C, "git.switch.reset-branch", "resets a branch if it exists", rest)


def _branch(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    changing = [
        v
        for v in values
        if v
        in (
            "-d",
            "-D",
            "--delete",
            "-m",
            "-M",
            "--move",
            "-c",
            "-C",
            "--copy",
            "-f",
            "--force",
            "-u",
            "--set-upstream-to",
            "--unset-upstream",
            "--edit-description",
        )
    ]
    names = [v for v in values if not v.startswith("-")]
    if "-D" in values or ("--delete" in values and "--force" in values) or ("-d" in values and "-f" in values):
        inv.find(R, "git.branch.force-delete", "deletes a branch even if its commits are merged nowhere", rest)
    elif "-M" in values or "-C" in values or "-f" in values or "--force" in values:
        inv.find(R, "git.branch.overwrite", "overwrites an existing branch", rest)
    elif (
        (not changing and not names)
        or "--list" in values
        or "-a" in values
        or "-r" in values
        or ("-v" in values and not names)
    ):
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.branch"]
        inv.find(A, "git.branch.list", "lists branches", rest)


def _tag(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    names = [v for v in values if not v.startswith("-")]
    if "-d" in values or "--delete" in values:
        inv.find(C, "git.tag.delete", "deletes a local tag", rest)
    elif "-f" in values or "--force" in values:
        inv.find(C, "git.tag.force", "moves an existing tag", rest)
    elif not names or "-l" in values or "--list" in values:
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.tag"]
        inv.find(A, "git.tag.list", "lists tags", rest)


def _stash(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    action = values[0] if values else "push"
    if action in ("drop", "clear"):
        inv.find(R, "git.stash.drop", "deletes shelved changes for good", rest)
    elif action in ("list", "show"):
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.stash"]
        inv.find(A, "git.stash.list", "lists or shows shelved changes", rest)


def _config(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    writes = not any(
        v
        in (
            "--get",
            "--get-all",
            "--get-regexp",
            "-l",
            "--list",
            "--show-origin",
            "--get-urlmatch",
            "--show-scope",
            "get",
            "list",
        )
        for v in values
    )
    keys = [w for w in rest if not w.value.startswith("-")]
    if keys and keys[0].value in ("get", "list"):
        writes = False
    if not writes or (
        len(keys) < 2
        and not any(
            v.startswith(("--unset", "--remove-section", "--rename-section", "--add", "--replace-all", "-e", "--edit"))
            for v in values
        )
    ):
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.config"]
        key = keys[0].value.lower() if keys else ""
        if re.search(r"password|token|extraheader|secret|\.username$", key) and "helper" not in key:
            inv.find(R, "git.config.secret", "reads a credential setting", rest)
        else:
            inv.find(A, "git.config.read", "reads settings", rest)
        return
    if any(v in ("--global", "--system", "--file", "-f") or v.startswith("--file=") for v in values):
        inv.find(R, "git.config.global", "changes settings outside the workspace (~/.gitconfig or the system's)", rest)
    if len(keys) >= 2:
        _config_setting(inv, Word(keys[0].raw, f"{keys[0].value}={keys[1].value}"))


def _remote(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    action = next((v for v in values if not v.startswith("-")), None)
    if action in (None, "show", "get-url") or values in (["-v"], ["--verbose"]):
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.remote"]
        inv.find(A if action != "show" else C, "git.remote.list", "lists remotes", rest)
    elif action in ("remove", "rm", "set-url", "rename", "prune"):
        inv.find(C, "git.remote.change", "changes where the repository pushes and fetches", rest)


def _clone(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    ops = [w for w in rest if not w.value.startswith("-")]
    inv.receive(ops[0].value if ops else None, "git.clone.fetch", "copies a repository from elsewhere")
    if len(ops) >= 2:
        inv.create(ops[1], "git.clone.target")
    if any(v.startswith(("--template", "--config", "-c")) for v in values):
        inv.find(C, "git.clone.config", "sets configuration or hooks for the new repository", rest)
    if "--recurse-submodules" in values or "--recursive" in values:
        pass


def _fetch(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    inv.receive(next((v for v in values if not v.startswith("-")), None), "git.fetch.network", "fetches from a remote")


def _pull(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    _fetch(inv, rest, values)


def _rm(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if "--cached" in values:
        return
    for w in rest:
        if not w.value.startswith("-"):
            inv.delete(w, "git.rm.delete", recursive="-r" in values)


def _worktree(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    action = values[0] if values else ""
    if action == "list":
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.worktree"]
        inv.find(A, "git.worktree.list", "lists working trees", rest)
    elif action == "add" and len(rest) > 1:
        path = next((w for w in rest[1:] if not w.value.startswith("-")), None)
        if path is not None:
            inv.create(path, "git.worktree.add")
    elif action in ("remove", "prune") and ("--force" in values or "-f" in values):
        inv.find(R, "git.worktree.force-remove", "removes a working tree with its uncommitted changes", rest)


def _reflog(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if values and values[0] in ("expire", "delete"):
        inv.find(R, "git.reflog.expire", "deletes the history that recovers lost commits", rest)


def _gc(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if any(v.startswith("--prune=now") or v == "--prune=all" for v in values):
        inv.find(C, "git.gc.prune", "prunes unreachable objects now", rest)


def _update_ref(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if "-d" in values:
        inv.find(R, "git.update-ref.delete", "deletes a reference, and the commits only it holds", rest)


def _submodule(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if "foreach" in values:
        k = values.index("foreach")
        cmd = [w for w in rest[k + 1 :] if w.value not in ("--recursive", "--quiet", "-q")]
        inv.run_script(
            " ".join(w.value for w in cmd) if all(w.known for w in cmd) else None,
            "git submodule foreach",
            "the command run in every submodule",
        )
    elif values and values[0] in ("status", "summary"):
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.submodule"]
        inv.find(A, "git.submodule.status", "shows submodules", rest)


def _bisect(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if values and values[0] == "run":
        inv.run(rest[1:], "git bisect run")


def _filter_branch(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    for k, v in enumerate(values):
        if v.endswith("-filter") and k + 1 < len(rest):
            inv.run_script(rest[k + 1].text, f"git filter-branch {v}", "a filter")


def _apply(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if "--check" in values or "--stat" in values or "--numstat" in values:
        inv.part.findings = [f for f in inv.part.findings if f.rule != "git.apply"]
        inv.find(A, "git.apply.check", "only checks a patch", rest)


def _daemon(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    inv.send(None, "git.daemon.serve", "serves repositories to the network")


def _archive(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    if any(v.startswith("--remote") for v in values):
        inv.receive(None, "git.archive.remote", "fetches an archive from a remote")


_SUB = {
    "push": _push,
    "reset": _reset,
    "clean": _clean,
    "checkout": _checkout,
    "restore": _restore,
    "switch": _switch,
    "branch": _branch,
    "tag": _tag,
    "stash": _stash,
    "config": _config,
    "remote": _remote,
    "clone": _clone,
    "fetch": _fetch,
    "pull": _pull,
    "rm": _rm,
    "worktree": _worktree,
    "reflog": _reflog,
    "gc": _gc,
    "update-ref": _update_ref,
    "submodule": _submodule,
    "bisect": _bisect,
    "filter-branch": _filter_branch,
    "apply": _apply,
    "daemon": _daemon,
    "archive": _archive,
}


def descriptors() -> dict[str, tuple[Risk, str]]:
    """The registry entries git's subcommands get: "git push" -> (risk, what it does)."""
    return {f"git {sub}": v for sub, v in SUBCOMMANDS.items()}

"""Programs that create, copy, move, delete and change files: judged by where their paths are."""

from __future__ import annotations

import posixpath
import re

from tcphw.host.gate.analyse import Invocation, Output, program
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.programs.options import Parsed, Spec, parse
from tcphw.host.gate.shell import Word

_COMMON_LONG = ("help", "version", "verbose")


def _understood(inv: Invocation, p: Parsed) -> None:
    """Narrow to the arguments only when the table knows every option; an unknown one may change anything."""
    if p.unknown:
        inv.find(
            C,
            f"{inv.name}.option",
            f"an option {inv.name}'s table does not know; the tool's own risk applies",
            p.unknown,
        )
        return
    inv.narrow()


@program("rm", "unlink", "rmdir", "trash", "trash-put", "gio-trash")
def _rm(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "dfiIrRv",
            (
                "dir",
                "force",
                "interactive?",
                "one-file-system",
                "no-preserve-root",
                "preserve-root?",
                "recursive",
                "ignore-fail-on-non-empty",
                "parents",
                *_COMMON_LONG,
            ),
        ),
    )
    _understood(inv, p)
    recursive = p.has("-r", "-R", "--recursive")
    if inv.name == "rmdir":
        recursive = False
    if p.has("--no-preserve-root"):
        inv.find(X, "rm.no-preserve-root", "turns off rm's last guard against deleting /", p.option_words)
    if inv.name.startswith("trash") or inv.name == "gio-trash":
        for f in p.operands:
            t = inv.target(f)
            level = C if t.zone in (Zone.WORKSPACE, Zone.TMP) else R
            inv.find(level, "trash.move", f"moves {t.zone.value} to the trash: {t.shown}", [f])
        return
    if not p.operands and not inv.ctx.extra_args:
        inv.find(A, "rm.nothing", "deletes nothing", inv.argv)
    for f in p.operands:
        inv.delete(f, f"{inv.name}.delete", recursive=recursive)
    inv.appended("delete", f"{inv.name}.delete", recursive=recursive)


@program("shred", "wipe", "srm", "sfill", "sswap", "scrub", "nwipe", "wipefs", "blkdiscard")
def _shred(inv: Invocation) -> None:
    inv.narrow()
    flags = {v for w in inv.args for v in ([w.value] if w.value.startswith("--") else [f"-{c}" for c in w.value[1:]])
             if w.value.startswith("-")}  # fmt: skip
    if inv.name == "wipefs" and ("--no-act" in flags or "-n" in flags or not flags & {"-a", "--all", "-o", "--offset"}):
        # wipefs without -a (or -o) only lists the signatures it would erase
        inv.find(A, "wipefs.list", "only lists the signatures on a device", inv.argv)
        return
    p = parse(
        inv.args,
        Spec(
            "fn:s:uvxzr",
            (
                "force",
                "iterations=",
                "size=",
                "remove?",
                "verbose",
                "exact",
                "zero",
                "random-source=",
                "all",
                "no-act",
                "backup",
                "offset=",
                "types=",
                *_COMMON_LONG,
            ),
        ),
    )
    if not p.operands:
        inv.find(R, "shred.unknown", f"{inv.name} destroys data", inv.argv)
    for f in p.operands:
        t = inv.target(f)
        if (t.zone in (Zone.WORKSPACE, Zone.TMP) or (t.inside and t.zone != Zone.SECRET)) and inv.name == "shred":
            inv.find(C, "shred.file", f"overwrites and destroys {t.zone.value}: {t.shown}", [f])
        elif t.zone == Zone.DEVICE or inv.name in ("wipefs", "blkdiscard", "nwipe", "sswap"):
            inv.find(X, "shred.device", f"destroys the data on {t.zone.value}: {t.shown}", [f])
        else:
            # a wipe or shred outside the workspace is refused (docs/gate-labels.md): nothing brings it back
            level = R if t.zone == Zone.UNKNOWN else X
            inv.find(level, "shred.destroy", f"destroys beyond recovery {t.zone.value}: {t.shown}", [f])


@program("cp", "mv", "install", "ln", "link", "rename", "mmv", "rename.ul")
def _copy(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "abdfFHiLlnPprRsTuvxZS:t:m:o:g:DCc",
            (
                "archive",
                "attributes-only",
                "backup?",
                "copy-contents",
                "dereference",
                "force",
                "interactive",
                "link",
                "no-clobber",
                "no-dereference",
                "preserve?",
                "no-preserve=",
                "parents",
                "recursive",
                "reflink?",
                "remove-destination",
                "sparse=",
                "strip-trailing-slashes",
                "symbolic-link",
                "suffix=",
                "target-directory=",
                "no-target-directory",
                "update?",
                "one-file-system",
                "context?",
                "exchange",
                "relative",
                "logical",
                "physical",
                "mode=",
                "owner=",
                "group=",
                "strip",
                "preserve-timestamps",
                "compare",
                "debug",
                "keep-directory-symlink",
                *_COMMON_LONG,
            ),
        ),
    )
    _understood(inv, p)
    target = p.value("-t", "--target-directory")
    ops = list(p.operands)
    if inv.name in ("rename", "rename.ul", "mmv"):
        # rename EXPR FILES...: every file may be renamed
        for f in ops[1:] if inv.name != "mmv" else ops:
            inv.write(f, f"{inv.name}.rename")
        return
    if target is None:
        if len(ops) < 2 and not (inv.name == "ln" and ops):
            if inv.ctx.extra_args:
                # "xargs mv": the files fed are the sources, and the last of them the target
                inv.appended("delete" if inv.name == "mv" else "write", f"{inv.name}.write", recursive=True)
            return
        target = ops[-1] if len(ops) >= 2 else Word.literal(".")
        sources = ops[:-1] if len(ops) >= 2 else ops
    else:
        sources = ops
    no_clobber = p.has("-n", "--no-clobber")
    t = inv.target(target)
    for s in sources:
        src = inv.target(s)
        # a copy or a move does not print what it copies; a secret copied out of its place is still exposed
        # (~/.ssh into the workspace), but the project's .env copied or renamed inside the workspace is not
        stays = src.zone == Zone.SECRET and src.inside and t.inside
        if inv.name == "mv":
            if stays:
                inv.find(C, "mv.rename-secret", f"renames the project's secrets inside the workspace: {src.shown}", [s])
            else:
                inv.delete(s, "mv.source", recursive=True)
        elif inv.name in ("ln", "link") or stays:
            inv.list(s, f"{inv.name}.source")
        elif src.zone == Zone.SECRET:
            inv.find(R, f"{inv.name}.secret", f"copies a secret out of its place: {src.shown}", [s])
        else:
            inv.list(s, f"{inv.name}.source")
    if inv.name == "install" and p.has("-d"):
        for d in ops:
            inv.create(d, "install.dir")
        return
    kind = "create" if no_clobber else "write"
    if inv.name in ("ln", "link") and not p.has("-f", "--force"):
        kind = "create"
    if t.zone == Zone.SECRET and t.inside and posixpath.basename(t.path or "") != ".env":
        # a copy of the project's template or of .env itself beside it (.env.bak, .env.test): a new file
        kind = "create"
    if t.zone == Zone.VCS and "/hooks/" in (t.path or "") and inv.name in ("ln", "link", "cp", "install") and all(
            inv.target(s).zone == Zone.WORKSPACE for s in sources):  # fmt: skip
        inv.find(C, f"{inv.name}.hook", "installs one of the project's own scripts as a git hook", [target])
        return
    inv.effect(kind, target, f"{inv.name}.target")
    if p.has("-m", "--mode") or p.has("-o", "--owner"):
        inv.perms(target, f"{inv.name}.mode")
    if t.zone in (Zone.SYSTEM, Zone.SYSTEM_ROOT) and inv.name == "install":
        inv.find(R, "install.system", "installs files into a system folder", [target])
    inv.appended("delete" if inv.name == "mv" else "list", f"{inv.name}.source", recursive=True)


@program("mkdir", "touch", "mkfifo", "mknod", "mktemp", "fallocate")
def _create(inv: Invocation) -> None:
    short = {"mkdir": "m:pvZ", "touch": "acd:fhmr:t:", "mkfifo": "m:Z", "mknod": "m:Z", "mktemp": "dp:qt:uV",
             "fallocate": "cdil:no:pvxz"}.get(inv.name, "")  # fmt: skip
    p = parse(
        inv.args,
        Spec(
            short,
            (
                "mode=",
                "parents",
                "context?",
                "no-create",
                "date=",
                "reference=",
                "time=",
                "directory",
                "dry-run",
                "quiet",
                "suffix=",
                "tmpdir?",
                "length=",
                "offset=",
                "keep-size",
                "punch-hole",
                *_COMMON_LONG,
            ),
        ),
    )
    _understood(inv, p)
    if inv.name == "mktemp":
        base = p.value("-p", "--tmpdir")
        where = base if base is not None else Word.literal("/tmp/x")
        if base is None and p.operands and "/" in p.operands[0].value and not p.has("-t"):
            where = p.operands[0]
        inv.create(where, "mktemp.create")
        inv.output = Output("local")
        return
    if inv.name == "mknod":
        inv.find(R, "mknod.device", "creates a device node", inv.argv)
        return
    for f in p.operands:
        if inv.name == "touch" and inv.target(f).zone == Zone.WORKSPACE:
            inv.create(f, "touch.create")
        elif inv.name == "fallocate":
            inv.write(f, "fallocate.write")
        else:
            inv.create(f, f"{inv.name}.create")
    inv.appended("create", f"{inv.name}.create")


@program("chmod", "chown", "chgrp", "chattr", "setfacl", "chcon", "setfattr", "setcap", "restorecon")
def _perms(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "cfvRHLPhm:M:x:X:bkdnspqrTt" if inv.name in ("setfacl",) else "cfvRHLPhr:u:t:l:Vn:",
            (
                "changes",
                "silent",
                "quiet",
                "recursive",
                "reference=",
                "dereference",
                "no-dereference",
                "preserve-root",
                "no-preserve-root",
                "from=",
                "modify=",
                "set=",
                "remove=",
                "remove-all",
                "remove-default",
                "default",
                "physical",
                "logical",
                *_COMMON_LONG,
            ),
        ),
    )
    _understood(inv, p)
    ops = list(p.operands)
    if inv.name in ("chmod", "chown", "chgrp", "chattr", "setcap", "chcon") and not p.has("--reference") and ops:
        spec = ops.pop(0)
    else:
        spec = Word.literal("")
    if inv.name == "chmod" and ops == [] and spec.value.startswith("-") is False and p.unknown:
        pass
    recursive = p.has("-R", "--recursive")
    mode = spec.value
    loosen = inv.name == "chmod" and (
        "777" in mode
        or "666" in mode
        or "o+w" in mode
        or "a+w" in mode
        or (mode.endswith("+w") and "u" not in mode)
        or "+s" in mode
        or "u+s" in mode
        or "g+s" in mode
        or (mode.startswith(("4", "2", "6")) and len(mode) == 4)
    )
    setuid = inv.name == "chmod" and ("+s" in mode or (len(mode) == 4 and mode[0] in "4267"))
    if inv.name == "setcap":
        inv.find(R, "setcap.capabilities", "gives a program kernel capabilities (a share of root)", inv.argv)
    if inv.name == "chown" and spec.value.split(":")[0] in ("root", "0"):
        loosen = True
    for f in ops:
        t = inv.perms(f, f"{inv.name}.perms", recursive=recursive, loosen=loosen)
        if setuid and t.zone not in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT):
            inv.find(X, "chmod.setuid", "makes a program run as its owner (setuid/setgid): a way to root", [spec, f])
        elif setuid:
            inv.find(R, "chmod.setuid", "makes a program run as its owner (setuid/setgid)", [spec, f])
        if loosen and recursive and t.zone in (Zone.SYSTEM_ROOT, Zone.HOME_ROOT, Zone.SYSTEM):
            inv.find(X, "chmod.open-all", "opens a whole tree of the system to everyone", [spec, f])
    inv.appended("perms", f"{inv.name}.perms", recursive=recursive)


@program("dd", "dcfldd", "dc3dd")
def _dd(inv: Invocation) -> None:
    inv.narrow()
    has_of = False
    for w in inv.args:
        key, eq, value = w.value.partition("=")
        if not eq:
            if w.value not in ("--help", "--version"):
                inv.find(C, "dd.operand", "an operand dd's table does not know", [w])
            continue
        word = Word(w.raw, value, w.glob, w.quoted)
        if key in ("if",):
            discarded = any(w2.value == "of=/dev/null" for w2 in inv.args)
            (inv.list if discarded else inv.read)(word, "dd.input")
        elif key in ("of", "hashlog", "errlog", "md5log", "sha1log", "sha256log", "log"):
            has_of = True
            t = inv.write(word, "dd.output")
            if t.zone == Zone.DEVICE:
                inv.find(X, "dd.device", "writes raw blocks onto a device", [w])
    if not has_of:
        inv.output = Output("local")


@program("truncate")
def _truncate(inv: Invocation) -> None:
    p = parse(inv.args, Spec("cor:s:", ("no-create", "io-blocks", "reference=", "size=", *_COMMON_LONG)))
    _understood(inv, p)
    for f in p.operands:
        inv.write(f, "truncate.write")


@program("tee")
def _tee(inv: Invocation) -> None:
    p = parse(inv.args, Spec("aip", ("append", "ignore-interrupts", "output-error?", *_COMMON_LONG)))
    _understood(inv, p)
    for f in p.operands:
        inv.effect("append" if p.has("-a", "--append") else "write", f, "tee.write")
    inv.output = inv.ctx.stdin or Output("unknown")


@program("sponge")
def _sponge(inv: Invocation) -> None:
    inv.narrow()
    for f in [w for w in inv.args if not w.value.startswith("-")]:
        inv.write(f, "sponge.write")


@program("split", "csplit")
def _split(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "a:b:C:dl:n:t:ef:kszx",
            (
                "suffix-length=",
                "bytes=",
                "line-bytes=",
                "lines=",
                "number=",
                "prefix=",
                "quiet",
                "silent",
                "digits=",
                "elide-empty-files",
                "keep-files",
                "filter=",
                "separator=",
                "additional-suffix=",
                "numeric-suffixes?",
                *_COMMON_LONG,
            ),
        ),
    )
    _understood(inv, p)
    prefix_word = p.value("-f", "--prefix") or (p.operands[1] if inv.name == "split" and len(p.operands) > 1 else None)
    for f in p.values("--filter"):
        # split runs the filter once per piece with $FILE set to the piece's name
        inv.ctx.env = {**inv.ctx.env, "FILE": (prefix_word.value if prefix_word is not None and prefix_word.known
                                               else "x") + "aa"}  # fmt: skip
        inv.run_script(f.text, f"{inv.name} --filter")
    if p.operands:
        inv.read(p.operands[0], f"{inv.name}.input")
    prefix = p.value("-f", "--prefix") or (p.operands[1] if inv.name == "split" and len(p.operands) > 1 else None)
    inv.write(prefix or Word.literal("x"), f"{inv.name}.output")


@program("patch")
def _patch(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "bB:cd:D:eEfF:g:i:lnNo:p:r:RsStTuvV:Y:z:Z",
            (
                "backup",
                "prefix=",
                "context",
                "directory=",
                "ifdef=",
                "ed",
                "remove-empty-files",
                "force",
                "fuzz=",
                "get=",
                "input=",
                "ignore-whitespace",
                "normal",
                "forward",
                "output=",
                "strip=",
                "reject-file=",
                "reverse",
                "quiet",
                "silent",
                "batch",
                "set-time",
                "set-utc",
                "unified",
                "dry-run",
                "posix",
                "merge?",
                *_COMMON_LONG,
            ),
        ),
    )
    _understood(inv, p)
    for f in p.values("-i", "--input"):
        inv.read(f, "patch.input")
    where = p.value("-d", "--directory")
    if p.has("--dry-run"):
        inv.find(A, "patch.dry-run", "only shows what the patch would change", p.option_words)
        return
    if p.operands:
        inv.write(p.operands[0], "patch.write")
    else:
        inv.write(Word.literal((where.value if where is not None else ".") + "/x"), "patch.write")
    for f in p.values("-o", "--output"):
        inv.write(f, "patch.output")


_ARCHIVE_SPEC = Spec(
    "AcdrtuxC:g:GhiIjJkK:lLmMnN:oOpPRsSvVwWzZH:X:T:f:b:",
    (
        "catenate",
        "concatenate",
        "create",
        "diff",
        "compare",
        "delete",
        "append",
        "list",
        "update",
        "extract",
        "get",
        "file=",
        "directory=",
        "gzip",
        "bzip2",
        "xz",
        "zstd",
        "lzip",
        "lzma",
        "lzop",
        "auto-compress",
        "verbose",
        "exclude=",
        "exclude-from=",
        "files-from=",
        "strip-components=",
        "keep-old-files",
        "skip-old-files",
        "overwrite",
        "no-same-owner",
        "same-owner",
        "preserve-permissions",
        "numeric-owner",
        "to-stdout",
        "to-command=",
        "use-compress-program=",
        "checkpoint?",
        "checkpoint-action=",
        "info-script=",
        "new-volume-script=",
        "rmt-command=",
        "rsh-command=",
        "remove-files",
        "absolute-names",
        "transform=",
        "xform=",
        "wildcards",
        "anchored",
        "no-recursion",
        "recursion",
        "one-file-system",
        "owner=",
        "group=",
        "mode=",
        "mtime=",
        "sort=",
        "format=",
        "warning=",
        "blocking-factor=",
        "record-size=",
        "totals?",
        "show-transformed-names",
        "dereference",
        "hard-dereference",
        "ignore-failed-read",
        "ignore-zeros",
        "occurrence?",
        "verify",
        "null",
        "exclude-vcs",
        "exclude-vcs-ignores",
        "exclude-caches",
        "level=",
        "newer=",
        "after-date=",
        "label=",
        "multi-volume",
        "sparse",
        "unlink-first",
        "recursive-unlink",
        "keep-newer-files",
        "no-overwrite-dir",
        "delay-directory-restore",
        "touch",
        "posix",
        "pax-option=",
        "acls",
        "xattrs",
        "selinux",
        "no-xattrs",
        "index-file=",
        "quoting-style=",
        "suffix=",
        "backup?",
        "interactive",
        "confirmation",
        "force-local",
        "restrict",
        "utc",
        "full-time",
        *_COMMON_LONG,
    ),
)


@program("tar", "bsdtar")
def _tar(inv: Invocation) -> None:
    args = list(inv.args)
    # old style: "tar xzf a.tar" -- the first word's letters are options even without a dash
    if args and args[0].known and not args[0].value.startswith("-") and args[0].value.isalpha():
        args[0] = Word(args[0].raw, "-" + args[0].value)
    p = parse(args, _ARCHIVE_SPEC)
    _understood(inv, p)
    for opt in (
        "--to-command",
        "--use-compress-program",
        "--info-script",
        "--new-volume-script",
        "--rmt-command",
        "--rsh-command",
        "-F",
        "-I",
        "--checkpoint-action",
    ):
        for v in p.values(opt):
            text = v.text
            if opt == "--checkpoint-action":
                if text is None or not text.startswith(("exec=", "sleep", "dot", "echo", "bell", "ttyout", ".")):
                    inv.run_script(None, "tar --checkpoint-action", words=[v])
                elif text.startswith("exec="):
                    inv.run_script(text[5:], "tar --checkpoint-action", "the checkpoint command")
                continue
            inv.run_script(text, f"tar {opt}", f"the command in {opt}", words=[v])
    archive = p.value("-f", "--file")
    if archive is not None and archive.known and re.match(r"^[^/:]+@?[^/:]*:", archive.value) and not p.has(
            "--force-local"):  # fmt: skip
        # "host:path" is a remote archive: tar reaches it with rsh or ssh
        host = archive.value.split(":", 1)[0]
        if p.has("-c", "--create", "-r", "--append", "-u", "--update"):
            inv.send(host.rsplit("@", 1)[-1], "tar.remote", "writes the archive onto another machine")
        else:
            inv.receive(host.rsplit("@", 1)[-1], "tar.remote", "reads an archive from another machine")
        archive = None
    create = p.has("-c", "--create", "-r", "--append", "-u", "--update", "-A", "--catenate", "--concatenate")
    extract = p.has("-x", "--extract", "--get")
    where = p.value("-C", "--directory") or Word.literal(".")
    if p.has("--delete") and archive is not None:
        inv.write(archive, "tar.delete")
    if create:
        for f in p.operands:
            # an archive takes every file below a folder it is given, hidden ones (keys, .env) included
            t = inv.target(f)
            if t.zone in (Zone.HOME_ROOT, Zone.HOME, Zone.SYSTEM_ROOT, Zone.WORKSPACE_ROOT) and f.known and not f.glob:
                inv.read(Word(f.raw, f.value.rstrip("/") + "/**", glob=True), "tar.input")
            else:
                inv.read(f, "tar.input")
        for f in p.values("-T", "--files-from"):
            inv.read(f, "tar.input")
        if archive is not None and archive.value != "-":
            inv.write(archive, "tar.archive")
        else:
            inv.output = Output("local")
    elif extract:
        if archive is not None and archive.value != "-":
            inv.read(archive, "tar.archive")
        if p.has("-O", "--to-stdout"):
            inv.output = Output("local")
        else:
            target = Word(where.raw, where.value.rstrip("/") + "/x", where.glob, where.quoted) if where.known else where
            t = inv.write(target, "tar.extract")
            if inv.target(where).zone in (Zone.SYSTEM_ROOT, Zone.HOME_ROOT):
                inv.find(X, "tar.over", f"extracts an archive over {inv.target(where).zone.value}", [where])
            if p.has("-P", "--absolute-names"):
                inv.find(R, "tar.absolute", "extracts members to absolute paths anywhere on the system", p.option_words)
            if p.has("--recursive-unlink", "--unlink-first") and t.zone != Zone.WORKSPACE:
                inv.find(R, "tar.unlink", "deletes what is in the way before extracting", p.option_words)
        if p.has("--remove-files"):
            pass
    else:
        if archive is not None and archive.value != "-":
            inv.list(archive, "tar.list")
    if p.has("--remove-files"):
        for f in p.operands:
            inv.delete(f, "tar.remove-files", recursive=True)


@program(
    "zip",
    "unzip",
    "7z",
    "7za",
    "7zr",
    "unrar",
    "rar",
    "gzip",
    "gunzip",
    "bzip2",
    "bunzip2",
    "xz",
    "unxz",
    "zstd",
    "unzstd",
    "lz4",
    "pigz",
    "unpigz",
    "pixz",
    "brotli",
    "lzip",
    "lzop",
    "compress",
    "uncompress",
    "zcat",
    "bzcat",
    "xzcat",
    "zstdcat",
    "zless",
    "zgrep",
    "zdiff",
    "unar",
    "lsar",
    "cpio",
    "pax",
    "ar",
    "jar",
    "arj",
    "lha",
    "cabextract",
)
def _archives(inv: Invocation) -> None:
    if inv.ctx.extra_args:
        # "xargs gzip": the files fed to it are compressed (replaced) or extracted
        inv.appended("write", f"{inv.name}.write")
    name = inv.name
    args = [w for w in inv.args]
    values = [w.value for w in args]
    inv.narrow()
    readers = {"zcat", "bzcat", "xzcat", "zstdcat", "zless", "zgrep", "zdiff", "lsar"}
    if name in readers or (
        any(v in ("-l", "--list", "-t", "--test", "-c", "--stdout", "-p", "l", "t", "-v") for v in values[:2])
        and name not in ("zip",)
    ):
        for w in args:
            if not w.value.startswith("-") and w.value not in ("l", "t"):
                inv.read(w, f"{name}.read")
        inv.output = Output("local")
        return
    if name in ("cpio", "pax", "ar"):
        if any(v.startswith(("-i", "--extract", "-r", "x")) for v in values[:1]):
            inv.write(Word.literal("./x"), f"{name}.extract")
            inv.find(C, f"{name}.extract", "extracts an archive; members with absolute paths land anywhere", args[:1])
        else:
            for w in args:
                if not w.value.startswith("-"):
                    inv.read(w, f"{name}.read")
        return
    for k, v in enumerate(values):
        if v in ("-TT", "--unzip-command") or v.startswith(("-TT=", "--unzip-command=")):
            cmd = v.split("=", 1)[1] if "=" in v else (args[k + 1].text if k + 1 < len(args) else None)
            inv.run_script(cmd, f"{name} -TT", "the test command zip runs")
    extract = (
        name
        in (
            "unzip",
            "gunzip",
            "bunzip2",
            "unxz",
            "unzstd",
            "unpigz",
            "uncompress",
            "unrar",
            "unar",
            "cabextract",
            "arj",
            "lha",
        )
        or (name in ("7z", "7za", "7zr", "rar", "jar") and values[:1] and values[0] in ("x", "e", "xf", "-x"))
        or "-d" in values
        or "--decompress" in values
    )
    dest = None
    for i, v in enumerate(values):
        if name == "unzip" and v == "-d" and i + 1 < len(args):
            dest = args[i + 1]
        elif name.startswith("7z") and v.startswith("-o"):
            dest = Word(args[i].raw, v[2:])
        elif name == "unar" and v == "-o" and i + 1 < len(args):
            dest = args[i + 1]
    files = [
        w
        for i, w in enumerate(args)
        if not w.value.startswith("-") and (i == 0 or values[i - 1] not in ("-d", "-o", "-x", "-i"))
    ]
    if name in ("7z", "7za", "7zr", "rar", "jar") and files:
        files = files[1:]
    if extract:
        for f in files[:1] if name in ("unzip", "unrar", "7z", "7za", "7zr", "unar", "cabextract") else files:
            inv.read(f, f"{name}.archive")
        if name in ("unzip", "unrar", "7z", "7za", "7zr", "unar", "cabextract", "rar", "jar", "arj", "lha"):
            inv.write(
                Word.literal((dest.value if dest is not None and dest.known else ".") + "/x")
                if dest is None or dest.known
                else dest,
                f"{name}.extract",
            )
        else:
            for f in files:
                inv.write(f, f"{name}.decompress")
        return
    # compress: gzip FILE replaces FILE with FILE.gz; zip/7z/tar create an archive from inputs
    if name in ("zip", "7z", "7za", "7zr", "rar", "jar"):
        if files:
            inv.write(files[0], f"{name}.archive")
            for f in files[1:]:
                inv.read(f, f"{name}.input")
        if "-m" in values or "--move" in values or "-sdel" in values:
            for f in files[1:]:
                inv.delete(f, f"{name}.move", recursive=True)
    else:
        keep = "-k" in values or "--keep" in values or "-c" in values
        for f in files:
            (inv.read if keep else inv.write)(f, f"{name}.compress")
        if not files:
            inv.output = Output("local")


@program("dos2unix", "unix2dos", "mac2unix", "unix2mac", "sed-inplace", "detox", "convmv", "iconv", "recode")
def _converters(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    if inv.name == "iconv":
        out = [inv.args[i + 1] for i, v in enumerate(values[:-1]) if v in ("-o", "--output")]
        for o in out:
            inv.write(o, "iconv.output")
        for i, w in enumerate(inv.args):
            if not w.value.startswith("-") and (i == 0 or values[i - 1] not in ("-f", "-t", "-o", "--output")):
                inv.read(w, "iconv.input")
        return
    if inv.name == "convmv" and "--notest" not in values:
        inv.find(A, "convmv.test", "convmv only shows what it would rename without --notest", inv.argv)
        return
    for w in inv.args:
        if not w.value.startswith("-"):
            inv.write(w, f"{inv.name}.in-place")

"""Programs that walk folders: ``find`` (whose actions delete, write and run programs), ``fd``, ``locate``."""

from __future__ import annotations

from tcphw.host.gate.analyse import Invocation, Output, program
from tcphw.host.gate.model import A, C, R
from tcphw.host.gate.paths import Target
from tcphw.host.gate.shell import UNKNOWN, Word

# find's expression words that take one value (tests and options)
_FIND_VALUE = {
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-regex",
    "-iregex",
    "-lname",
    "-ilname",
    "-type",
    "-xtype",
    "-size",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-newer",
    "-anewer",
    "-cnewer",
    "-used",
    "-user",
    "-group",
    "-uid",
    "-gid",
    "-perm",
    "-links",
    "-inum",
    "-samefile",
    "-maxdepth",
    "-mindepth",
    "-fstype",
    "-context",
    "-regextype",
    "-newerXY",
    "-newermt",
    "-newerct",
    "-newerat",
    "-newerBt",
    "-printf",
    "-D",
    "-O",
    "-files0-from",
}
_FIND_WRITES = {"-fprint": 1, "-fprint0": 1, "-fls": 1, "-fprintf": 2}
_FIND_EXEC = {"-exec", "-execdir", "-ok", "-okdir"}
_FIND_SELECTIVE = {
    "-name",
    "-iname",
    "-path",
    "-ipath",
    "-wholename",
    "-iwholename",
    "-regex",
    "-iregex",
    "-newer",
    "-mtime",
    "-mmin",
    "-atime",
    "-amin",
    "-ctime",
    "-cmin",
    "-size",
    "-user",
    "-uid",
    "-perm",
    "-empty",
    "-lname",
    "-ilname",
    "-inum",
    "-samefile",
    "-links",
    "-newermt",
}


@program("find", "gfind", "bfs")
def _find(inv: Invocation) -> None:
    args = list(inv.args)
    i = 0
    # GNU's -H -L -P -D -O and BSD's -x -E -s -X -d come before the folders
    while i < len(args) and (args[i].value in ("-H", "-L", "-P", "-x", "-E", "-s", "-X", "-d")
                             or args[i].value.startswith(("-D", "-O"))):  # fmt: skip
        i += 2 if args[i].value == "-D" else 1
    roots: list[Word] = []
    while (i < len(args) and not (args[i].value.startswith(("-", "(", "!", ")")) and args[i].known)) or (
        i < len(args) and not args[i].known and not args[i].value.startswith("-")
    ):
        if args[i].value.startswith(("-", "(", "!", ")")) and args[i].known:
            break
        roots.append(args[i])
        i += 1
    if not roots:
        roots = [Word.literal(".")]
    expr = args[i:]
    inv.narrow()
    selective = any(w.value in _FIND_SELECTIVE for w in expr) and not any(
        w.value in ("-name", "-iname") and k + 1 < len(expr) and expr[k + 1].value in ("*", "*.*")
        for k, w in enumerate(expr)
    )
    pattern = _name_pattern(expr)
    for r in roots:
        inv.list(r, "find.walk")
    j = 0
    acted = False
    while j < len(expr):
        w = expr[j]
        v = w.value
        if v in _FIND_VALUE:
            j += 2
            continue
        if v in _FIND_WRITES:
            if j + 1 < len(expr):
                inv.write(expr[j + 1], "find.fprint")
            j += 1 + _FIND_WRITES[v]
            acted = True
            continue
        if v == "-delete":
            for r in roots:
                _found(inv, r, selective, "delete", "find.delete", pattern)
            acted = True
        elif v in _FIND_EXEC:
            end = j + 1
            while end < len(expr) and expr[end].value not in (";", "+"):
                end += 1
            carried = expr[j + 1 : end]
            acted = True
            if v in ("-ok", "-okdir"):
                inv.find(C, "find.ok", "asks a person before running each command", [w])
            for r in roots:
                found = _found_word(inv, r, selective, pattern)
                words = [
                    Word(c.raw, c.value.replace("{}", found.value), c.glob or found.glob, c.quoted)
                    if "{}" in c.value
                    else c
                    for c in carried
                ]
                if words:
                    inv.run(words, f"find {v}")
            j = end + 1
            continue
        elif v in ("-print", "-print0", "-ls", "-printf", "-prune", "-quit"):
            pass
        j += 1
    if not acted:
        inv.find(A, "find.read-only", "only lists files (no -delete, -exec or -fprint)", inv.argv[:1])
    inv.output = Output("paths", target=inv.target(_found_word(inv, roots[0], selective, pattern)))


def _found_word(inv: Invocation, root: Word, selective: bool, pattern: str | None = None) -> Word:
    """A word standing for 'the files find selects under root': those matching its -name pattern, some of them
    (other tests), or every file, hidden ones included ("/**")."""
    if not root.known:
        return Word(root.raw, UNKNOWN)
    base = root.value.rstrip("/") or "/"
    prefix = base if base != "/" else ""
    if pattern:
        return Word(f"{root.raw}/{{{pattern}}}", f"{prefix}/*/{pattern}", glob=True)
    if selective:
        return Word(root.raw + "/{found}", prefix + "/*.found", glob=True)
    return Word(root.raw + "/{every file}", prefix + "/**", glob=True)


def _name_pattern(expr: list[Word]) -> str | None:
    """The -name or -iname pattern when it is the only name test (several, or -o, could match anything)."""
    names = [expr[k + 1].value for k, w in enumerate(expr[:-1]) if w.value in ("-name", "-iname") and expr[k + 1].known]
    if (
        len(names) == 1
        and not any(w.value in ("-o", "-or", "!", "-not") for w in expr)
        and names[0] not in ("*", "*.*")
    ):
        return names[0]
    return None


def _found(inv: Invocation, root: Word, selective: bool, kind: str, rule: str, pattern: str | None = None) -> Target:
    return inv.effect(kind, _found_word(inv, root, selective, pattern), rule, recursive=True)


@program("fd", "fdfind")
def _fd(inv: Invocation) -> None:
    args = list(inv.args)
    inv.narrow()
    values = [w.value for w in args]
    execs = [i for i, v in enumerate(values) if v in ("-x", "--exec", "-X", "--exec-batch")]
    operands = [
        w
        for k, w in enumerate(args)
        if not w.value.startswith("-")
        and not any(k > e for e in execs)
        and (
            k == 0
            or values[k - 1]
            not in (
                "-e",
                "--extension",
                "-t",
                "--type",
                "-E",
                "--exclude",
                "-d",
                "--max-depth",
                "-S",
                "--size",
                "--changed-within",
                "-j",
            )
        )
    ]
    roots = operands[1:] or [Word.literal(".")]
    for r in roots:
        inv.list(r, "fd.walk")
    for e in execs:
        carried = [w for w in args[e + 1 :] if w.value not in (";",)]
        for r in roots:
            found = _found_word(inv, r, True)
            words = [
                Word(c.raw, c.value.replace("{}", found.value), c.glob or found.glob) if "{}" in c.value else c
                for c in carried
            ]
            if words and not any("{}" in c.value for c in carried):
                words.append(found)
            inv.run(words, "fd --exec")
    if not execs:
        inv.find(A, "fd.read-only", "only lists files", inv.argv[:1])
    inv.output = Output("paths", target=inv.target(_found_word(inv, roots[0], True)))


@program("locate", "mlocate", "plocate", "whereis", "which", "type-plain", "whatis", "apropos")
def _locate(inv: Invocation) -> None:
    inv.narrow()
    if inv.name in ("locate", "mlocate", "plocate") and any(
        w.value in ("-u", "--update", "updatedb") for w in inv.args
    ):
        inv.find(R, "locate.update", "rebuilds the system's file database", inv.argv)
        return
    inv.find(A, f"{inv.name}.lookup", "only says where files or programs are", inv.argv)
    inv.output = Output("local")

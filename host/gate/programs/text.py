"""Programs that read files and print: judged by what they read (a secret is not an ordinary file), with the
few options that write, run a program or edit in place (``sort -o``, ``sed -i``, ``sed``'s ``e`` and ``w``
commands, ``awk``'s ``system()``, ``rg --pre``, ``less``'s ``!``).

Some of them also transform known text in a pipeline (``echo ... | base64 -d | sh``): the text they print is
computed here, never by running them, so what a shell downstream runs can be judged.
"""

from __future__ import annotations

import base64
import binascii
import re

from tcphw.host.gate.analyse import Invocation, Output, program
from tcphw.host.gate.model import A, C, R
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.programs.options import Parsed, Spec, parse
from tcphw.host.gate.shell import UNKNOWN, Word, ansi_c

_L = ("help", "version")


def _read_operands(inv: Invocation, operands: list[Word], kind: str = "read") -> None:
    for f in operands:
        if f.value == "-":
            continue
        if kind == "read":
            inv.read(f, f"{inv.name}.read")
        else:
            inv.list(f, f"{inv.name}.{kind}")
    if inv.ctx.extra_args:
        inv.appended("read" if kind == "read" else "list", f"{inv.name}.read")


def _output_of_reading(inv: Invocation, operands: list[Word]) -> Output:
    if len(operands) == 1 and operands[0].value != "-":
        t = inv.target(operands[0])
        if t.zone == Zone.SECRET:
            return Output("secret")
        return Output("file", target=t)
    if not operands and inv.ctx.stdin is not None:
        src = inv.ctx.stdin
        if src.kind == "paths" and src.target is not None and inv.name in ("head", "tail", "grep", "egrep", "fgrep"):
            # a filter keeps some of the names it is fed: no longer every one of them
            t = src.target
            return Output("paths", target=type(t)(t.zone if t.zone not in (Zone.WORKSPACE_ROOT,) else Zone.WORKSPACE,
                                                  t.path, t.shown, "some", t.inside, critical=t.critical))  # fmt: skip
        return src
    return Output("local")


# Programs that print what they read (content): (short options with values, long options with values).
_READERS: dict[str, Spec] = {
    "cat": Spec(
        "AbeEnstTuv",
        ("show-all", "number-nonblank", "number", "squeeze-blank", "show-ends", "show-tabs", "show-nonprinting", *_L),
    ),
    "tac": Spec("brs:", ("before", "regex", "separator=", *_L)),
    "head": Spec("c:n:qvz", ("bytes=", "lines=", "quiet", "silent", "verbose", "zero-terminated", *_L)),
    "tail": Spec(
        "c:fFn:qs:vz",
        (
            "bytes=",
            "follow?",
            "lines=",
            "max-unchanged-stats=",
            "pid=",
            "quiet",
            "retry",
            "silent",
            "sleep-interval=",
            "verbose",
            "zero-terminated",
            *_L,
        ),
    ),
    "nl": Spec("b:d:f:h:i:l:n:ps:v:w:", ()),
    "od": Spec("A:bcdfij:lN:ost:vw?x", ()),
    "hexdump": Spec("bcCdn:os:vxe:f:L?", ()),
    "hd": Spec("bcCdn:os:vxe:f:", ()),
    "strings": Spec(
        "adefn:t:T:wsU:", ("all", "data", "bytes=", "radix=", "encoding=", "target=", "output-separator=", *_L)
    ),
    "rev": Spec("0", ()),
    "fold": Spec("bsw:", ("bytes", "spaces", "width=")),
    "fmt": Spec("cpstuw:", ()),
    "expand": Spec("it:", ()),
    "unexpand": Spec("at:", ()),
    "column": Spec("c:d:eE:H:i:JLl:N:nO:o:p:R:rs:tT:W:x", ()),
    "cut": Spec(
        "b:c:d:f:nsz",
        (
            "bytes=",
            "characters=",
            "delimiter=",
            "fields=",
            "complement",
            "only-delimited",
            "output-delimiter=",
            "zero-terminated",
            *_L,
        ),
    ),
    "paste": Spec("d:sz", ()),
    "join": Spec("a:e:io:t:v:1:2:", ()),
    "comm": Spec("123", ("check-order", "nocheck-order", "output-delimiter=")),
    "diff": Spec(
        "abBcC:dD:eEfF:hiI:lL:nNpPqrsS:tTuU:vwWx:X:yZ",
        (
            "normal",
            "brief",
            "report-identical-files",
            "context?",
            "unified?",
            "ed",
            "rcs",
            "side-by-side",
            "width=",
            "left-column",
            "suppress-common-lines",
            "show-c-function",
            "show-function-line=",
            "label=",
            "expand-tabs",
            "initial-tab",
            "tabsize=",
            "suppress-blank-empty",
            "new-file",
            "unidirectional-new-file",
            "ignore-case",
            "ignore-file-name-case",
            "no-ignore-file-name-case",
            "exclude=",
            "exclude-from=",
            "text",
            "strip-trailing-cr",
            "ignore-tab-expansion",
            "ignore-trailing-space",
            "ignore-space-change",
            "ignore-all-space",
            "ignore-blank-lines",
            "ignore-matching-lines=",
            "recursive",
            "starting-file=",
            "from-file=",
            "to-file=",
            "minimal",
            "horizon-lines=",
            "speed-large-files",
            "color?",
            "palette=",
            "no-dereference",
            "line-format=",
            "old-line-format=",
            "new-line-format=",
            "unchanged-line-format=",
            "GTYPE-group-format=",
            *_L,
        ),
    ),
    "cmp": Spec("bi:ln:sv", ()),
    "diff3": Spec("aAeEimTxX3L:", ()),
    "sdiff": Spec("abBdEHiI:lstvWw:", ("output=",)),
    "file": Spec(
        "bcCdEhiklLNnprsSvzZ0e:F:f:m:P:",
        (
            "brief",
            "mime",
            "mime-type",
            "mime-encoding",
            "dereference",
            "no-dereference",
            "separator=",
            "files-from=",
            "magic-file=",
            *_L,
        ),
    ),
    "wc": Spec("clLmw", ("bytes", "chars", "lines", "max-line-length", "words", "files0-from=", "total=", *_L)),
    "md5sum": Spec("bctwz", ("binary", "check", "tag", "text", "quiet", "status", "strict", "warn", "zero", *_L)),
    "sha1sum": Spec("bctwz", ("binary", "check", "tag", "text", "quiet", "status", "strict", "warn", "zero", *_L)),
    "sha256sum": Spec("bctwz", ("binary", "check", "tag", "text", "quiet", "status", "strict", "warn", "zero", *_L)),
    "sha512sum": Spec("bctwz", ("binary", "check", "tag", "text", "quiet", "status", "strict", "warn", "zero", *_L)),
    "b2sum": Spec("bctwzl:", ()),
    "cksum": Spec("a:l:", ()),
    "sum": Spec("rs", ()),
    "base32": Spec("diw:", ("decode", "ignore-garbage", "wrap=", *_L)),
    "base64": Spec("diw:", ("decode", "ignore-garbage", "wrap=", *_L)),
    "basenc": Spec(
        "diw:",
        (
            "decode",
            "ignore-garbage",
            "wrap=",
            "base64",
            "base64url",
            "base32",
            "base32hex",
            "base16",
            "base2msbf",
            "base2lsbf",
            "z85",
            *_L,
        ),
    ),
    "xxd": Spec(
        "aAbCc:Eg:hiln:o:prs:uvd",
        (
            "autoskip",
            "bits",
            "cols=",
            "capitalize",
            "EBCDIC",
            "groupsize=",
            "include",
            "len=",
            "name=",
            "ps",
            "postscript",
            "plain",
            "revert",
            "seek=",
            "uppercase",
            "version",
        ),
    ),
    "tr": Spec("cCdst", ("complement", "delete", "squeeze-repeats", "truncate-set1", *_L)),
    "uniq": Spec(
        "cdDf:iS:s:uw:z",
        (
            "count",
            "repeated",
            "all-repeated?",
            "skip-fields=",
            "group?",
            "ignore-case",
            "skip-chars=",
            "unique",
            "check-chars=",
            "zero-terminated",
            *_L,
        ),
    ),
    "sort": Spec(
        "bcCdfghiMmnRrsuVzk:o:S:t:T:",
        (
            "ignore-leading-blanks",
            "check?",
            "dictionary-order",
            "ignore-case",
            "general-numeric-sort",
            "human-numeric-sort",
            "ignore-nonprinting",
            "month-sort",
            "merge",
            "numeric-sort",
            "random-sort",
            "random-source=",
            "reverse",
            "sort=",
            "stable",
            "unique",
            "version-sort",
            "zero-terminated",
            "key=",
            "output=",
            "buffer-size=",
            "field-separator=",
            "temporary-directory=",
            "parallel=",
            "files0-from=",
            "batch-size=",
            "compress-program=",
            "debug",
            *_L,
        ),
    ),
    "shuf": Spec(
        "ei:n:o:rz",
        ("echo", "input-range=", "head-count=", "output=", "random-source=", "repeat", "zero-terminated", *_L),
    ),
    "tsort": Spec("", ()),
    "numfmt": Spec("d:z", ()),
    "look": Spec("bdft:", ()),
    "jq": Spec(
        "acCeEhjnrRsSL:f:",
        (
            "seq",
            "stream",
            "stream-errors",
            "slurp",
            "raw-input",
            "null-input",
            "compact-output",
            "tab",
            "indent=",
            "color-output",
            "monochrome-output",
            "ascii-output",
            "unbuffered",
            "sort-keys",
            "raw-output",
            "raw-output0",
            "join-output",
            "from-file=",
            "exit-status",
            "arg=",
            "argjson=",
            "slurpfile=",
            "rawfile=",
            "args",
            "jsonargs",
            "indent=",
            *_L,
        ),
    ),
    "xmllint": Spec("", ("noout", "format", "xpath=", "valid", "schema=", "html", "recover", "noent", "nonet")),
    "bat": Spec(
        "AlnpPH:r:L",
        (
            "show-all",
            "language=",
            "line-range=",
            "plain",
            "paging=",
            "style=",
            "number",
            "color=",
            "theme=",
            "decorations=",
            "list-languages",
            *_L,
        ),
    ),
    "readelf": Spec("aAcdDeghHIlnrsStuVWx:p:R:w?", ()),
    "objdump": Spec("aCdDfghHilrRsStTvwWxzb:j:m:M:", ()),
    "nm": Spec("aABCDefgjlnoprsSuvVX:t:", ()),
    "ldd": Spec("druvV", ()),
    "size": Spec("ABdoxt", ()),
    "iconv-l": Spec("", ()),
    "zipinfo": Spec("12hlmMstTvz", ()),
    "yq": Spec("ePrCMoIv:", ()),
    "csvlook": Spec("", ()),
    "mlr": Spec("", ()),
    "datamash": Spec("", ()),
    "sqlite3-dump": Spec("", ()),
    "pdftotext": Spec("", ()),
    "exiftool": Spec("", ()),
    "identify": Spec("", ()),
    "ffprobe": Spec("", ()),
    "pandoc-read": Spec("", ()),
    "hexyl": Spec("", ()),
    "dos2unix-info": Spec("", ()),
    "tree": Spec("", ()),
}
_READERS["batcat"] = _READERS["bat"]  # Debian's name for bat: the same program, the same options
# The ones that print only derived values (counts, sums, types, names): reading a secret with them does not
# put the secret into the agent's context.
_DIGESTS = {
    "wc",
    "md5sum",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "b2sum",
    "cksum",
    "sum",
    "file",
    "cmp",
    "size",
    "identify",
    "ffprobe",
}
_INTERACTIVE = {
    "less",
    "more",
    "most",
    "pg",
    "view",
    "vi",
    "vim",
    "nvim",
    "nano",
    "mcedit",
    "micro",
    "joe",
    "pico",
    "vimdiff",
    "man",
    "info",
    "w3m",
    "lynx",
    "links",
    "elinks",
    "tig",
    "mc",
}


def _reader(inv: Invocation) -> None:
    spec = _READERS[inv.name]
    p = parse(inv.args, spec)
    inv.narrow()
    inv.find(A, f"{inv.name}.print", "prints what it reads", inv.argv[:1])
    operands = list(p.operands)
    name = inv.name
    if name == "tr":
        operands = []
    if name == "jq":
        program_word = operands[0] if not p.has("-f", "--from-file") and operands else None
        if not p.has("-f", "--from-file") and operands:
            operands = operands[1:]
        if (
            program_word is not None
            and program_word.known
            and re.search(r"(^|\|)\s*(keys|keys_unsorted|length|type|paths|map_values\(type\))\s*$", program_word.value)
        ):
            # only the names or the count reach the output, never the values
            for f in operands:
                inv.list(f, "jq.names")
            inv.contain("the key names or a count")
            inv.output = Output("local")
            return
        for f in p.values("--rawfile", "--slurpfile", "-f", "--from-file"):
            inv.read(f, "jq.file")
    if name == "uniq" and len(operands) == 2:
        inv.write(operands.pop(), "uniq.output")
    if name == "yq" and p.has("-i"):
        for f in operands[1:]:
            inv.write(f, "yq.in-place")
        return
    if name == "yq" and operands:
        operands = operands[1:]
    for f in p.values("-o", "--output"):
        if name in ("sort", "shuf"):
            inv.write(f, f"{name}.output")
    for prog in p.values("--compress-program"):
        inv.run_script(prog.text, "sort --compress-program", "the compression program")
    if name in ("xxd",) and p.has("-r", "--revert") and len(operands) == 2:
        inv.write(operands.pop(), "xxd.output")
    if name in ("md5sum", "sha1sum", "sha256sum", "sha512sum", "b2sum") and p.has("-c", "--check"):
        _read_operands(inv, operands, "digest")
        return
    if name == "tree":
        operands = [w for w in inv.args if not w.value.startswith("-")]
        outs = [inv.args[i + 1] for i, w in enumerate(inv.args[:-1]) if w.value == "-o"]
        for o in outs:
            inv.write(o, "tree.output")
            operands = [w for w in operands if w is not o]
        _read_operands(inv, operands, "list")
        return
    if name in _DIGESTS:
        inv.part.summary_only = True
        _read_operands(inv, operands, "digest")
        inv.contain("a count or a digest")
        inv.output = Output("local")
        return
    if name == "cut" and _names_only(p):
        # "cut -d= -f1 .env", "env | cut -d= -f1": the names before the =, not the values
        for f in operands:
            inv.list(f, "cut.names")
        inv.contain("the names before each =")
        inv.output = Output("local")
        return
    _read_operands(inv, operands)
    inv.output = _transform(inv, p) or _output_of_reading(inv, operands)


def _names_only(p: object) -> bool:
    assert isinstance(p, Parsed)
    delim = p.value("-d", "--delimiter")
    fields = p.value("-f", "--fields")
    # without -s, cut prints a line with no delimiter whole: the inside of a multi-line value (a PEM key)
    only_delimited = p.has("-s", "--only-delimited")
    return (
        delim is not None
        and delim.value in ("=", ":")
        and fields is not None
        and fields.value == "1"
        and only_delimited
    )


def _transform(inv: Invocation, p: object) -> Output | None:
    """The text a decoder prints when what it reads is known text."""
    src = inv.ctx.stdin
    assert isinstance(p, Parsed)
    if p.operands and inv.name not in ("tr",):
        return None
    if src is None or src.kind != "text" or src.text is None:
        if inv.name in ("base64", "base32", "basenc", "xxd") and p.has("-d", "--decode", "-r", "--revert"):
            if src is not None and src.kind == "network":
                return Output("network")
            return Output("decoded", None)
        return None
    text = src.text
    try:
        if inv.name in ("base64", "basenc") and p.has("-d", "--decode"):
            raw = base64.b64decode("".join(text.split()) + "==="[: (-len("".join(text.split()))) % 4], validate=False)
            return Output("decoded", raw.decode("utf-8", "surrogateescape"))
        if inv.name == "base32" and p.has("-d", "--decode"):
            s = "".join(text.split())
            raw = base64.b32decode(s + "=" * ((-len(s)) % 8))
            return Output("decoded", raw.decode("utf-8", "surrogateescape"))
        if inv.name == "xxd" and p.has("-r", "--revert") and p.has("-p", "--ps", "--postscript", "--plain"):
            raw = binascii.unhexlify("".join(text.split()))
            return Output("decoded", raw.decode("utf-8", "surrogateescape"))
    except (ValueError, binascii.Error):
        return Output("decoded", None)
    if inv.name == "rev":
        return Output("decoded", "\n".join(line[::-1] for line in text.split("\n")))
    if inv.name == "tr" and len(p.operands) == 2 and all(o.known for o in p.operands) and not p.options:
        table = str.maketrans(
            _tr_set(p.operands[0].value),
            _tr_set(p.operands[1].value)[: len(_tr_set(p.operands[0].value))].ljust(
                len(_tr_set(p.operands[0].value)), _tr_set(p.operands[1].value)[-1:] or " "
            ),
        )
        return Output("decoded", text.translate(table))
    if inv.name in ("cat", "tac", "head", "tail") and not p.operands:
        return Output("text", text)
    return None


def _tr_set(spec: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            out.extend(chr(c) for c in range(ord(spec[i]), ord(spec[i + 2]) + 1))
            i += 3
        else:
            out.append(spec[i])
            i += 1
    return "".join(out)


for _name in _READERS:
    program(_name)(_reader)


@program("echo", builtin=True)
def _echo(inv: Invocation) -> None:
    inv.narrow()
    args = list(inv.args)
    escapes = False
    while args and args[0].known and re.fullmatch(r"-[neE]+", args[0].value):
        escapes = "e" in args[0].value or escapes
        args.pop(0)
    inv.find(A, "echo.print", "prints text", inv.argv[:1])
    if all(a.known for a in args):
        text = " ".join(a.value for a in args)
        if escapes:
            text = ansi_c(text)
        inv.output = Output("text", text + "\n")
    else:
        inv.output = Output("unknown")
        if any("$" in a.raw for a in args if not a.known):
            _secret_variables(inv, [a for a in args if not a.known])


@program("printf", builtin=True)
def _printf(inv: Invocation) -> None:
    inv.narrow()
    args = list(inv.args)
    if args and args[0].value == "-v":
        args = args[2:]
    inv.find(A, "printf.print", "prints text", inv.argv[:1])
    if args and all(a.known for a in args):
        fmt = args[0].value
        rest = [a.value for a in args[1:]]
        try:
            if not rest:
                text = ansi_c(fmt.replace("%%", "%"))
            else:
                text = ansi_c(fmt.replace("%b", "%s")) % tuple(rest[: fmt.count("%") - fmt.count("%%") * 2])
        except (TypeError, ValueError):
            text = None
        inv.output = Output("text", text) if text is not None else Output("unknown")
    else:
        inv.output = Output("unknown")
        _secret_variables(inv, [a for a in args if not a.known])


# Variables that hold credentials by name: printing them puts the secret into the agent's context.
SECRET_NAME = re.compile(
    r"(?i)(secret|token|passw|pwd\b|api_?key|private|credential|auth|session|cookie|_key\b|"
    r"access_key|bearer|signature|webhook|database_url|_dsn\b|connection_?string|mongo\w*_ur[il]|redis_url|"
    r"amqp_url|_uri\b|kubeconfig|\bpass\b)"
)


def _secret_variables(inv: Invocation, words: list[Word]) -> None:
    for w in words:
        names = re.findall(r"\$\{?#?([A-Za-z_][A-Za-z0-9_]*)", w.raw)
        for n in names:
            if "${#" in w.raw:
                continue
            if SECRET_NAME.search(n):
                inv.find(R, "secret.variable", f"prints ${n}, which by its name holds a secret", [w])
                inv.part.secret_reads.append(len(inv.part.findings) - 1)


@program(*sorted(_INTERACTIVE))
def _interactive(inv: Invocation) -> None:
    """Pagers, editors and browsers: they wait for a person, but their options may run commands."""
    inv.narrow()
    name = inv.name
    args = inv.args
    values = [w.value for w in args]
    cmds = [w for i, w in enumerate(args) if i > 0 and values[i - 1] in ("-c", "--cmd", "-S")] + [
        w for w in args if w.value.startswith("+") and len(w.value) > 1
    ]
    if name == "man":
        p = parse(
            args,
            Spec(
                "P:H?M:m:C:L:S:s:k:KflwWaD",
                (
                    "pager=",
                    "html?",
                    "manpath=",
                    "config-file=",
                    "locale=",
                    "sections=",
                    "apropos",
                    "global-apropos",
                    "whatis",
                    "where",
                    "path",
                    "location",
                    "all",
                    *_L,
                ),
            ),
        )
        for pg in p.values("-P", "--pager", "-H", "--html"):
            inv.run_script(pg.text, "man -P", "the pager man runs")
        for w in args:  # -H takes its browser glued on ("-Hfirefox"), and "-H" alone uses $BROWSER
            if w.value.startswith("-H") and len(w.value) > 2:
                inv.run_script(w.value[2:], "man -H", "the browser man runs", words=[w])
        inv.find(A, "man.read", "shows a manual page", inv.argv)
        inv.output = Output("local")
        return
    # vim's commands chain with "|" (":set shell=/bin/sh | shell"): each is judged for what it does
    for c in cmds:
        if not c.known:
            inv.find(R, f"{name}.command", f"{name} runs editor commands the check cannot see", [c])
            continue
        for piece in (p.strip().lstrip("+:").strip() for p in c.value.split("|")):
            bang = re.match(r"^(?:silent!?\s*)?(?:r(?:ead)?\s*)?!(.*)$", piece)
            if bang:
                inv.run_script(bang.group(1), f"{name} :!", "the shell command the editor runs")
            elif re.match(r"^(sh|shell|term|terminal)\b", piece):
                inv.find(R, f"{name}.shell",
                         f"{name} opens an interactive shell; what is typed into it is never checked", [c])  # fmt: skip
            elif re.match(r"^(py3?|python3?|lua|perl|ruby)\s+\S", piece):
                lang_word, _, code_text = piece.partition(" ")
                lang = {"py": "python", "py3": "python", "python3": "python"}.get(lang_word, lang_word)
                inv.run_script(code_text, f"{name} :{lang_word}", lang=lang, words=[c])
            elif re.match(r"^(py|python|py3|python3|lua|perl|ruby|call\s|exe|execute|so\b|source|let\s|normal)", piece):
                inv.find(R, f"{name}.script", f"{name} runs script commands that can do anything", [c])
            else:
                out = re.match(r"^(?:redir!?\s*>>?|w(?:rite)?!?\s+|sav(?:eas)?!?\s+)\s*(\S+)", piece)
                if out and not out.group(1).startswith(("END", "@", "=")):
                    inv.write(Word.literal(out.group(1)), f"{name}.write")
    files = [
        w
        for i, w in enumerate(args)
        if not w.value.startswith(("-", "+"))
        and not (i > 0 and values[i - 1] in ("-c", "--cmd", "-S", "-u", "-i", "-T", "-s", "-W", "-w"))
    ]
    editors = {"vi", "vim", "nvim", "nano", "emacs", "ed", "ex", "mcedit", "micro", "joe", "pico", "vimdiff"}
    for f in files:
        if name in editors:
            t = inv.target(f)
            if t.zone == Zone.SECRET:
                inv.find(R, f"{name}.secret", f"opens a secret in an editor: {t.shown}", [f])
            else:
                inv.effect("write", f, f"{name}.edit")
        elif name in ("w3m", "lynx", "links", "elinks") and re.match(r"^[a-z]+://", f.value):
            inv.receive(f.value, f"{name}.fetch", "fetches a web page")
        else:
            inv.read(f, f"{name}.read")
    if name in editors and not files:
        inv.find(C, f"{name}.interactive", f"starts {name}, which waits for a person", inv.argv[:1])
    elif name not in editors:
        inv.find(A, f"{name}.view", f"{name} shows text to a person", inv.argv[:1])
    if name in ("less", "more", "most", "pg") and not files and inv.ctx.stdin is not None:
        inv.output = Output("local")


_GREP = Spec(
    "EFGPe:f:iyvwxcLlo:m:bnHhqsZzaA:B:C:d:D:rRUuIT",
    (
        "extended-regexp",
        "fixed-strings",
        "basic-regexp",
        "perl-regexp",
        "regexp=",
        "file=",
        "ignore-case",
        "no-ignore-case",
        "invert-match",
        "word-regexp",
        "line-regexp",
        "count",
        "color?",
        "colour?",
        "files-without-match",
        "files-with-matches",
        "max-count=",
        "only-matching",
        "quiet",
        "silent",
        "no-messages",
        "byte-offset",
        "with-filename",
        "no-filename",
        "label=",
        "line-number",
        "initial-tab",
        "unix-byte-offsets",
        "null",
        "null-data",
        "after-context=",
        "before-context=",
        "context=",
        "text",
        "binary-files=",
        "devices=",
        "directories=",
        "exclude=",
        "exclude-from=",
        "exclude-dir=",
        "include=",
        "recursive",
        "dereference-recursive",
        "line-buffered",
        "binary",
        *_L,
    ),
)


@program("grep", "egrep", "fgrep", "rgrep", "zgrep-plain")
def _grep(inv: Invocation) -> None:
    p = parse(inv.args, _GREP)
    inv.narrow()
    operands = list(p.operands)
    if not p.has("-e", "--regexp", "-f", "--file") and operands:
        operands = operands[1:]
    for f in p.values("-f", "--file"):
        inv.read(f, "grep.patterns")
    recursive = p.has("-r", "-R", "--recursive", "--dereference-recursive") or inv.name == "rgrep"
    names_only = p.has(
        "-l", "-L", "--files-with-matches", "--files-without-match", "-c", "--count", "-q", "--quiet", "--silent"
    )
    if recursive and not operands:
        operands = [Word.literal(".")]
    pattern = p.value("-e", "--regexp") or (p.operands[0] if p.operands and not p.has("-f", "--file") else None)
    if p.has("-o", "--only-matching") and pattern is not None and pattern.known and re.fullmatch(
            r"\^?\[?[A-Za-z_\]\[]*[A-Z0-9_\]\[*+]*=?", pattern.value) and not SECRET_NAME.search(
            pattern.value):  # fmt: skip
        # "grep -o '^[A-Z_]*=' .env": only the names before the = are printed
        for f in operands:
            inv.list(f, "grep.names")
        inv.contain("the names before each =")
        return
    _search_targets(inv, operands, recursive, names_only, p.values("--exclude", "--exclude-dir"),
                    p.values("--include"), pattern)  # fmt: skip
    if not operands and not recursive and searches_for_secrets(pattern) and pattern is not None and \
            inv.ctx.stdin is not None and inv.ctx.stdin.kind not in ("text",) and \
            not p.has("-c", "-q", "-l", "-L", "--count", "--quiet"):  # fmt: skip
        inv.find(R, "grep.secrets", "picks credentials out of what it is fed and prints them", [pattern])
    if p.has("-c", "--count", "-q", "--quiet", "--silent", "-l", "-L"):
        inv.part.summary_only = True
        inv.contain("a count or the names of the files")
    names = re.fullmatch(r"\^?\(?([A-Z_][A-Z0-9_]*(?:\|[A-Z_][A-Z0-9_]*)*)\)?=?", pattern.value) if (
        pattern is not None and pattern.known) else None  # fmt: skip
    if names and not any(SECRET_NAME.search(n) for n in names.group(1).split("|")):
        inv.contain(f"the {names.group(1).replace('|', ', ')} lines")
    if names_only and p.has("-l", "--files-with-matches", "-L", "--files-without-match") and operands:
        inv.output = Output("paths", target=inv.target(operands[0]))
    else:
        inv.output = _output_of_reading(inv, operands) if not recursive else Output("local")


_SECRET_SEARCH = re.compile(r"(?i)(key|token|secret|pass|pw|auth|cred|private|bearer|session|cookie|AKIA|"
                            r"BEGIN|ssh-|ghp_|sk-|xox|dsn|database_url|\benv\b)")  # fmt: skip


def searches_for_secrets(pattern: Word | None) -> bool:
    """A pattern that finds credentials (or anything at all): the lines it prints from .env are the secrets."""
    if pattern is None or not pattern.known:
        return True
    text = pattern.value
    return bool(_SECRET_SEARCH.search(text)) or text.strip("^$") in ("", ".", ".*", "*", "=", ":", "\\w", "[a-z]")


_LOGS = re.compile(r"(\.log(\.\d+)?(\.gz)?\*?$|/logs?(/|$)|^/var/log(/|$)|\.log\.)")
# an alternative of a search pattern that starts with a credential's name ("password|token", "api_key=[^ ]+"), not a
# message that mentions one ("Failed password for")
_CREDENTIAL_WORD = re.compile(
    r"^\W*(password|passwd|pwd|token|secret|api[_-]?key|bearer|authorization|"
    r"credentials?|private[_-]?key|access[_-]?key|session[_-]?id|cookie)",
    re.I,
)


def _hunts_credentials(pattern: Word | None) -> bool:
    if pattern is None or not pattern.known:
        return False
    return any(_CREDENTIAL_WORD.search(alt) for alt in re.split(r"\\?\|", pattern.value))


def _search_targets(
    inv: Invocation,
    operands: list[Word],
    recursive: bool,
    names_only: bool,
    excludes: list[Word] | None = None,
    includes: list[Word] | None = None,
    pattern: Word | None = None,
) -> None:
    """A search prints the lines it finds. Searching a tree that holds secrets (the workspace's .env, the home
    folder's keys) for credentials prints them; searching it for an ordinary string does not."""
    hunting = searches_for_secrets(pattern)
    kind = "list" if names_only else ("read" if hunting else "search")
    for f in operands:
        if f.value == "-":
            continue
        t = inv.target(f)
        if names_only:
            inv.list(f, f"{inv.name}.search")
            continue
        if _LOGS.search(t.path or f.value) and _hunts_credentials(pattern):
            # logs hold the values programs printed (tokens in URLs, passwords in failed requests): a search for
            # those words prints the secrets themselves, which is what an agent reads
            inv.find(R, f"{inv.name}.log-secrets", f"pulls credentials out of a log and prints them: {t.shown}", [f])
            continue
        tree = recursive or t.scope == "every"
        if tree and hunting and t.zone in (Zone.WORKSPACE_ROOT, Zone.HOME_ROOT, Zone.HOME, Zone.SYSTEM_ROOT,
                                           Zone.OTHER, Zone.SYSTEM):  # fmt: skip
            excluded = " ".join(w.value for w in excludes or [])
            included = " ".join(w.value for w in includes or [])
            includes_secrets = any(re.search(r"\.env|\.pem|\.key|secret|credential|\.json|\*", w.value)
                                   for w in includes or [])  # fmt: skip
            if t.zone == Zone.WORKSPACE_ROOT and (".env" in excluded or (included and not includes_secrets)):
                inv.effect("search", f, f"{inv.name}.read")
            else:
                inv.find(R, f"{inv.name}.secrets", f"searches {t.zone.value} for credentials and prints what it "
                         f"finds: {t.shown}", [f])  # fmt: skip
        else:
            inv.effect(kind, f, f"{inv.name}.read")
    if inv.ctx.extra_args:
        inv.appended(kind, f"{inv.name}.read")


@program("rg", "ripgrep", "ag", "ack", "ack-grep", "git-grep-plain")
def _rg(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "AB:C:cef:g:HhiIjlLm:M:nNoOpqrSs:t:T:uUvVwxz0E:",
            (
                "pre=",
                "pre-glob=",
                "search-zip",
                "files",
                "files-with-matches",
                "files-without-match",
                "count",
                "count-matches",
                "glob=",
                "iglob=",
                "type=",
                "type-not=",
                "hidden",
                "no-ignore",
                "no-ignore-vcs",
                "follow",
                "max-depth=",
                "max-count=",
                "context=",
                "after-context=",
                "before-context=",
                "regexp=",
                "file=",
                "json",
                "vimgrep",
                "heading",
                "no-heading",
                "line-number",
                "no-line-number",
                "color=",
                "colors=",
                "ignore-case",
                "smart-case",
                "case-sensitive",
                "fixed-strings",
                "word-regexp",
                "line-regexp",
                "invert-match",
                "only-matching",
                "replace=",
                "sort=",
                "sortr=",
                "stats",
                "text",
                "threads=",
                "unrestricted",
                "multiline",
                "trim",
                "pcre2",
                "engine=",
                "type-list",
                "debug",
                "quiet",
                "null",
                "passthru",
                "column",
                "no-messages",
                "max-columns=",
                "with-filename",
                "no-filename",
                "path-separator=",
                "encoding=",
                "one-file-system",
                "ignore-file=",
                "hyperlink-format=",
                *_L,
            ),
        ),
    )
    inv.narrow()
    for pre in p.values("--pre"):
        inv.run_script(pre.text, "rg --pre", "the preprocessor rg runs on every file", words=[pre])
    if p.has("-z", "--search-zip"):
        inv.find(C, "rg.search-zip", "runs decompression programs on compressed files", p.option_words)
    operands = list(p.operands)
    if p.has("--files", "--type-list"):
        for f in operands or [Word.literal(".")]:
            inv.list(f, "rg.files")
        inv.output = Output("paths", target=inv.target(operands[0] if operands else Word.literal(".")))
        return
    pattern = p.value("-e", "--regexp") or (operands[0] if operands and not p.has("-f", "--file") else None)
    if not p.has("-e", "--regexp", "-f", "--file") and operands:
        operands = operands[1:]
    hidden = p.has("--hidden", "-u", "--unrestricted", "--no-ignore", "-uu", "-uuu")
    names_only = p.has("-l", "--files-with-matches", "-L", "--files-without-match", "-c", "--count", "-q", "--quiet")
    if not operands:
        operands = [Word.literal(".")]
    # rg and ag skip hidden and ignored files (.env, .git) unless told not to
    excludes = [Word.literal(".env")] if not hidden else []
    _search_targets(inv, operands, True, names_only, excludes, p.values("-g", "--glob"), pattern)
    inv.output = Output("local")


_SED = Spec(
    "nEe:f:i?l:rsuzb",
    (
        "quiet",
        "silent",
        "debug",
        "expression=",
        "file=",
        "follow-symlinks",
        "in-place?",
        "line-length=",
        "null-data",
        "zero-terminated",
        "posix",
        "regexp-extended",
        "separate",
        "sandbox",
        "unbuffered",
        "binary",
        *_L,
    ),
)
_SED_EXEC = re.compile(r"(^|[;\n}\s])\s*[0-9,$/!~\s]*e(\s|;|$)|s(.).*?\3.*?\3[gpIiMm0-9]*e")
_SED_WRITE = re.compile(
    r"(?:^|[;\n}])\s*(?:[0-9,$/!~^\\.*\[\]a-zA-Z]*?)\s*[wW]\s+(\S+)|s(.).*?\2.*?\2[gpIiMme0-9]*w\s*(\S+)"
)


@program("sed", "gsed")
def _sed(inv: Invocation) -> None:
    p = parse(inv.args, _SED)
    inv.narrow()
    operands = list(p.operands)
    scripts = p.values("-e", "--expression")
    for f in p.values("-f", "--file"):
        inv.read(f, "sed.script-file")
        inv.find(C, "sed.script-file", "runs a sed script from a file (its w and e commands cannot be seen)", [f])
    if not scripts and not p.has("-f", "--file") and operands:
        scripts = [operands.pop(0)]
    sandbox = p.has("--sandbox")
    for s in scripts:
        if not s.known:
            inv.find(R, "sed.unseen-script", "runs a sed script the check cannot see (its e command runs a shell)", [s])
            continue
        if not sandbox and _SED_EXEC.search(s.value):
            commands = re.findall(r"(?:^|[;\n}])\s*[0-9,$]*\s*e\s+([^;\n]+)", s.value)
            bare = re.search(r"(?:^|[;\n}])\s*[0-9,$/]*\s*e\s*(?:$|[;\n}])|s(.).*?\1.*?\1[gpIiMm0-9]*e", s.value)
            for c in commands:
                inv.run_script(c.strip(), "sed e", "the command sed's e runs")
            if bare:
                # a bare e (or s///e) runs the line being edited: the input's text
                src = inv.ctx.stdin
                text = src.text if src is not None and src.kind == "text" else None
                inv.run_script(text, "sed e", "the lines sed's e runs as commands", words=[s])
        for m in _SED_WRITE.finditer(s.value):
            target = m.group(1) or m.group(3)
            if target and not sandbox:
                inv.write(Word.literal(target), "sed.w")
        if re.search(r"(^|[;\n}\s])[0-9,$/]*\s*[rR]\s+\S", s.value):
            for m in re.finditer(r"[rR]\s+(\S+)", s.value):
                inv.read(Word.literal(m.group(1)), "sed.r")
    in_place = p.has("-i", "--in-place")
    for f in operands:
        if in_place:
            inv.write(f, "sed.in-place")
        else:
            inv.read(f, "sed.read")
    if in_place and not operands and inv.ctx.extra_args:
        inv.appended("write", "sed.in-place")
    elif inv.ctx.extra_args:
        inv.appended("read", "sed.read")
    # what sed prints is the input transformed: not the file's own content ("sed 's/^/rm -rf /' list | sh")
    inv.output = Output("unknown") if not in_place else Output("local")
    if not in_place and any(f.known and inv.target(f).zone == Zone.SECRET for f in operands):
        inv.output = Output("secret")
    if not in_place and inv.ctx.stdin is not None and inv.ctx.stdin.kind in ("text", "decoded") and not operands:
        inv.output = Output("unknown")


def awk_effects(program: str) -> tuple[list[str | None], list[str | None], list[str | None]]:
    """The commands an awk program runs, the files it writes and the files it reads; None where the program
    builds the name at run time. Strings are set aside first, so a "|" or ">" inside one is text, not a pipe."""
    strings: list[str] = []

    def keep(m: re.Match[str]) -> str:
        strings.append(m.group(1).encode().decode("unicode_escape", "ignore") if "\\" in m.group(1) else m.group(1))
        return f" \x01{len(strings) - 1}\x01 "

    bare = re.sub(r'"((?:[^"\\]|\\.)*)"', keep, program)
    literal = re.compile(r"\x01(\d+)\x01")
    commands: list[str | None] = []
    for m in re.finditer(r"\bsystem\s*\(\s*([^)]*)\)", bare):
        arg = m.group(1).strip()
        lit = literal.fullmatch(arg)
        commands.append(strings[int(lit.group(1))] if lit else None)
    for m in re.finditer(r"(?<![|])\|(?![|])\s*(&?)\s*(\x01(\d+)\x01|[A-Za-z_$(])", bare):
        if m.group(1):
            commands.append(None)  # |& a coprocess
        elif m.group(3) is not None:
            commands.append(strings[int(m.group(3))])  # print ... | "cmd"
        elif re.search(r"\b(print|printf)\b[^;{}]*$", bare[: m.start()]):
            commands.append(None)  # print ... | cmd, with cmd built at run time
    for m in re.finditer(r"\x01(\d+)\x01\s*\|\s*getline", bare):
        commands.append(strings[int(m.group(1))])
    for _ in re.finditer(r"([A-Za-z_]\w*)\s*\|\s*getline", bare):
        commands.append(None)
    writes: list[str | None] = []
    for m in re.finditer(r"\b(?:print|printf)\b[^;{}]*?>{1,2}\s*(\(\s*)?(\x01(\d+)\x01|[A-Za-z_$(])", bare):
        if m.group(3) is None:
            writes.append(None)
        elif m.group(1):  # > ("out/" $1 ".txt"): a name built at run time under a known folder
            prefix = strings[int(m.group(3))]
            writes.append(prefix.rsplit("/", 1)[0] + "/*" if ("/" in prefix and not prefix.startswith("/")) or
                          (prefix.startswith("/") and "/" in prefix[1:]) else None)  # fmt: skip
        else:
            writes.append(strings[int(m.group(3))])
    reads: list[str | None] = []
    for m in re.finditer(r"getline\s*(?:[A-Za-z_]\w*\s*)?<\s*(\x01(\d+)\x01|[A-Za-z_$(])", bare):
        reads.append(strings[int(m.group(2))] if m.group(2) is not None else None)
    return commands, writes, reads


@program("awk", "gawk", "mawk", "nawk", "busybox-awk")
def _awk(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "F:v:f:bcCdDe:E:hi:l:L?MnNoOpPrsStVW:",
            (
                "field-separator=",
                "assign=",
                "file=",
                "characters-as-bytes",
                "traditional",
                "copyright",
                "dump-variables?",
                "debug?",
                "source=",
                "exec=",
                "gen-pot",
                "help",
                "include=",
                "load=",
                "lint?",
                "bignum",
                "use-lc-numeric",
                "non-decimal-data",
                "optimize",
                "profile?",
                "pretty-print?",
                "posix",
                "re-interval",
                "no-optimize",
                "sandbox",
                "lint-old",
                "version",
            ),
        ),
    )
    inv.narrow()
    operands = list(p.operands)
    programs = p.values("-e", "--source")
    for f in p.values("-f", "--file", "-E", "--exec", "-i", "--include"):
        inv.read(f, "awk.program-file")
        inv.find(C, "awk.program-file", "runs an awk program from a file (what it runs cannot be seen)", [f])
    for lib in p.values("-l", "--load"):
        inv.find(R, "awk.load", "loads a compiled extension into awk", [lib])
    if not programs and not p.has("-f", "--file", "-E", "--exec") and operands:
        programs = [operands.pop(0)]
    sandbox = p.has("-S", "--sandbox")
    for prog in programs:
        if not prog.known:
            inv.find(R, "awk.unseen", "runs an awk program the check cannot see", [prog])
            continue
        commands, writes, reads = awk_effects(prog.value)
        if not sandbox:
            for c in commands:
                if c is None:
                    inv.find(R, "awk.system", "awk runs a shell command built at run time (system() or a pipe)", [prog])
                else:
                    inv.run_script(c, "awk system()", "the command awk runs")
            for target in writes:
                word = Word.literal(target) if target is not None else Word("(a file named at run time)", UNKNOWN)
                if word.value not in ("/dev/stderr", "/dev/stdout"):
                    inv.write(word, "awk.write")
        for target in reads:
            inv.read(Word.literal(target) if target is not None else Word("(a file named at run time)", UNKNOWN),
                     "awk.read")  # fmt: skip
    files = [f for f in operands if not (f.known and re.match(r"^[A-Za-z_]\w*=", f.value))]
    for f in files:
        inv.read(f, "awk.read")
    if inv.ctx.extra_args:
        inv.appended("read", "awk.read")
    # what awk prints is computed: it can build any text, commands included ("awk '{print "rm " $0}' | sh")
    inv.output = Output("unknown")

"""Programs whose own little languages can run a shell: ``ed`` and ``ex`` scripts (``!cmd``), ``dc`` (``!``),
Emacs Lisp (``--eval``), gdb commands (``-ex``), expect scripts (``spawn``), and tools whose arguments are
command lines (``hyperfine``, ``entr``, ``faketime``, ``direnv exec``, sandboxes that run a command)."""

from __future__ import annotations

import re

from tcphw.host.gate.analyse import Invocation, Output, program
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.shell import Word


def _bang_commands(inv: Invocation, text: str, via: str) -> bool:
    """ed/ex/dc: a line (or a command) starting with ! runs the rest with the shell."""
    found = False
    for line in text.splitlines():
        m = re.match(r"^\s*(?:[0-9,.$]*\s*)?(?:r\s*|w\s*|e\s*)?!(.*)$", line)
        if m:
            found = True
            inv.run_script(m.group(1), via, "the shell command in the script")
    return found


@program("ed", "red", "ex")
def _ed(inv: Invocation) -> None:
    inv.narrow()
    files = [w for w in inv.args if not w.value.startswith(("-", "+"))]
    src = inv.ctx.stdin
    if src is not None and src.kind == "text" and src.text is not None:
        inv.find(A, f"{inv.name}.script", f"runs the {inv.name} script given on the line", inv.argv[:1])
        if not _bang_commands(inv, src.text, f"{inv.name} !"):
            for f in files:
                writes = re.search(r"(^|\n)\s*[0-9,.$]*\s*w", src.text)
                (inv.write if writes else inv.read)(f, f"{inv.name}.edit")
        else:
            for f in files:
                inv.read(f, f"{inv.name}.read")
        return
    if src is not None:
        inv.find(R, f"{inv.name}.unseen", f"runs {inv.name} commands read from standard input, which the check "
                 "cannot see (a ! command runs a shell)", inv.argv)  # fmt: skip
        return
    for f in files:
        inv.effect("write", f, f"{inv.name}.edit")
    inv.find(C, f"{inv.name}.interactive", f"starts {inv.name}, which waits for a person", inv.argv[:1])


@program("dc")
def _dc(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    scripts = [inv.args[k + 1] for k, v in enumerate(values[:-1]) if v in ("-e", "--expression")]
    scripts += [Word(w.raw, w.value[2:]) for w in inv.args if w.value.startswith("-e") and len(w.value) > 2]
    scripts += [Word(w.raw, w.value.split("=", 1)[1]) for w in inv.args if w.value.startswith("--expression=")]
    for s in scripts:
        if not s.known:
            inv.find(R, "dc.unseen", "runs a dc program the check cannot see (its ! runs a shell)", [s])
        elif "!" in s.value:
            _bang_commands(inv, s.value.replace("!", "\n!", 1), "dc !")
    src = inv.ctx.stdin
    if src is not None and src.kind == "text" and src.text is not None and "!" in src.text:
        _bang_commands(inv, src.text, "dc !")
    elif src is not None and src.kind != "text":
        inv.find(R, "dc.unseen", "runs a dc program read from standard input (its ! runs a shell)", inv.argv)
    files = [w for k, w in enumerate(inv.args) if not w.value.startswith("-") and not (k > 0 and values[k - 1] in
             ("-e", "--expression", "-f", "--file"))]  # fmt: skip
    for f in files + [inv.args[k + 1] for k, v in enumerate(values[:-1]) if v in ("-f", "--file")]:
        inv.read(f, "dc.file")
        inv.find(C, "dc.file", "runs a dc program from a file (its ! commands cannot be seen)", [f])
    inv.find(A, "dc.compute", "computes", inv.argv[:1])
    inv.output = Output("local")


@program("emacs", "emacs-nox", "emacsclient")
def _emacs(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    code = [inv.args[k + 1] for k, v in enumerate(values[:-1]) if v in ("--eval", "-eval", "-l", "--load", "-e")]
    code += [Word(w.raw, w.value.split("=", 1)[1]) for w in inv.args if w.value.startswith("--eval=")]
    for c in code:
        text = c.value if c.known else ""
        deletes = re.findall(r"\(delete-(?:directory|file)\s+\"([^\"]+)\"", text)
        shells = re.findall(r"\((?:shell-command|call-process|start-process|async-shell-command)\s+\"([^\"]+)\"", text)
        for path in deletes:
            inv.delete(Word.literal(inv.ctx.place.home + path[1:] if path.startswith("~") else path), "emacs.delete",
                       recursive=True)  # fmt: skip
        for cmd in shells:
            inv.run_script(cmd, "emacs shell-command", "the command the Lisp runs")
        if not deletes and not shells:
            inv.find(R, "emacs.eval", "runs Emacs Lisp code, which can do anything the user can", [c])
    files = [w for k, w in enumerate(inv.args) if not w.value.startswith(("-", "+")) and not (k > 0 and values[k - 1]
             in ("--eval", "-eval", "-l", "--load", "-e", "-f", "--funcall"))]  # fmt: skip
    for f in files:
        inv.effect("write", f, "emacs.edit")
    if "--batch" not in values and not files:
        inv.find(C, "emacs.interactive", "starts emacs, which waits for a person", inv.argv[:1])
    if any(v in ("-f", "--funcall") for v in values):
        inv.find(R, "emacs.funcall", "calls an Emacs Lisp function", inv.argv)


_GDB_SAFE = re.compile(r"^(run|r|bt(\s.*)?|backtrace.*|where|info\s.*|i\s.*|print\s.*|p\s.*|x/?.*|list.*|l\s.*|"
                       r"disassemble.*|disas.*|frame.*|up.*|down.*|thread\s+apply\s+all\s+bt.*|quit|q|continue|c|"
                       r"next|n|step|s|finish|set\s+(pagination|print|confirm|width|height|logging).*|break\s.*|"
                       r"b\s.*|start|kill|detach|ptype.*|whatis.*|display.*|catch\s.*|handle\s.*|core.*)$")  # fmt: skip


@program("gdb", "gdb-multiarch", "lldb", "cgdb")
def _gdb(inv: Invocation) -> None:
    args = inv.args
    values = [w.value for w in args]
    inv.narrow()
    if any(
        v in ("-p", "--pid") or (v.startswith("--pid=") and v[6:].isdigit()) or (v[:2] == "-p" and v[2:].isdigit())
        for v in values
    ):
        inv.find(R, "trace.attach", f"{inv.name} attaches to a running process and can read or change its memory",
                 inv.argv)  # fmt: skip
        return
    commands = [args[k + 1] for k, v in enumerate(values[:-1])
                if v in ("-ex", "--ex", "-eval-command", "--eval-command", "-o", "--one-line")]  # fmt: skip
    scripts = [args[k + 1] for k, v in enumerate(values[:-1]) if v in ("-x", "--command", "-s", "--source")]
    for c in commands:  # dump and append write files
        m = re.match(r"^(?:dump|append)\s+(?:binary\s+|ihex\s+|srec\s+|tekhex\s+|verilog\s+)?(?:value|memory)\s+(\S+)",
                     c.value.strip()) if c.known else None  # fmt: skip
        if m:
            inv.write(Word.literal(m.group(1)), f"{inv.name}.dump")
    unsafe = [c for c in commands if not (c.known and (_GDB_SAFE.match(c.value.strip()) or
                                                       re.match(r"^(dump|append)\s", c.value.strip())))]  # fmt: skip
    for s in scripts:
        inv.read(s, f"{inv.name}.script")
        unsafe.append(s)
    if unsafe:
        inv.find(R, "trace.script", f"{inv.name} runs debugger commands that can run a shell or write memory", unsafe)
    runs = any(c.known and c.value.strip() in ("run", "r", "start") for c in commands)
    if "--args" in values:
        k = values.index("--args")
        program_words = args[k + 1 :]
    else:
        program_words = [w for k, w in enumerate(args) if not w.value.startswith("-") and not (
            k > 0 and values[k - 1] in ("-ex", "--ex", "-x", "--command", "-s", "-p", "-eval-command", "-o", "-c",
                                        "--core", "-cd", "--cd", "-d", "--directory", "-iex", "-ix"))][:1]  # fmt: skip
    if program_words:
        if runs or ("--batch" not in values and "-batch" not in values):
            inv.run(program_words, inv.name)
        else:
            inv.list(program_words[0], f"{inv.name}.symbols")
    if "-batch" in values or "--batch" in values:
        inv.find(A if not runs else C, f"{inv.name}.batch", "runs debugger commands and exits", inv.argv[:1])
    else:
        inv.find(C, f"{inv.name}.interactive", f"starts {inv.name}, which waits for a person", inv.argv[:1])


@program("expect")
def _expect(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    scripts = [inv.args[k + 1] for k, v in enumerate(values[:-1]) if v == "-c"]
    files = [w for k, w in enumerate(inv.args) if not w.value.startswith("-") and not (k > 0 and values[k - 1] == "-c")]
    for f in files[:1]:
        inv.read(f, "expect.script")
        inv.find(R, "expect.script-file", "runs an expect script from a file (Tcl: it can run anything)", [f])
    for s in scripts:
        if not s.known:
            inv.find(R, "expect.unseen", "runs an expect script the check cannot see", [s])
            continue
        spawned = re.findall(r"\bspawn\s+([^;\n]+)", s.value)
        for cmd in spawned:
            inv.run_script(cmd.strip(), "expect spawn", "the program expect spawns")
        rest = re.sub(r"\bspawn\s+[^;\n]+|\bexpect\s+(eof|\"[^\"]*\"|\{[^}]*\})|"
                      r"\bset\s+timeout\s+\d+|send\s+\"[^\"]*\"", "", s.value)  # fmt: skip
        if re.search(r"\b(exec|system|open|file|source|eval|interact)\b", rest):
            inv.find(R, "expect.tcl", "the expect script runs Tcl that can run commands or open files", [s])
    inv.find(A, "expect.wrapper", "drives a program through expect", inv.argv[:1])


@program("hyperfine")
def _hyperfine(inv: Invocation) -> None:
    inv.narrow()
    args = inv.args
    values = [w.value for w in args]
    takes = {"-w", "--warmup", "-m", "--min-runs", "-M", "--max-runs", "-r", "--runs", "-s", "--setup", "-p",
             "--prepare", "-c", "--cleanup", "-P", "--parameter-scan", "-D", "--parameter-step-size", "-L",
             "--parameter-list", "-S", "--shell", "-u", "--time-unit", "--export-json", "--export-csv",
             "--export-markdown", "--export-asciidoc", "--export-orgmode", "--style", "--sort", "-n", "--command-name",
             "--output", "--input", "-i"}  # fmt: skip
    commands: list[Word] = []
    k = 0
    while k < len(args):
        v = values[k]
        if v in takes and k + 1 < len(args):
            if v in ("-s", "--setup", "-p", "--prepare", "-c", "--cleanup"):
                commands.append(args[k + 1])
            if v.startswith("--export") or v == "--output":
                inv.write(args[k + 1], "hyperfine.output")
            k += 2
            continue
        if not v.startswith("-"):
            commands.append(args[k])
        k += 1
    inv.find(A, "hyperfine.wrapper", "times command lines", inv.argv[:1])
    for c in commands:
        inv.run_script(c.text, "hyperfine", "a benchmarked command line", words=[c])


@program("entr")
def _entr(inv: Invocation) -> None:
    inv.narrow()
    rest = [w for w in inv.args]
    while rest and rest[0].value.startswith("-"):
        rest = rest[1:]
    inv.find(A, "entr.wrapper", "runs a command when files change", inv.argv[:1])
    if rest:
        if rest[0].value == "-s" and len(rest) > 1:
            inv.run_script(rest[1].text, "entr -s")
        else:
            inv.run(rest, "entr")


@program("faketime", "datefudge")
def _faketime(inv: Invocation) -> None:
    inv.narrow()
    rest = [w for w in inv.args]
    while rest and rest[0].value.startswith("-"):
        rest = rest[2:] if rest[0].value in ("-m", "-p", "-f") else rest[1:]
    inv.find(A, f"{inv.name}.wrapper", "runs a command with a faked clock", inv.argv[:1])
    if len(rest) > 1:
        inv.run(rest[1:], inv.name)


@program("direnv")
def _direnv(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    if values[:1] == ["exec"] and len(inv.args) > 2:
        folder = inv.args[1]
        t = inv.target(folder)
        level = C if t.zone in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT) else R
        inv.find(level, "direnv.exec", f"loads the .envrc of {t.zone.value} (code) and runs a command", [folder])
        inv.run(inv.args[2:], "direnv exec")
    elif values[:1] in (["allow"], ["permit"], ["grant"]):
        inv.find(R, "direnv.allow", "trusts an .envrc, whose code then runs on every cd", inv.argv)
    elif values[:1] in (["status"], ["version"], ["--version"], ["help"]):
        inv.find(A, "direnv.read", "prints direnv's state", inv.argv)
    else:
        inv.find(C, "direnv.other", "changes direnv's state for the project", inv.argv)


@program("fakeroot", "fakeroot-sysv", "fakeroot-tcp", "fakechroot", "choom", "logsave", "firejail", "bwrap",
         "proot", "systemd-inhibit", "unshare-user")  # fmt: skip
def _sandboxes(inv: Invocation) -> None:
    """Wrappers that run a command in a sandbox or with a harmless change: the command is what counts."""
    inv.narrow()
    args = list(inv.args)
    # option words that take a value (bwrap takes one or two; the table says which)
    two = {"--bind", "--ro-bind", "--dev-bind", "--bind-try", "--ro-bind-try", "--dev-bind-try", "--symlink",
           "--setenv", "--file", "--bind-data", "--ro-bind-data", "--chmod"}  # fmt: skip
    one = {"--tmpfs", "--proc", "--dev", "--dir", "--remount-ro", "--chdir", "--unsetenv", "--hostname", "--uid",
           "--gid", "--lock-file", "--sync-fd", "--info-fd", "--seccomp", "--cap-add", "--cap-drop", "--args", "-n",
           "--adjust", "-l", "--lib", "-i", "--faked", "-s", "--what", "--who", "--why", "--mode", "-r", "-w", "-b",
           "-q", "--userns-block-fd", "--perms", "--size"}  # fmt: skip
    k = 0
    if inv.name == "logsave" and args:
        while k < len(args) and args[k].value.startswith("-"):
            k += 1
        if k < len(args):
            inv.write(args[k], "logsave.log")
            k += 1
    while k < len(args):
        v = args[k].value
        if v == "--":
            k += 1
            break
        if not v.startswith("-"):
            break
        if v in two:
            k += 3
        elif v in one or (inv.name == "choom" and v == "-n"):
            k += 2
        else:
            k += 1
    rest = args[k:]
    level = C if inv.name in ("firejail", "bwrap") else A
    inv.find(level, f"{inv.name}.wrapper", f"runs a command under {inv.name}", inv.argv[:1])
    if inv.name in ("bwrap",) and any(a.value in ("--bind", "--dev-bind") and k2 + 1 < len(args) and
                                      args[k2 + 1].value == "/" for k2, a in enumerate(args)):  # fmt: skip
        inv.find(R, "bwrap.bind-root", "binds the whole file system writable into the sandbox", inv.argv)
    if rest:
        inv.run(rest, inv.name)


@program("gpg", "gpg2")
def _gpg(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    if any(v in ("--export-secret-keys", "--export-secret-subkeys", "--export-ssh-key", "--export-secret-key") for v in
           values):  # fmt: skip
        inv.find(R, "gpg.export-secret", "prints private keys", inv.argv)
    elif any(v in ("--decrypt", "-d") for v in values):
        inv.find(R, "gpg.decrypt", "decrypts data with the user's private key", inv.argv)
    elif any(v in ("--delete-secret-keys", "--delete-keys", "--delete-secret-and-public-key") for v in values):
        inv.find(R, "gpg.delete", "deletes keys", inv.argv)
    elif any(v in ("--gen-key", "--full-generate-key", "--quick-generate-key", "--import", "--recv-keys", "--sign",
                   "-s", "--clearsign", "--detach-sign", "-b", "--encrypt", "-e", "--edit-key", "--lsign-key",
                   "--sign-key", "--send-keys", "--keyserver") for v in values):  # fmt: skip
        inv.find(R, "gpg.use-keys", "uses or changes the user's keys", inv.argv)
    else:
        inv.find(A, "gpg.read", "lists keys, exports a public key or verifies", inv.argv)


@program("hg", "svn", "fossil", "bzr", "darcs")
def _other_vcs(inv: Invocation) -> None:
    """Other version control: reading is fine; pushing publishes; configuration on the command line may run
    commands (Mercurial aliases with !, hooks)."""
    inv.narrow()
    args = inv.args
    values = [w.value for w in args]
    aliases: set[str] = set()
    for k, v in enumerate(values):
        setting = values[k + 1] if v == "--config" and k + 1 < len(values) else (
            v.split("=", 1)[1] if v.startswith("--config=") else None)  # fmt: skip
        if setting is None:
            continue
        key, _, value = setting.partition("=")
        if key.startswith("alias.") and value.startswith("!"):
            aliases.add(key[6:])
            inv.run_script(value[1:], f"{inv.name} alias", "the alias's shell command")
        elif key.startswith(("hooks.", "ui.ssh", "ui.editor", "pager.", "extensions.", "ui.merge", "merge-tools.")):
            inv.run_script(value if not key.startswith("extensions.") else None, f"{inv.name} --config",
                           f"the command in {key}")  # fmt: skip
    words = [v for k, v in enumerate(values) if not v.startswith("-") and not (k > 0 and values[k - 1] in (
        "--config", "-R", "--repository", "--cwd", "-r", "--rev", "-m", "--message", "-u", "--user"))]  # fmt: skip
    sub = words[0] if words else ""
    inv.key(f"{inv.name} {sub}" if sub else inv.name)
    reading = {"status", "st", "log", "diff", "di", "annotate", "blame", "cat", "identify", "id", "heads", "branches",
               "tags", "summary", "sum", "paths", "root", "version", "help", "info", "list", "ls", "files", "locate",
               "grep", "outgoing", "incoming", "manifest", "parents", "tip", "show", "config",
               "showconfig"}  # fmt: skip
    if sub in aliases:
        inv.find(A, f"{inv.name}.alias", f"runs the alias {sub} the line defines (judged as its own part)", inv.argv)
    elif not sub or sub in reading:
        inv.find(A, f"{inv.name}.read", "reads the repository", inv.argv)
    elif sub in (
        "push",
        "commit" if inv.name == "svn" else "push",
        "ci" if inv.name == "svn" else "push",
        "import",
        "delete" if inv.name == "svn" else "push",
        "copy" if inv.name == "svn" else "push",
    ):
        inv.find(R, f"{inv.name}.publish", "publishes changes to a server", inv.argv)
    elif sub in ("strip", "purge", "clean", "revert", "update", "up", "rollback", "histedit", "rebase") and (
            "-C" in values or "--clean" in values or "--all" in values
            or sub in ("strip", "purge", "rollback")):  # fmt: skip
        inv.find(R, f"{inv.name}.discard", "throws away uncommitted work or history", inv.argv)
    else:
        inv.find(C, f"{inv.name}.change", "changes the working copy or fetches", inv.argv)


@program("run-parts")
def _run_parts(inv: Invocation) -> None:
    inv.narrow()
    folders = [w for w in inv.args if not w.value.startswith("-")]
    if any(w.value in ("--test", "--list") for w in inv.args):
        inv.find(A, "run-parts.list", "only lists the scripts it would run", inv.argv)
        return
    for f in folders[-1:]:
        t = inv.target(f)
        level = C if t.zone in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT) else R
        inv.find(level, "run-parts.run", f"runs every script in {t.zone.value}: {t.shown}", [f])


@program("setarch", "linux32", "linux64", "i386", "x86_64", "uname26")
def _setarch(inv: Invocation) -> None:
    inv.narrow()
    args = list(inv.args)
    if inv.name == "setarch" and args and not args[0].value.startswith("-"):
        args = args[1:]  # the architecture
    while args and args[0].value.startswith("-"):
        args = args[2:] if args[0].value in ("--uname-2.6",) else args[1:]
    inv.find(A, f"{inv.name}.wrapper", "runs a command with another architecture or personality", inv.argv[:1])
    if args:
        inv.run(args, inv.name)


@program("qemu-img")
def _qemu_img(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    sub = values[0] if values else ""
    inv.key(f"qemu-img {sub}" if sub else "qemu-img")
    files = [w for k, w in enumerate(inv.args[1:], 1) if not w.value.startswith("-") and values[k - 1] not in (
        "-f", "-F", "-O", "-o", "-b", "-B", "-t", "-T", "-l", "-s", "-S", "--object", "--image-opts"
    ) and not re.fullmatch(r"[0-9.]+[KMGT]?", w.value)]  # fmt: skip
    if sub in ("info", "check", "compare", "map", "measure", "snapshot") and "-a" not in values and "-d" not in values:
        for f in files:
            inv.read(f, "qemu-img.read") if inv.target(f).zone != Zone.DEVICE else inv.list(f, "qemu-img.read")
        inv.find(A, "qemu-img.read", "inspects disk images", inv.argv[:2])
        return
    if not files:
        inv.find(R, "qemu-img.change", "changes a disk image", inv.argv)
        return
    target = files[-1]
    for f in files[:-1]:
        inv.list(f, "qemu-img.source")
    t = inv.write(target, "qemu-img.write")
    if t.zone == Zone.DEVICE:
        inv.find(X, "qemu-img.device", "writes a disk image onto a device", [target])


@program("atq", "atrm")
def _atq(inv: Invocation) -> None:
    inv.narrow()
    if inv.name == "atq":
        inv.find(A, "atq.list", "lists scheduled jobs", inv.argv)
    else:
        inv.find(R, "atrm.remove", "removes scheduled jobs", inv.argv)


@program("busybox", "toybox")
def _busybox(inv: Invocation) -> None:
    """busybox APPLET ARGS runs APPLET: judged as that program."""
    inv.narrow()
    if not inv.args or inv.args[0].value in ("--list", "--help", "--list-full"):
        inv.find(A, f"{inv.name}.list", "lists its applets", inv.argv)
        return
    inv.find(A, f"{inv.name}.applet", "runs one of its applets (judged as that program)", inv.argv[:2])
    inv.run(inv.args, inv.name)

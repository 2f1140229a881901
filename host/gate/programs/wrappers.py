"""Programs that run another program given in their arguments: the command they carry is judged too.

Each entry says where the carried command starts (after the wrapper's own options, and after a fixed
number of operands such as ``timeout``'s duration or ``chroot``'s folder), and whether it runs with more
privilege than the caller. A privilege wrapper is at least REQUIRE_APPROVAL, whatever it carries.
"""

from __future__ import annotations

import re

from tcphw.host.gate.analyse import Invocation, Output, judge_assignments, leading_assignments, program
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.programs import containers
from tcphw.host.gate.programs.options import Spec, parse
from tcphw.host.gate.shell import UNKNOWN, Word


def carry(
    inv: Invocation,
    spec: Spec,
    skip: int = 0,
    root: bool = False,
    via: str | None = None,
    floor: tuple[object, str] | None = None,
) -> list[Word] | None:
    """Judge the command ``inv`` carries: the words after its options and ``skip`` operands."""
    p = parse(inv.args, Spec(spec.short, spec.long, True, spec.long_single_dash))
    rest = p.rest[skip:]
    if p.unknown:
        inv.find(
            R,
            f"{inv.name}.option",
            f"an option {inv.name}'s table does not know, so the check cannot tell where the command it runs starts",
            p.unknown,
        )
    if not rest:
        return None
    inv.narrow()
    inv.run(rest, via or inv.name, root=root or None)
    return rest


def _plain(name: str, spec: Spec, skip: int = 0, what: str = "runs a command with changed settings") -> None:
    @program(name)
    def handler(inv: Invocation) -> None:
        inv.find(A, f"{inv.name}.wrapper", what, inv.argv[:1])
        rest = carry(inv, spec, skip)
        if rest is None and not inv.part.findings[1:]:
            inv.narrow()
            inv.find(A, f"{inv.name}.alone", f"{inv.name} with no command runs nothing")

    handler.__name__ = f"wrapper_{name}"


_plain("nice", Spec("n:", ("adjustment=", "help", "version")))
_plain("nohup", Spec("", ("help", "version")), what="runs a command immune to hangups")
_plain("stdbuf", Spec("i:o:e:", ("input=", "output=", "error=", "help", "version")))
_plain(
    "timeout",
    Spec("k:s:v", ("kill-after=", "signal=", "preserve-status", "foreground", "verbose", "help", "version")),
    skip=1,
    what="runs a command with a time limit",
)
_plain("setsid", Spec("cfw", ("ctty", "fork", "wait", "help", "version")))
_plain("ionice", Spec("c:n:tp:P:u:", ("class=", "classdata=", "ignore", "pid=", "pgid=", "uid=")))
_plain(
    "chrt",
    Spec(
        "bdefiorpamRT:P:D:v",
        ("batch", "deadline", "fifo", "idle", "other", "rr", "all-tasks", "reset-on-fork", "verbose", "pid"),
    ),
    skip=1,
)
_plain("taskset", Spec("acp", ("all-tasks", "cpu-list", "pid")), skip=1)
_plain("unbuffer", Spec("p", ()))
_plain("catchsegv", Spec("", ()))
_plain(
    "numactl",
    Spec(
        "aC:N:m:i:p:lsH", ("cpunodebind=", "membind=", "interleave=", "preferred=", "localalloc", "physcpubind=", "all")
    ),
)
_plain(
    "cpulimit",
    Spec(
        "l:p:e:zkrmvfqi",
        ("limit=", "pid=", "exe=", "lazy", "kill", "restore", "monitor-forks", "verbose", "include-children"),
    ),
)
_plain("caffeinate", Spec("dimsuw:t:", ()))
_plain("chronic", Spec("ev", ()))
_plain("ts", Spec("irsm", ()))
_plain("pv", Spec("", ()))


@program("time", builtin=True)
def _time_builtin(inv: Invocation) -> None:
    inv.find(A, "time.wrapper", "times a command", inv.argv[:1])
    carry(inv, Spec("p", ()))


@program("time")
def _time(inv: Invocation) -> None:
    p = parse(inv.args, Spec("o:af:pqv", ("output=", "append", "format=", "portability", "quiet", "verbose"), True))
    for out in p.values("-o", "--output"):
        inv.write(out, "time.output")
    inv.find(A, "time.wrapper", "times a command", inv.argv[:1])
    carry(inv, Spec("o:af:pqv", ("output=", "append", "format=", "portability", "quiet", "verbose")))


@program("env")
def _env(inv: Invocation) -> None:
    args = list(inv.args)
    p = parse(
        args,
        Spec(
            "i0u:C:S:v",
            (
                "ignore-environment",
                "null",
                "unset=",
                "chdir=",
                "split-string=",
                "debug",
                "block-signal?",
                "default-signal?",
                "ignore-signal?",
                "list-signal-handling",
                "help",
                "version",
            ),
            True,
        ),
    )
    for s in p.values("-S", "--split-string"):
        inv.run_script(s.text, "env -S", "the command env -S splits")
        inv.narrow()
        return
    pairs, rest = leading_assignments(list(p.rest))
    if p.unknown:
        inv.find(R, "env.option", "an option env's table does not know", p.unknown)
    if pairs:
        judge_assignments(inv.part, pairs, inv.ctx, inv.engine, inv.command, exported=True)
    chdir = p.value("-C", "--chdir")
    inv.narrow()
    if not rest:
        if p.has("-i", "--ignore-environment") or inv.ctx.empty_env:
            inv.find(A, "env.empty", "prints an empty environment", inv.argv)
            return
        inv.find(R, "env.print", "prints the whole environment, which holds tokens and keys", inv.argv[:1])
        inv.part.secret_reads.append(len(inv.part.findings) - 1)
        inv.output = Output("secret")
        return
    inv.find(A, "env.wrapper", "runs a command in a changed environment", inv.argv[:1])
    if chdir is not None:
        inv.list(chdir, "env.chdir")
    inv.run(rest, "env", empty_env=True if p.has("-i", "--ignore-environment") else None)


# Privilege: the carried command runs as root (or another user); a person decides.
_SUDO = Spec(
    "AbEeHiKklLnPSsVvu:g:p:C:D:h:r:t:T:U:R:",
    (
        "askpass",
        "background",
        "preserve-env?",
        "edit",
        "set-home",
        "host=",
        "login",
        "remove-timestamp",
        "reset-timestamp",
        "list",
        "non-interactive",
        "preserve-groups",
        "prompt=",
        "stdin",
        "shell",
        "validate",
        "version",
        "user=",
        "group=",
        "close-from=",
        "chdir=",
        "role=",
        "type=",
        "command-timeout=",
        "other-user=",
        "chroot=",
        "help",
    ),
)


@program("sudo", "doas", "pkexec", "run0", "sudo-rs")
def _sudo(inv: Invocation) -> None:
    spec = _SUDO if inv.name != "doas" else Spec("nsu:C:L", ())
    p = parse(inv.args, Spec(spec.short, spec.long, True))
    inv.narrow()
    inv.find(
        R,
        "privilege.wrapper",
        f"{inv.name} runs what it carries with root's (or another user's) privileges",
        inv.argv[:1],
    )
    if p.has("-e", "--edit"):
        for f in p.rest:
            inv.effect("write", f, "privilege.edit")
        return
    if not p.rest:
        if p.has("-i", "--login", "-s", "--shell"):
            inv.find(R, "privilege.shell", "opens a root shell", inv.argv)
        elif p.has("-l", "--list", "-v", "--validate", "-k", "-K", "-V", "--version", "--help", "-h"):
            inv.find(R, "privilege.query", f"asks {inv.name} about the user's privileges", inv.argv)
        return
    if p.has("-s", "--shell") or p.has("-i", "--login"):
        inv.run_script(
            " ".join(w.value for w in p.rest) if all(w.known for w in p.rest) else None,
            inv.name,
            "the root shell's command",
            root=True,
        )
        return
    inv.run(p.rest, inv.name, root=True)


@program("su", "runuser", "sg", "newgrp")
def _su(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "c:lmps:g:G:fPw:",
            (
                "command=",
                "login",
                "preserve-environment",
                "shell=",
                "group=",
                "supp-group=",
                "fast",
                "pty",
                "whitelist-environment=",
                "session-command=",
                "help",
                "version",
            ),
        ),
    )
    inv.narrow()
    inv.find(R, "privilege.wrapper", f"{inv.name} runs commands as another user (root by default)", inv.argv[:1])
    cmd = p.value("-c", "--command", "--session-command")
    if cmd is not None:
        inv.run_script(cmd.text, inv.name, "the command su runs", root=True)
    elif inv.name == "sg" and p.operands[1:]:
        inv.run_script(p.operands[1].text, "sg", root=True)
    else:
        inv.find(R, "privilege.shell", "opens a shell as another user", inv.argv)


@program("chroot")
def _chroot(inv: Invocation) -> None:
    p = parse(inv.args, Spec("", ("userspec=", "groups=", "skip-chdir", "help", "version"), True))
    inv.narrow()
    inv.find(R, "privilege.chroot", "chroot needs root and runs a command under another root folder", inv.argv[:2])
    if p.rest[1:]:
        inv.run(p.rest[1:], "chroot", root=True)


@program(
    "nsenter",
    "unshare",
    "capsh",
    "setpriv",
    "systemd-run",
    "machinectl",
    "systemd-nspawn",
    "lxc-attach",
    "lxc-execute",
    "ip-netns",
    "systemd-stdio-bridge",
    "scriptlive",
)
def _namespaces(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    if inv.name == "systemd-run" and "--user" in values:
        # a unit of the user's own service manager: a resource limit, not a privilege
        takes = {
            "-p",
            "--property",
            "-u",
            "--unit",
            "-E",
            "--setenv",
            "--slice",
            "--description",
            "-d",
            "--working-directory",
        }
        k = 0
        while k < len(values) and values[k].startswith("-"):
            k += 2 if values[k] in takes else 1
        inv.find(C, "systemd-run.user", "runs a command as a unit of the user's own service manager", inv.argv[:1])
        if inv.args[k:]:
            inv.run(inv.args[k:], "systemd-run --user")
        return
    inv.find(
        R, "privilege.namespace", f"{inv.name} runs a command in other namespaces, cgroups or as a service", inv.argv
    )
    # what follows the options is a command: judged as one, options unknown or not
    rest = [w for w in inv.args if not w.value.startswith("-")]
    if rest and inv.name in ("unshare", "nsenter", "setpriv", "capsh", "systemd-run"):
        inv.run(rest, inv.name, root=True)


@program("xargs")
def _xargs(inv: Invocation) -> None:
    spec = Spec(
        "0a:d:E:e?I:i?L:l?n:oP:prs:tx",
        (
            "null",
            "arg-file=",
            "delimiter=",
            "eof?",
            "replace?",
            "max-lines?",
            "max-args=",
            "open-tty",
            "max-procs=",
            "interactive",
            "process-slot-var=",
            "no-run-if-empty",
            "max-chars=",
            "show-limits",
            "verbose",
            "exit",
            "help",
            "version",
        ),
        True,
    )
    p = parse(inv.args, spec)
    if p.unknown:
        inv.find(R, "xargs.option", "an option xargs's table does not know", p.unknown)
    inv.narrow()
    source = inv.ctx.stdin
    for f in p.values("-a", "--arg-file"):
        inv.read(f, "xargs.arg-file")
        source = Output("unknown")
    rest = p.rest or [Word.literal("echo")]
    inv.find(A, "xargs.wrapper", "runs a command with arguments read from standard input", inv.argv[:1])
    replace = p.value("-I", "-i", "--replace")
    if replace is not None or p.has("-i", "--replace"):
        token = replace.value if replace is not None and replace.value else "{}"
        placeholder = _placeholder(source)
        rest = [Word(w.raw, w.value.replace(token, placeholder.value)) if token in w.value else w for w in rest]
        inv.run(rest, "xargs", extra_args=False, appended=source)
        return
    inv.run(rest, "xargs", extra_args=True, appended=source)


def _placeholder(source: Output | None) -> Word:
    """The word an ``xargs -I{}`` placeholder stands for: a file from what feeds it, when that is known."""
    if source is not None and source.kind == "paths" and source.target is not None and source.target.path:
        return Word(source.target.shown, source.target.path.rstrip("/") + "/" + "x", glob=False)
    return Word("{}", UNKNOWN)


@program("parallel", "sem")
def _parallel(inv: Invocation) -> None:
    inv.narrow()
    args = list(inv.args)
    sep = next((i for i, w in enumerate(args) if w.value in (":::", "::::", ":::+", "::::+")), len(args))
    # parallel's own options come first (values after -j, -S, --jobs ...); the command starts at the first other word
    takes = {"-j", "--jobs", "-S", "--sshlogin", "-a", "--arg-file", "-d", "--delimiter", "-I", "--colsep", "-N", "-L",
             "--max-args", "--results", "--joblog", "--tmpdir", "--timeout", "--retries", "--delay", "-E"}  # fmt: skip
    k = 0
    while k < sep and args[k].value.startswith("-"):
        k += 2 if args[k].value in takes else 1
    words = list(args[k:sep])
    inv.find(A, "parallel.wrapper", "runs a command for each input", inv.argv[:1])
    if not words:
        inputs = [w for w in args[sep + 1 :] if w.value not in (":::", "::::", ":::+", "::::+")]
        if sep < len(args) and args[sep].value == ":::" and inputs:
            # with no command, each input after ::: is a command line
            for w in inputs:
                inv.run_script(w.text, "parallel :::", "a command line parallel runs", words=[w])
            return
        inv.stdin_code("commands read from standard input")
        return
    # GNU parallel joins the command and runs it with the shell; its inputs are appended or put at {}
    text = " ".join(w.value for w in words) if all(w.known for w in words) else None
    if text is not None and "{}" not in text:
        text += " {}"
    inv.run_script(text.replace("{}", "__input__") if text else None, "parallel", "the command parallel runs")


@program("watch")
def _watch(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "bCcdeghn:pq:tvwx",
            (
                "beep",
                "color",
                "no-color",
                "differences?",
                "errexit",
                "chgexit",
                "equexit=",
                "interval=",
                "precise",
                "no-title",
                "no-wrap",
                "exec",
                "help",
                "version",
                "no-linewrap",
            ),
            True,
        ),
    )
    inv.narrow()
    inv.find(A, "watch.wrapper", "runs a command again and again", inv.argv[:1])
    if not p.rest:
        return
    if p.has("-x", "--exec"):
        inv.run(p.rest, "watch")
    else:
        text = " ".join(w.value for w in p.rest) if all(w.known for w in p.rest) else None
        inv.run_script(text, "watch", "the command watch runs")


@program("flock")
def _flock(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "sxunw:oEc:F",
            (
                "shared",
                "exclusive",
                "unlock",
                "nonblock",
                "timeout=",
                "close",
                "conflict-exit-code=",
                "command=",
                "no-fork",
                "verbose",
                "help",
            ),
            True,
        ),
    )
    inv.narrow()
    inv.find(A, "flock.wrapper", "runs a command holding a lock", inv.argv[:1])
    if p.rest:
        inv.create(p.rest[0], "flock.lockfile")
    cmd = p.value("-c", "--command")
    if cmd is not None:
        inv.run_script(cmd.text, "flock -c")
    elif p.rest[1:]:
        inv.run(p.rest[1:], "flock")


@program("script")
def _script(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "ac:eEfqB:I:O:T:tm:",
            (
                "append",
                "command=",
                "return",
                "echo=",
                "flush",
                "force",
                "quiet",
                "log-io=",
                "log-in=",
                "log-out=",
                "log-timing=",
                "timing?",
                "logging-format=",
                "output-limit=",
                "help",
            ),
        ),
    )
    inv.narrow()
    for f in p.operands[:1] + p.values("-B", "-I", "-O", "-T", "--log-io", "--log-in", "--log-out", "--log-timing"):
        inv.write(f, "script.log")
    if not p.operands and not p.values("-B", "-I", "-O"):
        inv.write(Word.literal("typescript"), "script.log")
    cmd = p.value("-c", "--command")
    if cmd is not None:
        inv.run_script(cmd.text, "script -c")
    else:
        inv.find(R, "script.interactive", "starts an interactive shell; what is typed into it is never checked",
                 inv.argv)  # fmt: skip


@program("exec", builtin=True)
def _exec(inv: Invocation) -> None:
    p = parse(inv.args, Spec("cla:", ()))
    inv.narrow()
    if not p.operands:
        inv.find(A, "exec.redirect", "exec with no command changes the shell's own file descriptors")
        return
    inv.find(A, "exec.wrapper", "replaces the shell with a command", inv.argv[:1])
    inv.run(p.operands, "exec")


@program("command", builtin=True)
def _command(inv: Invocation) -> None:
    p = parse(inv.args, Spec("pvV", (), True))
    inv.narrow()
    if p.has("-v", "-V"):
        inv.find(A, "command.lookup", "only says where a program is", inv.argv)
        inv.output = Output("local")
        return
    if p.rest:
        inv.find(A, "command.wrapper", "runs a program, bypassing shell functions", inv.argv[:1])
        inv.run(p.rest, "command")


@program("builtin", builtin=True)
def _builtin(inv: Invocation) -> None:
    inv.narrow()
    if inv.args:
        inv.find(A, "builtin.wrapper", "runs a shell builtin", inv.argv[:1])
        inv.run(inv.args, "builtin")


@program("strace", "ltrace", "valgrind", "perf", "heaptrack", "uftrace", "rr", "trace-cmd")
def _tracers(inv: Invocation) -> None:
    args = inv.args
    if any(w.value in ("-p", "--pid", "--attach") or w.value.startswith(("-p", "--pid=", "--attach=")) for w in args):
        inv.narrow()
        inv.find(
            R, "trace.attach", f"{inv.name} attaches to a running process and can read or change its memory", inv.argv
        )
        return
    if inv.name == "perf":
        sub = next((w.value for w in args if not w.value.startswith("-")), "")
        inv.key(f"perf {sub}" if sub else "perf")
        if sub in ("report", "annotate", "script", "diff", "list", "evlist", "buildid-list", "version", "help"):
            # reading a recorded profile (perf.data by default, -i FILE) or perf's own lists
            inv.narrow()
            rest = args[[w.value for w in args].index(sub) + 1 :]
            inputs = [rest[j + 1] for j in range(len(rest) - 1) if rest[j].value in ("-i", "--input")]
            for f in inputs:
                inv.read(f, "perf.input")
            inv.find(A, f"perf.{sub}", "reads a recorded profile or prints perf's lists", inv.argv[:2])
            return
        if sub not in ("record", "stat", "trace", "mem", "c2c", "sched", "kmem", "lock", "kvm"):
            return
        args = args[[w.value for w in args].index(sub) + 1 :]
        if any(w.value in ("-a", "--all-cpus") for w in args):
            inv.narrow()
            inv.find(R, "perf.system-wide", "observes every process on the machine, not only the one it runs",
                     inv.argv)  # fmt: skip
            return
    # the program to trace is the first operand after the tracer's own options, whose values are skipped
    takes = _TRACER_VALUES.get(inv.name, _TRACER_VALUES["perf"])
    i = 0
    while i < len(args) and args[i].value.startswith("-"):
        if args[i].value == "--":
            i += 1
            break
        if args[i].value in takes:
            i += 1
        i += 1
    inv.narrow()
    inv.find(C, "trace.run", f"{inv.name} runs a program under observation", inv.argv[:1])
    outs = [args[j + 1] for j in range(min(i, len(args)) - 1) if args[j].value in ("-o", "--output", "--log-file")]
    for o in outs:
        inv.write(o, f"{inv.name}.output")
    if args[i:]:
        inv.run(args[i:], inv.name)


_TRACER_VALUES = {
    "strace": {"-o", "-e", "-E", "-s", "-a", "-P", "-u", "-b", "-I", "-X", "-O", "-S", "-U", "--output", "--trace",
               "--signal", "--status", "--string-limit", "--user", "--env"},
    "ltrace": {"-o", "-e", "-E", "-s", "-a", "-u", "-n", "-l", "-L", "-F", "-x", "-A", "-D", "--output", "--library"},
    "valgrind": {"--log-file", "--tool", "--suppressions", "--xml-file", "--log-fd"},
    "perf": {"-o", "-e", "-F", "-c", "--output", "--event", "-C", "-G", "-u", "--call-graph"},  # -g, -a: flags
    "heaptrack": {"-o", "--output"}, "uftrace": {"-d", "-F", "-N", "-T"}, "rr": set(), "trace-cmd": {"-o", "-e", "-p"},
}  # fmt: skip


@program("at", "batch")
def _at(inv: Invocation) -> None:
    inv.narrow()
    p = parse(inv.args, Spec("q:f:mMvlcdrtKb", ()))
    if p.has("-l", "-c") or inv.name == "atq":
        inv.find(A, "at.list", "lists scheduled jobs", inv.argv)
        return
    if p.has("-d", "-r"):
        inv.find(R, "at.remove", "removes scheduled jobs", inv.argv)
        return
    inv.find(R, "at.schedule", "schedules commands to run later, unattended", inv.argv)
    src = inv.ctx.stdin
    if src is not None and src.kind == "text" and src.text:
        inv.run_script(src.text, "at job", "the scheduled commands")
    for f in p.values("-f"):
        inv.read(f, "at.file")


@program("tmux", "screen", "byobu")
def _multiplexers(inv: Invocation) -> None:
    args = [w.value for w in inv.args]
    inv.narrow()
    if not args or args[0] in (
        "ls",
        "list-sessions",
        "list-windows",
        "list-panes",
        "-ls",
        "-list",
        "capture-pane",
        "display-message",
        "has-session",
        "show-options",
        "-V",
    ):
        inv.find(A, f"{inv.name}.read", f"lists or shows {inv.name} sessions", inv.argv)
        return
    if "-X" in args and inv.name == "screen":
        k = args.index("-X")
        what = args[k + 1] if k + 1 < len(args) else ""
        if what in ("title", "hardcopy", "info", "windows", "select", "detach", "sessionname", "number", "width"):
            inv.find(C, "screen.command", f"sends the harmless command '{what}' to a screen session", inv.argv)
            return
    if "send-keys" in args and args[-1:] and args[-1] in ("Enter", "C-m", "KPEnter"):
        # keys typed into another pane, ending with Enter: a command line, visible on this line
        k = args.index("send-keys") + 1
        keys: list[str] = []
        while k < len(args) - 1:
            if args[k] in ("-t", "-N", "-T"):
                k += 2
                continue
            if not args[k].startswith("-"):
                keys.append(inv.args[k].value if inv.args[k].known else "\x00")
            k += 1
        text = " ".join(keys) if "\x00" not in "".join(keys) else None
        inv.find(C, "tmux.send", "types a command into another terminal pane (judged as its own part)", inv.argv)
        inv.run_script(text, "tmux send-keys", "the command typed into the pane")
        return
    if "send-keys" in args or "send" in args or "-X" in args:
        inv.find(
            R, f"{inv.name}.send", "types commands into another terminal session, which the check cannot see", inv.argv
        )
        return
    for k, v in enumerate(args[:-1]):
        if v in ("-Logfile", "--logfile"):
            inv.write(inv.args[k + 1], f"{inv.name}.log")
    if "-L" in args and inv.name == "screen" and "-Logfile" not in args:
        inv.write(Word.literal("screenlog.0"), "screen.log")
    if "kill-server" in args or "kill-session" in args:
        inv.find(R, f"{inv.name}.kill", "ends terminal sessions and what runs in them", inv.argv)
        return
    # new-session / new-window / split-window / screen -dm take a command as their last words, after the
    # options and their values
    takes = {"-t", "-n", "-s", "-c", "-e", "-F", "-x", "-y", "-l", "-p", "-S", "-T", "-f", "-L", "-h", "-w"}
    if inv.name == "screen":
        takes = {"-S", "-p", "-c", "-e", "-h", "-Logfile", "-s", "-T", "-t", "-X"}
    words = list(inv.args[1:] if inv.name != "screen" else inv.args)
    cmd: list[Word] = []
    k = 0
    while k < len(words):
        v = words[k].value
        # "-dmS build": flags run together, the last one taking the next word
        if v in takes or (inv.name == "screen" and v.startswith("-") and len(v) > 2 and f"-{v[-1]}" in takes):
            k += 2
            continue
        if v.startswith("-"):
            k += 1
            continue
        cmd = words[k:]
        break
    inv.find(C, f"{inv.name}.session", f"starts a {inv.name} session", inv.argv[:2])
    if cmd:
        text = " ".join(w.value for w in cmd) if all(w.known for w in cmd) else None
        inv.run_script(text, inv.name, f"the command {inv.name} runs")


@program("ssh", "autossh", "mosh", "dbclient")
def _ssh(inv: Invocation) -> None:
    spec = Spec("46AaCfGgKkMNnqsTtVvXxYyB:b:c:D:E:e:F:I:i:J:L:l:m:O:o:p:Q:R:S:W:w:", ("help",))
    p = parse(inv.args, Spec(spec.short, spec.long, True))
    inv.narrow()
    if p.has("-V") or p.has("-G") or p.has("-Q"):
        inv.find(A, "ssh.query", "only prints ssh's version or configuration", inv.argv)
        return
    host = p.rest[0] if p.rest else None
    for o in p.values("-o"):
        key = o.value.split("=", 1)[0].split(None, 1)[0].lower() if o.known else ""
        if not o.known or key in (
            "proxycommand",
            "localcommand",
            "permitlocalcommand",
            "knownhostscommand",
            "remotecommand",
            "match",
        ):
            value = (
                o.value.split("=", 1)[1]
                if o.known and "=" in o.value
                else (o.value.split(None, 1)[1] if o.known and " " in o.value else None)
            )
            inv.run_script(value, "ssh -o", f"the local command in {key or 'an option'}", words=[o])
    for f in p.values("-F", "-i", "-E", "-S"):
        if f.value != "none":
            inv.list(f, "ssh.file")  # the key is used to log in, not printed
    if p.has("-R") or p.has("-D") or p.has("-L") or p.has("-W") or p.has("-w"):
        inv.find(R, "ssh.tunnel", "opens tunnels between this machine and another", inv.argv)
    if host is None:
        inv.find(C, "ssh.nohost", "ssh with no host", inv.argv)
        return
    remote = p.rest[1:]
    if remote:
        text = " ".join(w.value for w in remote) if all(w.known for w in remote) else None
        inv.find(R, "ssh.remote-command", f"runs commands on another machine ({host.shown()})", [host, *remote])
        inv.run_script(text, f"ssh {host.shown()}", "the remote command")
        src = inv.ctx.stdin
        if src is not None and src.kind in ("local", "secret", "paths", "file"):
            inv.send(host.value, "ssh.stdin", "sends local data to another machine")
    elif p.has("-T") and re.match(r"^([a-z0-9_.-]+@)?(github\.com|gitlab\.com|bitbucket\.org|ssh\.dev\.azure\.com)$",
                                  host.value or ""):  # fmt: skip
        inv.receive(host.value, "ssh.auth-check", "checks that the code host accepts the key (no shell, no command)")
    elif p.has("-N") or p.has("-f"):
        inv.find(R, "ssh.connect", f"connects to another machine ({host.shown()})", [host])
    else:
        inv.find(R, "ssh.login", f"opens a shell on another machine ({host.shown()})", [host])
    inv.output = Output("network")


@program("docker", "podman", "nerdctl")
def _docker_dispatch(inv: Invocation) -> None:
    containers.docker(inv)


@program("kubectl", "oc", "k3s", "microk8s.kubectl")
def _kubectl_dispatch(inv: Invocation) -> None:
    containers.kubectl(inv)


def root_floor(inv: Invocation) -> None:
    if inv.ctx.root:
        inv.find(R, "privilege.root", "runs as root", inv.argv[:1])


__all__ = ["X", "carry", "root_floor"]

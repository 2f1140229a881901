"""From simple commands to judged parts: which program each runs, what its arguments do, and what runs inside.

This is the engine; the knowledge lives in ``tcphw.host.gate.programs`` (one module per family of programs,
each a table of handlers) and in ``tcphw.host.gate.effects`` (how much a read, a write or a delete weighs in
each zone). The engine resolves the program a command runs, applies the line-level rules every command gets
(assignments that change what runs, redirections, data that flows through pipes), and calls the program's
handler, which reports findings and the commands it runs in turn (``sudo X``, ``find -exec X``, ``sh -c X``).
Those are judged as parts of their own, so the strictest of them decides.
"""

from __future__ import annotations

import builtins
import importlib
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from tcphw.contract import Decision
from tcphw.host.gate import effects
from tcphw.host.gate.model import A, C, Part, R, X
from tcphw.host.gate.paths import Place, Target, Zone, classify
from tcphw.host.gate.shell import (
    UNKNOWN,
    Command,
    ShellSyntaxError,
    State,
    Stdin,
    Unreadable,
    Walker,
    Word,
    bash_parser,
    normalise,
    parse,
    refuse_errors,
)

#: Directories whose programs are the system's own: a program run from one of them is the registered tool of
#: its name. Anything else run by a path is not.
SYSTEM_DIRS = frozenset(
    {
        "/bin",
        "/sbin",
        "/usr/bin",
        "/usr/sbin",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/usr/games",
        "/usr/lib/git-core",
        "/snap/bin",
    }
)
MAX_PARTS = 400  # a line that expands into more parts than this is judged as unreadable


@dataclass
class Output:
    """What a command writes to standard output, as far as a consumer downstream needs to know."""

    kind: str  # "text" (known text), "network" (fetched), "paths" (file names under a target), "secret", "local",
    # "unknown"
    text: str | None = None
    target: Target | None = None
    part: Part | None = None  # the part that wrote it: a filter downstream may contain what it read


@dataclass
class Context:
    """Everything a handler may ask about the command it judges."""

    place: Place
    env: dict[str, str | None]
    stdin: Output | None  # what the command reads on standard input, when it is fed by the line
    root: bool = False  # runs with root's privileges (under sudo and the like)
    via: tuple[str, ...] = ()
    depth: int = 0
    extra_args: bool = False  # a wrapper (xargs, parallel) appends arguments the line does not show
    appended: Output | None = None  # what those appended arguments are
    empty_env: bool = False  # started with an empty environment (env -i): printing it shows no secret
    execd: bool = False  # started by a program, not by the shell: a builtin's name is a program's there


# What these run stays in the shell (a builtin is a builtin there); every other program execs what it runs.
IN_THE_SHELL = frozenset({"command", "builtin", "time", "coproc"})

Handler = Callable[["Invocation"], None]
_HANDLERS: dict[str, Handler] = {}
_BUILTINS: dict[str, Handler] = {}


def program(*names: str, builtin: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler for programs (or shell builtins) by name."""

    def decorate(fn: Handler) -> Handler:
        table = _BUILTINS if builtin else _HANDLERS
        for n in names:
            if n in table:
                raise ValueError(f"gate: a handler for {n!r} is registered twice")
            table[n] = fn
        return fn

    return decorate


def handled_programs() -> list[str]:
    _load()
    return sorted(_HANDLERS)


def builtin_names() -> list[str]:
    _load()
    return sorted(_BUILTINS)


def handler_for(name: str) -> Handler | None:
    _load()
    return _HANDLERS.get(name) or _HANDLERS.get(_versionless(name))


def _versionless(name: str) -> str:
    """python3.11 -> python3, pip3.11 -> pip3, gcc-12 -> gcc: one handler for every version."""
    return re.sub(r"(?<=[a-z])-?\d+(\.\d+)*$", "", name) or name


CodeJudge = Callable[["Invocation", "str | None", str, str, "Iterable[Word] | None"], None]
_CODE_JUDGE: list[CodeJudge] = []  # the one judge of code in other languages (programs/code.py files it)


def judges_code(fn: CodeJudge) -> CodeJudge:
    """Register the judge of code in a language other than sh (Python, Perl, ...): ``run_script`` hands it such
    code, as the program handlers hand it theirs."""
    if _CODE_JUDGE:
        raise ValueError("gate: a judge of code is registered twice")
    _CODE_JUDGE.append(fn)
    return fn


_loaded = False


def _load() -> None:
    """Import the handlers' package once: each module files its handlers with ``program`` (and code's judge with
    ``judges_code``). They import this module for that, so it names them only here, by name, when first judging:
    the registry sits below its handlers, as the boards' and the backends' registries do."""
    global _loaded
    if not _loaded:
        _loaded = True
        importlib.import_module(f"{__package__}.programs")


class Invocation:
    """One program being judged: its words, its context, and the part its findings go into."""

    def __init__(self, engine: Engine, part: Part, argv: list[Word], ctx: Context, command: Command) -> None:
        self.engine = engine
        self.part = part
        self.argv = argv
        self.ctx = ctx
        self.command = command
        self.name = part.program or ""
        self.output = Output("local")  # what its standard output is, for the next command of a pipeline

    # -- arguments --------------------------------------------------------------------------------

    @property
    def args(self) -> list[Word]:
        return self.argv[1:]

    def shown(self, words: Iterable[Word] | None = None) -> str:
        return " ".join(w.shown() for w in (self.argv if words is None else words))

    # -- findings -------------------------------------------------------------------------------

    def find(self, level: Decision, rule: str, reason: str, words: Iterable[Word] | str | None = None) -> None:
        text = words if isinstance(words, str) else (self.shown(words) if words is not None else "")
        self.part.add(level, rule, reason, text)

    def key(self, key: str) -> None:
        """The registry entry this invocation's descriptor comes from ("git push")."""
        self.part.key = key

    def narrow(self) -> None:
        """Every argument was read by the table: the findings decide, not the tool's worst case."""
        self.part.narrowed = True

    # -- effects on paths -----------------------------------------------------------------------

    def target(self, word: Word) -> Target:
        return classify(word, self.ctx.place)

    def effect(self, kind: str, word: Word, rule: str, **extra: Any) -> Target:
        t = self.target(word)
        level, reason = effects.judge(kind, t, root=self.ctx.root, **extra)
        self.find(level, rule, reason, [word])
        return t

    def read(self, word: Word, rule: str | None = None) -> Target:
        t = self.target(word)
        level, reason = effects.judge("read", t, root=self.ctx.root)
        if t.zone == Zone.SECRET and self.discards_output:
            level, reason = A, f"reads a secret but sends what it prints nowhere: {t.shown}"
        self.find(level, rule or f"{self.name}.read", reason, [word])
        if t.zone in (Zone.SECRET, Zone.DEVICE, Zone.UNKNOWN) and level == R:
            self.part.secret_reads.append(len(self.part.findings) - 1)
        return t

    @property
    def discards_output(self) -> bool:
        """Standard output goes to /dev/null (and nowhere else): what the program prints reaches nobody."""
        if self.command.piped_out:
            return False
        for r in self.command.redirects:
            if r.op in (">", ">|", "&>", ">>", "&>>") and r.fd in (None, 1) and r.target is not None:
                return r.target.value == "/dev/null"
        return False

    def contain(self, what: str) -> None:
        """This program prints only a summary of what it reads (a count, a digest, names without values): the
        secret an upstream command read does not reach the output."""
        src = self.ctx.stdin
        if src is None or src.part is None or not src.part.secret_reads:
            return
        part = src.part
        for i in part.secret_reads:
            f = part.findings[i]
            part.findings[i] = type(f)(A, f.rule, f"{f.reason}, but only {what} reaches the output ({self.name})",
                                       f.words)  # fmt: skip
        part.secret_reads = []

    # this method shadows the builtin in the class body, so the signatures below spell builtins.list
    def list(self, word: Word, rule: str | None = None) -> Target:
        return self.effect("list", word, rule or f"{self.name}.list")

    def write(self, word: Word, rule: str | None = None) -> Target:
        return self.effect("write", word, rule or f"{self.name}.write")

    def downloaded(self, word: Word) -> None:
        """This command fills the file ``word`` from the network: a later command of the line that runs it runs
        what was just downloaded (``curl -o get.sh URL; sh get.sh``)."""
        t = self.target(word)
        if t.path is not None:
            self.engine.made[t.path] = None

    def runs_made(self, word: Word, what: str, lang: str = "sh") -> bool:
        """``word`` names a file an earlier command of the line wrote or downloaded: judge what it holds, and say
        so. False when the line did not make it."""
        t = self.target(word)
        if t.path is None or t.path not in self.engine.made:
            return False
        text = self.engine.made[t.path]
        if text is None:
            self.find(R, "runs.downloaded", f"runs {what} that the line just downloaded: {t.shown}", [word])
            return True
        self.find(A, "runs.written", f"runs {what} whose text the line wrote (judged as its own parts): {t.shown}",
                  [word])  # fmt: skip
        self.run_script(text, f"{self.name} {t.shown}", what, lang, words=[word])
        return True

    def create(self, word: Word, rule: str | None = None) -> Target:
        return self.effect("create", word, rule or f"{self.name}.create")

    def delete(self, word: Word, rule: str | None = None, recursive: bool = False) -> Target:
        return self.effect("delete", word, rule or f"{self.name}.delete", recursive=recursive)

    def perms(self, word: Word, rule: str | None = None, recursive: bool = False, loosen: bool = False) -> Target:
        return self.effect("perms", word, rule or f"{self.name}.perms", recursive=recursive, loosen=loosen)

    def appended(self, kind: str, rule: str, recursive: bool = False) -> None:
        """Arguments a wrapper appends (``xargs rm``): judged as paths from what feeds the wrapper."""
        if not self.ctx.extra_args:
            return
        source = self.ctx.appended
        if source is not None and source.kind == "paths" and source.target is not None:
            t = source.target
            level, reason = effects.judge(kind, t, root=self.ctx.root, recursive=recursive)
            self.find(level, rule, reason + " (the files fed to it)", t.shown)
        elif source is not None and source.kind == "text" and source.text is not None:
            for w in source.text.split():
                self.effect(kind, Word.literal(w), rule, recursive=recursive) if kind != "read" else self.read(
                    Word.literal(w), rule
                )
        else:
            t = Target(Zone.UNKNOWN, None, "(arguments read from standard input)")
            level, reason = effects.judge(kind, t, root=self.ctx.root, recursive=recursive)
            self.find(level, rule, reason, "(arguments read from standard input)")

    # -- what it runs ---------------------------------------------------------------------------

    def run(
        self,
        argv: builtins.list[Word],
        via: str,
        root: bool | None = None,
        stdin: Output | None = None,
        extra_args: bool = False,
        appended: Output | None = None,
        empty_env: bool | None = None,
    ) -> builtins.list[Part]:
        """A command this program runs, given as words (``sudo rm x``, ``find -exec rm {}``)."""
        if not argv:
            return []
        # A command a program starts (sudo, timeout, env, xargs, find -exec ...) is exec'd: a shell builtin's
        # name there is looked up as a program, since no shell runs it. command, builtin, time and coproc run it
        # in the shell, where builtins are builtins, unless they were exec'd themselves (timeout 5 time cd: the
        # time program, which execs cd).
        execd = via not in IN_THE_SHELL or self.ctx.execd
        ctx = Context(
            self.ctx.place,
            self.ctx.env,
            self.ctx.stdin if stdin is None else stdin,
            self.ctx.root if root is None else root,
            (*self.ctx.via, via),
            self.ctx.depth + 1,
            # words a wrapper's own starter appends (xargs timeout 5 rm: xargs adds to rm's words) reach what the
            # wrapper runs: kept unless the wrapper says more
            extra_args or self.ctx.extra_args,
            appended if appended is not None else self.ctx.appended,
            self.ctx.empty_env if empty_env is None else empty_env,
            execd,
        )
        return self.engine.argv(argv, ctx, self.command, exec_=execd)

    def run_script(
        self,
        text: str | None,
        via: str,
        what: str = "a shell script",
        lang: str = "sh",
        root: bool | None = None,
        words: Iterable[Word] | None = None,
        positional: builtins.list[Word] | None = None,
        dialect: str = "bash",
    ) -> builtins.list[Part]:
        """A script this program runs, given as text (``sh -c``, ``eval``, ``ssh host CMD``); None if unknown.
        ``positional`` are the arguments the script sees as $1, $2 ... and "$@"."""
        if text is None:
            self.find(
                R, "runs.unseen", f"runs {what} the check cannot see (built at run time or read from elsewhere)", words
            )
            return []
        if lang != "sh":
            _load()
            _CODE_JUDGE[0](self, text, lang, via, words)
            return []
        self.find(A, "runs.visible", f"runs {what}, which is on the line and judged as its own part", words)
        env = dict(self.ctx.env)
        if positional is not None:
            for i, w in enumerate(positional[:9], 1):
                env[str(i)] = w.value if w.known else None
            # "$@" is several words, but a value here is one: it is known only when every argument is the same
            values = {w.value for w in positional}
            one = len(values) == 1 and all(w.known for w in positional)
            env["@"] = env["*"] = next(iter(values)) if one else None
        ctx = Context(
            self.ctx.place,
            env,
            self.ctx.stdin,
            self.ctx.root if root is None else root,
            (*self.ctx.via, via),
            self.ctx.depth + 1,
            empty_env=self.ctx.empty_env,
        )
        return self.engine.script(text, ctx, self, dialect)

    def stdin_code(self, what: str, lang: str = "sh", interactive: Decision = R) -> None:
        """This program reads the code it runs from standard input: judge what feeds it. With nothing fed, it is an
        interactive prompt: whatever is typed into it later never reaches the gate."""
        src = self.ctx.stdin
        if src is None:
            self.find(interactive, f"{self.name}.interactive", f"opens an interactive prompt for {what}; what is "
                      "typed into it is never checked", self.argv[:1])  # fmt: skip
            return
        if src.kind == "text":
            self.find(A, f"{self.name}.stdin", f"runs {what} given on the line, judged as its own parts", self.argv[:1])
            self.run_script(src.text, f"{self.name} < text", what, lang)
        elif src.kind == "decoded":
            self.find(R, "runs.decoded", f"runs {what} that the line decodes at run time", self.argv[:1])
            if src.text is not None:
                self.run_script(src.text, f"{self.name} < decoded", what, lang)
        elif src.kind == "file" and src.target is not None:
            level, reason = effects.judge("exec", src.target, root=self.ctx.root)
            self.find(level, "runs.file", f"{reason} (fed on standard input)", src.target.shown)
        elif src.kind == "network":
            self.find(R, "runs.downloaded", f"runs what was just downloaded as {what}", self.argv[:1])
        else:
            self.find(
                R, "runs.unseen", f"runs {what} read from standard input, which the check cannot see", self.argv[:1]
            )

    # -- network ----------------------------------------------------------------------------------

    def receive(self, host: str | None, rule: str, what: str = "fetches from the network") -> None:
        level = C
        self.find(level, rule, f"{what} ({_host_shown(host)})", host or "")

    def send(self, host: str | None, rule: str, what: str = "sends local data to the network") -> None:
        if host is not None and is_loopback(host):
            self.find(C, rule, f"{what}, to this machine only ({host})", host)
        else:
            self.find(R, rule, f"{what} ({_host_shown(host)})", host or "")


def _host_shown(host: str | None) -> str:
    return host if host else "a host the check cannot know"


_LOOPBACK = re.compile(r"^(localhost|127(\.\d+){0,3}|\[?::1\]?|0\.0\.0\.0|host\.docker\.internal)(:\d+)?$", re.I)


def is_loopback(host: str) -> bool:
    h = re.sub(r"^[a-z][a-z0-9+.-]*://", "", host, flags=re.I)
    h = h.split("/", 1)[0].rsplit("@", 1)[-1]
    return bool(_LOOPBACK.match(h))


# Names a program in the workspace must not borrow: running ./ls is not running ls.
_SHADOWED = frozenset({"ls", "cat", "rm", "cp", "mv", "sh", "bash", "sudo", "su", "env", "git", "curl", "wget",
                       "python", "python3", "node", "make", "find", "grep", "sed", "awk", "tar", "chmod", "chown",
                       "ssh", "scp", "echo", "printf", "kill", "ps", "id", "whoami", "mkdir", "touch", "ln",
                       "dd"})  # fmt: skip


class Engine:
    """Judges the simple commands of a line. ``known(name)`` says whether the registry or the gate's table has a
    program; ``scanned(name)`` whether this machine's scan found it; ``names(pattern)`` lists scanned names."""

    def __init__(
        self,
        known: Callable[[str], bool],
        scanned: Callable[[str], bool] | None = None,
        names: Callable[[str], list[str]] | None = None,
    ) -> None:
        _load()
        self.known = known
        self.scanned = scanned or (lambda name: False)
        self.names = names or (lambda pattern: [])
        self.parts: list[Part] = []
        self.outputs: dict[int, Output] = {}
        # Files an earlier command of the line filled: path -> the text it wrote, or None for a download. A later
        # command that runs one runs what the line just wrote or fetched, not the project's code.
        self.made: dict[str, str | None] = {}

    # -- entry points ---------------------------------------------------------------------------

    def line(self, line: str, place: Place, env: dict[str, str] | None = None) -> list[Part]:
        self.parts = []
        self.outputs = {}
        self.made = {}
        commands = parse(line, env=env, cwd=place.cwd, home=place.home)
        base_env: dict[str, str | None] = {"HOME": place.home, "PWD": place.cwd, **(env or {})}
        for cmd in commands:
            for cwd, via in _places(cmd, cmd.via):
                self.command(cmd, Context(_place_at(place, cwd), cmd.env or base_env, self._stdin(cmd), via=via))
        return self.parts

    def script(self, text: str, ctx: Context, parent: Invocation, dialect: str = "bash") -> list[Part]:
        """A nested script: parsed and judged like the line, its parts added to the line's."""
        if ctx.depth > 8:
            parent.find(R, "runs.too-deep", "nests scripts too deeply to follow")
            return []
        start = len(self.parts)
        try:
            source = normalise(text).encode("utf-8", "surrogateescape")
            tree = bash_parser().parse(source)
            refuse_errors(tree.root_node, source)
            state = State(dict(ctx.env), ctx.place.cwd, ctx.place.home, via=ctx.via, depth=ctx.depth)
            walker = Walker(source)
            commands = list(walker.statements(tree.root_node.children, state))
            commands.extend(walker.uncalled())
        except ShellSyntaxError as e:
            if dialect != "bash":
                # zsh, fish and csh accept what bash refuses: the script is valid there, but unreadable here
                parent.find(R, "runs.foreign-shell", f"runs a {dialect} script the check cannot read as bash", text)
            else:
                parent.find(X, "runs.refused", f"runs a script bash would refuse: {e}")
            return []
        except Unreadable as e:
            parent.find(R, "runs.unreadable", str(e))
            return []
        for cmd in commands:
            stdin = self._stdin(cmd) if cmd.stdin.kind != "tty" else ctx.stdin
            for cwd, via in _places(cmd, cmd.via or ctx.via):
                self.command(cmd, Context(_place_at(ctx.place, cwd), cmd.env, stdin, ctx.root, via, ctx.depth,
                                          empty_env=ctx.empty_env))  # fmt: skip
        return self.parts[start:]

    def argv(self, argv: list[Word], ctx: Context, command: Command, exec_: bool = False) -> list[Part]:
        start = len(self.parts)
        self.invoke(argv, ctx, command, [], exec_)
        return self.parts[start:]

    # -- one simple command ---------------------------------------------------------------------

    def _stdin(self, cmd: Command) -> Output | None:
        s: Stdin = cmd.stdin
        if s.kind == "pipe":
            return self.outputs.get(id(s.source), Output("unknown")) if s.source is not None else Output("unknown")
        if s.kind == "text":
            return Output("text", s.text) if s.text is not None else Output("unknown")
        if s.kind == "file" and s.file is not None:
            return Output("text", "") if s.file.value == "/dev/null" else Output("local")
        return None

    def command(self, cmd: Command, ctx: Context) -> None:
        if len(self.parts) > MAX_PARTS:
            raise Unreadable(f"the line runs more than {MAX_PARTS} commands")
        if cmd.kind == "recursion":
            part = Part([w.shown() for w in cmd.words], None, via=ctx.via)
            part.add(
                X,
                "shell.fork-bomb",
                "a function that calls itself from its own body never stops (a fork bomb)",
                cmd.raw,
            )
            part.narrowed = True
            self.parts.append(part)
            return
        if cmd.kind in ("definition", "test", "call"):
            part = Part([w.shown() for w in cmd.words], None, via=ctx.via)
            part.add(
                A,
                f"shell.{cmd.kind}",
                {
                    "definition": "defines a function (its body is judged where it is written)",
                    "test": "a test: runs nothing but what it substitutes",
                    "call": "calls a function defined on the line (its body is judged where it is written)",
                }[cmd.kind],
            )
            part.narrowed = True
            self.parts.append(part)
            self._redirects(cmd, part, ctx)
            return
        pre: list[tuple[str, Word]] = list(cmd.assignments)
        if not cmd.words:
            part = Part([f"{n}={w.shown()}" for n, w in pre] or [r.raw for r in cmd.redirects], None, via=ctx.via)
            part.narrowed = True
            part.add(A, "shell.assignment", "sets shell variables" if pre else "a redirection alone")
            self.parts.append(part)
            judge_assignments(part, pre, ctx, self, cmd, exported=False)
            self._redirects(cmd, part, ctx)
            return
        self.invoke(cmd.words, ctx, cmd, pre)

    def invoke(
        self, words: list[Word], ctx: Context, cmd: Command, pre: list[tuple[str, Word]], exec_: bool = False
    ) -> None:
        argv = list(words)
        part = Part([w.shown() for w in argv], None, via=ctx.via)
        self.parts.append(part)
        if pre:
            judge_assignments(part, pre, ctx, self, cmd, exported=True)
        own_redirects = ctx.via == cmd.via
        try:
            self._invoke(part, argv, ctx, cmd, exec_)
        finally:
            if own_redirects:
                self._redirects(cmd, part, ctx)

    def _invoke(self, part: Part, argv: list[Word], ctx: Context, cmd: Command, exec_: bool = False) -> None:
        head = argv[0]
        name, how = self.resolve(head, ctx, exec_)
        part.program = name
        inv = Invocation(self, part, argv, ctx, cmd)
        if name is None:
            part.add(R, "program.unknown", how, head.shown())
            self.outputs[id(cmd)] = Output("unknown")
            return
        if how == "project":
            part.key = None
            part.narrowed = True
            inv.name = posixpath.basename(head.value)
            if inv.runs_made(head, "a program"):
                self.outputs[id(cmd)] = Output("unknown")
                return
            part.add(C, "program.project", "runs a program of the project (the workspace's own code)", head.shown())
            publishes(inv, argv)
            self.outputs[id(cmd)] = Output("unknown")
            return
        part.key = name
        builtin = how == "builtin"
        handler = _BUILTINS.get(name) if builtin else handler_for(name)
        if builtin:
            part.key = f"builtin {name}"
        if len(argv) == 2 and argv[1].text in ("--help", "--version") and not builtin:
            handler = _generic
        if handler is None and exec_ and name in _BUILTINS:
            # A builtin's name that a program starts (timeout 5 export ..., sudo command rm ...): no shell runs it,
            # so it is whatever program has that name. With none registered, a person decides; what the builtin
            # would do with its words is judged all the same, so that a wrapper never hides them.
            if not self.known(name):
                part.key = None
                part.add(R, "program.unregistered", f"{name} is a shell builtin, started here as a program: none of "
                         "that name is registered", name)  # fmt: skip
            handler = _BUILTINS[name]
        if handler is None:
            if not builtin and not self.known(name):
                part.key = None
                part.add(R, "program.unregistered", f"{name} is not in the registry: unknown is not safe", name)
                inv.output = Output("unknown")
            else:
                _generic(inv)
        else:
            handler(inv)
        if inv.output.part is None:
            inv.output.part = part
        self.outputs[id(cmd)] = inv.output

    def resolve(self, head: Word, ctx: Context, exec_: bool = False) -> tuple[str | None, str]:
        """The name a program is registered under, and how it was found ("path", "builtin", "project"), or
        None and why it is unknown. ``exec_``: started by a program, not by the shell, so not a builtin."""
        if not head.known:
            return None, "runs a program whose name the check cannot know (built at run time)"
        value = head.value
        if head.glob:
            folder, _, pattern = value.rpartition("/")
            names = self.names(pattern) if folder in SYSTEM_DIRS else []
            if len(names) == 1:
                return names[0], "path"
            return None, "runs a program named by a pattern the check cannot expand to one program"
        if "/" in value:
            path = posixpath.normpath(value) if value.startswith("/") else None
            if path is not None and posixpath.dirname(path) in SYSTEM_DIRS:
                return posixpath.basename(path), "path"
            target = classify(head, ctx.place)
            base = posixpath.basename(value)
            # the project's own programs: its build output, its tools' folders, its wrappers (./gradlew); a name
            # that shadows a system tool elsewhere in the workspace (./ls) is not the tool, and not trusted
            tools_dir = re.search(r"/(node_modules/\.bin|\.?venv/bin|vendor/bin|target/(debug|release)|build|dist|"
                                  r"out|bin|scripts?|tools)/[^/]+$", target.path or "")  # fmt: skip
            shadows = base in _SHADOWED or base in _BUILTINS or self.scanned(base)
            if (
                target.zone == Zone.WORKSPACE
                and tools_dir
                and handler_for(base) is not None
                and not head.raw.startswith("$")
            ):
                # the project's copy of a known tool (.venv/bin/pip, node_modules/.bin/eslint): the tool's table
                # judges its arguments; the handler sees where it runs from
                return base, "path"
            if target.zone == Zone.WORKSPACE and (tools_dir or not shadows) and "$" not in head.raw:
                return base, "project"
            if target.zone == Zone.WORKSPACE:
                return None, f"runs ./{base} from the workspace, which shadows the system's {base}: not that tool"
            return None, f"runs {value}, which is not in the system's program folders: not a registered tool"
        if value in _BUILTINS and not exec_:
            return value, "builtin"
        if value == "":
            return None, "runs an empty program name"
        return value, "path"

    # -- line-level rules -----------------------------------------------------------------------

    def _made(self, cmd: Command, path: str, appends: bool) -> None:
        """What a command's standard output leaves in ``path``, for a later command of the line that runs it."""
        output = self.outputs.get(id(cmd))
        if output is not None and output.kind == "network":
            self.made[path] = None  # curl URL > get.sh: a download
            return
        text = _written_text(cmd)
        if text is not None and not appends:
            self.made[path] = text
        elif self.made.get(path) is not None:
            del self.made[path]  # text the line wrote, then changed by what the check cannot see

    def _redirects(self, cmd: Command, part: Part, ctx: Context) -> None:
        summary = part.summary_only
        for r in cmd.redirects:
            if r.target is None:
                continue
            t = classify(r.target, ctx.place)
            if t.zone == Zone.NETWORK:
                host = t.path.split("/")[3] if t.path is not None and t.path.count("/") >= 3 else None
                program = cmd.words[0].value if cmd.words else ""
                sends = r.writes and r.op != "<>" and program not in ("echo", "printf")
                if (host is not None and is_loopback(host)) or not sends:
                    part.add(C, "redirect.network", "opens a network connection through bash's /dev/tcp or /dev/udp",
                             r.raw)  # fmt: skip
                else:
                    part.add(R, "redirect.network", "sends a program's output to another machine through /dev/tcp",
                             r.raw)  # fmt: skip
                continue
            if r.writes:
                kind = "append" if r.op in (">>", "&>>") else "write"
                level, reason = effects.judge(kind, t, root=ctx.root)
                part.add(level, "redirect.write", reason, r.raw)
                if t.path is not None and r.fd in (None, 1):
                    self._made(cmd, t.path, appends=kind == "append")
                if t.path is not None and _RUNS_LATER.search(t.path):
                    text = _written_text(cmd)
                    if (
                        t.zone == Zone.VCS
                        and "/hooks/" in t.path
                        and text is not None
                        and not _RISKY_CODE.search(text.replace("#!/bin/sh", "").replace("#!/usr/bin/env sh", ""))
                    ):
                        # a hook whose whole text is on the line and runs nothing unusual: the project's work
                        part.findings[-1] = type(part.findings[-1])(C, "redirect.hook", "writes a git hook whose "
                                                                    "text is on the line", r.raw)  # fmt: skip
                    elif text is None or _RISKY_CODE.search(text):
                        part.add(R, "redirect.code", "writes code into a file a build, a hook or the shell runs "
                                 "later, and the code runs what the check cannot follow", r.raw)  # fmt: skip
            if r.reads:
                # a program that prints only a count or a digest of its input does not show what it reads
                level, reason = effects.judge("list" if summary else "read", t, root=ctx.root)
                part.add(level, "redirect.read", reason, r.raw)
                if level == R and t.zone in (Zone.SECRET, Zone.UNKNOWN, Zone.DEVICE):
                    part.secret_reads.append(len(part.findings) - 1)


# Files whose content other programs run: build manifests, hooks, shell start-up, CI and tool configuration.
_RUNS_LATER = re.compile(r"(/Gemfile|/Rakefile|/composer\.json|/package\.json|/Makefile|/makefile|/GNUmakefile|"
                         r"/CMakeLists\.txt|\.cmake|/setup\.py|/conftest\.py|/pyproject\.toml|/build\.gradle|"
                         r"/pom\.xml|/Cargo\.toml|/build\.rs|/\.envrc|/\.git/hooks/|/\.husky/|/\.pre-commit|"
                         r"/Dockerfile|/docker-compose\.ya?ml|/\.github/workflows/|/\.gitlab-ci\.yml|/Justfile|"
                         r"/Taskfile\.ya?ml|/tox\.ini|/noxfile\.py|/\.npmrc|/\.gitconfig|/\.git/config|"
                         r"/\.bashrc|/\.profile|/\.zshrc|/\.vimrc|/\.exrc)$")  # fmt: skip
_RISKY_CODE = re.compile(r"(/bin/(ba)?sh|\bsh\b|system\s*\(|exec\s*\(|eval|curl|wget|\bnc\b|rm\s+-|"
                         r"subprocess|os\.system|child_process|spawn|execute_process|\$\(|`|base64|/dev/tcp|"
                         r"REMOVE_RECURSE|file\(REMOVE|install:|\bpreinstall\b|\bpostinstall\b)")  # fmt: skip


def _written_text(cmd: Command) -> str | None:
    """What a command writes, when the line shows it (echo, printf, cat of a here-document)."""
    if not cmd.words:
        return None
    name = cmd.words[0].value
    if name in ("echo", "printf") and all(w.known for w in cmd.words[1:]):
        return " ".join(w.value for w in cmd.words[1:])
    if name in ("cat", "tee") and cmd.stdin.kind == "text":
        return cmd.stdin.text
    return None


def _places(cmd: Command, via: tuple[str, ...]) -> list[tuple[str | None, tuple[str, ...]]]:
    """Where a command is judged: its folder, and also the one before an earlier "cd" that may have failed
    ("cd build; rm -rf *" deletes the workspace when build is missing)."""
    out: list[tuple[str | None, tuple[str, ...]]] = [(cmd.cwd, via)]
    if cmd.alt_cwd is not None and cmd.alt_cwd != cmd.cwd:
        out.append((cmd.alt_cwd, (*via, "if cd failed")))
    return out


def _place_at(place: Place, cwd: str | None) -> Place:
    return Place(cwd, place.workspace, place.home, place.tmp) if cwd != place.cwd else place


# Variables that change what a program runs: their value is a command line, judged as one.
COMMAND_VARIABLES = frozenset(
    {
        "PAGER",
        "GIT_PAGER",
        "MANPAGER",
        "SYSTEMD_PAGER",
        "EDITOR",
        "VISUAL",
        "GIT_EDITOR",
        "SUDO_EDITOR",
        "GIT_SSH_COMMAND",
        "GIT_SSH",
        "GIT_EXTERNAL_DIFF",
        "GIT_ASKPASS",
        "SSH_ASKPASS",
        "SUDO_ASKPASS",
        "SHELL",
        "PROMPT_COMMAND",
        "BROWSER",
        "LESSOPEN",
        "LESSCLOSE",
        "GIT_PROXY_COMMAND",
        "RSYNC_RSH",
        "CVS_RSH",
        "TERMINAL",
        "DIFF",
        "MAKE",
        "CC",
        "CXX",
        "LD",
        "AR",
        "CARGO_TARGET_DIR_RUNNER",
        "PERLDOC_PAGER",
        "GIT_SEQUENCE_EDITOR",
        # autotools and build systems run these programs in place of their own
        "AUTOM4TE",
        "AUTOCONF",
        "AUTOMAKE",
        "ACLOCAL",
        "AUTOHEADER",
        "M4",
        "MAKEINFO",
        "LIBTOOL",
        "CONFIG_SHELL",
        "PKG_CONFIG",
        "INSTALL",
        "RANLIB",
        "STRIP",
        "OBJCOPY",
        "NM",
        "CPP",
        "FC",
        "YACC",
        "LEX",
        "PERL",
        "PYTHON",
    }
)
# Variables whose value is a file the program loads and runs at start-up.
FILE_VARIABLES = frozenset(
    {
        "BASH_ENV",
        "ENV",
        "PYTHONSTARTUP",
        "NODE_OPTIONS",
        "PERL5OPT",
        "RUBYOPT",
        "ZDOTDIR",
        "INPUTRC",
        "GIT_CONFIG_GLOBAL",
        "GIT_CONFIG_SYSTEM",
        "GIT_CONFIG",
        "GIT_EXEC_PATH",
        "GIT_TEMPLATE_DIR",
        "LD_AUDIT",
        "PS4",
        "PS3",
        "PS2",
        "PS1",
        "PS0",
        "HOME",
        "JAVA_TOOL_OPTIONS",
        "_JAVA_OPTIONS",
    }
)
# Variables that list folders programs and libraries are looked up in.
SEARCH_PATH_VARIABLES = frozenset(
    {
        "PATH",
        "LD_PRELOAD",
        "LD_LIBRARY_PATH",
        "PYTHONPATH",
        "PYTHONHOME",
        "NODE_PATH",
        "PERL5LIB",
        "PERLLIB",
        "RUBYLIB",
        "GEM_PATH",
        "GEM_HOME",
        "CLASSPATH",
        "GOPATH",
        "DYLD_INSERT_LIBRARIES",
        "DYLD_LIBRARY_PATH",
    }
)

# variables that point a client at a machine or account: anything but a local socket, path or loopback is remote
_REMOTE_TARGET = ("DOCKER_HOST", "CONTAINER_HOST", "DOCKER_CONTEXT", "KUBECONFIG", "KUBE_CONTEXT", "PGHOST",
                  "MYSQL_HOST", "REDIS_URL", "DATABASE_URL", "AWS_PROFILE", "CLOUDSDK_CORE_PROJECT")  # fmt: skip


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def leading_assignments(words: list[Word]) -> tuple[list[tuple[str, Word]], list[Word]]:
    """``NAME=value`` words at the front of ``words`` (env's and export's operands), and the words after them.
    Only the name must be known: ``PATH=/tmp:$PATH`` is an assignment whose value is partly unknown."""
    pairs: list[tuple[str, Word]] = []
    rest = list(words)
    while rest:
        name, eq, value = rest[0].value.partition("=")
        if not eq or not _NAME.fullmatch(name):
            break
        pairs.append((name, Word(rest[0].raw, value, rest[0].glob, rest[0].quoted)))
        rest.pop(0)
    return pairs, rest


def judge_assignments(
    part: Part, pairs: list[tuple[str, Word]], ctx: Context, engine: Engine, cmd: Command, exported: bool
) -> None:
    """``VAR=value`` before a command (or alone, for the rest of the line): the ones that change what runs."""
    for name, value in pairs:
        shown = f"{name}={value.shown()}"
        if name in COMMAND_VARIABLES:
            if not value.known:
                part.add(R, "env.command", f"{name} names a program the check cannot know", shown)
                continue
            inv = Invocation(engine, part, [], ctx, cmd)
            part.add(A, "env.command", f"{name} sets a program that other programs run (judged as its own part)", shown)
            text = value.value
            if name in ("LESSOPEN", "LESSCLOSE"):  # less's input filters: "| cmd %s", "|| cmd %s"
                text = text.lstrip("|-").replace("%s", "__file__")
            inv.run_script(text, f"{name}=", f"the command in {name}")
        elif name in SEARCH_PATH_VARIABLES:
            level, reason = _search_path(name, value, ctx)
            part.add(level, "env.search-path", reason, shown)
        elif name in FILE_VARIABLES:
            if name.startswith("PS") or name == "PROMPT_COMMAND":
                if value.known and re.search(r"\$\(|`", value.value):
                    # bash expands a prompt when it prints it (PS4 at every traced line): its substitutions run
                    inv = Invocation(engine, part, [], ctx, cmd)
                    part.add(A, "env.prompt", f"{name} runs the substitutions in it (judged as their own parts)", shown)
                    for inner in re.findall(r"\$\(([^()]*)\)|`([^`]*)`", value.value):
                        inv.run_script(inner[0] or inner[1], f"{name}=", f"a substitution in {name}")
                elif not value.known:
                    part.add(R, "env.prompt", f"{name} may hold substitutions the check cannot see", shown)
                continue
            if name in ("NODE_OPTIONS", "PERL5OPT", "RUBYOPT", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS"):
                files = re.findall(r"(?:--require|--import|--loader|--experimental-loader|-r|-M|-I|-javaagent:|"
                                   r"-agentpath:)[=\s]*(\S+)", value.value) if value.known else [None]  # fmt: skip
                for f in files:
                    t = classify(Word.literal(f), ctx.place) if f else Target(Zone.UNKNOWN, None, value.shown())
                    level = C if t.zone in (Zone.WORKSPACE, Zone.SYSTEM) else R
                    part.add(level, "env.preload", f"{name} makes every program it starts load {t.zone.value}", shown)
                continue
            if name == "HOME":
                part.add(C, "env.home", "changes HOME, where programs read their start-up files", shown)
                continue
            t = classify(value, ctx.place) if value.known else Target(Zone.UNKNOWN, None, value.shown())
            level = C if t.zone in (Zone.WORKSPACE, Zone.NULL) else R
            part.add(level, "env.startup-file", f"{name} makes programs load and run {t.zone.value}", shown)
        elif name == "IFS":
            part.add(C, "env.ifs", "changes how the shell splits words", shown)
        elif name in _REMOTE_TARGET and (
            not value.known or not (re.match(r"^(unix://|/|\.)", value.value) or is_loopback(value.value))
        ):
            part.add(R, "env.remote-target", f"{name} points the command at another machine or account", shown)


def _search_path(name: str, value: Word, ctx: Context) -> tuple[Decision, str]:
    if name in ("LD_PRELOAD", "DYLD_INSERT_LIBRARIES", "LD_AUDIT"):
        return R, f"{name} loads a library into every program it starts"
    if not value.known:
        parts = [p for p in value.value.split(":") if p]
        # "$PATH" itself is the unknown part of PATH=/x:$PATH; what comes before it is known
        known = [p for p in parts if UNKNOWN not in p]
        unknown = [p for p in parts if UNKNOWN in p and p != UNKNOWN]
        if unknown or not known:
            return R, f"{name} adds folders the check cannot know, so it cannot know what runs"
        parts = known
    else:
        parts = [p for p in value.value.split(":") if p]
    worst: tuple[Decision, str] = (A, f"{name} adds only the system's folders")
    for p in parts:
        t = classify(Word.literal(p), ctx.place)
        if t.zone in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT):
            cand = (C, f"{name} adds the project's folder {p}, so the project's code runs")
        elif t.zone == Zone.SYSTEM or (t.path or "") in SYSTEM_DIRS or t.zone == Zone.SYSTEM_ROOT:
            continue
        else:
            cand = (R, f"{name} adds {p} ({t.zone.value}), so programs from there run instead of the system's")
        if cand[0] > worst[0]:
            worst = cand
    return worst


def _generic(inv: Invocation) -> None:
    """A registered program the tables do not know: its descriptor decides, except for help and version."""
    args = [a for a in inv.args]
    if len(args) == 1 and args[0].text in ("--help", "--version", "-help", "-version", "--usage"):
        inv.narrow()
        inv.find(A, "program.help", f"only prints {inv.name}'s help or version", args)
        inv.output = Output("local")
        return
    inv.output = Output("local")


_PUBLISH = re.compile(r"(^|[-_./])(deploy|publish|release|upload|prod|production)([-_.]|$)", re.I)


def publishes(inv: Invocation, words: list[Word]) -> bool:
    """A project script or target named for deploying or publishing: it sends the project away, so a person
    decides (``./scripts/deploy.sh production``, ``npm run release``, ``make publish``)."""
    # an option is not a name (manage.py check --deploy only checks the settings for deployment)
    hit = next(
        (w for w in words if w.known and not w.value.startswith("-") and _PUBLISH.search(posixpath.basename(w.value))),
        None,
    )
    if hit is not None:
        inv.find(R, "project.publish", "runs what by its name deploys, publishes or releases", [hit])
    return hit is not None

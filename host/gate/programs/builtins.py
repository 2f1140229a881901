"""Shell builtins and keywords: commands with their own registry entries ("builtin cd"), judged by what they
change. ``source``/``.`` and ``eval`` run code; ``alias``, ``trap`` and ``export`` set up code that runs later."""

from __future__ import annotations

import re

from tcphw.contract import Risk
from tcphw.host.gate.analyse import (
    COMMAND_VARIABLES,
    Invocation,
    Output,
    judge_assignments,
    leading_assignments,
    program,
)
from tcphw.host.gate.model import A, C, R
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.programs.code import run_file
from tcphw.host.gate.programs.text import SECRET_NAME
from tcphw.host.gate.shell import Word

S, L, M, H = Risk.SAFE, Risk.LOW_RISK, Risk.MEDIUM_RISK, Risk.HIGH_RISK

#: builtin -> (its own risk, what it does): each is "builtin NAME" in the registry.
BUILTINS: dict[str, tuple[Risk, str]] = {
    "cd": (S, "changes the shell's folder"),
    "pushd": (S, "changes the shell's folder"),
    "popd": (S, "changes folder"),
    "dirs": (S, "lists folders"),
    "pwd": (S, "prints the folder"),
    "echo": (S, "prints text"),
    "printf": (S, "prints text"),
    "true": (S, "does nothing"),
    "false": (S, "does nothing"),
    ":": (S, "does nothing"),
    "test": (S, "tests a condition"),
    "[": (S, "tests a condition"),
    "type": (S, "says what a name is"),
    "hash": (S, "remembers program paths"),
    "help": (S, "prints help"),
    "jobs": (S, "lists jobs"),
    "wait": (S, "waits for jobs"),
    "times": (S, "prints times"),
    "let": (S, "computes"),
    "shift": (S, "shifts arguments"),
    "getopts": (S, "parses options"),
    "read": (S, "reads a line"),
    "readarray": (S, "reads lines"),
    "mapfile": (S, "reads lines"),
    "local": (S, "declares variables"),
    "declare": (S, "declares variables"),
    "typeset": (S, "declares variables"),
    "readonly": (S, "declares variables"),
    "unset": (S, "unsets variables"),
    "export": (L, "exports variables"),
    "set": (L, "sets shell options"),
    "shopt": (L, "sets shell options"),
    "umask": (L, "sets the file mode mask"),
    "ulimit": (L, "sets resource limits"),
    "alias": (M, "defines aliases"),
    "unalias": (S, "removes aliases"),
    "history": (M, "shows the command history"),
    "fc": (H, "re-runs history"),
    "trap": (M, "runs code on signals"),
    "eval": (H, "runs text as commands"),
    "source": (H, "runs a file's commands"),
    ".": (H, "runs a file's commands"),
    "exec": (M, "replaces the shell"),
    "command": (S, "runs a program"),
    "builtin": (S, "runs a builtin"),
    "enable": (H, "loads builtins"),
    "kill": (H, "signals processes"),
    "disown": (L, "detaches jobs"),
    "bg": (L, "resumes jobs"),
    "fg": (L, "resumes jobs"),
    "suspend": (L, "suspends"),
    "logout": (L, "ends the shell"),
    "exit": (S, "ends the shell"),
    "return": (S, "returns"),
    "break": (S, "loop"),
    "continue": (S, "loop"),
    "complete": (S, "sets completion"),
    "compgen": (S, "lists completions"),
    "bind": (L, "sets key bindings"),
    "caller": (S, "prints the call stack"),
    "coproc": (M, "runs a coprocess"),
    "time": (S, "times a command"),
    "[[": (S, "tests a condition"),
}


def _simple(inv: Invocation) -> None:
    _risk, what = BUILTINS[inv.name]
    inv.narrow()
    inv.find(A, f"builtin.{inv.name}", what, inv.argv[:1])
    inv.output = Output("local")


for _name in (
    "pwd",
    "true",
    "false",
    ":",
    "test",
    "[",
    "hash",
    "help",
    "jobs",
    "wait",
    "times",
    "let",
    "shift",
    "getopts",
    "read",
    "readarray",
    "mapfile",
    "local",
    "declare",
    "typeset",
    "readonly",
    "unset",
    "dirs",
    "unalias",
    "disown",
    "bg",
    "fg",
    "exit",
    "return",
    "break",
    "continue",
    "complete",
    "compgen",
    "caller",
    "suspend",
    "logout",
    "popd",
    "umask",
    "ulimit",
    "shopt",
    "bind",
):
    program(_name, builtin=True)(_simple)


@program("cd", "pushd", builtin=True)
def _cd(inv: Invocation) -> None:
    inv.narrow()
    inv.find(A, f"builtin.{inv.name}", "changes the shell's folder for the commands after it", inv.argv)


@program("type", builtin=True)
def _type(inv: Invocation) -> None:
    inv.narrow()
    inv.find(A, "builtin.type", "only says what a name is", inv.argv)
    inv.output = Output("local")


@program("export", builtin=True)
def _export(inv: Invocation) -> None:
    inv.narrow()
    if inv.command.words and inv.command.words[0].value == "export":
        pairs = list(inv.command.assignments)  # the parser's: export's own declaration
    else:
        # export under a wrapper that keeps it in the shell (time export PATH=...): its operands are plain words
        pairs, _ = leading_assignments(list(inv.args))
    inv.find(A, "builtin.export", "exports variables to the programs the shell starts", inv.argv[:1])
    if pairs:
        judge_assignments(inv.part, pairs, inv.ctx, inv.engine, inv.command, exported=True)
    if [w.value for w in inv.args] in (["-p"], []):
        inv.find(R, "env.print", "prints the whole exported environment, which holds tokens and keys", inv.argv)


@program("set", builtin=True)
def _set(inv: Invocation) -> None:
    inv.narrow()
    if not inv.args:
        inv.find(R, "env.print", "prints every shell variable, tokens and keys included", inv.argv)
        return
    inv.find(A, "builtin.set", "sets shell options or positional arguments", inv.argv)


@program("alias", builtin=True)
def _alias(inv: Invocation) -> None:
    inv.narrow()
    inv.find(A, "builtin.alias", "defines or lists aliases", inv.argv[:1])
    for w in inv.args:
        if "=" in w.value or not w.known:
            name, _, value = w.value.partition("=")
            # the alias's text is what the shell will run for that name: judged now
            inv.run_script(value if w.known else None, f"alias {name}", "the alias's command")


@program("trap", builtin=True)
def _trap(inv: Invocation) -> None:
    inv.narrow()
    inv.find(A, "builtin.trap", "sets code to run on a signal", inv.argv[:1])
    args = [w for w in inv.args if w.value not in ("-p", "-l", "--")]
    if len(args) >= 2:
        inv.run_script(args[0].text, "trap", "the trap's command")


@program("eval", builtin=True)
def _eval(inv: Invocation) -> None:
    inv.narrow()
    inv.find(A, "builtin.eval", "runs its arguments as a command line", inv.argv[:1])
    setup = re.fullmatch(r'"?\$\((ssh-agent(\s+-s)?|direnv export (bash|zsh)|pyenv init -?|pyenv virtualenv-init -|'
                         r'rbenv init -|nodenv init -|fnm env[^)]*|conda shell\.(bash|zsh) hook|zoxide init \w+|'
                         r'starship init \w+|mise activate \w+|brew shellenv|/opt/homebrew/bin/brew shellenv|'
                         r'dircolors( -b)?|keychain --eval[^)]*|opam env|luarocks path)\)"?',
                         " ".join(w.raw for w in inv.args))  # fmt: skip
    if setup:
        # the shell set-up a well-known tool prints (variables, a function or two): it changes this shell only
        inv.find(C, "eval.setup", f"runs the shell set-up that {setup.group(1).split()[0]} prints", inv.args)
        return
    text = " ".join(w.value for w in inv.args) if all(w.known for w in inv.args) else None
    inv.run_script(text, "eval", "the text eval runs", words=inv.args)


@program("source", ".", builtin=True)
def _source(inv: Invocation) -> None:
    inv.narrow()
    if not inv.args:
        return
    f = inv.args[0]
    t = inv.target(f)
    if t.zone == Zone.SECRET:
        inv.find(
            C, "source.env", f"loads settings (and their secrets) into the shell without printing them: {t.shown}", [f]
        )
        return
    if f.value.startswith("/dev/fd/") or f.value in ("/dev/stdin", "-"):
        if f.value.startswith("/dev/fd/"):
            inv.find(
                R, "runs.unseen", "runs commands produced by a process substitution, which the check cannot see", [f]
            )
        else:
            inv.stdin_code("shell commands")
        return
    if t.path is not None and re.search(r"/(\.venv|venv|env|\.env)/bin/activate$", t.path) and t.zone == Zone.WORKSPACE:
        inv.find(A, "source.venv", "activates the project's virtual environment", [f])
        return
    if (
        t.zone in (Zone.STARTUP,)
        and t.path is not None
        and t.path.endswith(("/.bashrc", "/.profile", "/.bash_profile", "/.zshrc"))
    ):
        inv.find(C, "source.startup", f"re-reads the shell's own start-up file: {t.shown}", [f])
        return
    run_file(inv, f, "a shell script in this shell")


@program("history", builtin=True)
def _history(inv: Invocation) -> None:
    inv.narrow()
    values = [w.value for w in inv.args]
    if any(v.startswith("-") and any(c in v for c in "cdanrwps") for v in values):
        if any((v.startswith("-") and "c" in v) or "-d" in v for v in values):
            inv.find(R, "history.clear", "erases the shell's history", inv.argv)
            return
        inv.find(R, "history.file", "reads or writes a history file", inv.argv)
        return
    inv.find(R, "history.read", "prints the command history, where passwords and tokens typed earlier are", inv.argv)
    inv.output = Output("secret")


@program("fc", builtin=True)
def _fc(inv: Invocation) -> None:
    inv.narrow()
    if any(w.value == "-l" for w in inv.args):
        inv.find(R, "history.read", "prints the command history", inv.argv)
        return
    inv.find(R, "fc.rerun", "runs earlier commands again, which the check cannot see", inv.argv)


@program("enable", builtin=True)
def _enable(inv: Invocation) -> None:
    inv.narrow()
    if any(w.value == "-f" for w in inv.args):
        inv.find(R, "enable.load", "loads a compiled builtin into the shell", inv.argv)
    else:
        inv.find(A, "builtin.enable", "turns builtins on or off", inv.argv)


@program("coproc", builtin=True)
def _coproc(inv: Invocation) -> None:
    inv.narrow()
    inv.find(A, "builtin.coproc", "runs a command as a coprocess", inv.argv[:1])
    if inv.args:
        inv.run(inv.args, "coproc")


def secret_variable_words(words: list[Word]) -> list[Word]:
    return [w for w in words if re.search(r"\$\{?([A-Za-z_]\w*)", w.raw) and SECRET_NAME.search(w.raw)]


__all__ = ["BUILTINS", "COMMAND_VARIABLES", "R", "secret_variable_words"]

"""``tcphw gate shell-hook``: a real interactive bash (and zsh, where installed) on a pseudo-terminal, with
the hook sourced, typed into as a person would.

``rm`` and ``git`` are shell functions here that only leave a marker file: a line the hook fails to stop
leaves a file behind, and never touches anything else. The guards only stop a hung shell; nothing here
asserts on time.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tcphw.host.cli import main
from tests import small_registry

GUARD_S = 120
# The prompt counts itself: zsh redraws the prompt with the line when it accepts it, so only a prompt's
# number says that a new one came.
PROMPTS = {
    "bash": "__n=0\nPROMPT_COMMAND='((++__n))'\nPS1='READY${__n}> '\n",
    "zsh": "setopt PROMPT_SUBST\nunsetopt PROMPT_SP\n__n=0\nprecmd() { (( ++__n )) }\nPS1='READY${__n}> '\n",
}
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|[\x00\r]")


class Terminal:
    """An interactive shell on a pseudo-terminal of its own (its controlling terminal, as /dev/tty)."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the shell, or exit at once
            try:
                os.chdir(cwd)
                os.execvpe(argv[0], argv, env)
            finally:
                os._exit(127)
        self.seen = ""
        self.transcript = ""
        self.prompts = 0

    def prompt(self) -> str:
        """What the shell wrote up to its next prompt."""
        self.prompts += 1
        return self.read_until(f"READY{self.prompts}> ")

    def read_until(self, text: str) -> str:
        """What the shell wrote up to and including ``text``."""
        deadline = time.monotonic() + GUARD_S
        while text not in self.seen:
            if time.monotonic() > deadline:
                raise AssertionError(f"the shell never wrote {text!r}; transcript:\n{self.transcript}{self.seen}")
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:  # the shell is gone
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"the shell exited; transcript:\n{self.transcript}{self.seen}")
                self.seen += ESCAPES.sub("", chunk.decode(errors="replace"))
        head, _, self.seen = self.seen.partition(text)
        self.transcript += head + text
        return head

    def type(self, keys: str) -> None:
        os.write(self.fd, keys.encode())

    def run(self, line: str) -> str:
        """Type a line and Enter; what it printed before the next prompt."""
        self.type(line + "\r")
        return self.prompt()

    def answer(self, line: str, reply: str) -> str:
        """Type a line that asks y/N, give the reply; what it printed before the next prompt."""
        self.type(line + "\r")
        asked = self.read_until("[y/N] ")
        self.type(reply + "\r")
        return asked + self.prompt()

    def close(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


@pytest.fixture
def place(tmp_path: Path) -> dict[str, Path]:
    folders = {name: tmp_path / name for name in ("project", "marks", "home")}
    for folder in folders.values():
        folder.mkdir()
    folders["registry"] = small_registry.write(tmp_path / "registry.sqlite")
    return folders


def _environment(place: dict[str, Path]) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(place["home"]),
        "TERM": "dumb",
        "INPUTRC": "/dev/null",
        "HISTFILE": "/dev/null",
        "TCPHW_CONFIG_DIR": str(place["home"] / "config"),
        "TCPHW_DATA_DIR": str(place["home"] / "data"),
        "XDG_RUNTIME_DIR": str(place["home"] / "run"),
        "MARKS": str(place["marks"]),
    }


def _hook(shell: str, registry: Path) -> str:
    printed = CliRunner().invoke(main, ["gate", "shell-hook", shell, "--db", str(registry)])
    assert printed.exit_code == 0, printed.output
    return printed.output


def _start(shell: str, place: dict[str, Path], tmp_path: Path) -> Iterator[Terminal]:
    rc = tmp_path / f"{shell}rc"
    stand_ins = 'rm() { : > "$MARKS/rm-ran"; }\ngit() { : > "$MARKS/git-ran"; }\n'
    rc.write_text(PROMPTS[shell] + stand_ins + _hook(shell, place["registry"]))
    env = _environment(place)
    if shell == "bash":
        argv = ["bash", "--noprofile", "--rcfile", str(rc), "-i"]
    else:
        (tmp_path / ".zshrc").write_text(f"source {rc}\n")
        env["ZDOTDIR"] = str(tmp_path)
        argv = ["zsh", "-i"]
    terminal = Terminal(argv, env, place["project"])
    try:
        terminal.prompt()
        yield terminal
    finally:
        terminal.close()


@pytest.fixture
def bash(place: dict[str, Path], tmp_path: Path) -> Iterator[Terminal]:
    yield from _start("bash", place, tmp_path)


@pytest.fixture
def zsh(place: dict[str, Path], tmp_path: Path) -> Iterator[Terminal]:
    if shutil.which("zsh") is None:
        pytest.skip("zsh is not installed here: its hook is not tested on this machine")
    yield from _start("zsh", place, tmp_path)


def _marks(place: dict[str, Path]) -> set[str]:
    return {p.name for p in place["marks"].iterdir()} | {p.name for p in place["project"].iterdir()}


def test_bash_asks_the_gate_before_each_line(bash: Terminal, place: dict[str, Path]) -> None:
    bash.run("touch approved")  # APPROVE: runs
    assert _marks(place) == {"approved"}

    # REJECT: the whole line is judged before its first command, so neither part runs
    said = bash.run("touch first && rm -rf /")
    assert "REJECT: 'rm -rf /'" in said and "not run" in said
    said = bash.run("while true; do rm -rf /; done")  # skipped commands exit 0: the line is ended, not spun
    assert "REJECT" in said
    bash.run("(touch in-subshell && rm -rf /)")  # the first trap fires inside the subshell
    assert _marks(place) == {"approved"}

    said = bash.answer("git push", "n")  # REQUIRE_APPROVAL: asks; n skips it
    assert "REQUIRE_APPROVAL: 'git push'" in said and "git-ran" not in _marks(place)
    bash.answer("git push", "y")
    assert "git-ran" in _marks(place)

    # A line the history leaves out cannot be read whole: each simple command is judged as it comes.
    bash.run("HISTCONTROL=ignorespace")
    said = bash.run(" touch spaced && rm -rf /")
    assert "REJECT: 'rm -rf /'" in said and "rm-ran" not in _marks(place) and "spaced" in _marks(place)

    # A gate that cannot answer (here: one that exits 1 and says nothing, as a crash would) asks.
    bash.run("__tcphw_gate_argv=(false)")
    said = bash.answer("touch unanswered", "n")
    assert "could not answer" in said and "unanswered" not in _marks(place)


def test_zsh_asks_the_gate_before_each_line(zsh: Terminal, place: dict[str, Path]) -> None:
    zsh.run("touch approved")
    assert _marks(place) == {"approved"}
    said = zsh.run("touch first && rm -rf /")
    assert "REJECT: 'rm -rf /'" in said and "not run" in said
    zsh.type("for i in 1; do\r")  # a command of two lines is judged whole when it is complete
    said = zsh.run("touch looped; rm -rf /; done")
    assert "REJECT: 'rm -rf /'" in said and _marks(place) == {"approved"}
    said = zsh.answer("git push", "n")
    assert "REQUIRE_APPROVAL: 'git push'" in said and "git-ran" not in _marks(place)
    zsh.run("__tcphw_gate_argv=(false)")
    said = zsh.answer("touch unanswered", "n")
    assert "could not answer" in said and _marks(place) == {"approved"}


def test_the_snippets_are_printed_for_eval(place: dict[str, Path]) -> None:
    for shell in ("bash", "zsh"):
        snippet = _hook(shell, place["registry"])
        assert "gate check --db" in snippet and str(place["registry"]) in snippet
    bad = CliRunner().invoke(main, ["gate", "shell-hook", "fish"])
    assert bad.exit_code == 4 and "fish" in bad.output

"""A command line as bash would run it: tree-sitter's bash grammar, walked into simple commands.

The walk follows the line in the order bash runs it and keeps what changes later commands: variables
assigned on the line, ``cd``, functions and aliases defined on it. Every simple command comes out as a
:class:`Command` whose words are expanded as far as the check can know them: quotes removed, ``~`` and
known variables expanded, brace expansion done; what cannot be known at check time (a variable nobody gave,
a command substitution's output) is marked unknown, never guessed.

Commands inside substitutions, process substitutions, function bodies, loops and branches are commands of
the line too: a branch that may not run is judged as if it runs, because the check cannot know which runs.

A line bash would refuse (a syntax error) raises :class:`ShellSyntaxError`; it is never judged as
something else.
"""

from __future__ import annotations

import builtins
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

UNKNOWN = "\x00"  # stands for text the check cannot know, inside a word's value
MAX_EXPANSION = 16  # most words one brace expansion or one loop may produce before the rest is unknown
MAX_DEPTH = 12  # nesting of substitutions, sh -c and the like before the line is called unreadable


class ShellSyntaxError(ValueError):
    """bash would refuse the line."""


class Unreadable(ValueError):
    """The line is valid bash but too deep or too large to follow; judged as unknown, never approved."""


@lru_cache(maxsize=1)
def bash_parser() -> Any:
    # tree-sitter is imported here so that modules which only name the gate's types stay light.
    import tree_sitter_bash
    from tree_sitter import Language, Parser

    return Parser(Language(tree_sitter_bash.language()))


@dataclass(frozen=True)
class Word:
    """One word of a command after expansion, as far as it can be known before it runs."""

    raw: str  # as written
    value: str  # expanded; UNKNOWN marks each part that cannot be known
    glob: bool = False  # unquoted *, ? or [ ... ]: a pattern bash expands against the file system
    quoted: bool = False  # some part of it was quoted or escaped

    @property
    def known(self) -> bool:
        return UNKNOWN not in self.value

    @property
    def text(self) -> str | None:
        """The value if every part is known, else None."""
        return self.value if UNKNOWN not in self.value else None

    @property
    def prefix(self) -> str:
        """The known beginning of the value (all of it when it is known)."""
        return self.value.split(UNKNOWN, 1)[0]

    def shown(self) -> str:
        return self.value.replace(UNKNOWN, "\u2026") if self.known else self.raw

    @staticmethod
    def literal(text: str) -> Word:
        return Word(text, text)


@dataclass(frozen=True)
class Redirect:
    op: str  # >, >>, >|, &>, &>>, <, <>, >&, <&, <<, <<-, <<<
    fd: int | None  # the descriptor written before the operator, if any
    target: Word | None  # the file; None for a duplication, a close, or a here-document
    dup: str | None = None  # ">&2": "2"; "2>&-": "-"
    text: str | None = None  # here-document or here-string content; None where it is not known
    raw: str = ""

    @property
    def writes(self) -> bool:
        return self.target is not None and self.op in {">", ">>", ">|", "&>", "&>>", "<>", ">&"}

    @property
    def reads(self) -> bool:
        return self.target is not None and self.op in {"<", "<>"}


@dataclass
class Stdin:
    """Where a command's standard input comes from."""

    kind: str  # "pipe" (from the previous command of a pipeline), "text" (here-doc/string), "file", "tty"
    source: Command | None = None  # the command whose output it is ("pipe")
    text: str | None = None  # "text": the content when known
    file: Word | None = None  # "file"


@dataclass
class Command:
    """One simple command: what bash runs after expansion, with where it was found."""

    words: list[Word]
    assignments: list[tuple[str, Word]] = field(default_factory=list)
    redirects: list[Redirect] = field(default_factory=list)
    raw: str = ""
    cwd: str | None = None  # the directory it runs in, if the line lets the check know it
    env: dict[str, str | None] = field(default_factory=dict)  # known (str) and unknown (None) variables
    stdin: Stdin = field(default_factory=lambda: Stdin("tty"))
    piped_out: bool = False  # its standard output goes to another command
    via: tuple[str, ...] = ()  # how it is reached: ("$(...)",), ("function f",), ("sh -c",) ...
    kind: str = "command"  # "command", "assignment" (only assignments), "definition", "test", "call", "recursion"
    alt_cwd: str | None = None  # where it runs if an earlier "cd" failed ("cd build; rm -rf *")

    @property
    def text(self) -> str:
        return " ".join(w.shown() for w in self.words) if self.words else self.raw


@dataclass
class State:
    env: dict[str, str | None]
    cwd: str | None
    home: str
    functions: dict[str, Any] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    depth: int = 0
    via: tuple[str, ...] = ()
    alt_cwd: str | None = None  # the folder the line is in if the last "cd" failed and the line went on

    def child(self, via: str | None = None) -> State:
        """A subshell's state: a copy, so what it changes stays inside."""
        return State(
            dict(self.env),
            self.cwd,
            self.home,
            dict(self.functions),
            dict(self.aliases),
            self.depth,
            (*self.via, via) if via else self.via,
            self.alt_cwd,
        )


_DEV_FD = re.compile(r"^\d+$")
_GLOB = re.compile(r"[*?]|\[[^\]]+\]")
_SEPARATE = re.compile(r"\r\n?")


def normalise(line: str) -> str:
    """Carriage returns separate commands as newlines do: a terminal or a hook that passes ``ls\\rrm -rf /``
    must not hide the second command behind the first (bash would take ``\\r`` as part of a word; judging
    it as a separator is the stricter reading)."""
    return _SEPARATE.sub("\n", line)


def parse(line: str, env: dict[str, str] | None = None, cwd: str | None = None, home: str = "/root") -> list[Command]:
    """The simple commands of ``line`` in the order bash would run them, expanded as far as known."""
    source = normalise(line).encode("utf-8", "surrogateescape")
    tree = bash_parser().parse(source)
    refuse_errors(tree.root_node, source)
    known: dict[str, str | None] = {"HOME": home, "PWD": cwd, "OLDPWD": None}
    known.update(env or {})
    state = State(known, cwd, home)
    walker = Walker(source)
    commands = list(walker.statements(tree.root_node.children, state))
    commands.extend(walker.uncalled())
    return commands


def refuse_errors(root: Any, source: bytes) -> None:
    if not root.has_error:
        return
    for node in _walk(root):
        if node.type == "ERROR" or node.is_missing:
            if _repairable(node):
                continue
            line = source[: node.start_byte].count(b"\n") + 1
            near = source[node.start_byte : node.end_byte].decode("utf-8", "replace").strip()[:30]
            if node.is_missing:
                raise ShellSyntaxError(f"bash would refuse this line: {node.type!r} missing (line {line})")
            raise ShellSyntaxError(f"bash would refuse this line: syntax error near {near!r} (line {line})")


def _repairable(node: Any) -> bool:
    """tree-sitter-bash does not know the read-write redirection ``<>``: it parses ``3<>file`` as ``<``, an
    ERROR holding ``>``, then the file. That one shape is valid bash and is read as ``<>``."""
    prev = node.prev_sibling
    return (
        node.type == "ERROR"
        and node.text == b">"
        and prev is not None
        and prev.type == "<"
        and node.parent is not None
        and node.parent.type == "file_redirect"
    )


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(n.children))


def _text(node: Any) -> str:
    return str(node.text.decode("utf-8", "surrogateescape"))


_ANSI = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{1,2}|u[0-9A-Fa-f]{1,4}|U[0-9A-Fa-f]{1,8}|[0-7]{1,3}|c.|.)", re.S)


def ansi_c(body: str) -> str:
    """The value of ``$'...'``: bash's backslash escapes."""

    def one(m: re.Match[str]) -> str:
        e = m.group(1)
        if e[0] in "xuU":
            return chr(int(e[1:], 16))
        if e[0] in "01234567":
            return chr(int(e, 8) & 0xFF)
        if e[0] == "c":
            return chr(ord(e[1]) & 0x1F)
        return _ANSI.get(e, "\\" + e)

    return _ANSI_ESCAPE.sub(one, body)


def _unescape_unquoted(text: str) -> tuple[str, bool]:
    """Backslash removal in an unquoted word; True if anything was escaped."""
    if "\\" not in text:
        return text, False
    out, i, escaped = [], 0, False
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            if text[i + 1] != "\n":  # a line continuation disappears
                out.append(text[i + 1])
            escaped = True
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out), escaped


def _unescape_double(text: str) -> str:
    """Inside double quotes a backslash only escapes $ ` " \\ and newline."""
    return re.sub(r'\\([$`"\\\n])', lambda m: "" if m.group(1) == "\n" else m.group(1), text)


def brace_expand(text: str, limit: int = MAX_EXPANSION) -> list[str]:
    """bash's brace expansion of an unquoted word: ``a{b,c}d`` and ``x{1..3}``; at most ``limit`` words."""
    m = re.search(r"\{([^{}]*)\}", text)
    if not m:
        return [text]
    body = m.group(1)
    if "," in body:
        options = body.split(",")
    else:
        seq = re.fullmatch(r"(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?", body) or re.fullmatch(
            r"([a-zA-Z])\.\.([a-zA-Z])", body
        )
        if not seq:
            return [text]
        a, b = seq.group(1), seq.group(2)
        if a.lstrip("-").isdigit():
            lo, hi = int(a), int(b)
            step = abs(int(seq.group(3))) if seq.lastindex == 3 and seq.group(3) else 1
            rng = range(lo, hi + 1, step or 1) if lo <= hi else range(lo, hi - 1, -(step or 1))
            options = [str(i) for i in list(rng)[: limit + 1]]
        else:
            lo, hi = ord(a), ord(b)
            options = [chr(i) for i in (range(lo, hi + 1) if lo <= hi else range(lo, hi - 1, -1))]
    out: list[str] = []
    for option in options:
        for rest in brace_expand(text[: m.start()] + option + text[m.end() :], limit):
            out.append(rest)
            if len(out) > limit:
                return [*out[:limit], UNKNOWN]
    return out


class Walker:
    """Walks the syntax tree in execution order, producing expanded simple commands."""

    def __init__(self, source: bytes) -> None:
        self.source = source
        # ">(...)" substitutions seen while expanding a command: they read what the command writes, so they
        # are walked after it, fed by it
        self._writers: list[tuple[Any, State]] = []
        self._uncalled: dict[str, tuple[Any, State]] = {}  # functions defined and not called (yet)
        self._splits = False  # the last word expanded had an unquoted expansion (it splits on IFS)
        self._calling: set[str] = set()

    def uncalled(self) -> Iterator[Command]:
        """The bodies of functions the line defines but never calls, judged with their arguments unknown."""
        while self._uncalled:
            _name, (body, state) = self._uncalled.popitem()
            state.depth += 1
            if body is not None:
                yield from self.statement(body, state)

    # -- statements -----------------------------------------------------------------------------

    def statements(self, nodes: Any, state: State, stdin: Stdin | None = None) -> Iterator[Command]:
        """A sequence run one after the other (";" or a newline): a "cd" that fails does not stop what follows,
        so the commands after it are also judged in the folder the line was in before."""
        for node in nodes:
            if node.is_named and node.type != "comment":
                before = state.cwd
                produced = list(self.statement(node, state, stdin))
                yield from produced
                if produced and _is_cd(produced[-1]) and state.cwd != before:
                    state.alt_cwd = before

    def statement(self, node: Any, state: State, stdin: Stdin | None = None) -> Iterator[Command]:
        if state.depth > MAX_DEPTH:
            raise Unreadable(f"the line nests more than {MAX_DEPTH} levels deep")
        t = node.type
        if t == "command":
            yield from self.command(node, state, [], stdin)
        elif t == "redirected_statement":
            yield from self.redirected(node, state, stdin)
        elif t == "pipeline":
            yield from self.pipeline(node.named_children, state, stdin)
        elif t == "list":
            yield from self.list(node, state, stdin)
        elif t in ("subshell",):
            yield from self.block(node.named_children, state.child(), stdin)
        elif t == "compound_statement":
            yield from self.block(node.named_children, state, stdin)
        elif t == "negated_command":
            for child in node.named_children:
                yield from self.statement(child, state, stdin)
        elif t in ("variable_assignment", "variable_assignments"):
            yield from self.assignments_only(node, state)
        elif t == "declaration_command":
            yield from self.declaration(node, state)
        elif t == "unset_command":
            for child in node.named_children:
                state.env.pop(_text(child), None)
            yield Command(
                [Word.literal("unset")] + [self.word(c, state) for c in node.named_children],
                raw=_text(node),
                cwd=state.cwd,
                env=dict(state.env),
                via=state.via,
            )
        elif t == "function_definition":
            yield from self.function(node, state)
        elif t in (
            "if_statement",
            "elif_clause",
            "else_clause",
            "while_statement",
            "do_group",
            "case_statement",
            "case_item",
        ):
            yield from self.control(node, state, stdin)
        elif t in ("for_statement", "c_style_for_statement"):
            yield from self.for_loop(node, state, stdin)
        elif t == "test_command":
            yield from self.test(node, state)
        elif t in ("heredoc_body", "comment"):
            return
        else:
            # A word standing alone (a bare concatenation, string or expansion) is a command too.
            yield from self.command_from_words([node], state, stdin)

    def block(self, nodes: Any, state: State, stdin: Stdin | None) -> Iterator[Command]:
        yield from self.statements(nodes, state, stdin)

    # this method shadows the builtin in the class body, so the signatures below spell builtins.list
    def list(self, node: Any, state: State, stdin: Stdin | None) -> Iterator[Command]:
        """``a && b`` and ``a || b``: after ``cd x || ...`` the right side runs where the line was before."""
        before = state.cwd
        operator = None
        for child in node.children:
            if not child.is_named:
                operator = child.type
                continue
            if child.type == "comment":
                continue
            if operator == "||" and state.cwd != before:
                state.cwd, state.alt_cwd = before, None
                state.env["PWD"] = before
            produced = list(self.statement(child, state, stdin))
            yield from produced

    def control(self, node: Any, state: State, stdin: Stdin | None) -> Iterator[Command]:
        # Conditions and bodies alike: the check cannot know which branch runs, so all of them are judged.
        for child in node.named_children:
            if child.type in (
                "word",
                "string",
                "raw_string",
                "concatenation",
                "simple_expansion",
                "expansion",
                "command_substitution",
                "extglob_pattern",
                "number",
            ):
                # case subjects and patterns: expanding them may run substitutions
                yield from self.substitutions_in(child, state)
                continue
            yield from self.statement(child, state, stdin)

    def for_loop(self, node: Any, state: State, stdin: Stdin | None) -> Iterator[Command]:
        var = node.child_by_field_name("variable")
        values = [c for c in node.children_by_field_name("value")]
        body = node.child_by_field_name("body")
        for v in values:
            yield from self.substitutions_in(v, state)
        if node.type == "c_style_for_statement" or var is None:
            if var is not None:
                state.env[_text(var)] = None
            for child in node.named_children:
                if child.type == "do_group" or child.type == "compound_statement":
                    yield from self.statement(child, state, stdin)
            return
        name = _text(var)
        words = [w for v in values for w in self.expand(v, state)] if values else []
        if not values:  # "for x; do": the positional parameters, unknown
            words = [Word("$@", UNKNOWN)]
        # Each distinct value is a separate run of the body; beyond a few, one run with the value unknown.
        distinct = list(dict.fromkeys(words))
        if len(distinct) > 4 or not distinct:
            distinct = [Word(f"${name}", UNKNOWN)]
        for w in distinct:
            state.env[name] = w.value
            if body is not None:
                yield from self.statement(body, state, stdin)
        state.env[name] = None if len(distinct) != 1 else distinct[0].value

    def test(self, node: Any, state: State) -> Iterator[Command]:
        # [[ ... ]]: nothing runs but the substitutions inside it.
        for child in _walk(node):
            if child.type in ("command_substitution", "process_substitution"):
                yield from self.substitution(child, state)
        yield Command(
            [Word.literal("[[")], raw=_text(node), cwd=state.cwd, env=dict(state.env), via=state.via, kind="test"
        )

    def function(self, node: Any, state: State) -> Iterator[Command]:
        name = _text(node.child_by_field_name("name"))
        body = node.child_by_field_name("body")
        state.functions[name] = body
        # A definition runs nothing: the body is judged where the line calls the function, with the call's
        # arguments as $1 ... (see call()); one the line never calls is judged at the end, its arguments unknown,
        # because the shell keeps it for later.
        self._uncalled[name] = (body, state.child(f"function {name}"))
        recursive = body is not None and any(n.type == "command_name" and _text(n) == name for n in _walk(body))
        if recursive:
            # a function that calls itself from its own body (":(){ :|:& };:") never ends: a fork bomb
            yield Command([Word.literal(name)], raw=_text(node), cwd=state.cwd, via=state.via, kind="recursion")
        yield Command(
            [Word.literal(name)], raw=_text(node), cwd=state.cwd, env=dict(state.env), via=state.via, kind="definition"
        )

    def assignments_only(self, node: Any, state: State) -> Iterator[Command]:
        nodes = [node] if node.type == "variable_assignment" else node.named_children
        pairs: list[tuple[str, Word]] = []
        for a in nodes:
            yield from self.substitutions_in(a, state)
            name, word = self.assignment(a, state)
            pairs.append((name, word))
        for name, word in pairs:
            state.env[name] = word.value if word.known else None
        yield Command([], pairs, raw=_text(node), cwd=state.cwd, env=dict(state.env), via=state.via, kind="assignment")

    def declaration(self, node: Any, state: State) -> Iterator[Command]:
        """export, declare, local, readonly, typeset: a builtin whose arguments may assign."""
        words: list[Word] = [Word.literal(_text(node.children[0]))]
        pairs: list[tuple[str, Word]] = []
        for child in node.named_children:
            yield from self.substitutions_in(child, state)
            if child.type == "variable_assignment":
                name, word = self.assignment(child, state)
                pairs.append((name, word))
                words.append(Word(_text(child), f"{name}={word.value}", quoted=word.quoted))
            else:
                words.extend(self.expand(child, state))
        for name, word in pairs:
            state.env[name] = word.value if word.known else None
        yield Command(words, pairs, raw=_text(node), cwd=state.cwd, env=dict(state.env), via=state.via)

    def assignment(self, node: Any, state: State) -> tuple[str, Word]:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        name = _text(name_node) if name_node is not None else _text(node).split("=", 1)[0]
        if name_node is not None and name_node.type == "subscript":
            name = _text(name_node.child_by_field_name("name") or name_node)
        if value_node is None:
            return name.rstrip("+"), Word("", "")
        if value_node.type == "array":
            return name, Word(_text(value_node), UNKNOWN)
        # No word splitting or globbing in an assignment; tilde after = is expanded.
        return name.rstrip("+"), self.word(value_node, state, assignment=True)

    # -- pipelines and redirections -------------------------------------------------------------

    def pipeline(self, nodes: Any, state: State, stdin: Stdin | None) -> Iterator[Command]:
        previous: Command | None = None
        stages = [n for n in nodes if n.is_named and n.type != "comment"]
        for i, stage in enumerate(stages):
            source = Stdin("pipe", previous) if previous is not None else stdin
            last: Command | None = None
            # every stage runs in a subshell
            for cmd in self.statement(stage, state.child(), source):
                if i + 1 < len(stages):
                    cmd.piped_out = True
                last = cmd
                yield cmd
            previous = last

    def redirected(self, node: Any, state: State, stdin: Stdin | None) -> Iterator[Command]:
        body = node.child_by_field_name("body")
        redirects: list[Redirect] = []
        extra_args: list[Any] = []
        after: list[Any] = []  # what tree-sitter hangs inside a here-document redirect: "| sh", "&& x"
        for r in node.children_by_field_name("redirect"):
            yield from self.redirect_substitutions(r, state)
            found, more, following = self.redirect(r, state)
            redirects.extend(found)
            extra_args.extend(more)
            after.extend(following)
        own_stdin = stdin
        for r in redirects:
            if r.op in ("<<", "<<-", "<<<"):
                own_stdin = Stdin("text", text=r.text)
            elif r.op in ("<", "<>") and (r.fd in (None, 0)):
                own_stdin = Stdin("file", file=r.target)
        produced: list[Command] = []
        if body is None:  # a bare redirection: "> file" truncates it
            cmd = Command([], [], redirects, _text(node), state.cwd, dict(state.env), via=state.via, kind="assignment")
            produced.append(cmd)
        elif body.type == "command":
            # tree-sitter reads "cat 0<f" as the word 0 then "<f": a number written against the operator is
            # the redirection's descriptor, not an argument
            first = node.children_by_field_name("redirect")
            last = body.named_children[-1] if body.named_children else None
            skip = {last.id} if (last is not None and last.type == "number" and first
                                 and last.end_byte == first[0].start_byte) else set()  # fmt: skip
            produced.extend(self.command(body, state, redirects, own_stdin, extra_args, skip))
        else:
            inner = list(self.statement(body, state, own_stdin))
            produced.extend(inner)
            if inner:
                # bash binds the redirection to the last command of a list or pipeline, and to the whole of a
                # group or loop; attaching it to the last command judges the same file either way.
                target = inner[-1]
                if body.type in ("list", "pipeline"):
                    target.redirects.extend(redirects)
                else:
                    for c in inner:
                        c.redirects.extend(redirects)
            else:
                produced.append(
                    Command(
                        [], [], redirects, _text(node), state.cwd, dict(state.env), via=state.via, kind="assignment"
                    )
                )
        yield from produced
        if self._writers and produced:
            yield from self.fed_by(produced[-1])
        if after:
            last = produced[-1] if produced else None
            yield from self.heredoc_followers(after, state, last)

    def heredoc_followers(self, nodes: builtins.list[Any], state: State, last: Command | None) -> Iterator[Command]:
        for node in nodes:
            if node.type == "pipeline":
                children = [c for c in node.children]
                previous = last
                for c in children:
                    if not c.is_named:
                        continue
                    for cmd in self.statement(c, state.child(), Stdin("pipe", previous) if previous else None):
                        previous = cmd
                        yield cmd
                if last is not None:
                    last.piped_out = True
            else:
                yield from self.statement(node, state)

    def redirect(
        self, node: Any, state: State
    ) -> tuple[builtins.list[Redirect], builtins.list[Any], builtins.list[Any]]:
        """The redirections one node holds, the words tree-sitter hung on it that are the command's
        arguments, and the statements it hung on it that follow the command ("cat <<EOF | sh")."""
        raw = _text(node)
        fd_node = node.child_by_field_name("descriptor")
        fd = int(_text(fd_node)) if fd_node is not None and _text(fd_node).isdigit() else None
        if node.type == "heredoc_redirect":
            op = "<<-" if any(c.type == "<<-" for c in node.children) else "<<"
            start = next((c for c in node.children if c.type == "heredoc_start"), None)
            body = next((c for c in node.children if c.type == "heredoc_body"), None)
            quoted = start is not None and any(q in _text(start) for q in "'\"\\")
            text: str | None
            if body is None:
                text = ""
            elif quoted:
                text = _text(body)
            else:
                text = self.heredoc_text(body, state)
            more = [c for c in node.named_children if c.type == "file_redirect"]
            following = [
                c
                for c in node.named_children
                if c.type not in ("heredoc_start", "heredoc_body", "heredoc_end", "file_redirect")
            ]
            # a redirection written after the here-document's word ("cat <<EOF > f") is the command's too
            found = [Redirect(op, fd, None, text=text, raw=raw)]
            for c in more:
                found.extend(self.redirect(c, state)[0])
            return found, [], following
        if node.type == "herestring_redirect":
            target_nodes = [c for c in node.named_children if c.type not in ("file_descriptor",)]
            words = [w for c in target_nodes for w in self.expand(c, state, split=False)]
            value = " ".join(w.value for w in words)
            return [Redirect("<<<", fd, None, text=None if UNKNOWN in value else value + "\n", raw=raw)], [], []
        op = next((_text(c) for c in node.children if not c.is_named), "")
        if op == "<" and any(c.type == "ERROR" and c.text == b">" for c in node.children):
            op = "<>"
        destinations = node.children_by_field_name("destination")
        extra_args = destinations[1:]  # "echo >> f 'x'": the words after the file are the command's arguments
        if not destinations:
            return [Redirect(op, fd, None, dup="-" if op.endswith("-") else None, raw=raw)], [], []
        dest = destinations[0]
        dest_text = _text(dest)
        if op in (">&", "<&") and (_DEV_FD.match(dest_text) or dest_text == "-"):
            return [Redirect(op, fd, None, dup=dest_text, raw=raw)], extra_args, []
        if op in (">&-", "<&-"):
            return [Redirect(op, fd, None, dup="-", raw=raw)], extra_args, []
        words = self.expand(dest, state, split=False)
        target = words[0] if len(words) == 1 else Word(dest_text, UNKNOWN)  # ambiguous redirect: unknown file
        return [Redirect(op, fd, target, raw=raw)], extra_args, []

    def redirect_substitutions(self, node: Any, state: State) -> Iterator[Command]:
        """Substitutions a redirection runs: in its file name, a here-string, or an unquoted here-document."""
        if node.type == "heredoc_redirect":
            start = next((c for c in node.children if c.type == "heredoc_start"), None)
            if start is not None and any(q in _text(start) for q in "'\"\\"):
                return  # a quoted delimiter: the body is literal text
            for c in node.children:
                if c.type in ("heredoc_body", "file_redirect"):
                    yield from self.substitutions_in(c, state)
            return
        yield from self.substitutions_in(node, state)

    def heredoc_text(self, body: Any, state: State) -> str | None:
        parts: list[str] = []
        pos = body.start_byte
        for child in body.children:
            parts.append(self.source[pos : child.start_byte].decode("utf-8", "surrogateescape"))
            if child.type == "heredoc_content":
                parts.append(_text(child))
            else:
                w = self.word(child, state)
                parts.append(w.value)
            pos = child.end_byte
        parts.append(self.source[pos : body.end_byte].decode("utf-8", "surrogateescape"))
        text = "".join(parts)
        return None if UNKNOWN in text else text

    # -- commands -------------------------------------------------------------------------------

    def command(
        self,
        node: Any,
        state: State,
        redirects: builtins.list[Redirect],
        stdin: Stdin | None,
        extra: builtins.list[Any] | None = None,
        skip: set[int] | None = None,
    ) -> Iterator[Command]:
        assignments: list[tuple[str, Word]] = []
        word_nodes: list[Any] = []
        for child in node.named_children:
            if skip and child.id in skip:
                continue
            if child.type == "variable_assignment":
                yield from self.substitutions_in(child, state)
                assignments.append(self.assignment(child, state))
            elif child.type in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                yield from self.redirect_substitutions(child, state)
                found, more, _ = self.redirect(child, state)
                redirects = [*redirects, *found]
                word_nodes.extend(more)
            elif child.type == "command_name":
                word_nodes.extend(child.named_children or [child])
            elif child.type == "comment":
                continue
            else:
                word_nodes.append(child)
        word_nodes.extend(extra or [])
        for r in redirects:
            if r.op in ("<<", "<<-", "<<<"):
                stdin = Stdin("text", text=r.text)
            elif r.op in ("<", "<>") and r.fd in (None, 0):
                stdin = Stdin("file", file=r.target)
        yield from self.command_from_words(word_nodes, state, stdin, assignments, redirects, _text(node))

    def command_from_words(
        self,
        nodes: builtins.list[Any],
        state: State,
        stdin: Stdin | None,
        assignments: builtins.list[tuple[str, Word]] | None = None,
        redirects: builtins.list[Redirect] | None = None,
        raw: str | None = None,
    ) -> Iterator[Command]:
        for n in nodes:
            yield from self.substitutions_in(n, state)
        words = [w for n in nodes for w in self.expand(n, state)]
        env = dict(state.env)
        for name, w in assignments or []:
            env[name] = w.value if w.known else None
        cmd = Command(
            words,
            list(assignments or []),
            list(redirects or []),
            raw if raw is not None else " ".join(_text(n) for n in nodes),
            state.cwd,
            env,
            stdin or Stdin("tty"),
            via=state.via,
            alt_cwd=state.alt_cwd if state.alt_cwd != state.cwd else None,
        )
        if not words and not assignments and not redirects:
            return
        # Aliases defined earlier on the line: bash expands the first word.
        if words and words[0].text in state.aliases and not words[0].quoted:
            alias = state.aliases[words[0].text or ""]
            inner = state.child(f"alias {words[0].text}")
            inner.depth += 1
            rest = " ".join(_quote(w) for w in words[1:])
            yield from self.script(f"{alias} {rest}", inner, stdin)
            return
        if words and words[0].text in state.functions and not words[0].quoted:
            cmd.kind = "call"
            yield cmd
            yield from self.call(words[0].text or "", words[1:], state, stdin)
            return
        yield cmd
        yield from self.fed_by(cmd)
        self.after_command(cmd, state)

    def call(self, name: str, args: builtins.list[Word], state: State, stdin: Stdin | None) -> Iterator[Command]:
        """A call of a function the line defined: its body runs here, with these arguments as $1 ... and "$@"."""
        self._uncalled.pop(name, None)
        body = state.functions.get(name)
        if body is None or name in self._calling:
            return  # a recursive call: the body is being judged already (and a fork bomb is reported)
        inner = state.child(f"function {name}")
        inner.depth += 1
        for i, w in enumerate(args[:9], 1):
            inner.env[str(i)] = w.value if w.known else None
        values = {w.value for w in args}
        inner.env["@"] = inner.env["*"] = next(iter(values)) if len(values) == 1 and args[0].known else (
            "" if not args else None)  # fmt: skip
        inner.env["#"] = str(len(args))
        self._calling.add(name)
        try:
            yield from self.statement(body, inner, stdin)
        finally:
            self._calling.discard(name)

    def after_command(self, cmd: Command, state: State) -> None:
        """What a builtin changes for the commands after it on the line."""
        words = list(cmd.words)
        while words and words[0].text in ("builtin", "command") and len(words) > 1:
            words = words[1:]
        if not words:
            return
        name = words[0].text
        args = words[1:]
        if name in ("cd", "pushd"):
            target = next((w for w in args if not (w.text or "").startswith("-")), None)
            if target is None:
                state.cwd = state.home if name == "cd" else state.cwd
            elif target.text == "-":
                state.cwd = None
            elif target.known:
                state.cwd = resolve(target.value, state.cwd, state.home)
            else:
                state.cwd = None
            state.env["PWD"] = state.cwd
        elif name == "popd":
            state.cwd = None
        elif name in ("source", ".") and args and args[0].known and args[0].value.endswith("/bin/activate"):
            # a virtual environment is active for what follows: pip installs into it
            state.env["VIRTUAL_ENV"] = resolve(posixpath.dirname(posixpath.dirname(args[0].value)), state.cwd,
                                               state.home)  # fmt: skip
        elif name == "alias":
            for w in args:
                if w.known and "=" in w.value:
                    key, _, value = w.value.partition("=")
                    state.aliases[key] = value
        elif name == "unalias":
            for w in args:
                state.aliases.pop(w.text or "", None)
        elif name in ("read", "readarray", "mapfile", "getopts"):
            for w in args:
                if w.known and not w.value.startswith("-") and re.fullmatch(r"[A-Za-z_]\w*", w.value):
                    state.env[w.value] = None

    def script(self, text: str, state: State, stdin: Stdin | None = None) -> Iterator[Command]:
        """Commands of a nested script (an alias, ``sh -c``, ``eval``): parsed and walked like the line."""
        source = normalise(text).encode("utf-8", "surrogateescape")
        tree = bash_parser().parse(source)
        refuse_errors(tree.root_node, source)
        walker = Walker(source)
        for node in tree.root_node.children:
            if node.is_named and node.type != "comment":
                yield from walker.statement(node, state, stdin)
        yield from walker.uncalled()

    # -- words ----------------------------------------------------------------------------------

    def substitutions_in(self, node: Any, state: State) -> Iterator[Command]:
        """The commands that expanding ``node`` runs: command and process substitutions inside it."""
        stack = [node]
        while stack:
            n = stack.pop()
            if n.type == "process_substitution" and n.children and n.children[0].type == ">(":
                self._writers.append((n, state))
                continue
            if n.type in ("command_substitution", "process_substitution"):
                yield from self.substitution(n, state)
                continue
            stack.extend(reversed(n.children))

    def fed_by(self, cmd: Command) -> Iterator[Command]:
        """The ``>(...)`` substitutions of a command, each reading what the command writes."""
        writers, self._writers = self._writers, []
        for node, state in writers:
            inner = state.child(">(...)")
            inner.depth += 1
            cmd.piped_out = True
            for child in node.named_children:
                yield from self.statement(child, inner, Stdin("pipe", cmd))

    def substitution(self, node: Any, state: State) -> Iterator[Command]:
        inside = _text(node)[2:-1] if _text(node).startswith("$(") else ""
        m = re.fullmatch(r"\s*<\s*(\S+)\s*", inside)
        if m:
            # "$(<file)": bash's own way to read a file, as cat would
            inner = state.child("$(<...)")
            target = Word(m.group(1), m.group(1))
            if target.value.startswith("~"):
                target = Word(target.raw, _tilde(target.value, state.home))
            yield Command([Word.literal("cat"), target], raw=inside, cwd=state.cwd, env=dict(state.env), via=inner.via)
            return
        opener = node.children[0].type if node.children else "$("
        via = {"$(": "$(...)", "`": "`...`", "<(": "<(...)", ">(": ">(...)"}.get(opener, opener)
        inner = state.child(via)
        inner.depth += 1
        for child in node.named_children:
            yield from self.statement(child, inner)

    def expand(self, node: Any, state: State, split: bool = True) -> builtins.list[Word]:
        """The words one syntax node becomes: brace expansion, then the other expansions."""
        word = self.word(node, state)
        if split and not word.quoted and "{" in word.value and ("," in word.value or ".." in word.value):
            return [replace(word, value=v, glob=bool(_GLOB.search(v))) for v in brace_expand(word.value)]
        if split and word.value == "" and not word.quoted and word.raw.startswith("$"):
            return []  # an unquoted empty expansion disappears
        if split and self._splits and UNKNOWN not in word.value:
            # an unquoted expansion is split on IFS: c="rm -rf ~"; $c runs rm with two arguments
            ifs = state.env.get("IFS")
            ifs = " \t\n" if ifs is None and "IFS" not in state.env else (ifs or "")
            if ifs and any(ch in word.value for ch in ifs):
                fields = [f for f in re.split("[" + re.escape(ifs) + "]", word.value) if f]
                return [Word(word.raw, f, bool(_GLOB.search(f)), word.quoted) for f in fields]
        return [word]

    def word(self, node: Any, state: State, assignment: bool = False) -> Word:
        raw = _text(node)
        parts: list[str] = []
        quoted = False
        glob = False
        self._splits = False
        for kind, text in self.pieces(node, state):
            if kind in ("x", "g"):
                self._splits = True
            if kind == "qx":
                kind = "x"
            if kind == "q":
                quoted = True
                parts.append(text)
            elif kind == "u":
                if _GLOB.search(text):
                    glob = True
                parts.append(text)
            elif kind == "g":  # a substitution known to print file names matching a pattern
                glob = True
                parts.append(text)
            else:
                parts.append(text)
        value = "".join(parts)
        # Tilde expansion: an unquoted ~ at the start (and after : or = in an assignment).
        first = node
        while first.type == "concatenation" and first.children:
            first = first.children[0]
        if first.type == "word" and _text(first).startswith("~"):
            value = _tilde(value, state.home)
        if assignment and ":~" in value:
            value = ":".join(_tilde(p, state.home) for p in value.split(":"))
        return Word(raw, value, glob, quoted)

    def pieces(self, node: Any, state: State) -> Iterator[tuple[str, str]]:
        """(kind, text) pieces of a word: "u" unquoted literal, "q" quoted literal, "x" expansion result."""
        t = node.type
        if t in (
            "word",
            "number",
            "file_descriptor",
            "variable_name",
            "test_operator",
            "regex",
            "extglob_pattern",
            "special_variable_name",
            "heredoc_start",
        ):
            text, escaped = _unescape_unquoted(_text(node))
            yield ("q" if escaped else "u", text)
        elif t == "raw_string":
            yield "q", _text(node)[1:-1]
        elif t == "ansi_c_string":
            yield "q", ansi_c(_text(node)[2:-1])
        elif t in ("string", "translated_string"):
            pos = node.start_byte + (2 if t == "translated_string" else 1)
            end = node.end_byte - 1
            yielded = False
            for child in node.children:
                if not child.is_named:
                    continue
                if child.start_byte > pos:
                    yield "q", _unescape_double(self.source[pos : child.start_byte].decode("utf-8", "surrogateescape"))
                if child.type == "string_content":
                    yield "q", _unescape_double(_text(child))
                else:
                    for kind, text in self.pieces(child, state):
                        # inside double quotes nothing splits: literal or expanded, it is quoted text
                        yield ("q" if kind == "u" else "qx" if kind == "x" else kind), text
                pos = child.end_byte
                yielded = True
            if pos < end:
                yield "q", _unescape_double(self.source[pos:end].decode("utf-8", "surrogateescape"))
            elif not yielded:
                yield "q", ""
        elif t == "concatenation":
            for child in node.children:
                yield from self.pieces(child, state)
        elif t == "simple_expansion":
            name = _text(node)[1:]
            yield "x", _lookup(name, state)
        elif t == "expansion":
            yield "x", self.parameter(node, state)
        elif t == "command_substitution":
            known = self.known_output(node, state)
            yield ("g" if known is not None and _GLOB.search(known) else "x"), known if known is not None else UNKNOWN
        elif t == "process_substitution":
            yield "x", "/dev/fd/63"  # what bash passes: a pipe to the inner command, judged on its own
        elif t == "arithmetic_expansion":
            yield "x", UNKNOWN
        elif t == "string_content":
            yield "q", _unescape_double(_text(node))
        elif t == "brace_expression":
            yield "u", _text(node)
        else:
            yield "x", UNKNOWN

    def known_output(self, node: Any, state: State) -> str | None:
        """What a command substitution prints, where the check can know it without running anything: a folder
        (``$(pwd)``, ``$(mktemp -d)``, ``$(git rev-parse --show-toplevel)``), a program's path
        (``$(command -v python3)``), known text (``$(echo ls)``), a value with no path in it (``$(date +%s)``),
        or file names under a folder (``$(git ls-files '*.go')``, ``$(find src -name '*.java')``), as a pattern."""
        inner = [c for c in node.named_children]
        if len(inner) != 1:
            return None
        first = inner[0]
        stages = [first]
        if first.type == "pipeline":
            stages = [c for c in first.named_children]
            # producers followed by filters keep what the producer prints (names stay names)
            if not all(s.type == "command" for s in stages) or not all(
                self.word(s.named_children[0], state).text in _FILTERS for s in stages[1:] if s.named_children
            ):
                return None
        head = stages[0]
        if head.type != "command":
            return None
        words = [w for c in head.named_children if c.type not in ("variable_assignment", "file_redirect")
                 for w in self.expand(c.named_children[0] if c.type == "command_name" and c.named_children else c,
                                      state)]  # fmt: skip
        if not words or not words[0].known:
            return None
        return _static_output([w for w in words], state)

    def parameter(self, node: Any, state: State) -> str:
        """``${NAME}``, ``${NAME:-default}`` and friends."""
        names = [c for c in node.named_children if c.type in ("variable_name", "special_variable_name")]
        if not names or any(c.type == "subscript" for c in node.named_children):
            return UNKNOWN
        value = _lookup(_text(names[0]), state)
        ops = [c for c in node.children if not c.is_named and c.type not in ("${", "}")]
        if not ops:
            return value
        op = ops[0].type
        rest = [c for c in node.named_children if c is not names[0]]
        default = "".join(self.word(c, state).value for c in rest)
        if op in (":-", "-", ":=", "="):
            if value == UNKNOWN:
                return UNKNOWN  # unknown: it may be set, and then it is not the default
            return value if value or op in ("-", "=") else default
        if op in (":+", "+"):
            return UNKNOWN if value == UNKNOWN else (default if value else "")
        if op == "#" and node.children[1].type == "#":  # ${#NAME}: a length
            return "0"
        if value == UNKNOWN or UNKNOWN in default:
            return UNKNOWN
        if op in ("%", "%%", "#", "##"):
            return _remove(value, default, op)
        if op in ("/", "//"):
            pat, _, rep = default.partition("/")
            return value.replace(pat, rep, 1 if op == "/" else -1) if not _GLOB.search(pat) else UNKNOWN
        if op in ("^^", ",,", "^", ","):
            return value.upper() if op.startswith("^") else value.lower()
        return UNKNOWN  # substrings and the rest: not followed


_FILTERS = {"sort", "uniq", "head", "tail", "grep", "egrep", "fgrep", "cut", "sed", "tr", "xargs", "tac", "awk"}
_NO_PATH_OUTPUT = {"date", "hostname", "uname", "nproc", "arch", "whoami", "id", "seq", "expr", "wc", "getconf",
                   "tput", "md5sum", "sha256sum", "sha1sum", "stat", "du", "git-rev"}  # fmt: skip


def _static_output(words: list[Word], state: State) -> str | None:
    """The output of one simple command, when it can be known statically (see ``known_output``)."""
    name = posixpath.basename(words[0].value)
    args = words[1:]
    values = [w.value for w in args]
    operands = [w for w in args if not w.value.startswith("-")]
    if name == "pwd":
        return state.cwd
    if name == "echo" and all(w.known for w in args) and not any(v.startswith("-") for v in values[:1]):
        return " ".join(values)
    if name in ("which", "type") or (name == "command" and values[:1] in (["-v"], ["-V"])):
        target = operands[-1] if operands else None
        return f"/usr/bin/{target.value}" if target is not None and target.known else None
    if name == "mktemp":
        base = next((args[i + 1].value for i, v in enumerate(values[:-1]) if v in ("-p", "--tmpdir")), "/tmp")
        return base.rstrip("/") + "/tmp.x" if UNKNOWN not in base else None
    if name in ("basename",) and operands:
        if not operands[0].known:
            return "0"  # a name with no slash in it: it stays in the folder it is used in
        return posixpath.basename(operands[0].value.rstrip("/")) or "/"
    if name in ("dirname",) and operands and operands[0].known:
        return posixpath.dirname(operands[0].value.rstrip("/")) or "."
    if name in ("realpath", "readlink") and operands and operands[-1].known:
        return resolve(operands[-1].value, state.cwd, state.home)
    if name == "git" and values[:2] == ["rev-parse", "--show-toplevel"]:
        return state.cwd
    if (name == "git" and values[:1] in (["rev-parse"], ["describe"], ["log"])) or name in _NO_PATH_OUTPUT:
        return "0"  # a value with no slash and no dots: it cannot name another folder
    if name in ("grep", "egrep", "rg") and any(
        v in ("-l", "-rl", "-lr", "-Rl", "--files-with-matches") for v in values
    ):
        folders = [w for w in operands[1:] if w.known] or [Word.literal(".")]
        return _under(resolve(folders[0].value, state.cwd, state.home), "*")
    if name == "git" and values[:1] == ["ls-files"]:
        pattern = next((v for v in values[1:] if not v.startswith("-")), "*")
        return _under(state.cwd, pattern)
    if name in ("find", "fd", "fdfind", "ls"):
        roots = [w for w in operands if not w.value.startswith(("(", "!"))] if name == "find" else operands
        root = roots[0] if roots and name != "fd" else (roots[1] if name == "fd" and len(roots) > 1 else None)
        pattern = next((args[i + 1].value for i, v in enumerate(values[:-1]) if v in ("-name", "-iname")), "*")
        if root is not None and not root.known:
            return None
        base = root.value if root is not None else "."
        return _under(resolve(base, state.cwd, state.home), pattern)
    return None


def _under(folder: str | None, pattern: str) -> str | None:
    if folder is None or UNKNOWN in pattern:
        return None
    name = posixpath.basename(pattern) or "*"
    return folder.rstrip("/") + "/*/" + name


def _is_cd(cmd: Command) -> bool:
    words = [w.text for w in cmd.words]
    while words and words[0] in ("builtin", "command"):
        words = words[1:]
    return bool(words) and words[0] in ("cd", "pushd", "popd")


def _remove(value: str, pattern: str, op: str) -> str:
    """``${x%pat}``, ``${x%%pat}``, ``${x#pat}``, ``${x##pat}`` with bash's shortest and longest matches."""
    import fnmatch

    n = len(value)
    longest = len(op) == 2
    if op.startswith("%"):  # a suffix value[i:]: the shortest has the largest i
        for i in range(n + 1) if longest else range(n, -1, -1):
            if fnmatch.fnmatchcase(value[i:], pattern):
                return value[:i]
    else:  # a prefix value[:i]: the shortest has the smallest i
        for i in range(n, -1, -1) if longest else range(n + 1):
            if fnmatch.fnmatchcase(value[:i], pattern):
                return value[i:]
    return value


def _lookup(name: str, state: State) -> str:
    if name == "!":
        return "%last"  # the process id of the job this shell started last: its own
    if name in state.env:
        value = state.env[name]
        return UNKNOWN if value is None else value
    return UNKNOWN


def _tilde(value: str, home: str) -> str:
    if value == "~" or value.startswith("~/"):
        return home + value[1:]
    m = re.match(r"~([A-Za-z_][\w.-]*)(/.*)?$", value)
    if m:
        user = m.group(1)
        return ("/root" if user == "root" else f"/home/{user}") + (m.group(2) or "")
    return value


def _quote(word: Word) -> str:
    if word.known:
        return "'" + word.value.replace("'", "'\\''") + "'"
    return word.raw


def resolve(path: str, cwd: str | None, home: str) -> str | None:
    """An absolute, normalised path (``..`` and ``.`` folded), or None when the directory is unknown. The path is
    a word's value, already expanded: a ``~`` left in it was quoted, and is a folder named ``~``."""
    if not path.startswith("/"):
        if cwd is None:
            return None
        path = posixpath.join(cwd, path)
    norm = posixpath.normpath(path)
    return "/" + norm.lstrip("/") if norm.startswith("//") else norm

"""getopt for judging: which words of a command line are options, their values, and the operands.

A program's options are declared the way its own parser reads them: short letters that take a value
(``"o:"`` style), long names that take one (``"output="``), and whether options stop at the first operand
(``sudo``, ``env``, ``xargs``: what follows is another command). Long options may be abbreviated to any
unique prefix, as getopt_long allows, so ``rm --rec`` is ``--recursive``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tcphw.host.gate.shell import Word


@dataclass(frozen=True)
class Spec:
    short: str = ""  # getopt letters; a letter followed by ":" takes a value
    long: tuple[str, ...] = ()  # long names; "name=" takes a value, "name" does not, "name?" may take "=value"
    stop_at_operand: bool = False  # options end at the first operand (the rest is a command)
    long_single_dash: bool = False  # find, java: "-name" style long options

    def __post_init__(self) -> None:
        letters = [c for c in self.short if c not in ":?"]
        twice = sorted({c for c in letters if letters.count(c) > 1})
        if twice:
            # a letter listed twice would be read by its first listing only: -t as a flag where it takes a folder
            raise ValueError(f"option letters listed twice in {self.short!r}: {''.join(twice)}")

    def takes_value(self, letter: str) -> bool | str | None:
        """True: the letter takes a value (glued or the next word); "optional": only a glued one ("-i.bak");
        False: a flag; None: not an option of this program."""
        i = self.short.find(letter)
        if i < 0 or letter in ":?":
            return None
        nxt = self.short[i + 1] if i + 1 < len(self.short) else ""
        return True if nxt == ":" else "optional" if nxt == "?" else False

    def long_option(self, name: str) -> tuple[str, str] | None:
        """The full name of a long option (prefix allowed) and its kind: "=", "?" or ""."""
        table = {o.rstrip("=?"): ("=" if o.endswith("=") else "?" if o.endswith("?") else "") for o in self.long}
        if name in table:
            return name, table[name]
        matches = [n for n in table if n.startswith(name)]
        if len(matches) == 1:
            return matches[0], table[matches[0]]
        return None


@dataclass
class Parsed:
    options: dict[str, list[Word | None]] = field(default_factory=dict)  # "-o", "--output" -> values
    operands: list[Word] = field(default_factory=list)
    unknown: list[Word] = field(default_factory=list)  # options the spec does not declare
    option_words: list[Word] = field(default_factory=list)
    rest: list[Word] = field(default_factory=list)  # with stop_at_operand: the command from the first operand
    dynamic: list[Word] = field(default_factory=list)  # words the check cannot know: option or operand?

    def has(self, *names: str) -> bool:
        return any(n in self.options for n in names)

    def value(self, *names: str) -> Word | None:
        for n in names:
            for v in self.options.get(n, []):
                if v is not None:
                    return v
        return None

    def values(self, *names: str) -> list[Word]:
        return [v for n in names for v in self.options.get(n, []) if v is not None]


def parse(args: list[Word], spec: Spec) -> Parsed:
    out = Parsed()
    i = 0
    while i < len(args):
        w = args[i]
        text = w.value
        if not w.known and not text.startswith("-"):
            # "$FLAGS" could be options or operands; it is kept as an operand and noted
            out.dynamic.append(w)
            if spec.stop_at_operand:
                out.rest = args[i:]
                return out
            out.operands.append(w)
            i += 1
            continue
        if text == "--":
            if spec.stop_at_operand:
                out.rest = args[i + 1 :]
            else:
                out.operands.extend(args[i + 1 :])
            return out
        if text.startswith("--") and len(text) > 2:
            name, eq, value = text[2:].partition("=")
            found = spec.long_option(name)
            out.option_words.append(w)
            if found is None:
                out.unknown.append(w)
                out.options.setdefault("--" + name, []).append(Word.literal(value) if eq else None)
            else:
                full, kind = found
                key = "--" + full
                if eq:
                    out.options.setdefault(key, []).append(Word(w.raw, value, w.glob, w.quoted))
                elif kind == "=" and i + 1 < len(args):
                    out.options.setdefault(key, []).append(args[i + 1])
                    out.option_words.append(args[i + 1])
                    i += 1
                else:
                    out.options.setdefault(key, []).append(None)
            i += 1
            continue
        if spec.long_single_dash and text.startswith("-") and len(text) > 2:
            found = spec.long_option(text[1:].partition("=")[0])
            if found is not None:
                full, kind = found
                out.option_words.append(w)
                if kind == "=" and i + 1 < len(args):
                    out.options.setdefault("-" + full, []).append(args[i + 1])
                    i += 1
                else:
                    out.options.setdefault("-" + full, []).append(None)
                i += 1
                continue
        if text.startswith("-") and len(text) > 1 and text != "-":
            out.option_words.append(w)
            j = 1
            while j < len(text):
                letter = text[j]
                takes = spec.takes_value(letter)
                if takes is None:
                    out.unknown.append(Word.literal("-" + letter))
                    out.options.setdefault("-" + letter, []).append(None)
                    j += 1
                    continue
                if takes == "optional":
                    glued = text[j + 1 :]
                    out.options.setdefault("-" + letter, []).append(
                        Word(w.raw, glued, w.glob, w.quoted) if glued else None
                    )
                    break
                if takes:
                    if j + 1 < len(text):
                        out.options.setdefault("-" + letter, []).append(Word(w.raw, text[j + 1 :], w.glob, w.quoted))
                    elif i + 1 < len(args):
                        out.options.setdefault("-" + letter, []).append(args[i + 1])
                        out.option_words.append(args[i + 1])
                        i += 1
                    else:
                        out.options.setdefault("-" + letter, []).append(None)
                    break
                out.options.setdefault("-" + letter, []).append(None)
                j += 1
            i += 1
            continue
        if spec.stop_at_operand:
            out.rest = args[i:]
            return out
        out.operands.append(w)
        i += 1
    return out

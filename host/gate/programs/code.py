"""Shells and language interpreters: the code they run is judged where it can be seen.

``sh -c TEXT`` and ``bash <<EOF`` are parsed as command lines. Python given with ``-c`` is parsed with Python's
own ``ast``: a call that runs a shell with a literal command line is judged as that line; calls that delete,
write, fetch or send are judged like the programs that do the same; ``eval``/``exec`` of built text cannot be
seen. Code in other languages (Perl, Ruby, Node, PHP, Lua) is read for the same calls by name; code the
check cannot read is not approved. A script file is the project's code when it lies in the workspace.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from tcphw.host.gate.analyse import Invocation, Output, judges_code, program, publishes
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.programs import modules
from tcphw.host.gate.programs.options import Spec, parse
from tcphw.host.gate.programs.text import SECRET_NAME
from tcphw.host.gate.shell import Word

_SHELLS = ("sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "fish", "csh", "tcsh", "busybox-sh", "rbash", "yash")


@program(*_SHELLS)
def _shell(inv: Invocation) -> None:
    p = parse(
        inv.args,
        Spec(
            "abefhkmnptuvxBCEHPTlirsc:o:O:D",
            (
                "login",
                "noprofile",
                "norc",
                "posix",
                "rcfile=",
                "init-file=",
                "restricted",
                "verbose",
                "version",
                "help",
                "debugger",
                "dump-strings",
                "noediting",
                "pretty-print",
            ),
            True,
        ),
    )
    inv.narrow()
    if p.has("--version", "--help") and not p.rest:
        inv.find(A, "shell.help", "prints the shell's version or help", inv.argv)
        return
    for rc in p.values("--rcfile", "--init-file"):
        inv.effect("exec", rc, "shell.rcfile")
    if p.has("-n") and not p.has("-c"):
        inv.find(A, "shell.syntax-check", "only checks a script's syntax (-n runs nothing)", inv.argv)
        for f in p.rest[:1]:
            inv.read(f, "shell.read")
        return
    script = p.value("-c")
    if script is not None:
        inv.find(A, "shell.command", f"{inv.name} -c runs a command line", inv.argv[:1])
        # "sh -c SCRIPT NAME ARGS...": the script sees ARGS as $1, $2 ... ("find -exec sh -c '...' sh {} +")
        dialect = "bash" if inv.name in ("sh", "bash", "dash", "ash", "busybox-sh", "rbash", "yash", "mksh", "ksh") \
            else inv.name  # fmt: skip
        inv.run_script(script.text, f"{inv.name} -c", "the command line it runs", words=[script],
                       positional=p.rest[1:], dialect=dialect)  # fmt: skip
        return
    if p.has("-s") or not p.rest:
        inv.stdin_code("a shell")
        return
    run_file(inv, p.rest[0], "a shell script")


def run_file(inv: Invocation, script: Word, what: str, lang: str = "sh") -> None:
    """A script file given to an interpreter: the project's code in the workspace, unknown elsewhere; what an
    earlier command of the line wrote or downloaded into it, wherever it is."""
    t = inv.target(script)
    if script.value in ("/dev/stdin", "-", "/dev/fd/0"):
        inv.stdin_code(what)
        return
    if inv.runs_made(script, what, lang):
        return
    if script.value.startswith("/dev/fd/"):
        inv.find(
            R, "runs.unseen", f"runs {what} produced by a process substitution, which the check cannot see", [script]
        )
        return
    if t.zone == Zone.WORKSPACE:
        inv.find(C, "runs.project", f"runs {what} of the project: {t.shown}", [script])
        publishes(inv, [script, *inv.args[inv.args.index(script) + 1 :]] if script in inv.args else [script])
    elif t.zone == Zone.SYSTEM and t.path is not None and t.path.startswith(("/usr/", "/bin/", "/sbin/")):
        inv.find(C, "runs.system-script", f"runs {what} installed on the system: {t.shown}", [script])
    else:
        inv.find(R, "runs.outside", f"runs {what} from {t.zone.value}, which the check cannot see: {t.shown}", [script])


_PYTHON = Spec("bBdEhiIOPqsSuvVxX:c:m:W:", ("help", "version", "check-hash-based-pycs="), True)


@program("python", "python3", "python2", "pypy", "pypy3", "ipython", "ipython3")
def _python(inv: Invocation) -> None:
    p = parse(inv.args, _PYTHON)
    inv.narrow()
    if p.has("-V", "--version", "-h", "--help") and not p.rest and not p.has("-c", "-m"):
        inv.find(A, "python.help", "prints Python's version or help", inv.argv)
        return
    code = p.value("-c")
    if code is not None:
        judge(inv, code.text, "python", f"{inv.name} -c", [code])
        return
    module = p.value("-m")
    if module is not None:
        modules.python_module(inv, module, p.rest)
        return
    if not p.rest or p.rest[0].value == "-":
        inv.stdin_code("Python code", "python")
        return
    run_file(inv, p.rest[0], "a Python program", "python")
    if p.rest[0].value.endswith("setup.py") and any(w.value in ("install", "develop") for w in p.rest[1:]):
        inv.find(R, "python.setup-install", "installs the package into Python's site-packages, outside the workspace",
                 p.rest)  # fmt: skip


_LANGS = {
    "perl": ("-e", "-E"),
    "ruby": ("-e",),
    "node": ("-e", "--eval", "-p", "--print"),
    "nodejs": ("-e", "--eval", "-p", "--print"),
    "php": ("-r",),
    "lua": ("-e",),
    "lua5.1": ("-e",),
    "lua5.3": ("-e",),
    "lua5.4": ("-e",),
    "luajit": ("-e",),
    "Rscript": ("-e",),
    "tclsh": (),
    "deno": ("eval",),
    "bun": ("-e", "--eval"),
    "julia": ("-e",),
    "awk-lang": (),
}


@program(*[k for k in _LANGS if k != "awk-lang"])
def _interpreter(inv: Invocation) -> None:
    inv.narrow()
    args = inv.args
    values = [w.value for w in args]
    flags = _LANGS.get(inv.name, ())
    lang = {"nodejs": "node", "lua5.1": "lua", "lua5.3": "lua", "lua5.4": "lua", "luajit": "lua"}.get(
        inv.name, inv.name
    )
    if values in (["--version"], ["-v"], ["-V"], ["--help"], ["-h"], ["version"]):
        inv.find(A, f"{inv.name}.help", "prints the version or help", inv.argv)
        return
    serve = None
    if inv.name == "php" and "-S" in values:
        serve = values[values.index("-S") + 1] if values.index("-S") + 1 < len(values) else ""
    elif inv.name == "ruby" and "-run" in values and "httpd" in values:
        serve = next((values[k + 1] for k, v in enumerate(values[:-1]) if v in ("--bind-address", "-b")), "0.0.0.0")
    if serve is not None:
        local = serve.startswith(("127.", "localhost", "[::1]"))
        inv.find(C if local else R, f"{inv.name}.serve", "serves the workspace's files (.env included) "
                 + ("on this machine" if local else "to the network"), inv.argv)  # fmt: skip
        return
    if inv.name == "perl" and any(v.startswith("-") and "i" in v[1:] and not v.startswith("--") for v in values):
        for w in args:
            if not w.value.startswith("-") and w is not _code_word(args, values, flags):
                inv.write(w, "perl.in-place")
    code = _code_word(args, values, flags)
    if code is not None:
        judge(inv, code.text, lang, f"{inv.name} {flags[0] if flags else ''}", [code])
        if inv.name == "perl" and any(
            v.startswith("-") and ("n" in v or "p" in v) for v in values if v.startswith("-") and not v.startswith("--")
        ):
            for w in args[values.index(code.value) + 1 :] if code.value in values else []:
                if not w.value.startswith("-"):
                    inv.read(w, f"{inv.name}.read")
        return
    if inv.name in ("deno", "bun") and values and values[0] in ("run", "x", "install", "add", "test", "task"):
        if values[0] in ("x",):
            inv.find(R, f"{inv.name}.x", "downloads and runs a package", inv.argv)
        elif values[0] in ("install", "add"):
            inv.find(C, f"{inv.name}.install", "installs packages into the project", inv.argv)
        else:
            script = next((w for w in args[1:] if not w.value.startswith("-")), None)
            if script is not None and re.match(r"^(https?|npm|jsr):", script.value):
                inv.find(R, "runs.downloaded", "runs code from the network", [script])
            elif script is not None:
                run_file(inv, script, "a program")
            else:
                inv.find(C, f"{inv.name}.task", "runs the project's task or tests", inv.argv)
        return
    script = next((w for w in args if not w.value.startswith("-")), None)
    if script is None:
        inv.stdin_code(f"{lang} code", lang)
        return
    run_file(inv, script, f"a {lang} program", lang)


def _code_word(args: list[Word], values: list[str], flags: Iterable[str]) -> Word | None:
    for k, v in enumerate(values):
        for f in flags:
            if v == f and k + 1 < len(args):
                return args[k + 1]
            if v.startswith(f) and len(v) > len(f) and f.startswith("-") and not f.startswith("--"):
                # perl -e'print 1' / -ne'...'
                return Word(args[k].raw, v[len(f) :])
        if (
            v.startswith("-")
            and not v.startswith("--")
            and len(v) > 2
            and v[-1] in "eE"
            and k + 1 < len(args)
            and any(f in ("-e", "-E") for f in flags)
        ):
            return args[k + 1]  # perl -ne 'code', ruby -ne 'code'
    return None


# -- judging code ----------------------------------------------------------------------------------

_PY_SHELL = {
    "os.system",
    "os.popen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "os.execl",
    "os.execlp",
    "os.execv",
    "os.execvp",
    "os.execvpe",
    "os.spawnl",
    "os.spawnlp",
    "os.spawnv",
    "pty.spawn",
    "commands.getoutput",
    "os.posix_spawn",
    "os.posix_spawnp",
    "asyncio.create_subprocess_shell",
    "asyncio.create_subprocess_exec",
    "sh.Command",
}
_PY_DELETE = {
    "os.remove",
    "os.unlink",
    "os.rmdir",
    "os.removedirs",
    "shutil.rmtree",
    "pathlib.Path.unlink",
    "Path.unlink",
    "Path.rmdir",
    "shutil.move",
    "os.rename",
    "os.replace",
}
_PY_WRITE = {
    "shutil.copy",
    "shutil.copyfile",
    "shutil.copy2",
    "shutil.copytree",
    "Path.write_text",
    "Path.write_bytes",
    "os.mkdir",
    "os.makedirs",
    "Path.mkdir",
    "os.chmod",
    "os.chown",
    "Path.touch",
    "os.symlink",
    "os.link",
    "os.truncate",
}
_PY_NET = {
    "urllib.request.urlopen",
    "urlopen",
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.delete",
    "requests.patch",
    "requests.request",
    "httpx.get",
    "httpx.post",
    "socket.socket",
    "socket.create_connection",
    "http.client.HTTPConnection",
    "http.client.HTTPSConnection",
    "urllib.request.urlretrieve",
    "ftplib.FTP",
    "smtplib.SMTP",
    "paramiko.SSHClient",
    "aiohttp.ClientSession",
}
_PY_SEND = {"requests.post", "requests.put", "requests.patch", "httpx.post", "smtplib.SMTP", "ftplib.FTP"}
_PY_HIDDEN = {
    "eval",
    "exec",
    "compile",
    "__import__",
    "importlib.import_module",
    "marshal.loads",
    "pickle.loads",
    "base64.b64decode",
    "codecs.decode",
    "bytes.fromhex",
    "zlib.decompress",
    "ctypes.CDLL",
    "ctypes.cdll.LoadLibrary",
}
_PY_READ = {"open", "Path.read_text", "Path.read_bytes", "io.open", "os.open"}
# loaders that run the code a file holds (pickle's __reduce__ and its kin)
_PY_UNPICKLE = {"pickle.load", "pickle.Unpickler", "cPickle.load", "dill.load", "joblib.load", "torch.load",
                "marshal.load", "shelve.open", "yaml.unsafe_load", "yaml.full_load", "jsonpickle.decode",
                "pandas.read_pickle"}  # fmt: skip
_PY_ENV = {"os.environ", "os.getenv", "os.environ.get"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else node.attr
    if isinstance(node, ast.Call):
        return _dotted(node.func).split(".")[-1] if isinstance(node.func, (ast.Name, ast.Attribute)) else ""
    return ""


_HOME = "~"  # what os.path.expanduser("~"), Path.home() and os.environ["HOME"] stand for, expanded by the caller


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Call) and _dotted(node.func) in ("os.path.expanduser", "expanduser") and node.args:
        inner = _literal(node.args[0])
        return inner  # "~..." stays "~...": the judge expands it with the caller's home
    if isinstance(node, ast.Call) and _dotted(node.func) in ("Path.home", "pathlib.Path.home", "home"):
        return _HOME
    if isinstance(node, ast.Call) and _dotted(node.func) in ("os.getenv", "getenv") and node.args and \
            _literal(node.args[0]) == "HOME":  # fmt: skip
        return _HOME
    if isinstance(node, ast.Subscript) and _dotted(node.value) == "os.environ" and _literal(node.slice) == "HOME":
        return _HOME
    if isinstance(node, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        import shlex

        return " ".join(shlex.quote(e.value) for e in node.elts)  # type: ignore[attr-defined]
    return None


def _path_of(node: ast.AST, paths: dict[str, str]) -> str | None:
    """The path an expression names: a literal, Path(literal), a name bound to one, or Path(...) / "x"."""
    if isinstance(node, ast.Name):
        return paths.get(node.id)
    if (
        isinstance(node, ast.Call)
        and _dotted(node.func).split(".")[-1] in ("Path", "PurePath", "PosixPath")
        and node.args
    ):
        return _path_of(node.args[0], paths) or _literal(node.args[0])
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        left, right = _path_of(node.left, paths), _literal(node.right)
        return f"{left.rstrip('/')}/{right}" if left is not None and right is not None else None
    value = _literal(node)
    return value if value is not None and "\n" not in value and len(value) < 300 else None


@judges_code
def judge(inv: Invocation, text: str | None, lang: str, via: str, words: Iterable[Word] | None = None) -> None:
    """Judge code in a language: Python through its parser, the others by the calls they name."""
    if text is None:
        inv.find(R, "runs.unseen", f"runs {lang} code the check cannot see (built at run time)", words)
        return
    if lang == "python":
        _judge_python(inv, text, via, words)
        return
    _judge_other(inv, text, lang, via, words)


def _judge_python(inv: Invocation, text: str, via: str, words: Iterable[Word] | None) -> None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        inv.find(C, "python.syntax", "Python would refuse this code (it runs nothing)", words)
        return
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                aliases[a.asname or a.name] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
    found = False
    # names bound once to a literal path ("p = Path('src/x.py')"), so "p.read_text()" is known
    paths: dict[str, str] = {}
    for n in ast.walk(tree):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            value = _path_of(n.value, paths)
            if value is not None:
                paths[n.targets[0].id] = value
    calls = {_dotted(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    if any(c.endswith(("socket", "create_connection", "connect")) for c in calls) and any(
        c.endswith(("dup2", "spawn", "Popen", "system", "call", "execl", "execv", "execve")) for c in calls
    ):
        inv.find(
            R, "python.remote-shell", "connects a process's input and output to the network (a remote shell)", words
        )
        found = True
    for loop in (n for n in ast.walk(tree) if isinstance(n, (ast.While, ast.For))):
        if any(isinstance(n, ast.Call) and _dotted(n.func).endswith("fork") for n in ast.walk(loop)):
            inv.find(X, "python.fork-bomb", "forks in a loop: a fork bomb", words)
            found = True
    target: str | None  # the path a call below deletes, writes or reads, when the code names it
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _dotted(node.value) in ("os.environ",):
            key = _literal(node.slice)
            if key is None or SECRET_NAME.search(key):
                inv.find(R, "python.secret-env", "reads a secret from the environment", words)
                found = True
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        head, _, tail = name.partition(".")
        full = f"{aliases.get(head, head)}.{tail}" if tail else aliases.get(head, head)
        short = full.split(".")[-1]
        arg0 = node.args[0] if node.args else None
        literal = _literal(arg0)
        # a secret handed to any call (dotenv_values(".env"), json.load(open("~/.aws/credentials")))
        for arg in node.args:
            path = _literal(arg)
            if path and " " not in path and ("/" in path or "." in path) and len(path) < 200:
                # "~" is the home folder's once the code expands it (os.path.expanduser, Path.home())
                expanded = inv.ctx.place.home + path[1:] if path.startswith("~/") else path
                if inv.target(Word.literal(expanded)).zone == Zone.SECRET:
                    found = True
                    inv.read(Word.literal(expanded), "python.secret-file")
            if _dotted(arg) == "os.environ":
                found = True
                inv.find(R, "python.environment", "passes the whole environment, tokens and keys, to the code", words)
        if (
            full in _PY_SHELL
            or (short in ("system", "popen", "check_output", "Popen") and "os" in full)
            or (full in ("subprocess.run", "run") and "subprocess" in aliases.values())
        ):
            found = True
            if literal is not None:
                inv.run_script(literal, f"{via} {short}()", "the command the code runs")
            else:
                inv.find(R, "python.shell", "runs a shell command built at run time", words)
        elif full in _PY_UNPICKLE or (full == "yaml.load" and not any(
                "Safe" in _dotted(k.value) for k in node.keywords)):  # fmt: skip
            # loading a pickle runs whatever code its author put in it: the project's own data, or unknown code
            found = True
            source = arg0.args[0] if isinstance(arg0, ast.Call) and _dotted(arg0.func) in _PY_READ and arg0.args \
                else arg0  # fmt: skip
            path = _literal(source) if source is not None else None
            where = inv.target(Word.literal(path)) if path is not None else None
            if where is not None and where.zone == Zone.WORKSPACE:
                inv.find(C, "python.unpickle", f"{short}() loads the project's data, which can run code: {where.shown}",
                         words)  # fmt: skip
            else:
                shown = f"{where.zone.value}: {where.shown}" if where is not None else "a file the check cannot know"
                inv.find(R, "python.unpickle", f"{short}() runs the code a pickled file holds, from {shown}", words)
        elif full in _PY_HIDDEN or (short in ("eval", "exec") and full in ("eval", "exec")):
            found = True
            inv.find(R, "python.hidden", f"{short}() runs or loads code the check cannot see", words)
        elif full in _PY_DELETE or short in ("rmtree", "unlink", "remove", "rmdir"):
            found = True
            if literal is not None:
                target = inv.ctx.place.home + literal[1:] if literal.startswith("~") else literal
                inv.delete(Word.literal(target), "python.delete", recursive=short == "rmtree")
            else:
                inv.find(R, "python.delete", "deletes files the check cannot know", words)
        elif full in _PY_WRITE or short in ("write_text", "write_bytes", "copyfile", "copytree", "makedirs", "chmod"):
            found = True
            target = _literal(node.args[1]) if short.startswith("copy") and len(node.args) > 1 else literal
            if target is None and isinstance(node.func, ast.Attribute) and short in ("write_text", "write_bytes"):
                target = _path_of(node.func.value, paths)
            if target is not None:
                inv.write(Word.literal(target), "python.write")
            else:
                inv.find(R, "python.write", "writes files the check cannot know", words)
        elif (
            full in _PY_NET
            or short in ("urlopen", "urlretrieve")
            or (
                head in ("requests", "httpx", "socket", "urllib", "http", "ftplib", "smtplib", "paramiko")
                and short not in ("quote", "urlencode", "urlparse", "gethostname", "getfqdn")
            )
        ):
            found = True
            host = literal
            if full in _PY_SEND or (node.keywords and any(k.arg in ("data", "json", "files") for k in node.keywords)):
                inv.send(host, "python.send", "sends data to the network")
            else:
                inv.receive(host, "python.fetch", "talks to the network")
        elif full in _PY_READ or short in ("read_text", "read_bytes"):
            found = True
            mode = (
                _literal(node.args[1])
                if len(node.args) > 1
                else next((_literal(k.value) for k in node.keywords if k.arg == "mode"), "r")
            )
            target = literal
            if isinstance(node.func, ast.Attribute) and short in ("read_text", "read_bytes", "write_text"):
                target = _path_of(node.func.value, paths)
            if target is None:
                inv.find(
                    R,
                    "python.open",
                    "opens a file the check cannot know",
                    words,
                )
            elif mode is not None and any(c in mode for c in "wax+"):
                inv.write(Word.literal(target), "python.write")
            else:
                inv.read(Word.literal(target), "python.read")
        elif full in ("os.getenv", "os.environ.get", "getenv"):
            if literal is None or SECRET_NAME.search(literal):
                found = True
                inv.find(R, "python.secret-env", "reads a secret from the environment", words)
        elif full in ("os.kill", "os.killpg", "signal.pthread_kill"):
            found = True
            inv.find(R, "python.kill", "sends signals to processes", words)
        elif full.startswith(("ctypes.", "mmap.")):
            found = True
            inv.find(R, "python.native", "calls native code directly", words)
    if not found:
        inv.find(A, "python.code", "runs Python code that only computes and prints", words)
    inv.output = Output("unknown")


# Other languages: calls that run a shell, delete, write, or use the network, by name.
_OTHER = {
    "shell": re.compile(
        r"\b(system|exec|spawn|spawnSync|execSync|execFile|execFileSync|popen|shell_exec|passthru|"
        r"proc_open|pcntl_exec|os\.execute|io\.popen|child_process|Process\.spawn|IO\.popen|"
        r"Kernel\.exec|Open3|fork)\b|`[^`]*`|%x\{|qx[{(/]|\bsh\s*\(",
        re.I,
    ),
    "hidden": re.compile(
        r"\b(eval|Function\s*\(|require\s*\(\s*[^'\"\s)]|load(string)?\s*\(|assert\s*\(\s*\$|"
        r"create_function|base64_decode|decode_base64|unpack\s*\(|Buffer\.from\([^)]*base64|atob|"
        r"vm\.run|instance_eval|class_eval|dostring)\b",
        re.I,
    ),
    "delete": re.compile(
        r"\b(unlink|rmdir|rmtree|rm_rf|rm_r|remove_tree|rimraf|rmSync|unlinkSync|rmdirSync|"
        r"FileUtils\.rm|File\.delete|os\.remove|fs\.rm|Dir\.delete|File\.unlink|delete_file)\b"
    ),
    "write": re.compile(
        r"\b(writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream|File\.write|"
        r"file_put_contents|fwrite|io\.open\([^)]*['\"][wa]|open\s*\(\s*[A-Z_]*\s*,\s*['\"]?[>+]|"
        r"copyFile|chmod|chown|rename|symlink|mkdir|FileUtils|IO\.write|File\.open\([^)]*['\"][wa])\b"
    ),
    "net": re.compile(
        r"\b(https?://|fetch\s*\(|XMLHttpRequest|net\.connect|http\.request|https\.request|"
        r"http\.get|https\.get|Net::HTTP|open-uri|URI\.open|IO::Socket|Socket|fsockopen|curl_|"
        r"file_get_contents\s*\(\s*['\"]https?|LWP|HTTP::Tiny|socket\.|require\(['\"](net|http|https|dgram|tls)['\"]\)|axios|got\()"
    ),
    "env": re.compile(r"\b(process\.env|ENV\[|\$ENV\{|getenv|os\.getenv|%ENV)"),
    "read": re.compile(
        r"\b(readFile|readFileSync|File\.read|IO\.read|file_get_contents|readfile|file\s*\(|fopen|open\s*\(|io\.open|"
        r"File\.open|createReadStream|readdir|glob)\b"
    ),
}


def _judge_other(inv: Invocation, text: str, lang: str, via: str, words: Iterable[Word] | None) -> None:
    """Languages without a parser here: the calls that matter, by name. What cannot be read is not approved."""
    # the home folder, however the language names it, is the home folder
    home = inv.ctx.place.home
    text = re.sub(r"\$ENV\{['\"]?HOME['\"]?\}|\$HOME\b|\$ENV\{HOME\}", home, text)
    text = re.sub(r"os\.getenv\(\s*['\"]HOME['\"]\s*\)\s*\.\.\s*['\"]", '"' + home, text)
    text = re.sub(r"(Dir\.home|ENV\[['\"]HOME['\"]\]|process\.env\.HOME|os\.homedir\(\)|os\.getenv\(['\"]HOME['\"]\)|"
                  r"getenv\(['\"]HOME['\"]\))", f'"{home}"', text)  # fmt: skip
    hits = {kind: rx.search(text) for kind, rx in _OTHER.items()}
    # any string in the code that names a secret file (".env", the home folder's "/.netrc" after a HOME lookup)
    for literal in re.findall(r"[\"']([^\"'\s]{2,200})[\"']", text):
        name = literal if not literal.startswith("~/") else inv.ctx.place.home + literal[1:]
        probe = inv.ctx.place.home + literal if literal.startswith("/.") else name
        if inv.target(Word.literal(probe)).zone == Zone.SECRET:
            inv.read(Word.literal(probe), f"{lang}.secret-file")
            hits["read"] = None
    if re.search(r"\bsocket\b|IO::Socket|TCPSocket|net\.connect|fsockopen|Socket\.new", text) and re.search(
        r"\b(exec|system|spawn|dup2|/bin/(ba)?sh|popen|pty|sh -i)\b", text
    ):
        inv.find(R, f"{lang}.remote-shell", f"the {lang} code connects a shell to the network (a remote shell)", words)
    if hits["shell"]:
        # a literal command in system("...") / `...` / execSync('...') is judged as the line it is
        calls = re.findall(
            r"(?:system|exec|execSync|shell_exec|passthru|popen|os\.execute|io\.popen|spawnSync)"
            r"\s*\(\s*(['\"])((?:(?!\1).)*)\1\s*[,)]",
            text,
        )
        ticks = re.findall(r"`([^`$]*)`", text) if lang in ("perl", "ruby", "php") else []
        dynamic = len(calls) + len(ticks) == 0 or re.search(r"(system|exec|execSync|popen)\s*\(\s*[^'\"\s]", text)
        for _, cmd in calls:
            inv.run_script(cmd, f"{via} system()", "the command the code runs")
        for cmd in ticks:
            inv.run_script(cmd, f"{via} backticks", "the command the code runs")
        if dynamic:
            inv.find(R, f"{lang}.shell", f"the {lang} code runs shell commands the check cannot see", words)
    if hits["hidden"]:
        inv.find(R, f"{lang}.hidden", f"the {lang} code evaluates or decodes code at run time", words)
    if hits["delete"]:
        paths = re.findall(
            r"(?:unlink|rmdir|rmtree|rm_rf|rmSync|unlinkSync|remove_tree|rimraf)\w*\s*\(\s*['\"]([^'\"]+)", text
        )
        if paths:
            for path in paths:
                inv.delete(Word.literal(path), f"{lang}.delete", recursive=True)
        else:
            inv.find(R, f"{lang}.delete", f"the {lang} code deletes files the check cannot know", words)
    if hits["write"]:
        paths = re.findall(
            r"(?:writeFile|writeFileSync|appendFile\w*|file_put_contents|File\.write|createWriteStream)\s*\(\s*['\"]"
            r"([^'\"]+)", text
        ) + re.findall(r"(?:File\.open|fopen|open)\s*\(\s*['\"]([^'\"]+)['\"]\s*,\s*['\"][wa+]", text) + re.findall(
            r"(?:copy_stream\([^,]+|copy|rename)\s*,\s*['\"]([^'\"]+)", text)  # fmt: skip
        if paths:
            for path in paths:
                inv.write(Word.literal(path), f"{lang}.write")
        else:
            inv.find(R, f"{lang}.write", f"the {lang} code writes files the check cannot know", words)
    if hits["net"]:
        inv.find(C, f"{lang}.network", f"the {lang} code talks to the network", words)
        if re.search(r"\b(include|require|include_once|require_once|load|dofile)\s*\(?\s*[\"'][^\"']*(/tmp/|https?://|\.php\b)"
                     r"|\beval\s*\(|\bloadstring\s*\(|\bFunction\s*\(|\bnew\s+Function", text):  # fmt: skip
            inv.find(R, "runs.downloaded", f"the {lang} code fetches code from the network and runs it", words)
        if re.search(r"(?i)method\s*[:=]\s*['\"]?(post|put|delete|patch)|\.post\(|\.put\(|request\(", text):
            inv.send(None, f"{lang}.send", f"the {lang} code sends data to the network")
    if hits["env"]:
        names = re.findall(r"(?:process\.env\.?\[?['\"]?|ENV\[['\"]|\$ENV\{['\"]?|getenv\(['\"])(\w+)", text)
        if (
            not names
            or any(SECRET_NAME.search(n) for n in names)
            or re.search(r"process\.env\s*\)|%ENV|JSON\.stringify\(process\.env", text)
        ):
            inv.find(R, f"{lang}.secret-env", f"the {lang} code reads the environment, where secrets are", words)
    if hits["read"]:
        paths = re.findall(
            r"(?:readFile\w*|File\.read|IO\.read|file_get_contents|readfile|fopen|open)\s*\(\s*['\"]<?([^'\"]+)", text
        )
        for path in paths:
            if not path.startswith(("http", ">", "|")):
                inv.read(Word.literal(path.strip()), f"{lang}.read")
    if not any(hits.values()):
        inv.find(A, f"{lang}.code", f"runs {lang} code that only computes and prints", words)
    inv.output = Output("unknown")

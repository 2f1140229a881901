"""``python -m MODULE``: the modules agents run, judged as the programs they are."""

from __future__ import annotations

from tcphw.host.gate.analyse import Invocation
from tcphw.host.gate.model import A, C, R
from tcphw.host.gate.shell import Word

# module -> the program it stands for (judged by that program's handler), or a fixed judgement
_AS_PROGRAM = {
    "pip": "pip",
    "pytest": "pytest",
    "venv": "virtualenv",
    "virtualenv": "virtualenv",
    "mypy": "mypy",
    "black": "black",
    "ruff": "ruff",
    "flake8": "flake8",
    "pylint": "pylint",
    "isort": "isort",
    "coverage": "coverage",
    "unittest": "pytest",
    "tox": "tox",
    "nox": "nox",
    "build": "python-build",
    "twine": "twine",
    "poetry": "poetry",
    "pipx": "pipx",
    "uv": "uv",
    "ensurepip": "ensurepip",
    "pydoc": "pydoc",
    "compileall": "compileall",
    "py_compile": "compileall",
    "doctest": "pytest",
    "cProfile": "python-profile",
    "profile": "python-profile",
    "timeit": "timeit",
    "trace": "python-profile",
    "pdb": "pdb",
    "IPython": "ipython",
    "jupyter": "jupyter",
    "sphinx": "sphinx-build",
    "pre_commit": "pre-commit",
    "mkdocs": "mkdocs",
    "uvicorn": "uvicorn",
    "flask": "flask",
    "django": "django-admin",
    "gunicorn": "gunicorn",
    "hypercorn": "uvicorn",
    "pyright": "pyright",
    "bandit": "bandit",
    "pip_audit": "pip-audit",
    "sqlite3": "sqlite3",
}
_FIXED = {
    "json.tool": (A, "formats JSON"),
    "tabnanny": (A, "checks indentation"),
    "platform": (A, "prints the platform"),
    "site": (A, "prints Python's paths"),
    "sysconfig": (A, "prints build settings"),
    "this": (A, "prints a poem"),
    "calendar": (A, "prints a calendar"),
    "tokenize": (A, "prints tokens"),
    "ast": (A, "prints a syntax tree"),
    "dis": (A, "prints bytecode"),
    "pyclbr": (A, "lists classes"),
    "zipfile": (C, "reads or writes zip files"),
    "tarfile": (C, "reads or writes tar files"),
    "gzip": (C, "compresses files"),
    "base64": (A, "encodes"),
    "uuid": (A, "prints a UUID"),
    "secrets": (A, "prints random tokens"),
    "hashlib": (A, "hashes"),
    "http.server": (R, "serves the current folder (the workspace, .env included) to the network"),
    "SimpleHTTPServer": (R, "serves the current folder to the network"),
    "smtpd": (R, "runs a mail server"),
    "ftplib": (R, "talks FTP"),
    "webbrowser": (C, "opens a browser"),
    "pty": (R, "spawns a pseudo-terminal shell"),
    "code": (C, "starts an interactive prompt"),
    "idlelib": (C, "starts an editor"),
    "pip._internal": (R, "runs pip's internals"),
}


def python_module(inv: Invocation, module: Word, rest: list[Word]) -> None:
    name = module.value
    inv.find(A, "python.module", f"runs the module {name} (judged below)", [module])
    if not module.known:
        inv.find(R, "python.module-unknown", "runs a Python module the check cannot know", [module])
        return
    if name in ("http.server", "SimpleHTTPServer"):
        values = [w.value for w in rest]
        bind = next((values[k + 1] for k, v in enumerate(values[:-1]) if v in ("-b", "--bind")), None)
        local = bind is not None and (bind.startswith("127.") or bind in ("localhost", "::1"))
        inv.find(C if local else R, "python.m.http.server", "serves a folder " + ("on this machine only" if local else
                 "to the network (the workspace's .env included)"), [module, *rest])  # fmt: skip
        return
    if name in _FIXED:
        level, what = _FIXED[name]
        inv.find(level, f"python.m.{name}", what, [module, *rest])
        for w in rest:
            if name in ("json.tool",) and not w.value.startswith("-"):
                inv.read(w, "python.m.read")
        return
    target = _AS_PROGRAM.get(name) or _AS_PROGRAM.get(name.split(".")[0])
    if target is not None:
        inv.run([Word.literal(target), *rest], f"python -m {name}")
        return
    inv.find(
        C, "python.m.project", f"runs the Python module {name} (the project's or an installed package's code)", [module]
    )

"""Builds, tests, linters, formatters and compilers: the project's own code at work (CAUTION), with the
checks that only read (APPROVE) and the targets that install or publish (a person decides)."""

from __future__ import annotations

import posixpath
import re

from tcphw.host.gate.analyse import Invocation, program
from tcphw.host.gate.model import A, C, R
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.programs.code import run_file
from tcphw.host.gate.shell import Word

# a word of a builder's command line that deploys or publishes, alone or inside a name (gh-deploy, release:perform)
_DEPLOYS = re.compile(r"(^|[-_:])(deploy|publish|release|upload)([-_:]|$)", re.I)
_PUBLISH = re.compile(r"^(install|uninstall|deploy|publish|release|upload|push|dist-upload|docker-push|prod.*)$", re.I)


@program("make", "gmake", "bmake", "remake")
def _make(inv: Invocation) -> None:
    args = inv.args
    values = [w.value for w in args]
    inv.narrow()
    k = 0
    targets: list[Word] = []
    staging: list[Word] = []  # DESTDIR=, PREFIX=: where "make install" puts things
    while k < len(args):
        v = values[k]
        if v in (
            "-C",
            "--directory",
            "-f",
            "--file",
            "--makefile",
            "-I",
            "--include-dir",
            "-o",
            "-W",
            "-j",
            "-l",
            "--eval",
            "-E",
        ) and k + 1 < len(args):
            if v in ("-C", "--directory"):
                t = inv.target(args[k + 1])
                if t.zone not in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT):
                    inv.find(R, "make.elsewhere", f"runs the makefile of {t.zone.value}: {t.shown}", args[k : k + 2])
            if v in ("-f", "--file", "--makefile"):
                t = inv.target(args[k + 1])
                if t.zone not in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT, Zone.NULL):
                    inv.find(R, "make.elsewhere", f"runs a makefile from {t.zone.value}: {t.shown}", args[k : k + 2])
                if t.zone == Zone.NULL or args[k + 1].value == "-":
                    inv.stdin_code("a makefile") if args[k + 1].value == "-" else None
            if v in ("--eval", "-E"):
                _make_eval(inv, args[k + 1])
            k += 2
            continue
        if v.startswith("--eval="):
            _make_eval(inv, Word(args[k].raw, v.split("=", 1)[1]) if args[k].known else args[k])
        elif "=" in v and not v.startswith("-"):
            name, _, value = v.partition("=")
            if name == ".SHELLFLAGS":
                pass
            elif name in ("SHELL", "MAKESHELL", "CC", "CXX", "LD", "AR", "MAKE") and args[k].known and (
                    posixpath.dirname(value) in ("/bin", "/usr/bin", "/usr/local/bin") or value in (
                        "bash", "sh", "gcc", "clang", "g++", "clang++", "cc", "ld", "ar", "make")):  # fmt: skip
                inv.find(A, "make.tool", f"uses the system's {posixpath.basename(value)} for {name}", [args[k]])
            elif name in ("SHELL", "MAKESHELL", "CC", "CXX", "LD", "AR", "MAKE") or name.endswith("CMD"):
                inv.run_script(value if args[k].known else None, f"make {name}=", f"the program in {name}")
            elif name in ("DESTDIR", "PREFIX", "prefix", "INSTALL_ROOT", "BINDIR", "bindir", "DEST"):
                dest = Word(args[k].raw, value) if args[k].known else Word(args[k].raw, "\x00")
                staging.append(dest)
        elif not v.startswith("-"):
            targets.append(args[k])
        k += 1
    dry = any(
        v in ("-n", "--dry-run", "--just-print", "--recon", "-q", "--question", "-p", "--print-data-base")
        for v in values
    )
    if dry:
        inv.find(C, "make.dry-run", "prints the recipes (make still runs $(shell ...) and + lines)", inv.argv)
        return
    for target in targets:
        if target.value in ("install", "uninstall") and staging:
            # installing into a staging folder: judged by where that folder is
            for dest in staging:
                inv.write(Word(dest.raw, dest.value.rstrip("/") + "/x") if dest.known else dest, "make.install")
        elif _PUBLISH.match(target.value):
            inv.find(
                R,
                "make.publish",
                f"runs the target '{target.value}', which by its name installs, deploys or publishes",
                [target],
            )
    inv.find(C, "make.build", "runs the project's build recipes", inv.argv)


@program(
    "cmake",
    "ninja",
    "meson",
    "bazel",
    "bazelisk",
    "buck",
    "buck2",
    "scons",
    "waf",
    "ant",
    "sbt",
    "lein",
    "mix",
    "rebar3",
    "dotnet",
    "msbuild",
    "xcodebuild",
    "swift",
    "zig",
    "nix-build",
    "just",
    "task",
    "earthly",
    "tox",
    "nox",
    "pre-commit",
    "pytest",
    "py.test",
    "coverage",
    "jest",
    "vitest",
    "mocha",
    "karma",
    "playwright",
    "cypress",
    "phpunit",
    "rspec",
    "rake",
    "ctest",
    "gradlew",
    "mvnw",
    "tsc",
    "webpack",
    "vite",
    "esbuild",
    "rollup",
    "parcel",
    "turbo",
    "nx",
    "lerna",
    "next",
    "nuxt",
    "ng",
    "hugo",
    "jekyll",
    "mkdocs",
    "sphinx-build",
    "doxygen",
    "javadoc",
    "jupyter",
    "uvicorn",
    "gunicorn",
    "flask",
    "django-admin",
    "manage.py",
    "rails",
    "nodemon",
    "ts-node",
    "tsx",
    "pdb",
    "ipdb",
    "timeit",
    "python-profile",
    "pydoc",
    "compileall",
)
def _builders(inv: Invocation) -> None:
    name = inv.name
    values = [w.value for w in inv.args]
    inv.narrow()
    if values in (["--version"], ["-v"], ["-V"], ["--help"], ["-h"], ["version"]):
        inv.find(A, f"{name}.help", "prints the version or help", inv.argv)
        return
    targets = [v for v in values if not v.startswith("-")]
    if name == "cmake" and ("--install" in values or (values[:1] == ["--build"] and "install" in targets)):
        inv.find(R, "cmake.install", "installs the build's files (into the system by default)", inv.argv)
        return
    if name in ("ninja", "just", "task", "rake", "ant", "sbt", "scons", "dotnet", "mix") and any(
        _PUBLISH.match(t) for t in targets
    ):
        inv.find(R, f"{name}.publish", "runs a target that by its name installs, deploys or publishes", inv.argv)
        return
    deploy = next((t for t in targets if "/" not in t and _DEPLOYS.search(t)), None)
    if deploy is not None:
        # a builder's own deploying command (mkdocs gh-deploy, hugo deploy, nx release): sends the project away
        inv.find(R, f"{name}.deploy", "runs a command that by its name deploys, publishes or releases",
                 [w for w in inv.args if w.value == deploy][:1])  # fmt: skip
        return
    if name == "dotnet" and targets[:1] in (["nuget"],) and "push" in targets:
        inv.find(R, "dotnet.publish", "publishes a package", inv.argv)
        return
    if name in (
        "jupyter",
        "uvicorn",
        "gunicorn",
        "flask",
        "django-admin",
        "manage.py",
        "rails",
        "hugo",
        "jekyll",
        "mkdocs",
    ) and any(t in ("serve", "server", "runserver", "run", "notebook", "lab", "s") for t in targets):
        hosts = [v for v in values if v.startswith(("--host=", "--bind=", "-b", "0.0.0.0", "--ip="))]
        exposed = any("0.0.0.0" in v or "::" in v for v in values) or (
            hosts and not all("127.0.0.1" in h or "localhost" in h for h in hosts)
        )
        inv.find(
            R if exposed else C,
            f"{name}.serve",
            "serves the project" + (" to the network" if exposed else " on this machine"),
            inv.argv,
        )
        return
    if name in ("pre-commit",) and targets[:1] in (["install"], ["autoupdate"], ["clean"], ["gc"]):
        inv.find(C, "pre-commit.install", "installs git hooks or updates hook versions in the project", inv.argv)
        return
    if name == "cmake":
        for k, v in enumerate(values[:-1]):
            where = inv.target(inv.args[k + 1])
            if v in ("-P", "--script"):
                run_file(inv, inv.args[k + 1], "a CMake script")
            elif v == "-S" and where.zone not in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT):
                inv.find(R, "cmake.elsewhere", "configures a project from outside the workspace (its CMake code runs)",
                         inv.args[k : k + 2])  # fmt: skip
    outputs(inv, list(inv.args), f"{name}.output")
    if name in ("pytest", "py.test") and any(
        v in ("--collect-only", "--co", "--fixtures", "--markers") for v in values
    ):
        inv.find(C, "pytest.collect", "imports the project's tests without running them", inv.argv)
        return
    inv.find(C, f"{name}.build", "builds, tests or runs the project's code", inv.argv)


@program(
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "javac",
    "java",
    "kotlinc",
    "scalac",
    "ghc",
    "ocamlc",
    "nasm",
    "as",
    "ld",
    "gfortran",
    "tcc",
    "emcc",
    "cpp",
)
def _compilers(inv: Invocation) -> None:
    inv.narrow()
    args = inv.args
    values = [w.value for w in args]
    if values in (["--version"], ["-v"], ["-version"], ["--help"], ["-dumpversion"], ["-dumpmachine"]) or any(
        v.startswith(("-print-", "--print")) for v in values
    ):
        inv.find(A, f"{inv.name}.help", "prints the compiler's version or settings", inv.argv)
        return
    if inv.name == "java":
        jar = next((args[k + 1] for k, v in enumerate(values[:-1]) if v == "-jar"), None)
        if jar is not None:
            built = re.search(r"(^|/)(build|target|dist|out|libs?|\.gradle|gradle/wrapper)/", jar.value)
            if inv.target(jar).zone == Zone.WORKSPACE and not built:
                # a prebuilt jar lying in the project is no build output of it: code nobody here compiled
                inv.find(
                    R, "java.prebuilt", "runs a prebuilt Java archive that is not the project's build output", [jar]
                )
            else:
                run_file(inv, jar, "a Java program")
        else:
            inv.find(C, "java.run", "runs a Java program from the class path", inv.argv)
        return
    for k, v in enumerate(values):
        if v.startswith("@") and len(v) > 1:
            inv.read(Word(args[k].raw, v[1:]), f"{inv.name}.response-file")
        if v == "-o" and k + 1 < len(args):
            inv.write(args[k + 1], f"{inv.name}.output")
        elif v.startswith("-o") and len(v) > 2:
            inv.write(Word(args[k].raw, v[2:]), f"{inv.name}.output")
        elif v.startswith(("-fplugin", "-Xclang", "-wrapper", "-B", "--plugin", "-fuse-ld=")):
            inv.find(R, f"{inv.name}.plugin", "loads a plugin or program into the compiler", [args[k]])
    inputs = [
        w
        for k, w in enumerate(args)
        if not w.value.startswith(("-", "@"))
        and not (
            k > 0
            and values[k - 1]
            in ("-o", "-I", "-L", "-D", "-x", "-include", "-isystem", "-MF", "-MT", "-l", "-cp", "-classpath", "-d")
        )
    ]
    for f in inputs:
        inv.read(f, f"{inv.name}.input")
    inv.find(C, f"{inv.name}.compile", "compiles code", inv.argv[:1])


# Linters and formatters whose check modes only read; their fix modes edit the project's files.
_CHECKERS = {
    "ruff",
    "black",
    "isort",
    "flake8",
    "pylint",
    "mypy",
    "pyright",
    "bandit",
    "pycodestyle",
    "pydocstyle",
    "yapf",
    "autopep8",
    "eslint",
    "prettier",
    "stylelint",
    "shellcheck",
    "shfmt",
    "hadolint",
    "yamllint",
    "markdownlint",
    "clang-format",
    "clang-tidy",
    "cppcheck",
    "rubocop",
    "golint",
    "gofumpt",
    "ktlint",
    "checkstyle",
    "biome",
    "oxlint",
    "standard",
    "xo",
    "codespell",
    "typos",
    "cspell",
    "vale",
    "taplo",
    "buf",
    "tflint",
    "terraform-fmt",
    "pip-audit",
    "safety",
    "semgrep",
    "trivy",
    "gitleaks",
    "trufflehog",
    "detect-secrets",
    "actionlint",
    "commitlint",
    "editorconfig-checker",
    "djlint",
    "sqlfluff",
    "mdformat",
}
_FIXING = {
    "--fix",
    "--write",
    "-w",
    "--in-place",
    "-i",
    "--inplace",
    "--apply",
    "--fix-only",
    "--format",
    "fix",
    "format",
    "--unsafe-fixes",
    "-a",
    "--autocorrect",
    "-A",
    "--autocorrect-all",
}
_CHECK = {"--check", "--diff", "--check-only", "-c", "check", "--dry-run", "-l", "--list-different", "--verify"}


@program(*sorted(_CHECKERS))
def _checkers(inv: Invocation) -> None:
    name = inv.name
    values = [w.value for w in inv.args]
    inv.narrow()
    if name in ("gitleaks", "trufflehog", "detect-secrets") and not any(
        v in ("--redact", "--no-verification-redact") for v in values
    ):
        inv.find(R, f"{name}.secrets", "prints the secrets it finds", inv.argv)
        return
    if name in (
        "black",
        "isort",
        "yapf",
        "autopep8",
        "prettier",
        "shfmt",
        "clang-format",
        "gofumpt",
        "rubocop",
        "ruff",
        "biome",
        "taplo",
        "mdformat",
        "sqlfluff",
        "djlint",
        "codespell",
    ) and (
        any(v in _FIXING or v.startswith(("--fix", "--write")) for v in values)
        or (name in ("black", "isort", "ruff") and not any(v in _CHECK for v in values) and name != "ruff")
        or (name == "ruff" and values[:1] == ["format"] and "--check" not in values and "--diff" not in values)
    ):
        inv.find(C, f"{name}.fix", "rewrites the project's files", inv.argv)
        targets = [w for w in inv.args if not w.value.startswith("-") and w.value not in ("format", "check", "fix")]
        for t in targets:
            if inv.target(t).zone not in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT):
                inv.write(t, f"{name}.fix")
        return
    # the project's own config (eslint.config.js, conftest.py) is code the linter runs
    runs_config = name in ("eslint", "prettier", "stylelint", "mypy", "pylint", "clang-tidy", "rubocop", "semgrep")
    inv.find(
        C if runs_config else A,
        f"{name}.check",
        "checks the project's files" + (" (loading the project's configuration code)" if runs_config else ""),
        inv.argv,
    )
    inv.output = None or inv.output


__all__ = ["R"]


_OUTPUT_OPTIONS = {"-o", "--output", "--out", "--outdir", "--outDir", "--out-dir", "--out-file", "--outfile",
                   "--target-dir", "--dest", "--destination", "--dist-dir", "--build-dir", "--prefix", "--install-dir",
                   "--root", "--output-dir", "--output-path", "-d", "--directory"}  # fmt: skip


def outputs(inv: Invocation, words: list[Word], rule: str) -> None:
    """Where a build writes, when its options say so (``go build -o ~/bin/x``, ``tsc --outDir /var/www``): a
    build output outside the workspace is a write outside it."""
    for k, w in enumerate(words):
        name, eq, value = w.value.partition("=")
        if name not in _OUTPUT_OPTIONS:
            continue
        target = Word(w.raw, value) if eq else (words[k + 1] if k + 1 < len(words) else None)
        if target is not None and not target.value.startswith("-"):
            t = inv.target(target)
            if t.zone not in (Zone.WORKSPACE, Zone.WORKSPACE_ROOT, Zone.NULL):
                inv.write(target, rule)


def _make_eval(inv: Invocation, text: Word) -> None:
    """``make --eval TEXT``: its $(shell ...) calls run commands, $(file >x,...) writes x, and a rule's recipe runs
    whatever it says."""
    if not text.known:
        inv.find(R, "make.eval", "adds makefile text the check cannot see", [text])
        return
    value = text.value
    for cmd in re.findall(r"\$\(shell\s+([^()]*(?:\([^()]*\)[^()]*)*)\)", value):
        inv.run_script(cmd.replace("$$", "$"), "make $(shell)", "the command in $(shell ...)")  # make's $$ is $
    for target in re.findall(r"\$\(file\s*>>?\s*([^,)]+)", value):
        inv.write(Word.literal(target.strip()), "make.file")
    rest = re.sub(r"\$\((shell|file|info|warning|error)\b[^()]*(?:\([^()]*\)[^()]*)*\)", "", value)
    if re.search(r":.*(;|\n\t)|\t|\beval\b|\$\(shell|\bexport\b|SHELL\s*[:+]?=", rest):
        inv.find(R, "make.eval", "adds makefile rules or settings whose recipes run commands", [text])
    else:
        inv.find(A, "make.eval", "adds makefile text that only prints or computes", [text])

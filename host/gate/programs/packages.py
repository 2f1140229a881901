"""Package managers: installing into the project is CAUTION; installing for the system or the user,
publishing, and running packages fetched from a registry need a person."""

from __future__ import annotations

import re

from tcphw.contract import Risk
from tcphw.host.gate.analyse import Invocation, Output, program, publishes
from tcphw.host.gate.model import A, C, R, X
from tcphw.host.gate.paths import Zone
from tcphw.host.gate.programs.build import outputs
from tcphw.host.gate.programs.code import run_file
from tcphw.host.gate.shell import Word

S, L, M, H, K = Risk.SAFE, Risk.LOW_RISK, Risk.MEDIUM_RISK, Risk.HIGH_RISK, Risk.CRITICAL
_LEVEL = {S: A, L: A, M: C, H: R, K: X}

# tool -> subcommand -> (risk, what it does). Each is "TOOL SUB" in the registry.
SUBCOMMANDS: dict[str, dict[str, tuple[Risk, str]]] = {
    "pip": {
        "install": (M, "installs packages"),
        "uninstall": (M, "removes packages"),
        "list": (S, "lists packages"),
        "show": (S, "shows a package"),
        "freeze": (S, "lists packages"),
        "check": (S, "checks dependencies"),
        "download": (M, "downloads packages"),
        "wheel": (M, "builds wheels"),
        "cache": (M, "manages the cache"),
        "config": (M, "changes pip's settings"),
        "search": (M, "searches the index"),
        "index": (M, "queries the index"),
        "inspect": (S, "shows the environment"),
        "hash": (S, "hashes files"),
        "debug": (S, "prints debug information"),
        "help": (S, "prints help"),
        "completion": (S, "prints completion"),
    },
    "npm": {
        "install": (M, "installs dependencies"),
        "i": (M, "installs dependencies"),
        "ci": (M, "installs dependencies"),
        "add": (M, "installs dependencies"),
        "uninstall": (M, "removes dependencies"),
        "remove": (M, "removes dependencies"),
        "rm": (M, "removes dependencies"),
        "update": (M, "updates dependencies"),
        "test": (M, "runs the project's tests"),
        "t": (M, "runs the project's tests"),
        "run": (M, "runs a project script"),
        "run-script": (M, "runs a project script"),
        "start": (M, "runs the project's start script"),
        "build": (M, "builds"),
        "ls": (S, "lists dependencies"),
        "list": (S, "lists dependencies"),
        "outdated": (M, "checks for updates (network)"),
        "view": (M, "shows a package (network)"),
        "info": (M, "shows a package (network)"),
        "show": (M, "shows a package (network)"),
        "audit": (M, "checks advisories (network)"),
        "publish": (H, "publishes a package to the registry"),
        "unpublish": (K, "removes a published package"),
        "deprecate": (H, "deprecates a published package"),
        "login": (H, "stores registry credentials"),
        "adduser": (H, "stores registry credentials"),
        "logout": (M, "removes registry credentials"),
        "token": (H, "manages tokens"),
        "whoami": (M, "asks the registry who is logged in"),
        "config": (M, "reads or changes npm's settings"),
        "init": (L, "creates package.json"),
        "exec": (H, "runs a package's program"),
        "x": (H, "runs a package's program"),
        "link": (H, "links packages globally"),
        "pack": (L, "writes a package tarball"),
        "cache": (M, "manages the cache"),
        "prune": (M, "removes extraneous packages"),
        "dedupe": (M, "reorganises dependencies"),
        "version": (M, "bumps the version"),
        "doctor": (M, "checks the environment"),
        "fund": (S, "lists funding"),
        "help": (S, "prints help"),
        "explain": (S, "explains a dependency"),
        "why": (S, "explains a dependency"),
        "root": (S, "prints a folder"),
        "prefix": (S, "prints a folder"),
        "bin": (S, "prints a folder"),
        "owner": (H, "changes package owners"),
        "access": (H, "changes package access"),
        "dist-tag": (H, "changes published tags"),
        "star": (M, "stars a package"),
        "rebuild": (M, "rebuilds packages"),
        "search": (M, "searches the registry"),
        "set-script": (M, "edits package.json"),
        "pkg": (M, "edits package.json"),
        "query": (S, "queries dependencies"),
        "diff": (M, "compares versions"),
        "repo": (M, "opens a browser"),
        "docs": (M, "opens a browser"),
        "edit": (M, "edits a dependency"),
        "shrinkwrap": (L, "writes a lock file"),
        "sbom": (S, "prints a bill of materials"),
        "stop": (M, "runs a script"),
        "restart": (M, "runs a script"),
    },
    "cargo": {
        "build": (M, "builds"),
        "b": (M, "builds"),
        "check": (M, "checks (runs build scripts)"),
        "c": (M, "checks"),
        "test": (M, "runs tests"),
        "t": (M, "runs tests"),
        "run": (M, "runs the project"),
        "r": (M, "runs the project"),
        "bench": (M, "runs benchmarks"),
        "clippy": (M, "lints"),
        "fmt": (M, "formats the code"),
        "doc": (M, "builds docs"),
        "clean": (M, "deletes build outputs"),
        "add": (M, "adds a dependency"),
        "remove": (M, "removes a dependency"),
        "rm": (M, "removes a dependency"),
        "update": (M, "updates the lock file"),
        "fetch": (M, "downloads dependencies"),
        "tree": (S, "lists dependencies"),
        "metadata": (S, "prints metadata"),
        "search": (M, "searches the registry"),
        "install": (H, "installs a program for the user"),
        "uninstall": (H, "removes a user program"),
        "publish": (H, "publishes a crate"),
        "yank": (H, "withdraws a published crate"),
        "login": (H, "stores credentials"),
        "logout": (H, "removes registry credentials from the home folder"),
        "owner": (H, "changes crate owners"),
        "new": (L, "creates a project"),
        "init": (L, "creates a project"),
        "version": (S, "prints the version"),
        "help": (S, "prints help"),
        "vendor": (M, "copies dependencies"),
        "package": (M, "builds a package"),
        "generate-lockfile": (M, "writes the lock file"),
        "verify-project": (S, "checks the manifest"),
        "locate-project": (S, "prints the manifest's path"),
        "pkgid": (S, "prints a package id"),
        "audit": (M, "checks advisories"),
        "outdated": (M, "checks for updates"),
        "nextest": (M, "runs tests"),
        "llvm-cov": (M, "runs tests with coverage"),
        "fix": (M, "edits the code"),
    },
    "go": {
        "build": (M, "builds"),
        "test": (M, "runs tests"),
        "run": (M, "runs a program"),
        "vet": (M, "checks the code"),
        "fmt": (M, "formats the code"),
        "mod": (M, "manages modules"),
        "get": (M, "adds dependencies"),
        "install": (H, "installs programs for the user"),
        "list": (S, "lists packages"),
        "env": (S, "prints settings"),
        "version": (S, "prints the version"),
        "doc": (S, "prints documentation"),
        "clean": (M, "deletes build outputs"),
        "generate": (M, "runs the generators the code names"),
        "tool": (M, "runs a Go tool"),
        "work": (M, "manages workspaces"),
        "help": (S, "prints help"),
        "fix": (M, "rewrites code"),
        "bug": (M, "opens a browser"),
        "telemetry": (M, "changes telemetry"),
    },
    "apt": {
        "install": (H, "installs system packages"),
        "remove": (H, "removes system packages"),
        "purge": (H, "removes system packages"),
        "autoremove": (H, "removes system packages"),
        "update": (H, "refreshes the system's package lists"),
        "upgrade": (H, "upgrades system packages"),
        "full-upgrade": (H, "upgrades system packages"),
        "dist-upgrade": (H, "upgrades system packages"),
        "list": (S, "lists packages"),
        "search": (S, "searches packages"),
        "show": (S, "shows a package"),
        "policy": (S, "shows versions"),
        "depends": (S, "shows dependencies"),
        "rdepends": (S, "shows dependents"),
        "download": (M, "downloads a package"),
        "source": (M, "downloads sources"),
        "changelog": (M, "downloads a changelog"),
        "clean": (H, "cleans the system's cache"),
        "autoclean": (H, "cleans the system's cache"),
        "edit-sources": (H, "edits the system's sources"),
        "build-dep": (H, "installs build dependencies"),
        "satisfy": (H, "installs system packages"),
        "moo": (S, "prints a cow"),
        "check": (S, "checks the package database"),
        "showsrc": (S, "shows sources"),
        "madison": (S, "shows versions"),
        "mark": (H, "marks packages"),
        "hold": (H, "holds packages"),
    },
}
SUBCOMMANDS["pip3"] = SUBCOMMANDS["pip"]
SUBCOMMANDS["apt-get"] = SUBCOMMANDS["apt"]
SUBCOMMANDS["apt-cache"] = {k: (S, v[1]) for k, v in SUBCOMMANDS["apt"].items() if v[0] == S}
SUBCOMMANDS["yarn"] = {**SUBCOMMANDS["npm"], "dlx": (H, "runs a package fetched from the registry")}
SUBCOMMANDS["pnpm"] = {**SUBCOMMANDS["npm"], "dlx": (H, "runs a package fetched from the registry")}
SUBCOMMANDS["bun"] = {k: v for k, v in SUBCOMMANDS["npm"].items()}

# dev tools commonly run through npx that are the project's own dependencies
_NPX_KNOWN = {
    "tsc",
    "eslint",
    "prettier",
    "jest",
    "vitest",
    "mocha",
    "ts-node",
    "tsx",
    "playwright",
    "cypress",
    "webpack",
    "vite",
    "next",
    "nuxt",
    "rollup",
    "esbuild",
    "nodemon",
    "husky",
    "lint-staged",
    "stylelint",
    "turbo",
    "nx",
    "lerna",
    "tailwindcss",
    "postcss",
    "babel",
    "prisma",
    "sequelize",
    "knex",
    "typeorm",
    "ng",
    "react-scripts",
    "storybook",
    "jasmine",
    "karma",
    "ava",
    "c8",
    "nyc",
    "standard",
    "xo",
    "biome",
    "oxlint",
    "depcheck",
    "npm-check-updates",
    "ncu",
    "semantic-release",
    "changeset",
    "tsup",
    "swc",
    "svelte-check",
    "vue-tsc",
    "astro",
    "remix",
    "wrangler",
    "serve",
}


def _sub(inv: Invocation, tool: str) -> tuple[str, list[Word]]:
    args = inv.args
    values = [w.value for w in args]
    i = 0
    while i < len(values) and values[i].startswith("-"):
        if values[i] in (
            "--prefix",
            "-C",
            "--cwd",
            "--dir",
            "--manifest-path",
            "-C",
            "--filter",
            "-w",
            "--workspace",
            "-o",
            "-c",
            "-t",
        ) and i + 1 < len(values):
            i += 1
        i += 1
    return (values[i] if i < len(values) else ""), args[i + 1 :]


def _registry_entry(inv: Invocation, tool: str, sub: str) -> tuple[Risk, str] | None:
    table = SUBCOMMANDS.get(tool, {})
    entry = table.get(sub)
    if entry is not None:
        inv.key(f"{tool} {sub}")
        inv.narrow()
        if sub == "publish" and any(w.value == "--dry-run" for w in inv.args):
            # npm, cargo, pnpm, yarn: --dry-run packs and checks, and uploads nothing
            inv.find(C, f"{tool}.publish.dry-run", "only packs and checks what it would publish (--dry-run)",
                     inv.argv[:2])  # fmt: skip
            return entry
        inv.find(_LEVEL[entry[0]], f"{tool}.{sub}", entry[1], inv.argv[: 2 if sub else 1])
    return entry


@program(
    "pip",
    "pip3",
    "pipx",
    "uv",
    "poetry",
    "pipenv",
    "pdm",
    "conda",
    "mamba",
    "micromamba",
    "easy_install",
    "virtualenv",
    "ensurepip",
    "twine",
    "python-build",
    "hatch",
    "flit",
)
def _pip(inv: Invocation) -> None:
    name = inv.name
    sub, rest = _sub(inv, name)
    values = [w.value for w in rest]
    if name in ("virtualenv", "ensurepip", "python-build"):
        inv.narrow()
        target = next((w for w in rest if not w.value.startswith("-")), Word.literal(".venv"))
        if name == "virtualenv":
            inv.create(target, "venv.create")
        else:
            inv.find(C, f"{name}.build", "builds or bootstraps into the project", inv.argv)
        return
    if name == "twine":
        inv.narrow()
        if sub == "upload":
            inv.find(R, "twine.upload", "publishes packages to an index", inv.argv)
        else:
            inv.find(A, "twine.check", "checks distributions", inv.argv)
        return
    if name in ("pipx",):
        inv.narrow()
        if sub in ("run",):
            inv.find(R, "runs.downloaded", "downloads a package and runs it", inv.argv)
        elif sub in ("list", "environment"):
            inv.find(A, "pipx.list", "lists installed applications", inv.argv)
        else:
            inv.find(R, "pipx.install", "installs or removes applications for the user", inv.argv)
        return
    if name == "uv":
        inv.narrow()
        inv.key(f"uv {sub}" if sub else "uv")
        if sub in ("run",):
            inv.find(C, "uv.run", "runs a command in the project's environment", inv.argv[:2])
            cmd = [w for w in rest if not w.value.startswith("-")]
            if any(v in ("--with", "--from") for v in values):
                inv.find(R, "uv.run-with", "adds packages fetched from the index to the run", inv.argv)
            if cmd:
                inv.run(cmd, "uv run")
            return
        if sub in ("tool", "x") or name == "uvx":
            if sub == "tool" and values[:1] in (["list"], ["dir"]):
                inv.find(A, "uv.tool.list", "lists tools", inv.argv)
            else:
                inv.find(R, "runs.downloaded", "fetches a tool from the index and runs or installs it", inv.argv)
            return
        if sub == "pip":
            sub, rest = (values[0] if values else ""), rest[1:]
            values = [w.value for w in rest]
        if sub in ("add", "sync", "lock", "remove", "install", "uninstall", "venv", "init", "build"):
            inv.find(C, f"uv.{sub}", "changes the project's environment or lock file", inv.argv[:2])
            if "--system" in values or "--break-system-packages" in values:
                inv.find(R, "pip.system", "installs into the system's Python", inv.argv)
            _pip_sources(inv, rest, values)
            return
        if sub in ("publish",):
            inv.find(R, "uv.publish", "publishes packages to an index", inv.argv)
            return
        inv.find(
            A if sub in ("tree", "version", "help", "list", "show", "freeze") else C,
            f"uv.{sub or 'help'}",
            "reads the project's environment",
            inv.argv,
        )
        return
    if name in ("poetry", "pipenv", "pdm", "hatch", "flit", "conda", "mamba", "micromamba"):
        inv.narrow()
        inv.key(f"{name} {sub}" if sub else name)
        if sub in ("publish", "upload"):
            inv.find(R, f"{name}.publish", "publishes packages to an index", inv.argv)
        elif sub in ("run", "shell", "exec"):
            inv.find(C, f"{name}.run", "runs a command in the project's environment", inv.argv[:2])
            cmd = [w for w in rest if not w.value.startswith("-")]
            if cmd and sub != "shell":
                inv.run(cmd, f"{name} {sub}")
        elif sub in ("new", "init", "create") and [w for w in rest if not w.value.startswith("-")][:1]:
            folder = next(w for w in rest if not w.value.startswith("-"))
            inv.create(folder, f"{name}.{sub}")
        elif sub == "config" and "--local" in values and name == "poetry":
            inv.find(C, "poetry.config.local", "changes the project's poetry.toml", inv.argv)
        elif sub == "config" and len([v for v in values if not v.startswith("-")]) >= 2 and "--list" not in values:
            inv.find(R, f"{name}.config", f"changes {name}'s settings for the user (credentials included)", inv.argv)
        elif sub in (
            "show",
            "list",
            "info",
            "check",
            "env",
            "config",
            "version",
            "search",
            "tree",
            "graph",
            "--version",
        ):
            inv.find(A if sub not in ("search",) else C, f"{name}.{sub}", "reads the project's environment", inv.argv)
        elif name in ("conda", "mamba", "micromamba") and sub in ("install", "remove", "create", "update", "env"):
            if any(v in ("-n", "--name", "-p", "--prefix") for v in values) or sub == "create":
                inv.find(C, f"{name}.{sub}", "changes a named environment", inv.argv)
            else:
                inv.find(R, f"{name}.{sub}", "changes the base environment", inv.argv)
        else:
            inv.find(C, f"{name}.{sub or 'run'}", "changes the project's environment", inv.argv[:2])
            _pip_sources(inv, rest, values)
        return
    entry = _registry_entry(inv, "pip" if name in ("pip", "pip3") else name, sub)
    if entry is None:
        inv.key(name)
        if not sub and any(v in ("--version", "-V", "--help", "-h") for v in [w.value for w in inv.args]):
            inv.narrow()
            inv.find(A, "pip.help", "prints pip's version or help", inv.argv)
        return
    if sub in ("install", "uninstall", "download", "wheel"):
        if "--user" in values or "--break-system-packages" in values or "--system" in values or inv.ctx.root:
            inv.find(R, "pip.system", "installs outside the project: for the user or the system", inv.argv)
        elif not _in_venv(inv) and sub != "download":
            # no virtual environment of the project on the line: the packages land wherever pip points, the
            # user's or the system's site-packages (docs/gate-labels.md)
            inv.find(R, "pip.environment", "changes a Python environment outside the project (no venv on the line)",
                     inv.argv[:2])  # fmt: skip
        for k, v in enumerate(values):
            if v in ("-t", "--target", "--prefix", "--root", "-d", "--dest") and k + 1 < len(rest):
                inv.write(rest[k + 1], "pip.target")
        _pip_sources(inv, rest, values)
    if sub == "config" and any(v in ("set", "unset", "edit") for v in values):
        inv.find(R, "pip.config", "changes pip's settings for the user or the system", inv.argv)
    if sub == "cache" and any(v in ("purge", "remove") for v in values):
        inv.find(R, "pip.cache", "deletes the user's pip cache", inv.argv)


def _in_venv(inv: Invocation) -> bool:
    """pip run from the project's virtual environment, or with one activated earlier on the line."""
    # the program's own path, or the interpreter's that runs it as a module (.venv/bin/python -m pip)
    heads = [inv.argv[0].value] + ([inv.command.words[0].value] if inv.command.words else [])
    if any("/" in head and any(p in head for p in ("venv/", ".venv/", "env/")) for head in heads):
        return True
    venv = inv.ctx.env.get("VIRTUAL_ENV")
    return bool(venv) and inv.target(Word.literal(venv or "")).inside


def _pip_sources(inv: Invocation, rest: list[Word], values: list[str]) -> None:
    """Where packages come from: an index URL or a VCS or file URL is code from a source nobody vetted."""
    for k, v in enumerate(values):
        if v in ("-i", "--index-url", "--extra-index-url", "-f", "--find-links") or v.startswith(
            ("--index-url=", "--extra-index-url=", "--find-links=")
        ):
            url = v.split("=", 1)[1] if "=" in v else (values[k + 1] if k + 1 < len(values) else "")
            if "pypi.org" not in url and "pythonhosted" not in url:
                inv.find(R, "pip.index", f"installs from another package index ({url})", rest[k : k + 2])
        elif re.match(r"^(git\+|hg\+|svn\+|https?://|ftp://)", v) or "@ git+" in v or "@ http" in v:
            inv.find(R, "pip.url", "installs code straight from a URL or repository", [rest[k]])
        elif v in ("-r", "--requirement", "-c", "--constraint", "-e", "--editable") and k + 1 < len(rest):
            t = inv.target(rest[k + 1])
            inv.read(rest[k + 1], "pip.requirements")
            if v in ("-e", "--editable") and t.zone.name not in ("WORKSPACE", "WORKSPACE_ROOT"):
                inv.find(R, "pip.editable", "installs code from outside the project", [rest[k + 1]])


@program("npm", "yarn", "pnpm", "npx", "pnpx", "bunx", "corepack")
def _npm(inv: Invocation) -> None:
    name = inv.name
    if name in ("npx", "pnpx", "bunx"):
        _npx(inv)
        return
    sub, rest = _sub(inv, name)
    values = [w.value for w in rest]
    globally = any(v in ("-g", "--global", "--location=global") for v in [w.value for w in inv.args])
    if name == "yarn" and sub == "global":
        globally = True
        sub, rest = (values[0] if values else ""), rest[1:]
        values = values[1:]
    if name == "yarn" and sub and sub not in SUBCOMMANDS["yarn"]:
        # "yarn lint" runs the script named lint
        inv.key("yarn run")
        inv.narrow()
        inv.find(C, "yarn.run", "runs a project script", inv.argv[:2])
        _script_name(inv, sub)
        return
    if not sub:
        inv.key(name)
        if any(w.value in ("--version", "-v", "--help", "-h") for w in inv.args):
            inv.narrow()
            inv.find(A, f"{name}.help", "prints the version or help", inv.argv)
        elif name == "yarn":
            inv.narrow()
            inv.find(C, "yarn.install", "installs the project's dependencies", inv.argv)
        return
    entry = _registry_entry(inv, name if name in SUBCOMMANDS else "npm", sub)
    if entry is None:
        inv.key(name)
        inv.narrow()
        inv.find(R, f"{name}.unknown", f"'{sub}' is no {name} command the table knows", inv.argv[:2])
        return
    if globally and sub in ("install", "i", "add", "uninstall", "remove", "rm", "update", "link"):
        inv.find(R, f"{name}.global", "installs or removes packages for the whole user or system", inv.argv)
    if sub in ("install", "i", "add", "ci", "update") and rest:
        for w in rest:
            if re.match(r"^(git\+|git:|github:|https?://|file:|\.\.?/|/|gitlab:|bitbucket:)", w.value):
                inv.find(R, f"{name}.url", "installs code straight from a URL, repository or folder", [w])
    if sub in ("run", "run-script") and rest:
        script = next((w for w in rest if not w.value.startswith("-")), None)
        if script is not None:
            _script_name(inv, script.value)
        if "--" in values:
            outputs(inv, rest[values.index("--") + 1 :], f"{name}.run.output")
    if sub in ("exec", "x"):
        cmd = [w for w in rest if not w.value.startswith("-") and w.value != "--"]
        if cmd:
            _npx_package(inv, cmd[0])
    if sub == "config" and values[:1] and values[0] in ("set", "delete", "edit"):
        inv.find(R, f"{name}.config", "changes npm's settings for the user", inv.argv)
    elif sub == "config":
        inv.part.findings = [f for f in inv.part.findings if f.rule != f"{name}.config"]
        if any("token" in v or "auth" in v or "_password" in v for v in values):
            inv.find(R, f"{name}.config.secret", "reads a registry credential", inv.argv)
        else:
            inv.find(A, f"{name}.config.read", "reads npm's settings", inv.argv)
    if sub == "cache" and values[:1] and values[0] in ("clean", "rm", "clear"):
        inv.find(R, f"{name}.cache", "clears the user's package cache", inv.argv)


def _script_name(inv: Invocation, script: str) -> None:
    if re.search(r"(deploy|publish|release|upload|prod)", script, re.I):
        inv.find(
            R,
            "npm.run.publish",
            f"runs the project script '{script}', which by its name deploys or publishes",
            inv.argv,
        )


def _npx(inv: Invocation) -> None:
    args = [w for w in inv.args]
    values = [w.value for w in args]
    inv.narrow()
    inv.key("npx")
    cmd = [
        w
        for k, w in enumerate(args)
        if not w.value.startswith("-") and not (k > 0 and values[k - 1] in ("-p", "--package", "-c"))
    ]
    for k, v in enumerate(values):
        if v in ("-c", "--call") and k + 1 < len(args):
            inv.run_script(args[k + 1].text, "npx -c")
    if not cmd:
        inv.find(C, "npx.nothing", "npx with no package", inv.argv)
        return
    if "--yes" in values or "-y" in values:
        inv.find(R, "runs.downloaded", "downloads a package from the registry and runs it without asking", inv.argv)
    _npx_package(inv, cmd[0])
    # the tool's own words: semantic-release, changeset publish, lerna publish send the project away
    publishes(inv, cmd)
    text = " ".join(w.value for w in cmd)
    words = " ".join(values[values.index(cmd[0].value) :])
    if re.search(r"^(@playwright/test|playwright)\s+(install\s.*--with-deps|install-deps)", words + " "):
        inv.find(R, "npx.system-packages", "installs the browsers' system packages with sudo", cmd)
    if re.search(r"^prisma\s+(migrate\s+(deploy|reset|resolve)|db\s+(push|execute|seed))|^(knex|sequelize)\s+.*"
                 r"(migrate|seed)|^typeorm\s+(migration:run|schema:(sync|drop))", text):  # fmt: skip
        inv.find(R, "npx.database", "changes the database the project's settings point at", cmd)


def _npx_package(inv: Invocation, word: Word) -> None:
    pkg = (
        re.sub(r"@[^/@]*$", "", word.value)
        if not word.value.startswith("@") or word.value.count("@") > 1
        else word.value
    )
    base = pkg.split("/")[-1]
    if word.value.endswith("@latest") or ("@" in word.value[1:] and not word.value.startswith("@")):
        inv.find(R, "runs.downloaded", "runs a package version fetched from the registry", [word])
    elif base in _NPX_KNOWN:
        inv.find(C, "npx.project-tool", f"runs the project's {base}", [word])
    else:
        inv.find(
            R, "runs.downloaded", f"runs {pkg}, which npx fetches from the registry unless the project has it", [word]
        )


@program(
    "cargo", "rustup", "go", "gofmt", "rustc", "rustfmt", "golangci-lint", "goimports", "staticcheck", "cargo-clippy"
)
def _rust_go(inv: Invocation) -> None:
    name = inv.name
    if name in ("gofmt", "rustfmt", "goimports"):
        inv.narrow()
        values = [w.value for w in inv.args]
        files = [w for w in inv.args if not w.value.startswith("-")]
        if "-w" in values or (name == "rustfmt" and "--check" not in values):
            for f in files:
                inv.write(f, f"{name}.write")
        else:
            for f in files:
                inv.read(f, f"{name}.read")
            inv.find(A, f"{name}.check", "only reports formatting", inv.argv[:1])
        return
    if name in ("rustc", "golangci-lint", "staticcheck", "cargo-clippy"):
        inv.narrow()
        inv.find(C, f"{name}.build", "compiles or checks the project's code", inv.argv)
        return
    if name == "rustup":
        inv.narrow()
        sub, _ = _sub(inv, name)
        if sub in ("show", "which", "--version", "-V", "doc", "help", "") or (
            sub == "toolchain" and "list" in [w.value for w in inv.args]
        ):
            inv.find(A, "rustup.show", "shows toolchains", inv.argv)
        else:
            inv.find(R, "rustup.change", "installs or changes toolchains for the user", inv.argv)
        return
    sub, rest = _sub(inv, name)
    values = [w.value for w in rest]
    if name == "cargo" and sub and sub not in SUBCOMMANDS["cargo"]:
        inv.key("cargo")
        inv.narrow()
        inv.find(C, "cargo.plugin", f"runs the cargo plugin {sub} (a program installed for the user)", inv.argv[:2])
        return
    entry = _registry_entry(inv, name, sub)
    if entry is None:
        inv.key(name)
        if not sub or sub in ("--version", "-V", "version", "--help", "-h"):
            inv.narrow()
            inv.find(A, f"{name}.help", "prints the version or help", inv.argv)
        return
    if name == "go" and sub == "build":
        outputs(inv, rest, "go.build.output")
    if name == "go" and sub == "run":
        for w in rest:
            if w.value.endswith(".go") and inv.target(w).zone != Zone.WORKSPACE:
                run_file(inv, w, "a Go program")
    if name == "go" and sub in ("install", "run", "get"):
        remote = [w for w in rest if "@" in w.value or re.match(r"^[a-z0-9.-]+\.[a-z]{2,}/", w.value)]
        if remote:
            inv.find(R, "runs.downloaded", "fetches a module from the network and builds or runs it", remote)
        elif sub == "install":
            pass
        elif sub == "run":
            inv.part.findings = [f for f in inv.part.findings if f.rule != "go.run"]
            inv.find(C, "go.run", "runs the project's program", inv.argv[:2])
    if name == "go" and sub == "env" and "-w" in values:
        inv.find(R, "go.env.write", "changes Go's settings for the user", inv.argv)
    if (
        name == "go"
        and sub == "clean"
        and any(v in ("-cache", "-modcache", "-testcache", "-fuzzcache") for v in values)
    ):
        inv.find(R, "go.clean.cache", "deletes the user's Go caches", inv.argv)
    if name == "go" and sub == "mod" and values[:1] in (["graph"], ["why"], ["verify"], ["edit"]) and "-json" in values:
        pass
    if name == "cargo" and sub == "install":
        local = any(v in ("--path",) for v in values)
        if local:
            inv.find(R, "cargo.install", "installs the project's program for the user", inv.argv)
    if name == "cargo" and sub in ("run", "r", "test", "t", "bench"):
        pass


@program(
    "apt",
    "apt-get",
    "apt-cache",
    "aptitude",
    "dpkg",
    "dpkg-query",
    "snap",
    "flatpak",
    "yum",
    "dnf",
    "rpm",
    "zypper",
    "pacman",
    "apk",
    "brew",
    "port",
    "gem",
    "bundle",
    "bundler",
    "composer",
    "nix-env",
    "nix",
    "mvn",
    "gradle",
    "sdk",
    "asdf",
    "nvm",
    "volta",
    "fnm",
    "pyenv",
    "update-alternatives",
    "dpkg-reconfigure",
    "add-apt-repository",
    "apt-key",
    "debconf-set-selections",
    "helm",
    "luarocks",
    "cpan",
    "cpanm",
    "opam",
    "stack",
    "cabal",
    "deno-install",
)
def _system_packages(inv: Invocation) -> None:
    name = inv.name
    values = [w.value for w in inv.args]
    sub = next((v for v in values if not v.startswith("-")), "")
    inv.narrow()
    if name in ("apt", "apt-get", "apt-cache"):
        for k, v in enumerate(values):
            setting = values[k + 1] if v in ("-o", "--option") and k + 1 < len(values) else (
                v[2:] if v.startswith("-o") and len(v) > 2 else None)  # fmt: skip
            if setting and re.search(r"(?i)(invoke|::pre-|::post-|pager|hook)", setting.split("=", 1)[0]):
                # APT's hooks run a shell command (as root under sudo)
                inv.run_script(setting.split("=", 1)[1].lstrip(":=") if "=" in setting else None, "apt -o",
                               "the hook apt runs")  # fmt: skip
        if "-s" in values or "--simulate" in values or "--dry-run" in values or "--just-print" in values:
            inv.key(f"{name} {sub}" if sub else name)
            inv.find(A, "apt.simulate", "only simulates", inv.argv)
            return
        entry = _registry_entry(inv, "apt" if name != "apt-cache" else "apt-cache", sub)
        if entry is None:
            inv.key(name)
            inv.find(
                A if not sub or sub in ("--version", "--help") else R,
                f"{name}.other",
                "prints apt's version or help" if not sub else f"'{sub}' is no {name} command the table knows",
                inv.argv,
            )
        if sub in ("purge", "remove", "autoremove") and any(
            re.match(
                r"^(libc6|systemd|bash|coreutils|dpkg|apt|sudo|"
                r"openssh-server|linux-image.*|grub.*|init|login|"
                r"util-linux|base-files)$",
                v,
            )
            for v in values
        ):
            inv.find(X, "apt.essential", "removes a package the system cannot run without", inv.argv)
        return
    if name in ("dpkg", "dpkg-query", "rpm"):
        reading = {
            "-l",
            "--list",
            "-L",
            "--listfiles",
            "-s",
            "--status",
            "-S",
            "--search",
            "-p",
            "--print-avail",
            "-W",
            "--show",
            "-q",
            "-qa",
            "-ql",
            "-qi",
            "-qf",
            "--get-selections",
            "-c",
            "--contents",
            "-I",
            "--info",
            "--print-architecture",
            "--version",
            "--help",
            "--audit",
            "-C",
            "-V",
            "--verify",
        }
        if name == "dpkg-query" or any(v in reading or v.startswith(("-q", "--query")) for v in values):
            inv.key(f"{name} query")
            inv.find(A, f"{name}.query", "queries the package database", inv.argv)
            return
        inv.key(f"{name} install")
        if any(v.startswith(("--force", "--nodeps")) for v in values):
            inv.find(X, f"{name}.force", "forces a package change past the package manager's safety checks", inv.argv)
        elif any(v in ("-P", "--purge", "-r", "--remove", "-e", "--erase") for v in values):
            inv.find(R, f"{name}.remove", "removes system packages", inv.argv)
        else:
            inv.find(R, f"{name}.install", "installs or changes system packages", inv.argv)
        return
    if name in ("mvn", "gradle"):
        inv.key(f"{name} {sub}" if sub else name)
        goals = [v for v in values if not v.startswith("-")]
        if any(g in ("deploy", "publish", "release:perform", "uploadArchives", "publishToMavenCentral") for g in goals):
            inv.find(R, f"{name}.publish", "publishes artefacts", inv.argv)
        elif any(g in ("install", "publishToMavenLocal") for g in goals):
            inv.find(R, f"{name}.install", "installs artefacts into the user's repository (~/.m2)", inv.argv)
        elif sub in (
            "-v",
            "--version",
            "-version",
            "help",
            "--help",
            "dependency:tree",
            "dependencies",
            "tasks",
            "projects",
            "properties",
        ):
            inv.find(A, f"{name}.read", "reads the build", inv.argv)
        else:
            inv.find(C, f"{name}.build", "builds or tests the project", inv.argv)
        return
    if name == "helm":
        inv.key(f"helm {sub}" if sub else "helm")
        if sub == "get" and any(v in ("values", "all", "manifest") for v in values):
            inv.find(R, "helm.values", "prints a release's values, where its passwords and keys are", inv.argv)
            return
        if sub == "repo" and values[1:2] in (["update"], ["list"], ["ls"], ["index"]):
            inv.receive(None, "helm.repo.update", "refreshes or lists the chart indexes it caches")
            return
        if sub in (
            "list",
            "ls",
            "status",
            "get",
            "history",
            "show",
            "template",
            "lint",
            "version",
            "search",
            "env",
            "help",
            "dependency",
            "verify",
        ):
            inv.find(
                C if sub in ("list", "ls", "status", "get", "history", "search") else A,
                f"helm.{sub}",
                "reads charts or releases",
                inv.argv,
            )
        else:
            inv.find(R, f"helm.{sub or 'change'}", "changes a cluster or the user's chart repositories", inv.argv)
        return
    if name in ("gem", "bundle", "bundler", "composer", "cpan", "cpanm", "luarocks", "opam", "cabal", "stack"):
        inv.key(f"{name} {sub}" if sub else name)
        if sub in (
            "list",
            "show",
            "info",
            "outdated",
            "search",
            "env",
            "version",
            "--version",
            "help",
            "check",
            "validate",
            "diagnose",
            "licenses",
            "config",
            "depends",
            "why",
            "",
        ):
            inv.find(A, f"{name}.read", "reads package information", inv.argv)
        elif sub in (
            "exec",
            "run",
            "run-script",
            "test",
            "install",
            "update",
            "require",
            "dump-autoload",
            "build",
            "lock",
        ) and (
            name in ("bundle", "bundler", "composer", "stack", "cabal", "opam")
            and "--global" not in values
            and "global" not in values
        ):
            inv.find(C, f"{name}.{sub}", "installs or runs within the project", inv.argv)
            if sub in ("exec", "run") and name in ("bundle", "bundler", "composer"):
                cmd = [w for w in inv.args[1:] if not w.value.startswith("-")]
                if cmd and name != "composer":
                    inv.run(cmd, f"{name} exec")
        elif sub in ("push", "publish", "upload", "yank", "owner"):
            inv.find(R, f"{name}.publish", "publishes or withdraws packages", inv.argv)
        else:
            inv.find(R, f"{name}.install", "installs or removes packages for the user or the system", inv.argv)
        return
    inv.key(f"{name} {sub}" if sub else name)
    if sub in (
        "list",
        "search",
        "info",
        "show",
        "query",
        "--version",
        "-v",
        "version",
        "help",
        "--help",
        "outdated",
        "versions",
        "current",
        "which",
        "ls",
        "ls-remote",
        "doctor",
        "config",
        "-l",
    ):
        inv.find(A, f"{name}.read", "reads package information", inv.argv)
        return
    inv.find(R, f"{name}.change", "installs, removes or changes software for the user or the system", inv.argv)


def descriptors() -> dict[str, tuple[Risk, str]]:
    out: dict[str, tuple[Risk, str]] = {}
    for tool, subs in SUBCOMMANDS.items():
        for sub, v in subs.items():
            out[f"{tool} {sub}"] = v
    return out


__all__ = ["Output", "descriptors"]

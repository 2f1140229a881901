"""Evidence from where and how a tool is installed: its directory and its Debian package.

The package that owns a file comes from dpkg's file lists (``/var/lib/dpkg/info/*.list``); its Section, short and
long description and dependencies from ``/var/lib/dpkg/status``, read with python-debian; its Debtags, where the
machine has them, from apt's package lists (``/var/lib/apt/lists/*_Packages*``; dpkg's status has no tags). Tools
of one package share its risks: the package's description and libraries speak for each of them.

Everything is read once per process and cached; nothing is run but apt's own ``apt-helper cat-file``, which
decompresses an apt list that Python cannot (lz4), and only where the list is so compressed.
"""

from __future__ import annotations

import functools
import gzip
import lzma
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

DPKG_INFO = Path("/var/lib/dpkg/info")
DPKG_STATUS = Path("/var/lib/dpkg/status")
APT_LISTS = Path("/var/lib/apt/lists")
APT_HELPER = Path("/usr/lib/apt/apt-helper")

ADMIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")
# Merged-/usr aliases: dpkg may list a file under either name.
_ALIASES = (("/usr/bin/", "/bin/"), ("/usr/sbin/", "/sbin/"), ("/usr/lib/", "/lib/"))


@dataclass(frozen=True)
class PackageInfo:
    name: str
    section: str  # "admin", "net", "utils", ... ("" where dpkg has none)
    summary: str  # the Description's first line
    description: str  # the long description, one line
    depends: tuple[str, ...]  # the package names it depends on (versions and alternatives dropped)
    tags: tuple[str, ...]  # Debtags ("admin::monitoring", ...), where apt's lists have them

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "section": self.section,
            "summary": self.summary,
            "description": self.description,
            "depends": list(self.depends),
            "tags": list(self.tags),
        }


@dataclass(frozen=True)
class InstallEvidence:
    directory: str  # the directory it was found in (its name on PATH)
    admin_dir: bool  # /usr/sbin or /sbin: a system administration command
    package: PackageInfo | None  # None: no package owns it (installed by hand, or no dpkg here)

    def as_dict(self) -> dict[str, object]:
        return {
            "directory": self.directory,
            "admin_dir": self.admin_dir,
            "package": self.package.as_dict() if self.package else None,
        }


@functools.cache
def _owners() -> dict[str, str]:
    """Installed path -> owning package, from dpkg's file lists."""
    out: dict[str, str] = {}
    try:
        lists = sorted(DPKG_INFO.glob("*.list"))
    except OSError:
        return out
    for path in lists:
        package = path.name[: -len(".list")].split(":", 1)[0]
        try:
            lines = path.read_text(errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            if "/bin/" in line or "/sbin/" in line or "/libexec/" in line or "/games/" in line:
                out.setdefault(line, package)
    return out


def owner(*paths: str) -> str | None:
    """The package that owns one of ``paths`` (the name on PATH, the resolved file), trying merged-/usr aliases."""
    owners = _owners()
    for p in paths:
        candidates = [p]
        for long, short in _ALIASES:
            if p.startswith(long):
                candidates.append(short + p[len(long) :])
            elif p.startswith(short):
                candidates.append(long + p[len(short) :])
        for c in candidates:
            if c in owners:
                return owners[c]
    return None


def _one_line(text: str) -> str:
    return " ".join(line.strip() for line in text.splitlines() if line.strip() not in ("", "."))


_DEP_NAME = re.compile(r"^\s*([a-z0-9][a-z0-9+.-]*)")


@functools.cache
def _status() -> dict[str, PackageInfo]:
    try:
        from debian.deb822 import Deb822
    except ImportError:
        return {}
    out: dict[str, PackageInfo] = {}
    try:
        with DPKG_STATUS.open(encoding="utf-8", errors="replace") as f:
            for para in Deb822.iter_paragraphs(f):
                name = para.get("Package")
                state = para.get("Status", "").split()[-1:]
                if not name or state in ([], ["not-installed"], ["config-files"]):
                    continue
                description = para.get("Description", "")
                first, _, rest = description.partition("\n")
                depends = []
                for field in ("Pre-Depends", "Depends"):
                    for dep in para.get(field, "").split(","):
                        m = _DEP_NAME.match(dep)
                        if m:
                            depends.append(m.group(1))
                out[name] = PackageInfo(name, para.get("Section", ""), first.strip(), _one_line(rest),
                                        tuple(dict.fromkeys(depends)), ())  # fmt: skip
    except OSError:
        return {}
    return out


def _read_list(path: Path) -> str:
    if path.suffix == ".gz":
        return gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    if path.suffix == ".xz":
        return lzma.decompress(path.read_bytes()).decode("utf-8", errors="replace")
    if path.suffix in (".lz4", ".zst") and os.access(APT_HELPER, os.X_OK):
        run = subprocess.run([str(APT_HELPER), "cat-file", str(path)], capture_output=True, timeout=60, check=False)
        return run.stdout.decode("utf-8", errors="replace") if run.returncode == 0 else ""
    if path.suffix in ("", ".txt") or path.name.endswith("_Packages"):
        return path.read_text(errors="replace")
    return ""


_PARA_PACKAGE = re.compile(r"^Package: (\S+)$", re.MULTILINE)
_PARA_TAG = re.compile(r"^Tag: (.*(?:\n .*)*)", re.MULTILINE)


@functools.cache
def _tags() -> dict[str, tuple[str, ...]]:
    """Package -> Debtags, from apt's lists (a plain scan: the lists are large, and only two fields matter)."""
    out: dict[str, tuple[str, ...]] = {}
    try:
        lists = sorted(APT_LISTS.glob("*_Packages*"))
    except OSError:
        return out
    for path in lists:
        try:
            text = _read_list(path)
        except (OSError, subprocess.SubprocessError, EOFError, lzma.LZMAError):
            continue
        for para in text.split("\n\n"):
            pkg = _PARA_PACKAGE.search(para)
            tag = _PARA_TAG.search(para)
            if pkg and tag and pkg.group(1) not in out:
                out[pkg.group(1)] = tuple(t.strip() for t in tag.group(1).replace("\n", " ").split(",") if t.strip())
    return out


def metadata_readable() -> bool:
    """python-debian is installed and dpkg's status was read (else no tool has package evidence)."""
    return bool(_status())


def package_info(name: str) -> PackageInfo | None:
    info = _status().get(name)
    if info is None:
        return None
    tags = _tags().get(name, ())
    return PackageInfo(info.name, info.section, info.summary, info.description, info.depends, tags)


def install_evidence(path: str, resolved: str | None = None) -> InstallEvidence:
    """Where the tool is installed and what its package says."""
    directory = str(Path(path).parent)
    pkg = owner(path, *(x for x in (resolved,) if x))
    return InstallEvidence(directory, directory in ADMIN_DIRS, package_info(pkg) if pkg else None)

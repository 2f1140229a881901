"""The evidence beyond the documentation, gathered for one tool: its file (``binary.py``) and where and how it is
installed (``package.py``). ``parts()`` renders it as the texts the policy's signals read ("libraries", "imports",
...), so a signal over evidence is one entry in ``policy.SIGNALS`` like any other.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tcphw.host.apps.tools.binary import BinaryEvidence, read_binary
from tcphw.host.apps.tools.package import InstallEvidence, PackageInfo, install_evidence, metadata_readable


@dataclass(frozen=True)
class Evidence:
    binary: BinaryEvidence | None
    install: InstallEvidence | None

    @property
    def complete(self) -> bool:
        """Every source was read: the file (with pyelftools where it is an ELF) and the package database."""
        b = self.binary
        return (
            b is not None
            and b.kind != "unreadable"
            and not any("not installed" in n for n in b.notes)
            and self.install is not None
            and metadata_readable()
        )

    def parts(self) -> dict[str, str]:
        """The evidence as the texts that ``policy.SIGNALS`` read, one per part (empty where there is none)."""
        b, i = self.binary, self.install
        package = i.package if i else None
        mode = []
        if b is not None:
            mode += ["setuid"] * b.setuid + ["setgid"] * b.setgid + ["file capabilities"] * b.file_capabilities
        return {
            "libraries": "\n".join(b.libraries) if b else "",
            "imports": " ".join(b.imports) if b else "",
            "file mode": " ".join(mode),
            "script commands": " ".join(b.script_commands) if b else "",
            "install directory": i.directory if i else "",
            "package section": package.section if package else "",
            "package tags": " ".join(package.tags) if package else "",
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "binary": self.binary.as_dict() if self.binary else None,
            "install": self.install.as_dict() if self.install else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), sort_keys=True)

    def summary(self) -> list[str]:
        """What ``tools show`` prints: each kind of evidence, one line each."""
        lines: list[str] = []
        b, i = self.binary, self.install
        if i is not None:
            p = i.package
            where = f"installed in {i.directory}" + (" (system administration)" if i.admin_dir else "")
            lines.append(where + (f"; package {p.name}, section {p.section or '-'}" if p else "; no package owns it"))
            if p and p.tags:
                lines.append("debtags: " + ", ".join(p.tags))
        if b is not None:
            lines.append(f"file: {b.kind}" + (f" ({b.interpreter} script)" if b.interpreter else ""))
            for family, libs in b.library_families().items():
                lines.append(f"libraries, {family}: {', '.join(libs)}")
            for family, names in b.import_families().items():
                lines.append(f"imports, {family}: {', '.join(names)}")
            for family, names in b.command_families().items():
                lines.append(f"script calls, {family}: {', '.join(names)}")
            mode = [x for x, on in (("setuid", b.setuid), ("setgid", b.setgid)) if on]
            if b.file_capabilities:
                mode.append("file capabilities")
            if mode:
                lines.append("mode: " + ", ".join(mode))
            lines += [f"note: {n}" for n in b.notes]
        return lines

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Evidence:
        """The inverse of ``as_dict`` (what the registry stores)."""
        b, i = data.get("binary"), data.get("install")
        binary = None
        if b:
            binary = BinaryEvidence(
                b["kind"], b["directory"], tuple(b["libraries"]), tuple(b["imports"]), b["interpreter"],
                tuple(b["script_commands"]), b["setuid"], b["setgid"], b["file_capabilities"], tuple(b["notes"]),
            )  # fmt: skip
        install = None
        if i:
            p = i.get("package")
            package = None
            if p:
                package = PackageInfo(p["name"], p["section"], p["summary"], p["description"], tuple(p["depends"]),
                                      tuple(p["tags"]))  # fmt: skip
            install = InstallEvidence(i["directory"], i["admin_dir"], package)
        return Evidence(binary, install)


NONE = Evidence(None, None)


def gather(path: Path | str, resolved: Path | str | None = None) -> Evidence:
    """The evidence of the tool found at ``path`` (its name on PATH), whose file is ``resolved``."""
    real = Path(resolved) if resolved is not None else Path(os.path.realpath(path))
    return Evidence(read_binary(real, str(Path(path).parent)), install_evidence(str(path), str(real)))

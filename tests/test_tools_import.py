"""tcphw tools import: the upstream TCP knowledge base's two formats, built here byte by byte as the
upstream generator writes them (the real files are not committed), checked, converted and registered."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tcphw.contract import RISK_DECISION, Descriptor, Flag, Risk, verdict_decision
from tcphw.host.backends import open_backend
from tcphw.host.cli import main
from tcphw.host.registry import Registry

RISK_BITS = {"SAFE": 0x01, "LOW_RISK": 0x02, "MEDIUM_RISK": 0x04, "HIGH_RISK": 0x08, "CRITICAL": 0x10, "UNKNOWN": 0}


def upstream_descriptor(name: str, risk: str, caps: int = 0, exec_ms: int = 100) -> bytes:
    """As generate_complete_binary_db.py builds it: big-endian, u32 exec time, 16-bit byte sum."""
    data = (
        b"TCP\x02"
        + struct.pack(">H", 2)
        + hashlib.md5(name.encode()).digest()[:4]
        + struct.pack(">I", RISK_BITS[risk] | caps)
        + struct.pack(">I", exec_ms)
        + struct.pack(">H", 10)
        + struct.pack(">H", 1)
    )
    return data + struct.pack(">H", sum(data) & 0xFFFF)


COMMANDS = {
    "ls": ("SAFE", 0x0100 | 0x0400, 100),
    "rm": ("MEDIUM_RISK", 0x0100 | 0x0800, 100),
    "mkfs": ("CRITICAL", 0x0800 | 0x1000, 100),
    "kill": ("HIGH_RISK", 0x2000, 100),
    "mystery": ("UNKNOWN", 0, 100),
    "slowpoke": ("LOW_RISK", 0x0200, 100_000),  # exec time beyond 16 bits: saturated
}


def json_export(path: Path, commands: dict[str, tuple[str, int, int]], as_literal: bool = False) -> Path:
    entries = {n: {"risk": r, "capabilities": [], "binary_hex": upstream_descriptor(n, r, c, t).hex()}
               for n, (r, c, t) in commands.items()}  # fmt: skip
    doc = {"version": "2.0", "total_commands": len(entries), "commands": repr(entries) if as_literal else entries}
    path.write_text(json.dumps(doc))
    return path


def db_file(path: Path, raw: dict[str, bytes], *, cut: int = 0, magic: bytes = b"TCPDB\x02") -> Path:
    body = b"".join(struct.pack(">H", len(n.encode())) + n.encode() + d for n, d in sorted(raw.items()))
    index = b"".join(struct.pack(">H", len(n.encode())) + n.encode() + struct.pack(">Q", 0) for n in sorted(raw))
    data = magic + struct.pack(">IQI", len(raw), 1_752_000_000, len(index)) + body + index
    path.write_bytes(data[: len(data) - cut] if cut else data)
    return path


def imported(runner: CliRunner, src: Path, tmp_path: Path, tag: str) -> tuple[bytes, list[dict[str, object]]]:
    out, index = tmp_path / f"{tag}.tcpd", tmp_path / f"{tag}.json"
    r = runner.invoke(main, ["tools", "import", str(src), "--db", str(tmp_path / f"{tag}.db"),
                             "--out", str(out), "--index", str(index)])  # fmt: skip
    assert r.exit_code == 0, r.output
    return out.read_bytes(), json.loads(index.read_text())["records"]


def test_both_formats_give_identical_descriptors_that_every_backend_validates(
    runner: CliRunner, tmp_path: Path
) -> None:
    raw = {n: upstream_descriptor(n, r, c, t) for n, (r, c, t) in COMMANDS.items()}
    a, index_a = imported(runner, json_export(tmp_path / "export.json", COMMANDS), tmp_path, "a")
    b, index_b = imported(runner, db_file(tmp_path / "complete.db", raw), tmp_path, "b")
    c, _ = imported(runner, json_export(tmp_path / "literal.json", COMMANDS, as_literal=True), tmp_path, "c")
    assert a == b == c and index_a == index_b
    corpus = np.frombuffer(a, dtype=np.uint8).reshape(-1, 24)
    for spec in ("reference", "software", "naive"):
        with open_backend(spec) as backend:
            verdicts = backend.validate(corpus)
        assert not (verdicts & 0x1F).any(), spec
        for record, v in zip(index_a, verdicts, strict=True):
            upstream, risk = str(record["upstream_risk"]), Risk[str(record["risk"])]
            assert verdict_decision(int(v)) == RISK_DECISION[risk]
            # The decision is the upstream label's wherever that label is a TCP level; UNKNOWN needs approval.
            assert risk == (Risk.HIGH_RISK if upstream == "UNKNOWN" else Risk[upstream])
    by_name = {str(r["name"]): r for r in index_a}
    assert by_name["mystery"]["unknown"] is True
    d = {str(r["name"]): Descriptor.decode(a[24 * i : 24 * i + 24]) for i, r in enumerate(index_a)}
    assert d["slowpoke"].exec_time_ms == 0xFFFF and d["slowpoke"].flags & Flag.NETWORK_ACCESS
    assert d["rm"].flags & Flag.DESTRUCTIVE and d["rm"].flags & Flag.FILE_MODIFICATION
    assert d["ls"].flags & Flag.REQUIRES_ROOT and d["ls"].name_length == 2
    assert d["kill"].flags == Risk.HIGH_RISK.flag  # PROCESS has no contract flag: dropped, and counted


def test_entries_that_fail_their_own_format_are_named_and_not_imported(runner: CliRunner, tmp_path: Path) -> None:
    good = {n: upstream_descriptor(n, r, c, t) for n, (r, c, t) in COMMANDS.items()}
    bad_sum = bytearray(good["ls"])
    bad_sum[-1] ^= 1
    wrong_hash = upstream_descriptor("cat", "SAFE")  # stored under another name
    bad_magic = b"XYZ\x02" + good["rm"][4:]
    raw = {**good, "ls": bytes(bad_sum), "dog": wrong_hash, "rm": bad_magic}
    r = runner.invoke(main, ["tools", "import", str(db_file(tmp_path / "x.db", raw)), "--db", str(tmp_path / "r.db"),
                             "--json"])  # fmt: skip
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    reasons = {x["name"]: x["reason"] for x in doc["rejected"]}
    assert set(reasons) == {"ls", "dog", "rm"}
    assert "checksum" in reasons["ls"] and "MD5 of the name" in reasons["dog"] and "magic" in reasons["rm"]
    assert doc["imported"] == len(COMMANDS) - 2
    with Registry(tmp_path / "r.db") as registry:
        assert registry.imported("ls") is None and registry.imported("mkfs") is not None


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: db_file(p, {"ls": upstream_descriptor("ls", "SAFE")}, cut=5), "truncated"),
        (lambda p: db_file(p, {"ls": upstream_descriptor("ls", "SAFE")}, cut=40), "truncated"),
        (lambda p: (p.write_bytes(b"TCPDB\x02\x00"), p)[1], "truncated"),
        (lambda p: (p.write_bytes(b"NOTADB" + bytes(40)), p)[1], "neither format"),
        (lambda p: (p.write_text('{"version": "2.0"}'), p)[1], "'commands'"),
        (lambda p: (p.write_bytes(b""), p)[1], "empty"),
        (lambda p: (p.mkdir(), p)[1], "directory"),
    ],
)
def test_bad_files_are_one_line_exit_2_and_leave_the_registry_alone(
    runner: CliRunner, tmp_path: Path, make: object, words: str
) -> None:
    db = tmp_path / "r.db"
    first = runner.invoke(main, ["tools", "import", str(json_export(tmp_path / "ok.json", COMMANDS)), "--db", str(db)])
    assert first.exit_code == 0
    before = db.read_bytes()
    bad = make(tmp_path / "bad")  # type: ignore[operator]
    r = runner.invoke(main, ["tools", "import", str(bad), "--db", str(db)])
    assert r.exit_code == 2 and words in r.output and "Traceback" not in r.output, r.output
    assert db.read_bytes() == before


def test_an_interrupted_import_leaves_nothing_half_written(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "r.db"
    calls = {"n": 0}
    real = Registry.put_imported

    def dies_halfway(self: Registry, *args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Registry, "put_imported", dies_halfway)
    runner.invoke(main, ["tools", "import", str(json_export(tmp_path / "ok.json", COMMANDS)), "--db", str(db)])
    with Registry(db) as registry:
        assert list(registry.imported_tools()) == []


def test_imported_commands_work_with_show_check_and_export_and_survive_a_scan(
    runner: CliRunner, tmp_path: Path
) -> None:
    db = str(tmp_path / "r.db")
    runner.invoke(main, ["tools", "import", str(json_export(tmp_path / "ok.json", COMMANDS)), "--db", db])
    shown = runner.invoke(main, ["tools", "show", "mkfs", "--db", db, "--json"])
    assert shown.exit_code == 0 and json.loads(shown.output)["risk"] == "CRITICAL"
    assert runner.invoke(main, ["tools", "check", "--db", db, "ls && mkfs /dev/sda"]).exit_code == 3
    assert runner.invoke(main, ["tools", "check", "--db", db, "mystery"]).exit_code == 2
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(main, ["tools", "scan", "--path", str(empty), "--db", db, "--quiet"]).exit_code == 0
    out = tmp_path / "all.tcpd"
    assert runner.invoke(main, ["tools", "export", "--out", str(out), "--db", db]).exit_code == 0
    assert out.stat().st_size == 24 * len(COMMANDS)  # the scan removed none of them


def test_the_upstream_labels_are_judged_against_ours(tmp_path: Path) -> None:
    from tcphw.host.apps.tools.accuracy import upstream_comparison
    from tcphw.host.apps.tools.scoring import Doc, Judged, Label

    labels = [Label("rm", "coreutils", Risk.CRITICAL, "deletes"), Label("ls", "coreutils", Risk.SAFE, "lists"),
              Label("mkfs", "util-linux", Risk.CRITICAL, "formats"), Label("absent", "x", Risk.SAFE, "-")]  # fmt: skip
    judged = [Judged(label, Doc("none", None), Risk.MEDIUM_RISK, "default", Risk.MEDIUM_RISK) for label in labels]
    src = json_export(tmp_path / "u.json", {**COMMANDS, "rm": ("SAFE", 0, 1)})  # upstream calls rm SAFE
    up = upstream_comparison(labels, {"all": judged}, src)["sets"]["all"]
    assert up["tools"] == 3  # 'absent' is not upstream
    assert [d["name"] for d in up["dangerous_misses"]] == ["rm"]
    assert up["decision_agreement"] == pytest.approx(2 / 3)

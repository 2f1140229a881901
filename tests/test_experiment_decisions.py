"""The decision-method experiment (``kind: decision-methods``): every method decides every labelled
tool, on crafted documentation and labels, with a stand-in OpenAI-compatible server for the live
method (no real model is needed by the tests)."""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from tcphw.host.apps.experiment.decisions.llm import JudgmentFileError, level_in, read_judgments
from tcphw.host.apps.experiment.decisions.report import report
from tcphw.host.apps.experiment.decisions.run import run
from tcphw.host.apps.experiment.decisions.spec import load, parse
from tcphw.host.apps.experiment.spec import SpecError
from tcphw.host.cli import main


def man(name: str, summary: str, options: str = "") -> str:
    head = f"{name.upper()}(1)            User Commands            {name.upper()}(1)"
    return f"{head}\n\nNAME\n       {name} - {summary}\n\nSYNOPSIS\n       {name} [OPTION]...\n\nOPTIONS\n{options}\n"


# (name, package, label, documentation): readers print, wipers overwrite; two packages for grouped folds.
TOOLS = [
    ("showa", "pkg-a", "SAFE", man("showa", "print the contents of files", "       -n     number the lines\n")),
    ("showb", "pkg-b", "SAFE", man("showb", "display the lines of a file", "       -n     number the lines\n")),
    ("listc", "pkg-a", "SAFE", man("listc", "list directory contents", "       -l     long listing\n")),
    ("listd", "pkg-b", "SAFE", man("listd", "print the files of a directory", "       -a     all files\n")),
    (
        "wipea",
        "pkg-a",
        "CRITICAL",
        man("wipea", "overwrite the device with zeros", "       -f     force; erases data\n"),
    ),
    ("wipeb", "pkg-b", "CRITICAL", man("wipeb", "erase and overwrite a block device", "       -f     destroy data\n")),
    ("nodoc", "pkg-a", "HIGH_RISK", None),
]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "labels.csv").write_text(
        "name,package,risk,why\n" + "".join(f"{n},{p},{r},crafted\n" for n, p, r, _ in TOOLS)
    )
    with gzip.open(tmp_path / "docs.jsonl.gz", "wt") as f:
        for n, _, _, doc in TOOLS:
            f.write(json.dumps({"name": n, "source": "man" if doc else "none", "text": doc}) + "\n")
    # A judgment file as a user would write it: one tool approved wrongly, one with a measured time.
    (tmp_path / "judged.csv").write_text("name,decision,seconds\nshowa,APPROVE,1.5\nwipea,SAFE,\nwipeb,REJECT,2.0\n")
    return tmp_path


def spec(workspace: Path, methods: list[dict[str, object]], **extra: object) -> Path:
    path = workspace / "spec.yaml"
    doc = {"kind": "decision-methods", "name": "t", "seed": 1, "labels": "labels.csv",
           "documentation": "docs.jsonl.gz", "repetitions": 2, "methods": methods, **extra}  # fmt: skip
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def fake_llm() -> Iterator[tuple[str, list[str]]]:
    """An OpenAI-compatible endpoint that rates by keyword and records each tool it was asked about."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, body: dict[str, object]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send({"data": [{"id": "stand-in"}]})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            assert body["model"] == "stand-in" and body["temperature"] == 0
            text = body["messages"][1]["content"]
            asked.append(text.split("\n", 1)[0].removeprefix("Tool: "))
            answer = "CRITICAL: it overwrites" if "overwrite" in text else "SAFE, it prints" if "print" in text else "?"
            self._send({"choices": [{"message": {"role": "assistant", "content": answer}}]})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", asked
    finally:
        server.shutdown()


def test_every_method_decides_every_tool(workspace: Path, fake_llm: tuple[str, list[str]]) -> None:
    url, asked = fake_llm
    path = spec(workspace, [
        {"method": "descriptor", "backend": "software"},
        {"method": "rules"},
        {"method": "rules", "name": "policy-only", "table": False},
        {"method": "classifier", "folds": 2},
        {"method": "llm-imported", "name": "judged", "path": "judged.csv"},
        {"method": "llm-live", "name": "live", "url": url, "model": "stand-in"},
    ])  # fmt: skip
    out = run(load(path), workspace / "run")
    rows = [json.loads(line) for line in (out / "decisions.jsonl").read_text().splitlines()]
    by = {(r["method"], r["tool"]): r for r in rows}
    assert len(rows) == 6 * len(TOOLS)
    # The descriptor carries exactly what the scanner's analysis decided: the same decisions as the rules.
    for n, *_ in TOOLS:
        assert by[("descriptor", n)]["decision"] == by[("rules", n)]["decision"]
        assert len(by[("descriptor", n)]["seconds"]) == 2
    # Fail-safe: a wiper is never approved by the policy, a tool without documentation needs at least CAUTION.
    assert by[("policy-only", "wipea")]["decision"] in ("REQUIRE_APPROVAL", "REJECT")
    assert by[("policy-only", "nodoc")]["decision"] == "CAUTION"
    assert by[("classifier", "nodoc")]["note"].startswith("no documentation")
    # Imported judgments are taken as they are; a time only where the file has one.
    assert by[("judged", "wipea")]["decision"] == "APPROVE" and by[("judged", "wipea")]["seconds"] is None
    assert by[("judged", "showa")]["seconds"] == [1.5]
    assert by[("judged", "listc")]["decision"] is None and by[("judged", "listc")]["note"] == "not in the file"
    # The live model was asked once per tool; an answer naming no level is not an approval.
    assert sorted(asked) == sorted(n for n, *_ in TOOLS)
    assert by[("live", "wipeb")]["decision"] == "REJECT" and by[("live", "showa")]["decision"] == "APPROVE"
    assert by[("live", "nodoc")]["decision"] == "REQUIRE_APPROVAL" and "names no level" in by[("live", "nodoc")]["note"]
    assert by[("live", "showa")]["seconds"][0] > 0

    report(out)
    results = json.loads((out / "results.json").read_text())
    judged = results["methods"]["judged"]
    assert judged["covered"] == 3 and judged["all"]["dangerous_misses"] == 1  # wipea, CRITICAL, approved
    assert judged["dangerous"] == ["wipea (REJECT -> SAFE)"]
    assert results["methods"]["rules"]["all"]["dangerous_misses"] == 0
    assert results["agreement"]["descriptor"]["rules"]["agreement"] == 1.0
    assert results["common_tools"] == 3  # the judgment file covers three tools
    for name in ("accuracy", "latency", "agreement"):
        assert (out / f"{name}.png").stat().st_size > 0 and (out / f"{name}.svg").is_file()
    md = (out / "report.md").read_text()
    assert "## Dangerous misses" in md and "wipea (REJECT -> SAFE)" in md
    # Rebuilt from the raw data alone, the report is the same.
    first = (out / "results.json").read_bytes()
    (out / "results.json").unlink()
    report(out)
    assert (out / "results.json").read_bytes() == first


def test_the_results_folder_replays_from_its_own_copies(workspace: Path) -> None:
    out = run(load(spec(workspace, [{"method": "rules"}, {"method": "llm-imported", "path": "judged.csv"}])),
              workspace / "run")  # fmt: skip
    again = run(load(out / "spec.yaml"), workspace / "again")  # labels, documentation and judgments copied
    decisions = [
        [(r["method"], r["tool"], r["decision"]) for r in map(json.loads, d.read_text().splitlines())]
        for d in (out / "decisions.jsonl", again / "decisions.jsonl")
    ]
    assert decisions[0] == decisions[1]
    with pytest.raises(FileExistsError):
        run(load(out / "spec.yaml"), out)


@pytest.mark.parametrize(
    "methods, extra, message",
    [
        ([{"method": "guess"}], {}, "unknown method 'guess'"),
        ([{"method": "rules", "table": "yes"}], {}, "table: must be true"),
        ([{"method": "descriptor", "backend": "fpga9000"}], {}, "unknown backend 'fpga9000'"),
        ([{"method": "llm-imported"}], {}, "missing key 'path'"),
        ([{"method": "llm-imported", "path": "nowhere.csv"}], {}, "no such file or folder"),
        ([{"method": "llm-live", "url": "ftp://x", "model": "m"}], {}, "must start with http"),
        ([{"method": "rules"}, {"method": "rules"}], {}, "two methods have the same name"),
        ([{"method": "rules"}], {"kind": "backends"}, "kind: must be 'decision-methods'"),
        ([{"method": "rules"}], {"limit": 0}, "limit: must be an integer"),
        ([{"method": "descriptor", "import": "judged.csv"}], {}, "neither format"),
    ],
)
def test_a_bad_file_is_refused_before_anything_runs(
    workspace: Path, methods: list[dict[str, object]], extra: dict[str, object], message: str
) -> None:
    with pytest.raises(SpecError, match=message):
        load(spec(workspace, methods, **extra))


def test_bad_judgments_are_refused_by_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,decision\nls,MAYBE\n")
    with pytest.raises(JudgmentFileError, match=r"bad.csv:2: decision 'MAYBE'"):
        read_judgments(bad)
    bad.write_text("tool,verdict\nls,SAFE\n")
    with pytest.raises(JudgmentFileError, match="header with name,decision"):
        read_judgments(bad)
    (tmp_path / "folder").mkdir()
    with pytest.raises(JudgmentFileError, match="has none"):
        read_judgments(tmp_path / "folder")


def test_upstream_answers_are_read_for_their_first_level(tmp_path: Path) -> None:
    for name, text in [("rm", "1. MEDIUM_RISK\n2. Main concerns: deletion"), ("tsort", "a low-risk sort"),
                       ("dd", "1. Risk level: MEDIUM_RISK, or HIGH_RISK on devices")]:  # fmt: skip
        (tmp_path / f"{name}_analysis.json").write_text(json.dumps({"command": name, "analysis": text}))
    judged = read_judgments(tmp_path)
    assert judged["rm"].decision is not None and judged["rm"].decision.name == "CAUTION"
    assert judged["dd"].risk is not None and judged["dd"].risk.name == "MEDIUM_RISK"
    assert judged["tsort"].decision is None  # "low-risk" is not a level: counted as unparsed, never approved
    assert level_in("SAFE") is not None and level_in("UNSAFE") is None


def test_cli_gives_one_line_and_exit_2(workspace: Path, runner: object) -> None:
    from click.testing import CliRunner

    assert isinstance(runner, CliRunner)
    closed = "http://127.0.0.1:9/v1"  # the discard port: nothing answers
    path = spec(workspace, [{"method": "llm-live", "url": closed, "model": "m"}])
    result = runner.invoke(main, ["experiment", "run", str(path), "--out", str(workspace / "o"), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "cannot reach the endpoint" in result.output and not (workspace / "o" / "decisions.jsonl").exists()
    path = spec(workspace, [{"method": "rules"}, {"method": "llm-imported", "path": "judged.csv"}])
    result = runner.invoke(main, ["experiment", "run", str(path), "--out", str(workspace / "ok"), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "rules" in result.output and "report:" in result.output
    result = runner.invoke(main, ["experiment", "report", str(workspace / "ok")])
    assert result.exit_code == 0 and "report.md" in result.output


def test_garbage_documentation_is_one_line(workspace: Path) -> None:
    (workspace / "docs.jsonl.gz").write_bytes(b"garbage")
    with pytest.raises(SpecError, match="is not stored documentation"):
        run(load(spec(workspace, [{"method": "rules"}])), workspace / "run")


def test_parse_needs_a_mapping() -> None:
    with pytest.raises(SpecError, match="must be a mapping"):
        parse([1, 2])

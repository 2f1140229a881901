"""The gpu backend: its kernels checked in numba's CUDA simulator on every run, and a clear error without a GPU.

The simulator must be enabled before numba is imported, and this test process has already
imported numba for the software backend, so simulator checks run in a subprocess.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tcphw.descriptors.corpus import save_corpus
from tcphw.descriptors.generate import KINDS, generate
from tcphw.host.backends import get_backend
from tcphw.host.backends.gpu import gpu_available
from tcphw.host.cli import main

SIM_ENV = {**os.environ, "NUMBA_ENABLE_CUDASIM": "1"}


def _sim_process(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=SIM_ENV, capture_output=True, text=True, timeout=600, check=False
    )


def _sim_run(*args: str) -> str:
    """Run Python with the CUDA simulator enabled; return stdout, fail with its stderr."""
    r = _sim_process(*args)
    assert r.returncode == 0, r.stderr[-3000:]
    return r.stdout


def _sim_python(code: str) -> str:
    return _sim_run("-c", code)


def _sim_cli(*args: str) -> str:
    return _sim_run("-m", "tcphw", *args)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory, golden_array: tuple[np.ndarray, np.ndarray]) -> Path:
    data, _ = generate(3_000, seed=21, mix={k: 1.0 for k in KINDS})
    p = tmp_path_factory.mktemp("gpu") / "c.tcpd"
    save_corpus(p, np.concatenate([golden_array[0], data]))
    return p


def test_gpu_kernel_matches_software_in_simulator(corpus: Path) -> None:
    # Several chunk sizes: one chunk, uneven chunks on both streams, a chunk per descriptor, exact multiple.
    code = f"""
import json, numpy as np
from tcphw.host.backends import get_backend
from tcphw.descriptors.corpus import load_corpus
data = np.array(load_corpus({str(corpus)!r}))
res = {{}}
for chunk, n in ((10_000, len(data)), (700, len(data)), (1, 5), (500, 1000), (64, 0)):
    with get_backend("gpu", chunk=chunk, block=32) as b:
        assert b.simulator
        res[f"{{chunk}}/{{n}}"] = b.validate(data[:n]).tolist()
print(json.dumps(res))
"""
    got = json.loads(_sim_python(code))
    data = np.fromfile(corpus, dtype=np.uint8).reshape(-1, 24)
    with get_backend("software") as sw:
        expected = sw.validate(data)
    for key, verdicts in got.items():
        n = int(key.split("/")[1])
        assert verdicts == expected[:n].tolist(), key


def test_gpu_golden_vectors_in_simulator(golden_array: tuple[np.ndarray, np.ndarray]) -> None:
    data, expected = golden_array
    code = f"""
import numpy as np
from tcphw.host.backends import get_backend
data = np.frombuffer(bytes.fromhex({data.tobytes().hex()!r}), dtype=np.uint8).reshape(-1, 24)
with get_backend("gpu", chunk=8, block=32) as b:
    print(b.validate(data).tobytes().hex())
"""
    assert bytes.fromhex(_sim_python(code).strip()) == expected.tobytes()


@pytest.mark.slow
def test_gpu_validate_and_bench_cli_in_simulator(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "gpu.bin"
    r = _sim_cli("validate", str(corpus), "-b", "gpu:chunk=1000,block=32", "-o", str(out), "--json")
    assert json.loads(r)["count"] == out.stat().st_size
    r = _sim_cli(
        "bench", "--corpus", str(corpus), "-c", "gpu:chunk=400,block=32", "--slow-count", "800", "--repeat", "2",
        "--no-baseline", "--json",
    )  # fmt: skip
    doc = json.loads(r)
    gpu = doc["results"][1]
    assert gpu["backend"].startswith("gpu") and gpu["count"] == 800  # the simulator is slow: timed on a prefix
    assert {"h2d_s_median", "kernel_s_median", "d2h_s_median"} <= set(gpu["breakdown"])
    assert gpu["info"]["simulator"] is True
    assert doc["agreement"]["mismatches"] == 0


@pytest.mark.skipif(gpu_available(), reason="a CUDA device is present")
def test_gpu_without_device_says_so(corpus: Path) -> None:
    r = CliRunner().invoke(main, ["validate", str(corpus), "--backend", "gpu"])
    assert r.exit_code == 2
    assert "no CUDA device is available" in r.output


# The kernel swapped for a stand-in before the CLI runs: one that fails as numba-cuda 0.30.4 with numpy 2.5
# failed on a real H100 (at its first launch, where numba compiles it), or one that writes nothing.
_BROKEN_KERNEL = """
import sys
import tcphw.host.backends.gpu as gpu
class Kernel:
    def __getitem__(self, launch):
        def run(*args):
            if {fail!r}:
                raise AttributeError("module 'numpy' has no attribute 'row_stack'")
        return run
gpu._kernel_cache["validate"] = Kernel()
from tcphw.host.cli import main
sys.argv = ["tcphw", "validate", {corpus!r}, "-b", "gpu", "-o", {out!r}]
main()
"""


@pytest.mark.parametrize(
    ("fail", "said"),
    [
        (True, "the gpu kernel cannot run on this CUDA stack (numba "),
        (False, "the gpu gives the wrong verdict on "),
    ],
    ids=["cannot-compile", "wrong-verdicts"],
)
def test_a_gpu_that_cannot_run_the_kernel_is_one_line_before_any_work(
    corpus: Path, tmp_path: Path, fail: bool, said: str
) -> None:
    out = tmp_path / "v.bin"
    # -W ignore: the simulator warns that its event timings are bogus, which is not what is checked here
    r = _sim_process("-W", "ignore", "-c", _BROKEN_KERNEL.format(fail=fail, corpus=str(corpus), out=str(out)))
    assert r.returncode == 2, r.stderr[-3000:]
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and said in lines[0], r.stderr[-3000:]
    assert "row_stack" in lines[0] if fail else "golden vectors" in lines[0]
    assert not out.exists()


@pytest.mark.skipif(gpu_available(), reason="a CUDA device is present: the backend would open")
def test_bench_does_not_stop_for_a_gpu_nobody_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    """A device is found but the backend cannot open (here: no device after all): bench goes on without it."""
    import tcphw.host.cli.bench as bench_cli

    monkeypatch.setattr(bench_cli, "gpu_available", lambda: True)
    r = CliRunner().invoke(
        main, ["bench", "-b", "software:threads=1", "-n", "2000", "-r", "1", "--no-baseline", "--json"]
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert [x["backend"] for x in doc["results"]] == ["software:threads=1"]
    assert "no CUDA device" in doc["not_measured"]["gpu"]
    assert "gpu: not measured: " in r.stderr

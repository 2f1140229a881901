#!/usr/bin/env bash
# The GPU backend on a real GPU, in one run (docs/gpu.md records the figures). Run from the repository root
# on a machine with an NVIDIA GPU and numba's CUDA target; results go to $OUT (default ./build/gpu-check).
# Not part of `make test`: CI has no GPU.
set -uo pipefail
OUT=${OUT:-build/gpu-check}; mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
tcphw() { python3 -c 'import sys; from tcphw.host.cli import main; sys.argv[0] = "tcphw"; main()' "$@"; }
echo "== device"; nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.memory --format=csv
python3 - <<'PY'
import numba, numpy
from numba import cuda
import importlib.metadata as md
print("numba", numba.__version__, "numba-cuda", md.version("numba-cuda"), "numpy", numpy.__version__, "cuda available", cuda.is_available())
d = cuda.get_current_device(); print("device", d.name, "cc", d.compute_capability)
PY
echo "== measured copy ceiling (device to device, bytes read + written)"
python3 - <<'PY' | tee "$OUT/copy.txt"
import numpy as np
from numba import cuda
n = 1 << 30  # 1 GiB
a = cuda.to_device(np.random.default_rng(0).integers(0, 255, n, dtype=np.uint8)); b = cuda.device_array(n, np.uint8)
times = []
for _ in range(12):
    s, e = cuda.event(), cuda.event(); s.record(); b.copy_to_device(a); e.record(); e.synchronize()
    times.append(cuda.event_elapsed_time(s, e) / 1e3)
t = float(np.median(times[2:]))
print(f"d2d copy: {2 * n / t / 1e9:.0f} GB/s (median of 10, 1 GiB, read+write)")
PY
echo "== agreement: gpu vs software on 4M, gpu vs reference on 20k"
tcphw gen --count 4000000 --seed 7 --out "$OUT/c4m.tcpd" || exit 1
tcphw validate "$OUT/c4m.tcpd" --backend gpu --out "$OUT/v-gpu.bin" || exit 1
tcphw validate "$OUT/c4m.tcpd" --backend software --out "$OUT/v-sw.bin" || exit 1
cmp "$OUT/v-gpu.bin" "$OUT/v-sw.bin" && echo "gpu == software on 4,000,000"
python3 - "$OUT/c4m.tcpd" <<'PY'
import sys, numpy as np
from tcphw.host.backends import open_backend
from tcphw.descriptors.corpus import load_corpus
c = np.ascontiguousarray(load_corpus(sys.argv[1])[:20000])
g = open_backend("gpu").validate(c); r = open_backend("reference").validate(c)
print("gpu == reference on 20,000:", bool((g == r).all()))
PY
rm -f "$OUT"/*.tcpd "$OUT"/*.bin
echo "== bench 100M"
tcphw bench --backend gpu --compare software --count 100000000 --repeat 5 --no-baseline --out "$OUT/bench" \
    2>&1 | tee "$OUT/bench.txt"
echo "== block-size variants, 100M"
for spec in gpu:block=128 gpu:block=512; do
  tcphw bench --backend "$spec" --count 100000000 --repeat 5 --no-baseline 2>&1 | tee "$OUT/$(echo $spec | tr ':=' '__').txt" \
    | grep -E "kernel alone|M/s"
done

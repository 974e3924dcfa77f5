#!/usr/bin/env bash
# This build against an earlier one, on the same machine, alternating run by
# run, where a change of host makes the ratios against DuckDB move on their own:
#   bash benches/against_build.sh REV [RUNS]
# Needs the files `benches/vs_duckdb.sh` made (scale 10, CSV and Parquet, and
# the incremental month) under ${TMPDIR:-/tmp}/mos-vs-duckdb. REV is built in a
# worktree with its own target folder (a whole release build the first time).
# Prints wall time and peak memory per run, and whether the results are
# byte-identical between the builds. OLD_MOS=path uses a release binary of REV
# built before instead.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:?usage: bash benches/against_build.sh REV [RUNS]}"
runs="${2:-5}"
work="${TMPDIR:-/tmp}/mos-vs-duckdb"
[ -d "$work/scale-10-csv" ] || { echo "run benches/vs_duckdb.sh first" >&2; exit 1; }
if [ -n "${OLD_MOS:-}" ]; then
  # A release binary of REV already built (OLD_MOS=path): no worktree, no build.
  old="$OLD_MOS"
else
  tree="${TMPDIR:-/tmp}/mos-build-$rev"
  [ -d "$tree" ] || git worktree add -f "$tree" "$rev" >/dev/null
  (cd "$tree" && CARGO_TARGET_DIR="$tree-target" cargo build --release --locked --quiet)
  old="$tree-target/release/mos"
fi
cargo build --release --quiet
new=./target/release/mos
measures="$work/measures"
timed() {
  local case="$1" build="$2" run="$3"
  shift 3
  /usr/bin/time -v "$@" >"$work/against.out" 2>"$work/against.time" || { cat "$work/against.time" >&2; exit 1; }
  local wall peak
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$work/against.time")
  peak=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/against.time")
  printf '%-18s %-6s run %s: %6.2f s %8d KiB\n' "$case" "$build" "$run" "$wall" "$peak"
}
for format in csv parquet; do
  for run in $(seq "$runs"); do
    for build in before now; do
      bin=$new; [ $build = before ] && bin=$old
      rm -rf "$work/against-snapshots"
      timed "scale-10-$format" $build "$run" "$bin" run --measures "$measures" --data "$work/scale-10-$format" \
        --out "$work/against-$build.csv" --snapshots "$work/against-snapshots"
    done
  done
  cmp -s "$work/against-before.csv" "$work/against-now.csv" && echo "  $format: results byte-identical" ||
    echo "  $format: results DIFFER"
done
for run in $(seq "$runs"); do
  for build in before now; do
    bin=$new; [ $build = before ] && bin=$old
    rm -rf "$work/against-inc" "$work/against-inc-snapshots"
    cp -r "$work/incremental-base" "$work/against-inc"
    "$bin" run --measures "$measures" --data "$work/against-inc" --out "$work/against-inc.csv" \
      --snapshots "$work/against-inc-snapshots" >/dev/null 2>&1
    for f in "$work/incremental-month"/*.csv; do cat "$f" >>"$work/against-inc/$(basename "$f")"; done
    cat "$work/against-inc"/*.csv >/dev/null
    timed incremental $build "$run" "$bin" run --measures "$measures" --data "$work/against-inc" \
      --out "$work/against-inc-$build.csv" --snapshots "$work/against-inc-snapshots"
  done
done
cmp -s "$work/against-inc-before.csv" "$work/against-inc-now.csv" && echo "  incremental: results byte-identical" ||
  echo "  incremental: results DIFFER"

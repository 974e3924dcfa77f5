#!/usr/bin/env bash
# mos against an analyst's DuckDB, on the same machine, in one run:
#   bash benches/vs_duckdb.sh [RUNS] [--scale-100]
#
# 1. generates the contract extracts at scale 10 x 10 years and scale 1 x 10
#    years, as CSV and as Parquet (cached under $TMPDIR between runs);
# 2. times `mos run` (all reference measures) and the DuckDB script
#    (benches/duckdb_measures.py: one SQL query per measure, statistics in
#    Python), each a whole new process reading the files, alternating run by
#    run; wall time and peak RSS from /usr/bin/time -v;
# 3. checks both give the same figures (benches/compare_results.py);
# 4. times the incremental case: a month of rows appended to every extract
#    since the last evaluation, which kept its work (results checked
#    byte-identical to the full run's);
# 5. with --scale-100, `mos run` at scale 100 (60 million crimes) and at scale
#    10, alternating run by run, both from disk (page cache dropped, as root);
# 6. writes benches/results/vs_duckdb.csv (every run) and
#    benches/results/vs_duckdb.md (medians, spread and ratios, with the machine). mos is given the
#    sixteen measures DuckDB computes (a copy of them), not the whole shipped set.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
scale_100=false
[ "${2:-}" = "--scale-100" ] && scale_100=true

command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb
cargo build --release --quiet
mos=./target/release/mos
work="${TMPDIR:-/tmp}/mos-vs-duckdb"
out=benches/results
mkdir -p "$work" "$out"
runs_csv="$out/vs_duckdb.csv"
# The measures DuckDB is given too (the fourteen reference measures and the two
# practice ones), so that both engines do the same work: the others read
# sources the DuckDB script does not.
measures="$work/measures"
rm -rf "$measures" && mkdir -p "$measures"
for id in cse_crimes domestic_abuse_charge_rate domestic_abuse_crimes domestic_abuse_crimes_year_to_date \
  domestic_abuse_repeat_referrals hate_crime_positive_outcomes hate_crimes_by_financial_quarter hate_incidents \
  repeat_victims_all_crime s136_custody_detentions s136_detentions street_triage_contacts \
  victim_based_crime_rate victim_satisfaction_kept_informed victim_satisfaction_whole_experience young_victims; do
  cp "measures/$id.toml" "$measures/"
done
echo "dataset,format,engine,run,wall_s,peak_kib,user_s,system_s" >"$runs_csv"

# timed NAME ENGINE RUN -- command...: appends a row to the runs CSV.
timed() {
  local dataset="$1" format="$2" engine="$3" run="$4"
  shift 5
  local log="$work/time.log"
  /usr/bin/time -v "$@" >"$work/stdout.log" 2>"$log" || { cat "$log" >&2; exit 1; }
  local wall peak user system
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$log")
  peak=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$log")
  user=$(awk -F': ' '/User time/ { print $2 }' "$log")
  system=$(awk -F': ' '/System time/ { print $2 }' "$log")
  echo "$dataset,$format,$engine,$run,$wall,$peak,$user,$system" >>"$runs_csv"
  printf '  %-12s %-8s %-7s run %s: %6.2f s, %8d KiB\n' "$dataset" "$format" "$engine" "$run" "$wall" "$peak"
}

generate() {
  local dir="$1" scale="$2" format="$3"
  [ -f "$dir/.done" ] && return
  rm -rf "$dir"
  "$mos" generate --out "$dir" --scale "$scale" --years 10 --format "$format" >/dev/null
  touch "$dir/.done"
}

for dataset in scale-10 scale-1; do
  scale="${dataset#scale-}"
  for format in csv parquet; do
    dir="$work/$dataset-$format"
    generate "$dir" "$scale" "$format"
    echo "$dataset $format: $(du -sh "$dir" | cut -f1)"
    for run in $(seq "$runs"); do
      # A full evaluation: without the work a run before kept (see the incremental case).
      rm -rf "$work/snapshots/.kept-work"
      timed "$dataset" "$format" mos "$run" -- "$mos" run --measures "$measures" --data "$dir" --out "$work/mos.csv" --snapshots "$work/snapshots"
      timed "$dataset" "$format" duckdb "$run" -- python3 benches/duckdb_measures.py "$dir" "$format" "$work/duckdb.csv"
    done
    python3 benches/compare_results.py "$work/mos.csv" "$work/duckdb.csv" | sed "s/^/  $dataset $format: /"
    [ "$dataset-$format" = scale-10-csv ] && cp "$work/mos.csv" "$work/scale-10-full.csv"
  done
done

# Incremental: the evaluation before had every extract but its last month; then
# that month's rows are appended to each file, as a monthly extract grows, and
# mos brings the results up to date from the work it kept.
base="$work/incremental-base"
month="$work/incremental-month"
full="$work/scale-10-csv"
if [ ! -f "$base/.done-v2" ]; then
  rm -rf "$base" "$month" && mkdir -p "$base" "$month"
  # Each extract cut, byte for byte, before the first row of its last month
  # (the generator writes rows in date order).
  python3 - "$full" "$base" "$month" <<'PY'
import os, shutil, sys
full, base, month = sys.argv[1:4]
period = {"crimes": "recorded_date", "victim_satisfaction": "interview_date",
          "victim_contacts": "referral_date", "hate_incidents": "reported_date",
          "mental_health_contacts": "contact_time"}
for name in os.listdir(full):
    source = name.removesuffix(".csv")
    if source not in period:
        if name.endswith(".csv"):
            shutil.copy(os.path.join(full, name), base)
        continue
    data = open(os.path.join(full, name), "rb").read()
    header_end = data.index(b"\n") + 1
    at = data[:header_end].decode().strip().split(",").index(period[source])
    month_of = lambda line: line.split(b",")[at][:7]
    lines = data[header_end:].splitlines(keepends=True)
    last = max(month_of(l) for l in lines)
    cut = header_end + sum(len(l) for l in lines[:next(i for i, l in enumerate(lines) if month_of(l) == last)])
    open(os.path.join(base, name), "wb").write(data[:cut])
    open(os.path.join(month, name), "wb").write(data[cut:])
PY
  touch "$base/.done-v2"
fi
for run in $(seq "$runs"); do
  rm -rf "$work/incremental" "$work/incremental-snapshots"
  cp -r "$base" "$work/incremental"
  "$mos" run --measures "$measures" --data "$work/incremental" --out "$work/incremental.csv" --snapshots "$work/incremental-snapshots" >/dev/null 2>&1
  for f in "$month"/*.csv; do cat "$f" >>"$work/incremental/$(basename "$f")"; done
  cat "$work/incremental"/*.csv >/dev/null # as warm in the page cache as the full runs' files
  timed incremental csv mos "$run" -- "$mos" run --measures "$measures" --data "$work/incremental" --out "$work/incremental.csv" --snapshots "$work/incremental-snapshots"
  grep -q "rows appended since the last evaluation" "$work/stdout.log" "$work/time.log" || echo "  (the kept work was not used)"
done
cmp -s "$work/incremental.csv" "$work/scale-10-full.csv" && echo "  incremental: results byte-identical to the full run's" ||
  echo "  incremental: results DIFFER from the full run's"

if $scale_100; then
  dir="$work/scale-100-csv"
  [ -f "$dir/.done" ] || { rm -rf "$dir"; "$mos" generate --out "$dir" --scale 100 --years 10 >/dev/null; touch "$dir/.done"; }
  # Scale 100's 7 GB cannot stay in this machine's page cache between runs, so
  # it is read from disk; scale 10 is also timed from disk (caches dropped, as
  # root) so that the growth compares like with like. The two alternate run by
  # run, as mos and DuckDB do: a shared machine's speed drifts over minutes.
  drop_caches() { sync && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; }
  for run in $(seq "$runs"); do
    rm -rf "$work/snapshots/.kept-work"
    drop_caches || true
    timed scale-10-cold csv mos "$run" -- "$mos" run --measures "$measures" --data "$work/scale-10-csv" --out "$work/mos.csv" --snapshots "$work/snapshots"
    rm -rf "$work/snapshots/.kept-work"
    drop_caches || true
    # May not fit in memory: a failure here is reported, and the table is still written.
    ( timed scale-100 csv mos "$run" -- "$mos" run --measures "$measures" --data "$dir" --out "$work/scale100.csv" --snapshots "$work/snapshots" ) ||
      { echo "  scale 100 did not complete (see the time log above)"; break; }
  done
fi

python3 - "$runs_csv" "$out/vs_duckdb.md" <<'PY'
import csv, statistics, subprocess, sys
from collections import defaultdict
rows = list(csv.DictReader(open(sys.argv[1])))
by = defaultdict(list)
cpu_time = defaultdict(list)
for r in rows:
    by[(r["dataset"], r["format"], r["engine"])].append((float(r["wall_s"]), int(r["peak_kib"])))
    cpu_time[(r["dataset"], r["format"], r["engine"])].append((float(r["user_s"]), float(r["system_s"])))
def summary(key):
    runs = by.get(key)
    if not runs:
        return None
    walls = [w for w, _ in runs]
    return statistics.median(walls), min(walls), max(walls), statistics.median(p for _, p in runs)
cpu = subprocess.run(["sh", "-c", "lscpu | grep 'Model name' | sed 's/.*: *//'"], capture_output=True, text=True).stdout.strip()
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
mem = subprocess.run(["sh", "-c", "free -g | awk '/Mem:/ {print $2}'"], capture_output=True, text=True).stdout.strip()
lines = [
    "# mos against DuckDB",
    "",
    f"Machine: {cpu or 'unknown CPU'}, {cores} cores, {mem} GiB. Whole process, cold, files read each run;"
    f" median of {max(len(v) for v in by.values())} alternating runs (min–max).",
    "",
    "| data | format | mos wall (s) | DuckDB wall (s) | mos / DuckDB wall | mos peak (MiB) | DuckDB peak (MiB) | mos / DuckDB memory |",
    "|---|---|---|---|---|---|---|---|",
]
for dataset in ("scale-10", "scale-1"):
    for fmt in ("csv", "parquet"):
        m, d = summary((dataset, fmt, "mos")), summary((dataset, fmt, "duckdb"))
        if not m or not d:
            continue
        lines.append(
            f"| {dataset} × 10 years | {fmt} | {m[0]:.2f} ({m[1]:.2f}–{m[2]:.2f}) | {d[0]:.2f} ({d[1]:.2f}–{d[2]:.2f}) "
            f"| {m[0] / d[0]:.2f} | {m[3] / 1024:.0f} | {d[3] / 1024:.0f} | {m[3] / d[3]:.2f} |")
inc, full = summary(("incremental", "csv", "mos")), summary(("scale-10", "csv", "mos"))
if inc and full:
    lines += ["", f"Incremental month (scale 10, CSV): {inc[0]:.2f} s median ({inc[1]:.2f}–{inc[2]:.2f}), {100 * inc[0] / full[0]:.1f}% of a full evaluation."]
big, cold = summary(("scale-100", "csv", "mos")), summary(("scale-10-cold", "csv", "mos"))
if big and cold:
    # Run i of scale 100 against run i of scale 10, taken one after the other.
    walls = lambda key: [w for w, _ in by[key]]
    pairs = [b / c for b, c in zip(walls(("scale-100", "csv", "mos")), walls(("scale-10-cold", "csv", "mos")))]
    med = lambda key, i: statistics.median(t[i] for t in cpu_time[key])
    big_key, cold_key = ("scale-100", "csv", "mos"), ("scale-10-cold", "csv", "mos")
    lines += [f"Scale 100 (CSV, 60 million crimes) against scale 10, alternating {len(pairs)} runs, both read from "
              f"disk (page cache dropped): {big[0]:.2f} s ({big[1]:.2f}–{big[2]:.2f}) against {cold[0]:.2f} s "
              f"({cold[1]:.2f}–{cold[2]:.2f}), {big[0] / cold[0]:.1f}× the time (run by run "
              f"{min(pairs):.1f}–{max(pairs):.1f}×); CPU time user {med(big_key, 0) / med(cold_key, 0):.1f}×, "
              f"system {med(big_key, 1) / med(cold_key, 1):.1f}×; peak {big[3] / 1024 / 1024:.1f} GiB, "
              f"{big[3] / cold[3]:.1f}× the memory."]
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
print("\n".join(lines))
PY

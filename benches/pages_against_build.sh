#!/usr/bin/env bash
# Do this build's pages and packs say the same as an earlier commit's? For a
# change meant to leave what readers see alone (a template migration, say):
#   bash benches/pages_against_build.sh REV
# Both builds serve the embedded demo from an empty folder; every page (home,
# objectives, People's Priorities, each measure with each breakdown, one
# group and a funnel period, the commentary form, sign-in, not found) is
# fetched as the public and as a signed-in analyst, with the JSON API and
# the board packs (`mos report --as-of`). benches/same_pages.py then compares
# them as HTML (tags, attributes and text, whitespace between tags and the
# times and snapshot ids of the runs aside). REV is built in a worktree with
# its own target folder; OLD_MOS=path uses a binary of REV built before.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:?usage: bash benches/pages_against_build.sh REV}"
work="${TMPDIR:-/tmp}/mos-pages"
if [ -n "${OLD_MOS:-}" ]; then
  old="$OLD_MOS"
else
  tree="${TMPDIR:-/tmp}/mos-build-$rev"
  [ -d "$tree" ] || git worktree add -f "$tree" "$rev" >/dev/null
  (cd "$tree" && CARGO_TARGET_DIR="$tree-target" cargo build --locked --quiet)
  old="$tree-target/debug/mos"
fi
cargo build --quiet
new="$PWD/target/debug/mos"
port=18555
token=pages-against-build-token

capture() { # capture BINARY OUT
  local bin="$1" out="$2" dir
  rm -rf "$out"
  mkdir -p "$out/pages" "$out/packs"
  dir=$(mktemp -d)
  (cd "$dir" && "$bin" token-hash "Jo Analyst" "$token" > tokens.txt)
  (cd "$dir" && exec "$bin" serve --addr "127.0.0.1:$port" --tokens tokens.txt > serve.log 2>&1) &
  local pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/api/status" > /dev/null && break; sleep 1; done
  fetch() { curl -s "$@"; }
  local urls="/ /priorities /api /login /no-such-page /measures/no-such-measure"
  for n in $(fetch "http://127.0.0.1:$port/api/measures" | python3 -c 'import json,sys; print(" ".join(sorted({str(m["objective"]) for m in json.load(sys.stdin)["measures"] if m.get("objective")})))'); do
    urls="$urls /objectives/$n"
  done
  fetch -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/measures" > "$out/pages/api_measures.json"
  for id in $(python3 -c 'import json,sys; print(" ".join(m["id"] for m in json.load(open(sys.argv[1]))["measures"]))' "$out/pages/api_measures.json"); do
    fetch -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/measures/$id" > "$out/pages/api_$id.json"
    urls="$urls /measures/$id /measures/$id/commentary"
    for q in $(python3 - "$out/pages/api_$id.json" <<'PY'
import json, sys
measure = json.load(open(sys.argv[1]))
seen = set()
for s in measure.get("series", []):
    b, g = s.get("breakdown"), s.get("group")
    if b and b not in seen:
        seen.add(b)
        print(f"?breakdown={b}")
        print(f"?breakdown={b}&group={g}")
funnel = measure.get("funnel")
if funnel:  # a year before the latest, to try the period chooser
    year, month = funnel["period_end"][:7].split("-")
    print(f"?funnel={int(year) - 1}-{month}")
PY
    ); do urls="$urls /measures/$id$q"; done
  done
  for u in $urls; do
    local name
    name=$(echo "$u" | tr '/?&=' '____')
    fetch "http://127.0.0.1:$port$u" > "$out/pages/public$name"
    fetch -H "Authorization: Bearer $token" "http://127.0.0.1:$port$u" > "$out/pages/analyst$name"
  done
  fetch -X POST -d token=wrong -H "Origin: http://127.0.0.1:$port" "http://127.0.0.1:$port/login" > "$out/pages/login_refused"
  kill "$pid"
  wait "$pid" 2> /dev/null || true
  (cd "$dir" && "$bin" report --out packs --as-of 2026-01-31 > /dev/null 2>&1)
  (cd "$dir/packs" && find . -name '*.html' -o -name '*.csv' | while read -r f; do
    mkdir -p "$out/packs/$(dirname "$f")"
    cp "$f" "$out/packs/$f"
  done)
  rm -rf "$dir"
  echo "$(echo "$urls" | wc -w) pages twice, the API and $(find "$out/packs" -name report.html | wc -l) packs from $bin"
}
capture "$old" "$work/before"
capture "$new" "$work/now"
python3 benches/same_pages.py "$work/before" "$work/now"

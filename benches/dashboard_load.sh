#!/usr/bin/env bash
# Load on the dashboard's measure page: 50 connections for 30 s with wrk
# (Debian package `wrk`), on the release build and the demo data.
# Prints the latency distribution and the server's peak resident memory.
#   bash benches/dashboard_load.sh [PAGE] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
page="${1:-/measures/victim_satisfaction_whole_experience}"
seconds="${2:-30}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
port=18080
./target/release/mos serve --addr "127.0.0.1:$port" >/tmp/mos-bench-serve.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
until curl -fs "http://127.0.0.1:$port/" >/dev/null; do sleep 0.5; done
echo "page: $page, 50 connections, ${seconds}s, 2 wrk threads"
wrk -t2 -c50 -d"${seconds}s" --latency "http://127.0.0.1:$port$page"
echo "server peak RSS: $(grep VmHWM /proc/$server/status)"
echo "server RSS now:  $(grep VmRSS /proc/$server/status)"

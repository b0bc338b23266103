#!/usr/bin/env bash
# HTTP batch ingest into SQLite, next to a raw batched SQLite insert of the same rows, in one run.
# Usage: Benchmarks/ingest.sh [seconds] [connections]. Needs wrk (apt-get install wrk).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-32}

swift build -c release --product aerd >/dev/null
swift build -c release --product aerd-bench >/dev/null
work=$(mktemp -d)
trap 'kill $daemon 2>/dev/null || true; rm -rf "$work"' EXIT

.build/release/aerd-bench make-body --out "$work/body.json"
export AERD_WRITE_KEY=bench_key AERD_ADMIN_TOKEN=bench_admin
.build/release/aerd run --config config --state "$work/state" --listen 127.0.0.1:18088 2>"$work/aerd.log" &
daemon=$!
until curl -sf http://127.0.0.1:18088/livez >/dev/null; do sleep 0.1; done

echo "== HTTP /v1/batch, 100 events per request, $connections connections, ${seconds}s"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s Benchmarks/ingest.lua http://127.0.0.1:18088/v1/batch \
    -- "$work/body.json" "$(printf 'bench_key:' | base64)" | tee "$work/wrk.txt"
requests=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
kill -TERM $daemon; wait $daemon || true
events=$((requests * 100))
rate=$(awk '/Requests\/sec/ {printf "%.0f", $2 * 100}' "$work/wrk.txt")
echo "HTTP ingest: $events events stored, $rate events/s"

echo "== raw SQLite batched insert of $events rows (transactions of 100)"
.build/release/aerd-bench raw-insert --events "$events" --batch 100 --path "$work/raw.sqlite"

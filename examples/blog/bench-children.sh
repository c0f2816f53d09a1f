#!/usr/bin/env bash
# make bench-children: time a load of USERS parents × 3 children (users →
# posts, one child request per user) from the demo API on loopback, and
# report records/s, the requests the run made (from the API's
# /admin/stats), wall time and peak RSS as measured by /usr/bin/time -v.
#
#   Usage: bench-children.sh BIN [USERS]     (USERS defaults to 1,000)
#
# 1,000 users are 10 pages of 100 users plus 1,000 requests for their posts:
# 1,010 requests, 4,000 records (1,000 users and 3,000 posts).
# BENCH_PIPELINE (default bench_users_posts.yaml beside this script; try
# users_posts.yaml for the three-level chain with comments), BENCH_RUNS
# (default 1) repeats the load, BENCH_POSTS (default 3) posts per user,
# BENCH_LATENCY (default 0s) delays every API answer, BENCH_GZIP=true
# compresses the answers (off by default: on two cores the server's gzip
# would take CPU from the load measured).
set -euo pipefail
bin=${1:?usage: bench-children.sh BIN [USERS]}
users=${2:-1000}
here=$(cd "$(dirname "$0")" && pwd)
pipeline=${BENCH_PIPELINE:-$here/bench_users_posts.yaml}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
printf '%8s %9s %9s %9s %10s %12s\n' parents records requests seconds records/s peak_rss_mb
for _run in $(seq "${BENCH_RUNS:-1}"); do
  rm -f "$work/url"
  "$bin/sluice-demo-api" --addr 127.0.0.1:0 --print-url --users "$users" --posts-per-user "${BENCH_POSTS:-3}" \
    --latency "${BENCH_LATENCY:-0s}" --gzip="${BENCH_GZIP:-false}" >"$work/url" 2>"$work/api.log" &
  api=$!
  for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
  url=$(head -n1 "$work/url")
  [ -n "$url" ] || { echo "demo API did not start:"; cat "$work/api.log"; exit 1; }
  rm -rf "$work/bench.db"* "$work/pipelines"
  DEMO_API_URL=$url /usr/bin/time -v "$bin/sluice" run "$pipeline" \
    --db "$work/bench.db" --pipelines-dir "$work/pipelines" --progress none --format json \
    >"$work/out.json" 2>"$work/time.txt" || { cat "$work/out.json" "$work/time.txt"; exit 1; }
  # {"requests":N,"routes":{...}}: the first key is the total of data requests.
  requests=$(curl -fsS "$url/admin/stats" | sed -n 's/^{"requests":\([0-9]*\).*/\1/p')
  kill $api; wait $api 2>/dev/null || true
  # Records of every resource ("records" appears only in the per-resource counts).
  records=$(grep -o '"records":[0-9]*' "$work/out.json" | awk -F: '{n+=$2} END {print n+0}')
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/time.txt")
  rate=$(awk -v n="$records" -v s="$secs" 'BEGIN {printf "%.0f", (s > 0 ? n/s : 0)}')
  printf '%8s %9s %9s %9s %10s %12s\n' "$users" "$records" "$requests" "$secs" "$rate" "$rss"
done

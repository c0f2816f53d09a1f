#!/usr/bin/env bash
# make bench-postgres: time full loads of N demo records into PostgreSQL and
# into SQLite, and report records/s, rows/s and sluice's peak RSS
# (/usr/bin/time -v) for each run. Usage: bench-postgres.sh BIN N
# The server is a throwaway cluster on loopback (internal/pgtest/pgserve:
# Debian's initdb and pg_ctl in a temporary folder), durable as a production
# server is (fsync, synchronous_commit on); each run loads into an empty
# database of its own. SLUICE (default sluice) is the binary in BIN;
# BENCH_RUNS (default 3) repeats each load; BENCH_PAGE_SIZE (default 100) is
# the number of records a page. rows/s counts the rows of every table.
set -euo pipefail
bin=$1; n=$2
sluice=$bin/${SLUICE:-sluice}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${BENCH_RUNS:-3}
work=$(mktemp -d)
trap 'exec 3>&- 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/pgserve" ./internal/pgtest/pgserve)
mkfifo "$work/pgin"
"$work/pgserve" -databases "$runs" -durable="${BENCH_PG_DURABLE:-true}" <"$work/pgin" >"$work/dsns" 2>"$work/pgserve.err" &
exec 3>"$work/pgin"
for _ in $(seq 600); do grep -qx ready "$work/dsns" 2>/dev/null && break; sleep 0.05; done
grep -qx ready "$work/dsns" || { echo "pgserve did not start:"; cat "$work/pgserve.err"; exit 1; }

# measure DEST DB: one full load, one line of results
measure() {
  local dest=$1 db=$2
  rm -f "$work/url"
  "$bin/sluice-demo-api" --addr 127.0.0.1:0 --print-url --users "$n" --page-size "${BENCH_PAGE_SIZE:-100}" --gzip=false >"$work/url" 2>/dev/null &
  local api=$!
  for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
  local url; url=$(head -n1 "$work/url")
  rm -rf "$work/pipelines" "$work"/bench.db*
  DEMO_API_URL=$url /usr/bin/time -v "$sluice" run "$here/pipeline.yaml" \
    --destination "$dest" --db "$db" --pipelines-dir "$work/pipelines" --progress none --format json \
    >"$work/out.json" 2>"$work/time.txt" || { grep -v -F "$db" "$work/time.txt"; exit 1; }
  kill $api; wait $api 2>/dev/null || true
  local secs rss rate nrows rrate
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/time.txt")
  rate=$(awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.0f", n/s}')
  nrows=$(tr -d ' \n' <"$work/out.json" | sed 's/.*"tables":{\([^}]*\)}.*/\1/' | tr ',' '\n' | awk -F: '{s+=$2} END {print s+0}')
  rrate=$(awk -v n="$nrows" -v s="$secs" 'BEGIN {printf "%.0f", n/s}')
  printf '%-8s %10s %10s %12s %12s %12s\n' "$dest" "$n" "$secs" "$rate" "$rrate" "$rss"
  [ -n "${BENCH_VERBOSE:-}" ] && grep -E "User time|System time|Percent of CPU" "$work/time.txt" || true
}

printf '%-8s %10s %10s %12s %12s %12s\n' dest records seconds records/s rows/s peak_rss_mb
grep -v '^ready$' "$work/dsns" >"$work/dsn-list"
while read -r dsn; do measure postgres "$dsn"; done <"$work/dsn-list"
for _ in $(seq "$runs"); do measure sqlite "$work/bench.db"; done

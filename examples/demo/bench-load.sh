#!/usr/bin/env bash
# make bench-load: time a full load of N records (one run per N given) from
# the demo API on loopback, and report records/s and peak RSS as measured by
# /usr/bin/time -v. Usage: bench-load.sh BIN N [N...]
# The API answers without gzip unless BENCH_GZIP=true: on two cores the
# demo server's compression would otherwise take CPU from the load measured.
# BENCH_PAGE_SIZE (default 100) is the number of records a page; BENCH_RUNS
# (default 1) repeats each load and prints one line a run.
# BENCH_DESTINATION (default sqlite) is the destination: duckdb needs a
# binary built with DuckDB (make build); filesystem writes Parquet files
# into a bucket folder (file://…). SLUICE (default sluice) names the binary
# in BIN to run (sluice-pure for the pure-Go build). rows/s counts the rows of every
# table (a nested record is several rows).
set -euo pipefail
bin=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
dest=${BENCH_DESTINATION:-sqlite}
ext=db; [ "$dest" = duckdb ] && ext=duckdb
db="$work/bench.$ext"; [ "$dest" = filesystem ] && db="file://$work/lake"
sluice_bin=${SLUICE:-sluice}
printf '%-10s %10s %10s %12s %12s %12s %8s\n' dest records seconds records/s rows/s peak_rss_mb cpu_s
for n in "$@"; do
for _run in $(seq "${BENCH_RUNS:-1}"); do
  "$bin/sluice-demo-api" --addr 127.0.0.1:0 --print-url --users "$n" --page-size "${BENCH_PAGE_SIZE:-100}" --gzip="${BENCH_GZIP:-false}" >"$work/url" 2>/dev/null &
  api=$!
  for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
  url=$(head -n1 "$work/url")
  rm -rf "$work/bench.$ext"* "$work/lake" "$work/pipelines"
  DEMO_API_URL=$url /usr/bin/time -v "$bin/$sluice_bin" run "$here/pipeline.yaml" \
    --destination "$dest" --db "$db" --pipelines-dir "$work/pipelines" --progress none --format json \
    >"$work/out.json" 2>"$work/time.txt" || { cat "$work/time.txt"; exit 1; }
  kill $api; wait $api 2>/dev/null || true
  secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$work/time.txt")
  # sluice's own CPU seconds (user + system): steadier than the wall clock
  # when other jobs share the cores
  cpu=$(awk -F': ' '/User time|System time/ {s+=$2} END {printf "%.2f", s}' "$work/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/time.txt")
  rate=$(awk -v n="$n" -v s="$secs" 'BEGIN {printf "%.0f", n/s}')
  # the rows of every table, from the summary's "tables" object
  nrows=$(tr -d ' \n' <"$work/out.json" | sed 's/.*"tables":{\([^}]*\)}.*/\1/' | tr ',' '\n' | awk -F: '{s+=$2} END {print s+0}')
  rrate=$(awk -v n="$nrows" -v s="$secs" 'BEGIN {printf "%.0f", n/s}')
  printf '%-10s %10s %10s %12s %12s %12s %8s\n' "$dest" "$n" "$secs" "$rate" "$rrate" "$rss" "$cpu"
done
done

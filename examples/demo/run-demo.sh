#!/usr/bin/env bash
# The README's first command (make demo) runs this: start the project's demo
# API on a free loopback port, load examples/demo/pipeline.yaml into demo.db,
# print the load summary, stop the API. Offline; needs only the two binaries.
set -euo pipefail
bin=${1:-bin}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
"$bin/sluice-demo-api" --addr 127.0.0.1:0 --print-url --users 1000 --token "${DEMO_API_TOKEN:-demo-token}" >"$work/url" 2>"$work/api.log" &
api=$!
trap 'kill $api 2>/dev/null || true; wait $api 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(head -n1 "$work/url")
[ -n "$url" ] || { echo "demo API did not start:"; cat "$work/api.log"; exit 1; }
echo "demo API listening at $url"
rm -f demo.db demo.db-wal demo.db-shm
DEMO_API_URL=$url "$bin/${SLUICE:-sluice}" run "$here/pipeline.yaml" --db demo.db --pipelines-dir "$work/pipelines"
echo
echo "Loaded into ./demo.db. Try: sqlite3 demo.db 'select name, address__geo__lat from users limit 3'"

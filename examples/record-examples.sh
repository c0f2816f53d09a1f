#!/usr/bin/env bash
# make record-examples runs this: re-record the cassette of every example
# pipeline (examples/*/*.yaml) against the demo API and rewrite its golden
# summary, so that `sluice test` (and the Go test over the examples) checks
# them offline. Each pipeline gets a fresh, small API (20 users, pages of
# 10, 2 posts per user, 1 comment per post, 30 tickets: cassettes stay
# small). A pipeline with an `incremental:` is recorded twice, with 5 new
# and 3 updated tickets in between, as PIPELINE.cassette/run-1 and run-2.
#
#   examples/record-examples.sh [BIN] [PIPELINE.yaml ...]
set -euo pipefail
bin=${1:-bin}
shift || true
sluice="$bin/${SLUICE:-sluice}"
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
api=
stop_api() { if [ -n "$api" ]; then kill "$api" 2>/dev/null || true; wait "$api" 2>/dev/null || true; api=; fi; }
trap 'stop_api; rm -rf "$work"' EXIT

start_api() {
	rm -f "$work/url"
	"$bin/sluice-demo-api" --addr 127.0.0.1:0 --print-url --users 20 --page-size 10 \
		--posts-per-user 2 --comments-per-post 1 --tickets 30 >"$work/url" 2>"$work/api.log" &
	api=$!
	for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
	url=$(head -n1 "$work/url")
	[ -n "$url" ] || { echo "demo API did not start:"; cat "$work/api.log"; exit 1; }
}

# The demo API's PostgREST look-alike takes this JWT (role web_user).
export POSTGREST_TOKEN=${POSTGREST_TOKEN:-eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoid2ViX3VzZXIifQ.7eNXUpb25WVDDgucF-ZfIVV4SlqMgfnK4xLwnvirpyI}

if [ $# -gt 0 ]; then files=("$@"); else files=("$here"/*/*.yaml); fi
for f in "${files[@]}"; do
	case "$f" in *.golden.yaml) continue ;; esac
	base=${f%.yaml}
	rm -rf "$base.cassette" "$work/pipelines" "$work/rec.db"
	start_api
	run() { DEMO_API_URL=$url DEMO_API_TOKEN=demo-token "$sluice" run "$f" --record "$1" \
		--db "$work/rec.db" --pipelines-dir "$work/pipelines" --progress none >/dev/null; }
	if grep -q '^[^#]*incremental:' "$f"; then
		run "$base.cassette/run-1"
		curl -fsS -X POST "$url/admin/tickets/mutate?add=5&update=3" >/dev/null
		run "$base.cassette/run-2"
	else
		run "$base.cassette"
	fi
	stop_api
	"$sluice" test "$f" --update
done

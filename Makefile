# sluice — build, test, benchmark.
#
#   make build   bin/sluice with both destinations (SQLite and DuckDB; cgo, -tags duckdb)
#   make build-pure  bin/sluice-pure: the pure-Go static build (CGO_ENABLED=0), SQLite only
#   make demo    build sluice (pure Go) and the demo API, load examples/demo into demo.db (offline)
#   make test    gofmt, go vet, unit and end-to-end tests (race detector on), pure-Go packages
#   make test-duckdb  the destination, load, pipeline and command tests again with -tags duckdb
#   make bench-duckdb  200,000 demo records into DuckDB and into SQLite (records/s, rows/s, peak RSS),
#                then the destinations alone (BenchmarkLoadOnly: rows/s, CPU seconds, file size)
#   make bench-parquet  200,000 demo records into Parquet files (filesystem) and into SQLite, pure-Go build
#   make bench-postgres  200,000 demo records into PostgreSQL (a throwaway server it starts) and into SQLite
#   make bench   Go benchmarks plus a timed load of 10,000 and 200,000 records
#   make bench-memory  100,000 records at page size 100 and 1,000, 1,000,000 at 1,000
#                (records/s and peak RSS, docs/performance.md)
#   make bench-children  1,000 users × 3 posts as a dependent resource (records/s, requests, peak RSS)
#   make record-examples  re-record every example's cassette against the demo API and
#                rewrite its golden summary (sluice test checks them offline, docs/testing-pipelines.md)
#   make wasm-samples  the sample WASM plugins (and the misbehaving test ones) into bin/wasm/<name>.wasm

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN      := bin

.PHONY: all build build-pure demo test test-duckdb vet fmt-check bench bench-go bench-load bench-memory bench-duckdb bench-parquet clean

all: build

# DuckDB needs cgo and links its prebuilt static library (github.com/duckdb/duckdb-go,
# about 30 MB fetched by go build for linux-amd64). Linked statically, the binary
# needs no libstdc++ on the target. Never `go mod download` or `go mod tidy` in CI:
# they fetch DuckDB's libraries for every platform (0.6-1.6 GB).
DUCKDB_TAGS    := duckdb,netgo,osusergo
DUCKDB_LDFLAGS := $(LDFLAGS) -linkmode external -extldflags -static

build: demo-api
	CGO_ENABLED=1 $(GO) build -trimpath -tags '$(DUCKDB_TAGS)' -ldflags '$(DUCKDB_LDFLAGS)' -o $(BIN)/sluice ./cmd/sluice

build-pure: demo-api
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/sluice-pure ./cmd/sluice

.PHONY: demo-api
demo-api:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/sluice-demo-api ./cmd/sluice-demo-api

# The demo needs no C toolchain: it runs the pure-Go build (SQLite).
demo: build-pure
	SLUICE=sluice-pure ./examples/demo/run-demo.sh $(BIN)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: fmt-check vet
	$(GO) test -race -count=1 ./...

# The packages whose tests run against DuckDB too (table-driven over the
# destinations of the build) or are DuckDB's own.
DUCKDB_TEST_PKGS := ./runtime/destination/... ./runtime/load/ ./runtime/pipeline/ ./cmd/sluice/

test-duckdb:
	$(GO) vet -tags duckdb $(DUCKDB_TEST_PKGS)
	CGO_ENABLED=1 $(GO) test -race -count=1 -tags duckdb $(DUCKDB_TEST_PKGS)

bench: bench-go bench-load

bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./runtime/... ./internal/... ./scripting/...

bench-load: build
	./examples/demo/bench-load.sh $(BIN) 10000 200000

bench-memory: build
	BENCH_RUNS=3 BENCH_PAGE_SIZE=100 ./examples/demo/bench-load.sh $(BIN) 100000
	BENCH_RUNS=3 BENCH_PAGE_SIZE=1000 ./examples/demo/bench-load.sh $(BIN) 100000 1000000

bench-duckdb: build
	BENCH_RUNS=3 BENCH_DESTINATION=duckdb ./examples/demo/bench-load.sh $(BIN) 200000
	BENCH_RUNS=3 BENCH_DESTINATION=sqlite ./examples/demo/bench-load.sh $(BIN) 200000
	@echo "the destinations alone (200,000 demo records normalized before the clock starts):"
	$(GO) test -tags duckdb -run '^$$' -bench 'LoadOnly' -benchtime 2x ./runtime/load/

.PHONY: record-examples
record-examples: build-pure
	SLUICE=sluice-pure ./examples/record-examples.sh $(BIN)

# The filesystem destination is pure Go: both runs use the CGO_ENABLED=0 build.
bench-parquet: build-pure
	BENCH_RUNS=3 BENCH_DESTINATION=filesystem SLUICE=sluice-pure ./examples/demo/bench-load.sh $(BIN) 200000
	BENCH_RUNS=3 BENCH_DESTINATION=sqlite SLUICE=sluice-pure ./examples/demo/bench-load.sh $(BIN) 200000
# PostgreSQL is in every build, so the pure-Go binary is enough; the server is
# Debian's postgresql package (apt-get install -y postgresql), started in a
# temporary folder by internal/pgtest/pgserve.
.PHONY: bench-postgres
bench-postgres: build-pure
	BENCH_RUNS=3 SLUICE=sluice-pure ./examples/demo/bench-postgres.sh $(BIN) 200000

.PHONY: bench-children
bench-children: build
	./examples/blog/bench-children.sh $(BIN) 1000

# The sample plugins (wasm-samples/<name>) and the misbehaving map steps the
# tests use (wasm-samples/testdata/<name>), built with the standard toolchain.
WASM_SAMPLES   := sigv4 next-page-header pii-hash range-filter error-body
WASM_TESTDATA  := loop hog escape
WASM_BUILD     := GOOS=wasip1 GOARCH=wasm $(GO) build -buildmode=c-shared -trimpath -ldflags='-s -w'

.PHONY: wasm-samples
wasm-samples:
	@mkdir -p $(BIN)/wasm
	@set -e; for s in $(WASM_SAMPLES); do \
		echo "$(BIN)/wasm/$$s.wasm"; $(WASM_BUILD) -o $(BIN)/wasm/$$s.wasm ./wasm-samples/$$s; done
	@set -e; for s in $(WASM_TESTDATA); do \
		echo "$(BIN)/wasm/$$s.wasm"; $(WASM_BUILD) -o $(BIN)/wasm/$$s.wasm ./wasm-samples/testdata/$$s; done

clean:
	rm -rf $(BIN) demo.db demo.db-wal demo.db-shm demo.duckdb demo.duckdb.wal

# sluice — build, test, benchmark.
#
#   make demo    build sluice and the demo API, load examples/demo into demo.db (offline)
#   make test    gofmt, go vet, unit and end-to-end tests (race detector on)
#   make bench   Go benchmarks plus a timed load of 10,000 and 200,000 records
#   make bench-memory  100,000 records at page size 100 and 1,000, 1,000,000 at 1,000
#                (records/s and peak RSS, docs/performance.md)
#   make bench-children  1,000 users × 3 posts as a dependent resource (records/s, requests, peak RSS)
#   make wasm-samples  the sample WASM plugins (and the misbehaving test ones) into bin/wasm/<name>.wasm

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT   ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)
BIN      := bin

.PHONY: all build demo test vet fmt-check bench bench-go bench-load bench-memory clean

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/sluice ./cmd/sluice
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/sluice-demo-api ./cmd/sluice-demo-api

demo: build
	./examples/demo/run-demo.sh $(BIN)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

test: fmt-check vet
	$(GO) test -race -count=1 ./...

bench: bench-go bench-load

bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 2s ./runtime/... ./internal/... ./scripting/...

bench-load: build
	./examples/demo/bench-load.sh $(BIN) 10000 200000

bench-memory: build
	BENCH_RUNS=3 BENCH_PAGE_SIZE=100 ./examples/demo/bench-load.sh $(BIN) 100000
	BENCH_RUNS=3 BENCH_PAGE_SIZE=1000 ./examples/demo/bench-load.sh $(BIN) 100000 1000000

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
	rm -rf $(BIN) demo.db demo.db-wal demo.db-shm

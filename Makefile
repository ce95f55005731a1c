# Every go command uses the same build tags, or each build recompiles SQLite (~60 s).
TAGS   := sqlite_fts5
GO     ?= go
BIN    := bin/crowdcare
DB     ?= ./crowdcare.db
ADDR   ?= 127.0.0.1:8080

BENCH_DB ?= bench.db

.PHONY: run build test vet fmt-check bench bench-search clean

build:
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/crowdcare

run: build
	./$(BIN) serve --demo --db $(DB) --addr $(ADDR)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet -tags $(TAGS) ./...

test: fmt-check vet
	$(GO) test -tags $(TAGS) -count=1 ./...

bench:
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -count=5 ./...

# Search latency over a 100,000-thread / 1,000,000-post corpus (generated once, a few minutes).
bench-search: build
	@[ -f $(BENCH_DB) ] || ./$(BIN) corpus --db $(BENCH_DB) --threads 100000 --posts 1000000
	./$(BIN) bench search --db $(BENCH_DB) --n 1000

clean:
	rm -rf bin

# Every go command uses the same build tags, or each build recompiles SQLite (~60 s).
TAGS   := sqlite_fts5
GO     ?= go
BIN    := bin/crowdcare
DB     ?= ./crowdcare.db
ADDR   ?= 127.0.0.1:8080

BENCH_DB ?= bench.db

# In make test each fuzz target runs a fixed number of inputs (about 4 s each on
# a quiet machine): a count, not a duration, because with a duration Go 1.26's
# fuzz coordinator can fail a run that found nothing with "context deadline
# exceeded" when a loaded machine's workers miss the deadline (golang/go#75804,
# fixed in Go 1.27). Longer runs: make fuzz FUZZTIME=10m.
FUZZTIME ?=
# Each new interesting input is minimized for at most this many runs (Go's
# default is 60 s each: a large Markdown input made one minimization stall
# the fuzz step for two minutes).
MINIMIZE ?= -fuzzminimizetime 100x

# bash for PIPESTATUS in the test target.
SHELL := /bin/bash

.PHONY: run build test vet fmt-check fuzz bench bench-search bench-import bench-insights loadtest scaletest screenshots lighthouse clean sqlite-note

# The first build compiles SQLite's C source into the build cache; say so, as
# it takes about a minute of silence. go list's Stale is false once it is there.
sqlite-note:
	@if [ "$$($(GO) list -tags $(TAGS) -f '{{.Stale}}' github.com/mattn/go-sqlite3 2>/dev/null)" != false ]; then \
		echo "Compiling SQLite (once, about a minute; later builds take seconds)…"; \
	fi

build: sqlite-note
	$(GO) build -tags $(TAGS) -o $(BIN) ./cmd/crowdcare

# make run ADDR=127.0.0.1:8081 DB=other.db
run: build
	./$(BIN) serve --demo --db $(DB) --addr $(ADDR)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet: sqlite-note
	$(GO) vet -tags $(TAGS) ./...

# The tests run with -v, shown as without it (.ci/test-summary.awk), twice:
# on SQLite, then on PostgreSQL (the server CROWDCARE_TEST_DATABASE_URL names,
# or a throw-away cluster when PostgreSQL's server programs are installed,
# .ci/postgres; without either the PostgreSQL pass is skipped and the summary
# says so); then the fuzzers, once. At the very end come, per engine, the
# skipped tests grouped by why and the counts, so a green run never hides
# what did not run. The exit code is go test's (then the fuzzers').
# PKGS=./cmd/... runs both passes of some packages only.
test: fmt-check vet
	@GO="$(GO)" TAGS="$(TAGS)" MAKE="$(MAKE)" .ci/test-engines

# Fuzzing: Markdown rendering, the search-query translator, every tweet reader, the SVG logo cleaner, uploads.
fuzz:
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzMarkdown$$' -fuzztime $(or $(FUZZTIME),12000x) $(MINIMIZE) ./models/markup/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzSearchQuery$$' -fuzztime $(or $(FUZZTIME),12000x) $(MINIMIZE) ./models/search/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzTweetShortcut$$' -fuzztime $(or $(FUZZTIME),40000x) $(MINIMIZE) ./models/markup/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(or $(FUZZTIME),50000x) $(MINIMIZE) ./tweets/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzClean$$' -fuzztime $(or $(FUZZTIME),40000x) $(MINIMIZE) ./svgsafe/
	$(GO) test -tags $(TAGS) -run '^$$' -fuzz '^FuzzProcess$$' -fuzztime $(or $(FUZZTIME),10000x) $(MINIMIZE) ./media/

bench:
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem -count=5 ./...

# Search latency over a 100,000-thread / 1,000,000-post corpus (generated once, a few minutes).
bench-search: build
	@[ -f $(BENCH_DB) ] || ./$(BIN) corpus --db $(BENCH_DB) --threads 100000 --posts 1000000
	./$(BIN) bench search --db $(BENCH_DB) --n 1000

# The /insights dashboard as an ambassador, on the same corpus.
bench-insights: build
	@[ -f $(BENCH_DB) ] || ./$(BIN) corpus --db $(BENCH_DB) --threads 100000 --posts 1000000
	./$(BIN) bench insights --db $(BENCH_DB) --n 50 --mentions 100000

# Several app servers (docs/benchmarks.md): a throw-away PostgreSQL primary
# and streaming replica on 127.0.0.1 (Debian's server programs), one server
# on SQLite, then 1, 2 and 3 on PostgreSQL with a read/write mix, one of the
# three killed with kill -9 mid-load; consistency checked at the end.
SCALE_DURATION ?= 20s
SCALE_WORKERS  ?= 16
scaletest: build
	./$(BIN) scaletest --duration $(SCALE_DURATION) --workers $(SCALE_WORKERS)

# Import throughput: a generated customer-support CSV, then an archive, each
# against the floor of the same run (the rows it stored, copied inside the
# engine), then crowdcare import tweets on the CSV end to end. On SQLite
# files by default; make bench-import PG=postgres://postgres@127.0.0.1:5432/postgres
# runs it on that PostgreSQL server, in databases made there and dropped after.
PG ?=
bench-import: build
	./$(BIN) bench import --records 1000000 --floor --end-to-end $(if $(PG),--db '$(PG)')
	./$(BIN) bench import --records 100000 --format archive --floor $(if $(PG),--db '$(PG)')

# The server under load on the 100,000-thread corpus, against a bare net/http ceiling.
loadtest: build
	@[ -f $(BENCH_DB) ] || ./$(BIN) corpus --db $(BENCH_DB) --threads 100000 --posts 1000000
	./$(BIN) loadtest --db $(BENCH_DB) --conns 50 --duration 10s

# The README's screenshots: a freshly seeded demo photographed in Chromium
# at 1366x900 and 390x844 (home, thread, KB article, search, insights).
screenshots: sqlite-note
	$(GO) run -tags $(TAGS) ./internal/demo/cmd/screenshots -out docs/img

# Lighthouse (npm, e2e/package.json) in Debian's Chromium against a freshly
# seeded demo on a free port: home, a thread, a KB article and a search;
# fails below 95 (search's SEO aside: noindex on purpose). Not part of make
# test. LIGHTHOUSE_FLAGS=-preset=desktop for the desktop profile.
LIGHTHOUSE_FLAGS ?=
lighthouse: sqlite-note
	@[ -x e2e/node_modules/.bin/lighthouse ] || npm ci --prefix e2e --no-audit --no-fund
	CHROME_PATH=$$(command -v chromium) $(GO) run -tags $(TAGS) ./internal/demo/cmd/lighthouse $(LIGHTHOUSE_FLAGS)

clean:
	rm -rf bin

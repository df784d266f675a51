# cti3cx — `make help` lists the targets. Each target's comment after ## is its help.
.DEFAULT_GOAL := help
GO      ?= go
BIN     := bin
PKGS    := ./...
# Fuzz budgets are counts, not durations: Go 1.26's fuzz coordinator can fail
# a duration run with a spurious "context deadline exceeded" (golang/go#75804,
# fixed in 1.27). Minimization is capped by count for the same reason.
FUZZTIME ?= 100000x
# make test fuzzes each target briefly, as a smoke run on top of the seed
# corpora that go test already runs; make fuzz is the longer search.
TESTFUZZTIME ?= 10000x
FUZZMINIMIZE ?= 100x
# cmd/cti3cx-loader's tests take ~5 minutes on a loaded 2-core machine: more
# than go test's default 10-minute budget allows when several suites share it.
TESTTIMEOUT ?= 30m
# staticcheck runs through `go run pkg@version`: pinned, nothing to install.
STATICCHECK ?= v0.8.2

.PHONY: help build test fuzz bench lint demo run-api review-files clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build both binaries, static, into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=auto -o $(BIN)/ ./cmd/cti3cx-loader ./cmd/cti3cx-api

test: ## run every test against a real PostgreSQL, with -race, then fuzz briefly
	$(GO) test -race -count=1 -timeout=$(TESTTIMEOUT) $(PKGS)
	$(MAKE) --no-print-directory fuzz FUZZTIME=$(TESTFUZZTIME)

fuzz: ## run every fuzz target for FUZZTIME executions (default 100000x)
	@$(GO) test -list '^Fuzz' $(PKGS) | awk '/^Fuzz/ {t[n++] = $$1} /^ok/ {for (i = 0; i < n; i++) print $$2, t[i]; n = 0}' > .fuzz-targets
	@set -e; while read -r pkg target; do \
		echo "fuzz $$target ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) -fuzzminimizetime=$(FUZZMINIMIZE) $$pkg; \
	done < .fuzz-targets; rm -f .fuzz-targets

bench: ## measure every speed target: normalize, test databases, imports, API load, revalidation, review page (~25 min)
	$(GO) test -run='^$$' -bench=. -benchmem ./normalize/
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=50x ./schema/
	$(GO) test -run='^$$' -bench=Load -benchtime=20000x -timeout=30m ./api/
	$(GO) test -run='^$$' -bench=. -benchtime=1x -timeout=60m ./loader/
	$(GO) test -run='^$$' -bench='BenchmarkHostileInputs|BenchmarkImport1MRowsChild' -benchtime=1x -timeout=60m ./cmd/cti3cx-loader/
	$(GO) test -run='^$$' -bench=BenchmarkRevalidate -benchtime=1x -timeout=60m ./loader/revalidate/
	$(GO) test -run='^$$' -bench=BenchmarkReview -benchtime=200x -timeout=30m ./review/
	$(GO) test -run='^$$' -bench='Rewrite1M|NormalizeCLI200k' -benchtime=1x -timeout=30m ./cmd/cti3cx-loader/
	$(GO) test -run='^$$' -bench=Export1M -benchtime=1x -timeout=30m ./loader/export/
	$(GO) test -run='^$$' -bench=ChangesFeed -benchtime=1x -timeout=30m ./api/

lint: ## go vet, a gofmt check, go mod tidy -diff and staticcheck (pinned)
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) $(PKGS)

demo: build ## the whole product in under a minute: load samples/, 3CX lookup and end-call, revalidation, report, a staff fix, the fixed number found
	$(GO) run ./cmd/cti3cx-demo

run-api: build ## start the API on :8080 against DATABASE_URL
	$(BIN)/cti3cx-api

REVIEW_FILES := tmp/review-files
review-files: ## write the files staff get into tmp/review-files and render them with LibreOffice as PNGs (its png/)
	rm -rf $(REVIEW_FILES) && mkdir -p $(REVIEW_FILES)
	CTI3CX_REVIEW_DIR=$(CURDIR)/$(REVIEW_FILES) $(GO) test -count=1 -run '^TestReviewFiles$$' ./cmd/cti3cx-loader/
	scripts/review-files $(REVIEW_FILES)

clean: ## remove build output
	rm -rf $(BIN)

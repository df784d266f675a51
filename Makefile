# cti3cx — `make help` lists the targets. Each target's comment after ## is its help.
.DEFAULT_GOAL := help
GO      ?= go
BIN     := bin
PKGS    := ./...
FUZZTIME ?= 10s

.PHONY: help build test fuzz bench lint demo run-api clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build both binaries, static, into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN)/ ./cmd/cti3cx-loader ./cmd/cti3cx-api

test: ## run every test against a real PostgreSQL, with -race, then fuzz briefly
	$(GO) test -race -count=1 $(PKGS)
	$(MAKE) --no-print-directory fuzz

fuzz: ## run the fuzz targets for FUZZTIME each (default 10s)
	@set -e; for target in $$(grep -ho '^func Fuzz[A-Za-z0-9_]*' $$(grep -rl --include='*_test.go' '^func Fuzz' .) | sed 's/^func //'); do \
		pkg=$$(dirname $$(grep -rl --include='*_test.go' "^func $$target(" . | head -1)); \
		echo "fuzz $$target in $$pkg"; \
		$(GO) test -run='^$$' -fuzz="^$$target$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

bench: ## run the benchmarks behind every speed target (takes several minutes)
	$(GO) test -run='^$$' -bench=. -benchmem -benchtime=1x ./schema/
	$(GO) test -run='^$$' -bench=. -benchmem ./normalize/

lint: ## go vet and a gofmt check
	$(GO) vet $(PKGS)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

demo: build ## throwaway database, migrate, load samples/, start the API, consult-phone and end-call
	$(GO) run ./cmd/cti3cx-demo

run-api: build ## start the API on :8080 against DATABASE_URL
	$(BIN)/cti3cx-api

clean: ## remove build output
	rm -rf $(BIN)

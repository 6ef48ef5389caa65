# postmeter — the two commands a new machine needs are `make run` and `make test`; both install what
# they need first. Debian 12, as root (or with sudo on the PATH).

SHELL := /bin/bash
export LANG := en_US.UTF-8
export FYNE_SCALE := 1
GO ?= go
DATA ?= $(HOME)/.local/share/postmeter

# Debian packages the build and the tests need; `deps` installs only those missing.
APT_PACKAGES := ca-certificates gcc pkg-config

.PHONY: run test deps datacenter bench vet fuzz

deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v $(GO) >/dev/null || { echo "Go 1.26 is needed: see https://go.dev/doc/install"; exit 1; }

# Until the touchscreen exists, `make run` starts the Data Center with a demo account and meter.
run: deps
	@mkdir -p $(DATA)
	$(GO) run ./cmd/datacenter demo -db $(DATA)/datacenter.db
	@echo "postmeter: the touchscreen is not built yet; serving the Data Center with demo data (Ctrl-C stops)"
	$(GO) run ./cmd/datacenter serve -db $(DATA)/datacenter.db -listen 127.0.0.1:8443

# The crash harness runs on its own with -v so its summary line (refill-crash: …) is printed.
test: deps vet
	$(GO) test -count=1 -timeout 15m -skip 'TestRefillCrashHarness$$' ./...
	$(GO) test -count=1 -timeout 10m -v -run 'TestRefillCrashHarness$$' ./funds

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

bench: deps
	$(GO) test -run XXX -bench . -benchtime 2000x -count 3 ./funds/...

fuzz:
	$(GO) test -run XXX -fuzz FuzzParseAmount -fuzztime 60s ./funds
	$(GO) test -run XXX -fuzz FuzzParseKeypad -fuzztime 30s ./funds

# postmeter — the two commands a new machine needs are `make run` and `make test`; both install what
# they need first. Debian 12, as root (or with sudo on the PATH).

SHELL := /bin/bash
export LANG := en_US.UTF-8
export FYNE_SCALE := 1
GO ?= go
DATA ?= $(HOME)/.local/share/postmeter

# Debian packages the build and the tests need; `deps` installs only those missing.
#   build (Fyne's GL driver):  gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev
#                              libxinerama-dev libxi-dev libxxf86vm-dev
#   real-window tests:         xvfb xauth xdotool libgl1-mesa-dri
#   the attached printer test: a private cupsd with a PDF queue, and pdftotext to read what arrived
#   the indicium goldens read back with libdmtx: dmtxread (dmtx-utils)
#   the kiosk's unit file:     systemd-analyze (systemd); its session script: bash
#   go test -race:             gcc (cgo)
#   the Data Center on PostgreSQL (store tests, crash harness, fleet bench): a private server from
#                              postgresql's programs (internal/pgtest), never the package's own cluster
# With CI set in the environment, a test missing any of these fails instead of being skipped.
APT_PACKAGES := ca-certificates gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
	libxinerama-dev libxi-dev libxxf86vm-dev xvfb xauth xdotool libgl1-mesa-dri \
	cups-daemon cups-client printer-driver-cups-pdf poppler-utils ghostscript cups-filters systemd bash \
	dmtx-utils postgresql
# migrated_fynedo: every widget update from a goroutine goes through fyne.Do, so Fyne's runtime thread
# checks can be off in the binaries (tests keep them on).
# no_animations: no ripple over a tapped button. Each ripple redraws the whole window for 300 ms, about
# ten frames of 20-25 ms of CPU each with software GL on a meter's two cores, taken from the work that
# draws the next screen (cmd/benchtable: the slowest tap 295 -> 141 ms); the next screen is the feedback.
TAGS := migrated_fynedo,no_animations

.PHONY: run kiosk test deps gallery bench vet fuzz

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

# The trainer simulator: the touchscreen in a 1280×800 window, simulated devices, an embedded Data
# Center and demo data in $(DATA). Sign in as Sue (supervisor, PIN 246813) or Oscar (operator, PIN 1357).
run: deps
	$(GO) run -tags $(TAGS) ./cmd/postmeter -data $(DATA)

# The kiosk for a real meter, full screen with the devices and Data Center of its configuration
# (README: On a meter). A program of its own, so that no simulator or test code ships to a meter:
# cmd/postmeter-kiosk's TestKioskBinaryLinksNoTrainerCode checks the symbols of a binary built this way.
kiosk: deps
	$(GO) build -tags $(TAGS) -o bin/postmeter-kiosk ./cmd/postmeter-kiosk

# Every screen in every state as PNG, without a display, at each meter screen size the screens must fit
# (ui/scene's TestEveryScreenFitsEverySize): gallery/1024x600, gallery/1280x800, gallery/1920x1080.
GALLERY_SIZES := 1024x600 1280x800 1920x1080
gallery: deps
	$(GO) build -tags $(TAGS) -o gallery/.postmeter ./cmd/postmeter
	for s in $(GALLERY_SIZES); do gallery/.postmeter gallery -out gallery/$$s -screen $$s || exit 1; done
	rm -f gallery/.postmeter

# The core and the screens run under the race detector; the rest (the real-window tests, the printer)
# without it, and so do the crash harnesses (refills, archive) and the planted-bug check, whose child processes are killed
# at random moments and which the detector slows down until too few refills complete to find anything.
# The crash harness and the adversary harness (whose planted-weakness check plays every attack twice
# more) run on their own, without the detector, so their summary lines (refill-crash: …, adversary: …)
# are printed; so does meter's auto-refill crash harness (auto-refill-crash: …).
# ui/scene's sweeps replay every scene once more per check and per screen size to look at layout and
# words only; the detector runs every scene through TestScenes, and the sweeps run without it.
RACE_PKGS := ./funds/... ./meter/... ./ui/...
SCENE_SWEEPS := TestEveryScreenFitsEverySize|TestScreensUseOnlyEmbeddedGlyphs|TestOneDateStyle|TestScreensSpeakFromTheCatalogue
test: deps vet
	$(GO) test -race -count=1 -timeout 20m -skip 'TestRefillCrashHarness|TestAutoRefillCrashHarness|TestArchiveCrash|TestAdversary|$(SCENE_SWEEPS)' $(RACE_PKGS)
	$(GO) test -count=1 -timeout 10m -run '$(SCENE_SWEEPS)' ./ui/scene
	$(GO) test -count=1 -timeout 10m -run 'TestRefillStateMachine' ./funds ./funds/datacenter
	$(GO) test -count=1 -timeout 15m $$($(GO) list ./... | grep -vE '^postmeter/(funds|meter|ui)(/|$$)')
	$(GO) test -count=1 -timeout 10m -run 'TestRefillCrashHarnessCatchesPlantedBugs$$' ./funds
	$(GO) test -count=1 -timeout 10m -v -run 'TestRefillCrashHarness$$' ./funds
	$(GO) test -count=1 -timeout 10m -v -run 'TestArchiveCrashLosesNothing$$' ./funds
	$(GO) test -count=1 -timeout 10m -v -run 'TestRefillCrashHarnessPostgres$$' ./funds
	$(GO) test -count=1 -timeout 10m -run 'TestAutoRefillCrashHarnessCatchesPlantedBug$$' ./meter
	$(GO) test -count=1 -timeout 10m -v -run 'TestAutoRefillCrashHarness$$' ./meter
	@out=$$($(GO) test -count=1 -timeout 10m -v -run 'TestAdversary' ./funds/datacenter 2>&1); st=$$?; \
		if [ $$st -ne 0 ]; then echo "$$out"; else echo "$$out" | grep -E '^(adversary:|ok)'; fi; exit $$st

vet:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

# One table of figures, each against a baseline measured in the same run (cmd/benchtable): durable
# debit vs a bare commit, pieces per minute, refill round trip, 50 concurrent meters, the fleet (50 meters
# on SQLite, 1,000 on a private PostgreSQL server, each beside the bare commit rate of its database: the
# plain `fleet:` lines after the table), cold start and memory of the real binary under Xvfb vs a bare
# Fyne window, tap to next screen; a vault with ten million generated pieces: its open vs a new vault's,
# a month's funds report, the background full verification, and the `history:` line (docs/history.md).
# The history needs ~6 GB free in the temp folder and takes 10-25 minutes on 2 cores (-history-pieces N
# for fewer); the rest a few minutes.
bench: deps
	$(GO) run ./cmd/benchtable

fuzz:
	$(GO) test -run XXX -fuzz FuzzParseAmount -fuzztime 60s ./funds
	$(GO) test -run XXX -fuzz FuzzParseKeypad -fuzztime 30s ./funds

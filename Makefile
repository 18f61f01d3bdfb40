# callgate developer targets. `make run` starts a demo gateway; `make test`
# installs what the tests need (Debian packages, when run as root) and runs
# the whole suite: vet, staticcheck and the race-enabled tests, which include
# the end-to-end runs against sipp.

GO ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run test deps deps-build install-missing vet lint web unit fuzz bench bench-calls build

run: deps-build
	$(GO) run ./cmd/callgate

build: deps-build
	$(GO) build -o bin/callgate ./cmd/callgate

test: deps vet lint web unit

# Installs what building needs (libopus for the Opus codec, linked
# through cgo) and, for the tests, the real SIP peers they drive.
deps-build:
	@$(MAKE) --no-print-directory install-missing PKGS="$$(command -v pkg-config >/dev/null 2>&1 || echo pkg-config) $$(pkg-config --exists opus 2>/dev/null || echo libopus-dev)"

# The browser end-to-end tests (webclient/e2e) drive Debian's Chromium and
# Firefox ESR and talk to baresip as the desk phone, in network namespaces.
deps: deps-build
	@$(MAKE) --no-print-directory install-missing PKGS="$$(command -v sipp >/dev/null 2>&1 || echo sip-tester) \
		$$(command -v chromium >/dev/null 2>&1 || echo chromium) $$(command -v firefox-esr >/dev/null 2>&1 || echo firefox-esr) \
		$$(command -v baresip >/dev/null 2>&1 || echo baresip-core) $$(command -v ip >/dev/null 2>&1 || echo iproute2) \
		$$(command -v systemd-analyze >/dev/null 2>&1 || echo systemd)"
	cd webclient/e2e && npm ci --no-audit --no-fund --loglevel=error

# Installs the Debian packages in PKGS (as root), or says which to install.
install-missing:
	@missing="$$(echo $(PKGS))"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "installing: $$missing"; \
			(apt-get install -y --no-install-recommends $$missing || \
			 (apt-get update && apt-get install -y --no-install-recommends $$missing)) >/dev/null; \
		else \
			echo "please install: $$missing (sudo apt-get install -y $$missing)"; exit 1; \
		fi; \
	fi

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || (gofmt -l . ; echo "gofmt: files above need formatting"; exit 1)
	$(GO) vet ./...

lint:
	$(GO) run $(STATICCHECK) ./...

# The dialer's JavaScript: unit tests, and a check that the committed
# bundle matches its sources (Go's own tests check the same without Node).
web:
	cd webclient && npm ci --no-audit --no-fund --loglevel=error && npm test && npm run check

unit:
	$(GO) test -race -count=1 -timeout 15m ./...
	# Allocation counts mean nothing under -race, so the hot paths'
	# zero-allocation tests (which skip there) run once more without it.
	$(GO) test -count=1 -run 'AllocFree' ./...

# Short fuzzing pass over every parser that reads from the network: each
# Fuzz target of every package for FUZZTIME.
FUZZTIME ?= 20s
fuzz: deps-build
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "fuzz $$pkg $$f"; \
			$(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
		done; \
	done

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Signalling capacity: sipp → callgate → sipp at rising rates, 20 s each,
# then the same through Kamailio as the baseline (installed when root).
bench-calls: deps
	@command -v kamailio >/dev/null 2>&1 || [ "$$(id -u)" != 0 ] || \
		apt-get install -y --no-install-recommends kamailio >/dev/null || true
	$(GO) run ./cmd/callbench -duration 20s

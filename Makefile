# Patchbay — the two commands that do everything on a fresh Debian machine:
#   make run    install what is missing, build, install the plugins, serve providers.yaml
#   make test   install what is missing, build, run every test
SWIFT ?= swift
# bash with pipefail: `make test` pipes the test run through tee and must keep its exit status.
SHELL := bash
.SHELLFLAGS := -o pipefail -c
CONFIG ?= providers.yaml
# The drop folder the server loads plugins from (providers.yaml: plugins.directory).
PLUGINS_DIR ?= provider-plugins
# `make run` serves a release build; `make run BUILD=debug` builds faster.
BUILD ?= release
# The provider plugins shipped in this repo (SwiftPM dynamic library products).
PROVIDER_PLUGINS ?= EchoProvider OpenAIProvider AnthropicProvider GeminiProvider OpenAIResponsesProvider
# What building and running need: `make run` installs these and nothing else.
APT_PACKAGES := libcurl4-openssl-dev libyaml-dev libsqlite3-dev zlib1g-dev pkg-config gcc libc6-dev
# The provider plugins written in Rust (Plugins/<Name>/Cargo.toml), built with cargo: rustup's if
# there is one, else Debian's (`make test` installs Debian's `cargo` when none is found).
RUST_PLUGINS ?= MirrorProvider
CARGO = $(shell PATH="$$PATH:$(HOME)/.cargo/bin" command -v cargo 2>/dev/null)
# What only the tests need: the browser test (Debian's headless Chromium and its driver), the
# Python tools the tests drive, the PostgreSQL and Redis servers the tests start themselves, and the
# servers and checkers the deployment tests run (nginx, systemd-analyze, PyYAML for the compose file).
# `make test` alone installs them.
TEST_APT_PACKAGES := chromium chromium-driver python3 python3-venv python3-yaml openssl postgresql redis-server nginx systemd
# Selenium and schemathesis (Tests/requirements.txt), in a git-ignored venv of Debian's Python.
PYENV ?= .build/pyenv

.PHONY: all deps test-deps pydeps build plugins run test check screenshots icons bench clean

all: plugins

# Installs only what is missing, as root or through sudo.
deps:
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(APT_PACKAGES)"

test-deps: deps
	@$(MAKE) --no-print-directory apt-install PACKAGES="$(TEST_APT_PACKAGES)"
	@[ -n "$(CARGO)" ] || $(MAKE) --no-print-directory apt-install PACKAGES="cargo"

.PHONY: apt-install
apt-install:
	@missing=""; for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# Installs Tests/requirements.txt into $(PYENV) unless that very list is installed already.
pydeps: test-deps
	@cmp -s Tests/requirements.txt $(PYENV)/requirements.txt || { \
	  /usr/bin/python3 -m venv $(PYENV) && \
	  $(PYENV)/bin/pip install -q --disable-pip-version-check -r Tests/requirements.txt && \
	  cp Tests/requirements.txt $(PYENV)/requirements.txt; }

# Product by product: a plain `swift build` also builds the test support target, which imports
# the host @testable and so does not build in release.
build: deps
	@for p in patchbay fake-upstream $(PROVIDER_PLUGINS); do $(SWIFT) build -c $(BUILD) --product $$p || exit 1; done

plugins: build
	@mkdir -p $(PLUGINS_DIR)
	@bin=$$($(SWIFT) build -c $(BUILD) --show-bin-path); \
	for p in $(PROVIDER_PLUGINS); do install -m 0755 "$$bin/lib$$p.so" $(PLUGINS_DIR)/; echo "installed $(PLUGINS_DIR)/lib$$p.so"; done
	@if [ -z "$(CARGO)" ]; then echo "note: no cargo here, so the Rust plugins ($(RUST_PLUGINS)) are not built"; else \
	  for p in $(RUST_PLUGINS); do \
	    "$(CARGO)" build --release --offline --quiet --manifest-path Plugins/$$p/Cargo.toml --target-dir .build/cargo && \
	    install -m 0755 .build/cargo/release/lib$$p.so $(PLUGINS_DIR)/ && echo "installed $(PLUGINS_DIR)/lib$$p.so" || exit 1; \
	  done; fi

run: plugins
	$$($(SWIFT) build -c $(BUILD) --show-bin-path)/patchbay serve --config $(CONFIG)

check: plugins
	$$($(SWIFT) build -c $(BUILD) --show-bin-path)/patchbay check --config $(CONFIG)

# The whole run's output is kept and scanned: no key and no message text may appear in it.
# The end-to-end layer (a browser, schemathesis, the Python SDKs) runs after the others, not beside
# them: it loads both cores, and the other layers' timing-sensitive tests should not share them.
# The process layer (real patchbay serve processes, several at once, PostgreSQL, Redis, nginx) runs
# apart from the in-process layers for the same reason.
test: pydeps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip PatchbayEndToEndTests --skip PatchbayProcessTests 2>&1 | tee .build/test-run.log
	$(SWIFT) test --skip-build --filter PatchbayProcessTests 2>&1 | tee -a .build/test-run.log
	$(SWIFT) test --skip-build --filter PatchbayEndToEndTests 2>&1 | tee -a .build/test-run.log
	Tests/check-test-log.sh .build/test-run.log

# Retakes docs/widget-{light,dark,mobile}.png and docs/screenshots/{chat-light,chat-dark,chat-mobile,docs}.png
# with the browser tests.
screenshots: pydeps
	$(SWIFT) build --build-tests
	PATCHBAY_SCREENSHOTS=$(CURDIR)/docs $(SWIFT) test --skip-build --filter PatchbayEndToEndTests.BrowserWidgetTests
	PATCHBAY_SCREENSHOTS=$(CURDIR)/docs $(SWIFT) test --skip-build --filter PatchbayEndToEndTests.BrowserChatPageTests

# Redraws the chat page's PNG icons from its icon.svg, in headless Chromium.
icons: pydeps
	$(PYENV)/bin/python Tests/Browser/render_icons.py

# Benchmarks against a fake upstream and LiteLLM (README "Performance"); writes bench/results/.
# Always a release build (with bench/IndexTiming, which times the semantic cache's index alone);
# bench/run.sh installs wrk and a venv with LiteLLM. About 10 minutes.
# Some scenarios only: make bench BENCH_FLAGS="--only latency,stored" (see bench/bench.py).
bench: BUILD = release
bench: plugins
	$(SWIFT) build -c release --product index-timing
	bench/run.sh "$$($(SWIFT) build -c release --show-bin-path)" $(PLUGINS_DIR) $(BENCH_FLAGS)

clean:
	rm -rf .build $(PLUGINS_DIR)

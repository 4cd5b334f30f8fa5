# Makefile - a thin driver for the CMake build of afmt.
#
#   make demo      install missing Debian packages, build, pack and verify examples/
#   make test      install missing Debian packages, build, run every test (ctest)
#   make / build   configure and build into build/ (RelWithDebInfo, warnings are errors)
#   make deps      install the Debian packages the build and tests need, if any is missing
#   make sanitize  build into build-asan/ with ASan + UBSan and run every test
#   make bench     run bench/run (the benchmark), once it exists
#   make fuzz      build the libFuzzer harnesses with clang and run each for FUZZ_SECONDS
#   make valgrind  the unit tests and the command on sound and damaged bundles under valgrind
#   make clean     remove build/ and build-asan/
#
# Variables that may be overridden on the command line:
#   BUILD_DIR, ASAN_DIR, BUILD_TYPE, JOBS, CTEST_ARGS, DEMO_SOURCE_DATE_EPOCH

SHELL := /bin/bash
MAKEFLAGS += --no-print-directory

BUILD_DIR  ?= build
ASAN_DIR   ?= build-asan
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE      ?= cmake
CTEST      ?= ctest
CTEST_ARGS ?= --output-on-failure --no-tests=error -j2

# Debian 12 package names.  .ci/run installs the same list.
DEPS := libzstd-dev libsodium-dev libcmocka-dev libjansson-dev libxml2-dev pkg-config cmake gcc \
        make minisign zstd jq python3 coreutils valgrind
# format v2 (issue 11): SHA-256 from OpenSSL; Go and x/mod to check notes and proofs in tests
DEPS += libssl-dev golang-go golang-golang-x-mod-dev
# compressed inputs of the importers (issue 19): zlib, libbz2, liblzma, and the stock
# tools the tests compress with
DEPS += zlib1g-dev libbz2-dev liblzma-dev gzip bzip2 xz-utils
# proofs of one post (issue 13): Python's Ed25519 for the independent proof checker
DEPS += python3-cryptography
# robustness (issue 5): clang with libFuzzer and its sanitizer runtimes, for `make fuzz`
DEPS += clang-14 libclang-rt-14-dev
# afmt view (issue 17): headless Chromium loads the pages in the tests
DEPS += chromium

AFMT      = $(abspath $(BUILD_DIR))/afmt
DEMO_DIR  = $(abspath $(BUILD_DIR))/demo
EXAMPLES  = $(CURDIR)/examples
# The demo's bundle creation time (2026-01-01T00:00:00Z), so that its checkpoint
# is the same on every run; only the random demo key differs.
DEMO_SOURCE_DATE_EPOCH ?= 1767225600

# Prerequisites are made in the order written (deps before build before the
# tests); each CMake build still runs its compilers in parallel (-j$(JOBS)).
.NOTPARALLEL:

.PHONY: all build configure deps test demo sanitize bench fuzz clean help

all: build

help:
	@sed -n '3,14p' $(firstword $(MAKEFILE_LIST)) | sed 's/^# \{0,1\}//'

# ----------------------------------------------------------------- packages

deps:
	@missing=""; \
	for p in $(DEPS); do \
	    dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | grep -qx 'install ok installed' \
	        || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
	    echo "deps: all $(words $(DEPS)) Debian packages are installed"; \
	    exit 0; \
	fi; \
	echo "deps: missing:$$missing"; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	else echo "deps: not root and no sudo: install as root:$$missing" >&2; exit 1; fi; \
	set -x; \
	$$sudo apt-get update && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing

# -------------------------------------------------------------------- build

configure:
	$(CMAKE) -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DAFMT_WERROR=ON

build: configure
	$(CMAKE) --build $(BUILD_DIR) -j$(JOBS)

# --------------------------------------------------------------------- test

test: deps build
	$(CTEST) --test-dir $(BUILD_DIR) $(CTEST_ARGS)

sanitize: deps
	$(CMAKE) -S . -B $(ASAN_DIR) -DCMAKE_BUILD_TYPE=Debug -DAFMT_SANITIZE=ON
	$(CMAKE) --build $(ASAN_DIR) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	$(CTEST) --test-dir $(ASAN_DIR) $(CTEST_ARGS)

# --------------------------------------------------------------------- demo

# A fresh folder every time: a key without passphrase; the example thread
# packed, verified against that key, listed, extracted and compared byte for
# byte with the original; its checkpoint checked by stock minisign; then the
# example folder packed, verified and listed.  Each command is echoed before
# it runs; the first failure stops the demo.
demo: deps build
	@rm -rf '$(DEMO_DIR)' && mkdir -p '$(DEMO_DIR)'
	@set -eu; cd '$(DEMO_DIR)'; \
	export SOURCE_DATE_EPOCH=$(DEMO_SOURCE_DATE_EPOCH); \
	run() { printf '\n$$'; printf ' %q' "$$@"; printf '\n'; "$$@"; }; \
	printf 'demo: in %s, SOURCE_DATE_EPOCH=%s\n' "$$PWD" "$$SOURCE_DATE_EPOCH"; \
	run '$(AFMT)' keygen -W -s demo.key -p demo.pub -f; \
	run '$(AFMT)' pack -s demo.key -o demo.afmt --title 'Keeping a sourdough starter alive over a holiday' \
	    '$(EXAMPLES)/thread.ndjson'; \
	run '$(AFMT)' verify -p demo.pub demo.afmt; \
	run '$(AFMT)' list demo.afmt; \
	run mkdir out; \
	run '$(AFMT)' extract -C out -p demo.pub demo.afmt; \
	run cmp '$(EXAMPLES)/thread.ndjson' out/thread.ndjson; \
	run '$(AFMT)' checkpoint demo.afmt -o demo.checkpoint; \
	run cat demo.checkpoint; \
	run minisign -Vm demo.checkpoint -p demo.pub; \
	run '$(AFMT)' pack -s demo.key -o notes.afmt --title 'Baking notes' '$(EXAMPLES)/notes'; \
	run '$(AFMT)' verify -p demo.pub notes.afmt; \
	run '$(AFMT)' list notes.afmt; \
	run mkdir notes-out; \
	run '$(AFMT)' extract -C notes-out -p demo.pub notes.afmt; \
	run diff -r '$(EXAMPLES)/notes' notes-out; \
	printf '\ndemo: OK: keys, bundles and checkpoint are in %s\n' "$$PWD"

# ------------------------------------------------------ reserved: bench, fuzz

bench:
	@if [ ! -f bench/run ]; then \
	    echo "make bench: bench/run does not exist yet (the benchmark, issue 6)" >&2; exit 1; fi
	$(MAKE) --no-print-directory build
	if [ -x bench/run ]; then AFMT='$(AFMT)' BUILD_DIR='$(BUILD_DIR)' bench/run; \
	else AFMT='$(AFMT)' BUILD_DIR='$(BUILD_DIR)' bash bench/run; fi

fuzz: deps
	@if [ ! -f tests/fuzz/run ]; then \
	    echo "make fuzz: tests/fuzz/run does not exist yet (the fuzzers, issue 5)" >&2; exit 1; fi
	if [ -x tests/fuzz/run ]; then tests/fuzz/run; else bash tests/fuzz/run; fi

# ------------------------------------------------- robustness (issue 5)
# make valgrind: the unit tests and the command on sound and damaged bundles
# under valgrind (tests/valgrind/run), on the plain build.  `make fuzz` runs
# tests/fuzz/run (FUZZ_SECONDS per harness, default 20); `make sanitize` runs
# the hostile, fault and kill tests (tests/cli/) under ASan + UBSan with the
# rest.  Figures: tests/ROBUSTNESS.md.

.PHONY: valgrind
valgrind: deps build
	tests/valgrind/run '$(BUILD_DIR)'

# -------------------------------------------------------------------- clean

clean:
	rm -rf '$(BUILD_DIR)' '$(ASAN_DIR)'

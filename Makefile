# Lightmetrics: the two commands that matter are `make demo` and `make test`.
SHELL := /bin/bash
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS ?= $(shell nproc)
FUZZ_SECONDS ?= 30
CTEST_FLAGS ?= --output-on-failure -j $(JOBS)

.PHONY: all bootstrap build test check test-asan fuzz torture bench demo format clean

all: build

bootstrap:
	scripts/bootstrap

build: bootstrap
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	ninja -C $(BUILD) -j $(JOBS)

# Unit and end-to-end tests on the normal build.
check: build
	ctest --test-dir $(BUILD) $(CTEST_FLAGS)

# The same tests built with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: bootstrap
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLM_SANITIZE=ON >/dev/null
	ninja -C $(ASAN_BUILD) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(ASAN_BUILD) $(CTEST_FLAGS)

# Builds the libFuzzer targets with clang and runs each for FUZZ_SECONDS from its corpus.
fuzz: bootstrap
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DLM_FUZZ=ON -DLM_TESTS=OFF >/dev/null
	ninja -C $(FUZZ_BUILD) -j $(JOBS) frame_decode_fuzz promql_parse_fuzz config_load_fuzz
	scripts/run-fuzzers $(FUZZ_BUILD)/fuzz $(FUZZ_SECONDS)

# Everything CI runs: bootstrap, build, unit + e2e tests, the sanitizer pass, the fuzzers.
test: check test-asan fuzz

# The log tailing torture test in its long form (the suite runs it with 20 kills).
torture: build
	LM_TORTURE_KILLS=$${LM_TORTURE_KILLS:-100} $(BUILD)/tests/e2e/log_torture_test

# Benchmarks side by side with their peers (docs/benchmarks.md); reports in
# build/bench-results/.
bench: build
	scripts/bench $(BUILD)

demo: build
	scripts/demo

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

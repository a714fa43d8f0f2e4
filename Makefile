# The two commands of the README: `make run` and `make test`. Both bootstrap first (a quick
# check when everything is installed), then build.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PANTAU := $(BUILD_DIR)/server/pantau
ARGS ?=

.PHONY: all configure build build-run run test test-asan fuzz bench bootstrap clean

all: build

bootstrap:
	@scripts/bootstrap

configure: bootstrap
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Only what `make run` runs: the server and the map wall, not the tests and benchmarks.
build-run: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target pantau pantau_web

# The simulator (2 reports per second on average) keeps the demo wall alive.
run: build-run
	$(PANTAU) serve --simulate 2 --public-read $(ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# Sanitizers and fuzzing (docs/fuzzing.md), each in a build dir of its own, since everything in it
# is instrumented. `make test-asan`: the tests under AddressSanitizer + UBSan; ASAN_TARGETS (test
# executables) and ASAN_LABELS (a ctest -L regex of module names) choose a subset, both empty: all.
ASAN_BUILD_DIR ?= build-asan
ASAN_TARGETS ?=
ASAN_LABELS ?=
test-asan: bootstrap
	@cmake -S . -B $(ASAN_BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DPANTAU_ASAN=ON -DPANTAU_TSAN=OFF \
	       -DPANTAU_BENCH=OFF -DPANTAU_WEB=OFF
	@cmake --build $(ASAN_BUILD_DIR) -j $(JOBS) $(if $(ASAN_TARGETS),--target pantau $(ASAN_TARGETS))
	cd $(ASAN_BUILD_DIR) && UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) \
	    $(if $(ASAN_LABELS),-L '$(ASAN_LABELS)')

# `make fuzz`: every libFuzzer target for FUZZ_SECONDS each (clang only, hence its own build dir).
FUZZ_BUILD_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: bootstrap
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DPANTAU_FUZZ=ON \
	       -DPANTAU_TESTS=OFF -DPANTAU_TSAN=OFF -DPANTAU_BENCH=OFF -DPANTAU_WEB=OFF
	@cmake --build $(FUZZ_BUILD_DIR) -j $(JOBS) --target pantau_fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz $(FUZZ_BUILD_DIR)

# Benchmarks are not part of `make test`: they take minutes and their numbers go in docs/.
bench: build
	$(BUILD_DIR)/bench/pantau_bench_b1

clean:
	rm -rf $(BUILD_DIR) $(ASAN_BUILD_DIR) $(FUZZ_BUILD_DIR)

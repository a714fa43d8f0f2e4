# The two commands of the README: `make run` and `make test`. Both bootstrap first (a quick
# check when everything is installed), then build.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PANTAU := $(BUILD_DIR)/server/pantau
ARGS ?=

.PHONY: all configure build build-run run test sanitize-configure test-asan fuzz bench bootstrap clean

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

# Sanitizers and fuzzing (docs/fuzzing.md) share one build dir, since everything in it is
# instrumented the same way: clang with ASan + UBSan and libFuzzer's coverage (-DPANTAU_FUZZ=ON),
# so that CI compiles the code once for both. `make test-asan`: the tests under ASan + UBSan;
# ASAN_TARGETS (test executables) and ASAN_LABELS (a ctest -L regex of module names) choose a
# subset, both empty: all. `make fuzz`: every libFuzzer target for FUZZ_SECONDS each.
SANITIZE_BUILD_DIR ?= build-sanitize
ASAN_TARGETS ?=
ASAN_LABELS ?=
FUZZ_SECONDS ?= 60
sanitize-configure: bootstrap
	@CC=clang CXX=clang++ cmake -S . -B $(SANITIZE_BUILD_DIR) -DCMAKE_BUILD_TYPE=Release -DPANTAU_FUZZ=ON \
	       -DPANTAU_TESTS=ON -DPANTAU_TSAN=OFF -DPANTAU_BENCH=OFF -DPANTAU_WEB=OFF

test-asan: sanitize-configure
	@cmake --build $(SANITIZE_BUILD_DIR) -j $(JOBS) $(if $(ASAN_TARGETS),--target pantau $(ASAN_TARGETS))
	cd $(SANITIZE_BUILD_DIR) && UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS) \
	    $(if $(ASAN_LABELS),-L '$(ASAN_LABELS)')

fuzz: sanitize-configure
	@cmake --build $(SANITIZE_BUILD_DIR) -j $(JOBS) --target pantau_fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz $(SANITIZE_BUILD_DIR)

# Benchmarks are not part of `make test`: they take minutes and their numbers go in docs/.
bench: build
	$(BUILD_DIR)/bench/pantau_bench_b1

clean:
	rm -rf $(BUILD_DIR) $(SANITIZE_BUILD_DIR)

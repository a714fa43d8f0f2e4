# The two commands of the README: `make run` and `make test`. Both bootstrap first (a quick
# check when everything is installed), then build.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
PANTAU := $(BUILD_DIR)/server/pantau
ARGS ?=

.PHONY: all configure build build-run run test bench bootstrap clean

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

# Benchmarks are not part of `make test`: they take minutes and their numbers go in docs/.
bench: build
	$(BUILD_DIR)/bench/pantau_bench_b1

clean:
	rm -rf $(BUILD_DIR)

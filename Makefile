# Thin wrapper over CMake (as Neovim does): `make run` and `make test` work on
# a fresh Debian machine; both install missing packages first.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps deps-test build run test sanitize bench clean

all: build

deps:
	@sh scripts/deps.sh build

deps-test:
	@sh scripts/deps.sh test

$(BUILD)/Makefile:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/planls check examples/

test: deps-test $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
sanitize: deps-test
	cmake -S . -B $(BUILD_ASAN) -DPLANLS_SANITIZE=ON -DPLANLS_WERROR=ON -DPLANLS_EDITOR_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	cd $(BUILD_ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j $(JOBS)

# The benchmark of DESIGN §7 on an optimised build (tests/bench/README.md).
BUILD_BENCH ?= build-bench
bench: deps-test
	cmake -S . -B $(BUILD_BENCH) -DCMAKE_BUILD_TYPE=Release -DPLANLS_EDITOR_TESTS=OFF
	cmake --build $(BUILD_BENCH) -j $(JOBS) --target planls planls-bench
	cmake --build $(BUILD_BENCH) --target bench

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_BENCH)

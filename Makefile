# Thin wrapper over CMake (as Neovim does): `make run` and `make test` work on
# a fresh Debian machine; both install missing packages first.
BUILD      ?= build
BUILD_ASAN ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps deps-test build run test sanitize bench fuzz memcheck clean

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

# libFuzzer targets (clang), each run for FUZZ_SECONDS; findings go to
# build-fuzz/fuzz-work/ (tests/fuzz/README.md).
BUILD_FUZZ   ?= build-fuzz
FUZZ_SECONDS ?= 60
fuzz: deps-test
	cmake -S . -B $(BUILD_FUZZ) -DCMAKE_C_COMPILER=clang -DPLANLS_FUZZ=ON -DPLANLS_EDITOR_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(BUILD_FUZZ) -j $(JOBS)
	sh tests/fuzz/run.sh $(BUILD_FUZZ) $(FUZZ_SECONDS)

# Every test under valgrind memcheck: zero errors, zero leaks.
BUILD_MEMCHECK ?= build-memcheck
memcheck: deps-test
	cmake -S . -B $(BUILD_MEMCHECK) -DCMAKE_BUILD_TYPE=Debug -DPLANLS_EDITOR_TESTS=OFF
	cmake --build $(BUILD_MEMCHECK) -j $(JOBS)
	sh scripts/memcheck.sh $(BUILD_MEMCHECK)

# The benchmark of DESIGN §7 on an optimised build (tests/bench/README.md).
BUILD_BENCH ?= build-bench
bench: deps-test
	cmake -S . -B $(BUILD_BENCH) -DCMAKE_BUILD_TYPE=Release -DPLANLS_EDITOR_TESTS=OFF
	cmake --build $(BUILD_BENCH) -j $(JOBS) --target planls planls-bench
	cmake --build $(BUILD_BENCH) --target bench

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_BENCH) $(BUILD_FUZZ) $(BUILD_MEMCHECK)

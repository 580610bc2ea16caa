#!/usr/bin/env bash
# `make check`: build with sanitizers and warnings as errors, run unit and integration tests
# (each integration binary starts and stops its own real cluster), then fuzz the codec briefly.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${PGSTEER_CHECK_BUILD:-build-check}
jobs=${JOBS:-2}

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DPGSTEER_WERROR=ON -DPGSTEER_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$jobs"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The fuzzers run first so that ctest's summary is the last thing printed.
if [ -x scripts/fuzz.sh ]; then
  FUZZ_SECONDS=${FUZZ_SECONDS:-20} scripts/fuzz.sh
fi
ctest --test-dir "$build" --output-on-failure --timeout 900 -j"$jobs"

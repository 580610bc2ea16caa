#!/usr/bin/env bash
# Builds the protocol/ libFuzzer targets with clang under ASan+UBSan (build-fuzz) and runs each
# for FUZZ_SECONDS (default 30); exits non-zero on the first crash, leak or sanitizer report.
# Crash inputs land in build-fuzz/fuzz-work/<target>/crash-*; new corpus entries stay there too.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
CXX=${FUZZ_CXX:-clang++-14}
TARGETS=(frames startup messages scram)

command -v "$CXX" >/dev/null || { echo "fuzz.sh: $CXX not found (apt-get install clang-14 libclang-rt-14-dev)" >&2; exit 2; }

cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPGSTEER_FUZZ=ON -DPGSTEER_SANITIZE=ON -DPGSTEER_WERROR=ON >/dev/null
cmake --build "$BUILD" --target "${TARGETS[@]/#/fuzz_}" -j2

for t in "${TARGETS[@]}"; do
  work="$BUILD/fuzz-work/$t"
  mkdir -p "$work"
  echo "fuzz.sh: fuzz_$t for ${FUZZ_SECONDS}s"
  # The first directory receives new inputs, so the seed corpus in the repository stays as is.
  "$BUILD/tests/protocol/fuzz/fuzz_$t" -max_total_time="$FUZZ_SECONDS" -max_len=4096 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" \
    "$work" "$ROOT/tests/protocol/fuzz/corpus/$t" 2>"$work/log" \
    || { tail -60 "$work/log" >&2; echo "fuzz.sh: fuzz_$t FAILED (see $work)" >&2; exit 1; }
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work/log" | sed "s/^/  /"
done
echo "fuzz.sh: all targets ran clean"

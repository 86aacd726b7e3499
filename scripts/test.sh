#!/usr/bin/env bash
# The whole test suite: installs missing packages (Debian 12, as root), then
# builds and runs CTest three times, in build/, in an ASan+UBSan tree
# build-asan/ (-DSANITIZE=ON) and in a coverage tree build-cov/
# (-DCOVERAGE=ON, reported by gcovr, failing below the floors in
# tests/coverage-floor), then checks formatting if clang-format is installed.
# This is what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# The README and the Dockerfile install the same packages as setup.sh.
pkgs="apt-get install -y $(scripts/setup.sh --list | paste -sd' ')"
for f in README.md Dockerfile; do
    grep -qF -- "$pkgs" "$f" || { echo "test: $f does not run: $pkgs" >&2; exit 1; }
done

jobs=$(nproc)
failed=()

echo "== build/ (RelWithDebInfo)"
cmake -S . -B build
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure -j"$jobs" || failed+=("ctest build/")

echo "== build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer)"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cmake -S . -B build-asan -DSANITIZE=ON
cmake --build build-asan -j"$jobs"
ctest --test-dir build-asan --output-on-failure -j"$jobs" || failed+=("ctest build-asan/")

echo "== build-cov/ (gcc --coverage, gcovr)"
unset ASAN_OPTIONS UBSAN_OPTIONS
cmake -S . -B build-cov -DCOVERAGE=ON -DCMAKE_BUILD_TYPE=Debug
cmake --build build-cov -j"$jobs"
find build-cov -name '*.gcda' -delete
ctest --test-dir build-cov --output-on-failure -j"$jobs" || failed+=("ctest build-cov/")
# shellcheck disable=SC1091
. tests/coverage-floor
gcovr -r . --filter 'pipeline/' --print-summary --txt build-cov/coverage.txt \
    --fail-under-line "$LINE_FLOOR" --fail-under-branch "$BRANCH_FLOOR" build-cov \
    || failed+=("coverage below the floor in tests/coverage-floor (lines $LINE_FLOOR%, branches $BRANCH_FLOOR%)")

if command -v clang-format >/dev/null 2>&1; then
    echo "== format"
    scripts/format-check.sh || failed+=("format-check")
else
    echo "== format: skipped (clang-format not installed)"
fi

if [ ${#failed[@]} -gt 0 ]; then
    echo "test: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "test: all passed: build/ and build-asan/"

#!/usr/bin/env bash
# Fails if any C source differs from .clang-format's style; prints the
# offending lines. Fix with: clang-format -i pipeline/*/*.[ch] tests/unit/*.[ch]
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
files=(pipeline/*/*.c pipeline/*/*.h tests/unit/*.c tests/unit/*.h tests/fuzz/*.c bench/*.c)
clang-format --dry-run -Werror "${files[@]}"
echo "format-check: ${#files[@]} files match .clang-format"

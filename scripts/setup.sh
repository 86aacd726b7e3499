#!/usr/bin/env bash
# Installs what esrpipe needs to build and test on Debian 12 (bookworm), as
# root. Does nothing when every package is already installed, so the test
# command can call it on every run.
#
# Keep this list identical to the apt-get line in README.md's quick start
# and in the Dockerfile's build stage (scripts/test.sh checks).
set -euo pipefail

PACKAGES=(
    build-essential cmake pkg-config          # toolchain
    libxlsxwriter-dev libcsv-dev zlib1g-dev   # return.xlsx, CSV parsing, gzip
    libssl-dev                                # libcrypto: SHA-256, HMAC
    libcriterion-dev                          # unit tests
    python3 python3-openpyxl                  # end-to-end tests
    gcovr                                     # coverage report
)

if [ "${1:-}" = --list ]; then
    printf '%s\n' "${PACKAGES[@]}"
    exit 0
fi

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "setup: run as root (or: sudo apt-get install ${missing[*]})" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y "${PACKAGES[@]}"

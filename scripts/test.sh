#!/usr/bin/env bash
# The whole test suite on a fresh Debian 12 machine: install, configure, build, run every test through CTest.
# Usage: scripts/test.sh [extra ctest args]    (BATON_PRESET=release|debug, default debug)
set -euo pipefail
cd "$(dirname "$0")/.."

preset=${BATON_PRESET:-debug}
scripts/bootstrap.sh
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset" --parallel "$(nproc)" "$@"

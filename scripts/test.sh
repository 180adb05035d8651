#!/usr/bin/env bash
# Quick start 2: install, build and run the whole test suite (unit + integration, real sockets, real SQLite).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure --timeout 300 -j2

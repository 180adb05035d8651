#!/usr/bin/env bash
# Configures and builds fanout into build/ (binary: build/fanout). BUILD_TYPE=Release (default)|Debug|RelWithDebInfo.
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache (when installed) hashes paths relative to the checkout, so any clone reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
ninja -C build

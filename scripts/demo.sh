#!/usr/bin/env bash
# Quick start 1: install, build and run the demo (no ad-platform accounts needed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/fanout demo

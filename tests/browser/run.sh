#!/usr/bin/env bash
# The web console's browser test (registered with ctest): installs puppeteer-core with `npm ci` when
# node_modules is missing or older than the lock file, then drives Debian's chromium against the real
# fanout binary and the sandbox platforms. Usage: run.sh <fanout binary> <test.mjs> [screenshot.png]
# (console.test.mjs: the console against `fanout serve`; demo.test.mjs: against `fanout demo`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
binary=${1:?usage: run.sh <fanout binary> <test.mjs> [screenshot.png]}
test=${2:?usage: run.sh <fanout binary> <test.mjs> [screenshot.png]}
screenshot=${3:-}
export CHROMIUM=${CHROMIUM:-$(command -v chromium || true)}
if [[ -z "$CHROMIUM" ]] || ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser test: chromium, node and npm are needed (scripts/install-deps.sh installs them)" >&2
  exit 1
fi
cd "$here"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node "$test" "$binary" "$screenshot"

#!/usr/bin/env bash
# Installs exactly the Debian 12 packages fanout's build, tests and benchmarks need.
set -euo pipefail
PACKAGES=(
  build-essential cmake ninja-build pkg-config
  libboost1.74-dev libboost-system1.74-dev     # Beast + Asio (1.74: libphonenumber-dev depends on it)
  rapidjson-dev libtomlplusplus-dev libcli11-dev libexpected-dev
  libssl-dev libcurl4-openssl-dev libsqlite3-dev
  libphonenumber-dev prometheus-cpp-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 wrk sqlite3 curl ca-certificates
  ccache                                       # rebuilds in fresh clones (CI) hit the cache
  dpkg-dev systemd prometheus               # packaging: dpkg-shlibdeps, systemd-analyze verify, promtool
  libicu-dev iso-codes                          # identity: NFC/lowercase (ICU); the country table generator and its test
  postgresql-15 libpq-dev                      # shared spool (libpq); tests start a throwaway server
  chromium                                     # the web console's browser test (tests/browser/, puppeteer-core)
  clang-16 libclang-rt-16-dev                  # libFuzzer targets (scripts/fuzz.sh)
)
# Node.js and npm for the browser test: Debian's packages unless a Node.js that brings its own npm is
# installed already (a NodeSource nodejs conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then PACKAGES+=(nodejs npm); fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

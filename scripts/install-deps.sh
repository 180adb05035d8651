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
  clang-16 libclang-rt-16-dev                  # libFuzzer targets (scripts/fuzz.sh)
)
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

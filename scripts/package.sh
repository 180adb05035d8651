#!/usr/bin/env bash
# Builds the Debian package: build/fanout_<version>_<arch>.deb (Release binary, CPack DEB; Depends worked
# out by dpkg-shlibdeps). The version is the VERSION file's. Prints the package's path.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-Release}" >/dev/null
ninja -C build fanout >/dev/null
(cd build && cpack -G DEB >/dev/null)
deb="build/fanout_$(head -n1 VERSION)_$(dpkg --print-architecture).deb"
test -f "$deb"
echo "$deb"

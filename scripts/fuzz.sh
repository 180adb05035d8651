#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang-16 into build-fuzz/ and runs each for SECONDS (default 60),
# starting from the checked-in seed corpus fuzz/corpus/<name>/. New inputs go to build-fuzz/corpus/<name>/,
# crashes to build-fuzz/crashes/. Exits non-zero on the first target that finds a crash.
#   scripts/fuzz.sh [SECONDS] [TARGET...]      e.g. scripts/fuzz.sh 600 event_parser
set -euo pipefail
cd "$(dirname "$0")/.."
# ccache (when installed) hashes paths relative to the checkout, so any clone reuses the cache.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}"
seconds="${1:-60}"
shift || true
CXX="${FUZZ_CXX:-clang++-16}"
if ! command -v "$CXX" >/dev/null; then
  echo "fuzz.sh: $CXX not found (apt install clang-16 libclang-rt-16-dev)" >&2
  exit 1
fi
# -fno-sanitize=builtin,unreachable: two third-party bugs of Debian 12's headers fire on most inputs and
# could not be ignore-listed by file: RapidJSON 1.1.0 passes 0 to __builtin_clzll for a zero mantissa
# ("0e400", internal/diyfp.h), and toml++ 3.3.0 reaches TOML_UNREACHABLE for some non-ASCII characters
# outside strings (U+035C). Regression tests check what our code makes of both (tests/ingest and
# tests/app fuzz_regressions_test.cpp); see fuzz/README.md.
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
flags="$flags -fno-sanitize=builtin,unreachable"
# The ignorelist's hash rides in the flags: ccache does not hash the list's content, so editing it would
# otherwise reuse objects built with the old one.
flags="$flags -fsanitize-ignorelist=$PWD/fuzz/ubsan_ignorelist.txt -DFANOUT_FUZZ_IGNORELIST_$(sha1sum fuzz/ubsan_ignorelist.txt | cut -c1-12)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DFANOUT_FUZZ=ON -DFANOUT_BENCH=OFF >/dev/null
ninja -C build-fuzz -j "${FUZZ_JOBS:-2}" fuzz_all

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for f in fuzz/*_fuzz.cpp; do n=$(basename "$f" _fuzz.cpp); targets+=("$n"); done
fi
mkdir -p build-fuzz/crashes
status=0
for name in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$name"
  dict=()
  [ -f "fuzz/$name.dict" ] && dict=("-dict=fuzz/$name.dict")
  echo "== fuzz_$name for ${seconds}s"
  if ! "build-fuzz/fuzz_$name" "build-fuzz/corpus/$name" "fuzz/corpus/$name" "${dict[@]}" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="build-fuzz/crashes/${name}-" -print_final_stats=1 2>"build-fuzz/$name.log"; then
    tail -n 60 "build-fuzz/$name.log" >&2
    echo "fuzz.sh: fuzz_$name found a crash (build-fuzz/crashes/${name}-*)" >&2
    status=1
    continue
  fi
  grep -E "^stat::number_of_executed_units|^Done" "build-fuzz/$name.log" | tr '\n' ' '
  echo
done
exit $status

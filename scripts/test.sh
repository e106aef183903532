#!/usr/bin/env bash
# Builds and runs the whole test suite, twice, and builds a release once:
#   build/         the plain build (gcc), every unit and integration test;
#   build-release/ a Release build (gcc, -O3 -DNDEBUG), built only: the
#                  optimiser sees warnings the other builds do not, and this
#                  is the build a packager makes;
#   build-asan/    the same suite under AddressSanitizer + UndefinedBehaviorSanitizer
#                  (clang), plus a short libFuzzer run of every fuzz target.
# Every build treats warnings as errors (GF_WERROR). Installs what it needs
# first (scripts/setup.sh). Exits non-zero if any part fails.
# `scripts/test.sh plain`, `release` or `asan` runs one.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

jobs=$(nproc)
which=${1:-all}
status=0

build_only() { # name builddir cmake-args...
  local name=$1 dir=$2
  shift 2
  echo "== $name: configure and build ($dir)"
  cmake -S . -B "$dir" -DGF_WERROR=ON "$@" >"$dir.configure.log" 2>&1 || {
    cat "$dir.configure.log"; return 1; }
  cmake --build "$dir" -j"$jobs" 2>&1 | grep -Ev '^\[ *[0-9]+%\]|^-- ' || true
  [[ ${PIPESTATUS[0]} -eq 0 ]]
}

run_suite() { # name builddir cmake-args...
  build_only "$@" || return 1
  echo "== $1: ctest"
  (cd "$2" && ctest --output-on-failure -j"$jobs" --timeout 600)
}

mkdir -p build build-release build-asan
if [[ $which == all || $which == plain ]]; then
  run_suite "plain suite" build -DCMAKE_BUILD_TYPE=RelWithDebInfo || status=1
fi
if [[ $which == all || $which == release ]]; then
  build_only "release build" build-release -DCMAKE_BUILD_TYPE=Release || status=1
fi
if [[ $which == all || $which == asan ]]; then
  CC=clang run_suite "sanitizer suite (ASan+UBSan)" build-asan \
    -DCMAKE_BUILD_TYPE=Debug -DGF_SANITIZE=ON -DGF_FUZZ=ON -DGF_BENCH=OFF || status=1
fi
exit $status

#!/usr/bin/env bash
# A packager's configure: `cmake -DCMAKE_BUILD_TYPE=MinSizeRel
# -DBUILD_TESTING=OFF` in a fresh build directory must register no test
# and leave -Werror off (GF_WERROR defaults to OFF: a newer compiler's new
# warning must not stop a user's build). Configure only, so it is quick;
# scripts/test.sh builds a Release in full. Usage: check-packager-configure.sh SRC
set -euo pipefail
src=${1:?usage: check-packager-configure.sh SOURCE_DIR}
dir=$(mktemp -d "${TMPDIR:-/tmp}/gf-packager-XXXXXX")
trap 'rm -rf "$dir"' EXIT
cmake -S "$src" -B "$dir" -DCMAKE_BUILD_TYPE=MinSizeRel -DBUILD_TESTING=OFF \
  >"$dir/configure.log" 2>&1 || { cat "$dir/configure.log"; exit 1; }
tests=$(cd "$dir" && ctest -N | sed -n 's/^Total Tests: //p')
echo "tests registered with BUILD_TESTING=OFF: $tests"
[[ $tests == 0 ]]
grep -q '^GF_WERROR:BOOL=OFF$' "$dir/CMakeCache.txt"
if grep -rq -- '-Werror' "$dir/src/cloud/CMakeFiles/gfcloud.dir/flags.make"; then
  echo "-Werror is on by default"
  exit 1
fi
echo "a packager's configure: no tests, no -Werror"

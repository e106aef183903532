#!/usr/bin/env bash
# Builds the project, then runs gfcloud with one emulated demo machine signed
# in to it (scripts/demo-run.sh). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "demo: building (build/)..."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec scripts/demo-run.sh build "$@"

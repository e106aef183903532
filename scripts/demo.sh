#!/usr/bin/env bash
# Builds the project and runs the main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
./build/src/tools/gfpuls info tests/fixtures/puls/1234567890-nooptions-xxxxx.puls
./build/src/tools/gfpuls stats tests/fixtures/puls/1234567890-nooptions-xxxxx.puls

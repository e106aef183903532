#!/usr/bin/env bash
# Fails (and names the files) if any C source is not formatted with the
# project's .clang-format. `scripts/check-format.sh --fix` formats them.
set -uo pipefail
cd "$(dirname "$0")/.."
fix=0
[[ ${1:-} == --fix ]] && fix=1
bad=0
while IFS= read -r -d '' f; do
  if ((fix)); then
    clang-format -i "$f"
  elif ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run scripts/check-format.sh --fix)"
    bad=1
  fi
done < <(find include src tests fuzz bench -name '*.[ch]' -print0)
exit $bad

#!/usr/bin/env bash
# Fails (and names them) if a static library exports a symbol without one of
# the prefixes given. libgf's API is gf_*, and each module inside it keeps
# its own prefix (svg_, pe_, puls_, ...): a bare name such as `get_attr`
# could collide with anything a program links beside libgf.
#   scripts/check-symbols.sh "gf_ svg_ ..." lib1.a lib2.a ...
set -uo pipefail
prefixes=$1
shift
bad=0
for lib in "$@"; do
  while read -r sym; do
    ok=0
    for p in $prefixes; do
      [[ $sym == "$p"* ]] && { ok=1; break; }
    done
    if ((!ok)); then
      echo "$(basename "$lib"): $sym has no module prefix (make it static or prefix it)"
      bad=1
    fi
  done < <(nm -g --defined-only "$lib" | awk 'NF == 3 && $2 != "V" && $2 != "W" { print $3 }')
done
((bad)) || echo "every exported symbol of $# libraries is prefixed"
exit $bad

#!/usr/bin/env bash
# Installs the Debian packages gfcloud needs to build, test and run.
# Runs apt-get only for what is missing, and `apt-get update` only when it must
# install something, so a machine that is already set up pays nothing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang clang-format libclang-rt-14-dev
  libwebsockets-dev libwebsockets-evlib-ev libev-dev libssl-dev libjansson-dev zlib1g-dev libsqlite3-dev sqlite3 libpq-dev postgresql
  libsodium-dev libinih-dev libcmocka-dev libcurl4-openssl-dev
  libxml2-dev libpng-dev libjpeg-dev help2man
  python3 python3-websocket curl openssl
  chromium
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2

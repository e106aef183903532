#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL server for the tests.
#
#   scripts/pg-test-server.sh start STATE   # prints the conninfo
#   scripts/pg-test-server.sh stop STATE
#
# `start` makes a temporary folder, runs initdb there and starts the server
# listening only on a unix socket in that folder (no TCP port, so parallel
# runs never collide), with fsync off: the data is thrown away at `stop`.
# PostgreSQL refuses to run as root, so under root (CI) the folder is given
# to the unprivileged user `nobody` and the server runs as that user;
# otherwise it runs as the calling user. STATE is a small key=value file
# the tests read (dir, bindir, conninfo); `start` on an existing STATE
# stops that server first, so an interrupted run leaves nothing behind for
# long. Clients connect as the superuser `gfcloud` without a password
# (trust, on a socket only the folder's owner and root can reach).
set -euo pipefail

usage() {
  echo "usage: $0 start|stop STATE" >&2
  exit 2
}
[[ $# -eq 2 ]] || usage
cmd=$1 state=$2

bindir() {
  local d
  d=$(pg_config --bindir 2>/dev/null || true)
  if [[ -x $d/initdb ]]; then echo "$d"; return; fi
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -x $d/initdb ]]; then echo "$d"; return; fi
  echo "pg-test-server: initdb not found (install postgresql: scripts/setup.sh)" >&2
  exit 1
}

# Run "$@" as the server's owner.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
  else
    "$@"
  fi
}

stop() {
  [[ -f $state ]] || return 0
  local dir bin
  dir=$(sed -n 's/^dir=//p' "$state")
  bin=$(sed -n 's/^bindir=//p' "$state")
  if [[ -n $dir && -d $dir/data ]]; then
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  [[ -n $dir && $dir == */gfpg.* ]] && rm -rf "$dir"
  rm -f "$state"
}

start() {
  stop
  local bin dir
  bin=$(bindir)
  dir=$(mktemp -d /tmp/gfpg.XXXXXX)
  chmod 0700 "$dir"
  if [[ $(id -u) -eq 0 ]]; then chown nobody:nogroup "$dir"; fi
  if ! as_owner "$bin/initdb" -D "$dir/data" -U gfcloud -A trust -E UTF8 \
      --locale=C --no-sync >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    exit 1
  fi
  if ! as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses= -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null; then
    cat "$dir/server.log" >&2
    rm -rf "$dir"
    exit 1
  fi
  local conninfo="host=$dir port=5432 user=gfcloud dbname=postgres"
  printf 'dir=%s\nbindir=%s\nconninfo=%s\n' "$dir" "$bin" "$conninfo" >"$state"
  echo "$conninfo"
}

case $cmd in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac

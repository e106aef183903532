#!/usr/bin/env bash
# Runs gfcloud and one emulated gfmachine from an existing build directory.
#
#   scripts/demo-run.sh BUILD_DIR [--once]
#
# The service listens on $GFDEMO_LISTEN (default 127.0.0.1:8080) with its data
# in $GFDEMO_DATA (default ./demo-data). The first run registers the demo
# machine S10000042, a dashboard user "admin" (role admin) and an API key of
# its, and keeps their secrets in $GFDEMO_DATA/demo.env (mode 600), so later
# runs reuse them. The dashboard is at the service's URL (docs/dashboard.md). The machine plays jobs at 100x speed
# and presses its own button 2 s after a print asks for it. The service hunts
# it on connect; the script then confirms the manual home (as an operator who
# pushed the head into the rear-left corner would), so jobs can run.
# With --once the script exits as soon as the machine is online (for tests).
set -euo pipefail
build=${1:?usage: demo-run.sh BUILD_DIR [--once]}
once=0
[[ ${2:-} == --once ]] && once=1
root=$(cd "$(dirname "$0")/.." && pwd)
cloud=$build/src/cloud/gfcloud
machine=$build/src/machine/gfmachine
listen=${GFDEMO_LISTEN:-127.0.0.1:8080}
data=${GFDEMO_DATA:-demo-data}
serial=10000042

mkdir -p "$data" "$data/machine"
if [[ ! -f $data/demo.env ]]; then
  "$cloud" init --data "$data/cloud" >/dev/null
  password=$("$cloud" machine add --serial "$serial" --data "$data/cloud")
  admin_password=$("$cloud" user add admin --role admin --data "$data/cloud")
  key=$("$cloud" apikey create --user admin --data "$data/cloud" 2>/dev/null)
  (umask 077 && printf 'password=%s\nkey=%s\nadmin_password=%s\n' \
    "$password" "$key" "$admin_password" >"$data/demo.env")
fi
# shellcheck disable=SC1091
source "$data/demo.env"
if [[ -z ${admin_password:-} ]]; then # demo data from before the dashboard
  admin_password=$("$cloud" user add admin --role admin --data "$data/cloud")
  (umask 077 && printf 'admin_password=%s\n' "$admin_password" >>"$data/demo.env")
fi

pids=()
stop() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

rm -f "$data/port"
"$cloud" serve --listen "$listen" --data "$data/cloud" --port-file "$data/port" \
  2>>"$data/gfcloud.log" &
pids+=($!)
for _ in $(seq 100); do [[ -s $data/port ]] && break; sleep 0.1; done
[[ -s $data/port ]] || { echo "demo: gfcloud did not start; see $data/gfcloud.log" >&2; exit 1; }
url="http://${listen%:*}:$(cat "$data/port")"

# The password goes by the environment, never the command line (`ps`).
GFMACHINE_PASSWORD=$password "$machine" --server "$url" --serial "$serial" \
  --speed 100 --auto-button 2 --images "$root/tests/fixtures/img" \
  --control "$data/machine.sock" --work-dir "$data/machine" 2>>"$data/gfmachine.log" &
pids+=($!)

api() { curl -sf -H "Authorization: Bearer $key" "$@"; }
online=0
for _ in $(seq 150); do
  if api "$url/api/v1/machines/S$serial" 2>/dev/null | grep -q '"online": *true'; then
    online=1
    break
  fi
  sleep 0.2
done
if ((!online)); then
  echo "demo: the machine did not come online; see $data/gfmachine.log" >&2
  exit 1
fi
# Homing (docs/cloud.md): the service's hunt, then the operator's manual home.
homed=0
for _ in $(seq 150); do
  state=$(api "$url/api/v1/machines/S$serial" 2>/dev/null || true)
  if grep -Eq '"lifecycle": *"(ready|busy)"' <<<"$state"; then
    homed=1
    break
  fi
  if grep -q '"lifecycle": *"waiting_for_home"' <<<"$state"; then
    api -X POST -d '{"method":"manual"}' "$url/api/v1/machines/S$serial/home" >/dev/null || true
  fi
  sleep 0.2
done
if ((!homed)); then
  echo "demo: the machine was not homed; see $data/gfcloud.log" >&2
  exit 1
fi

# A job uploaded now, so that the print line below names a real file.
job=$root/tests/fixtures/puls/1234567890-nooptions-xxxxx.puls
file_id=$(api --data-binary @"$job" "$url/api/v1/files" |
  sed -n 's/.*"id": *"\([0-9a-f]*\)".*/\1/p')
[[ -n $file_id ]] || { echo "demo: cannot upload $job; see $data/gfcloud.log" >&2; exit 1; }

cat <<INFO
gfcloud is serving on $url (data and logs in $data/)
Dashboard: $url/  user admin  password $admin_password
demo machine S$serial is signed in, online and homed:
  curl -H "Authorization: Bearer $key" $url/api/v1/machines/S$serial
home it again after a failed or cancelled job (push the head to the rear-left corner):
  curl -H "Authorization: Bearer $key" -d '{"method":"manual"}' $url/api/v1/machines/S$serial/home
a job is uploaded as file $file_id; print it (the machine presses its own button):
  curl -H "Authorization: Bearer $key" -d '{"action_type":"print","file":"$file_id"}' $url/api/v1/machines/S$serial/actions
upload another pulse file (the answer's "id" is what "file" takes):
  curl -H "Authorization: Bearer $key" --data-binary @$job $url/api/v1/files
Ctrl-C stops both.
INFO
((once)) && exit 0
wait -n "${pids[@]}"

#!/usr/bin/python3
"""fleet: one gfcloud holding N machine sessions from gfload (issue 11).

For each N (default 5000 10000 15000 19000) it starts a fresh gfcloud on a
data directory with the fleet registered (`machine add --count`), with its
open-files limit raised to the hard limit, and one gfload of
ceil(N / 9000) processes (`--processes`, at most 9,000 machines each, so
each stays under a 20,000 open-files limit) with sockets from eight
loopback addresses (`--source 127.0.0.2-127.0.0.9`). It prints:

  * time until all N are connected, and sign-ins per second,
  * gfcloud RSS per session (RSS with N held minus RSS before the first),
  * gfcloud CPU per 1,000 idle sessions (over --idle seconds),
  * action round trip (API POST -> action `completed` in the store) p50 /
    p99 while --action-rate actions a second go to random machines
    (update_check; one in --sample is timed by polling every 2 ms),
  * the reconnect storm: kill -9 of gfcloud, restart on the same port, and
    time until all N are back,
  * the per-session cost ratio between the largest and the smallest N.

Goals are printed beside the figures, never as pass/fail. The machine's
load (uptime) is printed before and after, because the figures depend on
it. Usage:
  GF_BUILD_DIR=build /usr/bin/python3 bench/fleet.py [N ...]
      [--rate R] [--idle S] [--actions S] [--action-rate R] [--json FILE]
or `cmake --build build --target bench_fleet`. `--smoke` runs a tiny fleet
fast (the ctest bench_fleet_smoke checks the machinery, not the figures).
"""

import argparse
import http.client
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import pct, rss_kib

BASE = 40000000
PW = "ab" * 32
PER_PROCESS = 9000
GOALS = {
    "connect_16k_s": 10.0,
    "storm_16k_s": 10.0,
    "p99_10k_ms": 10.0,
    "kib_per_session": 4.0,
}


def build_dir():
    return os.environ.get("GF_BUILD_DIR", "build")


def binary(*parts):
    return os.path.join(build_dir(), "src", *parts)


def uptime():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])

def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

class Cloud:
    """gfcloud serve on a fixed port (the storm restarts it there)."""

    def __init__(self, data, port):
        self.data, self.port, self.proc = data, port, None
        self.log = open(os.path.join(data, "serve.log"), "ab")

    def start(self):
        def raise_nofile():
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self.proc = subprocess.Popen(
            [binary("cloud", "gfcloud"), "serve", "--data", self.data,
             "--listen", "127.0.0.1:%d" % self.port, "--log-level", "warn",
             "--throttle-address-max", "1000000"],
            stdout=self.log, stderr=self.log, preexec_fn=raise_nofile)
        end = time.monotonic() + 30
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("gfcloud did not start")

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Load:
    """One gfload (several processes); follows its progress lines."""
    LINE = re.compile(r"^(gfload(?:\[\d+\])?):\s+\S+s signed-in (\d+) "
                      r"connected (\d+)/(\d+)")

    def __init__(self, port, n, rate, max_opening):
        procs = max(1, math.ceil(n / PER_PROCESS))
        self.n = n
        self.connected = {}
        self.proc = subprocess.Popen(
            [binary("tools", "gfload"), "--server",
             "http://127.0.0.1:%d" % port, "--machines", str(n),
             "--serial-base", str(BASE), "--password", PW, "--rate",
             str(rate), "--max-opening", str(max_opening), "--duration",
             "0", "--processes", str(procs), "--source",
             "127.0.0.2-127.0.0.9", "--progress", "0.1", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            m = self.LINE.match(line)
            if m:
                self.connected[m.group(1)] = int(m.group(3))

    def held(self):
        return sum(self.connected.values())

    def wait_all(self, timeout):
        """Seconds until all N are connected (None if not by timeout)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.held() >= self.n:
                return time.monotonic() - t0
            time.sleep(0.05)
        return None

    def wait_below(self, count, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.held() >= count:
            time.sleep(0.02)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=120)
        lines = [l for l in out.splitlines() if l.startswith("{")]
        return json.loads(lines[-1]) if lines else {}


class Api:
    def __init__(self, port, key):
        self.port, self.key = port, key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None):
        hdr = {"Authorization": "Bearer " + self.key}
        data = None
        if body is not None:
            data = json.dumps(body)
            hdr["Content-Type"] = "application/json"
        for attempt in (0, 1):
            try:
                self.conn.request(method, path, body=data, headers=hdr)
                r = self.conn.getresponse()
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                                       timeout=30)
                if attempt:
                    raise


def actions_round_trip(port, key, n, rate, seconds, sample, threads=4):
    """Post `rate` actions/s for `seconds` to random machines; one in
    `sample` is polled until completed. (sent, achieved rate, rtts ms)."""
    rtts, sent, lock = [], [0], threading.Lock()
    t_end = time.monotonic() + seconds
    per_thread = rate / threads

    def worker(k):
        api, poll = Api(port, key), Api(port, key)
        rnd = random.Random(k)
        i, t0 = 0, time.monotonic()
        while True:
            due = t0 + i / per_thread
            now = time.monotonic()
            if now >= t_end:
                break
            if due > now:
                time.sleep(due - now)
            serial = BASE + rnd.randrange(n)
            t_post = time.monotonic()
            st, body = api.call("POST", "/api/v1/machines/S%d/actions"
                                % serial, {"action_type": "update_check"})
            i += 1
            if st != 201:
                continue
            with lock:
                sent[0] += 1
            if (i * threads + k) % sample:
                continue
            while time.monotonic() - t_post < 10:
                st, a = poll.call("GET", "/api/v1/actions/%d" % body["id"])
                if st == 200 and a.get("state") in ("completed", "failed",
                                                      "cancelled"):
                    with lock:
                        rtts.append((time.monotonic() - t_post) * 1000)
                    break
                time.sleep(0.002)

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sent[0], sent[0] / (time.monotonic() - t0), rtts


def one_size(args, data, port, key, n):
    cloud = Cloud(data, port)
    cloud.start()
    r = {"n": n}
    try:
        time.sleep(0.5)
        rss0 = rss_kib(cloud.proc.pid)
        load = Load(port, n, args.rate, args.max_opening)
        t = load.wait_all(args.timeout)
        r["connect_s"] = t  # to 0.1 s (progress lines), see below
        r["held"] = load.held()
        time.sleep(1.0)
        rss1 = rss_kib(cloud.proc.pid)
        r["rss_kib"] = rss1
        r["kib_per_session"] = (rss1 - rss0) / max(1, load.held())
        c0, w0 = cpu_s(cloud.proc.pid), time.monotonic()
        time.sleep(args.idle)
        c1, w1 = cpu_s(cloud.proc.pid), time.monotonic()
        r["cpu_pct_per_1000_idle"] = (100.0 * (c1 - c0) / (w1 - w0)
                                      / (max(1, load.held()) / 1000.0))
        sent, achieved, rtts = actions_round_trip(
            port, key, n, args.action_rate, args.actions, args.sample)
        r["actions_sent"], r["actions_per_s"] = sent, achieved
        r["rtt_samples"] = len(rtts)
        r["rtt_p50_ms"], r["rtt_p99_ms"] = pct(rtts, 50), pct(rtts, 99)
        # The storm: kill -9, restart on the same port, all back.
        held = load.held()
        cloud.kill9()
        load.wait_below(max(1, held // 2), 10)
        t0 = time.monotonic()
        cloud.start()
        t = load.wait_all(args.timeout)
        r["storm_s"] = (time.monotonic() - t0) if t is not None else None
        r["gfload"] = g = load.stop()
        # gfload's own figure is exact: its start to its last first connect.
        if g.get("seconds_to_all_connected") is not None:
            r["connect_s"] = g["seconds_to_all_connected"]
        r["signins_per_s"] = n / r["connect_s"] if r["connect_s"] else None
    finally:
        cloud.stop()
    return r


def fmt(v, spec="%.2f"):
    return "-" if v is None else spec % v


def report(results, load_before, load_after):
    print("bench fleet: one gfcloud, gfload processes of <= %d machines, "
          "%d cores" % (PER_PROCESS, os.cpu_count()))
    print("load average before: %s   after: %s" % (load_before, load_after))
    print("%7s %9s %10s %9s %11s %9s %9s %9s %8s" % (
        "N", "connect", "sign-in/s", "KiB/sess", "CPU%/1k idle", "act/s",
        "rtt p50", "rtt p99", "storm"))
    for r in results:
        print("%7d %8ss %10s %9s %11s %9s %7sms %7sms %7ss" % (
            r["n"], fmt(r["connect_s"]), fmt(r["signins_per_s"], "%.0f"),
            fmt(r["kib_per_session"]), fmt(r["cpu_pct_per_1000_idle"], "%.3f"),
            fmt(r["actions_per_s"], "%.0f"), fmt(r["rtt_p50_ms"]),
            fmt(r["rtt_p99_ms"]), fmt(r["storm_s"])))
        g = r.get("gfload", {})
        print("        gfload: held %s, sign-in failures %s, connect "
              "failures %s, drops %s, rtt samples %d" % (
                  g.get("sessions_held"), g.get("sign_in_failures"),
                  g.get("connect_failures"), g.get("drops"),
                  r["rtt_samples"]))
    print("goals (figures above, not pass/fail): 16,000 connected in < %.0f s "
          "with no failures; storm of 16,000 back in < %.0f s; rtt p99 < "
          "%.0f ms at 10k; <= %.0f KiB/session; flat cost per session" % (
              GOALS["connect_16k_s"], GOALS["storm_16k_s"],
              GOALS["p99_10k_ms"], GOALS["kib_per_session"]))
    if len(results) >= 2:
        lo, hi = results[0], results[-1]
        for key, what in (("kib_per_session", "memory per session"),
                          ("cpu_pct_per_1000_idle", "idle CPU per session")):
            if lo.get(key) and hi.get(key):
                print("ratio %s, N=%d vs N=%d: %.2f (1.00 is flat)" % (
                    what, hi["n"], lo["n"], hi[key] / lo[key]))
        if lo.get("connect_s") and hi.get("connect_s"):
            print("ratio connect time per session, N=%d vs N=%d: %.2f" % (
                hi["n"], lo["n"], (hi["connect_s"] / hi["n"])
                / (lo["connect_s"] / lo["n"])))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sizes", nargs="*", type=int)
    ap.add_argument("--rate", type=float, default=5000)
    ap.add_argument("--max-opening", type=int, default=512)
    ap.add_argument("--idle", type=float, default=10)
    ap.add_argument("--actions", type=float, default=10)
    ap.add_argument("--action-rate", type=float, default=1000)
    ap.add_argument("--sample", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny and quick: checks the machinery only")
    args = ap.parse_args()
    if args.smoke:
        args.sizes = args.sizes or [60, 120]
        args.idle, args.actions, args.action_rate = 1, 1, 50
        args.sample, args.timeout = 2, 60
    sizes = args.sizes or [5000, 10000, 15000, 19000]
    tmp = tempfile.mkdtemp(prefix="gf-fleet-")
    data = os.path.join(tmp, "data")
    try:
        subprocess.run([binary("cloud", "gfcloud"), "init", "--data", data],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([binary("cloud", "gfcloud"), "machine", "add",
                        "--serial", str(BASE), "--count", str(max(sizes)),
                        "--password", PW, "--data", data], check=True,
                       stdout=subprocess.DEVNULL)
        key = subprocess.run([binary("cloud", "gfcloud"), "apikey", "create",
                              "--data", data], check=True,
                             capture_output=True, text=True).stdout.strip()
        port = free_port()
        load_before = uptime()
        results = [one_size(args, data, port, key, n) for n in sizes]
        report(results, load_before, uptime())
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"load_before": load_before, "results": results},
                          f, indent=1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if args.smoke:  # the machinery worked: every figure was measured
        broken = [r["n"] for r in results
                  if r["held"] != r["n"] or r["storm_s"] is None
                  or not r["rtt_samples"] or r["connect_s"] is None
                  or r["gfload"].get("machines") != r["n"]]
        if broken:
            print("smoke: no figures for N = %s" % broken)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

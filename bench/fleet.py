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
  * gfcloud CPU per 1,000 idle sessions (over --idle seconds, after
    --settle seconds for the ramp's tail),
  * action round trip (API POST -> action `completed` in the store) p50 /
    p99 while --action-rate actions a second go to random machines
    (update_check; one in --sample is timed by polling every 2 ms),
  * the reconnect storm: kill -9 of gfcloud, restart on the same port, and
    time until all N are back. The fleet has no head position on record
    (gfload's lid images show no head, so camera homing waits for a hand),
    so each machine re-homes on reconnect: sign-in, upgrade, empty report,
    hunt. Then every machine is homed by hand (POST .../home manual) and a
    second storm is timed: the common case of a homed fleet, whose empty
    reports keep the stored positions (--no-homed-storm skips it),
  * the per-session cost ratio between the largest and the smallest N.

With --nodes K (K >= 2) the N machines are spread over K gfcloud nodes on
one PostgreSQL database (a throwaway server from scripts/pg-test-server.sh,
the tests' own), gfload given every node (machine S starts on node S mod K).
The figures are then per node as well as in total, actions are posted to a
random node (so most cross nodes), and instead of the restart storm one
node is killed with kill -9 and the time is until its machines are held by
the others; that step is skipped, and says why, when the K - 1 survivors
could not hold them all under the open-files limit (3 x 15,000 here: 22,500
each against 20,000). The 100,000-machine projection is printed from the
measured per-node figures.

Goals are printed beside the figures, never as pass/fail. The machine's
load (uptime) is printed before and after, because the figures depend on
it. Usage:
  GF_BUILD_DIR=build /usr/bin/python3 bench/fleet.py [N ...]
      [--rate R] [--idle S] [--actions S] [--action-rate R] [--json FILE]
      [--event-loop epoll|poll] [--nodes K] [--cloud-preload LIB]
      [--cloud-set KEY=VALUE ...]
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


def tree_cpu_s(pid):
    """CPU seconds of pid and its descendants (gfload --processes forks)."""
    total = 0.0
    try:
        total = cpu_s(pid)
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            kids = [int(k) for k in f.read().split()]
    except OSError:
        return total
    return total + sum(tree_cpu_s(k) for k in kids)


PG_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                         "scripts", "pg-test-server.sh")


def pg_start(state):
    """A throwaway PostgreSQL server (the tests' own); its conninfo."""
    out = subprocess.run([PG_SCRIPT, "start", state], check=True,
                         capture_output=True, text=True).stdout
    return out.strip().splitlines()[-1]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

def nofile_hard():
    return resource.getrlimit(resource.RLIMIT_NOFILE)[1]


def failover_fits(held, k):
    """Whether k - 1 nodes can take over all `held` sessions: each needs a
    descriptor per session plus its listener, store and reserve (a few
    hundred at most)."""
    return math.ceil(held / (k - 1)) + 300 <= nofile_hard()


class Cloud:
    """gfcloud serve on a fixed port (the storm restarts it there)."""

    def __init__(self, data, port, event_loop="epoll", extra=(), preload=None,
                 status_port=None):
        self.data, self.port, self.proc = data, port, None
        if status_port:  # the sessions on a port of their own
            extra = list(extra) + ["--status-listen",
                                   "127.0.0.1:%d" % status_port]
        self.env = dict(os.environ)
        if preload:  # another allocator for gfcloud only (--cloud-preload)
            self.env["LD_PRELOAD"] = preload
        self.event_loop, self.extra = event_loop, list(extra)
        self.log = open(os.path.join(data, "serve.log"), "ab")

    def start(self):
        def raise_nofile():
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        self.proc = subprocess.Popen(
            [binary("cloud", "gfcloud"), "serve", "--data", self.data,
             "--listen", "127.0.0.1:%d" % self.port, "--log-level", "warn",
             "--throttle-address-max", "1000000",
             # The fleet comes from 8 loopback addresses, 1,024 connections
             # opening at once: 128 an address, the default cap, past which
             # a connection is closed at once (a sign-in or an upgrade
             # failure). A real fleet comes from many addresses.
             "--max-address-connections", "4096",
             "--max-unknown-connections", "4096",
             "--event-loop", self.event_loop, *self.extra],
            stdout=self.log, stderr=self.log, preexec_fn=raise_nofile,
            env=self.env)
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

    def __init__(self, ports, n, rate, max_opening, status_ports=None,
                 log=None):
        procs = max(1, math.ceil(n / PER_PROCESS))
        self.n = n
        self.connected = {}
        self.trace = []  # (monotonic time, machines held), every line
        servers = ",".join("http://127.0.0.1:%d" % p for p in ports)
        statuses = ",".join("ws://127.0.0.1:%d" % p
                            for p in (status_ports or ports))
        self.proc = subprocess.Popen(
            [binary("tools", "gfload"), "--server", servers,
             "--status", statuses,
             "--machines", str(n),
             "--serial-base", str(BASE), "--password", PW, "--rate",
             str(rate), "--max-opening", str(max_opening), "--duration",
             "0", "--processes", str(procs), "--source",
             "127.0.0.2-127.0.0.9", "--progress", "0.1", "--json"]
            + (["--verbose"] if log else []),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.log = open(log, "a") if log else None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stderr:
            m = self.LINE.match(line)
            if m:
                self.connected[m.group(1)] = int(m.group(3))
                self.trace.append((time.monotonic(), self.held()))
            elif self.log:
                self.log.write(line)

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
        self.reader.join(timeout=5)  # it writes to the log until stderr ends
        if self.log:
            self.log.close()
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


HEAP = re.compile(r'^gfcloud_heap_bytes\{state="(in_use|free)"\} (\d+)$', re.M)
ACTIONS = re.compile(r'^gfcloud_actions_total\{type="([^"]+)",outcome="[^"]+"\} '
                     r'(\d+)$', re.M)
PASS = re.compile(r'^gfcloud_loop_pass_seconds_bucket\{le="([^"]+)"\} (\d+)$',
                  re.M)


def metrics_text(port, key):
    """The node's /metrics, or "" when it cannot be had."""
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/metrics",
                     headers={"Authorization": "Bearer " + key})
        text = conn.getresponse().read().decode()
        conn.close()
        return text
    except (http.client.HTTPException, OSError):
        return ""


def heap_kib(port, key):
    """The node's heap from /metrics: {"in_use": KiB, "free": KiB}, or {}
    (an allocator that does not tell, such as one preloaded)."""
    return {k: int(v) / 1024.0
            for k, v in HEAP.findall(metrics_text(port, key))}


def actions_ended(port, key):
    """The node's actions ended since it started, by type: {type: n}."""
    out = {}
    for t, n in ACTIONS.findall(metrics_text(port, key)):
        out[t] = out.get(t, 0) + int(n)
    return out


def loop_passes(port, key):
    """The node's loop-pass histogram: [(bound in s, cumulative count)]."""
    return [(float(le), int(n))
            for le, n in PASS.findall(metrics_text(port, key))]


def pass_quantile(before, after, q):
    """The bucket bound (ms) under which a fraction q of the passes between
    two readings of loop_passes lie; None without the histogram."""
    if not before or not after or len(before) != len(after):
        return None
    delta = [(b[0], b[1] - a[1]) for a, b in zip(before, after)]
    total = delta[-1][1]
    if total <= 0:
        return None
    for bound, n in delta:
        if n >= q * total:
            return bound * 1000.0
    return float("inf")


def actions_round_trip(ports, key, n, rate, seconds, sample, threads=4):
    """Post `rate` actions/s for `seconds` to random machines, each through
    a random node of `ports`; one in `sample` is polled (on another random
    node) until completed. (sent, achieved rate, rtts ms)."""
    rtts, sent, lock = [], [0], threading.Lock()
    t_end = time.monotonic() + seconds
    per_thread = rate / threads

    def worker(k):
        rnd = random.Random(k)
        apis = [Api(p, key) for p in ports]
        polls = [Api(p, key) for p in ports]
        i, t0 = 0, time.monotonic()
        while True:
            due = t0 + i / per_thread
            now = time.monotonic()
            if now >= t_end:
                break
            if due > now:
                time.sleep(due - now)
            serial = BASE + rnd.randrange(n)
            api, poll = rnd.choice(apis), rnd.choice(polls)
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


def storm_quantiles(r, prefix, load, t0, n):
    """Where a storm's time went: when half, 90% and 99% were back (a tail
    of retries after a backoff shows as a gap to 99%)."""
    for q in (50, 90, 99):
        r["%sstorm_%d_s" % (prefix, q)] = next(
            (ts - t0 for ts, h in list(load.trace)
             if ts >= t0 and h >= n * q / 100.0), None)


def restart_storm(r, prefix, cloud, load, n, timeout, key):
    """kill -9 of the node, a restart on the same port, and the time until
    all n are back; the service's CPU per reconnect, and the actions the
    restarted node ran meanwhile (what each reconnect cost in work)."""
    held = load.held()
    cloud.kill9()
    load.wait_below(max(1, held // 2), 10)
    t0 = time.monotonic()
    cloud.start()
    cpu0 = cpu_s(cloud.proc.pid)
    t = load.wait_all(timeout)
    r[prefix + "storm_s"] = (time.monotonic() - t0) if t is not None else None
    r[prefix + "cpu_ms_per_reconnect"] = (
        1000.0 * (cpu_s(cloud.proc.pid) - cpu0) / max(1, load.held()))
    storm_quantiles(r, prefix, load, t0, n)
    r[prefix + "storm_actions"] = actions_ended(cloud.port, key)


def home_all(port, key, n, timeout, threads=8):
    """POST .../home {"method":"manual"} to machines 0..n-1; a machine still
    hunting (409) is asked again. The number homed."""
    homed, lock = [0], threading.Lock()
    end = time.monotonic() + timeout

    def worker(k):
        api = Api(port, key)
        todo = list(range(k, n, threads))
        while todo and time.monotonic() < end:
            later = []
            for i in todo:
                st, _ = api.call("POST", "/api/v1/machines/S%d/home"
                                 % (BASE + i), {"method": "manual"})
                if st == 200:
                    with lock:
                        homed[0] += 1
                elif st == 409:
                    later.append(i)
            if later:
                time.sleep(0.2)
            todo = later

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return homed[0]


def one_size(args, data, ports, key, n, store, status_ports=None):
    """One fleet of n machines on len(ports) nodes; its figures."""
    k = len(ports)
    sets = [a for kv in args.cloud_set
            for a in ("--" + kv.split("=", 1)[0], kv.split("=", 1)[1])]
    clouds = [Cloud(data, p, args.event_loop,
                    store + sets +
                    (["--node-name", "node%d" % i] if k > 1 else []),
                    args.cloud_preload,
                    status_ports[i] if status_ports else None)
              for i, p in enumerate(ports)]
    for c in clouds:
        c.start()
    r = {"n": n, "nodes": k, "status_port": "own" if status_ports else
         "shared"}
    try:
        time.sleep(0.5)
        rss0 = [rss_kib(c.proc.pid) for c in clouds]
        heap0 = [heap_kib(p, key) for p in ports]
        cpu0 = sum(cpu_s(c.proc.pid) for c in clouds)
        load = Load(ports, n, args.rate, args.max_opening, status_ports,
                    args.load_log)
        t = load.wait_all(args.timeout)
        # The load generator's CPU for the same: the host's two cores are
        # shared, so its cost bounds the connect time as much as ours.
        r["load_cpu_ms_per_connect"] = (1000.0 * tree_cpu_s(load.proc.pid)
                                        / max(1, load.held()))
        # The service's CPU per machine brought online: sign-in, upgrade,
        # settings report, homing hunt (what a first connection costs).
        r["cpu_ms_per_connect"] = (1000.0 * (sum(cpu_s(c.proc.pid)
                                                 for c in clouds) - cpu0)
                                   / max(1, load.held()))
        r["connect_s"] = t  # to 0.1 s (progress lines), see below
        r["held"] = load.held()
        # The ramp's tail (the last hunts, the store catching up) is not
        # idle: --settle seconds pass before memory and idle CPU are read.
        time.sleep(args.settle)
        rss1 = [rss_kib(c.proc.pid) for c in clouds]
        r["rss_kib"] = sum(rss1)
        r["rss_kib_per_node"] = rss1
        r["kib_per_session"] = ((sum(rss1) - sum(rss0))
                                / max(1, load.held()))
        # Where the RSS goes: the heap in use per session, and what the
        # allocator holds free (the ramp's transient memory) per session.
        heap1 = [heap_kib(p, key) for p in ports]
        if all(h.get("in_use") is not None for h in heap0 + heap1):
            held = max(1, load.held())
            r["heap_kib_per_session"] = sum(
                b["in_use"] - a["in_use"] for a, b in zip(heap0, heap1)) / held
            r["heap_free_kib_per_session"] = sum(
                b["free"] - a["free"] for a, b in zip(heap0, heap1)) / held
        c0, w0 = sum(cpu_s(c.proc.pid) for c in clouds), time.monotonic()
        time.sleep(args.idle)
        c1, w1 = sum(cpu_s(c.proc.pid) for c in clouds), time.monotonic()
        r["cpu_pct_per_1000_idle"] = (100.0 * (c1 - c0) / (w1 - w0)
                                      / (max(1, load.held()) / 1000.0))
        # The loop passes of the first node while the actions run: where a
        # round trip's tail waits (gfcloud_loop_pass_seconds).
        lp0 = loop_passes(ports[0], key)
        sent, achieved, rtts = actions_round_trip(
            ports, key, n, args.action_rate, args.actions, args.sample)
        lp1 = loop_passes(ports[0], key)
        r["loop_pass_p50_ms"] = pass_quantile(lp0, lp1, 0.50)
        r["loop_pass_p99_ms"] = pass_quantile(lp0, lp1, 0.99)
        r["loop_pass_p999_ms"] = pass_quantile(lp0, lp1, 0.999)
        r["actions_sent"], r["actions_per_s"] = sent, achieved
        r["rtt_samples"] = len(rtts)
        r["rtt_p50_ms"], r["rtt_p99_ms"] = pct(rtts, 50), pct(rtts, 99)
        held = load.held()
        if k == 1:
            # The storm: kill -9, restart on the same port, all back. The
            # bench's machines have no position on record (gfload's lid
            # images show no head, so camera homing waits for a hand), and
            # each re-homes on its empty report: sign-in, upgrade, report,
            # hunt.
            restart_storm(r, "", clouds[0], load, n, args.timeout, key)
            # The common case: a homed fleet. Each machine is homed by hand
            # (POST .../home {"method":"manual"}), so its empty report keeps
            # the stored position: sign-in, upgrade, report, nothing more.
            if r["storm_s"] is not None and args.homed_storm:
                r["homed"] = home_all(ports[0], key, n, args.timeout)
                restart_storm(r, "homed_", clouds[0], load, n,
                              args.timeout, key)
        elif not failover_fits(held, k):
            r["failover_skipped"] = (
                "the %d survivors would hold %d sessions each, more than "
                "the open-files limit (%d) lets one process hold" % (
                    k - 1, math.ceil(held / (k - 1)), nofile_hard()))
            r["storm_s"] = None
        else:
            # A node dies: its machines move to the others (gfload tries
            # the next --server URL when its node fails).
            clouds[0].kill9()
            load.wait_below(held - max(1, held // (2 * k)), 10)
            t0 = time.monotonic()
            t = load.wait_all(args.timeout)
            r["storm_s"] = (time.monotonic() - t0) if t is not None else None
            storm_quantiles(r, "", load, t0, n)
        r["gfload"] = g = load.stop()
        # gfload's own figure is exact: its start to its last first connect.
        if g.get("seconds_to_all_connected") is not None:
            r["connect_s"] = g["seconds_to_all_connected"]
        r["signins_per_s"] = n / r["connect_s"] if r["connect_s"] else None
    finally:
        for c in clouds:
            c.stop()
    return r


def fmt(v, spec="%.2f"):
    return "-" if v is None else spec % v


def projection(r, total=100000, per_process=19000):
    """100,000 machines from one run's per-node figures."""
    k = r["nodes"]
    if not r.get("kib_per_session") or not r.get("signins_per_s"):
        return
    nodes = math.ceil(total / per_process)
    per_node_rate = r["signins_per_s"] / k
    print("projection, %d machines from N=%d on %d node(s): %d nodes of "
          "<= %d sessions (this host's open-files limit), %.0f MiB of "
          "session memory in all, %.1f cores of idle keep-alive, all "
          "connected after ~%.0f s at the measured %.0f sign-ins/s per "
          "node (each node on its own cores; the database is not the "
          "limit at these rates)" % (
              total, r["n"], k, nodes, per_process,
              r["kib_per_session"] * total / 1024.0,
              r["cpu_pct_per_1000_idle"] * total / 1000.0 / 100.0,
              total / (per_node_rate * nodes), per_node_rate))
    if r.get("cpu_ms_per_connect"):
        print("the service's own CPU: %.2f ms per machine brought online, "
              "i.e. ~%.0f a second per core with the load generator "
              "elsewhere (16,000 in 10 s needs ~%.1f cores)%s" % (
                  r["cpu_ms_per_connect"], 1000.0 / r["cpu_ms_per_connect"],
                  1600 * r["cpu_ms_per_connect"] / 1000.0,
                  "" if not r.get("cpu_ms_per_reconnect") else
                  "; %.2f ms per reconnect (~%.0f a second per core)" % (
                      r["cpu_ms_per_reconnect"],
                      1000.0 / r["cpu_ms_per_reconnect"])))


def report(results, load_before, load_after):
    k = results[0]["nodes"] if results else 1
    own = results and results[0].get("status_port") == "own"
    print("bench fleet: %s, gfload processes of <= %d machines, "
          "%d cores, the status WebSocket %s" % (
              "one gfcloud" if k == 1 else
              "%d gfcloud nodes on one PostgreSQL" % k,
              PER_PROCESS, os.cpu_count(),
              "on a port of its own (status-listen)" if own else
              "on the API's port"))
    print("load average before: %s   after: %s" % (load_before, load_after))
    print("%7s %9s %10s %9s %11s %9s %9s %9s %8s" % (
        "N", "connect", "sign-in/s", "KiB/sess", "CPU%/1k idle", "act/s",
        "rtt p50", "rtt p99", "storm" if k == 1 else "failover"))
    for r in results:
        print("%7d %8ss %10s %9s %11s %9s %7sms %7sms %7ss" % (
            r["n"], fmt(r["connect_s"]), fmt(r["signins_per_s"], "%.0f"),
            fmt(r["kib_per_session"]), fmt(r["cpu_pct_per_1000_idle"], "%.3f"),
            fmt(r["actions_per_s"], "%.0f"), fmt(r["rtt_p50_ms"]),
            fmt(r["rtt_p99_ms"]), fmt(r["storm_s"])))
        print("        service CPU per machine brought online: %s ms%s" % (
            fmt(r.get("cpu_ms_per_connect")),
            "" if r.get("cpu_ms_per_reconnect") is None else
            ", per reconnect in the storm: %s ms" %
            fmt(r["cpu_ms_per_reconnect"])))
        print("        gfload's CPU per machine brought online: %s ms "
              "(on the same cores)" % fmt(r.get("load_cpu_ms_per_connect")))
        if r.get("loop_pass_p99_ms") is not None:
            print("        loop passes during the actions%s: p50 <= %s ms, "
                  "p99 <= %s ms, p99.9 <= %s ms (histogram bounds)" % (
                      " (node0)" if r["nodes"] > 1 else "",
                      fmt(r["loop_pass_p50_ms"]), fmt(r["loop_pass_p99_ms"]),
                      fmt(r["loop_pass_p999_ms"])))
        if r.get("heap_kib_per_session") is not None:
            print("        heap per session: %s KiB in use, %s KiB kept free "
                  "by the allocator (of the %s KiB RSS delta)" % (
                      fmt(r["heap_kib_per_session"]),
                      fmt(r["heap_free_kib_per_session"]),
                      fmt(r["kib_per_session"])))
        for pre, what in (("", "storm, each re-homing" if k == 1 else
                           "failover"), ("homed_", "storm, homed fleet")):
            if r.get(pre + "storm_50_s") is None:
                continue
            acts = r.get(pre + "storm_actions")
            print("        %s%s: all back after %ss (half %ss, 90%% %ss, 99%% "
                  "%ss)%s%s" % (
                      what, "" if not pre else " (%d of %d homed by hand)" % (
                          r["homed"], r["n"]),
                      fmt(r.get(pre + "storm_s")), fmt(r[pre + "storm_50_s"]),
                      fmt(r.get(pre + "storm_90_s")),
                      fmt(r.get(pre + "storm_99_s")),
                      "" if r.get(pre + "cpu_ms_per_reconnect") is None else
                      ", %s ms of service CPU per reconnect" %
                      fmt(r[pre + "cpu_ms_per_reconnect"]),
                      "" if acts is None else "; actions the restarted node "
                      "ran: " + (", ".join("%s %d" % kv for kv in
                                           sorted(acts.items())) or "none")))
        g = r.get("gfload", {})
        print("        gfload: held %s, sign-in failures %s, connect "
              "failures %s, drops %s, rtt samples %d" % (
                  g.get("sessions_held"), g.get("sign_in_failures"),
                  g.get("connect_failures"), g.get("drops"),
                  r["rtt_samples"]))
        if k > 1:
            print("        per node: RSS %s MiB; failover: %s" % (
                " / ".join("%.1f" % (x / 1024.0)
                           for x in r["rss_kib_per_node"]),
                "not run: " + r["failover_skipped"]
                if r.get("failover_skipped") else
                "node0 killed, its machines held by the others after %ss"
                % fmt(r["storm_s"])))
    print("goals (figures above, not pass/fail): 16,000 connected in < %.0f s "
          "with no failures; storm of 16,000 back in < %.0f s; rtt p99 < "
          "%.0f ms at 10k; <= %.0f KiB/session; flat cost per session" % (
              GOALS["connect_16k_s"], GOALS["storm_16k_s"],
              GOALS["p99_10k_ms"], GOALS["kib_per_session"]))
    if results:
        projection(results[-1])
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
    ap.add_argument("--settle", type=float, default=5,
                    help="seconds after all connected before the idle "
                         "window (the ramp's tail is not idle)")
    ap.add_argument("--actions", type=float, default=10)
    ap.add_argument("--action-rate", type=float, default=1000)
    ap.add_argument("--sample", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--event-loop", default="epoll",
                    choices=("epoll", "poll"),
                    help="gfcloud's event-loop setting")
    ap.add_argument("--nodes", type=int, default=1,
                    help="gfcloud nodes on one PostgreSQL (default 1: SQLite)")
    ap.add_argument("--cloud-preload", metavar="LIB",
                    help="LD_PRELOAD for gfcloud only, e.g. another malloc "
                    "(/usr/lib/x86_64-linux-gnu/libjemalloc.so.2) to compare "
                    "RSS per session")
    ap.add_argument("--cloud-set", metavar="KEY=VALUE", action="append",
                    default=[], help="a gfcloud setting for every node, e.g. "
                    "ping-interval=60 (repeatable)")
    ap.add_argument("--status-port", choices=("own", "shared"),
                    default="own",
                    help="the status WebSocket on a status-listen port of "
                    "its own (default, docs/cloud.md's tuning for a fleet) "
                    "or on the API's port")
    ap.add_argument("--no-homed-storm", dest="homed_storm",
                    action="store_false",
                    help="skip the second storm, of the fleet homed by hand")
    ap.add_argument("--json", help="also write the figures here")
    ap.add_argument("--load-log", metavar="FILE",
                    help="gfload --verbose: its lines about each failure "
                    "are appended here")
    ap.add_argument("--smoke", action="store_true",
                    help="tiny and quick: checks the machinery only")
    args = ap.parse_args()
    if args.smoke:
        args.sizes = args.sizes or [60, 120]
        args.idle, args.actions, args.action_rate = 1, 1, 50
        args.settle = 1
        args.sample, args.timeout = 2, 60
    sizes = args.sizes or [5000, 10000, 15000, 19000]
    tmp = tempfile.mkdtemp(prefix="gf-fleet-")
    data = os.path.join(tmp, "data")
    pg_state = os.path.join(tmp, "pg.state")
    store = []
    try:
        if args.nodes > 1:
            store = ["--store", "postgresql", "--database-url",
                     pg_start(pg_state)]
        gfcloud = binary("cloud", "gfcloud")
        subprocess.run([gfcloud, "init", "--data", data, *store],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run([gfcloud, "machine", "add", "--serial", str(BASE),
                        "--count", str(max(sizes)), "--password", PW,
                        "--data", data, *store], check=True,
                       stdout=subprocess.DEVNULL)
        key = subprocess.run([gfcloud, "apikey", "create", "--data", data,
                              *store], check=True, capture_output=True,
                             text=True).stdout.strip()
        ports = [free_port() for _ in range(args.nodes)]
        load_before = uptime()
        status_ports = ([free_port() for _ in range(args.nodes)]
                        if args.status_port == "own" and
                        args.event_loop == "epoll" else None)
        results = [one_size(args, data, ports, key, n, store, status_ports)
                   for n in sizes]
        report(results, load_before, uptime())
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"load_before": load_before, "results": results},
                          f, indent=1)
    finally:
        if args.nodes > 1:
            subprocess.run([PG_SCRIPT, "stop", pg_state])
        shutil.rmtree(tmp, ignore_errors=True)
    if args.smoke:  # the machinery worked: every figure was measured
        broken = [r["n"] for r in results
                  if r["held"] != r["n"] or r["storm_s"] is None
                  or (r["nodes"] == 1 and args.homed_storm and
                      (r.get("homed") != r["n"] or
                       r.get("homed_storm_s") is None))
                  or not r["rtt_samples"] or r["connect_s"] is None
                  or r["gfload"].get("machines") != r["n"]]
        if broken:
            print("smoke: no figures for N = %s" % broken)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

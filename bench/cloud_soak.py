#!/usr/bin/python3
"""cloud_soak: gfcloud holding machines while hostile clients hammer it.

Starts a real gfcloud (tests/integration/gfharness.py), registers, signs in
and holds N machine sessions (default 200), then:

  1. "before": times machine round trips (API POST of an update_check ->
     the action at the machine -> its completed event -> the API shows the
     action completed) and API calls (GET /api/v1/machines);
  2. "during": the same, for SECONDS (default 60) while threads of hostile
     clients run: pipelined requests, connections that trickle one byte a
     second, oversize headers and bodies, malformed HTTP framing, and a
     signed-in session sending bad frames (malformed JSON, binary junk,
     oversize messages);
  3. repeats 2. ROUNDS times (default 3), with a quiet spell after each,
     and prints p50/p99 of both, before and during, and the service's resident
     memory and open descriptors at the start, at the end and after the
     hostile clients are gone.

Not a pass/fail test. Usage:
  GF_BUILD_DIR=build /usr/bin/python3 bench/cloud_soak.py [N] [SECONDS] [ROUNDS]
or `cmake --build build --target bench_cloud_soak`.
"""

import json
import os
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from benchlib import pct, rss_kib  # noqa: E402

NAN = float("nan")  # a percentile of no samples
from gfharness import Cloud, FakeMachine  # noqa: E402

BASE = 31000000
PW = "cd" * 32

def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))

def raw(port, data, wait=2.0):
    """Send bytes, read what comes back until close or `wait` seconds."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=wait)
        s.sendall(data)
        while s.recv(65536):
            pass
    except OSError:
        pass
    finally:
        try:
            s.close()
        except (OSError, UnboundLocalError):
            pass


class Hostile:
    """Threads of misbehaving clients until stop() is called."""

    def __init__(self, cloud, bad_machine):
        self.cloud = cloud
        self.port = cloud.port
        self.bad = bad_machine
        self.stopping = threading.Event()
        self.sent = {"pipelined": 0, "trickle": 0, "oversize": 0,
                     "framing": 0, "bad_frames": 0}
        self.threads = [threading.Thread(target=f, daemon=True) for f in
                        (self.pipelining, self.trickle, self.trickle,
                         self.oversize, self.framing, self.bad_frames)]

    def start(self):
        for t in self.threads:
            t.start()

    def stop(self):
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=30)

    def pipelining(self):
        req = (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
               b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 2\r\n\r\n{}" * 3)
        while not self.stopping.is_set():
            raw(self.port, req)
            self.sent["pipelined"] += 1

    def trickle(self):
        req = b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\nX-Slow: " + \
            b"a" * 1000
        while not self.stopping.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", self.port),
                                             timeout=5)
            except OSError:
                time.sleep(0.5)
                continue
            self.sent["trickle"] += 1
            try:
                for b in req:
                    if self.stopping.is_set():
                        break
                    s.sendall(bytes([b]))
                    time.sleep(1.0)
            except OSError:
                pass  # closed by the service: its header time was up
            s.close()

    def oversize(self):
        big_head = (b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\nCookie: " +
                    b"c" * 20000 + b"\r\n\r\n")
        big_body = (b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/json\r\n"
                    b"Content-Length: 200000\r\n\r\n" + b"{" * 200000)
        while not self.stopping.is_set():
            raw(self.port, big_head)
            raw(self.port, big_body)
            self.sent["oversize"] += 2

    def framing(self):
        reqs = [b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                b"0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
                b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                b"Content-Length: 2\r\nContent-Length: 9\r\n\r\n{}",
                b"GET /jobs/%00.puls HTTP/1.1\r\nHost: x\r\n\r\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 20,
                b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n\r\n"]
        while not self.stopping.is_set():
            for r in reqs:
                raw(self.port, r)
                self.sent["framing"] += 1

    def bad_frames(self):
        junk = ["{not json", '{"type":"bogus\\n\\u001b[31m","id":1}',
                '{"type":"event","id":"x","event":5}', "[1,2,3]"]
        while not self.stopping.is_set():
            try:
                for j in junk:
                    self.bad.ws.send(j)
                self.bad.ws.send_binary(os.urandom(512))
                self.sent["bad_frames"] += 5
                if self.sent["bad_frames"] % 500 == 0:
                    self.bad.ws.send("x" * 2000000)  # closes with 1009
                    self.bad.close()
                    self.bad.connect()
                time.sleep(0.01)
            except Exception:  # noqa: BLE001 - reconnect and go on
                try:
                    self.bad.close()
                    self.bad.connect()
                except Exception:  # noqa: BLE001
                    time.sleep(0.5)


def round_trip(cloud, m):
    t0 = time.monotonic()
    aid = cloud.send_action(m.serial, "update_check")
    m.expect_action("update_check")
    m.event(aid, "update_check:completed")
    cloud.wait_action_state(aid, "completed", timeout=60)
    return time.monotonic() - t0


def api_call(cloud):
    t0 = time.monotonic()
    status, _ = cloud.api("GET", "/api/v1/machines/S%d" % BASE)
    assert status == 200, status
    return time.monotonic() - t0


def measure(cloud, machines, seconds=None, rounds=None):
    rt, api = [], []
    t_end = time.monotonic() + (seconds or 0)
    i = 0
    while (rounds and i < rounds) or (seconds and time.monotonic() < t_end):
        rt.append(round_trip(cloud, machines[i % len(machines)]))
        api.append(api_call(cloud))
        i += 1
    return rt, api


def report(name, rt, api):
    print("%-7s round trip p50 %7.1f ms  p99 %7.1f ms   API p50 %6.1f ms  "
          "p99 %6.1f ms   (%d rounds)"
          % (name, pct(rt, 50, NAN) * 1e3, pct(rt, 99, NAN) * 1e3,
             pct(api, 50, NAN) * 1e3, pct(api, 99, NAN) * 1e3, len(rt)))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    with Cloud(extra_args=["--log-level", "warn",
                           "--throttle-address-max", "100000",
                           "--header-timeout", "5"]) as cloud:
        for i in range(n + 1):
            cloud.add_machine(BASE + i, PW)
        assert cloud.api_key
        machines = [FakeMachine(cloud, BASE + i, PW) for i in range(n)]
        for m in machines:
            m.handshake()
        bad = FakeMachine(cloud, BASE + n, PW)
        bad.handshake()
        pid = cloud.proc.pid
        time.sleep(0.5)
        rss0, fd0 = rss_kib(pid), fds(pid)
        print("gfcloud soak: %d machine sessions held, %.0f s of hostile "
              "clients" % (n, seconds))
        report("before", *measure(cloud, machines, rounds=100))

        # Rounds of hostile clients, each followed by a quiet spell: memory
        # that grows in the first round only is caches and allocator
        # arenas filling up; memory that grows every round is a leak.
        after = []
        for r in range(rounds):
            hostile = Hostile(cloud, bad)
            hostile.start()
            report("during", *measure(cloud, machines, seconds=seconds))
            rss1, fd1 = rss_kib(pid), fds(pid)
            hostile.stop()
            time.sleep(7)  # past header-timeout: trickled connections gone
            report("after", *measure(cloud, machines, rounds=100))
            after.append((rss_kib(pid), fds(pid)))
            print("round %d: hostile requests sent: %s"
                  % (r + 1, json.dumps(hostile.sent)))
            print("round %d: RSS end of soak %6d KiB  after %6d KiB;  fds "
                  "end of soak %d  after %d"
                  % (r + 1, rss1, after[-1][0], fd1, after[-1][1]))
        rss2, fd2 = after[-1]
        print("RSS  start %6d KiB  after round 1 %6d KiB  after round %d "
              "%6d KiB  (after/start %.2f; last round added %+d KiB)"
              % (rss0, after[0][0], rounds, rss2, rss2 / rss0,
                 rss2 - (after[-2][0] if rounds > 1 else rss0)))
        print("fds  start %6d      after %6d" % (fd0, fd2))
        st = cloud.api("GET", "/api/v1/machines/S%d" % (BASE + n))[1]
        print("bad-frame machine: %d malformed messages counted"
              % st["malformed_messages"])
        for m in machines:
            m.close()
        bad.close()


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""cloud_sessions: how gfcloud holds many machine sessions.

Starts a real gfcloud (via tests/integration/gfharness.py), registers and
signs in N machines, opens and holds their WebSocket sessions (each answers
the opening settings action), then sends actions through the REST API and
times each round trip. Prints:

  * sign-ins per second and sessions held,
  * the service's resident memory before and after, and per session,
  * action latency percentiles: API POST -> action frame at the machine
    (delivery), and POST -> terminal event recorded (round trip).

Not a pass/fail test. Usage:
  GF_BUILD_DIR=build /usr/bin/python3 bench/cloud_sessions.py [N] [ROUNDS]
or `cmake --build build --target bench_cloud_sessions`.
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from gfharness import Cloud, FakeMachine  # noqa: E402

BASE = 30000000


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def pct(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100.0 * (len(s) - 1))))]


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    with Cloud(extra_args=["--log-level", "warn",
                           "--throttle-address-max", "100000"]) as cloud:
        pw = "ab" * 32
        for i in range(n):
            cloud.add_machine(BASE + i, pw)
        key = cloud.api_key
        assert key
        time.sleep(0.2)
        rss0 = rss_kib(cloud.proc.pid)

        t0 = time.monotonic()
        machines = [FakeMachine(cloud, BASE + i, pw) for i in range(n)]
        for m in machines:
            m.handshake()
        t_conn = time.monotonic() - t0
        status, body = cloud.api("GET", "/api/v1/machines")
        held = sum(1 for x in body["machines"] if x["online"])
        time.sleep(0.2)
        rss1 = rss_kib(cloud.proc.pid)

        deliver, round_trip = [], []
        t1 = time.monotonic()
        for _ in range(rounds):
            for m in machines:
                start = time.monotonic()
                aid = cloud.send_action(m.serial, "update_check")
                a = m.expect_action("update_check")
                deliver.append(time.monotonic() - start)
                assert a["id"] == aid
                m.event(aid, "update_check:completed")
                while cloud.action(aid)["state"] != "completed":
                    time.sleep(0.0005)
                round_trip.append(time.monotonic() - start)
        t_actions = time.monotonic() - t1

        print("machines                 %d" % n)
        print("sessions held            %d" % held)
        print("sign-in + connect        %.0f machines/s (%.2f s for %d)"
              % (n / t_conn, t_conn, n))
        print("service RSS              %.1f MiB idle, %.1f MiB with %d "
              "sessions" % (rss0 / 1024.0, rss1 / 1024.0, held))
        print("memory per session       %.1f KiB"
              % ((rss1 - rss0) / float(max(held, 1))))
        print("actions                  %d in %.2f s (%.0f/s, serial)"
              % (len(deliver), t_actions, len(deliver) / t_actions))
        for name, vals in (("delivery", deliver), ("round trip", round_trip)):
            print("%-24s p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms"
                  % (name + " latency", pct(vals, 50) * 1e3,
                     pct(vals, 90) * 1e3, pct(vals, 99) * 1e3,
                     max(vals) * 1e3))
        for m in machines:
            m.close()


if __name__ == "__main__":
    main()

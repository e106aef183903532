#!/usr/bin/python3
"""cloud_jobs: design compiles on the worker pool while many machines are
held, and what they cost the event loop.

Starts a real gfcloud (tests/integration/gfharness.py), holds N machine
sessions (scripted machines that answer the settings action and the homing
hunt), then times API and WebSocket round trips before and while JOBS jobs
are compiled from one SVG of SEGMENTS straight segments. Prints the compile
throughput and the round-trip percentiles with the during/before ratios.

  * API round trip: GET /api/v1/machines/{serial}.
  * WebSocket round trip: POST an update_check action, the machine gets it
    over its WebSocket and answers update_check:completed, the API shows it
    completed.

Not a pass/fail test. Usage:
  GF_BUILD_DIR=build /usr/bin/python3 bench/cloud_jobs.py [N] [JOBS] [SEGMENTS]
or `cmake --build build --target bench_cloud_jobs`.
"""

import os
import sys
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from benchlib import pct  # noqa: E402
from gfharness import Cloud, FakeMachine  # noqa: E402

BASE = 40000000

def svg(segments):
    """One polyline of `segments` straight segments, zig-zagging across a
    200 x 150 mm area (every segment a separate stroke for the planner)."""
    pts = []
    for i in range(segments + 1):
        x = 10 + (i % 200)
        y = 10 + (i // 200) * 150.0 / (segments // 200 + 1) + (i % 2) * 0.5
        pts.append("%.2f,%.2f" % (x, y))
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="300mm" '
            'height="200mm" viewBox="0 0 300 200"><polyline fill="none" '
            'stroke="#000" points="%s"/></svg>' % " ".join(pts)).encode()


def api_rtt(cloud, serial):
    t = time.monotonic()
    st, _ = cloud.api("GET", "/api/v1/machines/S%d" % serial)
    assert st == 200
    return time.monotonic() - t


def ws_rtt(cloud, m):
    t = time.monotonic()
    aid = cloud.send_action(m.serial, "update_check")
    a = m.expect_action("update_check")
    assert a["id"] == aid
    m.event(aid, "update_check:completed")
    while cloud.action(aid)["state"] != "completed":
        time.sleep(0.0005)
    return time.monotonic() - t


def sample(cloud, machines, until=None, count=200):
    """Alternate API and WebSocket round trips: `count` of each, or as many
    as fit while until() is false."""
    api, ws = [], []
    i = 0
    while (until is None and len(api) < count) or (until and not until()):
        m = machines[i % len(machines)]
        api.append(api_rtt(cloud, m.serial))
        ws.append(ws_rtt(cloud, m))
        i += 1
    return api, ws


def line(name, vals):
    return ("%-28s n %4d  p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms"
            % (name, len(vals), pct(vals, 50) * 1e3, pct(vals, 99) * 1e3,
               max(vals) * 1e3))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    segments = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    design = svg(segments)
    with Cloud(extra_args=["--log-level", "warn",
                           "--throttle-address-max", "1000000"]) as cloud:
        pw = "ab" * 32
        for i in range(n):
            cloud.add_machine(BASE + i, pw)
        assert cloud.api_key
        t0 = time.monotonic()
        machines = [FakeMachine(cloud, BASE + i, pw) for i in range(n)]
        for m in machines:
            m.handshake(hunt=True)
        print("machines held              %d (connected and hunted in "
              "%.1f s)" % (n, time.monotonic() - t0))
        probes = machines[:20]
        api0, ws0 = sample(cloud, probes)

        t1 = time.monotonic()
        ids = []
        for k in range(jobs):
            q = urllib.parse.urlencode({"machine": "S%d" % (BASE + k % n),
                                        "name": "bench-%d" % k})
            st, resp = cloud.api("POST", "/api/v1/jobs?" + q, body=design,
                                 headers={"Content-Type": "image/svg+xml"})
            assert st == 201, (st, resp)
            ids.append(resp["id"])
        t_submit = time.monotonic() - t1

        def compiled():
            st, body = cloud.api("GET", "/api/v1/jobs?state=compiling")
            return not body["jobs"]
        api1, ws1 = sample(cloud, probes, until=compiled)
        t_all = time.monotonic() - t1
        states = {}
        for jid in ids:
            st, j = cloud.api("GET", "/api/v1/jobs/%d" % jid)
            states[j["state"]] = states.get(j["state"], 0) + 1
        st, j = cloud.api("GET", "/api/v1/jobs/%d" % ids[0])

        print("design                     %d segments, %d bytes of SVG, "
              "run time %.1f s" % (segments, len(design),
                                   j["stats"]["run_time_s"]))
        print("jobs                       %d accepted in %.2f s, all "
              "compiled in %.1f s (%.2f jobs/s on the pool)"
              % (jobs, t_submit, t_all, jobs / t_all))
        print("job states after           %s" % states)
        print(line("API round trip, before", api0))
        print(line("API round trip, during", api1))
        print(line("WebSocket round trip, before", ws0))
        print(line("WebSocket round trip, during", ws1))
        print("p99 during / before        API %.2fx, WebSocket %.2fx"
              % (pct(api1, 99) / pct(api0, 99), pct(ws1, 99) / pct(ws0, 99)))
        for m in machines:
            m.close()


if __name__ == "__main__":
    main()

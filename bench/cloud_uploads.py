#!/usr/bin/python3
"""cloud_uploads: big uploads do not stall gfcloud's event loop.

Starts a real gfcloud (tests/integration/gfharness.py) and N machines; each
gets a lid_image action and PUTs a SIZE MiB image to its signed endpoint,
all at once. Meanwhile the main thread times GET /api/v1/machines over and
over. The image's disk write and fsync run on the worker pool (ingest.c),
so the API latency during the uploads should stay close to the idle one.
Also times accepting a motion action from an unlocked job file: the first
for a machine makes the copy locked to its serial (on a worker), later ones
reuse it. Prints figures; not a pass/fail test. Usage:
  GF_BUILD_DIR=build /usr/bin/python3 bench/cloud_uploads.py [N] [SIZE_MIB]
or `cmake --build build --target bench_cloud_uploads`.
"""

import http.client
import os
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from benchlib import pct  # noqa: E402
from gfharness import Cloud, FakeMachine, fixture  # noqa: E402

BASE = 31000000

def api_latencies(cloud, stop, out):
    while not stop():
        t = time.monotonic()
        status, _ = cloud.api("GET", "/api/v1/machines")
        assert status == 200
        out.append(time.monotonic() - t)


def put(port, path, body, results, i):
    t = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("PUT", path, body=body,
                 headers={"Content-Type": "image/jpeg"})
    r = conn.getresponse()
    r.read()
    conn.close()
    results[i] = (r.status, time.monotonic() - t)


def show(name, vals):
    print("%-28s p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d calls)"
          % (name, pct(vals, 50) * 1e3, pct(vals, 99) * 1e3,
             max(vals) * 1e3, len(vals)))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    mib = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    size = mib * 1024 * 1024
    with Cloud(extra_args=["--log-level", "warn",
                           "--max-image-body", str(size)]) as cloud:
        pw = "ab" * 32
        machines = []
        for i in range(n):
            cloud.add_machine(BASE + i, pw)
            m = FakeMachine(cloud, BASE + i, pw)
            m.handshake()
            machines.append(m)
        idle = []
        t_end = time.monotonic() + 1.0
        api_latencies(cloud, lambda: time.monotonic() > t_end, idle)

        paths, lids = [], []
        for m in machines:
            lids.append(cloud.send_action(m.serial, "lid_image"))
            url = urllib.parse.urlsplit(m.expect_action("lid_image")["endpoint"])
            paths.append(url.path + "?" + url.query)
        body = b"\xff\xd8" + os.urandom(size - 2)
        results = [None] * n
        threads = [threading.Thread(target=put, args=(cloud.port, paths[i],
                                                      body, results, i))
                   for i in range(n)]
        busy = []
        t0 = time.monotonic()
        for t in threads:
            t.start()
        api_latencies(cloud, lambda: not any(t.is_alive() for t in threads),
                      busy)
        wall = time.monotonic() - t0
        for t in threads:
            t.join()
        assert all(r[0] == 200 for r in results), results
        for m, aid in zip(machines, lids):
            m.event(aid, "lid_image:completed")
            cloud.wait_action_state(aid, "completed")

        status, info = cloud.upload_file(
            fixture("puls", "1234567890-nooptions-xxxxx.puls"))
        assert status == 201
        first, again = [], []
        for m in machines:
            for bucket in (first, again):
                t = time.monotonic()
                aid = cloud.send_action(m.serial, "motion", file=info["id"])
                bucket.append(time.monotonic() - t)
                m.expect_action("motion")
                m.event(aid, "motion:completed")
                cloud.wait_action_state(aid, "completed")

        print("uploads                      %d x %d MiB at once, all answered "
              "in %.2f s (%.0f MiB/s)" % (n, mib, wall, n * mib / wall))
        print("one upload                   %.2f s p50"
              % pct([r[1] for r in results], 50))
        show("API latency idle", idle)
        show("API latency during uploads", busy)
        show("motion, first (locks copy)", first)
        show("motion, copy cached", again)
        for m in machines:
            m.close()


if __name__ == "__main__":
    main()

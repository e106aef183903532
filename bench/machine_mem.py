#!/usr/bin/env python3
"""machine_mem.py - how small gfmachine stays: resident memory while idle
and while playing a large job, and CPU use while idle.

Runs the real gfmachine against the test suite's fake service
(tests/integration/fakecloud.py) on loopback and samples /proc. Prints
figures; passes or fails nothing (targets: < 8 MiB resident, near-zero idle
CPU). Usage: GF_BUILD_DIR=build python3 bench/machine_mem.py [job_minutes]
"""
import gzip
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import fakecloud as fc  # noqa: E402
from benchlib import rss_kib  # noqa: E402

SERIAL = 10000099
TICK_HZ = os.sysconf("SC_CLK_TCK")

def rollup_kib(pid):
    """Pss and private (Private_Clean + Private_Dirty) from smaps_rollup:
    RSS counts every page of the shared libraries (libcurl pulls in
    OpenSSL, GnuTLS, Kerberos, LDAP...) that other processes share."""
    pss = priv = 0
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k == "Pss":
                pss = int(v.split()[0])
            elif k in ("Private_Clean", "Private_Dirty"):
                priv += int(v.split()[0])
    return pss, priv


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK_HZ


def main():
    minutes = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    ticks = int(minutes * 60 * 10000)
    job = gzip.compress(fc.long_job(ticks), 6)
    speed = 600  # a one-hour job in 6 s
    cloud = fc.FakeCloud(SERIAL, fc.PASSWORD).start()
    m = fc.Machine(cloud.url, cloud.status_url, SERIAL, speed=speed,
                   auto_button=0, rest_ms=0, warmup_ms=0,
                   progress_interval_ms=1000000, ping_s=30)
    try:
        cloud.wait_connected()
        pid = m.proc.pid
        cloud.send_action(1, "settings")
        cloud.wait_terminal(1, "settings")
        time.sleep(1)
        idle_rss = rss_kib(pid)
        idle_pss, idle_priv = rollup_kib(pid)
        c0, t0 = cpu_seconds(pid), time.monotonic()
        time.sleep(5)
        idle_cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
        url = cloud.add_file("big", job)
        cloud.send_action(2, "print", motion_url=url)
        peak = peak_priv = 0
        samples = []
        t1 = time.monotonic()
        while True:
            try:
                r = rss_kib(pid)
            except OSError:
                break
            peak = max(peak, r)
            peak_priv = max(peak_priv, rollup_kib(pid)[1])
            samples.append(r)
            if any(f.get("action_id") == 2 and
                   f.get("event") in ("print:completed", "print:cancelled",
                                      "print:failed")
                   for f in list(cloud.frames)):
                break
            if time.monotonic() - t1 > 600:
                break
            time.sleep(0.05)
        play_time = time.monotonic() - t1
        outcome = [f["event"] for f in cloud.frames
                   if f.get("action_id") == 2 and "event" in f][-1]
        print("gfmachine memory and CPU (VmRSS from /proc, loopback)")
        print("  idle resident (VmRSS):        %7.2f MiB" % (idle_rss / 1024))
        print("  idle proportional (Pss):      %7.2f MiB" % (idle_pss / 1024))
        print("  idle private (not shared):    %7.2f MiB"
              % (idle_priv / 1024))
        print("  idle CPU over 5 s:            %7.3f %% of one core"
              % (idle_cpu * 100))
        print("  job: %.0f min at 10 kHz = %d ticks (%.1f MiB plain, "
              "%.2f MiB gzip)" % (minutes, ticks, (ticks + 560) / 2**20,
                                   len(job) / 2**20))
        print("  playing at speed %d:          %7.2f s, outcome %s"
              % (speed, play_time, outcome))
        print("  resident while playing, peak: %7.2f MiB (%d samples)"
              % (peak / 1024, len(samples)))
        print("  private while playing, peak:  %7.2f MiB" % (peak_priv / 1024))
        print("  target: < 8 MiB resident, near-zero idle CPU")
    finally:
        rc = m.stop()
        m.cleanup()
        cloud.stop()
        if rc != 0:
            print("gfmachine exited with %r" % (rc,))


if __name__ == "__main__":
    main()

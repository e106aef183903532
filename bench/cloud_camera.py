#!/usr/bin/python3
"""cloud_camera: the service-level error of homing by the lid camera.

A real gfcloud and MACHINES real gfmachine processes (the emulated lid
camera shows the head where it truly is): each machine is homed by hand and
calibrated, then restarted N times with a random true start within +-20 mm
(seed 20261202, as tests/integration/test_cloud_camera.py) and homed by the
service at connect. Prints the error of the service's position against
`gfmachine where` as percentiles, the fall-backs with their reasons, the
corrections' residuals and the wall time per homing. Figures only, never
pass/fail. Usage:
  GF_BUILD_DIR=build /usr/bin/python3 bench/cloud_camera.py [N] [MACHINES]
or `cmake --build build --target bench_cloud_camera`.
"""

import math
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
from benchlib import pct  # noqa: E402
import test_cloud_camera as tc  # noqa: E402

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    machines = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    rnd = random.Random(tc.SEED)
    heads = [(rnd.uniform(-20, 20), rnd.uniform(-20, 20)) for _ in range(n)]
    case = tc.Camera("test_uncalibrated_waits_for_a_manual_home")
    tc.Camera.setUpClass()
    try:
        results, elapsed = case.homings(
            heads, [tc.BASE + 100 + i for i in range(machines)])
    finally:
        tc.Camera.tearDownClass()
    errs, resid, conf, misses = [], [], [], []
    for head, st, truth in results.values():
        pos = st["head_position"]
        if st["lifecycle"] != "ready":
            misses.append((head, st.get("homing", "")))
            continue
        errs.append(math.hypot(pos["x_mm"] - truth[0], pos["y_mm"] - truth[1]))
        resid.append(pos.get("residual_mm", 0))
        conf.append(pos["confidence"])
    print("homing by camera through gfcloud, %d random starts within +-20 mm "
          "(seed %d), %d gfmachine processes at once:" % (n, tc.SEED,
                                                         machines))
    print("  within 0.5 mm: %d  fell back to a manual home: %d  wrong "
          "positions (>= 0.5 mm): %d" % (sum(e < 0.5 for e in errs),
                                         len(misses),
                                         sum(e >= 0.5 for e in errs)))
    if errs:
        print("  error vs the truth   p50 %.3f  p90 %.3f  p96 %.3f  max %.3f "
              "mm" % (pct(errs, 50), pct(errs, 90), pct(errs, 96), max(errs)))
        print("  servo residual       p50 %.3f  max %.3f mm; confidence min "
              "%.2f" % (pct(resid, 50), max(resid), min(conf)))
    print("  %.1f s for %d homings (%.2f s each, %.2f s of wall time per "
          "homing with %d at once)" % (elapsed, n, elapsed * machines / n,
                                       elapsed / n, machines))
    for head, why in misses:
        print("  start %.2f,%.2f fell back: %s" % (head[0], head[1], why))


if __name__ == "__main__":
    main()

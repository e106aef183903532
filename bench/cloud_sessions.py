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
from benchlib import pct, rss_kib  # noqa: E402
from gfharness import Cloud, FakeMachine  # noqa: E402

BASE = 30000000

if __name__ == "__main__":
    main()

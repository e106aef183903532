"""GET /metrics (docs/cloud.md "Metrics") from the real gfcloud: the text is
read strictly (promtext.py: every sample under a declared TYPE, names and
labels as the format allows, histograms cumulative up to +Inf with _sum and
_count) and, where Debian's prometheus package is installed, checked by
`promtool check metrics` too; the figures move with what happens: sign-ins
by outcome, the machine's session, actions by type and outcome, a missed
deadline, jobs by state, store writes, bytes both ways. It needs an API
key unless metrics-public = yes."""

import os
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import (Cloud, FakeMachine, fixture, gfcloud_binary,  # noqa: E402
                       wait_for)
import promtext  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
BAD = "ff" * 32
SERIAL = 10000042
PULSE = fixture("puls", "1234567890-nooptions-xxxxx.puls")

FAMILIES = {
    "gfcloud_sessions": "gauge",
    "gfcloud_sign_ins_total": "counter",
    "gfcloud_actions_total": "counter",
    "gfcloud_deadlines_missed_total": "counter",
    "gfcloud_jobs": "gauge",
    "gfcloud_store_write_seconds": "histogram",
    "gfcloud_loop_pass_seconds": "histogram",
    "gfcloud_received_bytes_total": "counter",
    "gfcloud_sent_bytes_total": "counter",
    "gfcloud_worker_queue_depth": "gauge",
    "gfcloud_webhook_attempts_total": "counter",
}


def scrape(cloud, token=True):
    """GET /metrics; returns the families (asserting the answer)."""
    st, hdr, body = cloud.http("GET", "/metrics",
                               token=cloud.api_key if token else None)
    assert st == 200, (st, body)
    assert hdr["content-type"].startswith("text/plain; version=0.0.4"), hdr
    text = body.decode("utf-8")
    fams = promtext.parse(text)
    promtool = shutil.which("promtool")
    if promtool:
        p = subprocess.run([promtool, "check", "metrics"], input=text,
                           capture_output=True, text=True, timeout=30)
        assert p.returncode == 0, p.stdout + p.stderr
    for name, mtype in FAMILIES.items():
        assert name in fams, (name, sorted(fams))
        assert fams[name].type == mtype, (name, fams[name].type)
        assert fams[name].help, name
    for name in fams:
        assert name.startswith("gfcloud_"), name
    return fams


def v(fams, name, **labels):
    return promtext.value(fams, name, **labels)


class Parser(unittest.TestCase):
    """The reader itself refuses what the format does not allow."""

    def bad(self, text):
        with self.assertRaises(ValueError, msg=text):
            promtext.parse(text)

    def test_refusals(self):
        ok = ("# HELP a_total x\n# TYPE a_total counter\na_total 1\n"
              "# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
              "h_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n")
        promtext.parse(ok)
        self.bad("a 1\n")                                   # no TYPE
        self.bad("# TYPE a counter\na 1\n")                 # no _total
        self.bad("# TYPE a_total counter\na_total 1")       # no newline
        self.bad("# TYPE 1a gauge\n1a 1\n")                 # bad name
        self.bad("# TYPE a gauge\na{b=\"x\\q\"} 1\n")       # bad escape
        self.bad("# TYPE a gauge\na{b=x} 1\n")              # unquoted
        self.bad("# TYPE a gauge\na 1\na 2\n")              # twice
        self.bad("# TYPE a gauge\n# TYPE b gauge\nb 1\na 1\n")  # apart
        self.bad("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\n"
                 "h_count 1\n")                             # no +Inf
        self.bad("# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
                 "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n")
        self.bad("# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n"
                 "h_count 1\n")                             # no _sum


class Metrics(unittest.TestCase):
    def test_access_needs_a_key_unless_public(self):
        with Cloud() as cloud:
            st, _, body = cloud.http("GET", "/metrics")
            self.assertEqual(st, 401, body)
            st, _, _ = cloud.http("GET", "/metrics", token="gfk_" + "0" * 64)
            self.assertEqual(st, 401)
            st, _, _ = cloud.http("POST", "/metrics", token=cloud.api_key)
            self.assertEqual(st, 405)
            scrape(cloud)
        with Cloud(extra_args=["--metrics-public", "yes"]) as cloud:
            scrape(cloud, token=False)
        p = subprocess.run([gfcloud_binary(), "serve", "--metrics-public",
                            "maybe"], capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("metrics-public", p.stderr)

    def test_figures_move(self):
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            f0 = scrape(cloud)
            self.assertEqual(v(f0, "gfcloud_sessions"), 0)
            for outcome in ("ok", "bad_password", "unknown", "throttled",
                            "bad_request"):
                self.assertEqual(v(f0, "gfcloud_sign_ins_total",
                                   outcome=outcome), 0, outcome)
            # A wrong password, an unknown serial, a body without a field.
            st, _ = cloud.sign_in_raw(SERIAL, BAD)
            self.assertEqual(st, 401)
            st, _ = cloud.sign_in_raw(99999999, PW)
            self.assertEqual(st, 401)
            st, _, _ = cloud.http("POST", "/machines/sign_in",
                                  body={"serial": "S1"})
            self.assertEqual(st, 400)
            f1 = scrape(cloud)
            self.assertEqual(v(f1, "gfcloud_sign_ins_total",
                               outcome="bad_password"), 1)
            self.assertEqual(v(f1, "gfcloud_sign_ins_total",
                               outcome="unknown"), 1)
            self.assertEqual(v(f1, "gfcloud_sign_ins_total",
                               outcome="bad_request"), 1)
            self.assertEqual(v(f1, "gfcloud_sign_ins_total", outcome="ok"), 0)
            # The machine signs in, opens its session and homes: settings
            # and hunt complete.
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake(full=True, hunt=True, home=True)
            f2 = scrape(cloud)
            self.assertEqual(v(f2, "gfcloud_sign_ins_total", outcome="ok"), 1)
            self.assertEqual(v(f2, "gfcloud_sessions"), 1)
            self.assertEqual(v(f2, "gfcloud_actions_total", type="settings",
                               outcome="completed"), 1)
            self.assertEqual(v(f2, "gfcloud_actions_total", type="hunt",
                               outcome="completed"), 1)
            # A job through to completed: jobs by state and the print.
            jid = cloud.post_job_file(SERIAL, PULSE)
            a = m.expect_action("print")
            for ev in ("print:starting", "print:download:completed",
                       "print:warmup:starting", "print:running"):
                m.event(a["id"], ev)
            wait_for(lambda: cloud.api("GET", "/api/v1/jobs/%d" % jid)[1][
                "state"] == "running", what="running")
            f3 = scrape(cloud)
            self.assertEqual(v(f3, "gfcloud_jobs", state="running"), 1)
            self.assertEqual(v(f3, "gfcloud_jobs", state="completed"), 0)
            m.event(a["id"], "print:return_to_home:succeeded")
            m.event(a["id"], "print:completed")
            wait_for(lambda: cloud.api("GET", "/api/v1/jobs/%d" % jid)[1][
                "state"] == "completed", what="completed")
            f4 = scrape(cloud)
            self.assertEqual(v(f4, "gfcloud_jobs", state="completed"), 1)
            self.assertEqual(v(f4, "gfcloud_jobs", state="running"), 0)
            self.assertEqual(v(f4, "gfcloud_actions_total", type="print",
                               outcome="completed"), 1)
            # Writes were timed; bytes went both ways on both transports.
            self.assertGreater(v(f4, "gfcloud_store_write_seconds_count"),
                               v(f0, "gfcloud_store_write_seconds_count"))
            # Every pass of the loop in between was timed, and each lies in
            # a bucket no bigger than +Inf's count.
            passes = v(f4, "gfcloud_loop_pass_seconds_count")
            self.assertGreater(passes,
                               v(f0, "gfcloud_loop_pass_seconds_count"))
            self.assertEqual(
                v(f4, "gfcloud_loop_pass_seconds_bucket", le="+Inf"), passes)
            self.assertLessEqual(
                v(f4, "gfcloud_loop_pass_seconds_bucket", le="0.0001"),
                v(f4, "gfcloud_loop_pass_seconds_bucket", le="2.5"))
            for fam in ("gfcloud_received_bytes_total",
                        "gfcloud_sent_bytes_total"):
                for tr in ("http", "ws"):
                    self.assertGreater(v(f4, fam, transport=tr),
                                       v(f0, fam, transport=tr), (fam, tr))
            self.assertEqual(v(f4, "gfcloud_worker_queue_depth"), 0)
            m.close()
            wait_for(lambda: v(scrape(cloud), "gfcloud_sessions") == 0,
                     what="the session to close")

    def test_missed_deadline(self):
        with Cloud(extra_args=["--deadline-seconds", "1"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            m = FakeMachine(cloud, SERIAL, PW)
            m.expect_action("settings")  # and never answered
            wait_for(lambda: v(scrape(cloud), "gfcloud_deadlines_missed_total")
                     >= 1, what="the deadline to pass")
            f = scrape(cloud)
            self.assertEqual(v(f, "gfcloud_actions_total", type="settings",
                               outcome="timed_out"), 1)
            m.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Webhooks (docs/cloud.md "Webhooks") from the real gfcloud to a receiver
on loopback: a completed job and a machine going offline (a scripted one
closing, a real gfmachine killed) arrive as signed JSON POSTs that Python's
own hmac verifies; a receiver that answers 500
twice and then 200 gets three attempts at growing gaps, all in the
delivery log; a receiver that never answers or is not there does not slow
the API, and the service still stops at once; a delivery left pending is
sent after a restart; the CLI and the admin API check what they are
given."""

import hashlib
import hmac
import http.server
import json
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import fakecloud  # noqa: E402
from gfharness import (Cloud, FakeMachine, fixture, free_port,  # noqa: E402
                       wait_for)

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042
PULSE = fixture("puls", "1234567890-nooptions-xxxxx.puls")


class Receiver:
    """An HTTP server on loopback that records every POST and answers with
    the next status of ``script`` (then 200)."""

    def __init__(self, script=(), port=0):
        self.posts = []  # (monotonic time, headers dict lowercased, body)
        self.script = list(script)
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                with outer.lock:
                    outer.posts.append((time.monotonic(),
                                        {k.lower(): v for k, v in
                                         self.headers.items()}, body))
                    status = outer.script.pop(0) if outer.script else 200
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port),
                                                      Handler)
        self.port = self.server.server_address[1]
        self.url = "http://127.0.0.1:%d/hook" % self.port
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def wait(self, n, timeout=20):
        wait_for(lambda: len(self.posts) >= n, timeout=timeout,
                 what="%d POSTs (have %d)" % (n, len(self.posts)))
        return self.posts

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def verify(test, secret, headers, body):
    """The signature header is HMAC-SHA256(secret, body), as Python makes
    it; returns the body's JSON."""
    sig = headers["x-gfcloud-signature"]
    test.assertTrue(sig.startswith("sha256="), sig)
    want = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    test.assertTrue(hmac.compare_digest(sig[7:], want), (sig, want))
    test.assertEqual(headers["content-type"], "application/json")
    test.assertTrue(headers["x-gfcloud-delivery"].isdigit(), headers)
    return json.loads(body)


def add_hook(cloud, url, events):
    out = cloud.cli("webhook", "add", url, "--events", events).stdout.split()
    assert len(out) == 2 and len(out[1]) == 64, out
    return int(out[0]), out[1]


def deliveries(test, cloud, hook):
    st, body = cloud.api("GET", "/api/v1/webhooks/%d/deliveries" % hook)
    test.assertEqual(st, 200, body)
    return body["deliveries"]


class Webhooks(unittest.TestCase):
    def test_signed_job_completed_and_machine_offline(self):
        rx = Receiver()
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            hook, secret = add_hook(cloud, rx.url,
                                    "job.completed, machine.offline")
            listed = cloud.cli("webhook", "list").stdout
            self.assertIn(rx.url, listed)
            self.assertIn("events=job.completed,machine.offline", listed)
            self.assertNotIn(secret, listed)
            st, body = cloud.api("GET", "/api/v1/webhooks")
            self.assertEqual(st, 200)
            self.assertEqual(body["webhooks"][0]["events"],
                             ["job.completed", "machine.offline"])
            self.assertNotIn(secret, json.dumps(body))
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake(full=True, hunt=True, home=True)
            jid = cloud.post_job_file(SERIAL, PULSE)
            a = m.expect_action("print")
            for ev in ("print:starting", "print:download:completed",
                       "print:warmup:starting", "print:running",
                       "print:return_to_home:succeeded", "print:completed"):
                m.event(a["id"], ev)
            _, hdr, body = rx.wait(1)[0]
            self.assertEqual(hdr["x-gfcloud-event"], "job.completed")
            doc = verify(self, secret, hdr, body)
            self.assertEqual(doc["event"], "job.completed")
            self.assertEqual(doc["data"]["id"], jid)
            self.assertEqual(doc["data"]["state"], "completed")
            self.assertEqual(doc["data"]["machine"], "S%d" % SERIAL)
            self.assertLessEqual(abs(doc["at"] - time.time()), 30)
            # Nothing was sent for what the webhook did not ask for (the
            # machine came online, the job's other states).
            self.assertEqual(len(rx.posts), 1)
            m.close()
            _, hdr, body = rx.wait(2)[1]
            doc = verify(self, secret, hdr, body)
            self.assertEqual(doc["event"], "machine.offline")
            self.assertEqual(doc["data"], {"machine": "S%d" % SERIAL})
            log = wait_for(lambda: (lambda d: d if all(
                x["state"] == "delivered" for x in d) else None)(
                    deliveries(self, cloud, hook)), what="both delivered")
            self.assertEqual([x["event"] for x in log],
                             ["machine.offline", "job.completed"])
            for x in log:
                self.assertEqual(len(x["attempts"]), 1, x)
                self.assertEqual(x["attempts"][0]["status"], 200)
            out = cloud.cli("webhook", "deliveries", str(hook)).stdout
            self.assertIn("job.completed\tdelivered\tattempts=1", out)
            self.assertIn("status=200", out)
        rx.close()

    def test_a_killed_gfmachine_goes_offline(self):
        """The real gfmachine comes online; killed, it goes offline."""
        rx = Receiver()
        with Cloud() as cloud:
            pw = cloud.add_machine(SERIAL)
            hook, secret = add_hook(cloud, rx.url,
                                    "machine.online,machine.offline")
            m = fakecloud.Machine(cloud.base_url, cloud.status_url, SERIAL,
                                  password=pw)
            try:
                _, hdr, body = rx.wait(1, timeout=30)[0]
                self.assertEqual(verify(self, secret, hdr, body)["event"],
                                 "machine.online")
                m.proc.kill()
                m.proc.wait()
                _, hdr, body = rx.wait(2, timeout=30)[1]
                doc = verify(self, secret, hdr, body)
                self.assertEqual(doc, {"event": "machine.offline",
                                       "at": doc["at"],
                                       "data": {"machine": "S%d" % SERIAL}})
            finally:
                m.cleanup()
        rx.close()

    def test_retries_with_growing_gaps_all_logged(self):
        rx = Receiver(script=[500, 500])
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            st, w = cloud.api("POST", "/api/v1/webhooks",
                              body={"url": rx.url,
                                    "events": ["machine.online"]})
            self.assertEqual(st, 201, w)
            self.assertEqual(w["events"], ["machine.online"])
            secret = w["secret"]
            m = FakeMachine(cloud, SERIAL, PW)
            posts = rx.wait(3, timeout=30)
            times = [p[0] for p in posts]
            gaps = [b - a for a, b in zip(times, times[1:])]
            self.assertGreaterEqual(gaps[0], 0.8, gaps)
            self.assertGreater(gaps[1], gaps[0] + 0.5, gaps)
            # The same delivery each time: the same id, body and signature.
            self.assertEqual(len({p[1]["x-gfcloud-delivery"]
                                  for p in posts}), 1)
            self.assertEqual(len({p[2] for p in posts}), 1)
            for _, hdr, body in posts:
                verify(self, secret, hdr, body)
            log = wait_for(lambda: (lambda d: d if d and d[0]["state"] ==
                                    "delivered" else None)(
                deliveries(self, cloud, w["id"])), what="delivered")
            self.assertEqual(len(log), 1)
            tries = log[0]["attempts"]
            self.assertEqual([t["status"] for t in tries], [500, 500, 200])
            self.assertEqual([t["error"] for t in tries],
                             ["HTTP 500", "HTTP 500", ""])
            ats = [t["at"] for t in tries]
            self.assertEqual(ats, sorted(ats))
            self.assertGreater(ats[2] - ats[1], ats[1] - ats[0])
            st, text = cloud.http("GET", "/metrics", token=cloud.api_key)[::2]
            self.assertIn(b'gfcloud_webhook_attempts_total{outcome="ok"} 1\n',
                          text)
            self.assertIn(
                b'gfcloud_webhook_attempts_total{outcome="failed"} 2\n', text)
            m.close()
        rx.close()

    def test_dead_receivers_do_not_slow_the_api(self):
        # One that takes the connection and never answers, one where
        # nothing listens.
        hole = socket.socket()
        hole.bind(("127.0.0.1", 0))
        hole.listen(16)
        refused = free_port()
        with Cloud(extra_args=["--webhook-timeout", "3", "--webhook-tries",
                               "2", "--webhook-retry-base", "0.2"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            h1, _ = add_hook(cloud, "http://127.0.0.1:%d/x"
                             % hole.getsockname()[1],
                             "machine.online,machine.offline")
            h2, _ = add_hook(cloud, "http://127.0.0.1:%d/x" % refused,
                             "machine.online,machine.offline")
            for _ in range(3):
                m = FakeMachine(cloud, SERIAL, PW)
                m.close()
                wait_for(lambda: cloud.machine(SERIAL)["lifecycle"] ==
                         "offline", what="offline")
            worst = 0
            for _ in range(20):
                t0 = time.monotonic()
                st, _ = cloud.api("GET", "/api/v1/machines")
                worst = max(worst, time.monotonic() - t0)
                self.assertEqual(st, 200)
            self.assertLess(worst, 1.0)
            m = FakeMachine(cloud, SERIAL, PW)  # sign-in and session too
            m.close()
            d2 = wait_for(lambda: (lambda d: d if d and all(
                x["state"] == "failed" for x in d) else None)(
                    deliveries(self, cloud, h2)), what="refused ones failed")
            for x in d2:
                self.assertEqual(len(x["attempts"]), 2, x)
                self.assertEqual(x["attempts"][0]["status"], 0)
                self.assertTrue(x["attempts"][0]["error"], x)
            d1 = wait_for(lambda: (lambda d: d if any(
                x["attempts"] for x in d) else None)(
                    deliveries(self, cloud, h1)), what="a timed-out attempt")
            tried = [t for x in d1 for t in x["attempts"]]
            self.assertGreaterEqual(tried[0]["took_ms"], 2500, tried)
            self.assertEqual(tried[0]["status"], 0)
            # Stopping does not wait for the receiver that never answers.
            t0 = time.monotonic()
            self.assertEqual(cloud.stop(), 0)
            self.assertLess(time.monotonic() - t0, 5)
        hole.close()

    def test_pending_delivery_survives_a_restart(self):
        port = free_port()
        url = "http://127.0.0.1:%d/hook" % port
        with Cloud(extra_args=["--webhook-retry-base", "3"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            hook, secret = add_hook(cloud, url, "machine.online")
            m = FakeMachine(cloud, SERIAL, PW)
            wait_for(lambda: (lambda d: d and d[0]["attempts"])(
                deliveries(self, cloud, hook)), what="a refused attempt")
            m.close()
            cloud.stop()
            rx = Receiver(port=port)
            cloud.start()
            _, hdr, body = rx.wait(1, timeout=30)[0]
            self.assertEqual(verify(self, secret, hdr, body)["event"],
                             "machine.online")
            d = wait_for(lambda: (lambda d: d if d[0]["state"] == "delivered"
                                  else None)(deliveries(self, cloud, hook)),
                         what="delivered")
            self.assertEqual([t["status"] for t in d[0]["attempts"]], [0, 200])
            rx.close()

    def test_checks_and_removal(self):
        with Cloud() as cloud:
            for url, events in (("ftp://x/", "job.failed"),
                                ("http://", "job.failed"),
                                ("http://x/ y", "job.failed"),
                                ("http://x/", "job.exploded"),
                                ("http://x/", "")):
                p = cloud.cli("webhook", "add", url, "--events", events,
                              check=False)
                self.assertEqual(p.returncode, 2, (url, events, p.stderr))
                st, body = cloud.api("POST", "/api/v1/webhooks",
                                     body={"url": url,
                                           "events": events.split(",")})
                self.assertEqual((st, body["code"]), (400, "bad_field"), body)
            st, body = cloud.api("POST", "/api/v1/webhooks", body=[1])
            self.assertEqual(st, 400)
            p = cloud.cli("webhook", "add", "http://x/", check=False)
            self.assertEqual(p.returncode, 2)
            hook, _ = add_hook(cloud, "http://127.0.0.1:9/",
                               "job.failed,job.failed,job.cancelled")
            self.assertIn("events=job.failed,job.cancelled",
                          cloud.cli("webhook", "list").stdout)
            self.assertEqual(cloud.api("DELETE", "/api/v1/webhooks/999")[0],
                             404)
            self.assertEqual(
                cloud.api("GET", "/api/v1/webhooks/999/deliveries")[0], 404)
            self.assertEqual(cloud.api("PUT", "/api/v1/webhooks")[0], 405)
            st, _, _ = cloud.http("GET", "/api/v1/webhooks")
            self.assertEqual(st, 401)
            st, body = cloud.api("DELETE", "/api/v1/webhooks/%d" % hook)
            self.assertEqual((st, body), (200, {"removed": hook}))
            self.assertEqual(cloud.cli("webhook", "list").stdout, "")
            p = cloud.cli("webhook", "remove", str(hook), check=False)
            self.assertEqual(p.returncode, 1)
            st, audit = cloud.api("GET", "/api/v1/audit")
            whats = [a["what"] for a in audit["audit"]]
            self.assertIn("webhook.add", whats)
            self.assertIn("webhook.remove", whats)


if __name__ == "__main__":
    unittest.main(verbosity=2)

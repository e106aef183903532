"""gfcloud's blocking work runs on the worker pool, not the event loop
(DESIGN.md): camera image uploads, job file uploads and the copy of a job
locked to a machine's serial (PROTOCOL.md §19).

The service is started with GFCLOUD_TEST_WORKER_GATE pointing at a file that
does not exist yet: workers hold every job until it appears. While uploads
are held, the loop must go on serving sign-ins, the API and the machine's
WebSocket, and the held requests must stay unanswered; once the gate opens
they are answered and what they stored is there. No timing is asserted:
the gate, not the clock, decides the order."""

import json
import os
import select
import socket
import sys
import tempfile
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, FakeMachine, fixture, wait_for  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042
JOB = fixture("puls", "1234567890-nooptions-xxxxx.puls")
MAX_JOBS = 32  # ingest.c


def raw_request(port, method, path, body, headers):
    """Send a whole request on a fresh socket; the socket, for the answer."""
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n" % (
        method, path, len(body))
    for k, v in headers.items():
        head += "%s: %s\r\n" % (k, v)
    s.sendall(head.encode() + b"\r\n" + body)
    return s


def answered(sock):
    """Whether the service has written anything on `sock` yet."""
    return bool(select.select([sock], [], [], 0.2)[0])


def read_answer(sock):
    """(status, JSON body) of the answer on `sock`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    sock.close()
    return status, json.loads(body) if body else None


class Workers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gate_dir = tempfile.mkdtemp(prefix="gfcloud-gate-")
        cls.gate = os.path.join(cls.gate_dir, "open")
        os.environ["GFCLOUD_TEST_WORKER_GATE"] = cls.gate
        try:
            cls.cloud = Cloud(extra_args=["--log-level", "debug"])
        finally:
            del os.environ["GFCLOUD_TEST_WORKER_GATE"]
        cls.cloud.add_machine(SERIAL, PW)
        # The hunt file was stored at start-up, before the loop: no worker.
        cls.m = FakeMachine(cls.cloud, SERIAL, PW)
        cls.m.handshake(home=True)  # a known position, for the motion

    @classmethod
    def tearDownClass(cls):
        cls.open_gate()
        cls.m.close()
        cls.cloud.close()
        if os.path.exists(cls.gate):
            os.unlink(cls.gate)
        os.rmdir(cls.gate_dir)

    @classmethod
    def open_gate(cls):
        with open(cls.gate, "w"):
            pass

    def close_gate(self):
        if os.path.exists(self.gate):
            os.unlink(self.gate)

    def queued(self):
        return self.cloud.log_text().count("worker job queued")

    def wait_queued(self, n):
        wait_for(lambda: self.queued() >= n, what="%d worker jobs" % n)

    def assert_loop_serves(self):
        """Sign-in, the API and the machine's WebSocket all still work."""
        self.assertEqual(self.cloud.api("GET", "/api/v1/machines")[0], 200)
        self.assertIn("auth_token", self.cloud.sign_in(SERIAL, PW))
        self.m.log("while a worker holds an upload")
        wait_for(lambda: any(
            "while a worker" in (row.get("text") or row.get("log") or "")
            for row in self.cloud.api(
                "GET", "/api/v1/machines/S%d/logs" % SERIAL)[1]["logs"]),
            what="the machine's log line")

    def held_request(self, method, path, body, headers, why):
        """Send a request with the gate closed: it must reach a worker and
        stay unanswered while the loop serves others; then open the gate
        and return its (status, JSON body)."""
        self.close_gate()
        before = self.queued()
        sock = raw_request(self.cloud.port, method, path, body, headers)
        self.wait_queued(before + 1)
        self.assert_loop_serves()
        self.assertFalse(answered(sock), why)
        self.open_gate()
        return read_answer(sock)

    def test_image_upload_stored_on_a_worker(self):
        aid = self.cloud.send_action(SERIAL, "lid_image")
        a = self.m.expect_action("lid_image")
        url = urllib.parse.urlsplit(a["endpoint"])
        with open(fixture("img", "HOME_1.jpg"), "rb") as f:
            jpeg = f.read()
        status, body = self.held_request(
            "PUT", url.path + "?" + url.query, jpeg,
            {"Content-Type": "image/jpeg"},
            "answered before the blob is durable")
        self.assertEqual(status, 200, body)
        self.assertEqual(body["size"], len(jpeg))
        status, _, data = self.cloud.http(
            "GET", "/api/v1/machines/S%d/images/lid_image/latest" % SERIAL,
            token=self.cloud.api_key)
        self.assertEqual(status, 200)
        self.assertEqual(data, jpeg)
        self.m.event(aid, "lid_image:completed")
        self.cloud.wait_action_state(aid, "completed")

    def test_locked_copy_made_on_a_worker(self):
        self.open_gate()
        status, info = self.cloud.upload_file(JOB)
        self.assertEqual(status, 201, info)
        body = json.dumps({"action_type": "motion",
                           "file": info["id"]}).encode()
        status, resp = self.held_request(
            "POST", "/api/v1/machines/S%d/actions" % SERIAL, body,
            {"Content-Type": "application/json",
             "Authorization": "Bearer " + self.cloud.api_key},
            "action accepted before its copy")
        self.assertEqual(status, 201, resp)
        self.m.expect_action("motion")
        self.m.event(resp["id"], "motion:completed")
        self.cloud.wait_action_state(resp["id"], "completed")

    def test_pool_is_bounded(self):
        # Job file uploads held on the gate fill the pool; one more is
        # refused with 503 at once, and the held ones all complete.
        self.close_gate()
        with open(JOB, "rb") as f:
            job = f.read()
        headers = {"Content-Type": "application/octet-stream",
                   "Authorization": "Bearer " + self.cloud.api_key}
        before = self.queued()
        socks = []
        try:
            for _ in range(MAX_JOBS):
                socks.append(raw_request(self.cloud.port, "POST",
                                         "/api/v1/files", job, headers))
            self.wait_queued(before + MAX_JOBS)
            status, resp = self.cloud.upload_file(job)
            self.assertEqual(status, 503, resp)
            self.assertEqual(resp["code"], "busy")
            self.assert_loop_serves()
            self.open_gate()
            for s in socks:
                status, resp = read_answer(s)
                self.assertEqual(status, 201, resp)
            socks = []
            self.assertEqual(self.cloud.upload_file(job)[0], 201)
        finally:
            for s in socks:
                s.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""gfcloud under bad input: every case gets a clear error and the next
request is served (issue 3, "Bad input never takes the service down").

WebSocket: malformed JSON, non-objects, unknown message types, binary
frames, CRLF-separated objects, oversize messages (close 1009). HTTP: wrong
methods, path traversal, huge headers, garbage request lines, oversize and
malformed bodies, bad bearer tokens."""

import json
import os
import sys
import unittest

import websocket

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import (Cloud, FakeMachine, raw_exchange,  # noqa: E402
                       wait_for)

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud(extra_args=["--max-frame", "65536",
                                      "--max-json-body", "4096"])
        cls.cloud.add_machine(SERIAL, PW)

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def assert_alive(self):
        status, body = self.cloud.api("GET", "/api/v1/machines")
        self.assertEqual(status, 200)
        self.assertTrue(self.cloud.alive())

    def raw(self, data, timeout=10):
        """Send raw bytes; return the service's first JSON answer (or all
        it sent before closing)."""
        return raw_exchange(self.cloud.port, data, timeout, done=lambda out:
                            b"\r\n\r\n" in out and b"}" in out)

    def status_of(self, response):
        if not response.startswith(b"HTTP/1.1 "):
            return None
        return int(response[9:12])

    def test_ws_bad_messages_are_skipped(self):
        m = FakeMachine(self.cloud, SERIAL, PW)
        a = m.expect_action("settings")
        good = {"id": 40, "timestamp": 1, "type": "event", "version": 1,
                "level": "INFO", "action_id": a["id"],
                "event": "settings:completed", "settings": {}}
        log = {"id": 41, "timestamp": 2, "type": "log", "version": 1,
               "log": "after junk", "level": "INFO"}
        frame = "\n".join(["{not json", "[1,2]", "42", '"str"',
                           '{"type":"bogus","id":1}', '{"type":"event"}',
                           json.dumps(log), "   ", json.dumps(good)])
        m.ws.send(frame + "\r\n")
        self.cloud.wait_action_state(a["id"], "completed")
        m.homing_hunt()  # the report started homing (§17)
        # A binary frame holding CRLF-separated objects is read as well.
        log2 = dict(log, id=42, log="from binary")
        log3 = dict(log, id=43, log="second line")
        m.ws.send_binary((json.dumps(log2) + "\r\n" + json.dumps(log3) +
                          "\r\n").encode())

        def logs():
            s, b = self.cloud.api("GET", "/api/v1/machines/S%d/logs" % SERIAL)
            texts = [x["log"] for x in b["logs"]]
            return "second line" in texts and texts
        texts = wait_for(logs, what="logs")
        self.assertIn("after junk", texts)
        self.assertIn("from binary", texts)
        st = self.cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)[1]
        self.assertGreaterEqual(st["malformed_messages"], 6)
        self.assertTrue(st["online"])
        # Unknown action_id and unsolicited events do not disturb anything.
        m.event(999999, "print:completed")
        m.event(None, "lid:opened")
        aid = self.cloud.send_action(SERIAL, "update_check")
        m.expect_action("update_check")
        m.event(aid, "update_check:completed")
        self.cloud.wait_action_state(aid, "completed")
        m.close()
        self.assert_alive()

    def test_event_for_another_machines_action(self):
        self.cloud.add_machine(10000077, PW)
        theirs = self.cloud.send_action(10000077, "update_check")  # offline
        m = FakeMachine(self.cloud, SERIAL, PW)
        m.handshake()
        m.event(theirs, "update_check:completed")
        mine = self.cloud.send_action(SERIAL, "update_check")
        m.expect_action("update_check")
        m.event(mine, "update_check:completed")
        self.cloud.wait_action_state(mine, "completed")
        rec = self.cloud.action(theirs)
        self.assertEqual(rec["state"], "queued")
        self.assertEqual(rec["events"], [])
        m.close()

    def test_ws_oversize_message_closes_1009(self):
        m = FakeMachine(self.cloud, SERIAL, PW)
        m.expect_action("settings")
        m.ws.send("x" * 70000)
        m.ws.settimeout(10)
        while True:
            opcode, data = m.ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_CLOSE:
                break
        self.assertEqual(int.from_bytes(data[:2], "big"), 1009)
        m.close()
        # The machine can come back.
        m = FakeMachine(self.cloud, SERIAL, PW)
        m.expect_action("settings")
        m.close()
        self.assert_alive()

    def test_wrong_methods(self):
        for method, path in [("DELETE", "/machines/sign_in"),
                             ("PUT", "/api/v1/machines"),
                             ("DELETE", "/api/v1/actions/1"),
                             ("GET", "/api/v1/actions/1/cancel"),
                             ("POST", "/update/current"),
                             ("GET", "/upload/1"),
                             ("PUT", "/jobs/1.puls")]:
            status, _, data = self.cloud.http(method, path,
                                              token=self.cloud.api_key)
            self.assertIn(status, (400, 401, 404, 405), (method, path))
            self.assertIn(b'"code"', data)
        self.assert_alive()

    def test_path_traversal(self):
        for path in ["/jobs/../gfcloud.db", "/jobs/..%2fgfcloud.db",
                     "/%2e%2e/%2e%2e/etc/passwd", "/api/v1/../../server.key",
                     "/api/v1/machines/S10000042/images/../../../x/latest",
                     "/blobs/tmp", "//etc/passwd", "/jobs/%00.puls",
                     "/upload/1%2f..%2f..?exp=1&sig=x"]:
            resp = self.raw(("GET %s HTTP/1.1\r\nHost: x\r\n"
                             "Authorization: Bearer %s\r\n"
                             "Connection: close\r\n\r\n"
                             % (path, self.cloud.api_key)).encode())
            status = self.status_of(resp)
            self.assertIn(status, (400, 401, 403, 404, 405), (path, resp))
            self.assertNotIn(b"SQLite", resp)
            self.assertNotIn(b"root:", resp)
        self.assert_alive()

    def test_huge_headers(self):
        resp = self.raw(b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\n"
                        b"X-Big: " + b"a" * 100000 + b"\r\n\r\n")
        self.assertNotEqual(self.status_of(resp), 200)
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(5000))
        resp = self.raw(b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\n" +
                        many + b"\r\n")
        self.assertNotEqual(self.status_of(resp), 200)
        self.assert_alive()

    def test_garbage_requests(self):
        for junk in [b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" * 20,
                     b"HELLO\r\n\r\n", b"GET\r\n\r\n",
                     b"GET / HTTP/9.9\r\n\r\n",
                     b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: -5\r\n\r\n",
                     b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                     b"Content-Length: 99999999999999999999\r\n\r\n"]:
            self.raw(junk, timeout=5)
            self.assert_alive()

    def test_bodies(self):
        # Declared too large: refused before the body is read.
        resp = self.raw(b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Type: application/json\r\n"
                        b"Content-Length: 1000000000\r\n\r\n")
        self.assertEqual(self.status_of(resp), 413)
        # Sent too large.
        status, _, data = self.cloud.http(
            "POST", "/machines/sign_in", body="x" * 50000,
            headers={"Content-Type": "application/json"})
        self.assertEqual(status, 413)
        self.assertEqual(json.loads(data)["code"], "too_large")
        # Malformed JSON to the API.
        for body in ["{", "[]", "null", '{"action_type": 5}',
                     '{"action_type": "settings", "settings": "x"' + "}" * 3]:
            status, resp = self.cloud.api(
                "POST", "/api/v1/machines/S%d/actions" % SERIAL, body=body,
                headers={"Content-Type": "application/json"})
            self.assertEqual(status, 400, body)
            self.assertIn("code", resp)
        self.assert_alive()

    def test_bad_bearer(self):
        for tok in ["", "x", "a.b.c", "1.2." + "0" * 64,
                    "%s.%s" % ("9" * 30, "f" * 64), "Basic abc"]:
            status, _, data = self.cloud.http(
                "GET", "/api/v1/machines",
                headers={"Authorization": "Bearer " + tok})
            self.assertEqual(status, 401)
            status, _, data = self.cloud.http(
                "GET", "/update/current",
                headers={"Authorization": "Bearer " + tok})
            self.assertEqual(status, 401)
        self.assert_alive()


if __name__ == "__main__":
    unittest.main(verbosity=2)

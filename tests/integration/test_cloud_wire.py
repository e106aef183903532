"""gfcloud against hostile bytes on the wire (issue 8, "Found on the wire").

Each case here was a defect on the real binary: a crash from an empty
sign-in body, a pipelined request that pinned the CPU for good, request
smuggling shapes, media types compared by case, header and NUL answers, a
bad ?limit= taken for a wrong method, log lines forged by a machine. The
service must answer each with a clear error, never crash or spin, keep
serving everyone else, and keep its log clean of client bytes and secrets.
"""

import gzip
import json
import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import websocket  # noqa: E402

from gfharness import (Cloud, FakeMachine, fixture,  # noqa: E402
                       raw_exchange, wait_for)

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Wire(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud()
        cls.cloud.add_machine(SERIAL, PW)
        cls.key = cls.cloud.api_key

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def raw(self, data, timeout=5):
        """Send bytes on one connection; everything until it closes."""
        return raw_exchange(self.cloud.port, data, timeout)

    def responses(self, data):
        """Split what came back into (status, JSON body) answers."""
        out = []
        for part in data.split(b"HTTP/1.1 ")[1:]:
            head, _, body = part.partition(b"\r\n\r\n")
            try:
                doc = json.loads(body)
            except ValueError:
                doc = None
            out.append((int(head[:3]), doc))
        return out

    def assert_serving(self):
        """Served at once and not spinning: a request is answered and the
        process uses little CPU while idle."""
        status, _ = self.cloud.api("GET", "/api/v1/machines")
        self.assertEqual(status, 200)
        before = cpu_seconds(self.cloud.proc.pid)
        time.sleep(1.0)
        used = cpu_seconds(self.cloud.proc.pid) - before
        self.assertLess(used, 0.5, "gfcloud is spinning while idle")

    def auth(self):
        return b"Authorization: Bearer " + self.key.encode() + b"\r\n"

    # -- 1: zero-length bodies ------------------------------------------
    def test_empty_bodies_get_answers(self):
        a = self.auth()
        cases = [
            (b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
             b"Content-Length: 0\r\n\r\n", 400, "missing_field"),
            (b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n\r\n",
             400, "missing_field"),
            (b"POST /api/v1/machines/S10000042/actions HTTP/1.1\r\nHost: x"
             b"\r\n" + a + b"Content-Length: 0\r\n\r\n", 400, "bad_json"),
            (b"POST /api/v1/files HTTP/1.1\r\nHost: x\r\n" + a +
             b"Content-Length: 0\r\n\r\n", 422, "puls_empty"),
        ]
        for req, status, code in cases:
            got = self.responses(self.raw(req))
            self.assertEqual(len(got), 1, req)
            self.assertEqual(got[0][0], status, req)
            self.assertEqual(got[0][1]["code"], code, req)
        self.assertTrue(self.cloud.alive())
        self.assert_serving()

    # -- 2: pipelining --------------------------------------------------
    def test_pipelined_requests_do_not_hang(self):
        sign = (b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/json\r\n"
                b"Content-Length: 2\r\n\r\n{}")
        get_api = (b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\n" +
                   self.auth() + b"\r\n")
        post_api = (b"POST /api/v1/machines/S10000042/actions HTTP/1.1\r\n"
                    b"Host: x\r\n" + self.auth() +
                    b"Content-Length: 2\r\n\r\n{}")
        for first, second in [(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", sign),
                              (sign, sign), (get_api, post_api)]:
            got = self.responses(self.raw(first + second))
            # The first is answered; the connection then closes (one
            # request per connection) and the second is never misread.
            self.assertGreaterEqual(len(got), 1)
            self.assertIn(got[0][0], (200, 400, 404))
            self.assert_serving()

    def test_next_request_after_reading_headers_only(self):
        s = socket.create_connection(("127.0.0.1", self.cloud.port),
                                     timeout=5)
        try:
            s.sendall(b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\n" +
                      self.auth() + b"\r\n")
            head = s.recv(20)
            self.assertTrue(head.startswith(b"HTTP/1.1 200"))
            try:
                s.sendall(b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Length: 2\r\n\r\n{}")
            except OSError:
                pass  # closed already: fine
        finally:
            s.close()
        self.assert_serving()

    # -- 6: smuggling shapes ----------------------------------------------
    def test_transfer_encoding_with_length_is_refused_and_closed(self):
        smuggled = (b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\n" +
                    self.auth() + b"\r\n")
        req = (b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"0\r\n\r\n" + smuggled)
        got = self.responses(self.raw(req))
        self.assertEqual([g[0] for g in got], [400])
        self.assertEqual(got[0][1]["code"], "bad_request")
        self.assert_serving()

    def test_two_content_lengths_are_refused_and_closed(self):
        smuggled = (b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\n" +
                    self.auth() + b"\r\n")
        body = smuggled + b"x" * (40 - len(smuggled) % 40)
        req = (b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
               b"Content-Length: 2\r\nContent-Length: %d\r\n\r\n"
               % len(body)) + body
        got = self.responses(self.raw(req))
        self.assertEqual([g[0] for g in got], [400])
        self.assertEqual(got[0][1]["code"], "bad_request")
        self.assert_serving()

    def test_chunked_get_is_not_read_as_a_request(self):
        inner = (b"GET /api/v1/machines HTTP/1.1\r\nHost: y\r\n" +
                 self.auth() + b"\r\n")
        req = (b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\n" + self.auth() +
               b"Transfer-Encoding: chunked\r\n\r\n" +
               b"%x\r\n" % len(inner) + inner + b"\r\n0\r\n\r\n")
        got = self.responses(self.raw(req))
        self.assertEqual([g[0] for g in got], [411])
        self.assertEqual(got[0][1]["code"], "length_required")
        self.assert_serving()

    # -- 10: media types, 431, %00 ----------------------------------------
    def test_media_types_ignore_case(self):
        for ctype in ["APPLICATION/JSON", "Application/Json; charset=UTF-8"]:
            status, _, data = self.cloud.http(
                "POST", "/machines/sign_in",
                body=json.dumps({"serial": "S%d" % SERIAL, "password": PW}),
                headers={"Content-Type": ctype})
            self.assertEqual(status, 200, (ctype, data))
            self.assertIn("auth_token", json.loads(data))

    def test_oversize_headers_get_431(self):
        for name in [b"Cookie", b"User-Agent"]:
            got = self.responses(self.raw(
                b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\n" + name +
                b": " + b"a" * 9000 + b"\r\n\r\n"))
            self.assertEqual(got[0][0], 431, name)
            self.assertEqual(got[0][1]["code"], "headers_too_large")
        self.assert_serving()

    def test_nul_in_path_gets_400(self):
        # lws decodes %00 after a '/' into a NUL, which cut the path short
        # (GET /jobs/%00.puls was "no such job"). lws itself drops the
        # connection for a %00 after other characters.
        for path in [b"/jobs/%00.puls", b"/api/v1/actions/%001",
                     b"/update/%00current"]:
            got = self.responses(self.raw(
                b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n" + self.auth() +
                b"\r\n"))
            self.assertEqual(got[0][0], 400, path)
            self.assertEqual(got[0][1]["code"], "bad_path", path)
        self.assert_serving()

    # -- 8: bad_query -----------------------------------------------------
    def test_bad_limit_is_bad_query(self):
        for v in ["abc", "-1", "1e999", ""]:
            status, body = self.cloud.api(
                "GET", "/api/v1/machines/S%d/actions?limit=%s" % (SERIAL, v))
            self.assertEqual(status, 400, v)
            self.assertEqual(body["code"], "bad_query", v)
        status, body = self.cloud.api(
            "GET", "/api/v1/machines/S%d/actions?limit=5" % SERIAL)
        self.assertEqual(status, 200)

    # -- 5: nothing from a client in the log unescaped; no secrets ----------
    def test_log_keeps_client_bytes_out(self):
        m = FakeMachine(self.cloud, SERIAL, PW)
        m.expect_action("settings")
        forged = "x\n2026-01-01T00:00:00Z gfcloud ERROR forged\x1b[31m"
        m.event(999999, forged)  # not its action: logged at WARN
        m.send({"id": 77, "type": "bogus\nERROR forged\x1b]0;t\x07",
                "version": 1})
        m.ws.send('{"id": 78, "type": "log", "log": "MARKER-IN-JSON", ')
        m.ws.send('{"type":"event","id":79,"event":"CONTENT-MARK",'
                  '"action_id":"not a number"}')
        wait_for(lambda: self.cloud.api(
            "GET", "/api/v1/machines/S%d" % SERIAL)[1]
            ["malformed_messages"] >= 3, what="malformed messages counted")
        tokens = m.tokens
        m.close()
        # A failed sign-in, a bad bearer and an API call: nothing secret.
        self.cloud.sign_in_raw(SERIAL, "ff" * 32)
        self.cloud.http("GET", "/update/current", token=tokens["auth_token"])
        self.cloud.api("GET", "/api/v1/machines")

        def logged():
            text = self.cloud.log_text()
            return "event x" in text and text
        text = wait_for(logged, what="the forged event in the log")
        for line in text.splitlines():
            self.assertFalse(line.startswith("2026-01-01"), line)
            self.assertNotIn("\x1b", line)
            self.assertNotIn("\x07", line)
        self.assertIn("\\x0a", text)  # the newline, escaped
        self.assertNotIn("MARKER-IN-JSON", text)
        self.assertNotIn("CONTENT-MARK", text)
        for secret in [PW, tokens["ws_token"], tokens["auth_token"],
                       self.key, "ff" * 32]:
            self.assertNotIn(secret, text)


class Registration(unittest.TestCase):
    """4: tokens belong to one registration of a machine."""

    def test_old_tokens_die_with_the_registration(self):
        job = fixture("puls", "1234567890-nooptions-xxxxx.puls")
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            old = cloud.sign_in(SERIAL, PW)
            status, _, _ = cloud.http("GET", "/update/current",
                                      token=old["auth_token"])
            self.assertEqual(status, 200)
            cloud.cli("machine", "remove", "--serial", str(SERIAL))
            cloud.add_machine(SERIAL, PW)  # same serial, same password
            status, info = cloud.upload_file(job)
            self.assertEqual(status, 201)
            # A hunt: allowed before the machine is homed, unlike a motion.
            aid = cloud.send_action(SERIAL, "hunt", file=info["id"])
            for path in ["/update/current", "/jobs/%d.puls" % aid]:
                status, _, data = cloud.http("GET", path,
                                             token=old["auth_token"])
                self.assertEqual(status, 401, (path, data))
            with self.assertRaises(websocket.WebSocketBadStatusException):
                cloud.connect(old["ws_token"])
            # The new registration's tokens work.
            new = cloud.sign_in(SERIAL, PW)
            status, _, data = cloud.http("GET", "/jobs/%d.puls" % aid,
                                         token=new["auth_token"])
            self.assertEqual(status, 200)
            self.assertGreater(len(data), 0)
            ws = cloud.connect(new["ws_token"])
            ws.close()


def sign_in_from(port, source, serial, password):
    """A sign-in sent from loopback address `source`; the status."""
    body = json.dumps({"serial": "S%d" % serial, "password": password})
    s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                 source_address=(source, 0))
    try:
        s.sendall(("POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: %d\r\n\r\n%s" % (len(body), body))
                  .encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return int(data[9:12])
    finally:
        s.close()


class Throttle(unittest.TestCase):
    """9: the sign-in throttle holds under churn and never locks out the
    machine that proves its password."""

    def test_churn_and_lockout(self):
        with Cloud(extra_args=["--throttle-max", "3",
                               "--throttle-address-max", "50"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            port = cloud.port
            bad = "ee" * 32
            for _ in range(3):
                self.assertEqual(sign_in_from(port, "127.0.0.2", SERIAL, bad),
                                 401)
            self.assertEqual(sign_in_from(port, "127.0.0.3", SERIAL, bad),
                             429)
            # Failed sign-ins on 4200 other serials from 105 addresses (40
            # each, under their limit) used to flush the table.
            for i in range(4200):
                src = "127.0.%d.%d" % (1 + i // 40 // 250, 10 + i // 40 % 250)
                self.assertEqual(
                    sign_in_from(port, src, 20000000 + i, bad), 401)
            self.assertEqual(sign_in_from(port, "127.0.9.9", SERIAL, bad),
                             429)
            # Locked out by others, the machine still gets in.
            self.assertEqual(sign_in_from(port, "127.0.0.5", SERIAL, PW), 200)
            status, obj = cloud.sign_in_raw(SERIAL, PW)
            self.assertEqual(status, 200)
            # An address over its own limit is refused, right password or
            # not.
            for i in range(50):
                sign_in_from(port, "127.0.8.8", 30000000 + i, bad)
            self.assertEqual(sign_in_from(port, "127.0.8.8", SERIAL, PW), 429)


class Inflated(unittest.TestCase):
    """11: what a job inflates to is capped (max-inflated), at upload and
    when the copy locked to a machine is made."""

    def test_inflated_cap(self):
        with open(fixture("puls", "1234567890-nooptions-xxxxx.puls"),
                  "rb") as f:
            plain = f.read()
        packed = gzip.compress(plain)
        with Cloud(extra_args=["--max-inflated", "10000"]) as cloud:
            status, body = cloud.upload_file(packed)
            self.assertEqual(status, 422, body)
            self.assertEqual(body["code"], "inflated_too_large")
            self.assertTrue(cloud.alive())
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            status, info = cloud.upload_file(packed)
            self.assertEqual(status, 201, info)
            cloud.stop()
            cloud.extra_args += ["--max-inflated", "10000"]
            cloud.start()
            status, body = cloud.api(
                "POST", "/api/v1/machines/S%d/actions" % SERIAL,
                body={"action_type": "motion", "file": info["id"]})
            self.assertEqual(status, 422, body)
            self.assertEqual(body["code"], "inflated_too_large")
            status, body = cloud.api(
                "GET", "/api/v1/machines/S%d/actions" % SERIAL)
            self.assertEqual(body["actions"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)

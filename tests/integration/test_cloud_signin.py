"""gfcloud sign-in, tokens and the WebSocket upgrade (PROTOCOL.md §2-§4, §14).

Starts the real gfcloud, signs in over real HTTP in both encodings, and
checks the token rules: ws_token single use and expiry, auth_token expiry,
401/400/429 answers, subprotocol required, one session per machine."""

import http.client
import json
import os
import sys
import time
import unittest

import websocket

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, FakeMachine, wait_for  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


class SignIn(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud(extra_args=["--throttle-max", "3",
                                      "--throttle-address-max", "1000",
                                      "--firmware-version", "2.6.0-2228",
                                      "--firmware-url", "http://fw.example/x"])
        cls.cloud.add_machine(10000042, PW)

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def test_json_exact_factory_body(self):
        # The factory's body: a space after ':' and ',' (Content-Length 103).
        body = '{"serial": "S10000042", "password": "%s"}' % PW
        self.assertEqual(len(body), 103)
        status, headers, data = self.cloud.http(
            "POST", "/machines/sign_in", body=body,
            headers={"Content-Type": "application/json", "Accept": "*/*"})
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        obj = json.loads(data)
        self.assertEqual(sorted(obj), ["auth_token", "ws_token"])
        self.assertEqual(int(headers["content-length"]), len(data))

    def test_form_and_serial_without_s(self):
        for form in (False, True):
            for prefix in ("S", ""):
                status, obj = self.cloud.sign_in_raw(10000042, PW, form=form,
                                                     prefix=prefix)
                self.assertEqual(status, 200, (form, prefix, obj))
                self.assertEqual(sorted(obj), ["auth_token", "ws_token"])

    def test_uppercase_password_accepted(self):
        status, _ = self.cloud.sign_in_raw(10000042, PW.upper())
        self.assertEqual(status, 200)

    def test_bad_password_is_401_json(self):
        self.cloud.add_machine(10000050, PW)
        status, obj = self.cloud.sign_in_raw(10000050, "ff" * 32)
        self.assertEqual(status, 401)
        self.assertEqual(obj["error"], "invalid_credentials")
        self.assertEqual(obj["code"], "invalid_credentials")
        status, obj = self.cloud.sign_in_raw(99999999, PW)
        self.assertEqual(status, 401)
        for serial in ("9" * 25, "9" * 19, "12ab", "-5", "0"):
            status, obj = self.cloud.sign_in_raw(serial, PW, prefix="")
            self.assertEqual(status, 401, serial)
        self.cloud.sign_in(10000050, PW)  # good one still works

    def test_missing_field_is_400(self):
        status, _, data = self.cloud.http(
            "POST", "/machines/sign_in", body={"serial": "S10000042"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(data)["code"], "missing_field")
        status, _, data = self.cloud.http(
            "POST", "/machines/sign_in", body="{not json",
            headers={"Content-Type": "application/json"})
        self.assertEqual(status, 400)

    def test_throttle_per_serial(self):
        self.cloud.add_machine(10000060, PW)
        for _ in range(3):
            status, _ = self.cloud.sign_in_raw(10000060, "00" * 32)
            self.assertEqual(status, 401)
        status, obj = self.cloud.sign_in_raw(10000060, "11" * 32)
        self.assertEqual(status, 429)
        self.assertEqual(obj["code"], "throttled")
        # The machine that proves its password is never locked out.
        status, obj = self.cloud.sign_in_raw(10000060, PW)
        self.assertEqual(status, 200)
        self.assertIn("auth_token", obj)

    def test_wrong_method(self):
        status, _, data = self.cloud.http("GET", "/machines/sign_in")
        self.assertEqual(status, 405)
        self.assertEqual(json.loads(data)["code"], "method_not_allowed")

    def test_status_port_serves_the_websocket_only(self):
        if self.cloud.status_port == self.cloud.port:
            self.skipTest("no status-listen (cloud_signin_status has one)")
        for path in ("/api/v1/machines", "/machines/sign_in", "/"):
            conn = http.client.HTTPConnection("127.0.0.1",
                                              self.cloud.status_port,
                                              timeout=10)
            conn.request("GET", path)
            resp = conn.getresponse()
            body = json.loads(resp.read())
            conn.close()
            self.assertEqual(resp.status, 404, path)
            self.assertIn("status WebSocket only", body["error"])
        # ... and the sessions are there.
        ws = self.cloud.connect(self.cloud.sign_in(10000042, PW)["ws_token"])
        self.assertEqual(ws.getsubprotocol(), "glowforge")
        ws.close()
        self.assertNotIn("although status-listen", self.cloud.log_text())
        # A machine still on the listen port is served, and the operator
        # told (once) that its status URL is not the status port.
        for _ in range(2):
            tok = self.cloud.sign_in(10000042, PW)["ws_token"]
            ws = websocket.create_connection(
                "ws://127.0.0.1:%d/%s" % (self.cloud.port, tok),
                subprotocols=["glowforge"], timeout=10)
            ws.close()
        wait_for(lambda: "although status-listen" in self.cloud.log_text(),
                 what="the warning")
        self.assertEqual(
            self.cloud.log_text().count("although status-listen"), 1)

    def test_ws_token_single_use(self):
        t = self.cloud.sign_in(10000042, PW)
        ws = self.cloud.connect(t["ws_token"])
        with self.assertRaises(websocket.WebSocketBadStatusException) as cm:
            self.cloud.connect(t["ws_token"])
        self.assertEqual(cm.exception.status_code, 401)
        ws.close()

    def test_unknown_token_and_subprotocol(self):
        with self.assertRaises(websocket.WebSocketBadStatusException) as cm:
            self.cloud.connect("0" * 64)
        self.assertEqual(cm.exception.status_code, 401)
        t = self.cloud.sign_in(10000042, PW)
        with self.assertRaises(websocket.WebSocketBadStatusException) as cm:
            self.cloud.connect(t["ws_token"], subprotocols=None)
        self.assertEqual(cm.exception.status_code, 400)
        # The refused attempt did not use the token up.
        ws = self.cloud.connect(t["ws_token"])
        self.assertEqual(ws.getsubprotocol(), "glowforge")
        ws.close()

    def test_update_current(self):
        t = self.cloud.sign_in(10000042, PW)
        status, _, data = self.cloud.http("GET", "/update/current",
                                          token=t["auth_token"])
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(data), {"version": "2.6.0-2228",
                                            "download_url": "http://fw.example/x"})
        status, _, data = self.cloud.http("GET", "/update/current")
        self.assertEqual(status, 401)
        status, _, _ = self.cloud.http("GET", "/update/current",
                                       token="10000042.99999999999.abc")
        self.assertEqual(status, 401)
        forged = t["auth_token"][:-4] + "0000"
        status, _, _ = self.cloud.http("GET", "/update/current", token=forged)
        self.assertEqual(status, 401)

    def test_one_session_per_machine(self):
        a = FakeMachine(self.cloud, 10000042, PW)
        a.handshake()
        b = FakeMachine(self.cloud, 10000042, PW)
        b.handshake()
        # The older socket is closed by the service (code 4000).
        a.ws.settimeout(10)
        opcode, data = a.ws.recv_data(control_frame=True)
        self.assertEqual(opcode, websocket.ABNF.OPCODE_CLOSE)
        self.assertEqual(int.from_bytes(data[:2], "big"), 4000)
        b.close()

    def test_removed_machine_loses_access(self):
        self.cloud.add_machine(10000070, PW)
        t = self.cloud.sign_in(10000070, PW)
        self.cloud.cli("machine", "remove", "--serial", "10000070")
        status, _, _ = self.cloud.http("GET", "/update/current",
                                       token=t["auth_token"])
        self.assertEqual(status, 401)
        status, _ = self.cloud.sign_in_raw(10000070, PW)
        self.assertEqual(status, 401)

    def test_ws_token_from_before_a_remove_is_refused(self):
        """The upgrade checks the registration the token was issued for:
        gone, or replaced by a new one (remove, then add again)."""
        self.cloud.add_machine(10000071, PW)
        t = self.cloud.sign_in(10000071, PW)
        self.cloud.cli("machine", "remove", "--serial", "10000071")
        with self.assertRaises(websocket.WebSocketBadStatusException) as cm:
            self.cloud.connect(t["ws_token"])
        self.assertEqual(cm.exception.status_code, 401)
        t = self.cloud.sign_in_raw(10000071, PW)
        self.assertEqual(t[0], 401)
        self.cloud.add_machine(10000071, PW)
        old = self.cloud.sign_in(10000071, PW)
        self.cloud.cli("machine", "remove", "--serial", "10000071")
        self.cloud.add_machine(10000071, PW)
        with self.assertRaises(websocket.WebSocketBadStatusException) as cm:
            self.cloud.connect(old["ws_token"])
        self.assertEqual(cm.exception.status_code, 401)
        # A token of the new registration opens a session.
        ws = self.cloud.connect(self.cloud.sign_in(10000071, PW)["ws_token"])
        self.assertEqual(ws.getsubprotocol(), "glowforge")
        ws.close()

    def test_no_secret_in_log(self):
        t = self.cloud.sign_in(10000042, PW)
        log = self.cloud.log_text()
        self.assertNotIn(PW, log)
        self.assertNotIn(t["ws_token"], log)
        self.assertNotIn(t["auth_token"], log)


class Pings(unittest.TestCase):
    def test_service_pings_a_quiet_session(self):
        with Cloud(extra_args=["--ping-interval", "1"]) as cloud:
            cloud.add_machine(10000042, PW)
            m = FakeMachine(cloud, 10000042, PW)
            m.handshake()
            m.ws.settimeout(10)
            while True:
                opcode, _ = m.ws.recv_data(control_frame=True)
                if opcode == websocket.ABNF.OPCODE_PING:
                    break
            # websocket-client answered with a pong: the session stays up.
            st = cloud.api("GET", "/api/v1/machines/S10000042")[1]
            self.assertTrue(st["online"])
            m.close()


class Cli(unittest.TestCase):
    """The operator commands, also while the server runs."""

    def test_machine_and_apikey_commands(self):
        with Cloud() as cloud:
            pw = cloud.add_machine(10000042)
            self.assertRegex(pw, "^[0-9a-f]{64}$")
            cloud.sign_in(10000042, pw)
            p = cloud.cli("machine", "add", "--serial", "S10000042",
                          check=False)
            self.assertEqual(p.returncode, 1)
            self.assertIn("already exists", p.stderr)
            p = cloud.cli("machine", "add", "--serial", "5", "--password",
                          "xyz", check=False)
            self.assertEqual(p.returncode, 2)
            p = cloud.cli("machine", "add", check=False)
            self.assertEqual(p.returncode, 2)
            self.assertIn("S10000042", cloud.cli("machine", "list").stdout)
            p = cloud.cli("machine", "remove", "--serial", "77", check=False)
            self.assertEqual(p.returncode, 1)

            key = cloud.api_key
            self.assertRegex(key, "^gfk_[0-9a-f]{64}$")
            self.assertEqual(cloud.api("GET", "/api/v1/machines")[0], 200)
            listing = cloud.cli("apikey", "list").stdout
            self.assertIn("active", listing)
            self.assertNotIn(key, listing)
            key_id = listing.split()[0]
            cloud.cli("apikey", "revoke", key_id)
            self.assertEqual(cloud.api("GET", "/api/v1/machines")[0], 401)
            self.assertIn("revoked", cloud.cli("apikey", "list").stdout)
            p = cloud.cli("apikey", "revoke", "999", check=False)
            self.assertEqual(p.returncode, 1)
            p = cloud.cli("bogus", check=False)
            self.assertEqual(p.returncode, 2)
            self.assertNotIn(key, cloud.log_text())
            self.assertNotIn(pw, cloud.log_text())


class AddressThrottle(unittest.TestCase):
    def test_throttle_per_address(self):
        with Cloud(extra_args=["--throttle-max", "100",
                               "--throttle-address-max", "4"]) as cloud:
            cloud.add_machine(10000042, PW)
            for serial in range(20000000, 20000004):  # different serials
                status, _ = cloud.sign_in_raw(serial, PW)
                self.assertEqual(status, 401)
            status, obj = cloud.sign_in_raw(10000042, PW)
            self.assertEqual(status, 429)
            self.assertEqual(obj["code"], "throttled")
            # The service is still up and answers other requests.
            status, _, _ = cloud.http("GET", "/nothing-here")
            self.assertEqual(status, 404)


class TokenExpiry(unittest.TestCase):
    def test_expired_tokens(self):
        with Cloud(extra_args=["--ws-token-ttl", "1",
                               "--auth-token-ttl", "1"]) as cloud:
            cloud.add_machine(10000042, PW)
            t = cloud.sign_in(10000042, PW)
            time.sleep(2.2)
            with self.assertRaises(websocket.WebSocketBadStatusException) as cm:
                cloud.connect(t["ws_token"])
            self.assertEqual(cm.exception.status_code, 401)
            status, _, data = cloud.http("GET", "/update/current",
                                         token=t["auth_token"])
            self.assertEqual(status, 401)
            self.assertEqual(json.loads(data)["code"], "token_expired")
            # A new sign-in works again.
            t = cloud.sign_in(10000042, PW)
            cloud.connect(t["ws_token"]).close()

    def test_no_firmware_configured(self):
        with Cloud() as cloud:
            cloud.add_machine(10000042, PW)
            t = cloud.sign_in(10000042, PW)
            status, _, data = cloud.http("GET", "/update/current",
                                         token=t["auth_token"])
            self.assertEqual(status, 200)
            self.assertIsNone(json.loads(data)["version"])


if __name__ == "__main__":
    unittest.main(verbosity=2)

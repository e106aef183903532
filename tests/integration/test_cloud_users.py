"""Users, roles, sessions and API-key owners (docs/api.md "Sign-in and
roles", "Users and API keys"; docs/cloud.md "Users").

Starts the real gfcloud and checks, over real HTTP:

* the route table: every route of the operator API, called by nobody (401),
  by each role with its own API key and with a cookie session: a role
  below the route's gets 403 forbidden, one at or above it never 403;
* keys made before users existed (no owner) act as an admin;
* CSRF: a cookie session's write needs X-CSRF-Token, a Bearer key never;
* sessions: sign in, the cookie's attributes (Secure only under TLS), GET
  and DELETE, surviving a restart, expiry after session-ttl unused;
* throttling of wrong passwords (401, then 429 with Retry-After; the right
  password still gets in) and of an address;
* `gfcloud user add|list|passwd|remove`, `apikey create --user`: the
  password alone on stdout, a removed user's keys and sessions end;
* the users and keys API of the Admin page;
* the audit trail and a job's created_by name the user.
"""

import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, wait_for  # noqa: E402

SERIAL = 10000042
ROLES = ("viewer", "operator", "admin")
RANK = {"none": 0, "viewer": 1, "operator": 2, "admin": 3}
PASSWORD_SHAPE = re.compile(r"^[a-z2-9]{5}(-[a-z2-9]{5}){3}$")

# The specification: every route of /api/v1 and the least role it needs,
# with a request that cannot change anything that matters (unknown ids, a
# body the handler refuses), so each row can be called by every role.
ROUTES = [
    # looking
    ("GET", "/api/v1/machines", None, "viewer"),
    ("GET", "/api/v1/machines/S10000042", None, "viewer"),
    ("GET", "/api/v1/machines/S10000042/actions", None, "viewer"),
    ("GET", "/api/v1/machines/S10000042/logs", None, "viewer"),
    ("GET", "/api/v1/machines/S10000042/events", None, "viewer"),
    ("GET", "/api/v1/machines/S10000042/images/lid_image/latest", None,
     "viewer"),
    ("GET", "/api/v1/actions/1600000999", None, "viewer"),
    ("GET", "/api/v1/jobs", None, "viewer"),
    ("GET", "/api/v1/jobs/999", None, "viewer"),
    ("GET", "/api/v1/jobs/999/preview.png", None, "viewer"),
    ("GET", "/api/v1/materials", None, "viewer"),
    ("GET", "/api/v1/materials/generic-plywood-3mm", None, "viewer"),
    ("GET", "/api/v1/events/stream", None, "viewer"),
    # running the machines
    ("POST", "/api/v1/machines/S10000042/actions", {}, "operator"),
    ("POST", "/api/v1/machines/S10000042/home", {"method": "nothing"},
     "operator"),
    ("POST", "/api/v1/machines/S10000042/camera/calibrate", {}, "operator"),
    ("POST", "/api/v1/actions/1600000999/cancel", {}, "operator"),
    ("POST", "/api/v1/files", b"not a pulse file", "operator"),
    ("POST", "/api/v1/jobs", b"", "operator"),
    ("POST", "/api/v1/jobs/999/cancel", {}, "operator"),
    ("POST", "/api/v1/jobs/999/requeue", {}, "operator"),
    # managing
    ("POST", "/api/v1/machines", {"serial": "bad"}, "admin"),
    ("DELETE", "/api/v1/machines/S99999999", None, "admin"),
    ("PUT", "/api/v1/machines/S10000042/home_offset", {"x_mm": -1},
     "admin"),
    ("POST", "/api/v1/materials", {"name": "bad name"}, "admin"),
    ("PUT", "/api/v1/materials/nothing-here", {"thickness_mm": -1},
     "admin"),
    ("DELETE", "/api/v1/materials/nothing-here", None, "admin"),
    ("GET", "/api/v1/users", None, "admin"),
    ("POST", "/api/v1/users", {"name": "bad name", "role": "viewer"},
     "admin"),
    ("DELETE", "/api/v1/users/nobody", None, "admin"),
    ("GET", "/api/v1/keys", None, "admin"),
    ("POST", "/api/v1/keys", {"user": "nobody"}, "admin"),
    ("DELETE", "/api/v1/keys/999999", None, "admin"),
    ("GET", "/api/v1/audit", None, "admin"),
    ("GET", "/api/v1/webhooks", None, "admin"),
    ("POST", "/api/v1/webhooks", {"url": "nothing"}, "admin"),
    ("DELETE", "/api/v1/webhooks/999", None, "admin"),
    ("GET", "/api/v1/webhooks/999/deliveries", None, "admin"),
    # what the table does not name needs an admin
    ("PATCH", "/api/v1/machines", {}, "admin"),
]


def request(cloud, method, path, body=None, headers=None, token=None):
    """(status, headers, JSON or bytes); an event stream is closed once its
    headers are in."""
    status, hdrs, data = cloud.http(method, path, body=body, headers=headers,
                                    token=token, stream_ok=True)
    try:
        data = json.loads(data) if data else None
    except ValueError:
        pass
    return status, hdrs, data


class Session:
    """A signed-in browser: the cookie and the CSRF token it was given."""

    def __init__(self, cloud, name, password):
        self.cloud = cloud
        status, hdrs, body = request(cloud, "POST", "/api/v1/session",
                                     {"name": name, "password": password})
        assert status == 200, (status, body)
        self.set_cookie = hdrs["set-cookie"]
        self.cookie = self.set_cookie.split(";")[0]
        self.body = body
        self.csrf = body["csrf"]

    def call(self, method, path, body=None, csrf=True, headers=None):
        h = {"Cookie": self.cookie}
        if csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        h.update(headers or {})
        return request(self.cloud, method, path, body, headers=h)


def add_user(cloud, name, role):
    p = cloud.cli("user", "add", name, "--role", role)
    return p.stdout.strip()


class Roles(unittest.TestCase):
    """Every route x every role, with keys and with sessions."""

    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud()
        cls.cloud.add_machine(SERIAL)
        cls.keys, cls.sessions = {}, {}
        for role in ROLES:
            pw = add_user(cls.cloud, "u-" + role, role)
            cls.keys[role] = cls.cloud.cli(
                "apikey", "create", "--user", "u-" + role).stdout.strip()
            cls.sessions[role] = Session(cls.cloud, "u-" + role, pw)

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def check_row(self, method, path, body, need, role, status, answer):
        where = "%s %s as %s" % (method, path, role)
        if RANK[role] < RANK[need]:
            self.assertEqual(status, 403, where)
            self.assertEqual(answer["code"], "forbidden", where)
        else:
            self.assertNotIn(status, (401, 403), (where, answer))

    def test_without_credentials_every_route_is_401(self):
        for method, path, body, _ in ROUTES:
            status, _, answer = request(self.cloud, method, path, body)
            self.assertEqual(status, 401, (method, path, answer))
            self.assertEqual(answer["code"], "unauthorized")

    def test_every_route_by_role_with_a_key(self):
        for method, path, body, need in ROUTES:
            for role in ROLES:
                status, _, answer = request(self.cloud, method, path, body,
                                            token=self.keys[role])
                self.check_row(method, path, body, need, role, status, answer)

    def test_every_route_by_role_with_a_session(self):
        for method, path, body, need in ROUTES:
            for role in ROLES:
                status, _, answer = self.sessions[role].call(method, path,
                                                             body)
                self.check_row(method, path, body, need, role, status, answer)

    def test_a_key_without_owner_is_an_admin(self):
        legacy = self.cloud.cli("apikey", "create").stdout.strip()
        for method, path, body, need in ROUTES:
            status, _, answer = request(self.cloud, method, path, body,
                                        token=legacy)
            self.check_row(method, path, body, need, "admin", status, answer)

    def test_a_narrower_key_acts_with_its_own_role(self):
        key = self.cloud.cli("apikey", "create", "--user", "u-admin",
                             "--role", "viewer").stdout.strip()
        status, _, _ = request(self.cloud, "GET", "/api/v1/machines",
                               token=key)
        self.assertEqual(status, 200)
        status, _, answer = request(self.cloud, "POST", "/api/v1/jobs/9/cancel",
                                    {}, token=key)
        self.assertEqual((status, answer["code"]), (403, "forbidden"))

    def test_a_key_is_never_wider_than_its_owner(self):
        p = self.cloud.cli("apikey", "create", "--user", "u-viewer", "--role",
                           "operator", check=False)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(p.stdout, "")
        self.assertIn("wider", p.stderr)
        status, _, answer = request(
            self.cloud, "POST", "/api/v1/keys",
            {"user": "u-viewer", "role": "admin"}, token=self.keys["admin"])
        self.assertEqual((status, answer["code"]), (400, "bad_field"))

    def test_a_viewer_cannot_forge_a_print(self):
        status, _, answer = self.sessions["viewer"].call(
            "POST", "/api/v1/jobs?machine=S10000042", b"<svg/>",
            headers={"Content-Type": "image/svg+xml"})
        self.assertEqual((status, answer["code"]), (403, "forbidden"))
        status, _, answer = request(
            self.cloud, "POST", "/api/v1/machines/S10000042/actions",
            {"action_type": "hunt"}, token=self.keys["viewer"])
        self.assertEqual((status, answer["code"]), (403, "forbidden"))

    def test_the_event_stream_takes_the_cookie(self):
        status, hdrs, _ = self.sessions["viewer"].call(
            "GET", "/api/v1/events/stream")
        self.assertEqual(status, 200)
        self.assertTrue(hdrs["content-type"].startswith("text/event-stream"))


class Csrf(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud()
        pw = add_user(cls.cloud, "olga", "operator")
        cls.session = Session(cls.cloud, "olga", pw)
        cls.key = cls.cloud.cli("apikey", "create", "--user",
                                "olga").stdout.strip()

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def test_a_cookie_write_without_the_token_is_403_csrf(self):
        status, _, answer = self.session.call(
            "POST", "/api/v1/jobs/999/cancel", {}, csrf=False)
        self.assertEqual((status, answer["code"]), (403, "csrf"))

    def test_a_cookie_write_with_a_wrong_token_is_403_csrf(self):
        status, _, answer = self.session.call(
            "POST", "/api/v1/jobs/999/cancel", {}, csrf=False,
            headers={"X-CSRF-Token": "0" * 64})
        self.assertEqual((status, answer["code"]), (403, "csrf"))

    def test_a_cookie_write_with_the_token_goes_through(self):
        status, _, answer = self.session.call("POST",
                                              "/api/v1/jobs/999/cancel", {})
        self.assertEqual((status, answer["code"]), (404, "no_job"))

    def test_a_cookie_read_needs_no_token(self):
        status, _, _ = self.session.call("GET", "/api/v1/jobs", csrf=False)
        self.assertEqual(status, 200)

    def test_a_bearer_key_needs_no_token(self):
        status, _, answer = request(self.cloud, "POST",
                                    "/api/v1/jobs/999/cancel", {},
                                    token=self.key)
        self.assertEqual((status, answer["code"]), (404, "no_job"))


class Sessions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud()
        cls.pw = add_user(cls.cloud, "ann", "admin")

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def test_sign_in_sets_a_strict_http_only_cookie(self):
        s = Session(self.cloud, "ann", self.pw)
        self.assertEqual(s.body["user"], "ann")
        self.assertEqual(s.body["role"], "admin")
        self.assertRegex(s.csrf, "^[0-9a-f]{64}$")
        attrs = [a.strip() for a in s.set_cookie.split(";")]
        self.assertRegex(attrs[0], "^gfsession=[0-9a-f]{64}$")
        for a in ("HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(a, attrs)
        self.assertNotIn("Secure", attrs)  # plain HTTP here
        self.assertNotIn(s.cookie.split("=")[1], self.cloud.log_text())

    def test_the_cookie_is_found_among_others(self):
        s = Session(self.cloud, "ann", self.pw)
        status, _, body = request(
            self.cloud, "GET", "/api/v1/session",
            headers={"Cookie": "theme=dark; %s; lang=en" % s.cookie})
        self.assertEqual((status, body["user"]), (200, "ann"))

    def test_get_session_answers_who_and_the_token(self):
        s = Session(self.cloud, "ann", self.pw)
        status, _, body = s.call("GET", "/api/v1/session")
        self.assertEqual(status, 200)
        self.assertEqual(body, {"user": "ann", "role": "admin",
                                "csrf": s.csrf})
        status, _, body = request(self.cloud, "GET", "/api/v1/session")
        self.assertEqual((status, body["code"]), (401, "unauthorized"))

    def test_wrong_password_and_unknown_user_are_401(self):
        for name, pw in (("ann", "wrong"), ("nobody", self.pw)):
            status, hdrs, body = request(self.cloud, "POST",
                                         "/api/v1/session",
                                         {"name": name, "password": pw})
            self.assertEqual((status, body["code"]),
                             (401, "invalid_credentials"))
            self.assertNotIn("set-cookie", hdrs)
        status, _, body = request(self.cloud, "POST", "/api/v1/session",
                                  {"name": "ann"})
        self.assertEqual((status, body["code"]), (400, "missing_field"))

    def test_logout_ends_the_session_and_clears_the_cookie(self):
        s = Session(self.cloud, "ann", self.pw)
        status, _, body = s.call("DELETE", "/api/v1/session", csrf=False)
        self.assertEqual((status, body["code"]), (403, "csrf"))
        status, hdrs, _ = s.call("DELETE", "/api/v1/session")
        self.assertEqual(status, 200)
        self.assertIn("Max-Age=0", hdrs["set-cookie"])
        self.assertTrue(hdrs["set-cookie"].startswith("gfsession=;"))
        status, _, _ = s.call("GET", "/api/v1/session")
        self.assertEqual(status, 401)
        status, _, _ = s.call("GET", "/api/v1/machines")
        self.assertEqual(status, 401)

    def test_a_session_survives_a_restart(self):
        s = Session(self.cloud, "ann", self.pw)
        self.cloud.restart()
        status, _, body = s.call("GET", "/api/v1/session")
        self.assertEqual((status, body["user"]), (200, "ann"))

    def test_the_store_keeps_no_usable_token(self):
        s = Session(self.cloud, "ann", self.pw)
        token = s.cookie.split("=")[1]
        if self.cloud.pg is not None:
            rows = self.cloud.pg.query("SELECT encode(hash, 'hex') FROM "
                                       "sessions")
            self.assertNotIn([token], rows)
            return
        with open(os.path.join(self.cloud.data, "gfcloud.db"), "rb") as f:
            db = f.read()
        self.assertNotIn(token.encode(), db)
        self.assertNotIn(bytes.fromhex(token), db)


class Expiry(unittest.TestCase):
    def test_a_session_unused_for_session_ttl_ends(self):
        with Cloud(extra_args=["--session-ttl", "2"]) as cloud:
            pw = add_user(cloud, "vic", "viewer")
            s = Session(cloud, "vic", pw)
            for _ in range(3):  # used within the ttl: it goes on
                time.sleep(1)
                self.assertEqual(s.call("GET", "/api/v1/session")[0], 200)
            time.sleep(3.2)
            status, _, body = s.call("GET", "/api/v1/machines")
            self.assertEqual((status, body["code"]), (401, "unauthorized"))


def open_stream(cloud, headers):
    """A raw event stream: the socket, once the 200 headers are in."""
    sock = socket.create_connection(("127.0.0.1", cloud.port), timeout=10)
    req = "GET /api/v1/events/stream HTTP/1.1\r\nHost: x\r\n"
    for k, v in headers.items():
        req += "%s: %s\r\n" % (k, v)
    sock.sendall((req + "\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        assert chunk, "closed before the headers"
        buf += chunk
    assert buf.startswith(b"HTTP/1.1 200"), buf[:200]
    return sock


def closed_within(sock, seconds):
    """Whether the service closes the stream within `seconds`."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        sock.settimeout(max(0.1, end - time.monotonic()))
        try:
            if not sock.recv(4096):
                return True
        except socket.timeout:
            return False
        except ConnectionError:
            return True
    return False


class OpenStreams(unittest.TestCase):
    """An open event stream ends with its credentials, within
    machine-recheck seconds."""

    def test_streams_end_with_their_key_session_or_user(self):
        with Cloud(extra_args=["--machine-recheck", "1"]) as cloud:
            pw = add_user(cloud, "sam", "viewer")
            key = cloud.cli("apikey", "create", "--user",
                            "sam").stdout.strip()
            other = cloud.cli("apikey", "create", "--user",
                              "sam").stdout.strip()
            key_id = cloud.cli("apikey", "list").stdout.splitlines()[0]
            s = Session(cloud, "sam", pw)
            by_key = open_stream(cloud, {"Authorization": "Bearer " + key})
            by_other = open_stream(cloud,
                                   {"Authorization": "Bearer " + other})
            by_cookie = open_stream(cloud, {"Cookie": s.cookie})
            self.assertFalse(closed_within(by_key, 2.5))  # still good
            cloud.cli("apikey", "revoke", key_id.split("\t")[0])
            self.assertTrue(closed_within(by_key, 5))
            self.assertFalse(closed_within(by_cookie, 0.5))
            cloud.cli("user", "remove", "sam")
            self.assertTrue(closed_within(by_cookie, 5))
            self.assertTrue(closed_within(by_other, 5))
            for sock in (by_key, by_other, by_cookie):
                sock.close()


class Tls(unittest.TestCase):
    def test_the_cookie_is_secure_under_tls(self):
        with Cloud(tls=True) as cloud:
            pw = add_user(cloud, "tess", "viewer")
            s = Session(cloud, "tess", pw)
            self.assertIn("Secure", [a.strip() for a in
                                     s.set_cookie.split(";")])


class Throttle(unittest.TestCase):
    def sign_in(self, cloud, name, pw):
        return request(cloud, "POST", "/api/v1/session",
                       {"name": name, "password": pw})

    def test_wrong_passwords_get_429_but_the_right_one_gets_in(self):
        with Cloud(extra_args=["--throttle-max", "3",
                               "--throttle-address-max", "100",
                               "--throttle-window", "60"]) as cloud:
            pw = add_user(cloud, "tim", "viewer")
            for _ in range(3):
                status, _, _ = self.sign_in(cloud, "tim", "wrong")
                self.assertEqual(status, 401)
            status, hdrs, body = self.sign_in(cloud, "tim", "wrong")
            self.assertEqual((status, body["code"]), (429, "throttled"))
            self.assertEqual(hdrs["retry-after"], "60")
            status, _, _ = self.sign_in(cloud, "tim", pw)
            self.assertEqual(status, 200)
            # unknown names are not counted: they cannot fill the table
            for _ in range(5):
                self.assertEqual(self.sign_in(cloud, "ghost", "x")[0], 401)

    def test_an_address_over_its_limit_gets_429_for_everything(self):
        with Cloud(extra_args=["--throttle-max", "100",
                               "--throttle-address-max", "4"]) as cloud:
            pw = add_user(cloud, "amy", "viewer")
            for _ in range(4):
                self.assertEqual(self.sign_in(cloud, "amy", "wrong")[0], 401)
            status, hdrs, _ = self.sign_in(cloud, "amy", pw)
            self.assertEqual(status, 429)
            self.assertIn("retry-after", hdrs)


class Busy(unittest.TestCase):
    """At most two password checks at once, so sign-ins never hold every
    worker: with the workers held (GFCLOUD_TEST_WORKER_GATE), a third
    sign-in is 503 busy at once; the two held ones then sign in."""

    def test_a_third_sign_in_at_once_is_503(self):
        gate = os.path.join(tempfile.mkdtemp(prefix="gfgate-"), "open")
        os.environ["GFCLOUD_TEST_WORKER_GATE"] = gate
        try:
            cloud = Cloud(extra_args=["--log-level", "debug"])
        finally:
            del os.environ["GFCLOUD_TEST_WORKER_GATE"]
        with cloud:
            pw = add_user(cloud, "bea", "viewer")
            results = []

            def sign_in():
                results.append(request(cloud, "POST", "/api/v1/session",
                                       {"name": "bea", "password": pw})[0])
            held = [threading.Thread(target=sign_in) for _ in range(2)]
            for t in held:
                t.start()
            wait_for(lambda: "(2 pending)" in cloud.log_text(),
                     what="two sign-ins on the workers")
            status, hdrs, body = request(cloud, "POST", "/api/v1/session",
                                         {"name": "bea", "password": pw})
            self.assertEqual((status, body["code"]), (503, "busy"))
            self.assertEqual(hdrs["retry-after"], "1")
            open(gate, "w").close()
            for t in held:
                t.join(20)
            self.assertEqual(results, [200, 200])
            self.assertEqual(request(cloud, "POST", "/api/v1/session",
                                     {"name": "bea", "password": pw})[0],
                             200)
        os.unlink(gate)
        os.rmdir(os.path.dirname(gate))


class UserCli(unittest.TestCase):
    def test_add_list_passwd_remove(self):
        with Cloud() as cloud:
            p = cloud.cli("user", "add", "carl", "--role", "operator")
            pw = p.stdout
            self.assertRegex(pw, PASSWORD_SHAPE.pattern[:-1] + r"\n$")
            pw = pw.strip()
            self.assertIn("shown only once", p.stderr)
            self.assertNotIn(pw, cloud.log_text())
            p = cloud.cli("user", "add", "carl", "--role", "viewer",
                          check=False)
            self.assertEqual((p.returncode, p.stdout), (1, ""))
            for bad in (["user", "add", "dan"],
                        ["user", "add", "dan", "--role", "king"],
                        ["user", "add", "bad/name", "--role", "viewer"]):
                self.assertEqual(cloud.cli(*bad, check=False).returncode, 2)
            lines = cloud.cli("user", "list").stdout.splitlines()
            self.assertEqual(len(lines), 1)
            self.assertTrue(lines[0].startswith("carl\trole=operator\t"))

            s = Session(cloud, "carl", pw)
            key = cloud.cli("apikey", "create", "--user",
                            "carl").stdout.strip()
            self.assertEqual(request(cloud, "GET", "/api/v1/jobs",
                                     token=key)[0], 200)
            listed = cloud.cli("apikey", "list").stdout
            self.assertIn("user=carl\trole=operator", listed)

            new = cloud.cli("user", "passwd", "carl").stdout.strip()
            self.assertRegex(new, PASSWORD_SHAPE)
            self.assertNotEqual(new, pw)
            self.assertEqual(request(cloud, "POST", "/api/v1/session",
                                     {"name": "carl", "password": pw})[0],
                             401)
            Session(cloud, "carl", new)

            self.assertEqual(cloud.cli("user", "remove", "carl").stdout,
                             "removed carl\n")
            self.assertEqual(request(cloud, "GET", "/api/v1/jobs",
                                     token=key)[0], 401)
            self.assertEqual(s.call("GET", "/api/v1/jobs")[0], 401)
            self.assertEqual(cloud.cli("user", "list").stdout, "")
            self.assertEqual(cloud.cli("user", "remove", "carl",
                                       check=False).returncode, 1)
            status, audit = cloud.api("GET", "/api/v1/audit")
            whats = [(a["what"], a["target"]) for a in audit["audit"]
                     if a["who"].startswith("cli")]
            for row in (("user.add", "user:carl"),
                        ("user.passwd", "user:carl"),
                        ("user.remove", "user:carl")):
                self.assertIn(row, whats)


class AdminApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud()
        cls.cloud.add_machine(SERIAL)
        pw = add_user(cls.cloud, "root", "admin")
        cls.admin = Session(cls.cloud, "root", pw)

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def test_users_add_list_remove(self):
        status, _, u = self.admin.call("POST", "/api/v1/users",
                                       {"name": "eve", "role": "viewer"})
        self.assertEqual(status, 201)
        self.assertEqual((u["name"], u["role"]), ("eve", "viewer"))
        self.assertRegex(u["password"], PASSWORD_SHAPE)
        eve = Session(self.cloud, "eve", u["password"])
        self.assertEqual(eve.body["role"], "viewer")
        status, _, body = self.admin.call("POST", "/api/v1/users",
                                          {"name": "eve", "role": "admin"})
        self.assertEqual((status, body["code"]), (409, "exists"))
        status, _, body = self.admin.call("POST", "/api/v1/users",
                                          {"name": "fay", "role": "king"})
        self.assertEqual((status, body["code"]), (400, "bad_field"))
        status, _, body = self.admin.call("GET", "/api/v1/users")
        self.assertEqual(status, 200)
        listed = {x["name"]: x for x in body["users"]}
        self.assertEqual(sorted(listed["eve"]), ["created", "name", "role"])
        self.assertEqual(listed["eve"]["role"], "viewer")
        status, _, body = self.admin.call("DELETE", "/api/v1/users/eve")
        self.assertEqual((status, body), (200, {"removed": "eve"}))
        self.assertEqual(eve.call("GET", "/api/v1/session")[0], 401)
        status, _, body = self.admin.call("DELETE", "/api/v1/users/eve")
        self.assertEqual((status, body["code"]), (404, "no_user"))

    def test_keys_create_list_revoke(self):
        add_user(self.cloud, "kim", "operator")
        status, _, k = self.admin.call("POST", "/api/v1/keys", {"user": "kim"})
        self.assertEqual(status, 201)
        self.assertEqual((k["user"], k["role"]), ("kim", "operator"))
        self.assertRegex(k["key"], "^gfk_[0-9a-f]{64}$")
        status, _, v = self.admin.call("POST", "/api/v1/keys",
                                       {"user": "kim", "role": "viewer"})
        self.assertEqual((status, v["role"]), (201, "viewer"))
        status, _, body = self.admin.call("POST", "/api/v1/keys",
                                          {"user": "nobody"})
        self.assertEqual((status, body["code"]), (404, "no_user"))
        status, _, body = self.admin.call("GET", "/api/v1/keys")
        listed = {x["id"]: x for x in body["keys"]}
        self.assertEqual(listed[k["id"]], {
            "id": k["id"], "user": "kim", "role": "operator",
            "created": listed[k["id"]]["created"], "revoked": False})
        self.assertEqual(request(self.cloud, "GET", "/api/v1/jobs",
                                 token=k["key"])[0], 200)
        status, _, body = self.admin.call("DELETE",
                                          "/api/v1/keys/%d" % k["id"])
        self.assertEqual((status, body), (200, {"revoked": k["id"]}))
        self.assertEqual(request(self.cloud, "GET", "/api/v1/jobs",
                                 token=k["key"])[0], 401)
        status, _, body = self.admin.call("DELETE", "/api/v1/keys/999999")
        self.assertEqual((status, body["code"]), (404, "no_key"))

    def test_the_audit_and_jobs_name_the_user(self):
        key = self.cloud.cli("apikey", "create", "--user",
                             "root").stdout.strip()
        key_id = int(self.cloud.cli("apikey", "list").stdout.splitlines()[-1]
                     .split("\t")[0])
        legacy = self.cloud.api_key  # no owner
        self.admin.call("PUT", "/api/v1/machines/S10000042/home_offset",
                        {"x_mm": 1, "y_mm": 1})
        request(self.cloud, "PUT", "/api/v1/machines/S10000042/home_offset",
                {"x_mm": 2, "y_mm": 2}, token=key)
        request(self.cloud, "PUT", "/api/v1/machines/S10000042/home_offset",
                {"x_mm": 3, "y_mm": 3}, token=legacy)
        status, _, job = self.admin.call(
            "POST", "/api/v1/jobs?machine=S10000042",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10mm" '
            b'height="10mm" viewBox="0 0 10 10"><path d="M1 1 L9 9" '
            b'stroke="#000" fill="none"/></svg>',
            headers={"Content-Type": "image/svg+xml"})
        self.assertEqual(status, 201, job)
        _, _, audit = self.admin.call("GET", "/api/v1/audit?limit=1000")
        who = [a["who"] for a in audit["audit"]
               if a["what"] == "machine.home_offset"]
        legacy_id = [a for a in audit["audit"]
                     if a["what"] == "machine.home_offset"][-1]["who"]
        self.assertEqual(who[:2], ["user:root",
                                   "user:root (key %d)" % key_id])
        self.assertRegex(legacy_id, r"^apikey:\d+$")
        _, _, j = self.admin.call("GET", "/api/v1/jobs/%d" % job["id"])
        self.assertEqual(j["created_by"], "user:root")
        self.admin.call("POST", "/api/v1/jobs/%d/cancel" % job["id"], {})
        _, _, j = self.admin.call("GET", "/api/v1/jobs/%d" % job["id"])
        self.assertIn("user:root", j["reason"] or "")


if __name__ == "__main__":
    unittest.main(verbosity=2)

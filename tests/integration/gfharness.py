"""gfharness: start a real gfcloud and talk to it, for integration tests.

Shared by the gfcloud tests and the gfmachine tests; keep the API stable.
Standard library plus python3-websocket (module ``websocket``) only.

    from gfharness import Cloud, FakeMachine

    with Cloud(extra_args=["--deadline-seconds", "2"]) as cloud:
        password = cloud.add_machine(10000042)     # generated; or pass one
        cloud.base_url, cloud.status_url           # http://..., ws://...
        key = cloud.api_key                        # an API key (made once)
        tokens = cloud.sign_in(10000042, password) # {"ws_token","auth_token"}
        ws = cloud.connect(tokens["ws_token"])     # subprotocol glowforge
        status, body = cloud.api("GET", "/api/v1/machines")
        job = cloud.post_job_file(10000042, path)  # a job's id (asserts 201)
        status, headers, raw = cloud.http("GET", "/update/current",
                                          token=tokens["auth_token"])
        m = FakeMachine(cloud, 10000042, password) # a scripted machine
        action = m.expect_action("settings")
        m.event(action["id"], "settings:completed", settings={})
        m.homing_hunt()                            # the service's own hunt
        cloud.home(10000042)                       # manual home: ready

Cloud starts ``$GF_BUILD_DIR/src/cloud/gfcloud serve`` on 127.0.0.1 with
port 0 (the service writes the port it bound to a file), a fresh temporary
data directory, and any extra flags. ``stop()`` sends SIGTERM,
``kill9()`` sends SIGKILL, ``start()`` starts again on the same data
directory (a new port). ``Cloud(tls=True)`` makes a self-signed certificate
(openssl) and serves HTTPS/WSS; the helpers then skip verification.
Everything is removed on ``close()`` / exiting the
``with`` block.

With ``GF_TEST_STORE=postgresql`` (ctest's ``*_pg`` tests) every Cloud
stores its data in a fresh database on the throwaway PostgreSQL server of
scripts/pg-test-server.sh (state file in ``GF_TEST_PG_STATE``), created
here and dropped on ``close()``; ``store_args()`` are the flags that say so.
With ``GF_TEST_EVENT_LOOP=poll`` (ctest's ``*_poll`` tests) the service
runs on libwebsockets' poll loop instead of the default epoll.
``Cloud(share=other)`` is a second node: it serves the same database and
the same data directory (blobs, server key) as ``other``. The service's stderr goes to ``<tmp>/gfcloud.log``;
``log_text()`` returns it (tests use it to check no secret was logged).
"""

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

import websocket

DEFAULT_TIMEOUT = 15.0


def build_dir():
    return os.environ.get("GF_BUILD_DIR") or os.path.join(
        os.path.dirname(__file__), "..", "..", "build")


def source_dir():
    return os.environ.get("GF_SOURCE_DIR") or os.path.join(
        os.path.dirname(__file__), "..", "..")


def gfcloud_binary():
    return os.path.join(build_dir(), "src", "cloud", "gfcloud")


def wait_for(predicate, timeout=DEFAULT_TIMEOUT, interval=0.05, what="condition"):
    """Poll ``predicate`` until it returns a truthy value; return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(interval)


def on_postgresql():
    return os.environ.get("GF_TEST_STORE") == "postgresql"


class PgDatabase:
    """A fresh database on the tests' PostgreSQL server; ``drop()`` ends it."""

    _count = 0

    def __init__(self):
        state = {}
        path = os.environ.get("GF_TEST_PG_STATE", "")
        try:
            with open(path) as f:
                for line in f:
                    k, _, v = line.rstrip("\n").partition("=")
                    state[k] = v
        except OSError:
            raise AssertionError("no PostgreSQL test server (GF_TEST_PG_STATE=%r)"
                                 % path)
        self.admin = state["conninfo"]
        self.psql = os.path.join(state["bindir"], "psql")
        PgDatabase._count += 1
        self.name = "gfit_%d_%d" % (os.getpid(), PgDatabase._count)
        self.sql("CREATE DATABASE " + self.name)
        self.url = "%s dbname=%s" % (self.admin, self.name)

    def sql(self, statement, db=None):
        """Run one statement; returns its rows as lists of text."""
        conn = self.admin if db is None else db
        p = subprocess.run([self.psql, conn, "-XAtq", "-F", "\t", "-v",
                            "ON_ERROR_STOP=1", "-c", statement],
                           capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise AssertionError("psql: %s: %s" % (statement, p.stderr))
        return [row.split("\t") for row in p.stdout.splitlines()]

    def query(self, statement):
        """A statement on this database (not the admin one)."""
        return self.sql(statement, db=self.url)

    def drop(self):
        self.sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % self.name)


class Cloud:
    """A gfcloud process with its own data directory."""

    def __init__(self, extra_args=None, start=True, tls=False, share=None):
        self.extra_args = list(extra_args or [])
        self.tmp = tempfile.mkdtemp(prefix="gfcloud-test-")
        self.tls = tls
        if tls:
            cert, key = make_self_signed(self.tmp)
            self.extra_args += ["--tls-cert", cert, "--tls-key", key]
        self.share = share
        self.pg = None
        if share is not None:
            self.pg = share.pg
        elif on_postgresql():
            self.pg = PgDatabase()
        self.data = share.data if share else os.path.join(self.tmp, "data")
        self.port_file = os.path.join(self.tmp, "port")
        self.status_port_file = os.path.join(self.tmp, "status-port")
        self.log_path = os.path.join(self.tmp, "gfcloud.log")
        self.proc = None
        self.port = None
        self.status_port = None  # the WebSocket's port (status-listen)
        self._api_key = None
        self._log = None
        if start:
            self.start()

    # -- process control -------------------------------------------------
    def start(self):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        self._log = open(self.log_path, "ab")
        args = [gfcloud_binary(), "serve", "--data", self.data,
                "--listen", "127.0.0.1:0", "--port-file", self.port_file,
                *self.store_args()]
        # ctest's *_poll tests: the same test on libwebsockets' poll loop
        # (the default is epoll).
        if os.environ.get("GF_TEST_EVENT_LOOP"):
            args += ["--event-loop", os.environ["GF_TEST_EVENT_LOOP"]]
        # ctest's *_status tests: the sessions on a status-listen port of
        # their own (a connection table apart from the HTTP requests').
        if os.path.exists(self.status_port_file):
            os.unlink(self.status_port_file)
        args += ["--status-port-file", self.status_port_file]
        if os.environ.get("GF_TEST_STATUS_LISTEN"):
            args += ["--status-listen", "127.0.0.1:0"]
        self.proc = subprocess.Popen(args + self.extra_args,
                                     stdout=self._log, stderr=self._log)

        def port_ready():
            if self.proc.poll() is not None:
                raise AssertionError("gfcloud exited: " + self.log_text())
            try:
                with open(self.port_file) as f:
                    return int(f.read().strip() or 0)
            except (OSError, ValueError):
                return 0
        self.port = wait_for(port_ready, what="gfcloud to listen")
        # Written before port-file: there already. Without status-listen
        # the sessions are on the listen port, and the file says so.
        with open(self.status_port_file) as f:
            self.status_port = int(f.read().strip())
        if os.environ.get("GF_TEST_STATUS_LISTEN"):
            assert self.status_port != self.port
        else:
            assert self.status_port == self.port
        return self

    def stop(self, sig=signal.SIGTERM, timeout=DEFAULT_TIMEOUT):
        """Stop the process; returns its exit code (None if not running)."""
        if not self.proc:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        if self._log:
            self._log.close()
            self._log = None
        return rc

    def kill9(self):
        self.stop(sig=signal.SIGKILL)
        return None

    def restart(self):
        rc = self.stop()
        if rc not in (None, 0):
            raise AssertionError("gfcloud exited with %s" % rc)
        return self.start()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def close(self):
        """Stop and clean up. Raises if the service crashed, reported a
        sanitizer error, or did not exit cleanly on SIGTERM."""
        rc = self.stop()
        log = self.log_text()
        shutil.rmtree(self.tmp, ignore_errors=True)
        if self.pg is not None and self.share is None:
            self.pg.drop()
            self.pg = None
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            if marker in log:
                raise AssertionError("gfcloud reported a sanitizer error:\n"
                                     + log[-6000:])
        if rc not in (None, 0):
            raise AssertionError("gfcloud exited with %s:\n%s"
                                 % (rc, log[-3000:]))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def store_args(self):
        """The flags that choose this service's store."""
        if self.pg is None:
            return []
        return ["--store", "postgresql", "--database-url", self.pg.url]

    # -- CLI ---------------------------------------------------------------
    def cli(self, *args, check=True):
        """Run ``gfcloud <args> --data DIR``; returns CompletedProcess."""
        p = subprocess.run([gfcloud_binary(), *args, "--data", self.data,
                            *self.store_args()],
                           capture_output=True, text=True, timeout=30)
        if check and p.returncode != 0:
            raise AssertionError("gfcloud %s failed: %s" % (args, p.stderr))
        return p

    def add_machine(self, serial, password=None):
        """Register a machine; returns its password (64 hex)."""
        args = ["machine", "add", "--serial", str(serial)]
        if password:
            args += ["--password", password]
        out = self.cli(*args).stdout.strip()
        return password or out

    @property
    def api_key(self):
        if not self._api_key:
            self._api_key = self.cli("apikey", "create").stdout.strip()
        return self._api_key

    # -- HTTP --------------------------------------------------------------
    @property
    def base_url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http",
                                      self.port)

    @property
    def status_url(self):
        """Base of the status WebSocket (``ws://`` or ``wss://``)."""
        return "%s://127.0.0.1:%d" % ("wss" if self.tls else "ws",
                                      self.status_port)

    def http(self, method, path, body=None, headers=None, token=None,
             timeout=DEFAULT_TIMEOUT, stream_ok=False):
        """One request; returns (status, headers dict lowercased, bytes).
        With ``stream_ok`` an event stream's answer is closed once its
        headers are in (its bytes are then None)."""
        if self.tls:
            conn = http.client.HTTPSConnection(
                "127.0.0.1", self.port, timeout=timeout,
                context=ssl._create_unverified_context())
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                              timeout=timeout)
        try:
            h = dict(headers or {})
            if token:
                h["Authorization"] = "Bearer " + token
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
                h.setdefault("Content-Type", "application/json")
            elif isinstance(body, str):
                body = body.encode()
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            hdrs = {k.lower(): v for k, v in r.getheaders()}
            if stream_ok and hdrs.get("content-type", "").startswith(
                    "text/event-stream"):
                return r.status, hdrs, None
            return r.status, hdrs, r.read()
        finally:
            conn.close()

    def api(self, method, path, body=None, headers=None):
        """REST API call with the API key; returns (status, parsed JSON)."""
        status, _, data = self.http(method, path, body=body, headers=headers,
                                    token=self.api_key)
        try:
            return status, json.loads(data) if data else None
        except ValueError:
            return status, data

    def upload_file(self, path_or_bytes):
        """POST a pulse file to /api/v1/files; returns (status, JSON)."""
        data = path_or_bytes
        if isinstance(path_or_bytes, str):
            with open(path_or_bytes, "rb") as f:
                data = f.read()
        return self.api("POST", "/api/v1/files", body=data,
                        headers={"Content-Type": "application/octet-stream"})

    def post_job_file(self, serial, path):
        """A job from the pulse file at ``path`` for machine ``serial``
        (POST /api/v1/jobs); returns its id (asserts 201)."""
        with open(path, "rb") as f:
            data = f.read()
        status, resp = self.api(
            "POST", "/api/v1/jobs?machine=S%s" % str(serial).lstrip("S"),
            body=data, headers={"Content-Type": "application/octet-stream"})
        assert status == 201, (status, resp)
        return resp["id"]

    def send_action(self, serial, action_type, **fields):
        """Queue an action via the API; returns its id (asserts 201)."""
        body = dict(fields, action_type=action_type)
        status, resp = self.api("POST", "/api/v1/machines/S%s/actions"
                                % str(serial).lstrip("S"), body=body)
        assert status == 201, (status, resp)
        return resp["id"]

    def action(self, action_id):
        status, body = self.api("GET", "/api/v1/actions/%d" % action_id)
        assert status == 200, (status, body)
        return body

    def machine(self, serial):
        status, body = self.api("GET", "/api/v1/machines/S%s"
                                % str(serial).lstrip("S"))
        assert status == 200, (status, body)
        return body

    def wait_lifecycle(self, serial, states, timeout=DEFAULT_TIMEOUT):
        """Wait for the machine's lifecycle state; returns the machine."""
        if isinstance(states, str):
            states = (states,)

        def check():
            m = self.machine(serial)
            return m if m["lifecycle"] in states else None
        return wait_for(check, timeout=timeout,
                        what="S%s to be %s" % (serial, states))

    def home(self, serial, timeout=DEFAULT_TIMEOUT):
        """Confirm a manual home once the machine waits for it (PROTOCOL.md
        §17); returns the machine, now ready with a known position."""
        self.wait_lifecycle(serial, "waiting_for_home", timeout)
        status, body = self.api("POST", "/api/v1/machines/S%s/home"
                                % str(serial).lstrip("S"),
                                body={"method": "manual"})
        assert status == 200, (status, body)
        assert body["lifecycle"] in ("ready", "busy"), body
        assert body["head_position"]["source"] == "manual", body
        return body

    def wait_action_state(self, action_id, states, timeout=DEFAULT_TIMEOUT):
        if isinstance(states, str):
            states = (states,)

        def check():
            a = self.action(action_id)
            return a if a["state"] in states else None
        return wait_for(check, timeout=timeout,
                        what="action %d to be %s" % (action_id, states))

    def sign_in(self, serial, password, form=False, prefix="S"):
        """Sign in; returns the response JSON (asserts 200)."""
        status, body = self.sign_in_raw(serial, password, form, prefix)
        assert status == 200, (status, body)
        return body

    def sign_in_raw(self, serial, password, form=False, prefix="S"):
        s = "%s%s" % (prefix, str(serial).lstrip("S"))
        if form:
            body = "serial=%s&password=%s" % (s, password)
            hdr = {"Content-Type": "application/x-www-form-urlencoded"}
        else:
            body = json.dumps({"serial": s, "password": password})
            hdr = {"Content-Type": "application/json"}
        status, _, data = self.http("POST", "/machines/sign_in", body=body,
                                    headers=hdr)
        try:
            return status, json.loads(data)
        except ValueError:
            return status, data

    # -- WebSocket ---------------------------------------------------------
    def connect(self, ws_token, subprotocols=("glowforge",),
                timeout=DEFAULT_TIMEOUT):
        """Open the status WebSocket; raises on a refused upgrade."""
        return websocket.create_connection(
            "%s://127.0.0.1:%d/%s" % ("wss" if self.tls else "ws",
                                      self.status_port, ws_token),
            subprotocols=list(subprotocols) if subprotocols else None,
            timeout=timeout, sslopt={"cert_reqs": ssl.CERT_NONE})


class FakeMachine:
    """A scripted machine: signs in, connects, reads actions, sends events."""

    def __init__(self, cloud, serial, password, connect=True):
        self.cloud = cloud
        self.serial = int(str(serial).lstrip("S"))
        self.password = password
        self.seq = 32
        self.ws = None
        self.tokens = None
        self.pending = []
        if connect:
            self.connect()

    def connect(self):
        self.tokens = self.cloud.sign_in(self.serial, self.password)
        self.ws = self.cloud.connect(self.tokens["ws_token"])
        self.pending = []
        return self

    def close(self):
        if self.ws:
            self.ws.close()
            self.ws = None

    def recv(self, timeout=DEFAULT_TIMEOUT):
        """Next JSON object from the service (frames split on newlines)."""
        deadline = time.monotonic() + timeout
        while not self.pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no message from the service")
            self.ws.settimeout(left)
            frame = self.ws.recv()
            if isinstance(frame, bytes):
                frame = frame.decode()
            for line in frame.splitlines():
                if line.strip():
                    self.pending.append(json.loads(line))
        return self.pending.pop(0)

    def expect_action(self, action_type=None, status="ready",
                      timeout=DEFAULT_TIMEOUT):
        msg = self.recv(timeout)
        assert "action_type" in msg, msg
        if action_type:
            assert msg["action_type"] == action_type, msg
        if status:
            assert msg["status"] == status, msg
        return msg

    def expect_silence(self, seconds):
        """Assert that nothing arrives for ``seconds``."""
        try:
            msg = self.recv(seconds)
        except (AssertionError, websocket.WebSocketTimeoutException):
            return
        raise AssertionError("unexpected message: %r" % (msg,))

    def send(self, obj):
        self.ws.send(json.dumps(obj) + "\n")

    def event(self, action_id, event, **extra):
        self.seq += 1
        msg = {"id": self.seq, "timestamp": 3800 + self.seq, "type": "event",
               "version": 1, "level": "INFO", "event": event}
        if action_id is not None:
            msg["action_id"] = action_id
        msg.update(extra)
        self.send(msg)

    def progress(self, action_id, progress, current, units="steps", **extra):
        self.seq += 1
        msg = {"id": self.seq, "timestamp": 3800 + self.seq,
               "type": "progress", "version": 1, "progress": progress,
               "current": current, "units": units}
        if action_id is not None:
            msg["action_id"] = action_id
        msg.update(extra)
        self.send(msg)

    def log(self, text, level="INFO"):
        self.seq += 1
        self.send({"id": self.seq, "timestamp": 3800 + self.seq,
                   "type": "log", "version": 1, "log": text, "level": level})

    def answer_settings(self, action, full=False):
        """Answer a settings action with the empty (or a small full) form."""
        settings = {"values": {"MCsn": self.serial, "SAid": action["id"],
                               "MCov": "2.6.0-2228"}} if full else {}
        self.event(action["id"], "settings:completed", settings=settings)

    def homing_hunt(self, outcome="completed", timeout=DEFAULT_TIMEOUT):
        """Read the hunt the service starts homing with and end it."""
        a = self.expect_action("hunt", timeout=timeout)
        self.event(a["id"], "hunt:starting")
        self.event(a["id"], "hunt:" + outcome)
        return a

    def handshake(self, full=False, hunt=True, home=False):
        """Read the opening settings action and answer it. A machine with
        no position on record (or a full report) is then homed: the
        service's hunt is answered (``hunt``), and with ``home`` the manual
        home confirmed, so the machine is ready for moves."""
        a = self.expect_action("settings")
        self.answer_settings(a, full=full)
        if hunt:
            self.homing_hunt()
        if home:
            self.cloud.home(self.serial)
        return a


def make_self_signed(directory):
    """A throwaway certificate and key for 127.0.0.1 (needs openssl)."""
    cert = os.path.join(directory, "cert.pem")
    key = os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                    "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def raw_exchange(port, data, timeout=5, done=None):
    """Send ``data`` on a fresh connection to 127.0.0.1:``port``; return
    every byte answered until the service closes, resets, is silent for
    ``timeout`` seconds, or ``done(answer_so_far)`` is true."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    out = b""
    try:
        s.sendall(data)
        while not (done and done(out)):
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, socket.timeout):
                break
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    return out


def fixture(*parts):
    return os.path.join(source_dir(), "tests", "fixtures", *parts)


def with_mcsn(plain, serial):
    """A plain pulse file with every MCsn tag set to ``serial``: what
    gfcloud serves a machine for a job file uploaded unlocked."""
    data = bytearray(plain)
    hlen = int.from_bytes(data[4:8], "little")
    for off in range(8, hlen, 8):
        if data[off:off + 4] == b"MCsn":
            data[off + 4:off + 8] = int(serial).to_bytes(4, "little")
    return bytes(data)

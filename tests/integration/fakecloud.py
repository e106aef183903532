"""fakecloud.py - a small stand-in for the Glowforge service, for testing
gfmachine on the wire.

It speaks just enough of PROTOCOL.md to drive a machine: the JSON sign-in
(single-use ws_token, bearer auth_token), the status WebSocket with the
`glowforge` subprotocol (a minimal RFC 6455 server written here, stdlib only),
pulse-file downloads with the bearer, the presigned PUT and legacy POST image
uploads. It CAPTURES every frame and request the machine makes, so tests can
check the wire field for field. Knobs let tests make it misbehave: refuse a
password, drop the socket, answer 401 once, truncate a download.
"""
import base64
import hashlib
import http.server
import json
import os
import secrets
import socket
import socketserver
import struct
import threading
import time

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Headers(dict):
    """Request headers, looked up without regard to case (RFC 9110)."""

    def __init__(self, msg):
        super().__init__((k.lower(), v) for k, v in msg.items())

    def __getitem__(self, k):
        return super().__getitem__(k.lower())

    def __contains__(self, k):
        return super().__contains__(k.lower())

    def get(self, k, default=None):
        return super().get(k.lower(), default)


class WsConn:
    """Server side of one WebSocket: masked frames in, plain frames out."""

    def __init__(self, sock):
        self.sock = sock
        self.lock = threading.Lock()
        self.closed = False

    def _recv_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("closed")
            buf += chunk
        return buf

    def recv_frame(self):
        """Returns (opcode, payload, fin)."""
        b0, b1 = self._recv_exact(2)
        fin = bool(b0 & 0x80)
        opcode = b0 & 0x0F
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack(">H", self._recv_exact(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", self._recv_exact(8))[0]
        if length > 16 * 1024 * 1024:
            raise ConnectionError("frame too large")
        mask = self._recv_exact(4) if b1 & 0x80 else None
        data = self._recv_exact(length)
        if mask:
            data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
        return opcode, data, fin

    def send(self, opcode, data):
        head = bytes([0x80 | opcode])
        n = len(data)
        if n < 126:
            head += bytes([n])
        elif n < 65536:
            head += bytes([126]) + struct.pack(">H", n)
        else:
            head += bytes([127]) + struct.pack(">Q", n)
        with self.lock:
            if not self.closed:
                self.sock.sendall(head + data)

    def send_text(self, text):
        self.send(0x1, text.encode())

    def abort(self):
        """Drop the TCP connection with no close handshake."""
        with self.lock:
            self.closed = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class FakeCloud:
    def __init__(self, serial, password, port=0):
        self.serial = serial
        self.password = password
        self.cv = threading.Condition()
        self.frames = []        # every JSON object the machine sent, in order
        self.raw_frames = []    # the raw text of every frame
        self.signins = []       # (monotonic time, parsed body, status)
        self.ws_connects = []   # (monotonic time, token, headers)
        self.requests = []      # (method, path, headers dict, body bytes)
        self.uploads = {}       # action id -> (method, headers, body)
        self.files = {}         # name -> bytes
        self.ws_tokens = set()
        self.auth_tokens = set()
        self.ws = None
        self.refuse_password = False
        self.refuse_ws = False     # answer every WebSocket upgrade with 401
        self.pings = 0             # pings received from the machine
        self.answer_pings = True   # False: never pong (a dead service)
        self.fail_next_bearer = 0  # answer 401 to that many bearer calls
        self.truncate = set()      # file names served short
        self.slow = set()          # file names trickled out (1 KiB / 2 s)
        cloud = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _reply(self, code, body=b"", ctype="application/json"):
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _bearer_ok(self):
                h = self.headers.get("Authorization", "")
                with cloud.cv:
                    if cloud.fail_next_bearer > 0:
                        cloud.fail_next_bearer -= 1
                        return False
                    return h.startswith("Bearer ") and \
                        h[7:] in cloud.auth_tokens

            def _record(self, body):
                with cloud.cv:
                    cloud.requests.append((self.command, self.path,
                                           Headers(self.headers), body))
                    cloud.cv.notify_all()

            def do_POST(self):
                body = self._body()
                self._record(body)
                if self.path == "/machines/sign_in":
                    return self._sign_in(body)
                parts = self.path.split("/")
                if len(parts) == 5 and parts[1:3] == ["api", "machines"]:
                    if not self._bearer_ok():
                        return self._reply(401, b'{"error":"unauthorized"}')
                    with cloud.cv:
                        cloud.uploads[int(parts[4])] = (
                            "POST", Headers(self.headers), body)
                        cloud.cv.notify_all()
                    return self._reply(200, b"{}")
                self._reply(404, b'{"error":"not found"}')

            def do_PUT(self):
                body = self._body()
                self._record(body)
                if self.path.startswith("/upload/"):
                    aid = int(self.path.split("/")[2].split("?")[0])
                    with cloud.cv:
                        cloud.uploads[aid] = ("PUT", Headers(self.headers), body)
                        cloud.cv.notify_all()
                    return self._reply(200, b"")
                self._reply(404, b'{"error":"not found"}')

            def _sign_in(self, body):
                try:
                    req = json.loads(body)
                except ValueError:
                    req = None
                ok = (isinstance(req, dict) and not cloud.refuse_password
                      and req.get("serial") == "S%d" % cloud.serial
                      and req.get("password") == cloud.password)
                with cloud.cv:
                    cloud.signins.append((time.monotonic(), req,
                                          200 if ok else 401))
                    cloud.cv.notify_all()
                if not ok:
                    return self._reply(401,
                                       b'{"error":"invalid_credentials"}')
                ws, at = secrets.token_hex(24), secrets.token_hex(32)
                with cloud.cv:
                    cloud.ws_tokens.add(ws)
                    cloud.auth_tokens.add(at)
                self._reply(200, json.dumps({"ws_token": ws,
                                             "auth_token": at}).encode(),
                            "application/json; charset=utf-8")

            def do_GET(self):
                self._record(b"")
                if self.headers.get("Upgrade", "").lower() == "websocket":
                    return self._websocket()
                if self.path.startswith("/files/"):
                    return self._file(self.path[len("/files/"):])
                self._reply(404, b'{"error":"not found"}')

            def _file(self, name):
                if not self._bearer_ok():
                    return self._reply(401, b'{"error":"unauthorized"}')
                data = cloud.files.get(name)
                if data is None:
                    return self._reply(404, b'{"error":"not found"}')
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if name in cloud.truncate:
                    self.wfile.write(data[:len(data) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if name in cloud.slow:
                    try:
                        for i in range(0, len(data), 1024):
                            self.wfile.write(data[i:i + 1024])
                            self.wfile.flush()
                            time.sleep(2)
                    except OSError:
                        self.close_connection = True
                    return
                self.wfile.write(data)

            def _websocket(self):
                token = self.path.lstrip("/")
                with cloud.cv:
                    known = token in cloud.ws_tokens
                    cloud.ws_tokens.discard(token)  # single use
                    cloud.ws_connects.append((time.monotonic(), token,
                                              Headers(self.headers)))
                protos = [p.strip() for p in self.headers.get(
                    "Sec-WebSocket-Protocol", "").split(",")]
                if not known or cloud.refuse_ws:
                    self.close_connection = True
                    return self._reply(401, b'{"error":"bad token"}')
                if "glowforge" not in protos:
                    self.close_connection = True
                    return self._reply(400, b'{"error":"subprotocol"}')
                key = self.headers["Sec-WebSocket-Key"]
                accept = base64.b64encode(hashlib.sha1(
                    (key + WS_GUID).encode()).digest()).decode()
                self.send_response(101)
                self.send_header("Upgrade", "websocket")
                self.send_header("Connection", "Upgrade")
                self.send_header("Sec-WebSocket-Accept", accept)
                self.send_header("Sec-WebSocket-Protocol", "glowforge")
                self.end_headers()
                self.wfile.flush()
                conn = WsConn(self.connection)
                with cloud.cv:
                    old, cloud.ws = cloud.ws, conn
                    cloud.cv.notify_all()
                if old:
                    old.abort()
                self.close_connection = True
                cloud._ws_loop(conn)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.httpd = Server(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)

    # ---- life cycle -------------------------------------------------
    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.drop_ws()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    @property
    def status_url(self):
        return "ws://127.0.0.1:%d" % self.port

    # ---- WebSocket --------------------------------------------------
    def _ws_loop(self, conn):
        text = b""
        try:
            while True:
                op, data, fin = conn.recv_frame()
                if op == 0x8:
                    conn.send(0x8, data[:2])
                    break
                if op == 0x9:
                    with self.cv:
                        self.pings += 1
                        self.cv.notify_all()
                    if self.answer_pings:
                        conn.send(0xA, data)
                    continue
                if op in (0x1, 0x0):
                    text += data
                    if fin:
                        self._got_frame(text.decode())
                        text = b""
                elif op == 0x2:
                    with self.cv:
                        self.raw_frames.append(("binary", data))
        except (ConnectionError, OSError):
            pass
        finally:
            conn.abort()
            with self.cv:
                if self.ws is conn:
                    self.ws = None
                self.cv.notify_all()

    def _got_frame(self, text):
        with self.cv:
            self.raw_frames.append(("text", text))
            for line in text.split("\n"):
                if line.strip():
                    self.frames.append(json.loads(line))
            self.cv.notify_all()

    def connected(self):
        with self.cv:
            return self.ws is not None

    def send_raw(self, text):
        with self.cv:
            ws = self.ws
        assert ws is not None, "no machine connected"
        ws.send_text(text)

    def send_action(self, aid, action_type, status="ready", **extra):
        msg = {"id": aid, "action_type": action_type, "status": status,
               "machine_serial": "S%d" % self.serial}
        msg.update(extra)
        self.send_raw(json.dumps(msg))

    def drop_ws(self):
        with self.cv:
            ws = self.ws
        if ws:
            ws.abort()

    # ---- helpers for tests -------------------------------------------
    def add_file(self, name, data):
        self.files[name] = data
        return "%s/files/%s" % (self.url, name)

    def upload_url(self, aid):
        return "%s/upload/%d?sig=abc&exp=9999999999" % (self.url, aid)

    def wait(self, pred, timeout=20.0, what="condition"):
        end = time.monotonic() + timeout
        with self.cv:
            while True:
                r = pred()
                if r:
                    return r
                left = end - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for " + what)
                self.cv.wait(min(left, 0.5))

    def wait_connected(self, count=1, timeout=20.0):
        """Wait until the machine's WebSocket connection number `count` is
        up."""
        return self.wait(lambda: self.ws is not None and
                         len(self.ws_connects) >= count, timeout,
                         "connection %d" % count)

    def events_for(self, aid):
        with self.cv:
            return [f for f in self.frames
                    if f.get("action_id") == aid and f.get("type") == "event"]

    def event_names(self, aid):
        return [f["event"] for f in self.events_for(aid)]

    def wait_terminal(self, aid, action_type, timeout=30.0):
        terms = {action_type + ":" + s
                 for s in ("completed", "cancelled", "failed")}

        def done():
            for f in self.frames:
                if f.get("action_id") == aid and f.get("event") in terms:
                    return f["event"]
            return None
        return self.wait(done, timeout, "terminal event of %d" % aid)

    def wait_event(self, aid, event, timeout=30.0):
        def seen():
            for f in self.frames:
                if f.get("action_id") == aid and f.get("event") == event:
                    return f
            return None
        return self.wait(seen, timeout, event)

    def logs(self):
        with self.cv:
            return [f["log"] for f in self.frames if f.get("type") == "log"]

    def frames_of(self, kind):
        with self.cv:
            return [f for f in self.frames if f.get("type") == kind]


# ---- starting gfmachine -------------------------------------------------
import subprocess  # noqa: E402
import tempfile  # noqa: E402

PASSWORD = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def build_dir():
    return os.environ.get("GF_BUILD_DIR", os.path.join(
        os.path.dirname(__file__), "..", "..", "build"))


def source_dir():
    return os.environ.get("GF_SOURCE_DIR", os.path.join(
        os.path.dirname(__file__), "..", ".."))


def fixture(*parts):
    return os.path.join(source_dir(), "tests", "fixtures", *parts)


class Machine:
    """A real gfmachine process with fast timings, its stderr captured to a
    file, and its own temp dir (control socket, spool)."""

    def __init__(self, server, status, serial, password=PASSWORD, env=None,
                 **opts):
        self.tmp = tempfile.mkdtemp(prefix="gfm-test-")
        self.control = os.path.join(self.tmp, "control.sock")
        self.logpath = os.path.join(self.tmp, "stderr.log")
        args = {
            "server": server, "status": status, "serial": str(serial),
            "password": password, "speed": "0", "auto_button": "0",
            "retry_min_ms": "200", "retry_max_ms": "1000",
            "retry_auth_ms": "1500", "reconnect_ms": "200",
            "warmup_ms": "3000", "rest_ms": "10000",
            "progress_interval_ms": "30000", "control": self.control,
            "work_dir": self.tmp, "http_timeout_ms": "10000",
        }
        args.update({k: str(v) for k, v in opts.items()})
        self.argv = [os.path.join(build_dir(), "src", "machine", "gfmachine")]
        for k, v in args.items():
            self.argv += ["--" + k, v]
        self.log = open(self.logpath, "w")
        self.proc = subprocess.Popen(self.argv, stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))

    def wait_control(self, timeout=10.0):
        end = time.monotonic() + timeout
        while not os.path.exists(self.control):
            assert time.monotonic() < end, "no control socket"
            assert self.proc.poll() is None, "gfmachine exited"
            time.sleep(0.05)

    def press(self):
        return self.command("press")

    def lid(self, state):
        return self.command("lid", state)

    def command(self, *words):
        """`gfmachine press` / `gfmachine lid open` on this daemon."""
        self.wait_control()
        gfm = self.argv[0]
        for _ in range(20):  # the socket file exists a moment before listen
            r = subprocess.run([gfm, *words, "--control", self.control],
                               capture_output=True, text=True, timeout=10)
            if r.returncode == 0 or "no gfmachine listening" not in r.stderr:
                break
            time.sleep(0.05)
        return r

    def stderr(self):
        with open(self.logpath) as f:
            return f.read()

    def stop(self):
        """SIGTERM, then check it exits cleanly (sanitizer leaks would make
        the exit code non-zero)."""
        rc = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                rc = self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = "hung"
        else:
            rc = self.proc.returncode
        self.log.close()
        return rc

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()
        import shutil
        shutil.rmtree(self.tmp, ignore_errors=True)


# ---- pulse files for tests ------------------------------------------------
import gzip as _gzip  # noqa: E402

MOTION_FIXTURE = "1234567890-nooptions-xxxxx.puls"
HUNT_FIXTURE = "hunt-signed-offset--8-step-size-0.35306.puls"


def read_fixture_puls(name=MOTION_FIXTURE):
    with open(fixture("puls", name), "rb") as f:
        return f.read()


def make_puls(payload, base=MOTION_FIXTURE, **tags):
    """A pulse file: the header of fixture `base` with `tags` overridden
    (e.g. MCsn=5, STfr=20000), then `payload`."""
    data = read_fixture_puls(base)
    hlen = struct.unpack_from("<I", data, 4)[0]
    head = bytearray(data[:hlen])
    for off in range(8, hlen - 7, 8):
        name = head[off:off + 4].decode()
        if name in tags:
            struct.pack_into("<I", head, off + 4, tags[name] & 0xFFFFFFFF)
    return bytes(head) + payload


def decode(payload):
    """Independent decoder (PROTOCOL.md §15.4): net x, y, z and laser ticks."""
    x = y = z = laser = 0
    for b in payload:
        if b & 0x80:
            continue
        if b & 0x01:
            x += -1 if b & 0x02 else 1
        if b & 0x04:
            y += 1 if b & 0x08 else -1
        if b & 0x20:
            z += 1 if b & 0x40 else -1
        if b & 0x10:
            laser += 1
    return x, y, z, laser


def payload_of(data):
    if data[:2] == b"\x1f\x8b":
        data = _gzip.decompress(data)
    return data[struct.unpack_from("<I", data, 4)[0]:]


def long_job(ticks, stfr=10000):
    """A dark job of `ticks` X+ steps (every 4th tick) for cancel tests."""
    payload = bytes([0x01, 0x00, 0x00, 0x00]) * (ticks // 4)
    return make_puls(payload, STfr=stfr)


def run_tests(namespace):
    """Run every test_* function in `namespace` in order; exit 1 if any
    failed."""
    import sys
    import traceback
    failed = 0
    names = [n for n in namespace if n.startswith("test_")]
    for n in names:
        t0 = time.monotonic()
        try:
            namespace[n]()
            print("PASS %s (%.1f s)" % (n, time.monotonic() - t0))
        except Exception:
            failed += 1
            print("FAIL %s" % n)
            traceback.print_exc()
    print("%d/%d passed" % (len(names) - failed, len(names)))
    sys.exit(1 if failed else 0)


class Session:
    """A fake cloud and a gfmachine connected to it, as a context manager
    that always cleans up and checks the machine exits cleanly."""

    def __init__(self, serial=10000042, wait=True, **opts):
        self.cloud = FakeCloud(serial, PASSWORD).start()
        self.machine = Machine(self.cloud.url, self.cloud.status_url, serial,
                               **opts)
        self.wait = wait

    def __enter__(self):
        try:
            if self.wait:
                self.cloud.wait_connected()
        except BaseException:
            self._dump()
            self.__exit__(None, None, None)
            raise
        return self.cloud, self.machine

    def _dump(self):
        print("---- gfmachine stderr ----")
        print(self.machine.stderr())

    def __exit__(self, et, ev, tb):
        try:
            rc = self.machine.stop()
            err = self.machine.stderr()
            if et is not None:
                self._dump()
            elif rc != 0 or "Sanitizer" in err or "runtime error:" in err:
                self._dump()
                raise AssertionError("gfmachine exited with %r" % (rc,))
        finally:
            self.machine.cleanup()
            self.cloud.stop()
        return False

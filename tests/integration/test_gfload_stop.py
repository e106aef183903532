"""gfload stops cleanly whatever state its connections are in.

A small stand-in service signs every machine in, then answers its WebSocket
upgrade with something other than 101: an HTTP 503, a socket closed
half-way through the handshake, or nothing at all. Those connections end without a WebSocket
close, so gfload must forget them by their last callback; SIGINT then asks
every session to close, and a stale connection there is a crash (issue 11:
a segfault in gl_machine_close_all). Checks: exit code 0, a summary, the
failed connects counted, no sanitizer report."""

import http.server
import json
import os
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import build_dir  # noqa: E402

N = 40
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


class Refusing(http.server.BaseHTTPRequestHandler):
    """Sign-in always works; the upgrade never does."""
    protocol_version = "HTTP/1.1"
    count = 0

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(n)
        body = json.dumps({"ws_token": "t%d" % Refusing.count,
                           "auth_token": "a"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        Refusing.count += 1
        if Refusing.count % 3 == 0:  # never answers
            time.sleep(60)
        elif Refusing.count % 3 == 1:
            body = b"busy"
            self.send_response(503)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        else:  # half a 101, then gone
            self.wfile.write(b"HTTP/1.1 101 Switching Protocols\r\n")
        self.close_connection = True


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class GfloadStop(unittest.TestCase):
    def test_sigint_after_refused_upgrades(self):
        srv = Server(("127.0.0.1", 0), Refusing)
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        tmp = tempfile.mkdtemp(prefix="gfload-stop-")
        try:
            out = open(os.path.join(tmp, "out"), "w+")
            err = open(os.path.join(tmp, "err"), "w+")
            args = [os.path.join(build_dir(), "src", "tools", "gfload"),
                    "--server", "http://127.0.0.1:%d" % srv.server_port,
                    "--machines", str(N), "--serial-base", "50000000",
                    "--password", "ab" * 32, "--rate", "400", "--json"]
            proc = subprocess.Popen(args, stdout=out, stderr=err)
            # Every machine has tried at least once (rate 400: 0.1 s).
            deadline = time.monotonic() + 20
            while Refusing.count < N and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertGreaterEqual(Refusing.count, N)
            proc.send_signal(signal.SIGINT)
            rc = proc.wait(timeout=30)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
            self.assertEqual(rc, 0, stderr[-2000:])
            for marker in SANITIZER_MARKERS:
                self.assertNotIn(marker, stderr)
            summary = json.loads(stdout.strip().splitlines()[-1])
            self.assertEqual(summary["sessions_held"], 0)
            self.assertGreaterEqual(summary["sign_ins"], N)
            self.assertGreaterEqual(summary["connect_failures"], N // 2)
        finally:
            srv.shutdown()
            srv.server_close()
            subprocess.run(["rm", "-rf", tmp])


if __name__ == "__main__":
    unittest.main()

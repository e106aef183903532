"""The dashboard's files served by the real gfcloud (http_static.c).

A web root of our own (--web-root) with the shapes that must not be
served: a symbolic link that leads out of it, a hidden file, a folder, a
file of a kind the dashboard has no type for. What is served carries its
content type, the caching headers (no-cache + ETag, 304 on a match) and
the policy headers; HEAD gives the headers alone; the service's own
prefixes never fall through to a file. Without --web-root the build-tree
binary serves the repo's web/ (copied beside it by the build), and a
web-root that is not a folder stops the start with a message naming it."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gfharness as gh  # noqa: E402

INDEX = b"<!doctype html><title>t</title><p>index</p>\n"
APP = b"export const answer = 42;\n"


def raw_request(port, text):
    """Bytes on a socket, as sent (http.client would tidy the path)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(text.encode())
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


class WebStaticTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gfweb-")
        root = os.path.join(cls.tmp, "root")
        os.makedirs(os.path.join(root, "sub"))
        with open(os.path.join(root, "index.html"), "wb") as f:
            f.write(INDEX)
        with open(os.path.join(root, "app.js"), "wb") as f:
            f.write(APP)
        with open(os.path.join(root, "sub", "page.css"), "wb") as f:
            f.write(b"body { color: red; }\n")
        with open(os.path.join(root, ".secret.txt"), "wb") as f:
            f.write(b"hidden\n")
        with open(os.path.join(root, "notes.md"), "wb") as f:
            f.write(b"# not a dashboard file\n")
        with open(os.path.join(cls.tmp, "outside.txt"), "wb") as f:
            f.write(b"outside the root\n")
        os.symlink(os.path.join(cls.tmp, "outside.txt"),
                   os.path.join(root, "escape.txt"))
        os.symlink(os.path.join(cls.tmp), os.path.join(root, "up"))
        os.symlink("app.js", os.path.join(root, "alias.js"))
        cls.cloud = gh.Cloud(extra_args=["--web-root", root])

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def get(self, path, method="GET", headers=None):
        return self.cloud.http(method, path, headers=headers)

    def test_index_and_headers(self):
        status, h, body = self.get("/")
        self.assertEqual((status, body), (200, INDEX))
        self.assertEqual(h["content-type"], "text/html; charset=utf-8")
        self.assertEqual(h["content-length"], str(len(INDEX)))
        self.assertEqual(h["cache-control"], "no-cache")
        self.assertEqual(h["x-content-type-options"], "nosniff")
        self.assertIn("default-src 'self'", h["content-security-policy"])
        self.assertIn("frame-ancestors 'none'",
                      h["content-security-policy"])
        self.assertTrue(h["etag"].startswith('"'), h)
        status, _, body = self.get("/index.html")
        self.assertEqual((status, body), (200, INDEX))

    def test_content_types(self):
        for path, ctype, body in (
                ("/app.js", "text/javascript; charset=utf-8", APP),
                ("/sub/page.css", "text/css; charset=utf-8",
                 b"body { color: red; }\n"),
                ("/alias.js", "text/javascript; charset=utf-8", APP)):
            status, h, got = self.get(path)
            self.assertEqual((status, h["content-type"], got),
                             (200, ctype, body), path)

    def test_etag_revalidation(self):
        _, h, _ = self.get("/app.js")
        status, h2, body = self.get("/app.js",
                                    headers={"If-None-Match": h["etag"]})
        self.assertEqual((status, body), (304, b""))
        self.assertEqual(h2["etag"], h["etag"])
        status, _, body = self.get("/app.js",
                                   headers={"If-None-Match": '"other"'})
        self.assertEqual((status, body), (200, APP))

    def test_head(self):
        reply = raw_request(self.cloud.port,
                            "HEAD /app.js HTTP/1.1\r\nHost: x\r\n\r\n")
        head, _, body = reply.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), reply)
        self.assertIn(b"content-length: %d" % len(APP), head.lower())
        self.assertEqual(body, b"")

    def test_not_served(self):
        for path in ("/missing.html", "/sub", "/sub/", "/escape.txt",
                     "/up/outside.txt", "/.secret.txt", "/notes.md",
                     "/up"):
            status, h, body = self.get(path)
            self.assertIn(status, (400, 404), path)
            self.assertNotIn(b"outside the root", body, path)
            self.assertNotIn(b"hidden", body, path)
            self.assertTrue(h["content-type"].startswith("application/json"),
                            path)

    def test_traversal_on_the_wire(self):
        for target in ("/../outside.txt", "/sub/../../outside.txt",
                       "/%2e%2e/outside.txt", "/sub/%2e%2e/%2e%2e/outside.txt",
                       "/up/../outside.txt", "/..%2foutside.txt"):
            reply = raw_request(
                self.cloud.port,
                "GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % target)
            self.assertNotIn(b"outside the root", reply, target)
            self.assertFalse(reply.startswith(b"HTTP/1.1 200"), target)

    def test_methods_and_service_prefixes(self):
        status, h, _ = self.cloud.http("POST", "/", body=b"x")
        self.assertEqual(status, 405)
        status, h, _ = self.cloud.http("DELETE", "/app.js")
        self.assertEqual(status, 405)
        # The API's own 404s stay the API's, never a dashboard file.
        for path in ("/api/nothing.html", "/api/v1/nothing",
                     "/machines/index.html"):
            status, h, body = self.get(path)
            self.assertIn(status, (401, 404), path)
            self.assertTrue(h["content-type"].startswith("application/json"),
                            path)


class WebRootDefaultTest(unittest.TestCase):
    def test_build_tree_serves_the_repo_web(self):
        with open(os.path.join(gh.source_dir(), "web", "index.html"),
                  "rb") as f:
            index = f.read()
        with gh.Cloud() as cloud:
            status, h, body = cloud.http("GET", "/")
            self.assertEqual((status, body), (200, index))
            self.assertIn("dashboard files in", cloud.log_text())

    def test_bad_web_root_stops_the_start(self):
        tmp = tempfile.mkdtemp(prefix="gfweb-bad-")
        try:
            missing = os.path.join(tmp, "nowhere")
            p = subprocess.run(
                [gh.gfcloud_binary(), "serve", "--data",
                 os.path.join(tmp, "data"), "--listen", "127.0.0.1:0",
                 "--web-root", missing],
                capture_output=True, text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0)
            self.assertIn("web-root %s" % missing, p.stderr)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""gfcloud uploads and downloads and their access rules (PROTOCOL.md §13,
§15.1, §15.6).

Image uploads: the presigned PUT (signature, expiry, single use, JPEG type
and SOI marker, size cap) and the legacy bearer POST. Job files: validated
with libgf before they are accepted; motion_url downloads only for the
machine the job is for, served gzip with Content-Length."""

import gzip
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import (Cloud, FakeMachine, build_dir,  # noqa: E402
                       fixture, with_mcsn)

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
PW2 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
SERIAL, OTHER = 10000042, 10000043
JOB = fixture("puls", "1234567890-nooptions-xxxxx.puls")


def jpeg_bytes():
    with open(fixture("img", "HOME_1.jpg"), "rb") as f:
        return f.read()


class Files(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud(extra_args=["--max-image-body", "500000",
                                      "--max-file-body", "100000"])
        cls.cloud.add_machine(SERIAL, PW)
        cls.cloud.add_machine(OTHER, PW2)
        cls.m = FakeMachine(cls.cloud, SERIAL, PW)
        cls.m.handshake(home=True)
        cls.other = FakeMachine(cls.cloud, OTHER, PW2)
        cls.other.handshake(home=True)

    @classmethod
    def tearDownClass(cls):
        cls.m.close()
        cls.other.close()
        cls.cloud.close()

    def image_action(self):
        aid = self.cloud.send_action(SERIAL, "lid_image")
        a = self.m.expect_action("lid_image")
        url = urllib.parse.urlsplit(a["endpoint"])
        return aid, url.path + "?" + url.query, url

    def finish(self, aid, ev="lid_image:completed"):
        self.m.event(aid, ev)
        self.cloud.wait_action_state(aid, ("completed", "failed"))

    def put(self, path, body, ctype="image/jpeg"):
        status, _, data = self.cloud.http("PUT", path, body=body,
                                          headers={"Content-Type": ctype})
        return status, data

    def test_signed_put_rules(self):
        aid, path, url = self.image_action()
        jpeg = jpeg_bytes()
        # Wrong signature, missing signature, wrong method, wrong type.
        bad = path.replace("sig=", "sig=0")[:len(path)]
        self.assertEqual(self.put(bad, jpeg)[0], 403)
        self.assertEqual(self.put(url.path, jpeg)[0], 403)
        self.assertEqual(self.cloud.http("POST", path, body=jpeg)[0], 405)
        self.assertEqual(self.put(path, jpeg, "text/plain")[0], 415)
        self.assertEqual(self.put(path, b"GIF89a" + b"0" * 100)[0], 400)
        # Another action's id with this signature.
        other = path.replace("/upload/%d" % aid, "/upload/%d" % (aid + 1))
        self.assertEqual(self.put(other, jpeg)[0], 403)
        status, data = self.put(path, jpeg)
        self.assertEqual(status, 200, data)
        # Single use.
        self.assertEqual(self.put(path, jpeg)[0], 409)
        self.finish(aid)
        # The signature is a credential: never in the log.
        sig = urllib.parse.parse_qs(url.query)["sig"][0]
        self.assertNotIn(sig, self.cloud.log_text())

    def test_image_size_cap(self):
        aid, path, _ = self.image_action()
        status, data = self.put(path, b"\xff\xd8" + b"\0" * 600000)
        self.assertEqual(status, 413)
        # The service goes on serving.
        status, data = self.put(path, jpeg_bytes())
        self.assertEqual(status, 200)
        self.finish(aid)

    def test_legacy_post(self):
        aid = self.cloud.send_action(SERIAL, "lid_image")
        self.m.expect_action("lid_image")
        path = "/api/machines/lid_image/%d" % aid
        jpeg = jpeg_bytes()
        hdr = {"Content-Type": "image/jpeg"}
        self.assertEqual(self.cloud.http("POST", path, body=jpeg,
                                         headers=hdr)[0], 401)
        self.assertEqual(self.cloud.http(
            "POST", path, body=jpeg, headers=hdr,
            token=self.other.tokens["auth_token"])[0], 404)
        self.assertEqual(self.cloud.http(
            "POST", "/api/machines/head_image/%d" % aid, body=jpeg,
            headers=hdr, token=self.m.tokens["auth_token"])[0], 404)
        status, _, _ = self.cloud.http("POST", path, body=jpeg, headers=hdr,
                                       token=self.m.tokens["auth_token"])
        self.assertEqual(status, 200)
        self.finish(aid)
        status, _, body = self.cloud.http(
            "GET", "/api/v1/machines/S%d/images/lid_image/latest" % SERIAL,
            token=self.cloud.api_key)
        self.assertEqual(status, 200)
        self.assertEqual(body, jpeg)

    def test_upload_url_expires(self):
        with Cloud(extra_args=["--upload-url-ttl", "1"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake()
            cloud.send_action(SERIAL, "lid_image")
            a = m.expect_action("lid_image")
            url = urllib.parse.urlsplit(a["endpoint"])
            time.sleep(2.1)
            status, _, data = cloud.http(
                "PUT", url.path + "?" + url.query, body=jpeg_bytes(),
                headers={"Content-Type": "image/jpeg"})
            self.assertEqual(status, 403)
            self.assertIn(b"url_expired", data)
            m.close()

    def test_job_file_validation(self):
        with open(JOB, "rb") as f:
            plain = f.read()
        status, info = self.cloud.upload_file(plain)
        self.assertEqual(status, 201, info)
        self.assertEqual(info["payload_length"], 19894)
        self.assertEqual(info["stfr"], 10000)
        # The same file gzip-compressed is the same stored file.
        status, info2 = self.cloud.upload_file(gzip.compress(plain, mtime=0))
        self.assertEqual(status, 201)
        self.assertEqual(info2["payload_length"], 19894)
        cases = [
            (b"", None),
            (b"not a pulse file at all", "puls_magic"),
            (plain[:100], None),                              # truncated
            (gzip.compress(plain)[:-20], None),               # gzip cut short
            (plain[:1] + b"XYZ" + plain[4:], "puls_magic"),
        ]
        for body, code in cases:
            status, resp = self.cloud.upload_file(body)
            self.assertIn(status, (400, 411, 422), (body[:8], resp))
            if code:
                self.assertEqual(resp["code"], code)
        # A job that inflates far past the upload cap is read as a stream.
        big = plain[:560] + b"\0" * 3000000
        status, info3 = self.cloud.upload_file(gzip.compress(big, mtime=0))
        self.assertEqual(status, 201, info3)
        self.assertEqual(info3["payload_length"], 3000000)
        self.assertLess(info3["size"], 100000)
        # Over max-file-body: refused before the body is read.
        status, resp = self.cloud.upload_file(b"\0" * 100001)
        self.assertEqual(status, 413)
        self.assertEqual(resp["code"], "too_large")

    def test_job_locked_to_another_machine(self):
        with open(JOB, "rb") as f:
            data = bytearray(f.read())
        hlen = int.from_bytes(data[4:8], "little")
        for off in range(8, hlen, 8):
            if data[off:off + 4] == b"MCsn":
                data[off + 4:off + 8] = OTHER.to_bytes(4, "little")
        status, info = self.cloud.upload_file(bytes(data))
        self.assertEqual(status, 201, info)
        self.assertEqual(info["locked_to"], OTHER)
        status, resp = self.cloud.api(
            "POST", "/api/v1/machines/S%d/actions" % SERIAL,
            body={"action_type": "motion", "file": info["id"]})
        self.assertEqual(status, 400)
        self.assertEqual(resp["code"], "serial_mismatch")
        aid = self.cloud.send_action(OTHER, "motion", file=info["id"])
        self.other.expect_action("motion")
        self.other.event(aid, "motion:completed")
        self.cloud.wait_action_state(aid, "completed")

    def test_download_access(self):
        status, info = self.cloud.upload_file(JOB)
        self.assertEqual(status, 201)
        aid = self.cloud.send_action(SERIAL, "motion", file=info["id"])
        a = self.m.expect_action("motion")
        path = urllib.parse.urlsplit(a["motion_url"]).path
        self.assertEqual(self.cloud.http("GET", path)[0], 401)
        self.assertEqual(self.cloud.http(
            "GET", path, token=self.other.tokens["auth_token"])[0], 404)
        self.assertEqual(self.cloud.http(
            "GET", path, token=self.cloud.api_key)[0], 401)
        self.assertEqual(self.cloud.http(
            "GET", "/jobs/%d.puls" % (aid + 1000),
            token=self.m.tokens["auth_token"])[0], 404)
        status, headers, body = self.cloud.http(
            "GET", path, token=self.m.tokens["auth_token"])
        self.assertEqual(status, 200)
        self.assertNotIn("content-encoding", headers)
        self.assertEqual(int(headers["content-length"]), len(body))
        with open(JOB, "rb") as f:
            self.assertEqual(gzip.decompress(body),
                             with_mcsn(f.read(), SERIAL))
        status, headers, body2 = self.cloud.http(
            "GET", path, token=self.m.tokens["auth_token"],
            headers={"Accept-Encoding": "gzip"})
        self.assertEqual(status, 200)
        self.assertEqual(headers.get("content-encoding"), "gzip")
        self.assertEqual(body2, body)
        self.m.event(aid, "motion:completed")
        self.cloud.wait_action_state(aid, "completed")

    def download(self, path, gzip_ok):
        hdrs = {"Accept-Encoding": "gzip"} if gzip_ok else {}
        status, headers, body = self.cloud.http(
            "GET", path, token=self.m.tokens["auth_token"], headers=hdrs)
        self.assertEqual(status, 200)
        self.assertEqual(int(headers["content-length"]), len(body))
        self.assertEqual(headers["content-type"], "application/octet-stream")
        self.assertEqual(headers["cache-control"], "no-store")
        self.assertEqual(headers["connection"], "close")
        self.assertEqual(headers.get("content-encoding"),
                         "gzip" if gzip_ok else None)
        return body

    def test_small_and_big_jobs_download_alike(self):
        # A job file up to 64 KiB is read whole and sent with its headers
        # in one write; a bigger one is streamed from the disk. Both give
        # the same answer: the locked copy, whole, with the same headers.
        gfpuls = os.path.join(build_dir(), "src", "tools", "gfpuls")
        with tempfile.TemporaryDirectory() as d:
            big = os.path.join(d, "big.puls")
            subprocess.run([gfpuls, "compile",
                            fixture("img", "HOME_1.jpg") + "@10,10,60",
                            "-o", big, "-q"], check=True, timeout=60)
            with open(big, "rb") as f:
                big_bytes = f.read()
            with open(JOB, "rb") as f:
                small_bytes = f.read()
            self.assertLess(len(small_bytes), 64 * 1024)
            self.assertGreater(len(big_bytes), 64 * 1024)
            for name, data in [(JOB, small_bytes), (big, big_bytes)]:
                status, info = self.cloud.upload_file(name)
                self.assertEqual(status, 201, info)
                aid = self.cloud.send_action(SERIAL, "motion",
                                             file=info["id"])
                a = self.m.expect_action("motion")
                path = urllib.parse.urlsplit(a["motion_url"]).path
                plain = self.download(path, False)
                self.assertEqual(self.download(path, True), plain)
                if data[:2] == b"\x1f\x8b":
                    data = gzip.decompress(data)
                self.assertEqual(gzip.decompress(plain),
                                 with_mcsn(data, SERIAL))
                self.m.event(aid, "motion:completed")
                self.cloud.wait_action_state(aid, "completed")

    def fetch(self, machine, motion_url):
        path = urllib.parse.urlsplit(motion_url).path
        status, _, body = self.cloud.http(
            "GET", path, token=machine.tokens["auth_token"])
        self.assertEqual(status, 200)
        return body

    def validate(self, body, serial):
        """`gfpuls validate --serial` on a downloaded job: exit status."""
        gfpuls = os.path.join(build_dir(), "src", "tools", "gfpuls")
        self.assertTrue(os.path.exists(gfpuls), gfpuls + " not built")
        with tempfile.NamedTemporaryFile(suffix=".puls") as f:
            f.write(body)
            f.flush()
            return subprocess.run(
                [gfpuls, "validate", "--serial", str(serial), f.name],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                timeout=30).returncode

    @staticmethod
    def mcsn(plain):
        hlen = int.from_bytes(plain[4:8], "little")
        values = [int.from_bytes(plain[off + 4:off + 8], "little")
                  for off in range(8, hlen, 8)
                  if plain[off:off + 4] == b"MCsn"]
        return values, hlen

    def test_unlocked_job_served_locked(self):
        # PROTOCOL.md §19 / §15.6: a job uploaded with MCsn 0 reaches the
        # machine with its serial in MCsn, so a captured copy is useless on
        # any other machine; the payload is untouched and gzip is kept.
        with open(JOB, "rb") as f:
            original = f.read()
        values, hlen = self.mcsn(original)
        self.assertEqual(values, [0])
        status, info = self.cloud.upload_file(JOB)
        self.assertEqual(status, 201)
        self.assertEqual(info["locked_to"], 0)
        bodies = []
        for _ in range(2):  # the second action reuses the cached copy
            aid = self.cloud.send_action(SERIAL, "motion", file=info["id"])
            a = self.m.expect_action("motion")
            bodies.append(self.fetch(self.m, a["motion_url"]))
            self.m.event(aid, "motion:completed")
            self.cloud.wait_action_state(aid, "completed")
        self.assertEqual(bodies[0], bodies[1])
        body = bodies[0]
        self.assertEqual(body[:2], b"\x1f\x8b")
        plain = gzip.decompress(body)
        self.assertEqual(self.mcsn(plain), ([SERIAL], hlen))
        self.assertEqual(plain[hlen:], original[hlen:])
        self.assertEqual(plain, with_mcsn(original, SERIAL))
        self.assertEqual(self.validate(body, SERIAL), 0)
        self.assertNotEqual(self.validate(body, OTHER), 0)
        self.assertEqual(self.cloud.log_text().count(
            "job file %s locked to S%d" % (info["id"][:12], SERIAL)), 1)
        # The other machine gets its own copy of the same file.
        aid = self.cloud.send_action(OTHER, "motion", file=info["id"])
        a = self.other.expect_action("motion")
        plain2 = gzip.decompress(self.fetch(self.other, a["motion_url"]))
        self.assertEqual(self.mcsn(plain2), ([OTHER], hlen))
        self.other.event(aid, "motion:completed")
        self.cloud.wait_action_state(aid, "completed")
        # The action still names the file the operator uploaded.
        self.assertEqual(self.cloud.action(aid)["file"], info["id"])

    def test_job_locked_to_this_machine_served_as_is(self):
        data = with_mcsn(open(JOB, "rb").read(), SERIAL)
        status, info = self.cloud.upload_file(data)
        self.assertEqual(status, 201)
        self.assertEqual(info["locked_to"], SERIAL)
        aid = self.cloud.send_action(SERIAL, "print", file=info["id"])
        a = self.m.expect_action("print")
        self.assertEqual(gzip.decompress(self.fetch(self.m, a["motion_url"])),
                         data)
        self.m.event(aid, "print:return_to_home:succeeded")
        self.m.event(aid, "print:completed")
        self.cloud.wait_action_state(aid, "completed")
        # §17.1: the service's lid image and Z hunt after a print.
        for kind in ("lid_image", "hunt"):
            a = self.m.expect_action(kind)
            self.m.event(a["id"], kind + ":completed")
            self.cloud.wait_action_state(a["id"], "completed")


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""--log-file for gfcloud and gfmachine, as logrotate uses it: every log
line goes to the file (not stderr), and after the file is renamed a SIGHUP
makes the daemon write to a new file at the same path, losing nothing and
staying up. Without --log-file, SIGHUP does not stop either daemon."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import fakecloud as fc  # noqa: E402
from gfharness import Cloud, FakeMachine, gfcloud_binary, wait_for  # noqa: E402

SERIAL = 10000042
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


class LogFile(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gflog-test-")
        self.log = os.path.join(self.tmp, "daemon.log")

    def tearDown(self):
        for path in (self.log, self.log + ".1"):
            for marker in SANITIZER:
                self.assertNotIn(marker, read(path))
        shutil.rmtree(self.tmp, ignore_errors=True)

    def rotate(self, proc):
        """What logrotate does: rename, then SIGHUP; returns once the
        daemon has opened the new file."""
        os.rename(self.log, self.log + ".1")
        proc.send_signal(signal.SIGHUP)
        wait_for(lambda: os.path.exists(self.log), what="the reopened log")

    def test_gfcloud(self):
        with Cloud(extra_args=["--log-file", self.log]) as cloud:
            wait_for(lambda: "listening on" in read(self.log),
                     what="the log in the file")
            self.assertNotIn("listening on", cloud.log_text())
            self.assertEqual(os.stat(self.log).st_mode & 0o777, 0o600)
            self.rotate(cloud.proc)
            m = FakeMachine(cloud, SERIAL, cloud.add_machine(SERIAL))
            m.handshake()
            wait_for(lambda: "S%d: signed in" % SERIAL in read(self.log),
                     what="a line in the new file")
            self.assertIn("listening on", read(self.log + ".1"))
            self.assertNotIn("signed in", read(self.log + ".1"))
            self.assertTrue(cloud.alive())
            m.close()
            self.assertEqual(cloud.stop(), 0)
            self.assertIn("shutting down", read(self.log))
            self.assertEqual(cloud.log_text().strip(), "")

    def test_gfmachine(self):
        with Cloud() as cloud:
            pw = cloud.add_machine(SERIAL)
            m = fc.Machine(cloud.base_url, cloud.status_url, SERIAL,
                           password=pw, log_file=self.log)
            try:
                wait_for(lambda: "gfmachine S%d starting" % SERIAL
                         in read(self.log), what="the log in the file")
                self.rotate(m.proc)
                self.assertEqual(m.press().returncode, 0)
                wait_for(lambda: "button pressed by the operator"
                         in read(self.log), what="a line in the new file")
                self.assertIn("starting", read(self.log + ".1"))
                self.assertNotIn("button pressed", read(self.log + ".1"))
                self.assertIsNone(m.proc.poll())
                self.assertEqual(m.stop(), 0)
                self.assertNotIn("gfmachine S%d starting" % SERIAL,
                                 m.stderr())
            finally:
                m.cleanup()

    def test_sighup_without_a_log_file_changes_nothing(self):
        with Cloud() as cloud:
            cloud.proc.send_signal(signal.SIGHUP)
            time.sleep(0.3)
            self.assertTrue(cloud.alive())
            self.assertEqual(cloud.api("GET", "/api/v1/machines")[0], 200)

    def test_a_log_file_that_cannot_be_opened(self):
        bad = os.path.join(self.tmp, "no-such-dir", "x.log")
        p = subprocess.run([gfcloud_binary(), "serve", "--data",
                            os.path.join(self.tmp, "d"), "--listen",
                            "127.0.0.1:0", "--log-file", bad],
                           capture_output=True, text=True, timeout=20)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("log-file %s: No such file or directory" % bad,
                      p.stderr)
        gfm = os.path.join(fc.build_dir(), "src", "machine", "gfmachine")
        p = subprocess.run([gfm, "--serial", "5", "--password", fc.PASSWORD,
                            "--log-file", bad], capture_output=True,
                           text=True, timeout=20)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("log-file %s: No such file or directory" % bad,
                      p.stderr)


if __name__ == "__main__":
    unittest.main()

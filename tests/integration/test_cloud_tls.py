"""gfcloud with TLS: a certificate and key configured serve HTTPS and WSS on
the same port (issue 3 item 1). Skipped when openssl is not installed."""

import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, FakeMachine  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


@unittest.skipUnless(shutil.which("openssl"), "openssl not installed")
class Tls(unittest.TestCase):
    def test_sign_in_and_session_over_tls(self):
        with Cloud(tls=True) as cloud:
            cloud.add_machine(10000042, PW)
            m = FakeMachine(cloud, 10000042, PW)
            m.handshake()
            aid = cloud.send_action(10000042, "hunt")
            a = m.expect_action("hunt")
            self.assertTrue(a["motion_url"].startswith("https://127.0.0.1:"))
            status, _, body = cloud.http(
                "GET", "/jobs/%d.puls" % aid, token=m.tokens["auth_token"])
            self.assertEqual(status, 200)
            self.assertEqual(body[:2], b"\x1f\x8b")
            m.event(aid, "hunt:completed")
            cloud.wait_action_state(aid, "completed")
            m.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

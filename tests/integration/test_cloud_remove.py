"""`gfcloud machine remove` while the machine holds its WebSocket session.

The CLI is another process writing the store; the service re-checks its
connected machines every --machine-recheck seconds and closes a removed
machine's session with 4001. Its action in flight is recorded interrupted,
it can no longer sign in or open a session with a ws_token it got before,
and everyone else is served as before."""

import os
import sys
import unittest

import websocket

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, FakeMachine, fixture, wait_for  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
PW2 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
SERIAL, OTHER = 10000042, 10000043
JOB = fixture("puls", "1234567890-nooptions-xxxxx.puls")


def close_code(ws, timeout=20):
    """Read until the service's close frame; its status code."""
    ws.settimeout(timeout)
    while True:
        try:
            opcode, data = ws.recv_data(control_frame=True)
        except websocket.WebSocketConnectionClosedException:
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return int.from_bytes(data[:2], "big") if len(data) >= 2 else None


class Remove(unittest.TestCase):
    def test_remove_ends_session(self):
        with Cloud(extra_args=["--machine-recheck", "1"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            cloud.add_machine(OTHER, PW2)
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake(home=True)
            other = FakeMachine(cloud, OTHER, PW2)
            other.handshake()
            status, info = cloud.upload_file(JOB)
            self.assertEqual(status, 201)
            aid = cloud.send_action(SERIAL, "motion", file=info["id"])
            m.expect_action("motion")
            m.event(aid, "motion:starting")
            wait_for(lambda: "motion:starting" in
                     [e["event"] for e in cloud.action(aid)["events"]],
                     what="the starting event")
            spare = cloud.sign_in(SERIAL, PW)  # a ws_token not used yet

            cloud.cli("machine", "remove", "--serial", str(SERIAL))
            self.assertEqual(close_code(m.ws), 4001)
            m.ws = None
            cloud.wait_action_state(aid, "interrupted")
            self.assertTrue(cloud.alive())
            self.assertIn("S%d: machine removed" % SERIAL, cloud.log_text())

            with self.assertRaises(websocket.WebSocketBadStatusException) as e:
                cloud.connect(spare["ws_token"])
            self.assertEqual(e.exception.status_code, 401)
            status, _ = cloud.sign_in_raw(SERIAL, PW)
            self.assertEqual(status, 401)
            status, _, _ = cloud.http("GET", "/update/current",
                                      token=spare["auth_token"])
            self.assertEqual(status, 401)

            # The other machine's session goes on.
            bid = cloud.send_action(OTHER, "lid_image")
            other.expect_action("lid_image")
            other.event(bid, "lid_image:completed")
            cloud.wait_action_state(bid, "completed")
            other.close()

    def test_recheck_off(self):
        # --machine-recheck 0 turns the check off: the session stays until
        # the machine goes, and a new session is still refused.
        with Cloud(extra_args=["--machine-recheck", "0"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake()
            spare = cloud.sign_in(SERIAL, PW)
            cloud.cli("machine", "remove", "--serial", str(SERIAL))
            with self.assertRaises(websocket.WebSocketBadStatusException) as e:
                cloud.connect(spare["ws_token"])
            self.assertEqual(e.exception.status_code, 401)
            m.ws.ping("still here")
            m.close()
            self.assertTrue(cloud.alive())


if __name__ == "__main__":
    unittest.main(verbosity=2)

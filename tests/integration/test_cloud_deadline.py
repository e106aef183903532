"""gfcloud deadlines, interruptions and late events (PROTOCOL.md §10, §11).

The service runs with --deadline-seconds so a missed deadline happens in
a couple of seconds: the same action id must come back with status `cancelled`,
the action is recorded failed (timed out), the head position becomes
unknown and the next queued action goes out. A disconnect mid-action
records it interrupted and cancels it when the machine returns."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, FakeMachine, fixture  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042


class Deadlines(unittest.TestCase):
    def setUp(self):
        self.cloud = Cloud(extra_args=["--deadline-seconds", "2"])
        self.cloud.add_machine(SERIAL, PW)
        self.m = FakeMachine(self.cloud, SERIAL, PW)
        self.m.handshake(home=True)

    def tearDown(self):
        self.m.close()
        self.cloud.close()

    def test_missed_deadline_cancels_and_fails(self):
        a1 = self.cloud.send_action(SERIAL, "lid_image")
        a2 = self.cloud.send_action(SERIAL, "update_check")
        self.m.expect_action("lid_image")
        self.m.event(a1, "lid_image:starting")  # then silence
        cancel = self.m.expect_action("lid_image", status="cancelled",
                                      timeout=10)
        self.assertEqual(cancel["id"], a1)
        self.assertEqual(cancel["machine_serial"], "S%d" % SERIAL)
        rec = self.cloud.action(a1)
        self.assertEqual(rec["state"], "failed")
        self.assertEqual(rec["reason"], "timed out")
        # §10: the position is unknown, and a hunt goes before the rest.
        st = self.cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)[1]
        self.assertEqual(st["head_position"], "unknown")
        self.m.homing_hunt(timeout=10)
        # The scheduler moved on.
        nxt = self.m.expect_action("update_check", timeout=10)
        self.assertEqual(nxt["id"], a2)
        self.m.event(a2, "update_check:completed")
        self.cloud.wait_action_state(a2, "completed")

    def test_stage_events_restart_the_deadline(self):
        with Cloud(extra_args=["--deadline-seconds", "3"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake()
            aid = cloud.send_action(SERIAL, "lid_image")
            m.expect_action("lid_image")
            # Each stage event comes well inside the 3 s deadline, the whole
            # sequence takes longer than one deadline.
            for ev in ("starting", "capture:starting", "capture:completed",
                       "upload:starting", "upload:completed"):
                m.event(aid, "lid_image:" + ev)
                m.expect_silence(0.8)
            m.event(aid, "lid_image:completed")
            self.assertEqual(cloud.wait_action_state(
                aid, ("completed", "failed"))["state"], "completed")
            m.close()

    def test_late_terminal_event_is_final(self):
        aid = self.cloud.send_action(SERIAL, "update_check")
        self.m.expect_action("update_check")
        self.m.expect_action("update_check", status="cancelled", timeout=10)
        self.assertEqual(self.cloud.action(aid)["state"], "failed")
        self.m.expect_action("hunt")  # §10: homing again
        self.m.event(aid, "update_check:completed")
        rec = self.cloud.wait_action_state(aid, "completed")
        self.assertEqual(rec["reason"], "terminal event after the cancel")

    def test_disconnect_interrupts_then_cancels_on_return(self):
        aid = self.cloud.send_action(SERIAL, "hunt")
        self.m.expect_action("hunt")
        self.m.event(aid, "hunt:starting")
        self.m.close()
        rec = self.cloud.wait_action_state(aid, "interrupted")
        self.assertEqual(rec["reason"], "machine disconnected")
        self.assertTrue(rec["cancel_pending"])
        self.m.connect()
        cancel = self.m.expect_action("hunt", status="cancelled")
        self.assertEqual(cancel["id"], aid)
        self.m.expect_action("settings")
        self.assertFalse(self.cloud.action(aid)["cancel_pending"])

    def test_cancel_without_answer_finishes(self):
        aid = self.cloud.send_action(SERIAL, "lid_image")
        self.m.expect_action("lid_image")
        status, body = self.cloud.api("POST", "/api/v1/actions/%d/cancel" % aid)
        self.assertEqual(status, 200)
        self.m.expect_action("lid_image", status="cancelled")
        rec = self.cloud.wait_action_state(aid, "cancelled", timeout=10)
        self.assertEqual(rec["reason"], "no terminal event after the cancel")


class PrintWaitsForButton(unittest.TestCase):
    def test_no_deadline_while_waiting_for_button(self):
        # Deadlines scaled down (120 s -> 1.2 s); the button wait has none.
        with Cloud(extra_args=["--deadline-scale", "0.01"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            status, info = cloud.upload_file(
                fixture("puls", "1234567890-nooptions-xxxxx.puls"))
            self.assertEqual(status, 201)
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake(home=True)
            pid = cloud.send_action(SERIAL, "print", file=info["id"])
            m.expect_action("print")
            m.event(pid, "print:starting")
            m.event(pid, "print:download:completed")
            m.expect_silence(2.5)  # no cancel: waiting for a person
            self.assertEqual(cloud.action(pid)["state"], "sent")
            m.event(pid, "print:cancelled")
            cloud.wait_action_state(pid, "cancelled")
            m.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

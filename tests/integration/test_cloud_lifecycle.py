"""The machine lifecycle the service drives (PROTOCOL.md §12.2, §17,
docs/cloud.md "Machine lifecycle"), against a scripted machine over the real
WebSocket: settings then a hunt on connect, the manual home, dead reckoning
of motions, a print that parks or not, an aborted print, lid events, the
empty report that keeps a position across a restart of gfcloud, and moves
refused while the position is unknown."""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import (Cloud, FakeMachine, build_dir, fixture,  # noqa: E402
                       wait_for)

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042
JOB = fixture("puls", "1234567890-nooptions-xxxxx.puls")
PRINT_EVENTS = ["print:starting", "print:download:completed",
                "print:warmup:starting", "print:running"]
MM = 0.01875


def net_steps(path):
    exe = os.path.join(build_dir(), "src", "tools", "gfpuls")
    import json
    out = subprocess.run([exe, "stats", path, "--json"], check=True,
                         capture_output=True, text=True, timeout=30).stdout
    net = json.loads(out)["net"]
    return net["x"], net["y"]


class Lifecycle(unittest.TestCase):
    def setUp(self):
        self.cloud = Cloud()
        self.cloud.add_machine(SERIAL, PW)
        self.m = None

    def tearDown(self):
        if self.m:
            self.m.close()
        self.cloud.close()

    def state(self):
        return self.cloud.machine(SERIAL)

    def connect_and_home(self, full=True):
        self.m = FakeMachine(self.cloud, SERIAL, PW)
        self.m.handshake(full=full, hunt=True, home=True)
        return self.state()

    def finish(self, aid, *events):
        for ev in events:
            self.m.event(aid, ev)

    def test_connect_settings_hunt_then_manual_home(self):
        self.m = FakeMachine(self.cloud, SERIAL, PW)
        settings = self.m.expect_action("settings")
        self.assertEqual(self.state()["lifecycle"], "reporting")
        self.m.answer_settings(settings, full=True)
        # The service hunts on its own, with the bundled hunt file.
        hunt = self.m.expect_action("hunt")
        self.assertIn("/jobs/%d.puls" % hunt["id"], hunt["motion_url"])
        st = self.cloud.wait_lifecycle(SERIAL, "hunting")
        self.assertEqual(st["head_position"], "unknown")
        # Homing cannot be confirmed while the hunt runs.
        status, body = self.cloud.api(
            "POST", "/api/v1/machines/S%d/home" % SERIAL,
            body={"method": "manual"})
        self.assertEqual((status, body["code"]), (409, "busy"), body)
        self.finish(hunt["id"], "hunt:starting", "hunt:completed")
        st = self.cloud.wait_lifecycle(SERIAL, "waiting_for_home")
        self.assertIn("rear-left", st["homing"])
        # A move is refused while the position is unknown.
        st_, f = self.cloud.upload_file(JOB)
        status, body = self.cloud.api(
            "POST", "/api/v1/machines/S%d/actions" % SERIAL,
            body={"action_type": "motion", "file": f["id"]})
        self.assertEqual((status, body["code"]), (409, "position_unknown"))
        status, body = self.cloud.api(
            "POST", "/api/v1/machines/S%d/home" % SERIAL,
            body={"method": "camera-not-yet"})
        self.assertEqual((status, body["code"]), (400, "unknown_method"))
        status, body = self.cloud.api(
            "POST", "/api/v1/machines/S%d/home" % SERIAL,
            body={"method": "manual"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["lifecycle"], "ready")
        pos = body["head_position"]
        self.assertEqual((pos["x_steps"], pos["y_steps"]), (0, 0))
        self.assertEqual((pos["x_mm"], pos["y_mm"]), (0.0, 0.0))
        self.assertEqual(pos["source"], "manual")
        self.assertIsInstance(pos["since"], int)
        # Nothing else is sent once homed: the service goes quiet (§17.1).
        self.m.expect_silence(0.5)

    def test_home_offset_and_dead_reckoning(self):
        status, body = self.cloud.api(
            "PUT", "/api/v1/machines/S%d/home_offset" % SERIAL,
            body={"x_mm": 1.5, "y_mm": 3})
        self.assertEqual(status, 200, body)
        status, body = self.cloud.api(
            "PUT", "/api/v1/machines/S%d/home_offset" % SERIAL,
            body={"x_mm": -1, "y_mm": 3})
        self.assertEqual((status, body["code"]), (400, "bad_field"))
        st = self.connect_and_home()
        pos = st["head_position"]
        self.assertEqual((pos["x_steps"], pos["y_steps"]), (80, 160))
        self.assertAlmostEqual(pos["x_mm"], 1.5)
        self.assertEqual(st["home_offset"], {"x_mm": 1.5, "y_mm": 3.0})
        _, f = self.cloud.upload_file(JOB)
        nx, ny = net_steps(JOB)
        self.assertNotEqual((nx, ny), (0, 0))
        for n in (1, 2):
            aid = self.cloud.send_action(SERIAL, "motion", file=f["id"])
            self.m.expect_action("motion")
            self.finish(aid, "motion:starting", "motion:completed")
            self.cloud.wait_action_state(aid, "completed")
            pos = wait_for(lambda: self.state()["head_position"],
                           what="the position")
            self.assertEqual((pos["x_steps"], pos["y_steps"]),
                             (80 + n * nx, 160 + n * ny))
            self.assertAlmostEqual(pos["x_mm"], (80 + n * nx) * MM)

    def test_print_parks_then_lid_image_and_hunt(self):
        self.connect_and_home()
        _, f = self.cloud.upload_file(JOB)
        pid = self.cloud.send_action(SERIAL, "print", file=f["id"])
        self.m.expect_action("print")
        self.assertEqual(self.state()["lifecycle"], "busy")
        self.finish(pid, *PRINT_EVENTS, "print:return_to_home:succeeded",
                    "print:completed")
        lid = self.m.expect_action("lid_image")
        self.finish(lid["id"], "lid_image:starting", "lid_image:completed")
        hunt = self.m.expect_action("hunt")
        self.finish(hunt["id"], "hunt:starting", "hunt:completed")
        self.cloud.wait_action_state(hunt["id"], "completed")
        st = self.cloud.wait_lifecycle(SERIAL, "ready")
        pos = st["head_position"]
        self.assertEqual((pos["x_steps"], pos["y_steps"]), (0, 0))
        self.m.expect_silence(0.5)

    def test_print_without_park_loses_the_position(self):
        self.connect_and_home()
        _, f = self.cloud.upload_file(JOB)
        pid = self.cloud.send_action(SERIAL, "print", file=f["id"])
        self.m.expect_action("print")
        self.finish(pid, *PRINT_EVENTS, "print:completed")
        # Homing again (its hunt), and the post-print lid image.
        kinds = []
        for _ in range(2):
            a = self.m.expect_action()
            kinds.append(a["action_type"])
            self.finish(a["id"], a["action_type"] + ":completed")
        self.assertEqual(sorted(kinds), ["hunt", "lid_image"])
        st = self.cloud.wait_lifecycle(SERIAL, "waiting_for_home")
        self.assertEqual(st["head_position"], "unknown")

    def test_cancelled_print_unknown_and_hunt(self):
        self.connect_and_home()
        _, f = self.cloud.upload_file(JOB)
        pid = self.cloud.send_action(SERIAL, "print", file=f["id"])
        self.m.expect_action("print")
        self.finish(pid, *PRINT_EVENTS)
        status, _ = self.cloud.api("POST", "/api/v1/actions/%d/cancel" % pid)
        self.assertEqual(status, 200)
        self.m.expect_action("print", status="cancelled")
        # It parks even when cancelled (§9.3), but did not finish the job.
        self.finish(pid, "print:return_to_home:succeeded", "print:cancelled")
        hunt = self.m.expect_action("hunt")
        st = self.state()
        self.assertEqual(st["head_position"], "unknown")
        self.assertEqual(st["lifecycle"], "hunting")
        # A queued move made while the position was known is not sent now.
        self.finish(hunt["id"], "hunt:completed")
        self.cloud.wait_lifecycle(SERIAL, "waiting_for_home")

    def test_lid_closed_brings_a_lid_image_opened_does_not(self):
        self.connect_and_home()
        self.m.event(None, "lid:opened")
        self.m.expect_silence(0.7)
        self.m.event(None, "lid:closed")
        a = self.m.expect_action("lid_image")
        self.assertIn("endpoint", a)

    def test_lost_session_mid_motion_and_empty_report_keeps(self):
        self.connect_and_home()
        _, f = self.cloud.upload_file(JOB)
        # Idle reconnect with the empty form: the position holds, no hunt.
        self.m.close()
        self.cloud.wait_lifecycle(SERIAL, "offline")
        self.m = FakeMachine(self.cloud, SERIAL, PW)
        self.m.handshake(full=False, hunt=False)
        st = self.cloud.wait_lifecycle(SERIAL, "ready")
        self.assertEqual(st["head_position"]["x_steps"], 0)
        self.m.expect_silence(0.5)
        # ... and across a restart of the service.
        self.m.close()
        self.cloud.restart()
        self.m = FakeMachine(self.cloud, SERIAL, PW)
        self.m.handshake(full=False, hunt=False)
        st = self.cloud.wait_lifecycle(SERIAL, "ready")
        self.assertEqual(st["head_position"]["source"], "manual")
        # A session lost mid-motion: unknown, homing on return.
        aid = self.cloud.send_action(SERIAL, "motion", file=f["id"])
        self.m.expect_action("motion")
        self.m.event(aid, "motion:starting")
        self.m.close()
        self.cloud.wait_action_state(aid, "interrupted")
        st = self.cloud.wait_lifecycle(SERIAL, "offline")
        self.assertEqual(st["head_position"], "unknown")
        self.m = FakeMachine(self.cloud, SERIAL, PW)
        self.m.expect_action("motion", status="cancelled")
        self.m.handshake(full=False, hunt=True)
        self.cloud.wait_lifecycle(SERIAL, "waiting_for_home")

    def test_queued_move_not_sent_while_unknown(self):
        self.connect_and_home()
        _, f = self.cloud.upload_file(JOB)
        # A motion queued behind a print that then fails is refused, not
        # sent from a position nobody knows.
        pid = self.cloud.send_action(SERIAL, "print", file=f["id"])
        self.m.expect_action("print")
        mid = self.cloud.send_action(SERIAL, "motion", file=f["id"])
        self.finish(pid, "print:starting", "print:failed")
        hunt = self.m.expect_action("hunt")
        self.finish(hunt["id"], "hunt:completed")
        a = self.cloud.wait_action_state(mid, "failed")
        self.assertIn("position unknown", a["reason"])
        self.m.expect_silence(0.5)


if __name__ == "__main__":
    unittest.main(verbosity=2)

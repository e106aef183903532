"""gfcloud actions and the event tracker over a real WebSocket
(PROTOCOL.md §5, §8-§13, §17, DESIGN.md's REST API).

A scripted machine (gfharness.FakeMachine) signs in and connects; the test
drives it through the REST API and checks every action type arrives with
the fields the protocol gives it, that full event sequences are recorded in
order with their outcome, one action is in flight at a time, settings come
first on connect, and logs/progress/settings reports are kept."""

import gzip
import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import (Cloud, FakeMachine, fixture, wait_for,  # noqa: E402
                       with_mcsn)

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042
JOB = fixture("puls", "1234567890-nooptions-xxxxx.puls")
JPEG = fixture("img", "HOME_1.jpg")

IMAGE_EVENTS = ["starting", "capture:starting", "capture:completed",
                "upload:starting", "upload:completed", "completed"]
PRINT_EVENTS = ["print:starting", "print:download:completed",
                "print:warmup:starting", "print:running",
                "print:return_to_home:succeeded", "print:completed"]


class SettingsFirst(unittest.TestCase):
    """The first action on connect, checked on a service of its own so that
    no other test's actions come first."""

    def test_settings_first_and_report_kept(self):
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            m = FakeMachine(cloud, SERIAL, PW)
            a = m.expect_action("settings")
            self.assertIsInstance(a["id"], int)
            self.assertEqual(a["machine_serial"], "S%d" % SERIAL)
            self.assertNotIn("type", a)
            # A full-size report (~550 codes, several KB: more than one lws
            # receive buffer) must arrive whole.
            values = {"X%03d" % i: i for i in range(560)}
            values.update(MCsn=SERIAL, SAid=a["id"], MCov="2.6.0-2228")
            m.event(a["id"], "settings:completed",
                    settings={"values": values})
            cloud.wait_action_state(a["id"], "completed")
            status, st = cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)
            self.assertEqual(status, 200)
            self.assertTrue(st["online"])
            self.assertEqual(st["settings_form"], "full")
            self.assertEqual(st["settings"]["MCsn"], SERIAL)
            self.assertEqual(len(st["settings"]), 563)
            self.assertEqual(st["settings"]["X559"], 559)
            self.assertEqual(st["head_position"], "unknown")
            self.assertIsInstance(st["last_seen"], int)
            # Reports that are not JSON, or not a report, as the service reads
            # a full one as text: refused (a NUL escape, a lone surrogate, a
            # control byte, an integer past int64), the kept report stays,
            # and a later good line still goes through.
            head = ('{"id":900,"type":"event","event":"settings:completed",'
                    '"action_id":%d,"settings":{"values":{"X000":1,' % a["id"])
            for bad in ['"MCsn":"\\u0000"}}}', '"MCsn":"\\ud800"}}}',
                        '"MCsn":""}}}', '"MCsn":99999999999999999999}}}',
                        '"MCsn":1}}']:
                m.ws.send(head + bad + "\n")
            m.log("after the bad reports")
            wait_for(lambda: "after the bad reports" in [
                x["log"] for x in cloud.api(
                    "GET", "/api/v1/machines/S%d/logs" % SERIAL)[1]["logs"]],
                what="the log line after the bad reports")
            st = cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)[1]
            self.assertEqual(st["settings"]["MCsn"], SERIAL)
            self.assertEqual(len(st["settings"]), 563)
            self.assertTrue(cloud.alive())
            m.close()


class Actions(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud()
        cls.cloud.add_machine(SERIAL, PW)
        status, info = cls.cloud.upload_file(JOB)
        assert status == 201, (status, info)
        cls.file_id = info["id"]
        cls.m = FakeMachine(cls.cloud, SERIAL, PW)
        cls.first = cls.m.expect_action("settings")
        # A full-size report (~550 codes, several KB: more than one lws
        # receive buffer) must arrive whole.
        values = {"X%03d" % i: i for i in range(560)}
        values.update(MCsn=SERIAL, SAid=cls.first["id"], MCov="2.6.0-2228")
        cls.m.event(cls.first["id"], "settings:completed",
                    settings={"values": values})
        # The full report starts homing (§17): the service's hunt, then the
        # operator's manual home, after which moves may be sent.
        cls.hunt = cls.m.homing_hunt()
        cls.cloud.home(SERIAL)

    @classmethod
    def tearDownClass(cls):
        cls.m.close()
        cls.cloud.close()

    def events(self, action_id):
        return [e["event"] for e in self.cloud.action(action_id)["events"]]

    def run_to_end(self, action_id, events):
        for ev in events:
            self.m.event(action_id, ev)
        return self.cloud.wait_action_state(
            action_id, ("completed", "failed", "cancelled"))

    def test_sync_actions(self):
        aid = self.cloud.send_action(SERIAL, "update_check")
        a = self.m.expect_action("update_check")
        self.assertEqual(a["id"], aid)
        self.assertEqual(self.run_to_end(aid, ["update_check:completed"])
                         ["state"], "completed")
        aid = self.cloud.send_action(SERIAL, "factory_reset")
        self.m.expect_action("factory_reset")
        self.assertEqual(self.run_to_end(aid, ["factory_reset:failed"])
                         ["state"], "failed")
        aid = self.cloud.send_action(SERIAL, "head_firmware_update",
                                     head_firmware_filename="head-1.2.bin")
        a = self.m.expect_action("head_firmware_update")
        self.assertEqual(a["head_firmware_filename"], "head-1.2.bin")
        self.run_to_end(aid, ["head_firmware_update:failed"])

    def image_action(self, kind, settings):
        aid = self.cloud.send_action(SERIAL, kind, settings=settings)
        a = self.m.expect_action(kind)
        self.assertEqual(a["id"], aid)
        self.assertEqual(a["settings"], settings)
        url = urllib.parse.urlsplit(a["endpoint"])
        self.assertEqual(url.path, "/upload/%d" % aid)
        q = urllib.parse.parse_qs(url.query)
        self.assertIn("sig", q)
        self.assertIn("exp", q)
        self.m.event(aid, kind + ":starting")
        self.m.event(aid, kind + ":capture:starting")
        self.m.event(aid, kind + ":capture:completed", log="capture time: 1.48")
        self.m.event(aid, kind + ":upload:starting")
        with open(JPEG, "rb") as f:
            jpeg = f.read()
        status, _, _ = self.cloud.http(
            "PUT", url.path + "?" + url.query, body=jpeg,
            headers={"Content-Type": "image/jpeg"})
        self.assertEqual(status, 200)
        self.m.event(aid, kind + ":upload:completed")
        self.m.event(aid, kind + ":completed")
        done = self.cloud.wait_action_state(aid, "completed")
        self.assertEqual([e["event"] for e in done["events"]],
                         [kind + ":" + e for e in IMAGE_EVENTS])
        self.assertEqual(done["events"][2]["log"], "capture time: 1.48")
        status, headers, body = self.cloud.http(
            "GET", "/api/v1/machines/S%d/images/%s/latest" % (SERIAL, kind),
            token=self.cloud.api_key)
        self.assertEqual(status, 200)
        self.assertEqual(body, jpeg)
        self.assertEqual(headers["content-type"], "image/jpeg")
        self.assertEqual(int(headers["content-length"]), len(jpeg))

    def test_image_actions(self):
        self.image_action("lid_image", {"LCfl": 1})
        self.image_action("head_image", {"HCil": 1, "HCex": 100})
        self.image_action("lidar_image", [{"HCil": 1}, {"HCil": 0}])
        self.image_action("user_image", {"LCfl": 0})

    def fetch_job(self, url):
        path = urllib.parse.urlsplit(url).path
        status, headers, body = self.cloud.http(
            "GET", path, token=self.m.tokens["auth_token"])
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "application/octet-stream")
        self.assertEqual(int(headers["content-length"]), len(body))
        self.assertEqual(body[:2], b"\x1f\x8b")
        return gzip.decompress(body)

    def test_hunt_uses_bundled_file(self):
        aid = self.cloud.send_action(SERIAL, "hunt")
        a = self.m.expect_action("hunt")
        self.assertEqual(a["motion_url"],
                         "%s/jobs/%d.puls" % (self.cloud.base_url, aid))
        self.m.event(aid, "hunt:starting")
        plain = self.fetch_job(a["motion_url"])
        with open(fixture("puls", "hunt-signed-offset--8-step-size-0.35306"
                          ".puls"), "rb") as f:
            self.assertEqual(plain, with_mcsn(f.read(), SERIAL))
        self.assertEqual(self.run_to_end(aid, ["hunt:completed"])["state"],
                         "completed")
        self.assertEqual(self.events(aid), ["hunt:starting", "hunt:completed"])

    def test_motion_and_print_with_file(self):
        aid = self.cloud.send_action(SERIAL, "motion", file=self.file_id)
        a = self.m.expect_action("motion")
        with open(JOB, "rb") as f:
            self.assertEqual(self.fetch_job(a["motion_url"]),
                             with_mcsn(f.read(), SERIAL))
        self.run_to_end(aid, ["motion:starting", "motion:completed"])

        pid = self.cloud.send_action(SERIAL, "print", file=self.file_id)
        a = self.m.expect_action("print")
        self.assertIn("motion_url", a)
        for ev in PRINT_EVENTS[:4]:
            self.m.event(pid, ev)
        self.m.progress(pid, "print:progress", 1200, total=19894,
                        settings={"values": {"CAid": pid, "CCbp": 1200,
                                             "CCst": 1}})

        def in_running():
            st = self.cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)[1]
            cur = st["current_action"] or {}
            prog = st["progress"] or {}
            return (cur.get("stage_event") == "print:running" and
                    prog.get("current") == 1200) and st
        st = wait_for(in_running, what="print running with progress")
        self.assertEqual(st["current_action"]["id"], pid)
        self.assertEqual(st["progress"]["settings"]["values"]["CCbp"], 1200)
        self.assertEqual(st["progress"]["total"], 19894)
        # Advisory events are recorded but do not move the stage.
        self.m.event(pid, "print:running:starting")
        done = self.run_to_end(pid, PRINT_EVENTS[4:])
        self.assertEqual(done["state"], "completed")
        self.assertEqual(self.events(pid), PRINT_EVENTS[:4] +
                         ["print:running:starting"] + PRINT_EVENTS[4:])
        # §17.1: after a completed print, a lid image, then a Z hunt.
        for kind in ("lid_image", "hunt"):
            a = self.m.expect_action(kind)
            self.run_to_end(a["id"], [kind + ":completed"])

    def test_bad_action_requests(self):
        path = "/api/v1/machines/S%d/actions" % SERIAL
        for body, code in [({"action_type": "focus"}, "unknown_action_type"),
                           ({"action_type": "dance"}, "unknown_action_type"),
                           ({}, "missing_field"),
                           ({"action_type": "print"}, "file_required"),
                           ({"action_type": "lid_image", "file": "x" * 64},
                            "no_file")]:
            status, resp = self.cloud.api("POST", path, body=body)
            self.assertIn(status, (400, 404), body)
            self.assertEqual(resp["code"], code, body)
        status, resp = self.cloud.api("POST", "/api/v1/machines/S1/actions",
                                      body={"action_type": "hunt"})
        self.assertEqual(status, 404)
        self.assertEqual(resp["code"], "no_machine")

    def test_one_in_flight_fifo(self):
        a1 = self.cloud.send_action(SERIAL, "update_check")
        a2 = self.cloud.send_action(SERIAL, "update_check")
        first = self.m.expect_action("update_check")
        self.assertEqual(first["id"], a1)
        self.m.expect_silence(0.5)
        self.assertEqual(self.cloud.action(a2)["state"], "queued")
        self.m.event(a1, "update_check:completed")
        second = self.m.expect_action("update_check")
        self.assertEqual(second["id"], a2)
        self.m.event(a2, "update_check:completed")
        self.cloud.wait_action_state(a2, "completed")

    def test_logs_paging(self):
        for i in range(5):
            self.m.log("line %d" % i)
        path = "/api/v1/machines/S%d/logs" % SERIAL

        def have_all():
            s, b = self.cloud.api("GET", path + "?limit=100")
            return len([x for x in b["logs"] if x["log"].startswith("line ")]) == 5
        wait_for(have_all, what="logs stored")
        status, page = self.cloud.api("GET", path + "?since=0&limit=2")
        self.assertEqual(status, 200)
        self.assertEqual(len(page["logs"]), 2)
        status, page2 = self.cloud.api("GET", path + "?since=%d&limit=100"
                                       % page["next"])
        texts = [x["log"] for x in page["logs"] + page2["logs"]]
        self.assertEqual([t for t in texts if t.startswith("line ")],
                         ["line %d" % i for i in range(5)])
        status, _ = self.cloud.api("GET", path + "?limit=abc")
        self.assertEqual(status, 400)

    def test_unsolicited_events_listed(self):
        self.m.event(None, "lid:opened")
        self.m.event(None, "button:pressed", log="front button")
        path = "/api/v1/machines/S%d/events" % SERIAL

        def found():
            s, b = self.cloud.api("GET", path + "?limit=1000")
            ev = [e for e in b["events"] if e["action_id"] is None]
            return len(ev) >= 2 and ev
        ev = wait_for(found, what="unsolicited events")
        self.assertEqual([e["event"] for e in ev[-2:]],
                         ["lid:opened", "button:pressed"])
        self.assertEqual(ev[-1]["log"], "front button")
        s, b = self.cloud.api("GET", path + "?since=%d" % ev[-1]["cursor"])
        self.assertEqual(b["events"], [])
        self.assertEqual(b["next"], ev[-1]["cursor"])

    def test_cancel_in_flight_and_queued(self):
        a1 = self.cloud.send_action(SERIAL, "lid_image")
        a2 = self.cloud.send_action(SERIAL, "lid_image")
        self.m.expect_action("lid_image")
        self.m.event(a1, "lid_image:starting")
        status, body = self.cloud.api("POST", "/api/v1/actions/%d/cancel" % a2)
        self.assertEqual(status, 200)
        self.assertEqual(body["state"], "cancelled")
        status, body = self.cloud.api("POST", "/api/v1/actions/%d/cancel" % a1)
        self.assertEqual(status, 200)
        self.assertEqual(body["state"], "cancelling")
        c = self.m.expect_action("lid_image", status="cancelled")
        self.assertEqual(c["id"], a1)
        self.m.event(a1, "lid_image:failed")
        self.assertEqual(self.cloud.wait_action_state(a1, "failed")["state"],
                         "failed")
        status, body = self.cloud.api("POST", "/api/v1/actions/%d/cancel" % a1)
        self.assertEqual(status, 409)
        self.m.expect_silence(0.3)  # a2 was never delivered

    def test_list_actions(self):
        status, body = self.cloud.api("GET", "/api/v1/machines/S%d/actions"
                                      "?limit=3" % SERIAL)
        self.assertEqual(status, 200)
        self.assertLessEqual(len(body["actions"]), 3)
        status, body = self.cloud.api("GET", "/api/v1/machines")
        self.assertEqual(status, 200)
        self.assertEqual(body["machines"][0]["serial"], "S%d" % SERIAL)


class Offline(unittest.TestCase):
    def test_queued_while_offline_settings_first(self):
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            aid = cloud.send_action(SERIAL, "update_check")
            self.assertEqual(cloud.action(aid)["state"], "queued")
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake(full=False)
            a = m.expect_action("update_check")
            self.assertEqual(a["id"], aid)
            m.event(aid, "update_check:completed")
            cloud.wait_action_state(aid, "completed")
            st = cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)[1]
            self.assertEqual(st["settings_form"], "empty")
            m.close()

    def test_queue_expiry(self):
        with Cloud(extra_args=["--queue-ttl", "1"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            aid = cloud.send_action(SERIAL, "update_check")
            import time
            time.sleep(2.1)
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake()
            m.expect_silence(0.5)
            self.assertEqual(cloud.action(aid)["state"], "expired")
            m.close()


class Refusals(unittest.TestCase):
    """Requests refused part-way through their handler (http_reject) get
    their answer, and nothing is queued."""

    def test_bad_fields_and_a_serial_too_large_to_lock_for(self):
        big = 2 ** 32 + 5  # MCsn holds 32 bits
        with Cloud() as cloud:
            cloud.add_machine(big, PW)
            status, info = cloud.upload_file(JOB)
            self.assertEqual(status, 201, info)
            path = "/api/v1/machines/S%d/actions" % big
            for body, code in [
                    ({"action_type": "motion", "file": 7}, "bad_field"),
                    ({"action_type": "lid_image", "file": info["id"]},
                     "bad_field"),
                    ({"action_type": "motion", "file": info["id"]},
                     "serial_too_large")]:
                status, resp = cloud.api("POST", path, body=body)
                self.assertEqual(status, 400, body)
                self.assertEqual(resp["code"], code, body)
            status, resp = cloud.api("GET", "/api/v1/machines/S%d/actions"
                                     % big)
            self.assertEqual(status, 200)
            self.assertEqual(resp["actions"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)

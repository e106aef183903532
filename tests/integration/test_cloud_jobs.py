"""Jobs from designs (docs/api.md "Jobs"), against a scripted machine over
the real WebSocket: an SVG compiled on the worker pool runs through its
states to completed with the button, a job made before homing waits in
waiting_for_home and goes on after a manual home, a job off the bed is
refused naming the edge, a machine refusal reaches the job's reason, a
cancelled job records who cancelled it, the history filters, a pulse file
body, the preview picture, bad requests, and multipart/form-data bodies."""

import os
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, FakeMachine, fixture, wait_for  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042
SQUARE = fixture("designs", "square.svg")
PULSE = fixture("puls", "1234567890-nooptions-xxxxx.puls")
PRINT_EVENTS = ["print:starting", "print:download:completed"]


def body_of(path):
    with open(path, "rb") as f:
        return f.read()


class Jobs(unittest.TestCase):
    def setUp(self):
        self.cloud = Cloud()
        self.cloud.add_machine(SERIAL, PW)
        self.m = None

    def tearDown(self):
        if self.m:
            self.m.close()
        self.cloud.close()

    def post_job(self, data, ctype="image/svg+xml", **query):
        q = dict({"machine": "S%d" % SERIAL}, **query)
        return self.cloud.api(
            "POST", "/api/v1/jobs?" + urllib.parse.urlencode(q), body=data,
            headers={"Content-Type": ctype})

    def job(self, jid):
        st, body = self.cloud.api("GET", "/api/v1/jobs/%d" % jid)
        self.assertEqual(st, 200, body)
        return body

    def wait_job(self, jid, states, timeout=20):
        if isinstance(states, str):
            states = (states,)
        return wait_for(lambda: (lambda j: j if j["state"] in states
                                 else None)(self.job(jid)),
                        timeout=timeout, what="job %d in %s" % (jid, states))

    def homed(self):
        self.m = FakeMachine(self.cloud, SERIAL, PW)
        self.m.handshake(full=True, hunt=True, home=True)

    def run_print(self, jid, park=True):
        """Play the job's print on the scripted machine; returns it."""
        a = self.m.expect_action("print")
        self.assertIn(a["id"], self.job(jid)["actions"])
        self.m.event(a["id"], "print:starting")
        self.m.event(a["id"], "print:download:completed")
        self.wait_job(jid, "waiting_for_button")
        self.m.event(None, "button:pressed")
        self.m.event(a["id"], "print:warmup:starting")
        self.m.event(a["id"], "print:running")
        return a

    def test_svg_job_runs_to_completed_with_the_button(self):
        self.homed()
        st, resp = self.post_job(body_of(SQUARE), x_mm="0", y_mm="0",
                                 name="square",
                                 ops='{"*": {"op": "cut", "speed": 20, '
                                     '"power": 80, "passes": 2}}')
        self.assertEqual(st, 201, resp)
        self.assertEqual(resp["state"], "compiling")
        jid = resp["id"]
        a = self.run_print(jid)
        j = self.wait_job(jid, "running")
        self.assertIsInstance(j["button_pressed_at"], int)
        total = j["stats"]["ticks"]
        self.assertGreater(total, 0)
        # Progress in the job's own ticks; the machine's `total` ignored.
        self.m.progress(a["id"], "print:progress", total // 4, total=262144)
        j = wait_for(lambda: (lambda j: j if j["progress"]["ticks"]
                              else None)(self.job(jid)), what="progress")
        self.assertAlmostEqual(j["progress"]["percent"], 25.0, delta=0.1)
        self.assertAlmostEqual(j["progress"]["eta_s"],
                               (total - total // 4) / j["stats"]["stfr"],
                               delta=0.01)
        self.m.event(a["id"], "print:return_to_home:succeeded")
        self.m.event(a["id"], "print:completed")
        j = self.wait_job(jid, "completed")
        self.assertIsNone(j["reason"])
        self.assertEqual(j["name"], "square")
        self.assertTrue(j["created_by"].startswith("apikey:"), j)
        self.assertEqual(j["placement"]["ops"]["*"],
                         {"op": "cut", "speed": 20.0, "power": 80.0,
                          "passes": 2})
        self.assertGreater(j["stats"]["laser_on_s"], 0)
        self.assertLessEqual(j["stats"]["extents_mm"]["x1"], 495)
        for k in ("created", "started", "finished"):
            self.assertIsInstance(j[k], int, k)
        st, hdr, png = self.cloud.http("GET", j["preview"],
                                       token=self.cloud.api_key)
        self.assertEqual((st, hdr["content-type"]), (200, "image/png"))
        self.assertEqual(png[:8], b"\x89PNG\r\n\x1a\n")
        # The history lists it, newest first, with filters.
        st, h = self.cloud.api("GET", "/api/v1/jobs?machine=S%d&state="
                               "completed" % SERIAL)
        self.assertEqual([x["id"] for x in h["jobs"]], [jid])
        st, h = self.cloud.api("GET", "/api/v1/jobs?state=failed")
        self.assertEqual(h["jobs"], [])

    def test_job_before_homing_waits_for_home(self):
        self.m = FakeMachine(self.cloud, SERIAL, PW)
        self.m.handshake(full=True, hunt=True)
        st, resp = self.post_job(body_of(SQUARE), x_mm="10", y_mm="20")
        self.assertEqual(st, 201, resp)
        jid = resp["id"]
        self.wait_job(jid, "waiting_for_home")
        self.m.expect_silence(0.5)
        self.cloud.home(SERIAL)
        # The head is at home, the job's origin at (10, 20): a travel move
        # first, then the print.
        mv = self.m.expect_action("motion")
        self.assertEqual(self.job(jid)["state"], "sending")
        self.m.event(mv["id"], "motion:completed")
        a = self.run_print(jid)
        pos = self.cloud.machine(SERIAL)["head_position"]
        self.assertAlmostEqual(pos["x_mm"], 10.0, delta=0.01875)
        self.assertAlmostEqual(pos["y_mm"], 20.0, delta=0.01875)
        self.m.event(a["id"], "print:return_to_home:succeeded")
        self.m.event(a["id"], "print:completed")
        j = self.wait_job(jid, "completed")
        self.assertEqual(j["actions"], [mv["id"], a["id"]])

    def test_off_the_bed_named_edge(self):
        self.homed()
        # The compiler refuses a design placed past the right edge.
        st, resp = self.post_job(body_of(SQUARE), x_mm="490", y_mm="0")
        self.assertEqual(st, 201, resp)
        j = self.wait_job(resp["id"], "failed")
        self.assertIn("right edge", j["reason"])
        self.assertTrue(j["reason"].startswith("compile error"), j)
        # A pulse file is placed as it is: the service checks it before
        # sending it.
        st, resp = self.post_job(body_of(PULSE), "application/octet-stream",
                                 x_mm="495", y_mm="279")
        self.assertEqual(st, 201, resp)
        j = self.wait_job(resp["id"], "failed")
        self.assertIn("edge", j["reason"])
        self.assertTrue(j["reason"].startswith("off the bed"), j)
        self.m.expect_silence(0.5)

    def test_machine_refusal_and_cancel_reasons(self):
        self.homed()
        st, resp = self.post_job(body_of(PULSE), "application/octet-stream")
        self.assertEqual(st, 201, resp)
        jid = resp["id"]
        a = self.m.expect_action("print")
        self.m.event(a["id"], "print:starting")
        self.m.log("print %d: the lid is open, not starting" % a["id"])
        self.m.event(a["id"], "print:cancelled")
        j = self.wait_job(jid, "cancelled")
        self.assertIn("the lid is open", j["reason"])
        # The aborted print lost the position: hunt, home, then the next.
        self.m.homing_hunt()
        self.cloud.home(SERIAL)
        st, resp = self.post_job(body_of(PULSE), "application/octet-stream")
        jid = resp["id"]
        a = self.m.expect_action("print")
        self.m.event(a["id"], "print:starting")
        st, body = self.cloud.api("POST", "/api/v1/jobs/%d/cancel" % jid)
        self.assertEqual(st, 200, body)
        self.m.expect_action("print", status="cancelled")
        self.m.event(a["id"], "print:cancelled")
        j = self.wait_job(jid, "cancelled")
        self.assertTrue(j["reason"].startswith("cancelled by apikey:"), j)
        st, body = self.cloud.api("POST", "/api/v1/jobs/%d/cancel" % jid)
        self.assertEqual((st, body["code"]), (409, "already_finished"))
        # The audit names who created and who cancelled, and from where.
        st, au = self.cloud.api("GET", "/api/v1/audit?limit=1000")
        self.assertEqual(st, 200, au)
        rows = au["audit"]
        mine = [(x["what"], x["target"]) for x in rows
                if x["target"] == "job:%d" % jid]
        self.assertEqual(mine, [("job.create", "job:%d" % jid),
                                ("job.cancel", "job:%d" % jid)])
        for x in rows:
            if x["target"] == "job:%d" % jid:
                self.assertTrue(x["who"].startswith("apikey:"), x)
                self.assertTrue(x["from"].endswith("127.0.0.1"), x)
                self.assertIsInstance(x["at"], int)
        whats = [x["what"] for x in rows]
        # The CLI's machine add and key creation, the manual homes.
        self.assertEqual(whats[:2], ["machine.add", "apikey.create"])
        self.assertTrue(rows[0]["who"].startswith("cli"), rows[0])
        self.assertEqual(whats.count("machine.home"), 2)
        # Paged by cursor.
        st, page = self.cloud.api("GET", "/api/v1/audit?since=%d&limit=1"
                                  % rows[0]["cursor"])
        self.assertEqual(page["audit"][0]["what"], "apikey.create")
        self.assertEqual(page["next"], rows[1]["cursor"])

    def test_queued_job_cancelled_and_compile_errors(self):
        # Offline machine: the job waits in the queue; cancelled there.
        st, resp = self.post_job(body_of(SQUARE))
        jid = resp["id"]
        self.wait_job(jid, ("queued", "waiting_for_home"))
        st, body = self.cloud.api("POST", "/api/v1/jobs/%d/cancel" % jid)
        self.assertEqual((st, body["state"]), (200, "cancelled"))
        st, resp = self.post_job(b"<svg this is not")
        j = self.wait_job(resp["id"], "failed")
        self.assertTrue(j["reason"].startswith("compile error: "), j)
        st, resp = self.post_job(b"not a pulse file", "application/octet-stream")
        j = self.wait_job(resp["id"], "failed")
        self.assertTrue(j["reason"].startswith("pulse file refused: "), j)

    def test_a_burst_of_jobs_all_compile(self):
        # More jobs than the worker pool holds: they wait their turn for a
        # compile (one at a time) instead of failing.
        ids = []
        for k in range(40):
            st, resp = self.post_job(body_of(SQUARE), name="burst-%d" % k)
            self.assertEqual(st, 201, resp)
            ids.append(resp["id"])
        for jid in ids:
            j = self.wait_job(jid, ("queued", "waiting_for_home", "failed"),
                              timeout=60)
            self.assertNotEqual(j["state"], "failed", j)
        # Meanwhile and after, the API answers.
        self.assertEqual(self.cloud.api("GET", "/api/v1/jobs?limit=1000")[0],
                         200)

    def test_bad_requests(self):
        for query, code in [({"machine": "nope"}, "bad_query"),
                            ({"x_mm": "-1"}, "bad_query"),
                            ({"x_mm": "nan"}, "bad_query"),
                            ({"ops": "{"}, "bad_query"),
                            ({"ops": '{"red": {"speed": 1, "power": 1}}'},
                             "bad_query"),
                            ({"ops": '{"*": {"op": "melt", "speed": 1, '
                                     '"power": 1}}'}, "bad_query"),
                            ({"ops": '{"*": {"speed": 1, "power": 101}}'},
                             "bad_query"),
                            ({"material": "unobtainium"},
                             "unknown_material")]:
            st, resp = self.post_job(body_of(SQUARE), **query)
            self.assertEqual((st, resp["code"]), (400, code), query)
        st, resp = self.post_job(body_of(SQUARE), machine="S1")
        self.assertEqual((st, resp["code"]), (404, "no_machine"))
        st, resp = self.post_job(body_of(SQUARE), "text/plain")
        self.assertEqual((st, resp["code"]), (415, "unsupported_media_type"))
        st, resp = self.post_job(b"")
        self.assertEqual((st, resp["code"]), (400, "empty_body"))
        st, resp = self.cloud.api("GET", "/api/v1/jobs/12345")
        self.assertEqual((st, resp["code"]), (404, "no_job"))
        st, resp = self.cloud.api("GET", "/api/v1/jobs?limit=x")
        self.assertEqual((st, resp["code"]), (400, "bad_query"))


def multipart(parts, boundary="gfcloudFormBoundary7MA4YWxk"):
    """A multipart/form-data body from (name, filename or None, bytes)."""
    out = b""
    for name, filename, data in parts:
        disp = 'form-data; name="%s"' % name
        if filename is not None:
            disp += '; filename="%s"' % filename
        out += b"--" + boundary.encode() + b"\r\n"
        out += b"Content-Disposition: " + disp.encode() + b"\r\n"
        if filename is not None:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + data + b"\r\n"
    out += b"--" + boundary.encode() + b"--\r\n"
    return out, "multipart/form-data; boundary=" + boundary


class FormBodies(unittest.TestCase):
    """POST /api/v1/jobs as a browser's form sends it: the design as part
    "design", the operations (and any query value) as fields."""

    OPS = '{"*": {"op": "score", "speed": 30, "power": 40, "passes": 1}}'

    def setUp(self):
        self.cloud = Cloud()
        self.cloud.add_machine(SERIAL, PW)

    def tearDown(self):
        self.cloud.close()

    def post(self, parts, query=None, boundary=None):
        body, ctype = (multipart(parts, boundary) if boundary
                       else multipart(parts))
        q = urllib.parse.urlencode(query or {})
        return self.cloud.api("POST", "/api/v1/jobs" + ("?" + q if q else ""),
                              body=body, headers={"Content-Type": ctype})

    def wait_compiled(self, jid):
        def done():
            st, j = self.cloud.api("GET", "/api/v1/jobs/%d" % jid)
            return j if j["state"] != "compiling" else None
        return wait_for(done, timeout=30, what="job %d compiled" % jid)

    def test_design_and_ops_as_parts_with_placement_in_the_query(self):
        st, resp = self.post([("ops", None, self.OPS.encode()),
                              ("design", "square.svg", body_of(SQUARE))],
                             {"machine": "S%d" % SERIAL, "x_mm": "20",
                              "y_mm": "10", "name": "from a form"})
        self.assertEqual(st, 201, resp)
        j = self.wait_compiled(resp["id"])
        self.assertEqual(j["state"], "waiting_for_home", j)  # not homed
        self.assertEqual(j["name"], "from a form")
        self.assertEqual(j["placement"]["ops"]["*"],
                         {"op": "score", "speed": 30.0, "power": 40.0,
                          "passes": 1})
        self.assertEqual((j["placement"]["x_mm"], j["placement"]["y_mm"]),
                         (20.0, 10.0))
        self.assertGreater(j["stats"]["ticks"], 0)

    def test_every_value_as_a_field_and_a_pulse_file_by_its_bytes(self):
        st, resp = self.post([("machine", None, b"S%d" % SERIAL),
                              ("x_mm", None, b"5"), ("y_mm", None, b"6"),
                              ("design", "job.bin", body_of(PULSE))])
        self.assertEqual(st, 201, resp)
        j = self.wait_compiled(resp["id"])
        self.assertEqual(j["state"], "waiting_for_home", j)
        self.assertEqual(j["placement"]["input"], "pulse")

    def test_refusals(self):
        q = {"machine": "S%d" % SERIAL}
        svg = body_of(SQUARE)
        cases = [
            ([("ops", None, self.OPS.encode())], q, 400, "empty_body"),
            ([("design", "a.svg", svg), ("design", "b.svg", svg)], q, 400,
             "bad_form"),
            ([("picture", "a.svg", svg)], q, 400, "bad_form"),
            ([("design", "a.txt", b"just some words")], q, 415,
             "unsupported_media_type"),
            ([("machine", None, b"S%d" % SERIAL), ("design", "a.svg", svg)],
             q, 400, "bad_query"),  # given twice
            ([("ops", None, b"{"), ("design", "a.svg", svg)], q, 400,
             "bad_query"),
            ([("design", "a.svg", svg)], {"machine": "S1"}, 404,
             "no_machine"),
        ]
        for parts, query, status, code in cases:
            st, resp = self.post(parts, query)
            self.assertEqual((st, resp.get("code")), (status, code),
                             [p[:2] for p in parts])
        # A body cut before its closing boundary, and one that is not
        # multipart at all under that Content-Type.
        body, ctype = multipart([("design", "a.svg", svg)])
        for data in (body[:len(body) // 2], b"garbage" * 10):
            st, resp = self.cloud.api(
                "POST", "/api/v1/jobs?" + urllib.parse.urlencode(q),
                body=data, headers={"Content-Type": ctype})
            self.assertEqual((st, resp.get("code")), (400, "bad_form"),
                             data[:20])
        st, resp = self.cloud.api(
            "POST", "/api/v1/jobs?" + urllib.parse.urlencode(q),
            body=b"x", headers={"Content-Type": "multipart/form-data"})
        self.assertEqual((st, resp.get("code")), (400, "bad_form"))
        st, jobs = self.cloud.api("GET", "/api/v1/jobs")
        self.assertEqual(jobs["jobs"], [])  # nothing was recorded


class Materials(unittest.TestCase):
    def test_presets_crud_and_a_job_with_a_material(self):
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            st, body = cloud.api("GET", "/api/v1/materials")
            self.assertEqual(st, 200, body)
            presets = body["materials"]
            self.assertGreaterEqual(len(presets), 3)
            for p in presets:
                self.assertTrue(p["preset"], p)
                self.assertTrue(p["name"].startswith("generic-"), p)
                self.assertIn("generic starting point", p["label"])
                for k in ("cut", "score", "engrave"):
                    self.assertGreater(p[k]["speed"], 0, p)
            mine = {"name": "birch-3mm", "label": "our birch",
                    "thickness_mm": 3.2,
                    "cut": {"speed": 7, "power": 100, "passes": 2},
                    "score": {"speed": 120, "power": 18},
                    "engrave": {"speed": 90, "power": 28}}
            st, body = cloud.api("POST", "/api/v1/materials", body=mine)
            self.assertEqual(st, 201, body)
            self.assertEqual(body["cut"], {"speed": 7.0, "power": 100.0,
                                           "passes": 2})
            self.assertFalse(body["preset"])
            st, body = cloud.api("POST", "/api/v1/materials", body=mine)
            self.assertEqual((st, body["code"]), (409, "exists"))
            for bad in (dict(mine, name="no spaces"),
                        dict(mine, thickness_mm=-1),
                        dict(mine, cut={"speed": 7}),
                        dict(mine, score={"op": "cut", "speed": 1,
                                          "power": 1})):
                st, body = cloud.api("POST", "/api/v1/materials", body=bad)
                self.assertEqual((st, body["code"]), (400, "bad_field"), bad)
            st, body = cloud.api("PUT", "/api/v1/materials/birch-3mm",
                                 body=dict(mine, thickness_mm=3.0))
            self.assertEqual((st, body["thickness_mm"]), (200, 3.0))
            st, body = cloud.api("GET", "/api/v1/materials/birch-3mm")
            self.assertEqual((st, body["label"]), (200, "our birch"))
            # A job with the material: its cut for every stroke colour,
            # and a bare kind takes the material's settings for it.
            st, resp = cloud.api(
                "POST", "/api/v1/jobs?" + urllib.parse.urlencode(
                    {"machine": "S%d" % SERIAL, "material": "birch-3mm",
                     "ops": '{"#ff0000": "score"}'}),
                body=body_of(SQUARE), headers={"Content-Type":
                                               "image/svg+xml"})
            self.assertEqual(st, 201, resp)
            st, j = cloud.api("GET", "/api/v1/jobs/%d" % resp["id"])
            ops = j["placement"]["ops"]
            self.assertEqual(ops["*"], {"op": "cut", "speed": 7.0,
                                        "power": 100.0, "passes": 2})
            self.assertEqual(ops["#ff0000"]["op"], "score")
            self.assertEqual(ops["#ff0000"]["speed"], 120.0)
            self.assertEqual(j["placement"]["material"], "birch-3mm")
            st, resp = cloud.api(
                "POST", "/api/v1/jobs?" + urllib.parse.urlencode(
                    {"machine": "S%d" % SERIAL,
                     "ops": '{"#ff0000": "score"}'}),
                body=body_of(SQUARE), headers={"Content-Type":
                                               "image/svg+xml"})
            self.assertEqual((st, resp["code"]), (400, "bad_query"))
            st, body = cloud.api("DELETE", "/api/v1/materials/birch-3mm")
            self.assertEqual(st, 200, body)
            st, body = cloud.api("GET", "/api/v1/materials/birch-3mm")
            self.assertEqual((st, body["code"]), (404, "no_material"))
            # Deleting a preset sticks across a restart.
            name = presets[0]["name"]
            st, _ = cloud.api("DELETE", "/api/v1/materials/" + name)
            self.assertEqual(st, 200)
            cloud.restart()
            st, body = cloud.api("GET", "/api/v1/materials")
            self.assertNotIn(name, [m["name"] for m in body["materials"]])
            whats = [x["what"] for x in cloud.api(
                "GET", "/api/v1/audit?limit=1000")[1]["audit"]]
            for w in ("material.create", "material.update",
                      "material.delete"):
                self.assertIn(w, whats)


class StaleJobs(unittest.TestCase):
    def test_no_stale_start_after_queue_ttl(self):
        with Cloud(extra_args=["--queue-ttl", "1"]) as cloud:
            cloud.add_machine(SERIAL, PW)
            st, resp = cloud.api(
                "POST", "/api/v1/jobs?machine=S%d" % SERIAL,
                body=body_of(SQUARE), headers={"Content-Type":
                                               "image/svg+xml"})
            jid = resp["id"]
            wait_for(lambda: cloud.api("GET", "/api/v1/jobs/%d" % jid)[1][
                "state"] in ("queued", "waiting_for_home"), what="compiled")
            time.sleep(2.1)
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake(full=True, hunt=True, home=True)
            j = wait_for(lambda: (lambda j: j if j["state"] == "cancelled"
                                  else None)(cloud.api(
                                      "GET", "/api/v1/jobs/%d" % jid)[1]),
                         what="the stale job not sent")
            self.assertIn("queue-ttl", j["reason"])
            m.expect_silence(0.5)
            st, body = cloud.api("POST", "/api/v1/jobs/%d/requeue" % jid)
            self.assertEqual(st, 200, body)
            a = m.expect_action("print")
            self.assertIn(a["id"], cloud.api("GET", "/api/v1/jobs/%d"
                                             % jid)[1]["actions"])
            m.close()

    def print_queued_behind(self, cloud, m, x_mm):
        """Post a job placed at (x_mm, 20) and leave its print queued
        behind an operator's update_check that the machine holds: the move
        to the origin runs first, the update_check is queued during it, so
        it goes before the print. Returns (job id, update_check id, print
        id)."""
        st, resp = cloud.api(
            "POST", "/api/v1/jobs?machine=S%d&x_mm=%d&y_mm=20"
            % (SERIAL, x_mm), body=body_of(SQUARE),
            headers={"Content-Type": "image/svg+xml"})
        self.assertEqual(st, 201, resp)
        jid = resp["id"]
        mv = m.expect_action("motion")
        other = cloud.send_action(SERIAL, "update_check")
        m.event(mv["id"], "motion:completed")
        self.assertEqual(m.expect_action("update_check")["id"], other)
        printed = cloud.api("GET", "/api/v1/jobs/%d" % jid)[1]["actions"][-1]
        self.assertNotEqual(printed, mv["id"])
        self.assertEqual(cloud.action(printed)["state"], "queued")
        return jid, other, printed

    def homed_machine(self, cloud):
        cloud.add_machine(SERIAL, PW)
        m = FakeMachine(cloud, SERIAL, PW)
        m.handshake(full=True, hunt=True, home=True)
        return m

    def test_print_that_expires_behind_another_action_ends_the_job(self):
        """A job's print queued behind an operator's action that runs past
        queue-ttl expires unsent: the job must end (re-queueable), not
        wait in "sending" for an action that will never go out."""
        with Cloud(extra_args=["--queue-ttl", "1"]) as cloud:
            m = self.homed_machine(cloud)
            jid, other, printed = self.print_queued_behind(cloud, m, 10)
            time.sleep(2.1)  # the print waits past its one-second TTL
            m.event(other, "update_check:completed")
            j = wait_for(lambda: (lambda j: j if j["state"] == "cancelled"
                                  else None)(cloud.api(
                                      "GET", "/api/v1/jobs/%d" % jid)[1]),
                         what="the job ended with its expired print")
            self.assertIn("queue-ttl", j["reason"])
            self.assertEqual(cloud.action(printed)["state"], "expired")
            m.expect_silence(0.5)
            st, body = cloud.api("POST", "/api/v1/jobs/%d/requeue" % jid)
            self.assertEqual(st, 200, body)
            self.assertIn(m.expect_action("print")["id"], cloud.api(
                "GET", "/api/v1/jobs/%d" % jid)[1]["actions"])
            m.close()

    def test_print_cancelled_in_the_queue_ends_the_job(self):
        """A job's queued print cancelled with POST
        /api/v1/actions/{id}/cancel ends the job at once, and the machine
        never sees it; through the jobs API, the same, naming who."""
        with Cloud() as cloud:
            m = self.homed_machine(cloud)
            jid, other, printed = self.print_queued_behind(cloud, m, 10)
            st, body = cloud.api("POST", "/api/v1/actions/%d/cancel" % printed)
            self.assertEqual(st, 200, body)
            j = cloud.api("GET", "/api/v1/jobs/%d" % jid)[1]
            self.assertEqual(j["state"], "cancelled", j)
            self.assertIn("cancelled before it was sent", j["reason"])
            m.event(other, "update_check:completed")
            m.expect_silence(0.5)
            jid, other, printed = self.print_queued_behind(cloud, m, 30)
            st, j = cloud.api("POST", "/api/v1/jobs/%d/cancel" % jid)
            self.assertEqual(st, 200, j)
            self.assertEqual(j["state"], "cancelled", j)
            self.assertTrue(j["reason"].startswith("cancelled by"), j)
            self.assertEqual(cloud.action(printed)["state"], "cancelled")
            m.event(other, "update_check:completed")
            m.expect_silence(0.5)
            m.close()

if __name__ == "__main__":
    unittest.main(verbosity=2)

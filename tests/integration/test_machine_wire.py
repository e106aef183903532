"""test_machine_wire.py - gfmachine against the fake service: the protocol
seen on the wire matches PROTOCOL.md field for field, for every action type.

Each check reads like the rule it checks (§ numbers are PROTOCOL.md's)."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecloud as fc  # noqa: E402

SERIAL = 10000042

EVENT_KEYS = {"id", "timestamp", "type", "version", "level", "event"}


def check_event_fields(f, aid):
    """§5.2: the fields and JSON types of an event."""
    assert EVENT_KEYS <= set(f), f
    assert set(f) <= EVENT_KEYS | {"action_id", "log", "settings"}, f
    assert f["type"] == "event" and f["version"] == 1, f
    assert f["level"] == "INFO", f
    assert isinstance(f["id"], int) and isinstance(f["timestamp"], int), f
    if aid is None:
        assert "action_id" not in f, f
    else:
        assert f["action_id"] == aid and isinstance(f["action_id"], int), f


IMAGE_PHASES = ["starting", "capture:starting", "capture:completed",
                "upload:starting", "upload:completed", "completed"]


def check_position_log(cloud, kind, aid, payload):
    x, y, z, laser = fc.decode(payload)
    want = "%s %d: playback finished after %d bytes" % (kind, aid,
                                                        len(payload))
    lines = [s for s in cloud.logs() if s.startswith(want)]
    assert len(lines) == 1, cloud.logs()
    assert "laser on %d ticks; moved dx=%d dy=%d dz=%d steps" % (
        laser, x, y, z) in lines[0], lines[0]


class MachineWire(unittest.TestCase):
    """The protocol on the wire, field for field; every test has its own fake
    service and gfmachine."""

    def test_sign_in_and_handshake(self):
        with fc.Session(SERIAL) as (cloud, m):
            # §2.1: JSON body with S-prefixed serial and the 64-hex password.
            _, body, status = cloud.signins[0]
            assert status == 200
            assert body == {"serial": "S%d" % SERIAL, "password": fc.PASSWORD}
            req = [r for r in cloud.requests if r[1] == "/machines/sign_in"][0]
            assert req[2]["Content-Type"] == "application/json", req[2]
            assert req[3].startswith(b'{"serial": "S10000042", "password": "')
            # §4.1: the ws_token is the path, subprotocol glowforge.
            _, token, headers = cloud.ws_connects[0]
            assert len(token) == 48
            assert headers["Sec-WebSocket-Protocol"] == "glowforge"
            assert headers["Sec-WebSocket-Version"] == "13"

    def test_settings_full_then_empty(self):
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(1600000101, "settings", settings={"NRic": 3})
            assert cloud.wait_terminal(1600000101, "settings") == \
                "settings:completed"
            f = cloud.events_for(1600000101)
            assert len(f) == 1, f  # §12.2: one event
            f = f[0]
            check_event_fields(f, 1600000101)
            values = f["settings"]["values"]
            assert len(values) == 547, len(values)  # §12.3
            assert list(values) == sorted(values)
            assert "HCil" not in values and "STfr" not in values
            assert values["MCsn"] == SERIAL and values["SAid"] == 1600000101
            assert abs(values["MCdt"] - time.time()) < 120
            assert values["MCov"] == "2.6.0-2228"
            assert isinstance(values["MCla"], float)
            # §12.2: every later request gets the empty form.
            cloud.send_action(1600000102, "settings")
            cloud.wait_terminal(1600000102, "settings")
            f = cloud.events_for(1600000102)[0]
            check_event_fields(f, 1600000102)
            assert f["settings"] == {}, f

    def test_frames_numbered_and_newline_terminated(self):
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(7, "update_check")
            cloud.wait_terminal(7, "update_check")
            cloud.send_action(8, "lid_image", endpoint=cloud.upload_url(8))
            cloud.wait_terminal(8, "lid_image")
            # §4.2: one object per frame, ending with "\n"; text frames only.
            for kind, text in cloud.raw_frames:
                assert kind == "text"
                assert text.endswith("\n") and text.count("\n") == 1, text
            # §5.2: one process-wide counter from 32, +1 per frame; timestamps
            # in hundredths since start + 3800, never going back.
            ids = [f["id"] for f in cloud.frames]
            assert ids == list(range(32, 32 + len(ids))), ids
            ts = [f["timestamp"] for f in cloud.frames]
            assert ts[0] >= 3800 and ts == sorted(ts), ts
            for f in cloud.frames_of("log"):  # §5.4
                assert set(f) == {"id", "timestamp", "type", "version", "log",
                                  "level"}, f

    def test_sync_actions(self):
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(11, "update_check")
            cloud.send_action(12, "factory_reset")
            cloud.send_action(13, "head_firmware_update",
                              head_firmware_filename="head.fw")
            assert cloud.wait_terminal(11, "update_check") == \
                "update_check:completed"
            assert cloud.wait_terminal(12, "factory_reset") == \
                "factory_reset:failed"
            assert cloud.wait_terminal(13, "head_firmware_update") == \
                "head_firmware_update:failed"
            for aid in (11, 12, 13):
                assert len(cloud.events_for(aid)) == 1
                check_event_fields(cloud.events_for(aid)[0], aid)
            # §8: synchronous actions answer only status "ready".
            for st in ("new", "started", "success", "failure", "cancelled"):
                cloud.send_action(20, "update_check", status=st)
            cloud.send_action(21, "settings", status="new")
            cloud.send_action(22, "update_check")  # a marker after them
            cloud.wait_terminal(22, "update_check")
            assert cloud.events_for(20) == [] and cloud.events_for(21) == []

    def test_image_actions_presigned_put(self):
        lid = open(fc.fixture("img", "HOME_1.jpg"), "rb").read()
        head = open(fc.fixture("img", "HEAD_NO_LASER_.230.jpg"), "rb").read()
        # The stored lid picture as it is (the composed camera has its own
        # test, test_machine_camera.py).
        with fc.Session(SERIAL, lid_camera="file") as (cloud, m):
            for aid, kind, want in ((31, "lid_image", lid),
                                    (32, "head_image", head),
                                    (33, "lidar_image", head),
                                    (34, "user_image", lid)):
                settings = [{"HCil": 1}, {"HCil": 0}] if kind == "lidar_image" \
                    else {"LCfl": 1}
                cloud.send_action(aid, kind, endpoint=cloud.upload_url(aid),
                                  settings=settings)
                assert cloud.wait_terminal(aid, kind) == kind + ":completed"
                assert cloud.event_names(aid) == \
                    ["%s:%s" % (kind, p) for p in IMAGE_PHASES]
                for f in cloud.events_for(aid):
                    check_event_fields(f, aid)
                cap = cloud.events_for(aid)[2]
                assert cap["log"].startswith("capture time: "), cap
                # §13.1: PUT, image/jpeg, NO Authorization, the exact bytes.
                method, headers, body = cloud.uploads[aid]
                assert method == "PUT"
                assert headers["Content-Type"] == "image/jpeg"
                assert "Authorization" not in headers
                assert body == want

    def test_image_legacy_post_with_bearer(self):
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(41, "head_image")
            assert cloud.wait_terminal(41, "head_image") == "head_image:completed"
            method, headers, body = cloud.uploads[41]
            assert method == "POST"
            assert headers["Authorization"].startswith("Bearer ")
            assert headers["Content-Type"] == "image/jpeg"
            assert body[:2] == b"\xff\xd8"
            posts = [r for r in cloud.requests if r[0] == "POST" and
                     r[1] == "/api/machines/head_image/41"]
            assert len(posts) == 1

    def test_image_upload_failure(self):
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(42, "lid_image",
                              endpoint=cloud.url + "/nowhere/42")
            assert cloud.wait_terminal(42, "lid_image") == "lid_image:failed"
            # §9.2 [rec]: :upload:failed, then :failed; the reason logged.
            assert cloud.event_names(42)[-2:] == ["lid_image:upload:failed",
                                                  "lid_image:failed"]
            assert any("upload failed" in s for s in cloud.logs())

    def test_hunt_and_motion(self):
        hunt = fc.read_fixture_puls(fc.HUNT_FIXTURE)
        motion = fc.read_fixture_puls()
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(51, "hunt", motion_url=cloud.add_file("h", hunt))
            assert cloud.wait_terminal(51, "hunt") == "hunt:completed"
            assert cloud.event_names(51) == ["hunt:starting", "hunt:running",
                                             "hunt:completed"]
            check_position_log(cloud, "hunt", 51, fc.payload_of(hunt))
            cloud.send_action(52, "motion", motion_url=cloud.add_file("m", motion))
            assert cloud.wait_terminal(52, "motion") == "motion:completed"
            assert cloud.event_names(52) == ["motion:starting",
                                             "motion:download:completed",
                                             "motion:running", "motion:completed"]
            check_position_log(cloud, "motion", 52, fc.payload_of(motion))
            for aid in (51, 52):
                for f in cloud.events_for(aid):
                    check_event_fields(f, aid)
            # §3.1: the download carries the Bearer token.
            gets = [r for r in cloud.requests if r[1].startswith("/files/")]
            assert len(gets) == 2
            assert all(r[2]["Authorization"].startswith("Bearer ") for r in gets)
            # Only print reports progress (§5.3).
            assert cloud.frames_of("progress") == []

    def test_print_event_order_and_progress(self):
        job = fc.read_fixture_puls()
        payload = fc.payload_of(job)
        x, y, _, _ = fc.decode(payload)
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(61, "print", motion_url=cloud.add_file("p", job))
            assert cloud.wait_terminal(61, "print") == "print:completed"
            # §9.3 reduced set, in order, plus the advisory print:waiting.
            assert cloud.event_names(61) == [
                "print:starting", "print:download:completed", "print:waiting",
                "print:warmup:starting", "print:running",
                "print:return_to_home:succeeded", "print:completed"]
            names = [(f.get("event") or f.get("progress"))
                     for f in cloud.frames if f.get("action_id") == 61 or
                     f.get("event", "").startswith("button:")]
            # The button edges come between waiting and warm-up (§9.3 step 4).
            i = names.index("print:waiting")
            assert names[i + 1:i + 3] == ["button:pressed", "button:released"]
            for f in cloud.frames:
                if f.get("event", "").startswith("button:"):
                    check_event_fields(f, None)
            prog = [f for f in cloud.frames_of("progress")
                    if f["action_id"] == 61]
            # §5.3: download frame, then print:progress at each phase change.
            assert prog[0]["progress"] == "print:download"
            assert prog[0]["current"] == 0 and prog[0]["units"] == "bytes"
            runs = [f for f in prog if f["progress"] == "print:progress"]
            assert len(runs) >= 2
            for f in runs:
                assert set(f) == {"id", "timestamp", "type", "version",
                                  "action_id", "progress", "current", "units",
                                  "total", "settings"}, f
                assert f["units"] == "steps" and f["total"] == len(payload)
                assert set(f["settings"]["values"]) == {
                    "CAid", "CCbp", "CCst", "CCxp", "CCyp"}
                assert f["settings"]["values"]["CAid"] == 61
            last = runs[-1]
            assert last["current"] == len(payload)
            assert last["settings"]["values"]["CCbp"] == len(payload)
            assert last["settings"]["values"]["CCxp"] == x
            assert last["settings"]["values"]["CCyp"] == y
            check_position_log(cloud, "print", 61, payload)

    def test_periodic_progress(self):
        job = fc.long_job(40000, stfr=10000)  # 4 s of ticks, at 10x = 0.4 s
        with fc.Session(SERIAL, speed=10, progress_interval_ms=50) as (cloud, m):
            cloud.send_action(62, "print", motion_url=cloud.add_file("p", job))
            cloud.wait_terminal(62, "print")
            runs = [f for f in cloud.frames_of("progress")
                    if f["progress"] == "print:progress"]
            assert len(runs) >= 4, len(runs)
            cur = [f["current"] for f in runs]
            assert cur == sorted(cur) and cur[-1] == 40000

    def test_gzip_job_is_sniffed(self):
        import gzip
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(71, "motion",
                              motion_url=cloud.add_file("gz", gzip.compress(job)))
            assert cloud.wait_terminal(71, "motion") == "motion:completed"
            check_position_log(cloud, "motion", 71, fc.payload_of(job))

    def test_unknown_and_ignored_action_types(self):
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(81, "self_destruct")
            cloud.send_action(82, "focus")
            cloud.send_action(83, "update_check")
            cloud.wait_terminal(83, "update_check")
            assert cloud.events_for(81) == [] and cloud.events_for(82) == []
            cloud.wait(lambda: any("unknown action type" in s and
                                   "self_destruct" in s for s in cloud.logs()),
                       what="the unknown-type log line")

    def test_several_objects_per_frame_and_bad_lines(self):
        with fc.Session(SERIAL) as (cloud, m):
            # §4.2: split on newlines (\r\n too), skip blanks, a bad line is
            # logged and skipped, the connection stays up.
            a = json.dumps({"id": 91, "action_type": "update_check",
                            "status": "ready"})
            b = json.dumps({"id": 92, "action_type": "factory_reset",
                            "status": "ready"})
            cloud.send_raw(a + "\r\n\n   \n{not json\n[1,2]\n" + b + "\n")
            cloud.wait_terminal(91, "update_check")
            cloud.wait_terminal(92, "factory_reset")
            cloud.wait(lambda: sum("bad line" in s for s in cloud.logs()) >= 2,
                       what="two bad-line warnings")
            assert cloud.connected()

    def test_hostile_frames_are_survived(self):
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_raw(json.dumps({"id": "x", "action_type": "print",
                                       "status": "ready"}))
            cloud.send_raw(json.dumps({"id": 5, "status": "ready"}))
            cloud.send_raw("\u0000" * 10)
            cloud.send_raw("{" * 100000)
            # Over the 1 MiB cap: dropped whole, with a warning.
            big = json.dumps({"id": 301, "action_type": "update_check",
                              "status": "ready", "pad": "x" * (2 << 20)})
            cloud.send_raw(big)
            with cloud.cv:
                ws = cloud.ws
            ws.send(0x2, b'{"id": 302, "action_type": "update_check"}')
            cloud.send_action(303, "motion",
                              motion_url="http://127.0.0.1:1/nothing")
            assert cloud.wait_terminal(303, "motion") == "motion:failed"
            cloud.send_action(304, "update_check")
            cloud.wait_terminal(304, "update_check")
            assert cloud.events_for(301) == [] and cloud.events_for(302) == []
            logs = cloud.logs()
            assert any("dropping a message over" in s for s in logs), logs
            assert any("dropping a binary frame" in s for s in logs), logs
            assert sum("bad line" in s for s in logs) >= 3, logs
            assert cloud.connected() and len(cloud.ws_connects) == 1

    def test_no_secret_in_any_log(self):
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL) as (cloud, m):
            cloud.fail_next_bearer = 1
            cloud.send_action(311, "motion", motion_url=cloud.add_file("m", job))
            cloud.wait_terminal(311, "motion")
            cloud.send_action(312, "lid_image",
                              endpoint=cloud.url + "/nowhere?sig=SECRETSIG")
            cloud.wait_terminal(312, "lid_image")
            cloud.drop_ws()
            cloud.wait_connected(count=2)
            cloud.send_action(313, "update_check")
            cloud.wait_terminal(313, "update_check")
            text = m.stderr() + "\n".join(cloud.logs())
            secrets = [fc.PASSWORD, "SECRETSIG"] + list(cloud.auth_tokens) + \
                [t for _, t, _ in cloud.ws_connects]
            for secret in secrets:
                assert secret not in text, "a secret reached the log"


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""test_machine_rules.py - gfmachine's single running action (PROTOCOL.md
§8, §11 and its two [rec] additions), cancel, the button, and refusal of bad
pulse files (§15.6), against the fake service."""
import gzip
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecloud as fc  # noqa: E402

SERIAL = 10000042


def settle(cloud, aid):
    """Send a marker action and wait for its answer: everything sent before
    it has been dispatched by then."""
    cloud.send_action(aid, "update_check")
    cloud.wait_terminal(aid, "update_check")


def bad_jobs():
    good = fc.read_fixture_puls()
    corrupt = bytearray(good)
    corrupt[1:4] = b"XYZ"
    gz = bytearray(gzip.compress(good))
    gz[len(gz) // 2] ^= 0xFF
    laser_first = fc.make_puls(bytes([0x11, 0x80 | 100, 0x11, 0x00]))
    return {
        "corrupt": (bytes(corrupt), False),
        "foreign": (fc.make_puls(fc.payload_of(good), MCsn=SERIAL + 1),
                    False),
        "truncated": (good, True),
        "badgzip": (bytes(gz), False),
        "shortgzip": (gzip.compress(good)[:-9], False),
        "laserfirst": (laser_first, False),
        "pdfm": (fc.make_puls(fc.payload_of(good), PDfm=1), False),
        "tiny": (b"\x80GF", False),
    }


class MachineRules(unittest.TestCase):
    """One running action, cancel, the button and bad pulse files; every
    test has its own fake service and gfmachine."""

    def test_busy_machine_drops_second_job_silently(self):
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL, auto_button=-1) as (cloud, m):
            cloud.send_action(101, "print", motion_url=cloud.add_file("p", job))
            cloud.wait_event(101, "print:waiting")
            # Busy: a second job, an image and settings are all dropped.
            cloud.send_action(102, "motion", motion_url=cloud.add_file("m", job))
            cloud.send_action(103, "lid_image", endpoint=cloud.upload_url(103))
            cloud.send_action(104, "settings")
            # A cancel for another id changes nothing (§8).
            cloud.send_action(102, "print", status="cancelled")
            # update_check bypasses the slot even mid-job (§11.4).
            settle(cloud, 105)
            for aid in (102, 103, 104):
                assert cloud.events_for(aid) == [], aid
            # The operator presses the button: the print goes on and ends.
            r = m.press()
            assert r.returncode == 0, r.stderr
            assert cloud.wait_terminal(101, "print") == "print:completed"
            # Now idle: a new job runs; the dropped one was never started.
            cloud.send_action(106, "motion", motion_url=cloud.add_file("m2", job))
            assert cloud.wait_terminal(106, "motion") == "motion:completed"
            assert cloud.events_for(102) == []

    def test_repeated_ready_for_finished_id_is_ignored(self):
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL) as (cloud, m):
            url = cloud.add_file("m", job)
            cloud.send_action(111, "motion", motion_url=url)
            cloud.wait_terminal(111, "motion")
            n = len(cloud.events_for(111))
            cloud.send_action(111, "motion", motion_url=url)
            cloud.send_action(112, "update_check")
            cloud.send_action(112, "update_check")
            settle(cloud, 113)
            assert len(cloud.events_for(111)) == n
            assert len(cloud.events_for(112)) == 1
            gets = [r for r in cloud.requests if r[1] == "/files/m"]
            assert len(gets) == 1, "the repeated job was downloaded again"

    def test_cancel_mid_print_stops_within_a_chunk(self):
        # 10 minutes of ticks at 10 kHz played at 10x: a minute unless stopped.
        job = fc.long_job(6000000)
        with fc.Session(SERIAL, speed=10, rest_ms=0, chunk=4096) as (cloud, m):
            cloud.send_action(121, "print", motion_url=cloud.add_file("p", job),
                              timeout=60)
            cloud.wait_event(121, "print:running")
            time.sleep(0.5)
            cloud.send_action(121, "print", status="cancelled")
            assert cloud.wait_terminal(121, "print", timeout=20) == \
                "print:cancelled"
            names = cloud.event_names(121)
            # §9.3 step 7: the park happens even after a cancel.
            assert names[-2:] == ["print:return_to_home:succeeded",
                                  "print:cancelled"], names
            assert "print:completed" not in names
            line = [s for s in cloud.logs() if s.startswith("print 121: playback")]
            assert len(line) == 1 and "stopped after" in line[0], line
            played = int(line[0].split("after ")[1].split(" ")[0])
            assert 0 < played < 6000000
            assert played % 4096 == 0, played  # stopped on a chunk boundary
            # The slot is free again.
            cloud.send_action(122, "lid_image", endpoint=cloud.upload_url(122))
            assert cloud.wait_terminal(122, "lid_image") == "lid_image:completed"

    def test_cancel_while_waiting_for_button(self):
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL, auto_button=-1) as (cloud, m):
            cloud.send_action(131, "print", motion_url=cloud.add_file("p", job))
            cloud.wait_event(131, "print:waiting")
            cloud.send_action(131, "print", status="cancel")  # the seed's word
            assert cloud.wait_terminal(131, "print") == "print:cancelled"
            assert "print:running" not in cloud.event_names(131)
            assert not any("playback" in s for s in cloud.logs())

    def test_button_timeout_cancels(self):
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL, auto_button=-1,
                        button_timeout_ms=300) as (cloud, m):
            cloud.send_action(141, "print", motion_url=cloud.add_file("p", job))
            assert cloud.wait_terminal(141, "print") == "print:cancelled"
            assert any("button was not pressed" in s for s in cloud.logs())

    def test_bad_pulse_files_are_refused(self):
        with fc.Session(SERIAL) as (cloud, m):
            aid = 150
            for name, (data, truncate) in bad_jobs().items():
                for kind in ("motion", "print", "hunt"):
                    aid += 1
                    url = cloud.add_file(name, data)
                    if truncate:
                        cloud.truncate.add(name)
                    before = len(cloud.logs())
                    cloud.send_action(aid, kind, motion_url=url)
                    # §15.6: refused => <type>:cancelled, never :completed,
                    # "refusing the job: <reason>" logged, nothing played.
                    assert cloud.wait_terminal(aid, kind) == kind + ":cancelled", \
                        (name, kind, cloud.event_names(aid))
                    names = cloud.event_names(aid)
                    assert kind + ":running" not in names, (name, names)
                    assert kind + ":download:completed" not in names, names
                    new = cloud.logs()[before:]
                    refusals = [s for s in new if s.startswith(
                        "refusing the job: ")]
                    assert len(refusals) == 1, (name, new)
                    # The reason names no serial number.
                    assert str(SERIAL) not in refusals[0]
                    assert str(SERIAL + 1) not in refusals[0]
                    assert not any("playback" in s for s in new), (name, new)
            assert cloud.frames_of("progress") == [] or all(
                f["progress"] == "print:download"
                for f in cloud.frames_of("progress"))

    def test_own_serial_and_unlocked_jobs_play(self):
        good = fc.read_fixture_puls()
        own = fc.make_puls(fc.payload_of(good), MCsn=SERIAL)
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(171, "motion", motion_url=cloud.add_file("own", own))
            assert cloud.wait_terminal(171, "motion") == "motion:completed"

    def test_missing_file_fails_with_reason(self):
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(181, "motion", motion_url=cloud.url + "/files/none")
            assert cloud.wait_terminal(181, "motion") == "motion:failed"
            assert any("HTTP 404" in s for s in cloud.logs())
            cloud.send_action(182, "motion")  # no motion_url at all
            assert cloud.wait_terminal(182, "motion") == "motion:failed"

    def test_401_resigns_in_and_replays_once(self):
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL) as (cloud, m):
            url = cloud.add_file("m", job)
            n_signins = len(cloud.signins)
            cloud.fail_next_bearer = 1
            cloud.send_action(191, "motion", motion_url=url)
            assert cloud.wait_terminal(191, "motion") == "motion:completed"
            assert len(cloud.signins) == n_signins + 1
            assert len([r for r in cloud.requests if r[1] == "/files/m"]) == 2
            # Two 401s in a row: exactly one replay, then the call has failed.
            cloud.fail_next_bearer = 2
            cloud.send_action(192, "motion", motion_url=url)
            assert cloud.wait_terminal(192, "motion") == "motion:failed"
            assert len([r for r in cloud.requests if r[1] == "/files/m"]) == 4
            assert any("HTTP 401" in s for s in cloud.logs())

    def test_401_on_an_image_upload_resigns_in_and_resends_the_body(self):
        with fc.Session(SERIAL) as (cloud, m):
            n_signins = len(cloud.signins)
            cloud.fail_next_bearer = 1
            cloud.send_action(193, "head_image")
            assert cloud.wait_terminal(193, "head_image") == "head_image:completed"
            assert len(cloud.signins) == n_signins + 1
            posts = [r for r in cloud.requests if r[0] == "POST" and
                     r[1] == "/api/machines/head_image/193"]
            assert len(posts) == 2
            first, again = (p[2]["Authorization"] for p in posts)
            # The replay carries the token of the new sign-in, and the whole
            # picture once more.
            assert first != again and again[len("Bearer "):] in cloud.auth_tokens
            assert posts[1][3] == posts[0][3] and posts[1][3][:2] == b"\xff\xd8"
            assert cloud.uploads[193][2] == posts[1][3]

    def test_401_is_not_replayed_when_signing_in_again_fails(self):
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL) as (cloud, m):
            url = cloud.add_file("m", job)
            n_signins = len(cloud.signins)
            cloud.refuse_password = True
            cloud.fail_next_bearer = 1
            cloud.send_action(194, "motion", motion_url=url)
            assert cloud.wait_terminal(194, "motion") == "motion:failed"
            assert [s[2] for s in cloud.signins[n_signins:]] == [401]
            assert len([r for r in cloud.requests if r[1] == "/files/m"]) == 1
            assert any("HTTP 401" in s for s in cloud.logs())
            # Nothing else was lost: the token in hand still works.
            cloud.refuse_password = False
            cloud.send_action(195, "motion", motion_url=url)
            assert cloud.wait_terminal(195, "motion") == "motion:completed"
            assert len(cloud.signins) == n_signins + 1

    def test_button_pauses_and_resumes_a_print(self):
        # 100000 ticks at 10 kHz at speed 5: 2 s of playback unless paused.
        ticks = 100000
        job = fc.long_job(ticks)
        with fc.Session(SERIAL, auto_button=-1, speed=5, rest_ms=0,
                        chunk=1000) as (cloud, m):
            cloud.send_action(201, "print", motion_url=cloud.add_file("p", job))
            cloud.wait_event(201, "print:waiting")
            assert m.press().returncode == 0           # start
            cloud.wait_event(201, "print:running")
            time.sleep(0.3)
            assert m.press().returncode == 0           # pause
            cloud.wait_event(201, "print:paused")
            assert "print:resumed" not in cloud.event_names(201)
            time.sleep(0.5)  # paused: nothing finishes meanwhile
            assert "print:completed" not in cloud.event_names(201)
            assert m.press().returncode == 0           # resume
            assert cloud.wait_terminal(201, "print") == "print:completed"
            names = cloud.event_names(201)
            assert names == [
                "print:starting", "print:download:completed", "print:waiting",
                "print:warmup:starting", "print:running", "print:paused",
                "print:resumed", "print:return_to_home:succeeded",
                "print:completed"], names
            # The backtrack and replay cancel out: the job moved exactly its
            # own steps, and the last progress frame says so.
            line = [s for s in cloud.logs() if s.startswith("print 201: playback")]
            # ...while the engine played 2000 ticks back and 2000 forward more.
            assert "finished after %d bytes, %d ticks" % (ticks, ticks + 4000) \
                in line[0], line
            assert "moved dx=%d dy=0 dz=0 steps" % (ticks // 4) in line[0], line
            last = [f for f in cloud.frames_of("progress")
                    if f["progress"] == "print:progress"][-1]
            assert last["current"] == ticks
            assert last["settings"]["values"]["CCxp"] - 0 == ticks // 4

    def test_lid_gates_motion_images_and_stops_a_print(self):
        job = fc.read_fixture_puls()
        long = fc.long_job(6000000)
        with fc.Session(SERIAL, speed=10, rest_ms=0) as (cloud, m):
            assert m.lid("open").returncode == 0
            cloud.wait(lambda: any(f.get("event") == "lid:opened"
                                   for f in cloud.frames), what="lid:opened")
            ev = [f for f in cloud.frames if f.get("event") == "lid:opened"][0]
            assert "action_id" not in ev  # unsolicited (§9.4)
            # §9.1: motion is refused with the lid open; hunt is not gated;
            # the lid camera needs the lid closed, the head camera does not.
            cloud.send_action(211, "motion", motion_url=cloud.add_file("m", job))
            assert cloud.wait_terminal(211, "motion") == "motion:failed"
            cloud.send_action(212, "hunt", motion_url=cloud.add_file("h", job))
            assert cloud.wait_terminal(212, "hunt") == "hunt:completed"
            cloud.send_action(213, "lid_image", endpoint=cloud.upload_url(213))
            assert cloud.wait_terminal(213, "lid_image") == "lid_image:failed"
            assert 213 not in cloud.uploads
            cloud.send_action(214, "head_image", endpoint=cloud.upload_url(214))
            assert cloud.wait_terminal(214, "head_image") == \
                "head_image:completed"
            assert any("the lid is open" in s for s in cloud.logs())
            assert m.lid("close").returncode == 0
            cloud.wait(lambda: any(f.get("event") == "lid:closed"
                                   for f in cloud.frames), what="lid:closed")
            # A lid that opens mid-print stops it: :cancelled, head parked.
            cloud.send_action(215, "print", motion_url=cloud.add_file("p", long))
            cloud.wait_event(215, "print:running")
            assert m.lid("open").returncode == 0
            assert cloud.wait_terminal(215, "print") == "print:cancelled"
            assert cloud.event_names(215)[-2:] == [
                "print:return_to_home:succeeded", "print:cancelled"]

    def test_cancel_during_download_abandons_it(self):
        # 20 KiB trickled at 1 KiB every 2 s: 40 s unless the machine abandons
        # the download when the cancel comes (the wait below is 20 s).
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL) as (cloud, m):
            cloud.slow.add("slow")
            cloud.send_action(221, "motion", motion_url=cloud.add_file("slow", job))
            cloud.wait_event(221, "motion:starting")
            time.sleep(0.3)
            cloud.send_action(221, "motion", status="cancelled")
            assert cloud.wait_terminal(221, "motion", timeout=20) == \
                "motion:cancelled"
            assert "motion:running" not in cloud.event_names(221)
            assert not any("refusing" in s or "playback" in s
                           for s in cloud.logs())


if __name__ == "__main__":
    unittest.main(verbosity=2)

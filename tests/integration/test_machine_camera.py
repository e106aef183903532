"""test_machine_camera.py - gfmachine's emulated lid camera shows the head
where it truly is (docs/machine.md, "The emulated lid camera").

A real gfmachine against the fake service: the head starts where
--head-start leaves it, moves by the steps the hunt and the motion really
play, `gfmachine where` (test-only) prints that truth, and the lid_image
upload is a 2592 x 1944 JPEG in which the camera locator (locate_probe, the
real HOME_1 frame as reference) finds the head at the same place."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecloud as fc  # noqa: E402

SERIAL = 10000042
REF = (242.6, 138.8)  # the head's place in HOME_1.jpg (lid_ref_x/y)
PX_PER_MM = 1400 / 64.0  # lid_focal_px / lid_height_mm, the defaults
STEP = 0.01875  # mm per X/Y step (PROTOCOL.md §15.5)
# The motion fixture's net move (tests/fixtures/puls/README.md).
MOVE = (11104 * STEP, 6349 * STEP)


def where(m):
    r = m.command("where")
    assert r.returncode == 0, r.stderr
    x, y = (float(v) for v in r.stdout.split())
    return x, y


def jpeg_size(body):
    """(width, height) from the JPEG's SOF segment."""
    assert body[:2] == b"\xff\xd8", "not a JPEG"
    i = 2
    while i + 9 < len(body):
        assert body[i] == 0xFF, "bad JPEG segment"
        marker, seglen = body[i + 1], int.from_bytes(body[i + 2:i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            return (int.from_bytes(body[i + 7:i + 9], "big"),
                    int.from_bytes(body[i + 5:i + 7], "big"))
        i += 2 + seglen
    raise AssertionError("no SOF in the JPEG")


def locate(body):
    with tempfile.NamedTemporaryFile(suffix=".jpg") as f:
        f.write(body)
        f.flush()
        probe = os.path.join(fc.build_dir(), "tests", "locate_probe")
        r = subprocess.run([probe, fc.fixture("img", "HOME_1.jpg"),
                            str(PX_PER_MM), f.name],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def lid_image(cloud, aid):
    cloud.send_action(aid, "lid_image", endpoint=cloud.upload_url(aid))
    assert cloud.wait_terminal(aid, "lid_image") == "lid_image:completed"
    body = cloud.uploads[aid][2]
    assert jpeg_size(body) == (2592, 1944)
    return body


class MachineCamera(unittest.TestCase):
    """The composed lid camera against the truth, through a real
    gfmachine and the fake service."""

    def test_the_head_is_where_where_says_after_the_steps_it_played(self):
        hunt = fc.read_fixture_puls(fc.HUNT_FIXTURE)
        motion = fc.read_fixture_puls()
        start = (40.25, 15.5)
        with fc.Session(SERIAL, head_start="%g,%g" % start) as (cloud, m):
            assert where(m) == start
            # Near home the head is far outside the lid camera's view.
            far = locate(lid_image(cloud, 61))
            assert far["code"] != "ok", far
            # The hunt moves only Z; the motion takes the head near the
            # centre.
            cloud.send_action(62, "hunt",
                              motion_url=cloud.add_file("h", hunt))
            assert cloud.wait_terminal(62, "hunt") == "hunt:completed"
            assert where(m) == start
            cloud.send_action(63, "motion",
                              motion_url=cloud.add_file("m", motion))
            assert cloud.wait_terminal(63, "motion") == "motion:completed"
            x, y = where(m)
            assert abs(x - (start[0] + MOVE[0])) < 1e-3, (x, y)
            assert abs(y - (start[1] + MOVE[1])) < 1e-3, (x, y)
            seen = locate(lid_image(cloud, 64))
            assert seen["code"] == "ok", seen
            assert abs(seen["dx_mm"] - (x - REF[0])) < 0.5, (seen, x)
            assert abs(seen["dy_mm"] - (y - REF[1])) < 0.5, (seen, y)
            # Each picture is its own: noise and brightness change.
            again = lid_image(cloud, 65)
            assert again != cloud.uploads[64][2]

    def test_a_hidden_head_and_a_dark_lid_are_refused_with_reasons(self):
        near = "%g,%g" % (REF[0] + 3, REF[1] - 2)
        with fc.Session(SERIAL, head_start=near,
                        lid_hide_head=1) as (cloud, m):
            seen = locate(lid_image(cloud, 71))
            assert seen["code"] == "camera_not_found", seen
        with fc.Session(SERIAL, head_start=near, lid_dark=0.02) as (cloud, m):
            seen = locate(lid_image(cloud, 72))
            assert seen["code"] == "camera_dark", seen

    def test_where_is_test_only_and_a_bad_head_start_is_refused(self):
        gfm = os.path.join(fc.build_dir(), "src", "machine", "gfmachine")
        h = subprocess.run([gfm, "--help"], capture_output=True, text=True)
        assert "where" in h.stdout and "tests only" in h.stdout
        r = subprocess.run([gfm, "--serial", "5", "--password", "0" * 64,
                            "--head-start", "12"], capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 2
        assert "--head-start must be X,Y" in r.stderr


if __name__ == "__main__":
    unittest.main(verbosity=2)

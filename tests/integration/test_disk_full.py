"""test_disk_full.py - a full disk loses nothing and crashes nothing.

gfcloud with its data directory on a tiny tmpfs: an image or job-file upload
that does not fit gets 507 {"code": "disk_full"} and leaves no scratch file
or blob behind; database writes that fail (SQLITE_FULL) give a 5xx JSON
error, and events and logs from a machine that cannot be stored are counted
and logged; the service stays up throughout, everything acknowledged before
stays readable, and once space is freed the same uploads succeed.

gfmachine with its --work-dir missing (it makes it) and then on a full
tmpfs: the job ends :failed with the reason in the log, nothing plays, the
daemon stays up and the next job completes once there is space.

Needs root for `mount -t tmpfs` (every mount is undone in a finally); the
tests are skipped with a clear message where mounting is not permitted.
"""
import errno
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecloud as fc  # noqa: E402
from gfharness import Cloud, FakeMachine, fixture, wait_for  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000051
MSERIAL = 10000052
TERMINAL = ("completed", "failed", "cancelled")
# A full disk is always this answer.
FULL_STATUS, FULL_CODES = (507,), ("disk_full",)


def can_mount():
    """Whether this process may mount a tmpfs (root, no seccomp/userns
    restriction): tried once on a throwaway folder."""
    if os.geteuid() != 0:
        return False
    d = tempfile.mkdtemp(prefix="gf-disk-probe-")
    try:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs",
                           d], capture_output=True).returncode != 0:
            return False
        subprocess.run(["umount", d], capture_output=True)
        return True
    finally:
        os.rmdir(d)


MOUNT_OK = can_mount()
SKIP_WHY = "mount -t tmpfs is not permitted here (needs root)"


class TinyDisk:
    """A tmpfs of `size` mounted on `path` (made if missing), unmounted on
    exit whatever happened."""

    def __init__(self, path, size):
        self.path, self.size = path, size

    def __enter__(self):
        os.makedirs(self.path, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700"
                        % self.size, "tmpfs", self.path], check=True,
                       capture_output=True)
        return self

    def __exit__(self, *exc):
        if subprocess.run(["umount", self.path],
                          capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", self.path], capture_output=True)
        return False

    def grow(self, size):
        subprocess.run(["mount", "-o", "remount,size=%s" % size, self.path],
                       check=True, capture_output=True)

    def fill(self, leave_pages=0):
        """Take every free byte with a filler file, then give back
        `leave_pages` whole pages (tmpfs counts pages); returns its path."""
        path = os.path.join(self.path, "filler")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for size in (1 << 20, 65536, 4096, 512, 1):
                buf = b"\0" * size
                while True:
                    try:
                        os.write(fd, buf)
                    except OSError as e:
                        if e.errno not in (errno.ENOSPC, errno.EFBIG):
                            raise
                        break
            if leave_pages:
                pages = (os.fstat(fd).st_size + 4095) // 4096
                os.ftruncate(fd, (pages - leave_pages) * 4096)
        finally:
            os.close(fd)
        return path


def jpeg(name="HOME_1.jpg"):
    with open(fixture("img", name), "rb") as f:
        return f.read()


def error_of(data):
    body = json.loads(data)
    assert "error" in body and "code" in body, body
    return body["code"]


@unittest.skipUnless(MOUNT_OK, SKIP_WHY)
class CloudDiskFull(unittest.TestCase):
    def setUp(self):
        self.cloud = Cloud(start=False)
        self.disk = TinyDisk(self.cloud.data, "2m")
        self.disk.__enter__()
        try:
            self.cloud.start()
            self.cloud.add_machine(SERIAL, PW)
            self.cloud.api_key  # made now: the CLI writes the database
            self.m = FakeMachine(self.cloud, SERIAL, PW)
            self.m.handshake(home=True)  # a known position, for motions
        except BaseException:
            self.tearDown()
            raise

    def tearDown(self):
        rc = None
        try:
            if getattr(self, "m", None):
                self.m.close()
            rc = self.cloud.stop()  # before the unmount: the files are open
        finally:
            self.disk.__exit__()
            self.cloud.close()
        self.assertIn(rc, (None, 0), "gfcloud exited with %r" % (rc,))

    def scratch_files(self):
        return os.listdir(os.path.join(self.cloud.data, "blobs", "tmp"))

    def blob_files(self):
        root = os.path.join(self.cloud.data, "blobs")
        out = set()
        for d in os.listdir(root):
            if len(d) == 2:
                out.update(os.listdir(os.path.join(root, d)))
        return out

    def image_action(self):
        aid = self.cloud.send_action(SERIAL, "lid_image")
        a = self.m.expect_action("lid_image")
        url = urllib.parse.urlsplit(a["endpoint"])
        return aid, url.path + "?" + url.query

    def put(self, path, body):
        status, _, data = self.cloud.http(
            "PUT", path, body=body, headers={"Content-Type": "image/jpeg"})
        return status, data

    def test_full_disk(self):
        cloud = self.cloud
        # Acknowledged before the disk fills: an image, a job file, a log.
        aid0, path0 = self.image_action()
        status, data = self.put(path0, jpeg())
        self.assertEqual(status, 200, data)
        self.m.event(aid0, "lid_image:completed")
        cloud.wait_action_state(aid0, "completed")
        with open(fixture("puls", fc.MOTION_FIXTURE), "rb") as f:
            job = f.read()
        status, info = cloud.upload_file(job)
        self.assertEqual(status, 201, info)
        self.m.log("before the disk filled")
        wait_for(lambda: "before the disk filled" in str(cloud.api(
            "GET", "/api/v1/machines/S%d/logs" % SERIAL)[1]), what="the log")
        aid1, path1 = self.image_action()  # its URL is used after the fill
        blobs_before = self.blob_files()

        # Room for a job file's body (5 pages) but not for its stored copy:
        # the worker's blob write fails, and that is a full disk too.
        with open(fixture("puls", fc.HUNT_FIXTURE), "rb") as f:
            job2 = f.read()
        self.assertLessEqual(len(job2), 5 * 4096)
        filler = self.disk.fill(leave_pages=5)
        status, resp = cloud.upload_file(job2)
        self.assertIn(status, FULL_STATUS, resp)
        self.assertEqual(resp["code"], "disk_full")
        wait_for(lambda: not self.scratch_files(), what="no scratch files")
        self.assertEqual(self.blob_files(), blobs_before)
        os.unlink(filler)
        filler = self.disk.fill()

        # An image that does not fit: 507 disk_full, nothing left behind.
        big = jpeg("HEAD_NO_LASER_.230.jpg")
        status, data = self.put(path1, big)
        self.assertIn(status, FULL_STATUS, data)
        self.assertIn(error_of(data), FULL_CODES)
        # A job file that does not fit: the same.
        status, resp = cloud.upload_file(job2)
        self.assertIn(status, FULL_STATUS, resp)
        self.assertIn(resp["code"], FULL_CODES)
        # A motion from the unlocked job file needs a copy locked to this
        # machine (PROTOCOL.md §19), written on a worker: it does not fit.
        st, resp = cloud.api("POST", "/api/v1/machines/S%d/actions" % SERIAL,
                             body={"action_type": "motion",
                                   "file": info["id"]})
        self.assertEqual(st, 507, resp)
        self.assertEqual(resp["code"], "disk_full")
        wait_for(lambda: not self.scratch_files(), what="no scratch files")
        self.assertEqual(self.blob_files(), blobs_before)
        # Events and logs that cannot be stored are counted and logged, and
        # the session goes on. (A few may still fit in space SQLite holds.)
        for i in range(400):
            if "writes lost so far" in cloud.log_text():
                break
            self.m.log("while full %d " % i + "x" * 2000)
        wait_for(lambda: "writes lost so far" in cloud.log_text(),
                 what="the lost writes in the log")
        self.assertTrue(cloud.alive())
        # A database write over the API: a clear 5xx JSON error. (Queued
        # behind the image action in flight, so nothing is delivered.)
        st = 0
        for _ in range(20):
            st, resp = cloud.api("POST", "/api/v1/machines/S%d/actions"
                                 % SERIAL, body={"action_type": "update_check"})
            if st != 201:
                break
        self.assertIn(st, (500, 507), resp)
        self.assertIn(resp["code"], ("internal", "disk_full"))
        # Reads still work while the disk is full.
        st, body = cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)
        self.assertEqual(st, 200, body)

        # Free the space, and grow the disk too: messages the service still
        # holds from the full period are stored now and take some of it.
        os.unlink(filler)
        self.disk.grow("8m")

        # Space is back: the same uploads now succeed.
        status, data = self.put(path1, big)
        self.assertEqual(status, 200, data)
        status, resp = cloud.upload_file(job2)
        self.assertEqual(status, 201, resp)
        aid2 = cloud.send_action(SERIAL, "update_check")
        self.assertGreater(aid2, 0)
        aid3 = cloud.send_action(SERIAL, "motion", file=info["id"])
        self.assertGreater(aid3, aid2)
        self.m.log("after space returned")
        wait_for(lambda: "after space returned" in str(cloud.api(
            "GET", "/api/v1/machines/S%d/logs?limit=1000" % SERIAL)[1]),
            what="a log stored once space returned")
        # Everything acknowledged before is still there.
        st, body = cloud.api("GET", "/api/v1/machines/S%d/logs?limit=1000"
                             % SERIAL)
        self.assertIn("before the disk filled", json.dumps(body))
        st, a = cloud.api("GET", "/api/v1/actions/%d" % aid0)
        self.assertEqual(a["state"], "completed")
        st, _, raw = cloud.http("GET", "/api/v1/machines/S%d/images/lid_image"
                                "/latest" % SERIAL, token=cloud.api_key)
        self.assertEqual((st, raw), (200, big))
        self.assertTrue(blobs_before <= self.blob_files())
        self.assertEqual(self.scratch_files(), [])
        self.assertTrue(cloud.alive())


@unittest.skipUnless(MOUNT_OK, SKIP_WHY)
class CloudQueueDiskFull(unittest.TestCase):
    def test_expired_action_on_full_disk(self):
        """An action that expired while its machine was away cannot be
        recorded as expired on a full disk: the scheduler must leave it
        queued rather than pick it again forever (the loop would hang)."""
        cloud = Cloud(start=False, extra_args=["--queue-ttl", "1"])
        disk = TinyDisk(cloud.data, "2m")
        m = None
        rc = None
        try:
            disk.__enter__()
            cloud.start()
            cloud.add_machine(SERIAL, PW)
            aid = cloud.send_action(SERIAL, "update_check")  # offline
            time.sleep(2.1)  # past its one-second queue TTL
            filler = disk.fill()
            m = FakeMachine(cloud, SERIAL, PW)  # the connect kicks the queue
            st, body = cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)
            self.assertEqual(st, 200, body)
            self.assertTrue(body["online"], body)
            self.assertEqual(cloud.action(aid)["state"], "queued")
            os.unlink(filler)
            # Space is back: the next connect sends settings, then records
            # the expired action.
            m.close()
            m.connect()
            m.handshake()
            cloud.wait_action_state(aid, "expired")
            m.close()
            rc = cloud.stop()
        finally:
            if m:
                m.close()
            cloud.stop()
            disk.__exit__()
            cloud.close()
        self.assertEqual(rc, 0)


@unittest.skipUnless(MOUNT_OK, SKIP_WHY)
class MachineDiskFull(unittest.TestCase):
    def test_work_dir_made_and_full_disk(self):
        cloud = Cloud()
        mnt = os.path.join(cloud.tmp, "spool")
        disk = TinyDisk(mnt, "1m")
        machine = None
        failed = True
        try:
            disk.__enter__()
            work = os.path.join(mnt, "not", "yet")  # does not exist
            password = cloud.add_machine(MSERIAL)
            machine = fc.Machine(cloud.base_url,
                                 "ws://127.0.0.1:%d" % cloud.port, MSERIAL,
                                 password=password, work_dir=work)
            wait_for(lambda: os.path.isdir(work), what="the work dir")
            wait_for(lambda: cloud.api("GET", "/api/v1/machines/S%d"
                                       % MSERIAL)[1].get("online"),
                     timeout=20, what="the machine online")
            cloud.home(MSERIAL, timeout=30)
            st, f = cloud.upload_file(fixture("puls", fc.MOTION_FIXTURE))
            self.assertEqual(st, 201, f)

            def run():
                aid = cloud.send_action(MSERIAL, "motion", file=f["id"])
                return cloud.wait_action_state(aid, TERMINAL, timeout=30)

            a = run()
            self.assertEqual(a["state"], "completed", a)

            filler = disk.fill()
            a = run()
            self.assertEqual(a["state"], "failed", a)
            evs = [e["event"] for e in a["events"]]
            self.assertEqual(evs, ["motion:starting", "motion:failed"], evs)
            # The reason, from the download or the flush of the spool file.
            want = "ERROR: motion %d: " % a["id"]
            wait_for(lambda: any(
                line.startswith(want, line.find("ERROR")) and
                "No space left on device" in line
                for line in machine.stderr().splitlines()),
                what="the reason in the log")
            # No spool file left. Waited for, not read once: the service
            # answers a failed motion with a hunt, whose own download may
            # be under way (and failing on the full disk) right now.
            wait_for(lambda: os.listdir(work) == [],
                     what="no spool file left in %s" % work)
            # Nothing played: no playback line for it.
            self.assertNotIn("motion %d: playback" % a["id"], machine.stderr())

            os.unlink(filler)
            # The failed move lost the position: the service hunted again,
            # and the operator homes it before the next move.
            st = cloud.wait_lifecycle(MSERIAL, "waiting_for_home", timeout=30)
            self.assertEqual(st["head_position"], "unknown")
            cloud.home(MSERIAL, timeout=30)
            a = run()
            self.assertEqual(a["state"], "completed", a)
            self.assertIsNone(machine.proc.poll())
            rc = machine.stop()
            self.assertEqual(rc, 0, machine.stderr())
            failed = False
        finally:
            if machine:
                if failed:
                    print("---- gfmachine ----\n" + machine.stderr()[-4000:])
                machine.cleanup()
            disk.__exit__()
            cloud.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

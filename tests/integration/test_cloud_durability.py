"""gfcloud durability: kill -9 in the middle of a job, then restart
(issue 3, "Durability"; PROTOCOL.md §10).

What the service answered for before the kill (accepted actions, a stored
upload, recorded events, registered machines and keys) must all be there
after the restart, the job that was in flight must be reconciled (recorded
interrupted, cancelled on the machine's return), and the queue must go on
in order with settings first."""

import os
import sqlite3
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import (Cloud, FakeMachine, fixture, on_postgresql,  # noqa
                       wait_for)

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042
PRINT_RUNNING = ["print:starting", "print:download:completed",
                 "print:warmup:starting", "print:running"]


class KillNine(unittest.TestCase):
    def test_kill9_mid_job(self):
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            key = cloud.api_key
            status, info = cloud.upload_file(
                fixture("puls", "1234567890-nooptions-xxxxx.puls"))
            self.assertEqual(status, 201)
            # Homed first: a print needs a known head position (§17).
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake(home=True)
            img = cloud.send_action(SERIAL, "lid_image")
            job = cloud.send_action(SERIAL, "print", file=info["id"])
            later = cloud.send_action(SERIAL, "update_check")
            a = m.expect_action("lid_image")
            url = urllib.parse.urlsplit(a["endpoint"])
            with open(fixture("img", "HOME_1.jpg"), "rb") as f:
                jpeg = f.read()
            status, _, _ = cloud.http("PUT", url.path + "?" + url.query,
                                      body=jpeg,
                                      headers={"Content-Type": "image/jpeg"})
            self.assertEqual(status, 200)  # acknowledged: must survive
            for ev in ("starting", "upload:completed", "completed"):
                m.event(img, "lid_image:" + ev)
            m.expect_action("print")
            for ev in PRINT_RUNNING:
                m.event(job, ev)
            wait_for(lambda: len(cloud.action(job)["events"]) == 4,
                     what="print events recorded")
            old_auth = m.tokens["auth_token"]

            cloud.kill9()
            m.close()
            cloud.start()

            # Nothing acknowledged was lost.
            self.assertEqual(cloud.api_key, key)
            done = cloud.action(img)
            self.assertEqual(done["state"], "completed")
            self.assertEqual(len(done["events"]), 3)
            status, _, body = cloud.http(
                "GET", "/api/v1/machines/S%d/images/lid_image/latest" % SERIAL,
                token=key)
            self.assertEqual((status, body), (200, jpeg))
            rec = cloud.action(job)
            self.assertEqual(rec["state"], "interrupted")
            self.assertEqual(rec["reason"], "service restarted")
            self.assertTrue(rec["cancel_pending"])
            self.assertEqual([e["event"] for e in rec["events"]],
                             PRINT_RUNNING)
            self.assertEqual(cloud.action(later)["state"], "queued")
            # The print may have stopped anywhere: the position is gone.
            self.assertEqual(cloud.machine(SERIAL)["head_position"],
                             "unknown")
            # The auth_token outlives the restart.
            status, _, _ = cloud.http("GET", "/update/current",
                                      token=old_auth)
            self.assertEqual(status, 200)

            # The machine returns: cancel, then settings, the homing hunt,
            # then the queue.
            m.connect()
            c = m.expect_action("print", status="cancelled")
            self.assertEqual(c["id"], job)
            m.handshake(hunt=True)
            a = m.expect_action("update_check")
            self.assertEqual(a["id"], later)
            m.event(later, "update_check:completed")
            cloud.wait_action_state(later, "completed")
            # The late print:cancelled is taken as final.
            m.event(job, "print:cancelled")
            cloud.wait_action_state(job, "cancelled")
            m.close()

    @unittest.skipIf(on_postgresql(), "SQLite's group commit (store.h)")
    def test_frames_commit_without_a_request(self):
        """The frames a loop pass stores share one transaction (group
        commit): it is committed when the pass ends, not only when an
        answer goes out. So log lines a machine sends with nothing else
        happening reach the database file (read here by another SQLite
        connection, not through the service), and a kill -9 after that
        keeps them."""
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake()
            db = os.path.join(cloud.data, "gfcloud.db")

            def logs():
                con = sqlite3.connect(db, timeout=5)
                try:
                    return con.execute(
                        "SELECT count(*) FROM logs WHERE serial = ? AND "
                        "text LIKE 'group commit %'",
                        (SERIAL,)).fetchone()[0]
                finally:
                    con.close()
            for i in range(20):
                m.log("group commit %d" % i)
            wait_for(lambda: logs() == 20, what="20 log lines committed")
            cloud.kill9()
            m.close()
            self.assertEqual(logs(), 20)

    def test_graceful_restart_keeps_everything(self):
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            aid = cloud.send_action(SERIAL, "hunt")
            cloud.restart()
            self.assertEqual(cloud.action(aid)["state"], "queued")
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake()
            self.assertEqual(m.expect_action("hunt")["id"], aid)
            m.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

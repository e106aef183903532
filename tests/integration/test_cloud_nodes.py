"""Several gfcloud nodes on one PostgreSQL database (docs/cloud.md,
"Several nodes"): an action posted on one node reaches the machine whose
WebSocket the other holds, its events and state are visible from both, a
cancel crosses nodes, a machine that moves to another node takes its queue
with it, and when one of two nodes is killed under load every acknowledged
action reaches a terminal state and none is delivered twice; a dead node's
actions in flight end even if their machine never comes back.

Runs only on PostgreSQL (ctest: cloud_nodes_pg)."""

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import fakecloud as fc  # noqa: E402
from gfharness import (Cloud, FakeMachine, gfcloud_binary,  # noqa: E402
                       on_postgresql, wait_for)

import websocket  # noqa: E402

SERIAL = 10000077
TERMINAL = {"completed", "cancelled", "failed", "interrupted", "expired"}


def two_nodes(*extra):
    a = Cloud(extra_args=["--node-name", "node-a", *extra])
    b = Cloud(share=a, extra_args=["--node-name", "node-b", *extra])
    return a, b


@unittest.skipUnless(on_postgresql(), "several nodes need PostgreSQL")
class TwoNodes(unittest.TestCase):
    def setUp(self):
        self.a, self.b = two_nodes()
        self.password = self.a.add_machine(SERIAL)
        self.m = FakeMachine(self.a, SERIAL, self.password)
        self.m.handshake()

    def tearDown(self):
        self.m.close()
        self.b.close()
        self.a.close()

    def test_action_posted_on_b_reaches_the_machine_on_a(self):
        aid = self.b.send_action(SERIAL, "update_check")
        a = self.m.expect_action("update_check")
        self.assertEqual(a["id"], aid)
        self.m.event(aid, "update_check:completed")
        done = self.b.wait_action_state(aid, "completed")
        self.assertEqual([e["event"] for e in done["events"]],
                         ["update_check:completed"])
        self.assertEqual(self.a.action(aid)["state"], "completed")
        status, ev = self.b.api("GET", "/api/v1/machines/S%d/events" % SERIAL)
        self.assertEqual(status, 200)
        self.assertIn(aid, [e["action_id"] for e in ev["events"]])

    def test_queue_order_holds_across_nodes(self):
        ids = [self.b.send_action(SERIAL, "update_check"),
               self.a.send_action(SERIAL, "update_check"),
               self.b.send_action(SERIAL, "update_check")]
        got = []
        for _ in ids:
            a = self.m.expect_action("update_check")
            got.append(a["id"])
            self.m.event(a["id"], "update_check:completed")
        self.assertEqual(got, ids)
        self.m.expect_silence(0.5)

    def test_cancel_on_b_of_an_action_in_flight_on_a(self):
        aid = self.b.send_action(SERIAL, "lid_image", settings={})
        self.m.expect_action("lid_image")
        status, body = self.b.api("POST", "/api/v1/actions/%d/cancel" % aid)
        self.assertEqual(status, 200, body)
        c = self.m.expect_action("lid_image", status="cancelled")
        self.assertEqual(c["id"], aid)
        self.assertEqual(self.b.wait_action_state(aid, "cancelling")["state"],
                         "cancelling")
        self.m.event(aid, "lid_image:cancelled")
        self.b.wait_action_state(aid, "cancelled")
        # Finished now: a second cancel says so on either node.
        status, body = self.b.api("POST", "/api/v1/actions/%d/cancel" % aid)
        self.assertEqual(status, 409, body)

    def test_nodes_survive_losing_their_database_connections(self):
        # What a restart of the database server does to both nodes.
        killed = self.a.pg.query(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        self.assertGreaterEqual(int(killed[0][0]), 4)  # 2 nodes x 2

        def listening_again():
            return "hearing the other nodes again" in self.a.log_text()
        wait_for(listening_again, what="node A to listen again")
        aid = self.b.send_action(SERIAL, "update_check")
        a = self.m.expect_action("update_check")
        self.assertEqual(a["id"], aid)
        self.m.event(aid, "update_check:completed")
        self.b.wait_action_state(aid, "completed")

    def test_machine_moving_to_b_takes_its_queue(self):
        inflight = self.a.send_action(SERIAL, "lid_image", settings={})
        self.m.expect_action("lid_image")
        queued = self.a.send_action(SERIAL, "update_check")
        old = self.m.ws
        moved = FakeMachine(self.b, SERIAL, self.password)
        # Node A closes the old session (4000 replaced) once B says so.
        old.settimeout(10)
        with self.assertRaises((websocket.WebSocketConnectionClosedException,
                                ConnectionError)):
            while True:
                if old.recv() == "":
                    raise ConnectionError("closed")
        # On B: the cancel for what was in flight, settings, then the queue.
        c = moved.expect_action("lid_image", status="cancelled")
        self.assertEqual(c["id"], inflight)
        moved.event(inflight, "lid_image:cancelled")
        moved.handshake()
        nxt = moved.expect_action("update_check")
        self.assertEqual(nxt["id"], queued)
        moved.event(queued, "update_check:completed")
        self.a.wait_action_state(queued, "completed")
        self.assertIn(self.a.action(inflight)["state"],
                      {"interrupted", "cancelled"})
        self.m = moved


class StoreSettings(unittest.TestCase):
    """A wrong store setting is a clear one-line error, not a crash."""

    def serve(self, *args):
        tmp = tempfile.mkdtemp(prefix="gfcloud-test-")
        try:
            return subprocess.run(
                [gfcloud_binary(), "serve", "--data", tmp + "/data",
                 "--listen", "127.0.0.1:0", *args],
                capture_output=True, text=True, timeout=30)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_bad_store_settings_are_refused_clearly(self):
        p = self.serve("--store", "mysql")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("store: expected sqlite or postgresql", p.stderr)
        p = self.serve("--store", "postgresql")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("needs a database-url", p.stderr)
        p = self.serve("--store", "postgresql", "--database-url",
                       "host=/nonexistent password=hunter2 dbname=x")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("cannot connect to PostgreSQL", p.stderr)
        self.assertNotIn("hunter2", p.stderr)


class Poster(threading.Thread):
    """Posts actions through two nodes in turn until stopped; remembers
    every id a node acknowledged (201)."""

    def __init__(self, nodes):
        super().__init__(daemon=True)
        self.nodes = nodes
        self.acked = []
        self.stop = threading.Event()
        self.refused = 0

    def run(self):
        i = 0
        while not self.stop.is_set():
            node = self.nodes[i % len(self.nodes)]
            i += 1
            try:
                status, body = node.api(
                    "POST", "/api/v1/machines/S%d/actions" % SERIAL,
                    body={"action_type": "update_check"})
            except OSError:
                self.refused += 1  # the killed node: nothing acknowledged
                continue
            if status == 201:
                self.acked.append(body["id"])
            time.sleep(0.01)


@unittest.skipUnless(on_postgresql(), "several nodes need PostgreSQL")
class KillOneNode(unittest.TestCase):
    def test_every_acknowledged_action_ends_once(self):
        a, b = two_nodes()
        try:
            self.run_load(a, b)
        finally:
            b.close()
            a.close()

    def serve(self, m, received, until, leave_last=False):
        """Answer actions until `until()`; False once the session closed.
        `leave_last`: the action that makes `until()` true stays
        unanswered, in flight."""
        while not until():
            try:
                msg = m.recv(timeout=0.3)
            except (AssertionError, websocket.WebSocketTimeoutException):
                continue
            except (websocket.WebSocketConnectionClosedException,
                    ConnectionError, OSError):
                return False
            kind = msg.get("action_type")
            if not kind:
                continue
            if msg["status"] == "ready":
                received.append((msg["id"], kind))
                if leave_last and until():
                    return True
                if kind == "settings":
                    m.answer_settings(msg)
                else:
                    m.event(msg["id"], kind + ":completed")
            else:
                m.event(msg["id"], kind + ":cancelled")
        return True

    def run_load(self, a, b):
        password = a.add_machine(SERIAL)
        m = FakeMachine(a, SERIAL, password)
        received = []
        poster = Poster([a, b])
        poster.start()
        # Serve on node A until it has delivered some, then kill it while
        # actions keep coming through both nodes.
        self.serve(m, received, lambda: len(received) >= 30, leave_last=True)
        cut, kind = received[-1]
        a.kill9()
        m.close()
        # The machine signs in on the other node and carries on there.
        m = FakeMachine(b, SERIAL, password)
        t_end = time.monotonic() + 2.0
        self.serve(m, received, lambda: time.monotonic() > t_end)
        poster.stop.set()
        poster.join()
        acked = set(poster.acked)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            slice_end = time.monotonic() + 1.0
            self.serve(m, received, lambda: time.monotonic() > slice_end)
            if all(b.action(x)["state"] in TERMINAL for x in acked):
                break
        m.close()
        ids = [i for i, kind in received if kind != "settings"]
        print("acknowledged %d actions (%d posts refused by the killed node), "
              "delivered %d" % (len(acked), poster.refused, len(ids)))
        self.assertGreater(len(acked), 40)
        self.assertEqual(len(ids), len(set(ids)), "an action was sent twice")
        self.assertEqual(acked - set(ids), set(),
                         "acknowledged actions never delivered")
        states = {}
        for aid in acked:
            st = b.action(aid)["state"]
            states[st] = states.get(st, 0) + 1
            self.assertIn(st, TERMINAL, (aid, st))
        print("final states:", states)
        for aid in sorted(acked):
            act = b.action(aid)
            if act["state"] != "completed":
                print("  %d %s (%s), events %s" % (
                    aid, act["state"], act["reason"],
                    [e["event"] for e in act["events"]]))
        # Only the action in flight when node A died was cut short: node B
        # recorded it interrupted (a sync action: nothing to cancel on the
        # machine) and sent it to nobody again.
        self.assertEqual(kind, "update_check")
        self.assertEqual(b.action(cut)["state"], "interrupted")
        self.assertEqual(len(acked) - states.get("completed", 0), 1, states)


@unittest.skipUnless(on_postgresql(), "several nodes need PostgreSQL")
class GfmachineFailover(unittest.TestCase):
    """The real gfmachine, given both nodes (--server A,B): node A killed,
    it signs in on B and the queue goes on there."""

    def online_on(self, node, serial):
        st, body = node.api("GET", "/api/v1/machines/S%d" % serial)
        return st == 200 and body.get("online")

    def test_gfmachine_moves_to_the_other_node(self):
        serial = 10000078
        a, b = two_nodes()
        m = None
        try:
            password = a.add_machine(serial)
            m = fc.Machine(a.base_url + "," + b.base_url,
                           a.status_url + "," + b.status_url, serial,
                           password=password)
            wait_for(lambda: self.online_on(a, serial), 20, what="online on A")
            self.assertFalse(self.online_on(b, serial))
            aid = b.send_action(serial, "lid_image")
            self.assertEqual(b.wait_action_state(aid, "completed", timeout=30)
                             ["state"], "completed")
            a.kill9()
            wait_for(lambda: self.online_on(b, serial), 20, what="online on B")
            queued = [b.send_action(serial, "lid_image") for _ in range(2)]
            for q in queued:
                self.assertEqual(b.wait_action_state(q, "completed", timeout=30)
                                 ["state"], "completed")
            log = m.stderr()
            self.assertIn("at " + b.base_url, log)
            print([line for line in log.splitlines() if "retrying" in line])
            status, img = b.api("GET", "/api/v1/machines/S%d/images/lid_image/"
                                "latest" % serial)
            self.assertEqual(status, 200)
        finally:
            if m:
                m.stop()
                m.cleanup()
            b.close()
            a.close()


@unittest.skipUnless(on_postgresql(), "several nodes need PostgreSQL")
class DeadNode(unittest.TestCase):
    def test_a_dead_nodes_actions_in_flight_end_without_their_machine(self):
        """A node killed while an action is in flight, whose machine never
        comes back: the other node notices the missing heartbeat and ends
        the action (interrupted, with the reason), once."""
        a, b = two_nodes("--node-dead-after", "3")
        try:
            password = a.add_machine(SERIAL)
            m = FakeMachine(a, SERIAL, password)
            m.handshake()
            aid = a.send_action(SERIAL, "update_check")
            m.expect_action("update_check")
            self.assertEqual(b.action(aid)["state"], "sent")
            a.kill9()
            m.close()  # the machine stays away

            def ended():
                x = b.action(aid)
                return x if x["state"] != "sent" else None
            done = wait_for(ended, timeout=30, what="the action ended")
            self.assertEqual(done["state"], "interrupted")
            self.assertEqual(done["reason"], "its service node stopped")
            self.assertIn("1 of its actions in flight ended", b.log_text())
            time.sleep(2)  # a second check finds nothing more to end
            self.assertEqual(b.log_text().count("stopped beating"), 1)
        finally:
            b.close()
            a.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

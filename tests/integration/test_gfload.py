"""gfload against the real gfcloud: 50 emulated machines in one process.

Starts gfcloud (gfharness.Cloud), registers 50 machines with `gfcloud
machine add`, runs gfload for them, and checks through the REST API that
all 50 are online, that settings, lid_image (with its upload), motion and
print actions (on an uploaded job file), hunt (the bundled file) and
update_check sent to them complete with the protocol's event sequences, that
a print cancelled while it plays ends print:cancelled, then stops gfload with SIGINT and checks it
exits 0 with a summary that agrees with what the service saw. Also checks
that bad arguments and a wrong password give clear errors, not hangs; and
that with two nodes (--server A,B) the machines spread and fail over."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import shutil
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, build_dir, fixture, wait_for  # noqa: E402

N = 50
BASE = 30000000
JOB = fixture("puls", "1234567890-nooptions-xxxxx.puls")
IMAGE_EVENTS = ["starting", "capture:starting", "capture:completed",
                "upload:starting", "upload:completed", "completed"]
PRINT_EVENTS = ["print:starting", "print:download:completed",
                "print:warmup:starting", "print:running",
                "print:return_to_home:succeeded", "print:completed"]
SANITIZER_MARKERS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


def local_addresses_towards(port):
    """Established IPv4 sockets to 127.0.0.1:port, counted by local address
    (from /proc/net/tcp: addresses and ports in hex, little-endian)."""
    counts = {}
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            cols = line.split()
            local, remote, state = cols[1], cols[2], cols[3]
            if state != "01" or remote != "0100007F:%04X" % port:
                continue
            a = bytes.fromhex(local.split(":")[0])[::-1]
            addr = ".".join(str(b) for b in a)
            counts[addr] = counts.get(addr, 0) + 1
    return counts


def gfload_binary():
    return os.path.join(build_dir(), "src", "tools", "gfload")


class GfLoad(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud()
        cls.tmp = tempfile.mkdtemp(prefix="gfload-test-")
        cls.pwfile = os.path.join(cls.tmp, "passwords")
        with open(cls.pwfile, "w") as f:
            for k in range(N):
                f.write("S%d %s\n" % (BASE + k,
                                      cls.cloud.add_machine(BASE + k)))
        status, info = cls.cloud.upload_file(JOB)
        assert status == 201, (status, info)
        cls.file_id = info["id"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)
        cls.cloud.close()

    def run_gfload(self, *extra):
        out = open(os.path.join(self.tmp, "out"), "w+")
        err = open(os.path.join(self.tmp, "err"), "w+")
        args = [gfload_binary(), "--server", self.cloud.base_url,
                "--machines", str(N), "--serial-base", str(BASE),
                "--rate", "200", "--json", *extra]
        proc = subprocess.Popen(args, stdout=out, stderr=err)
        return proc, out, err

    def finish(self, proc, out, err, sig=signal.SIGINT):
        if proc.poll() is None:
            proc.send_signal(sig)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("gfload did not stop")
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        out.close()
        err.close()
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, stderr, stderr[-4000:])
        return rc, stdout, stderr

    def online(self):
        status, body = self.cloud.api("GET", "/api/v1/machines")
        self.assertEqual(status, 200)
        ours = [m for m in body["machines"]
                if BASE <= int(m["serial"].lstrip("S")) < BASE + N]
        return sum(1 for m in ours if m["online"])

    def events(self, action_id):
        return [e["event"] for e in self.cloud.action(action_id)["events"]]

    def after_print(self, serial, print_id):
        """The action types the service queued after print `print_id`, once
        they all completed (None before)."""
        st, body = self.cloud.api("GET", "/api/v1/machines/S%d/actions"
                                  % serial)
        later = [a for a in reversed(body["actions"]) if a["id"] > print_id]
        done = all(a["state"] == "completed" for a in later)
        return done and len(later) == 2 and [a["action_type"] for a in later]

    def test_load_and_actions(self):
        proc, out, err = self.run_gfload("--password-file", self.pwfile,
                                         "--duration", "0")
        try:
            wait_for(lambda: self.online() == N, timeout=30,
                     what="all %d machines online" % N)
            # The opening settings action of every machine completes.
            serials = [BASE + k for k in (0, 7, 21, 49)]
            # Each machine was hunted on connect (§17); the two that move
            # are homed by hand.
            for s in serials[2:]:
                self.cloud.home(s, timeout=30)
            sent = []
            for s in serials:
                sent.append(("settings",
                             self.cloud.send_action(s, "settings")))
            lid = self.cloud.send_action(serials[1], "lid_image",
                                         settings={"LCfl": 1})
            motion = self.cloud.send_action(serials[2], "motion",
                                            file=self.file_id)
            prnt = self.cloud.send_action(serials[3], "print",
                                          file=self.file_id)
            hunt = self.cloud.send_action(serials[0], "hunt")
            upd = self.cloud.send_action(serials[2], "update_check")
            for _, aid in sent:
                self.cloud.wait_action_state(aid, "completed", timeout=30)
            done = self.cloud.wait_action_state(lid, "completed", timeout=30)
            self.assertEqual([e["event"] for e in done["events"]],
                             ["lid_image:" + e for e in IMAGE_EVENTS])
            status, headers, body = self.cloud.http(
                "GET", "/api/v1/machines/S%d/images/lid_image/latest"
                % serials[1], token=self.cloud.api_key)
            self.assertEqual(status, 200)
            self.assertEqual(body[:2], b"\xff\xd8")
            self.cloud.wait_action_state(motion, "completed", timeout=30)
            self.assertEqual(self.events(motion),
                             ["motion:starting", "motion:completed"])
            self.cloud.wait_action_state(prnt, "completed", timeout=30)
            self.assertEqual(self.events(prnt), PRINT_EVENTS)
            self.cloud.wait_action_state(hunt, "completed", timeout=30)
            self.assertEqual(self.events(hunt),
                             ["hunt:starting", "hunt:completed"])
            self.cloud.wait_action_state(upd, "completed", timeout=30)
            # After the print, the service's lid image and Z hunt (§17.1).
            after = wait_for(lambda: self.after_print(serials[3], prnt),
                             timeout=30, what="the post-print hunt")
            self.assertEqual(after, ["lid_image", "hunt"])
            # Every machine's homing hunt completed.
            wait_for(lambda: all(
                m["lifecycle"] in ("waiting_for_home", "ready") for m in
                self.cloud.api("GET", "/api/v1/machines")[1]["machines"]
                if BASE <= int(m["serial"][1:]) < BASE + N),
                timeout=30, what="every machine hunted")
            self.assertEqual(self.online(), N)
        finally:
            rc, stdout, stderr = self.finish(proc, out, err)
        self.assertEqual(rc, 0, stderr[-3000:])
        self.assertIn("connected", stderr)  # the progress lines
        summary = json.loads(stdout)
        self.assertEqual(summary["machines"], N)
        self.assertEqual(summary["sessions_held"], N)
        self.assertEqual(summary["ever_connected"], N)
        self.assertEqual(summary["sign_in_failures"], 0)
        self.assertEqual(summary["action_failures"], 0)
        self.assertGreater(summary["rss_kib"], 0)
        acts = summary["actions"]
        # One opening settings per machine plus the four sent above.
        self.assertEqual(acts["settings"]["completed"], N + 4)
        # Ours, and the service's own after the print.
        self.assertEqual(acts["lid_image"]["completed"], 2)
        self.assertEqual(acts["motion"]["completed"], 1)
        self.assertEqual(acts["print"]["completed"], 1)
        # Every machine's homing hunt, ours, the one after the print.
        self.assertEqual(acts["hunt"]["completed"], N + 2)
        self.assertEqual(acts["update_check"]["completed"], 1)
        self.assertGreater(summary["bytes_down"], 0)  # the two job files
        # After gfload closed its sessions the service sees them offline.
        wait_for(lambda: self.online() == 0, timeout=30,
                 what="machines offline after gfload stopped")

    def test_cancel_while_playing(self):
        proc, out, err = self.run_gfload("--password-file", self.pwfile,
                                         "--play-delay", "60000")
        serial = BASE + 3
        try:
            wait_for(lambda: self.online() == N, timeout=30,
                     what="all %d machines online" % N)
            # The homing hunt waits out the play delay too: cancel it (the
            # position stays unknown) and home by hand.
            hunt = wait_for(lambda: [
                a for a in self.cloud.api(
                    "GET", "/api/v1/machines/S%d/actions" % serial)[1][
                        "actions"]
                if a["action_type"] == "hunt" and a["state"] == "sent"],
                timeout=30, what="the homing hunt")[0]
            status, body = self.cloud.api(
                "POST", "/api/v1/actions/%d/cancel" % hunt["id"])
            self.assertEqual(status, 200, body)
            self.cloud.home(serial, timeout=30)
            pid = self.cloud.send_action(serial, "print", file=self.file_id)
            wait_for(lambda: "print:running" in self.events(pid), timeout=30,
                     what="the print to run")
            status, body = self.cloud.api("POST",
                                          "/api/v1/actions/%d/cancel" % pid)
            self.assertEqual(status, 200, body)
            done = self.cloud.wait_action_state(
                pid, ("completed", "failed", "cancelled"), timeout=30)
            self.assertEqual(done["state"], "cancelled")
            self.assertEqual(self.events(pid), PRINT_EVENTS[:4] +
                             ["print:cancelled"])
        finally:
            rc, stdout, stderr = self.finish(proc, out, err, signal.SIGTERM)
        self.assertEqual(rc, 0, stderr[-3000:])
        summary = json.loads(stdout)
        self.assertEqual(summary["actions"]["print"]["cancelled"], 1)
        self.assertEqual(summary["actions"]["print"]["completed"], 0)

    def test_wrong_password_and_duration(self):
        wrong = "ab" * 32
        proc, out, err = self.run_gfload("--password", wrong,
                                         "--duration", "2")
        try:
            rc = proc.wait(timeout=30)
        finally:
            rc, stdout, stderr = self.finish(proc, out, err)
        self.assertEqual(rc, 0, stderr)
        summary = json.loads(stdout)
        self.assertEqual(summary["sessions_held"], 0)
        self.assertEqual(summary["ever_connected"], 0)
        self.assertGreaterEqual(summary["sign_in_failures"], N)

    def test_processes_and_sources(self):
        """--processes 2 --source 127.0.0.2-127.0.0.3: every machine online
        once, sockets from both addresses, one summary that adds up. On
        libwebsockets' poll loop (--event-loop poll), where the other
        tests run on the default epoll."""
        proc, out, err = self.run_gfload("--password-file", self.pwfile,
                                         "--duration", "0",
                                         "--processes", "2",
                                         "--source", "127.0.0.2-127.0.0.3",
                                         "--event-loop", "poll")
        try:
            wait_for(lambda: self.online() == N, timeout=30,
                     what="all %d machines online" % N)
            # Each machine downloads its homing hunt over a connection of
            # its own: count the sockets once they are all done.
            wait_for(lambda: all(
                m["lifecycle"] == "waiting_for_home" for m in
                self.cloud.api("GET", "/api/v1/machines")[1]["machines"]
                if BASE <= int(m["serial"][1:]) < BASE + N),
                timeout=30, what="every machine hunted")
            sources = local_addresses_towards(self.cloud.port)
            self.assertEqual(set(sources), {"127.0.0.2", "127.0.0.3"})
            self.assertEqual(sum(sources.values()), N)  # one socket each
        finally:
            rc, stdout, stderr = self.finish(proc, out, err)
        self.assertEqual(rc, 0, stderr[-3000:])
        self.assertIn("gfload[0]:", stderr)
        self.assertIn("gfload[1]:", stderr)
        summary = json.loads(stdout)
        self.assertEqual(summary["processes"], 2)
        self.assertEqual(summary["machines"], N)
        self.assertEqual(summary["sessions_held"], N)
        self.assertEqual(summary["ever_connected"], N)
        self.assertEqual(summary["sign_in_failures"], 0)
        self.assertIsNotNone(summary["seconds_to_all_connected"])
        self.assertEqual(summary["actions"]["settings"]["completed"], N)

    def test_bad_arguments(self):
        cases = [
            [],
            ["--server", "http://127.0.0.1:1", "--machines", "0",
             "--serial-base", "1", "--password", "ab"],
            ["--server", "ftp://x", "--machines", "1", "--serial-base", "1",
             "--password", "ab"],
            ["--server", "http://127.0.0.1:1", "--machines", "2",
             "--serial-base", "1", "--password-file",
             os.path.join(self.tmp, "missing")],
            ["--server", "http://127.0.0.1:1", "--machines", "2",
             "--serial-base", str(BASE), "--password-file", self.pwfile,
             "--image", JOB],
            ["--server", "http://127.0.0.1:1", "--machines", "2",
             "--serial-base", "1", "--password", "ab",
             "--source", "127.0.0.9-127.0.0.2"],
            ["--server", "http://127.0.0.1:1", "--machines", "2",
             "--serial-base", "1", "--password", "ab",
             "--source", "not-an-address"],
            ["--server", "http://127.0.0.1:1", "--machines", "2",
             "--serial-base", "1", "--password", "ab", "--processes", "0"],
            ["--server", "http://127.0.0.1:1", "--machines", "2",
             "--serial-base", "1", "--password", "ab",
             "--event-loop", "select"],
        ]
        for args in cases:
            p = subprocess.run([gfload_binary(), *args], capture_output=True,
                               text=True, timeout=30)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertTrue(p.stderr.strip(), args)
            for marker in SANITIZER_MARKERS:
                self.assertNotIn(marker, p.stderr)


class Nodes(unittest.TestCase):
    """--server A,B: the machines spread over both nodes by serial; when
    one node dies (kill -9) its machines move to the other, and the summary
    counts the moves and where the sessions are."""

    M = 20
    FIRST = 31000000

    def test_spread_then_failover_to_the_live_node(self):
        a, b = Cloud(), Cloud()
        tmp = tempfile.mkdtemp(prefix="gfload-nodes-")
        pwfile = os.path.join(tmp, "passwords")
        with open(pwfile, "w") as f:
            for k in range(self.M):
                pw = a.add_machine(self.FIRST + k)
                b.add_machine(self.FIRST + k, pw)
                f.write("S%d %s\n" % (self.FIRST + k, pw))
        out = open(os.path.join(tmp, "out"), "w+")
        err = open(os.path.join(tmp, "err"), "w+")
        proc = subprocess.Popen(
            [gfload_binary(), "--server", a.base_url + "," + b.base_url,
             "--machines", str(self.M), "--serial-base", str(self.FIRST),
             "--rate", "200", "--json", "--duration", "0",
             "--password-file", pwfile], stdout=out, stderr=err)

        def online(cloud):
            st, body = cloud.api("GET", "/api/v1/machines")
            return sum(1 for m in body["machines"] if m["online"])
        try:
            wait_for(lambda: online(a) + online(b) == self.M, timeout=30,
                     what="every machine online on one node or the other")
            self.assertEqual((online(a), online(b)),
                             (self.M // 2, self.M // 2))  # by serial
            a.kill9()
            wait_for(lambda: online(b) == self.M, timeout=60,
                     what="every machine on the node left")
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
            rc = proc.wait(timeout=30)
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
            out.close()
            err.close()
            a.close()
            b.close()
            shutil.rmtree(tmp, ignore_errors=True)
        self.assertEqual(rc, 0, stderr[-3000:])
        for marker in SANITIZER_MARKERS:
            self.assertNotIn(marker, stderr, stderr[-4000:])
        summary = json.loads(stdout)
        self.assertEqual(summary["sessions_held_per_node"], [0, self.M])
        self.assertGreaterEqual(summary["failovers"], self.M // 2)
        self.assertEqual(summary["ever_connected"], self.M)

    def test_status_urls_must_match_the_servers(self):
        p = subprocess.run(
            [gfload_binary(), "--server", "http://127.0.0.1:1,http://"
             "127.0.0.1:2", "--status", "ws://127.0.0.1:1", "--machines", "2",
             "--serial-base", "1", "--password", "ab"],
            capture_output=True, text=True, timeout=30)
        self.assertEqual(p.returncode, 2)
        self.assertIn("one URL per --server URL", p.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""gfcloud as a new operator meets it: the real binary's command line.

What `listen` binds (names resolved, IPv6 in brackets, a clear line and
exit 2 when nothing can be bound), settings checked before anything runs
(enumerations, the TLS pair, named files, the INI file's line), which
commands may create a data directory, the lock that keeps a second
`serve` off it, file modes, and the small things: per-command --help,
serial messages, `machine list`'s last_seen, logged outcomes."""

import os
import socket
import stat
import subprocess
import sys
import tempfile
import shutil
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, FakeMachine, gfcloud_binary, wait_for  # noqa: E402

SERIAL = 10000042


def run(*args, timeout=20):
    return subprocess.run([gfcloud_binary(), *args], capture_output=True,
                          text=True, timeout=timeout)


def error_lines(text):
    return [l for l in text.splitlines() if " ERROR " in l]


class Tmp(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gfcloud-op-")
        self.data = os.path.join(self.tmp, "data")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def serve_fails(self, *args):
        """`serve` with these flags must exit by itself: returns it."""
        port_file = os.path.join(self.tmp, "port")
        p = run("serve", "--data", self.data, "--port-file", port_file, *args)
        self.assertFalse(os.path.exists(port_file), p.stderr)
        return p


class Listen(Tmp):
    def serve(self, listen):
        port_file = os.path.join(self.tmp, "port")
        log = open(os.path.join(self.tmp, "log"), "wb")
        proc = subprocess.Popen([gfcloud_binary(), "serve", "--data",
                                 self.data, "--listen", listen,
                                 "--port-file", port_file],
                                stdout=log, stderr=log)
        log.close()
        self.addCleanup(lambda: (proc.terminate(), proc.wait(10)))

        def port():
            self.assertIsNone(proc.poll(), self.log())
            try:
                with open(port_file) as f:
                    return int(f.read().strip() or 0)
            except (OSError, ValueError):
                return 0
        return proc, wait_for(port, what="gfcloud to listen")

    def log(self):
        with open(os.path.join(self.tmp, "log")) as f:
            return f.read()

    def get(self, family, host, port):
        with socket.socket(family) as s:
            s.settimeout(5)
            s.connect((host, port))
            s.sendall(b"GET /update/current HTTP/1.1\r\nHost: x\r\n"
                      b"Connection: close\r\n\r\n")
            return s.recv(100)

    def test_a_host_name_is_resolved_and_bound(self):
        proc, port = self.serve("localhost:0")
        self.assertTrue(self.get(socket.AF_INET, "127.0.0.1", port)
                        .startswith(b"HTTP/1.1 "))
        self.assertIn("listening on 127.0.0.1:%d" % port, self.log())

    def test_ipv6_in_brackets_is_bound(self):
        try:
            with socket.socket(socket.AF_INET6) as s:
                s.bind(("::1", 0))
        except OSError:
            self.skipTest("no IPv6 loopback here")
        proc, port = self.serve("[::1]:0")
        self.assertTrue(self.get(socket.AF_INET6, "::1", port)
                        .startswith(b"HTTP/1.1 "))
        self.assertIn("listening on [::1]:%d" % port, self.log())

    def test_an_unresolvable_name_exits_2_with_one_line(self):
        p = self.serve_fails("--listen", "no-such-host.invalid:8090")
        self.assertEqual(p.returncode, 2, p.stderr)
        errs = error_lines(p.stderr)
        self.assertEqual(len(errs), 1, p.stderr)
        self.assertIn("cannot resolve no-such-host.invalid", errs[0])
        self.assertNotIn("listening", p.stderr)

    def test_a_port_in_use_says_so(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            p = self.serve_fails("--listen", "127.0.0.1:%d" % port)
        self.assertEqual(p.returncode, 2, p.stderr)
        errs = error_lines(p.stderr)
        self.assertEqual(len(errs), 1, p.stderr)
        self.assertIn("cannot listen on 127.0.0.1:%d: address already in use"
                      % port, errs[0])
        self.assertNotIn("listening", p.stderr)

    def test_an_address_not_on_this_host(self):
        p = self.serve_fails("--listen", "192.0.2.1:0")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("cannot assign requested address", p.stderr)

    def test_bad_listen_is_a_usage_error(self):
        for bad in ("8080", "localhost", "::1:8080", "h:99999", "h:x"):
            p = self.serve_fails("--listen", bad)
            self.assertEqual(p.returncode, 2, (bad, p.stderr))
            self.assertIn("listen:", p.stderr)
        self.assertIn("brackets", run("serve", "--listen", "::1:8080").stderr)

    def test_status_listen_is_checked_like_listen(self):
        p = self.serve_fails("--status-listen", "8080")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("status-listen: expected HOST:PORT", p.stderr)
        # The poll loop serves one connection table: said, not ignored.
        p = self.serve_fails("--listen", "127.0.0.1:0", "--status-listen",
                             "127.0.0.1:0", "--event-loop", "poll")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("status-listen needs event-loop = epoll", p.stderr)
        taken = socket.socket()
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        try:
            p = self.serve_fails("--listen", "127.0.0.1:0", "--status-listen",
                                 "127.0.0.1:%d" % taken.getsockname()[1])
        finally:
            taken.close()
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("status-listen: cannot listen on 127.0.0.1:", p.stderr)
        self.assertIn("address already in use", p.stderr)


class Settings(Tmp):
    def test_enumerations_are_checked(self):
        for flag, value, want in (("--sync", "sometimes", "normal or full"),
                                  ("--log-level", "chatty", "error, warn"),
                                  ("--public-url", "gf.example", "http://")):
            p = self.serve_fails(flag, value)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn(want, p.stderr)
        self.assertFalse(os.path.exists(self.data))

    def test_half_a_tls_pair_is_an_error(self):
        cert = os.path.join(self.tmp, "cert.pem")
        open(cert, "w").close()
        for args in (["--tls-cert", cert], ["--tls-key", cert]):
            p = self.serve_fails("--listen", "127.0.0.1:0", *args)
            self.assertEqual(p.returncode, 2, p.stderr)
            self.assertIn("TLS needs both", p.stderr)

    def test_a_missing_certificate_names_the_file_and_reason(self):
        key = os.path.join(self.tmp, "key.pem")
        open(key, "w").close()
        p = self.serve_fails("--listen", "127.0.0.1:0", "--tls-cert",
                             "/nope/cert.pem", "--tls-key", key)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("tls-cert /nope/cert.pem: No such file or directory",
                      p.stderr)
        os.chmod(key, 0)
        if os.access(key, os.R_OK):
            return  # root reads anything: the unreadable case cannot show
        p = self.serve_fails("--listen", "127.0.0.1:0", "--tls-cert", key,
                             "--tls-key", key)
        self.assertIn("Permission denied", p.stderr)

    def test_a_certificate_that_is_not_one_is_named(self):
        junk = os.path.join(self.tmp, "junk.pem")
        with open(junk, "w") as f:
            f.write("not a certificate\n")
        p = self.serve_fails("--listen", "127.0.0.1:0", "--tls-cert", junk,
                             "--tls-key", junk)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("tls-cert %s with tls-key %s refused" % (junk, junk),
                      p.stderr)

    def test_a_missing_hunt_file_is_an_error(self):
        p = self.serve_fails("--listen", "127.0.0.1:0", "--hunt-file",
                             "/nope.puls")
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("hunt-file /nope.puls: No such file or directory",
                      p.stderr)

    def test_a_hunt_file_that_is_not_a_job_is_an_error(self):
        junk = os.path.join(self.tmp, "junk.puls")
        with open(junk, "wb") as f:
            f.write(b"not a pulse file")
        p = self.serve_fails("--listen", "127.0.0.1:0", "--hunt-file", junk)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("hunt file %s refused" % junk, p.stderr)

    def test_config_errors_name_file_and_line(self):
        ini = os.path.join(self.tmp, "gfcloud.ini")
        with open(ini, "w") as f:
            f.write("[server]\nlisten = 127.0.0.1:0\n\n[limits]\n"
                    "sync = sometimes\n")
        p = self.serve_fails("--config", ini)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("%s:5: sync: expected normal or full" % ini, p.stderr)
        with open(ini, "w") as f:
            f.write("listen = 127.0.0.1:0\nlisten_port = 9\n")
        p = self.serve_fails("--config", ini)
        self.assertIn("%s:2: unknown setting 'listen_port'" % ini, p.stderr)
        p = self.serve_fails("--config", os.path.join(self.tmp, "none.ini"))
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("none.ini: cannot open: No such file", p.stderr)


class DataDirectory(Tmp):
    def test_only_serve_and_init_create_it(self):
        for args in (["machine", "list"], ["machine", "add", "--serial", "5"],
                     ["machine", "remove", "--serial", "5"],
                     ["apikey", "create"], ["apikey", "list"],
                     ["user", "list"], ["user", "add", "ann", "--role",
                                        "viewer"]):
            p = run(*args, "--data", self.data)
            self.assertEqual(p.returncode, 1, (args, p.stderr))
            self.assertIn("%s: no such data directory" % self.data, p.stderr)
            self.assertFalse(os.path.exists(self.data), args)
        os.mkdir(self.data)  # exists, but is not one of ours
        p = run("machine", "list", "--data", self.data)
        self.assertEqual(p.returncode, 1, p.stderr)
        self.assertIn("not a gfcloud data directory", p.stderr)
        self.assertEqual(os.listdir(self.data), [])
        p = run("init", "--data", self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run("machine", "add", "--serial", "5", "--data", self.data)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(run("init", "--data", self.data).returncode, 0)
        self.assertIn("S5\t", run("machine", "list", "--data",
                                  self.data).stdout)

    def test_files_are_private(self):
        self.assertEqual(run("init", "--data", self.data).returncode, 0)
        with Cloud() as cloud:
            cloud.api_key
            m = FakeMachine(cloud, SERIAL, cloud.add_machine(SERIAL))
            m.handshake()
            status, body = cloud.upload_file(os.path.join(
                os.path.dirname(__file__), "..", "fixtures", "puls",
                "1234567890-nooptions-xxxxx.puls"))
            self.assertEqual(status, 201, body)
            m.close()
            for d in (self.data, cloud.data):
                for root, dirs, files in os.walk(d):
                    mode = stat.S_IMODE(os.stat(root).st_mode)
                    self.assertEqual(mode, 0o700, root)
                    for f in files:
                        p = os.path.join(root, f)
                        self.assertEqual(stat.S_IMODE(os.stat(p).st_mode),
                                         0o600, p)

    def test_a_second_serve_is_refused(self):
        with Cloud() as cloud:
            p = subprocess.run([gfcloud_binary(), "serve", "--data",
                                cloud.data, "--listen", "127.0.0.1:0"],
                               capture_output=True, text=True, timeout=20)
            self.assertEqual(p.returncode, 1, p.stderr)
            errs = error_lines(p.stderr)
            self.assertEqual(len(errs), 1, p.stderr)
            self.assertIn("%s is in use by another gfcloud serve (pid %d)"
                          % (cloud.data, cloud.proc.pid), errs[0])
            self.assertNotIn("listening", p.stderr)
            # The first one is untouched, and the CLI still works beside it.
            self.assertTrue(cloud.alive())
            cloud.add_machine(SERIAL)
            self.assertEqual(cloud.api("GET", "/api/v1/machines")[0], 200)
            cloud.restart()  # the lock goes with the process


class SmallThings(Tmp):
    def test_command_help(self):
        for args, want in ((["machine", "add", "--help"], "machine add"),
                           (["machine", "--help"], "machine remove"),
                           (["apikey", "revoke", "--help"], "apikey revoke"),
                           (["init", "--help"], "gfcloud init"),
                           (["--data", "x", "machine", "list", "-h"],
                            "machine list")):
            p = run(*args)
            self.assertEqual(p.returncode, 0, args)
            self.assertIn(want, p.stdout, args)
            self.assertNotIn("--max-json-body", p.stdout, args)
        p = run("serve", "--help")
        self.assertIn("--max-json-body", p.stdout)
        for line in p.stdout.split("\n\n")[0].splitlines():
            if "serve" in line or "machine" in line or "apikey" in line \
                    or "init" in line:
                self.assertIn("--data DIR", line, line)

    def test_serial_messages(self):
        run("init", "--data", self.data)
        p = run("machine", "add", "--serial", "99999999999999999999",
                "--data", self.data)
        self.assertEqual(p.returncode, 2)
        self.assertIn("too large", p.stderr)
        p = run("machine", "add", "--serial", "12ab", "--data", self.data)
        self.assertEqual(p.returncode, 2)
        self.assertIn("not a serial", p.stderr)
        p = run("machine", "remove", "--data", self.data)
        self.assertIn("needs --serial N", p.stderr)

    def test_machine_list_last_seen(self):
        with Cloud() as cloud:
            pw = cloud.add_machine(SERIAL)
            cloud.add_machine(SERIAL + 1)
            out = cloud.cli("machine", "list").stdout
            self.assertNotIn("-1", out)
            self.assertIn("S%d\tlast_seen=never" % SERIAL, out)
            m = FakeMachine(cloud, SERIAL, pw)
            m.handshake()
            out = cloud.cli("machine", "list").stdout
            line = [l for l in out.splitlines()
                    if l.startswith("S%d\t" % SERIAL)][0]
            when = line.split("\t")[1].split("=", 1)[1]
            t = time.strptime(when, "%Y-%m-%dT%H:%M:%SZ")
            self.assertLess(abs(time.mktime(t) - time.mktime(time.gmtime())),
                            120)
            m.close()

    def test_outcomes_are_logged(self):
        with Cloud() as cloud:
            pw = cloud.add_machine(SERIAL)
            m = FakeMachine(cloud, SERIAL, pw)
            m.handshake()
            aid = cloud.send_action(SERIAL, "update_check")
            act = m.expect_action("update_check")
            m.event(act["id"], "update_check:completed")
            cloud.wait_action_state(aid, "completed")
            aid2 = cloud.send_action(SERIAL, "update_check")
            act = m.expect_action("update_check")
            m.event(act["id"], "update_check:failed", log="no network")
            cloud.wait_action_state(aid2, "failed")
            log = cloud.log_text()
            self.assertIn("S%d: update_check %d completed" % (SERIAL, aid),
                          log)
            self.assertIn("S%d: update_check %d failed: no network"
                          % (SERIAL, aid2), log)
            m.close()


class Reasons(unittest.TestCase):
    """A refused action's reason is what the machine said."""

    def test_reason_from_the_event_or_the_last_warning(self):
        with Cloud() as cloud:
            m = FakeMachine(cloud, SERIAL, cloud.add_machine(SERIAL))
            m.handshake()
            # The terminal event's own text.
            aid = cloud.send_action(SERIAL, "update_check")
            m.expect_action("update_check")
            m.event(aid, "update_check:failed", log="no route to host")
            a = cloud.wait_action_state(aid, "failed")
            self.assertEqual(a["reason"], "no route to host")
            # Else the last warning logged while it ran (not an INFO line,
            # not one from before it was sent).
            m.log("an old warning", level="WARNING")
            aid = cloud.send_action(SERIAL, "update_check")
            m.expect_action("update_check")
            m.log("the lid is open", level="WARNING")
            m.log("still here", level="INFO")
            m.event(aid, "update_check:cancelled")
            a = cloud.wait_action_state(aid, "cancelled")
            self.assertEqual(a["reason"], "the lid is open")
            # Nothing said: null, and a completed action has none.
            for event, state in (("update_check:failed", "failed"),
                                 ("update_check:completed", "completed")):
                aid = cloud.send_action(SERIAL, "update_check")
                m.expect_action("update_check")
                m.event(aid, event, log="" if state == "failed" else "fine")
                a = cloud.wait_action_state(aid, state)
                self.assertIsNone(a["reason"], a)
            # The text is the machine's: it reaches our log only escaped.
            aid = cloud.send_action(SERIAL, "update_check")
            m.expect_action("update_check")
            m.event(aid, "update_check:failed",
                    log="bad\n2026-01-01T00:00:00Z gfcloud ERROR forged")
            cloud.wait_action_state(aid, "failed")
            self.assertNotIn("\n2026-01-01T00:00:00Z gfcloud ERROR forged",
                             cloud.log_text())
            m.close()


if __name__ == "__main__":
    unittest.main()

"""gfcloud at its connection limits (issue 8, item 3): clients that open
connections and never finish a request cannot use up the service's file
descriptors. gfcloud runs here with a low descriptor limit (as `ulimit -n`
would set it); unknown connections are capped in total and per address,
headers and bodies must be complete within a total time however slowly
they trickle in, and through it all the machine sessions that are open and
the API stay served, with the CPU idle and the log quiet."""

import os
import resource
import socket
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import gfharness  # noqa: E402
from gfharness import Cloud, FakeMachine, wait_for  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
NOFILE = 160
MACHINES = 10


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def low_nofile():
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def start_cloud(args):
    """A Cloud whose gfcloud runs under RLIMIT_NOFILE = NOFILE."""
    real = subprocess.Popen

    def popen(*a, **kw):
        kw.setdefault("preexec_fn", low_nofile)
        return real(*a, **kw)
    gfharness.subprocess.Popen = popen
    try:
        return Cloud(extra_args=args)
    finally:
        gfharness.subprocess.Popen = real


def open_from(port, source):
    s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                 source_address=(source, 0))
    return s


def closed(sock, wait=0.0):
    """Whether the service closed `sock` (EOF or reset) within `wait` s."""
    sock.settimeout(wait if wait > 0 else 0.01)
    try:
        return sock.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


class Limits(unittest.TestCase):
    def test_descriptor_exhaustion_is_refused(self):
        cloud = start_cloud(["--fd-reserve", "16",
                             "--max-unknown-connections", "60",
                             "--max-address-connections", "20",
                             "--header-timeout", "2", "--body-timeout", "3"])
        held = []
        try:
            with open("/proc/%d/limits" % cloud.proc.pid) as f:
                self.assertIn("%d" % NOFILE, [ln for ln in f if
                                              "open files" in ln][0])
            machines = []
            for i in range(MACHINES):
                cloud.add_machine(10000100 + i, PW)
                m = FakeMachine(cloud, 10000100 + i, PW)
                m.handshake()
                machines.append(m)
            # Two addresses each try 40 idle connections: 20 each stay.
            for src in ["127.0.0.2", "127.0.0.3"]:
                socks = [open_from(cloud.port, src) for _ in range(40)]
                time.sleep(0.5)
                kept = [s for s in socks if not closed(s)]
                self.assertEqual(len(kept), 20, src)
                held += socks
            # Meanwhile: the API, a new sign-in and the open sessions.
            self.assertEqual(cloud.api("GET", "/api/v1/machines")[0], 200)
            cloud.sign_in(10000101, PW)
            aid = cloud.send_action(10000100, "update_check")
            machines[0].expect_action("update_check")
            machines[0].event(aid, "update_check:completed")
            cloud.wait_action_state(aid, "completed")
            # A hundred more from fifty addresses: the total cap holds,
            # and the machine sessions that are open go on.
            extra = [open_from(cloud.port, "127.0.1.%d" % (i % 50 + 2))
                     for i in range(100)]
            held += extra
            time.sleep(0.5)
            self.assertLessEqual(len([s for s in extra if not closed(s)]), 20)
            machines[1].log("sent during the flood")
            before = cpu_seconds(cloud.proc.pid)
            time.sleep(1.0)
            self.assertLess(cpu_seconds(cloud.proc.pid) - before, 0.5)
            # Idle connections are closed after the header time.
            wait_for(lambda: all(closed(s) for s in held), timeout=20,
                     what="idle connections to be closed")
            self.assertEqual(cloud.api("GET", "/api/v1/machines")[0], 200)
            logs = cloud.api("GET", "/api/v1/machines/S10000101/logs")[1]
            self.assertIn("sent during the flood",
                          [x["log"] for x in logs["logs"]])
            for s in held:
                s.close()
            held = []
            # An address whose connections are gone has its full share
            # again (its count went down as each one closed).
            time.sleep(0.5)
            again = [open_from(cloud.port, "127.0.0.2") for _ in range(25)]
            held += again
            time.sleep(0.5)
            self.assertEqual(len([s for s in again if not closed(s)]), 20)
            for s in held:
                s.close()
            held = []
            self.assertTrue(cloud.alive())
            log = cloud.log_text()
            self.assertLess(log.count("refusing connections"), 10)
            self.assertLess(log.count("libwebsockets:"), 10)
            for m in machines:
                m.close()
        finally:
            for s in held:
                s.close()
            cloud.close()

    def test_trickled_requests_are_closed(self):
        with Cloud(extra_args=["--header-timeout", "2",
                               "--body-timeout", "3"]) as cloud:
            head = socket.create_connection(("127.0.0.1", cloud.port),
                                            timeout=10)
            body = socket.create_connection(("127.0.0.1", cloud.port),
                                            timeout=10)
            body.sendall(b"POST /machines/sign_in HTTP/1.1\r\nHost: x\r\n"
                         b"Content-Length: 1000\r\n\r\n")
            line = b"GET /api/v1/machines HTTP/1.1\r\nHost: x\r\n" + \
                b"X-Slow: " + b"a" * 200
            start = time.monotonic()
            done = {}
            i = 0
            while len(done) < 2 and time.monotonic() - start < 20:
                for name, s, data in [("head", head, line[i:i + 1]),
                                      ("body", body, b"x")]:
                    if name in done:
                        continue
                    try:
                        s.sendall(data)
                    except OSError:
                        done[name] = time.monotonic() - start
                        continue
                    if closed(s):
                        done[name] = time.monotonic() - start
                i += 1
                time.sleep(0.25)
            head.close()
            body.close()
            # Bytes kept coming, four a second; both were closed anyway.
            self.assertEqual(sorted(done), ["body", "head"])
            self.assertTrue(cloud.alive())
            self.assertEqual(cloud.api("GET", "/api/v1/machines")[0], 200)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""gfcloud against slow and stalled clients: the service stays up, keeps
serving everyone else, and gives back what such clients hold.

Many TCP connections that never send a request, a request whose body stops
half-way and a half-sent request line are all closed by the service after
its idle timeout (libwebsockets', about 10 s; waited for by polling, never
asserted as a time), and the scratch file of the stalled body is removed. A
request line sent a byte at a time is answered. A machine that stops
reading its WebSocket is not flooded: its actions wait in the store, one in
flight, while other machines are served."""

import os
import socket
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, FakeMachine, wait_for  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
PW2 = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"
SERIAL, OTHER = 10000042, 10000043
IDLE = 100
CLOSE_WAIT = 45.0  # generous: the service's own timeout is ~10 s


def closed_by_peer(sock):
    """Whether the service has closed `sock` (reads EOF or a reset)."""
    sock.setblocking(False)
    try:
        return sock.recv(4096) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


class Slow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud()
        cls.cloud.add_machine(SERIAL, PW)
        cls.cloud.add_machine(OTHER, PW2)

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def connect(self):
        return socket.create_connection(("127.0.0.1", self.cloud.port),
                                        timeout=30)

    def assert_served(self):
        status, _, _ = self.cloud.http("GET", "/update/current")
        self.assertEqual(status, 401)  # no token: answered, not hung
        self.assertEqual(self.cloud.api("GET", "/api/v1/machines")[0], 200)

    def scratch(self):
        return os.listdir(os.path.join(self.cloud.data, "blobs", "tmp"))

    def test_stalled_clients_are_closed(self):
        idle = [self.connect() for _ in range(IDLE)]
        half_line = self.connect()
        half_line.sendall(b"GET /update/cur")
        half_body = self.connect()
        half_body.sendall(
            b"POST /api/v1/files HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + self.cloud.api_key.encode() +
            b"\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: 100000\r\n\r\n" + b"\0" * 5000)
        wait_for(lambda: len(self.scratch()) == 1, what="the scratch body")
        held = idle + [half_line, half_body]
        try:
            self.assert_served()
            self.assertTrue(self.cloud.alive())
            deadline = time.monotonic() + CLOSE_WAIT
            open_socks = list(held)
            while open_socks and time.monotonic() < deadline:
                open_socks = [s for s in open_socks if not closed_by_peer(s)]
                time.sleep(0.2)
            self.assertEqual(len(open_socks), 0,
                             "%d stalled connections left open"
                             % len(open_socks))
            self.assertEqual(self.scratch(), [])
            self.assert_served()
        finally:
            for s in held:
                s.close()

    def test_request_line_byte_by_byte(self):
        s = self.connect()
        try:
            request = (b"GET /update/current HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Connection: close\r\n\r\n")
            for i, byte in enumerate(request):
                s.sendall(bytes([byte]))
                if i % 16 == 0:
                    self.assert_served()  # others are not held up
                time.sleep(0.002)
            data = b""
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            self.assertTrue(data.startswith(b"HTTP/1.1 401"), data[:80])
        finally:
            s.close()

    def test_machine_that_stops_reading(self):
        quiet = FakeMachine(self.cloud, SERIAL, PW)
        quiet.handshake()
        other = FakeMachine(self.cloud, OTHER, PW2)
        other.handshake()
        try:
            # The quiet machine reads nothing while 50 actions are queued.
            ids = [self.cloud.send_action(SERIAL, "update_check")
                   for _ in range(50)]
            bid = self.cloud.send_action(OTHER, "lid_image")
            other.expect_action("lid_image")
            other.event(bid, "lid_image:completed")
            self.cloud.wait_action_state(bid, "completed")
            self.assert_served()
            # It was sent one action, not the queue.
            first = quiet.expect_action("update_check")
            self.assertEqual(first["id"], ids[0])
            quiet.expect_silence(0.5)
            states = [self.cloud.action(i)["state"] for i in ids[1:]]
            self.assertEqual(set(states), {"queued"})
            quiet.event(ids[0], "update_check:completed")
            self.assertEqual(quiet.expect_action("update_check")["id"], ids[1])
        finally:
            quiet.close()
            other.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Keep-alive of machine sessions (PROTOCOL.md §4.3), now on gfcloud's own
timer wheel rather than libwebsockets' per-session timer.

With --ping-interval 1: a session silent for a second gets a ping; one that
answers its pings (and sends nothing else) stays open; one that never
answers is closed once silent for twice the interval plus 10 s; a session
that keeps sending frames is never pinged at all. A connection to the
status port that never sends its handshake is closed at header-timeout,
even when nothing else happens on that port (with status-listen, its
connection table is a second libwebsockets context: the deadline is set
from the other one's timer)."""

import os
import socket
import sys
import time
import unittest

import websocket

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud  # noqa: E402

PW = "cd" * 32
HANGUP = 2 * 1 + 10  # seconds of silence before the service hangs up
HEADER_TIMEOUT = 2


def frames_until(ws, seconds, answer_pings):
    """Read frames for `seconds`; the opcodes seen, and whether it closed."""
    seen = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ws.settimeout(max(0.05, end - time.monotonic()))
        try:
            f = ws.recv_frame()
        except websocket.WebSocketTimeoutException:
            continue
        except (websocket.WebSocketConnectionClosedException, OSError):
            return seen, True
        if f is None:
            return seen, True
        seen.append(f.opcode)
        if f.opcode == websocket.ABNF.OPCODE_CLOSE:
            return seen, True
        if f.opcode == websocket.ABNF.OPCODE_PING and answer_pings:
            ws.pong(f.data)
    return seen, False


class Keepalive(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = Cloud(extra_args=["--ping-interval", "1",
                                      "--header-timeout",
                                      str(HEADER_TIMEOUT),
                                      "--log-level", "info"])
        for s in (71000001, 71000002, 71000003):
            cls.cloud.add_machine(s, PW)

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def open(self, serial):
        tok = self.cloud.sign_in(serial, PW)["ws_token"]
        return self.cloud.connect(tok)

    def test_a_handshake_never_sent_is_cut_on_a_quiet_port(self):
        # Runs first (the name): no session is open, so the connection's
        # own deadline is all that can end it.
        s = socket.create_connection(("127.0.0.1", self.cloud.status_port),
                                     timeout=HEADER_TIMEOUT + 8)
        t0 = time.monotonic()
        try:
            got = s.recv(1)
        except OSError:
            got = b""
        after = time.monotonic() - t0
        s.close()
        self.assertEqual(got, b"", "the service answered a silent client")
        self.assertGreaterEqual(after, HEADER_TIMEOUT - 0.5)
        self.assertLess(after, HEADER_TIMEOUT + 3)

    def test_pings_answered_keep_it_and_silence_ends_it(self):
        quiet = self.open(71000001)   # never answers
        polite = self.open(71000002)  # answers every ping
        busy = self.open(71000003)    # sends a log line every 0.3 s
        t0 = time.monotonic()
        seen_quiet, closed_quiet = [], False
        seen_polite, closed_polite = [], False
        seen_busy = []
        while time.monotonic() - t0 < HANGUP + 4:
            s, c = frames_until(quiet, 0.1, False) if not closed_quiet \
                else ([], True)
            seen_quiet += s
            if c and not closed_quiet:
                closed_quiet = True
                quiet_after = time.monotonic() - t0
            s, closed_polite = frames_until(polite, 0.1, True)
            seen_polite += s
            self.assertFalse(closed_polite, "an answering session closed")
            busy.send('{"type":"log","level":"INFO","text":"x"}\n')
            s, c = frames_until(busy, 0.1, True)
            seen_busy += s
            self.assertFalse(c, "a busy session closed")
        ping = websocket.ABNF.OPCODE_PING
        self.assertIn(ping, seen_quiet)
        self.assertGreaterEqual(seen_polite.count(ping), 3)
        self.assertNotIn(ping, seen_busy)
        self.assertTrue(closed_quiet, "a silent session stayed open")
        # Closed once silent for HANGUP s, give or take the wheel's tick and
        # this loop's pace; never before.
        self.assertGreaterEqual(quiet_after, HANGUP - 0.5)
        self.assertLess(quiet_after, HANGUP + 3.5)
        self.assertIn("S71000001: silent for", self.cloud.log_text())
        for ws in (quiet, polite, busy):
            ws.close()


if __name__ == "__main__":
    unittest.main()

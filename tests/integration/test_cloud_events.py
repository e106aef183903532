"""GET /api/v1/events/stream (docs/api.md "Live events"): Server-Sent
Events from the real gfcloud while a scripted machine connects, homes and
runs a job: the machine's lifecycle and position, action events and the
job's states arrive in order; a client resumes with Last-Event-ID; a client
that stops reading is dropped, not buffered, and the service goes on."""

import json
import os
import socket
import sys
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import Cloud, FakeMachine, fixture, wait_for  # noqa: E402

PW = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
SERIAL = 10000042
PULSE = fixture("puls", "1234567890-nooptions-xxxxx.puls")


class Stream:
    """A raw SSE client: a socket, the request, parsed events."""

    def __init__(self, cloud, last_id=None, read=True, rcvbuf=None):
        self.sock = socket.socket()
        if rcvbuf:  # before connect, so the window stays small
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(10)
        self.sock.connect(("127.0.0.1", cloud.port))
        hdr = ("GET /api/v1/events/stream HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n"
               % cloud.api_key)
        if last_id is not None:
            hdr += "Last-Event-ID: %s\r\n" % last_id
        self.sock.sendall((hdr + "\r\n").encode())
        self.buf = b""
        self.headers = None
        if read:
            while b"\r\n\r\n" not in self.buf:
                self.buf += self.sock.recv(65536)
            head, self.buf = self.buf.split(b"\r\n\r\n", 1)
            self.headers = head.decode()

    def events(self, pred, timeout=15):
        """Read events until pred(list) is true; returns the list."""
        out = []
        end = time.monotonic() + timeout
        while True:
            while b"\n\n" in self.buf:
                raw, self.buf = self.buf.split(b"\n\n", 1)
                ev = {}
                for line in raw.decode().splitlines():
                    k, _, v = line.partition(": ")
                    ev[k] = v
                if "data" in ev:
                    ev["data"] = json.loads(ev["data"])
                    out.append(ev)
            if pred(out):
                return out
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError("events not seen: %r" % out[-10:])
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise AssertionError("stream closed")
            self.buf += chunk

    def close(self):
        self.sock.close()


def job_states(evs, jid):
    return [e["data"]["state"] for e in evs
            if e["event"] == "job.state" and e["data"]["id"] == jid]


class Events(unittest.TestCase):
    def test_stream_resume_and_drop(self):
        with Cloud() as cloud:
            cloud.add_machine(SERIAL, PW)
            s = Stream(cloud)
            self.assertIn("200", s.headers.splitlines()[0])
            self.assertIn("text/event-stream", s.headers.lower())
            m = FakeMachine(cloud, SERIAL, PW)
            m.handshake(full=True, hunt=True, home=True)
            evs = s.events(lambda e: any(
                x["event"] == "machine.lifecycle" and
                x["data"]["lifecycle"] == "ready" for x in e))
            kinds = [e["event"] for e in evs]
            self.assertEqual(kinds[0], "machine.online")
            lc = [e["data"]["lifecycle"] for e in evs
                  if e["event"] == "machine.lifecycle"]
            for a, b in (("reporting", "hunting"),
                         ("hunting", "waiting_for_home"),
                         ("waiting_for_home", "ready")):
                self.assertLess(lc.index(a), lc.index(b), lc)
            ready = [e for e in evs if e["event"] == "machine.lifecycle"][-1]
            self.assertEqual(ready["data"]["head_position"]["source"],
                             "manual")
            self.assertIn("hunt:completed", [
                e["data"]["event"] for e in evs
                if e["event"] == "action.event"])
            ids = [int(e["id"]) for e in evs]
            self.assertEqual(ids, sorted(ids))
            # A job's states, in order.
            st, resp = cloud.api(
                "POST", "/api/v1/jobs?machine=S%d" % SERIAL,
                body=open(PULSE, "rb").read(),
                headers={"Content-Type": "application/octet-stream"})
            jid = resp["id"]
            a = m.expect_action("print")
            for ev in ("print:starting", "print:download:completed",
                       "print:warmup:starting", "print:running"):
                m.event(a["id"], ev)
            evs = s.events(lambda e: "running" in job_states(e, jid))
            self.assertEqual(job_states(evs, jid),
                             ["compiling", "queued", "sending",
                              "waiting_for_button", "running"])
            last = int(evs[-1]["id"])
            s.close()
            # Missed while away: completed; resumed from Last-Event-ID.
            m.event(a["id"], "print:return_to_home:succeeded")
            m.event(a["id"], "print:completed")
            wait_for(lambda: cloud.api("GET", "/api/v1/jobs/%d" % jid)[1][
                "state"] == "completed", what="completed")
            r = Stream(cloud, last_id=last)
            evs = r.events(lambda e: "completed" in job_states(e, jid))
            self.assertEqual(int(evs[0]["id"]), last + 1)
            self.assertEqual(job_states(evs, jid), ["completed"])
            r.close()
            st, _, body = cloud.http("GET", "/api/v1/events/stream",
                                     headers={"Last-Event-ID": "x"},
                                     token=cloud.api_key)
            self.assertEqual(st, 400)
            # A client that never reads is dropped once it falls more than
            # the bus's ring behind; the others and the service go on.
            # Subscribed once its headers came back; then it reads nothing.
            slow = Stream(cloud, rcvbuf=4096)
            line = "x" * 900
            for _ in range(40):
                m.ws.send("\n".join(json.dumps(
                    {"id": 1, "timestamp": 1, "type": "log", "version": 1,
                     "level": "INFO", "log": line}) for _ in range(500)))
            wait_for(lambda: "event stream dropped" in cloud.log_text(),
                     timeout=30, what="the slow stream dropped")
            self.assertEqual(cloud.api("GET", "/api/v1/machines")[0], 200)
            slow.close()
            m.close()


if __name__ == "__main__":
    unittest.main(verbosity=2)

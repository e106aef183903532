"""test_machine_session.py - gfmachine's session against the fake service:
sign-in failures back off (no tight loop), every reconnect signs in afresh
(PROTOCOL.md §3.2), the transmit queue is bounded while the socket is down
(§4.3), the service going away and coming back, and the command line."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecloud as fc  # noqa: E402

SERIAL = 10000042
WRONG = "ff" * 32


def gfm(*args):
    exe = os.path.join(fc.build_dir(), "src", "machine", "gfmachine")
    return subprocess.run([exe] + list(args), capture_output=True, text=True,
                          timeout=20)


class MachineSession(unittest.TestCase):
    """Sign-in, reconnects and the command line; every test has its own fake
    service and gfmachine."""

    def test_wrong_password_backs_off(self):
        cloud = fc.FakeCloud(SERIAL, fc.PASSWORD).start()
        m = fc.Machine(cloud.url, cloud.status_url, SERIAL, password=WRONG,
                       retry_auth_ms=1000)
        try:
            # A 401 backs off >= retry_auth_ms between tries (no tight loop):
            # the gaps between sign-ins are what shows it, however loaded the
            # machine running the test is.
            cloud.wait(lambda: len(cloud.signins) >= 3, 20, "three sign-ins")
            times = [t for t, _, st in cloud.signins]
            assert all(st == 401 for _, _, st in cloud.signins)
            gaps = [b - a for a, b in zip(times, times[1:])]
            assert all(g >= 0.9 for g in gaps), gaps
            assert cloud.ws_connects == []
            err = m.stderr()
            assert "sign-in refused (HTTP 401): wrong serial or password" in err
            assert WRONG not in err and fc.PASSWORD not in err
            assert m.stop() == 0
        finally:
            m.cleanup()
            cloud.stop()

    def test_service_down_backs_off_then_connects(self):
        probe = fc.FakeCloud(SERIAL, fc.PASSWORD)
        port = probe.port
        probe.httpd.server_close()  # nothing listens on `port` now
        url = "http://127.0.0.1:%d" % port
        m = fc.Machine(url, "ws://127.0.0.1:%d" % port, SERIAL,
                       retry_min_ms=100, retry_max_ms=400)
        cloud = None
        try:
            time.sleep(1.5)
            assert m.proc.poll() is None
            assert m.stderr().count("sign-in failed") >= 2
            cloud = fc.FakeCloud(SERIAL, fc.PASSWORD, port=port).start()
            cloud.wait_connected(timeout=10)
            cloud.send_action(1, "update_check")
            cloud.wait_terminal(1, "update_check")
            assert m.stop() == 0
        finally:
            m.cleanup()
            if cloud:
                cloud.stop()

    def test_reconnect_signs_in_again_with_fresh_token(self):
        with fc.Session(SERIAL) as (cloud, m):
            cloud.send_action(1, "update_check")
            cloud.wait_terminal(1, "update_check")
            last_id = cloud.frames[-1]["id"]
            cloud.drop_ws()
            cloud.wait_connected(count=2)
            assert len(cloud.signins) == 2
            tokens = [t for _, t, _ in cloud.ws_connects]
            assert tokens[0] != tokens[1]
            cloud.send_action(2, "update_check")
            cloud.wait_terminal(2, "update_check")
            # The counter is process-wide, not reset on reconnect (§5.2).
            assert cloud.events_for(2)[0]["id"] > last_id
            # A reused ws_token is refused by the service; the machine never
            # tries one twice.
            assert len(set(tokens)) == len(tokens)

    def test_service_restarted_mid_session(self):
        job = fc.read_fixture_puls()
        with fc.Session(SERIAL) as (cloud, m):
            port = cloud.port
            cloud.send_action(1, "settings")
            cloud.wait_terminal(1, "settings")
            cloud.stop()
            cloud2 = fc.FakeCloud(SERIAL, fc.PASSWORD, port=port).start()
            try:
                cloud2.wait_connected(timeout=15)
                # Same process: the empty settings form now (§12.2).
                cloud2.send_action(2, "settings")
                cloud2.wait_terminal(2, "settings")
                assert cloud2.events_for(2)[0]["settings"] == {}
                cloud2.send_action(3, "motion",
                                   motion_url=cloud2.add_file("m", job))
                assert cloud2.wait_terminal(3, "motion") == "motion:completed"
            finally:
                cloud2.stop()

    def test_transmit_queue_is_bounded_while_down(self):
        probe = fc.FakeCloud(SERIAL, fc.PASSWORD)
        port = probe.port
        probe.httpd.server_close()
        m = fc.Machine("http://127.0.0.1:%d" % port, "ws://127.0.0.1:%d" % port,
                       SERIAL, queue_max=10, retry_min_ms=100, retry_max_ms=200)
        cloud = None
        try:
            # 12 presses while nothing listens: 36 frames for a queue of 10.
            for _ in range(12):
                r = m.press()
                assert r.returncode == 0, r.stderr
            cloud = fc.FakeCloud(SERIAL, fc.PASSWORD, port=port).start()
            cloud.wait_connected(timeout=10)
            cloud.send_action(1, "update_check")
            cloud.wait_terminal(1, "update_check")
            conn = [f["id"] for f in cloud.frames_of("log")
                    if f["log"] == "connected to the status service"]
            assert len(conn) == 1
            before = [f for f in cloud.frames if f["id"] < conn[0]]
            # The queue held at most 10 frames made while down; the oldest went
            # first, and the newest ones (the last presses) got through.
            assert 1 <= len(before) <= 10, len(before)
            assert before[-1]["event"] == "button:released", before[-1]
            ids = [f["id"] for f in cloud.frames]
            assert ids == sorted(ids)
            assert min(ids) > 32 + 10, ids  # the first frames were dropped
            assert "transmit queue full" in m.stderr()
            assert m.stop() == 0
        finally:
            m.cleanup()
            if cloud:
                cloud.stop()

    def test_silence_after_full_report_reconnects(self):
        # §4.3 [rec]: no action within the watchdog after a full settings
        # report => close and reconnect; the empty form arms nothing.
        with fc.Session(SERIAL, watchdog_ms=500) as (cloud, m):
            cloud.send_action(1, "settings")
            cloud.wait_terminal(1, "settings")
            cloud.wait_connected(count=2, timeout=10)
            cloud.wait(lambda: any("no action within 500 ms" in s
                                   for s in cloud.logs()), 10, "the warning")
            cloud.send_action(2, "settings")
            cloud.wait_terminal(2, "settings")
            assert cloud.events_for(2)[0]["settings"] == {}
            time.sleep(1.2)
            assert len(cloud.ws_connects) == 2

    def test_action_after_full_report_disarms_watchdog(self):
        with fc.Session(SERIAL, watchdog_ms=600) as (cloud, m):
            cloud.send_action(1, "settings")
            cloud.wait_terminal(1, "settings")
            cloud.send_action(2, "update_check")
            cloud.wait_terminal(2, "update_check")
            time.sleep(1.2)
            assert len(cloud.ws_connects) == 1

    def test_refused_websocket_backs_off_and_recovers(self):
        cloud = fc.FakeCloud(SERIAL, fc.PASSWORD).start()
        cloud.refuse_ws = True
        m = fc.Machine(cloud.url, cloud.status_url, SERIAL, retry_min_ms=100,
                       retry_max_ms=800)
        try:
            # Back-off of 100, 200, 400, 800, 800 ms... between attempts, each
            # after a fresh sign-in (the ws_token is single-use).
            cloud.wait(lambda: len(cloud.ws_connects) >= 5, 20, "five attempts")
            times = [t for t, _, _ in cloud.ws_connects[:5]]
            gaps = [b - a for a, b in zip(times, times[1:])]
            for i, g in enumerate(gaps):
                assert g >= 0.9 * min(0.1 * 2 ** i, 0.8), gaps
            n = len(cloud.ws_connects)
            assert len(cloud.signins) in (n, n + 1), (len(cloud.signins), n)
            assert "WebSocket connection failed" in m.stderr()
            cloud.refuse_ws = False
            cloud.wait_connected(timeout=10)
            cloud.send_action(1, "update_check")
            cloud.wait_terminal(1, "update_check")
            assert m.stop() == 0
        finally:
            m.cleanup()
            cloud.stop()

    def test_pings_and_hang_up_on_a_dead_service(self):
        # §4.3: a ping every ping_s; no pong within 10 s more => hang up,
        # sign in again, reconnect.
        with fc.Session(SERIAL, ping_s=1) as (cloud, m):
            cloud.wait(lambda: cloud.pings >= 2, 10, "two pings")
            assert len(cloud.ws_connects) == 1  # pongs keep it up
            cloud.answer_pings = False
            cloud.wait_connected(count=2, timeout=30)
            assert len(cloud.signins) == 2

    def test_command_line_errors_are_clear(self):
        r = gfm("--serial", "12", "--password", "abc")
        assert r.returncode == 2
        assert "password must be 64 hex characters" in r.stderr
        assert "abc" not in r.stderr
        r = gfm("--serial", "S12", "--password", fc.PASSWORD, "--bogus", "1")
        assert r.returncode == 2 and "unknown setting: bogus" in r.stderr
        r = gfm("--password", fc.PASSWORD)
        assert r.returncode == 2 and "missing --serial" in r.stderr
        r = gfm("--serial", "12", "--password", fc.PASSWORD, "--speed", "fast")
        assert r.returncode == 2 and "bad value for setting: speed" in r.stderr
        r = gfm("--help")
        assert r.returncode == 0
        for key in ("--server", "--status", "--speed", "--auto-button",
                    "--images", "--control", "--retry-auth-ms"):
            assert key in r.stdout
        assert "GFMACHINE_PASSWORD" in r.stdout
        r = gfm("press", "--control", "/nonexistent/gfm.sock")
        assert r.returncode == 1 and "no gfmachine listening" in r.stderr
        # Commands are named as commands, not as stray arguments.
        r = gfm("lid", "ajar", "--control", "/nonexistent/gfm.sock")
        assert r.returncode == 2, r
        assert "gfmachine lid: expected open or close, not 'ajar'" in r.stderr
        assert "unexpected argument" not in r.stderr
        r = gfm("lid")
        assert r.returncode == 2 and "expected open or close" in r.stderr
        r = gfm("presss", "--serial", "12")
        assert r.returncode == 2 and "unknown command 'presss'" in r.stderr

    def test_password_from_environment(self):
        cloud = fc.FakeCloud(SERIAL, fc.PASSWORD).start()
        exe = os.path.join(fc.build_dir(), "src", "machine", "gfmachine")
        env = dict(os.environ, GFMACHINE_PASSWORD=fc.PASSWORD)
        p = subprocess.Popen([exe, "--server", cloud.url, "--serial", str(SERIAL),
                              "--control", "/tmp/gfm-env-%d.sock" % os.getpid()],
                             env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            cloud.wait_connected(timeout=10)
            assert cloud.signins[0][1]["password"] == fc.PASSWORD
        finally:
            p.terminate()
            rc = p.wait(timeout=20)
            cloud.stop()
        assert rc == 0

    def test_config_file(self):
        with fc.Session(SERIAL, wait=False) as (cloud, _):
            ini = os.path.join(_.tmp, "m.ini")
            with open(ini, "w") as f:
                f.write("[service]\nserver = %s\nserial = S%d\npassword = %s\n"
                        "[emulator]\nspeed = 0\nauto_button = 0\n"
                        "control = %s/c2.sock\n" % (cloud.url, SERIAL + 1,
                                                    fc.PASSWORD, _.tmp))
            # Flags override the file: the serial from the flag wins.
            exe = os.path.join(fc.build_dir(), "src", "machine", "gfmachine")
            p = subprocess.Popen([exe, "--serial", str(SERIAL), "--config", ini],
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            try:
                cloud.wait(lambda: len(cloud.signins) >= 2, 10,
                           "a sign-in from the config-file machine")
                bodies = [b for _, b, _ in cloud.signins]
                assert {"serial": "S%d" % SERIAL, "password": fc.PASSWORD} \
                    in bodies
            finally:
                p.terminate()
                assert p.wait(timeout=20) == 0


if __name__ == "__main__":
    unittest.main(verbosity=2)

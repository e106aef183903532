"""test_machine_e2e.py - the real gfmachine against the real gfcloud on
loopback: every action type reaches its terminal event and the service's
records match what the machine did (the uploaded image bytes, the position
after a job equal to `gfpuls stats` of it), cancel mid-print, a second job
while busy, the service killed and restarted mid-session, a wrong password.
"""
import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fakecloud as fc  # noqa: E402
import gfharness as gh  # noqa: E402

SERIAL = 10000077
TERMINAL = ("completed", "failed", "cancelled")


def gfpuls_stats(path):
    exe = os.path.join(fc.build_dir(), "src", "tools", "gfpuls")
    out = subprocess.run([exe, "stats", path, "--json"], check=True,
                         capture_output=True, text=True, timeout=30).stdout
    return json.loads(out)


class E2E:
    """gfcloud with one registered gfmachine connected to it."""

    def __init__(self, extra_args=None, home=True, **machine_opts):
        self.cloud = gh.Cloud(extra_args=extra_args)
        self.machine = None
        try:
            self.password = self.cloud.add_machine(SERIAL)
            self.machine = fc.Machine(self.cloud.base_url, self.ws_url(),
                                      SERIAL, password=self.password,
                                      **machine_opts)
            self.wait_online()
            if home:  # the service hunted; the operator homes by hand
                self.cloud.home(SERIAL, timeout=30)
        except BaseException:
            self.close(failed=True)
            raise

    def ws_url(self):
        return self.cloud.status_url

    def machine_state(self):
        st, body = self.cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)
        assert st == 200, (st, body)
        return body

    def wait_online(self, timeout=20):
        gh.wait_for(lambda: self.machine_state().get("online"), timeout,
                    what="the machine to be online")

    def run(self, action_type, timeout=30, **fields):
        aid = self.cloud.send_action(SERIAL, action_type, **fields)
        return self.cloud.wait_action_state(aid, TERMINAL, timeout=timeout)

    def logs(self):
        st, body = self.cloud.api("GET", "/api/v1/machines/S%d/logs?limit=500"
                                  % SERIAL)
        assert st == 200, (st, body)
        return [entry["log"] for entry in body["logs"]]

    def close(self, failed=False):
        rc = None
        if self.machine:
            rc = self.machine.stop()
            if failed or rc != 0:
                print("---- gfmachine stderr ----\n" + self.machine.stderr())
                print("---- gfcloud log ----\n" + self.cloud.log_text()[-4000:])
            self.machine.cleanup()
        self.cloud.close()
        if not failed:
            assert rc == 0, "gfmachine exited with %r" % (rc,)

    def __enter__(self):
        return self

    def __exit__(self, et, ev, tb):
        self.close(failed=et is not None)
        return False


def events(action):
    return [e["event"] for e in action["events"]]


def post_job(t, data, ctype, **query):
    import urllib.parse
    q = dict({"machine": "S%d" % SERIAL}, **query)
    st, resp = t.cloud.api("POST", "/api/v1/jobs?" + urllib.parse.urlencode(q),
                           body=data, headers={"Content-Type": ctype})
    assert st == 201, (st, resp)
    return resp["id"]


def job(t, jid):
    st, body = t.cloud.api("GET", "/api/v1/jobs/%d" % jid)
    assert st == 200, (st, body)
    return body


def wait_job(t, jid, states, timeout=40):
    return gh.wait_for(lambda: (lambda j: j if j["state"] in states else None)(
        job(t, jid)), timeout=timeout, what="job %d in %s" % (jid, states))


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def tls_api(cloud, cafile, method, path, body=None, ctype=None):
    """The REST API over https (gfharness speaks plain http only)."""
    import http.client
    import ssl
    ctx = ssl.create_default_context(cafile=cafile)
    conn = http.client.HTTPSConnection("127.0.0.1", cloud.port, context=ctx,
                                       timeout=15)
    try:
        headers = {"Authorization": "Bearer " + cloud.api_key}
        if isinstance(body, dict):
            body, ctype = json.dumps(body).encode(), "application/json"
        if ctype:
            headers["Content-Type"] = ctype
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"null")
    finally:
        conn.close()


def tls_env(tmp):
    """libwebsockets 4.1.6 does not free the client SSL_CTX of a context
    whose wss connection was made (warmcat/libwebsockets#2044): a fixed
    ~0.7 MB at exit, the same after 1 or 5 reconnects. LeakSanitizer is told
    to ignore allocations made inside OpenSSL for the TLS machines only;
    everything gfmachine allocates itself is still checked."""
    supp = os.path.join(tmp, "lsan.supp")
    with open(supp, "w") as f:
        f.write("leak:libcrypto.so\nleak:libssl.so\n")
    return {"LSAN_OPTIONS": "suppressions=" + supp}


class MachineEndToEnd(unittest.TestCase):
    """The real gfmachine and the real gfcloud; every test starts its own."""

    def test_every_action_type_and_records(self):
        lid = open(fc.fixture("img", "HOME_1.jpg"), "rb").read()
        head = open(fc.fixture("img", "HEAD_NO_LASER_.230.jpg"), "rb").read()
        with E2E(extra_args=["--firmware-version", "2.7.0-1"],
                 lid_camera="file") as t:
            # §14: one firmware probe after sign-in, logged, nothing installed.
            gh.wait_for(lambda: any(
                s == "firmware probe: the service offers 2.7.0-1 (this machine "
                     "runs 2.6.0-2228)" for s in t.logs()),
                what="the firmware probe's log line")
            # The opening settings action got the full form (§12.2, §17.3).
            gh.wait_for(lambda: t.machine_state().get("settings_form") == "full",
                        what="the full settings report")
            assert t.machine_state()["settings"]["MCsn"] == SERIAL
            for kind, state in (("update_check", "completed"),
                                ("factory_reset", "failed"),
                                ("head_firmware_update", "failed")):
                a = t.run(kind)
                assert a["state"] == state, a
                assert events(a) == ["%s:%s" % (kind, state)], a
            a = t.run("settings")
            assert a["state"] == "completed"
            assert t.machine_state()["settings_form"] == "empty"
            for kind, want in (("lid_image", lid), ("head_image", head),
                               ("lidar_image", head), ("user_image", lid)):
                a = t.run(kind)
                assert a["state"] == "completed", a
                assert events(a)[-2:] == [kind + ":upload:completed",
                                          kind + ":completed"], a
                st, _, raw = t.cloud.http(
                    "GET", "/api/v1/machines/S%d/images/%s/latest"
                    % (SERIAL, kind), token=t.cloud.api_key)
                assert st == 200 and raw == want, (kind, st, len(raw))
            a = t.run("hunt")
            assert a["state"] == "completed", a
            assert events(a) == ["hunt:starting", "hunt:running",
                                 "hunt:completed"], a
            motion = fc.fixture("puls", fc.MOTION_FIXTURE)
            st, f = t.cloud.upload_file(motion)
            assert st == 201, (st, f)
            a = t.run("motion", file=f["id"])
            assert a["state"] == "completed", a
            # The machine's decoded move equals gfpuls stats of the job.
            stats = gfpuls_stats(motion)
            net = stats["net"]
            want = ("motion %d: playback finished after %d bytes, %d ticks, "
                    "laser on %d ticks; moved dx=%d dy=%d dz=%d steps" % (
                        a["id"], stats["payload_bytes"], stats["kernel_ticks"],
                        stats["laser_on"], net["x"], net["y"], net["z"]))
            gh.wait_for(lambda: any(s.startswith(want) for s in t.logs()),
                        what="the motion's playback log line")

    def test_print_position_matches_gfpuls_stats(self):
        job = fc.fixture("puls", fc.MOTION_FIXTURE)
        stats = gfpuls_stats(job)
        with E2E() as t:
            st, f = t.cloud.upload_file(job)
            before = t.machine_state()
            a = t.run("print", file=f["id"])
            assert a["state"] == "completed", a
            assert events(a) == [
                "print:starting", "print:download:completed", "print:waiting",
                "print:warmup:starting", "print:running",
                "print:return_to_home:succeeded", "print:completed"], a
            prog = t.machine_state()["progress"]
            assert before.get("progress") is None
            assert prog["action_id"] == a["id"], prog
            v = prog["settings"]["values"]
            # The last progress frame is the end of the run, before the park.
            assert prog["current"] == stats["payload_bytes"]
            assert v["CCbp"] == stats["payload_bytes"]
            assert (v["CCxp"], v["CCyp"]) == (stats["net"]["x"],
                                              stats["net"]["y"]), v

    def test_cancel_mid_print(self):
        with E2E(speed=10, rest_ms=0) as t:
            job = fc.long_job(6000000)  # 10 min at 10 kHz: 60 s at 10x
            st, f = t.cloud.upload_file(job)
            assert st == 201, (st, f)
            aid = t.cloud.send_action(SERIAL, "print", file=f["id"])
            gh.wait_for(lambda: "print:running" in events(t.cloud.action(aid)),
                        what="print:running")
            st, body = t.cloud.api("POST", "/api/v1/actions/%d/cancel" % aid)
            assert st in (200, 202), (st, body)
            a = t.cloud.wait_action_state(aid, TERMINAL, timeout=20)
            assert a["state"] == "cancelled", a
            assert events(a)[-2:] == ["print:return_to_home:succeeded",
                                      "print:cancelled"], a
            assert "print:completed" not in events(a)
            # A cancelled print loses the position and homes again (§17.1).
            st = t.cloud.wait_lifecycle(SERIAL, "waiting_for_home", timeout=30)
            assert st["head_position"] == "unknown", st
            hunts = [x for x in t.cloud.api("GET", "/api/v1/machines/S%d/actions"
                                            % SERIAL)[1]["actions"]
                     if x["action_type"] == "hunt" and x["id"] > aid]
            assert [h["state"] for h in hunts] == ["completed"], hunts
            # The machine is free again.
            assert t.run("lid_image")["state"] == "completed"

    def test_a_refused_action_says_why(self):
        """The machine refuses a motion and a print with its lid open and says
        why in its log and its terminal event: the action's reason."""
        with E2E(auto_button=0.2) as t:
            st, f = t.cloud.upload_file(fc.fixture("puls", fc.MOTION_FIXTURE))
            assert st == 201, (st, f)
            assert t.machine.lid("open").returncode == 0
            a = t.run("motion", file=f["id"])
            assert a["state"] == "failed", a
            assert a["reason"] == "motion %d: refused, the lid is open" % a["id"], a
            # gfmachine says it with the terminal event too.
            assert a["events"][-1]["event"] == "motion:failed", a
            assert a["events"][-1].get("log") == a["reason"], a
            # A motion that failed leaves the position unknown: home again.
            t.cloud.home(SERIAL, timeout=30)
            p = t.run("print", file=f["id"])
            assert p["state"] == "cancelled", p
            assert p["reason"] == "print %d: the lid is open, not starting" \
                % p["id"], p
            log = t.cloud.log_text()
            assert "S%d: print %d cancelled: print %d: the lid is open" \
                % (SERIAL, p["id"], p["id"]) in log, log[-2000:]
            # A later success carries no stale reason.
            assert t.machine.lid("close").returncode == 0
            ok = t.run("lid_image")
            assert ok["state"] == "completed" and ok["reason"] is None, ok

    def test_second_job_while_busy_waits_its_turn(self):
        job = fc.fixture("puls", fc.MOTION_FIXTURE)
        with E2E(auto_button=-1) as t:
            st, f = t.cloud.upload_file(job)
            p = t.cloud.send_action(SERIAL, "print", file=f["id"])
            gh.wait_for(lambda: "print:waiting" in events(t.cloud.action(p)),
                        what="print:waiting")
            m = t.cloud.send_action(SERIAL, "motion", file=f["id"])
            time.sleep(0.5)
            assert t.cloud.action(m)["events"] == []  # never started meanwhile
            r = t.machine.press()
            assert r.returncode == 0, r.stderr
            assert t.cloud.wait_action_state(p, TERMINAL)["state"] == "completed"
            ma = t.cloud.wait_action_state(m, TERMINAL)
            assert ma["state"] == "completed", ma
            pa = t.cloud.action(p)
            assert ma["events"][0]["id"] > pa["events"][-1]["id"]

    def test_svg_job_the_button_and_the_lid(self):
        svg = open(fc.fixture("designs", "square.svg"), "rb").read()
        with E2E(auto_button=-1, speed=100) as t:
            jid = post_job(t, svg, "image/svg+xml", x_mm="5", y_mm="5",
                           name="square")
            j = wait_job(t, jid, ("waiting_for_button",))
            assert j["button_pressed_at"] is None, j
            time.sleep(0.3)
            assert job(t, jid)["state"] == "waiting_for_button"  # the gate
            r = t.machine.press()
            assert r.returncode == 0, r.stderr
            j = wait_job(t, jid, ("completed", "failed", "cancelled"))
            assert j["state"] == "completed", j
            assert isinstance(j["button_pressed_at"], int), j
            assert j["progress"]["percent"] == 100.0, j
            # The park brought the head back to the job's origin.
            pos = t.cloud.wait_lifecycle(SERIAL, "ready", timeout=30)[
                "head_position"]
            assert abs(pos["x_mm"] - 5) < 0.02 and abs(pos["y_mm"] - 5) < 0.02, pos
            # The lid: open, press: the machine refuses; its words reach the job.
            assert t.machine.lid("open").returncode == 0
            jid = post_job(t, svg, "image/svg+xml", x_mm="5", y_mm="5")
            wait_job(t, jid, ("waiting_for_button",))
            assert t.machine.press().returncode == 0
            j = wait_job(t, jid, ("completed", "failed", "cancelled"))
            assert j["state"] in ("cancelled", "failed"), j
            assert "lid is open" in j["reason"], j
            # Closing the lid brings a lid image (the bed may have changed).
            before = [a["id"] for a in t.cloud.api(
                "GET", "/api/v1/machines/S%d/actions" % SERIAL)[1]["actions"]
                if a["action_type"] == "lid_image"]
            assert t.machine.lid("close").returncode == 0

            def new_lid_image():
                acts = t.cloud.api("GET", "/api/v1/machines/S%d/actions"
                                   % SERIAL)[1]["actions"]
                return [a for a in acts if a["action_type"] == "lid_image" and
                        a["id"] not in before and a["state"] == "completed"]
            gh.wait_for(new_lid_image, timeout=30, what="a lid image")

    def test_service_killed_and_restarted_mid_session(self):
        port = gh.free_port()
        args = ["--listen", "127.0.0.1:%d" % port]
        # The status port stays the same across the restart too.
        if os.environ.get("GF_TEST_STATUS_LISTEN"):
            args += ["--status-listen", "127.0.0.1:%d" % gh.free_port()]
        with E2E(extra_args=args) as t:
            assert t.cloud.port == port
            assert t.run("lid_image")["state"] == "completed"
            t.cloud.kill9()
            time.sleep(0.5)
            t.cloud.start()
            assert t.cloud.port == port
            t.wait_online()
            # A fresh sign-in: the service logged a second one.
            assert t.cloud.log_text().count("S%d: signed in" % SERIAL) >= 2
            a = t.run("head_image")
            assert a["state"] == "completed", a
            # Same machine process: the empty settings form now (§12.2).
            assert t.run("settings")["state"] == "completed"
            assert t.machine_state()["settings_form"] == "empty"

    def test_wrong_password_clear_error_and_backoff(self):
        with gh.Cloud() as cloud:
            cloud.add_machine(SERIAL)
            m = fc.Machine(cloud.base_url, "ws://127.0.0.1:%d" % cloud.port,
                           SERIAL, password="ab" * 32, retry_auth_ms=1000)
            try:
                time.sleep(3.2)
                err = m.stderr()
                n = err.count("sign-in refused (HTTP 401)")
                assert 2 <= n <= 5, err
                assert "ab" * 32 not in err
                st, body = cloud.api("GET", "/api/v1/machines/S%d" % SERIAL)
                assert body.get("online") is False, body
                assert m.stop() == 0
            finally:
                m.cleanup()

    def test_tls_service_with_its_ca(self):
        import shutil
        import tempfile
        tmp = tempfile.mkdtemp(prefix="gfm-tls-")
        try:
            cert, key = make_cert(tmp)
            env = tls_env(tmp)
            tls = ["--tls-cert", cert, "--tls-key", key]
            with gh.Cloud(extra_args=tls) as cloud:
                password = cloud.add_machine(SERIAL)
                https = "https://127.0.0.1:%d" % cloud.port
                wss = "wss://127.0.0.1:%d" % cloud.port

                def api(*a, **k):
                    return tls_api(cloud, cert, *a, **k)

                def run(action_type, **fields):
                    st, body = api("POST", "/api/v1/machines/S%d/actions"
                                   % SERIAL, dict(fields, action_type=action_type))
                    assert st == 201, (st, body)
                    return gh.wait_for(
                        lambda: (lambda a: a if a["state"] in TERMINAL else None)(
                            api("GET", "/api/v1/actions/%d" % body["id"])[1]),
                        what=action_type)

                # Trusting the service's certificate: everything works.
                m = fc.Machine(https, wss, SERIAL, password=password,
                               ca_file=cert, env=env)
                try:
                    gh.wait_for(lambda: api("GET", "/api/v1/machines/S%d"
                                            % SERIAL)[1].get("lifecycle")
                                == "waiting_for_home", 30,
                                what="online, hunted, waiting for home")
                    st, body = api("POST", "/api/v1/machines/S%d/home" % SERIAL,
                                   {"method": "manual"})
                    assert st == 200, (st, body)
                    assert run("lid_image")["state"] == "completed"
                    with open(fc.fixture("puls", fc.MOTION_FIXTURE), "rb") as f:
                        st, fl = api("POST", "/api/v1/files", f.read(),
                                     "application/octet-stream")
                    assert st == 201, (st, fl)
                    assert run("motion", file=fl["id"])["state"] == "completed"
                    assert m.stop() == 0
                finally:
                    m.cleanup()
                # Not trusting it: no sign-in, a clear error, no tight loop.
                signed_in = cloud.log_text().count("S%d: signed in" % SERIAL)
                m = fc.Machine(https, wss, SERIAL, password=password, env=env)
                try:
                    # Wait for the refusal itself rather than a fixed time: a
                    # sanitizer build under load takes seconds to get there.
                    refusal = ("sign-in failed: TLS failed (is the service's "
                               "certificate trusted? --ca-file)")
                    gh.wait_for(lambda: refusal in m.stderr(), 30,
                                what="the TLS refusal in gfmachine's log")
                    assert cloud.log_text().count("S%d: signed in" % SERIAL) \
                        == signed_in, cloud.log_text()
                    assert m.stop() == 0
                finally:
                    m.cleanup()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)

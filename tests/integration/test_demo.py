"""The README's run command: scripts/demo-run.sh (what scripts/demo.sh runs
after building) starts gfcloud and an emulated machine, the machine signs in
and is online through the API, and the print command the script prints,
run as printed, takes its uploaded job to print:completed. The machine's
password is on no command line. The script prints the dashboard's URL and
an admin's login, and that login signs in (POST /api/v1/session)."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
from gfharness import build_dir, source_dir, wait_for  # noqa: E402


class Demo(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gfdemo-test-")
        self.data = os.path.join(self.tmp, "demo")
        env = dict(os.environ, GFDEMO_DATA=self.data,
                   GFDEMO_LISTEN="127.0.0.1:0")
        self.proc = subprocess.Popen(
            [os.path.join(source_dir(), "scripts", "demo-run.sh"),
             build_dir()], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def tearDown(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=20)
        self.proc.stdout.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def api(self, method, path, body=None):
        req = urllib.request.Request(self.url + path, data=body, method=method,
                                     headers={"Authorization": "Bearer " + self.key})
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read())

    def password_stays_off_command_lines(self, password):
        """No process the demo started has the machine password in its
        command line (ps shows it to every user)."""
        seen = 0
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                if os.getpgid(int(pid)) != self.proc.pid:
                    continue
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    cmd = f.read().decode("utf-8", "replace")
            except OSError:
                continue
            seen += "gfmachine" in cmd
            self.assertNotIn(password, cmd)
        self.assertEqual(seen, 1)

    def dashboard_login(self, text, env):
        """The Dashboard line: the service's URL, a user and its password,
        which sign in and answer the admin role and a CSRF token."""
        m = re.search(r"^Dashboard: (http://\S+)/  user (\S+)  password "
                      r"(\S+)$", text, re.M)
        self.assertTrue(m, text)
        url, user, password = m.groups()
        self.assertEqual((url, user), (self.url, "admin"))
        self.assertEqual(password, env["admin_password"])
        with urllib.request.urlopen(url + "/", timeout=10) as resp:
            self.assertIn(b"gfcloud", resp.read())
        req = urllib.request.Request(
            url + "/api/v1/session", method="POST",
            data=json.dumps({"name": user, "password": password}).encode(),
            headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            session = json.loads(resp.read())
            cookie = resp.headers.get("Set-Cookie", "")
        self.assertEqual((session["user"], session["role"]),
                         ("admin", "admin"))
        self.assertTrue(session["csrf"])
        self.assertIn("HttpOnly", cookie)

    def test_machine_online_and_a_print_completes(self):
        lines = []
        for line in self.proc.stdout:
            lines.append(line)
            if line.startswith("Ctrl-C"):
                break
        text = "".join(lines)
        self.assertIn("demo machine S10000042 is signed in, online and homed",
                      text)
        with open(os.path.join(self.data, "demo.env")) as f:
            env = dict(l.strip().split("=", 1) for l in f if "=" in l)
        self.key = env["key"]
        with open(os.path.join(self.data, "port")) as f:
            self.url = "http://127.0.0.1:" + f.read().strip()

        state = self.api("GET", "/api/v1/machines/S10000042")
        self.assertTrue(state["online"])
        # The service hunted on its own; the script confirmed the home.
        self.assertIn(state["lifecycle"], ("ready", "busy"))
        self.assertEqual(state["head_position"]["source"], "manual")
        self.assertNotIn('"ID"', text)
        self.dashboard_login(text, env)
        self.password_stays_off_command_lines(env["password"])
        # The print line the script printed, run as a user would paste it.
        line = [l for l in lines if '"action_type":"print"' in l][0]
        out = subprocess.run(["sh", "-c", line.strip() + " -sf"],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        action = json.loads(out.stdout)

        def finished():
            a = self.api("GET", "/api/v1/actions/%d" % action["id"])
            return a if a["state"] not in ("queued", "sent") else None
        done = wait_for(finished, timeout=40, interval=0.2, what="the print")
        self.assertEqual(done["state"], "completed")
        self.assertEqual(done["events"][-1]["event"], "print:completed")


if __name__ == "__main__":
    unittest.main()

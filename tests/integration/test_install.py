"""test_install.py - `cmake --install` into a temporary prefix gives a
product that runs on its own (issue 9): the four binaries answer
--version, the systemd units name the installed binaries and carry the
hardening the service needs, the docs and man pages are there, and the
installed gfcloud and gfmachine, started from the prefix with no data
paths given, find their bundled data there (the hunt file, the emulated
camera's pictures, the dashboard's web/): a machine signs in, a hunt and
a lid_image complete.
`systemd-analyze verify` checks the units where it is installed.
"""
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gfharness as gh  # noqa: E402

BINARIES = ("gfcloud", "gfmachine", "gfpuls", "gfload")
SERIAL = 10000091
VERSION = os.environ["GF_VERSION"]


def source(*parts):
    return os.path.join(gh.source_dir(), *parts)


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.prefix = tempfile.mkdtemp(prefix="gfcloud-install-")
        p = subprocess.run([os.environ["GF_CMAKE"], "--install",
                            gh.build_dir(), "--prefix", cls.prefix],
                           capture_output=True, text=True, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.prefix, ignore_errors=True)

    def at(self, *parts):
        return os.path.join(self.prefix, *parts)

    def test_binaries_answer_version(self):
        for b in BINARIES:
            exe = self.at("bin", b)
            self.assertTrue(os.access(exe, os.X_OK), exe)
            out = subprocess.run([exe, "--version"], capture_output=True,
                                 text=True, timeout=10)
            self.assertEqual((out.returncode, out.stdout),
                             (0, "%s %s\n" % (b, VERSION)))

    def test_data_docs_and_man_pages(self):
        for rel, src in (("hunt.puls", ("data", "hunt.puls")),
                         ("images/HOME_1.jpg",
                          ("tests", "fixtures", "img", "HOME_1.jpg")),
                         ("images/HEAD_NO_LASER_.230.jpg",
                          ("tests", "fixtures", "img",
                           "HEAD_NO_LASER_.230.jpg"))):
            with open(self.at("share", "gfcloud", rel), "rb") as f, \
                    open(source(*src), "rb") as g:
                self.assertEqual(f.read(), g.read(), rel)
        docs = self.at("share", "doc", "gfcloud")
        for d in ("README.md", "cloud.md", "machine.md", "api.md",
                  "compile.md", "gfload.md", "examples/gfcloud.default",
                  "examples/gfmachine.ini", "examples/gfmachine.env"):
            self.assertTrue(os.path.getsize(os.path.join(docs, d)) > 0, d)
        if os.environ.get("GF_MAN") != "1":
            self.skipTest("built without help2man: no man pages")
        for b in BINARIES:
            with gzip.open(self.at("share", "man", "man1", b + ".1.gz"),
                           "rt") as f:
                page = f.read()
            self.assertIn('.TH %s "1"' % b.upper(), page)
            self.assertIn("%s %s" % (b, VERSION), page)
            self.assertIn("version", page)  # the options came from --help

    def unit(self, name):
        with open(self.at("lib", "systemd", "system", name)) as f:
            return f.read()

    def directives(self, text):
        out = {}
        for line in text.splitlines():
            if "=" in line and not line.startswith(("#", ";")):
                k, v = line.split("=", 1)
                out.setdefault(k, []).append(v)
        return out

    def test_units(self):
        cloud = self.directives(self.unit("gfcloud.service"))
        self.assertEqual(cloud["ExecStart"], [
            "%s/bin/gfcloud serve --data /var/lib/gfcloud $GFCLOUD_OPTS"
            % self.prefix])
        for k, v in (("User", "gfcloud"), ("StateDirectory", "gfcloud"),
                     ("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"),
                     ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                     ("CapabilityBoundingSet", "")):
            self.assertEqual(cloud[k], [v], k)
        self.assertGreaterEqual(int(cloud["LimitNOFILE"][0]), 65536)
        # ... and the user it names is made by systemd-sysusers.
        with open(self.at("lib", "sysusers.d", "gfcloud.conf")) as f:
            users = [line.split() for line in f
                     if line.strip() and not line.startswith("#")]
        self.assertEqual([u[:2] for u in users], [["u", "gfcloud"]])
        machine = self.directives(self.unit("gfmachine@.service"))
        exec_start = machine["ExecStart"][0]
        self.assertTrue(exec_start.startswith(
            "%s/bin/gfmachine " % self.prefix), exec_start)
        self.assertIn("--serial %i", exec_start)
        self.assertNotIn("password", exec_start)  # never on the command line
        self.assertEqual(machine["EnvironmentFile"],
                         ["/etc/gfmachine/%i.env"])
        for k, v in (("DynamicUser", "yes"), ("ProtectSystem", "strict"),
                     ("NoNewPrivileges", "yes"),
                     ("StateDirectory", "gfmachine-%i")):
            self.assertEqual(machine[k], [v], k)

    def test_units_verify(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("no systemd-analyze")
        tmp = tempfile.mkdtemp(prefix="gfcloud-units-")
        try:
            units = [self.at("lib", "systemd", "system", "gfcloud.service"),
                     os.path.join(tmp, "gfmachine@%d.service" % SERIAL)]
            shutil.copy(self.at("lib", "systemd", "system",
                                "gfmachine@.service"), units[1])
            # Documentation= is checked with man(1) against the installed
            # pages; without man(1) or the pages that one check is left out.
            man = []
            if not shutil.which("man") or os.environ.get("GF_MAN") != "1":
                man = ["--man=no"]
            env = dict(os.environ, MANPATH=self.at("share", "man"))
            for u in units:
                p = subprocess.run([analyze, "verify", *man, u], env=env,
                                   capture_output=True, text=True,
                                   timeout=60)
                said = p.stdout + p.stderr
                self.assertEqual(p.returncode, 0, said)
                self.assertNotIn(os.path.basename(u), said)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def test_installed_daemons_find_their_data(self):
        gh.gfcloud_binary = lambda: self.at("bin", "gfcloud")
        tmp = tempfile.mkdtemp(prefix="gfm-install-")
        machine = None
        try:
            with gh.Cloud() as cloud:
                self.assertIn("hunt file %s loaded" % os.path.join(
                    self.prefix, "bin", "..", "share", "gfcloud",
                    "hunt.puls"), cloud.log_text())
                # ... and the dashboard's files, served at /.
                self.assertIn("dashboard files in %s" % os.path.realpath(
                    self.at("share", "gfcloud", "web")), cloud.log_text())
                with open(source("web", "index.html"), "rb") as f:
                    self.assertEqual(cloud.http("GET", "/")[::2],
                                     (200, f.read()))
                password = cloud.add_machine(SERIAL)
                log = open(os.path.join(tmp, "gfmachine.log"), "w")
                # As gfmachine@.service runs it: the password from the
                # environment, no --images.
                machine = subprocess.Popen(
                    [self.at("bin", "gfmachine"), "--server", cloud.base_url,
                     "--serial", str(SERIAL), "--speed", "0",
                     "--control", os.path.join(tmp, "control.sock"),
                     "--work-dir", tmp, "--retry-min-ms", "200"],
                    stdout=log, stderr=subprocess.STDOUT,
                    env=dict(os.environ, GFMACHINE_PASSWORD=password))
                gh.wait_for(lambda: cloud.api(
                    "GET", "/api/v1/machines/S%d" % SERIAL)[1].get("online"),
                    timeout=20, what="the installed gfmachine online")
                for kind in ("hunt", "lid_image"):
                    aid = cloud.send_action(SERIAL, kind)
                    a = cloud.wait_action_state(
                        aid, ("completed", "failed", "cancelled"), timeout=60)
                    self.assertEqual(a["state"], "completed", a)
                machine.terminate()
                self.assertEqual(machine.wait(timeout=20), 0)
                log.close()
                with open(os.path.join(tmp, "gfmachine.log")) as f:
                    said = f.read()
                self.assertNotIn("images folder", said)
                machine = None
        finally:
            if machine and machine.poll() is None:
                machine.kill()
                machine.wait()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)

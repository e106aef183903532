"""test_deb.py - the Debian package CPack builds from the install rules
(packaging/CMakeLists.txt, issue 9): it holds every binary, unit, data file,
doc and man page under /usr; its Depends names the package of every shared
library the binaries load directly (dpkg-shlibdeps wrote it; this checks it
against readelf and dpkg -S); unpacked into a fresh root with
`dpkg-deb -x`, the unpacked gfcloud answers --version and finds its hunt
file inside that root.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gfharness as gh  # noqa: E402

BINARIES = ("gfcloud", "gfmachine", "gfpuls", "gfload")
VERSION = os.environ["GF_VERSION"]


def run(*args, **kw):
    p = subprocess.run(args, capture_output=True, text=True, timeout=300,
                       **kw)
    assert p.returncode == 0, "%s: %s%s" % (args, p.stdout, p.stderr)
    return p.stdout


class DebTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="gfcloud-deb-")
        run(os.environ["GF_CPACK"], "-G", "DEB", "-B", cls.tmp, "--config",
            os.path.join(gh.build_dir(), "CPackConfig.cmake"))
        debs = [f for f in os.listdir(cls.tmp) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(cls.tmp, debs[0])
        cls.root = os.path.join(cls.tmp, "root")
        run("dpkg-deb", "-x", cls.deb, cls.root)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_contents(self):
        listed = set()
        for line in run("dpkg-deb", "--contents", self.deb).splitlines():
            listed.add(line.split()[-1].lstrip("."))
        want = ["/usr/bin/" + b for b in BINARIES]
        if os.environ.get("GF_MAN") == "1":
            want += ["/usr/share/man/man1/%s.1.gz" % b for b in BINARIES]
        want += ["/usr/lib/systemd/system/gfcloud.service",
                 "/usr/lib/systemd/system/gfmachine@.service",
                 "/usr/lib/sysusers.d/gfcloud.conf",
                 "/usr/share/gfcloud/hunt.puls",
                 "/usr/share/gfcloud/images/HOME_1.jpg",
                 "/usr/share/gfcloud/images/HEAD_NO_LASER_.230.jpg",
                 "/usr/share/doc/gfcloud/README.md",
                 "/usr/share/doc/gfcloud/cloud.md",
                 "/usr/share/doc/gfcloud/machine.md"]
        for w in want:
            self.assertIn(w, listed)
        self.assertEqual(run("dpkg-deb", "-f", self.deb, "Package").strip(),
                         "gfcloud")
        self.assertEqual(run("dpkg-deb", "-f", self.deb, "Version").strip(),
                         VERSION)
        with open(os.path.join(self.root, "usr", "lib", "systemd", "system",
                               "gfcloud.service")) as f:
            self.assertIn("\nExecStart=/usr/bin/gfcloud serve ", f.read())

    def test_postinst_makes_the_user(self):
        control = os.path.join(self.tmp, "control")
        run("dpkg-deb", "-e", self.deb, control)
        postinst = os.path.join(control, "postinst")
        self.assertTrue(os.access(postinst, os.X_OK))
        with open(postinst) as f:
            self.assertIn("systemd-sysusers gfcloud.conf", f.read())
        sysusers = shutil.which("systemd-sysusers")
        if not sysusers:
            self.skipTest("no systemd-sysusers")
        # What postinst runs, applied to the unpacked root only.
        os.makedirs(os.path.join(self.root, "etc"), exist_ok=True)
        run(sysusers, "--root=" + self.root)
        with open(os.path.join(self.root, "etc", "passwd")) as f:
            self.assertRegex(f.read(), r"(?m)^gfcloud:x:\d+:\d+:")

    def test_depends_covers_every_library(self):
        depends = run("dpkg-deb", "-f", self.deb, "Depends")
        declared = {d.split()[0] for d in depends.split(",") if d.strip()}
        for b in BINARIES:
            exe = os.path.join(self.root, "usr", "bin", b)
            needed = re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]",
                                run("readelf", "-d", exe))
            self.assertTrue(needed, b)
            for soname in needed:
                owners = set()
                for line in run("dpkg", "-S", soname).splitlines():
                    pkg, path = line.split(": ", 1)
                    if path.endswith("/" + soname):
                        owners.add(pkg.split(":")[0])
                self.assertTrue(owners & declared,
                                "%s needs %s (%s), not in Depends: %s"
                                % (b, soname, owners, depends))

    def test_depends_names_the_event_loop_plugin(self):
        # Loaded by libwebsockets at run time (event-loop = epoll), so no
        # NEEDED entry brings it in.
        depends = run("dpkg-deb", "-f", self.deb, "Depends")
        declared = {d.split()[0] for d in depends.split(",") if d.strip()}
        self.assertIn("libwebsockets-evlib-ev", declared)

    def test_unpacked_binaries_run(self):
        bindir = os.path.join(self.root, "usr", "bin")
        out = run(os.path.join(bindir, "gfcloud"), "--version")
        self.assertEqual(out, "gfcloud %s\n" % VERSION)
        # The unpacked service finds its hunt file in the unpacked root.
        gh.gfcloud_binary = lambda: os.path.join(bindir, "gfcloud")
        with gh.Cloud() as cloud:
            self.assertIn("hunt file %s/../share/gfcloud/hunt.puls loaded"
                          % bindir, cloud.log_text())


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""test_gfpuls.py - the gfpuls command line, run as a real process.

Checks that `gfpuls stats` and `gfpuls info` reproduce every figure of
tests/fixtures/puls/README.md on the plain fixtures and on gzip copies,
that hostile inputs each get their own one-line error and exit code (never
a crash), that `cat` gives the payload back byte for byte, that a move
written by `gfpuls line` reads back with exactly the requested figures, and
that every command answers --help.

Needs GF_BUILD_DIR and GF_SOURCE_DIR (ctest sets them).
"""
import gzip
import json
import os
import subprocess
import sys
import tempfile
import unittest

BUILD = os.environ["GF_BUILD_DIR"]
SOURCE = os.environ["GF_SOURCE_DIR"]
GFPULS = os.path.join(BUILD, "src", "tools", "gfpuls")
FIXTURES = os.path.join(SOURCE, "tests", "fixtures", "puls")
NOOPT = os.path.join(FIXTURES, "1234567890-nooptions-xxxxx.puls")
HUNT = os.path.join(FIXTURES, "hunt-signed-offset--8-step-size-0.35306.puls")

# Exit codes: the libgf error number negated (gfpuls validate --help).
EXIT = {"usage": 2, "io": 3, "too_big": 6, "empty": 40, "truncated": 41,
        "magic": 42, "hlen": 43, "hpast": 44, "gzip": 45, "gztrunc": 46,
        "stfr": 47, "pdfm": 48, "serial": 49, "microstep": 50, "power": 51}

# The README's figures.
FIGURES = {
    NOOPT: dict(
        payload=19894, run=1.9894,
        steps=dict(x_plus=11104, x_minus=0, y_plus=6349, y_minus=0,
                   z_plus=0, z_minus=0),
        net=dict(x=11104, y=6349, z=0), min=dict(x=0, y=0, z=0),
        max=dict(x=11104, y=6349, z=0), net_mm=(208.2, 119.04375, 0.0),
        zero=49, first_step=0, last_step=19695,
        bytes={"00": 49, "08": 6272, "09": 7224, "0c": 2469, "0d": 3880},
        cm_max=50000),
    HUNT: dict(
        payload=15874, run=1.5874,
        steps=dict(x_plus=0, x_minus=0, y_plus=0, y_minus=0, z_plus=0,
                   z_minus=8),
        net=dict(x=0, y=0, z=-8), min=dict(x=0, y=0, z=-8),
        max=dict(x=0, y=0, z=0), net_mm=(0.0, 0.0, -2.82448),
        zero=15866, first_step=0, last_step=10874,
        bytes={"00": 15866, "20": 8}, cm_max=35000),
}

HEADER = [
    ("MCsn", 0), ("PCid", 19795), ("AAid", 204), ("AAin", 0), ("AAix", 0),
    ("AArd", 204), ("AArn", 0), ("AArx", 0), ("AAwd", 204), ("AAwn", 0),
    ("AAwx", 0), ("EFid", 0), ("EFin", 0), ("EFix", 0), ("EFrd", 0),
    ("EFrn", 0), ("EFrx", 0), ("EFwd", 0), ("EFwn", 0), ("EFwx", 0),
    ("IFid", 0), ("IFin", 0), ("IFix", 0), ("IFrd", 0), ("IFrn", 0),
    ("IFrx", 0), ("IFwd", 0), ("IFwn", 0), ("IFwx", 0), ("PDct", 1),
    ("PDfm", 0), ("PTmn", 0), ("PTmx", 0), ("STfr", 10000), ("XSdm", 1),
    ("XShc", 33), ("XSmm", 8), ("XSrc", 135), ("YSdm", 1), ("YShc", 5),
    ("YSmm", 8), ("YSrc", 22), ("FEid", 0), ("FErd", 0), ("FEwd", 0),
    ("FIid", 0), ("FIrd", 0), ("FIwd", 0), ("FPid", 0), ("FPrd", 0),
    ("FPwd", 0), ("BTrn", 0x80000000), ("BTrx", 0x7FFFFFFF),
    ("BTwn", 0x80000000), ("BTwx", 2147483647), ("CMin", 10000),
    ("CMix", 50000), ("CMrn", 10000), ("CMrx", 50000), ("CMwn", 10000),
    ("CMwx", 50000), ("HTrn", 0x80000000), ("HTrx", 2147483647),
    ("HTwn", 0x80000000), ("HTwx", 2147483647), ("LTrn", 0x80000000),
    ("LTrx", 2147483647), ("LTwn", 0x80000000), ("LTwx", 2147483647),
]


def run(*args, stdin=None):
    p = subprocess.run([GFPULS, *args], input=stdin, capture_output=True,
                       timeout=60)
    # a negative return code would mean a signal: a crash is never allowed
    assert p.returncode >= 0, (args, p.returncode, p.stderr)
    return p


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="gf-test-gfpuls-")
        self.dir = self.tmp.name

    def tearDown(self):
        self.tmp.cleanup()

    def path(self, name, data=None):
        p = os.path.join(self.dir, name)
        if data is not None:
            with open(p, "wb") as f:
                f.write(data)
        return p

    def gz_copy(self, src):
        with open(src, "rb") as f:
            return self.path(os.path.basename(src) + ".gz",
                             gzip.compress(f.read(), mtime=0))

    def json_of(self, *args):
        p = run(*args)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout)

    def expect_error(self, code, needle, *args):
        p = run(*args)
        err = p.stderr.decode()
        self.assertEqual(p.returncode, EXIT[code], (args, err))
        self.assertIn(needle, err)
        self.assertEqual(err.count("\n"), 1, err)  # one line
        self.assertTrue(err.startswith("gfpuls"), err)


class Stats(Base):
    def check(self, fixture, path):
        fig = FIGURES[fixture]
        j = self.json_of("stats", "--json", path)
        self.assertEqual(j["payload_bytes"], fig["payload"])
        self.assertAlmostEqual(j["run_time_s"], fig["run"], places=12)
        self.assertEqual(j["kernel_ticks"], fig["payload"])
        self.assertEqual(j["steps"], fig["steps"])
        self.assertEqual(j["net"], fig["net"])
        self.assertEqual(j["min"], fig["min"])
        self.assertEqual(j["max"], fig["max"])
        for axis, want in zip("xyz", fig["net_mm"]):
            self.assertAlmostEqual(j["net_mm"][axis], want, places=9)
        self.assertEqual(j["laser_on"], 0)
        self.assertEqual(j["power_bytes"], 0)
        self.assertEqual(j["power_levels"], {})
        self.assertEqual(j["zero_bytes"], fig["zero"])
        self.assertEqual(j["first_step"], fig["first_step"])
        self.assertEqual(j["last_step"], fig["last_step"])
        self.assertIsNone(j["first_laser"])
        self.assertIsNone(j["first_power"])
        self.assertEqual(j["byte_counts"], fig["bytes"])
        self.assertEqual(j["header_length"], 560)
        # and the text form carries the same figures
        out = run("stats", path).stdout.decode()
        s = fig["steps"]
        self.assertIn("X+ / X-:        %d / %d" % (s["x_plus"], s["x_minus"]),
                      out)
        self.assertIn("Z+ / Z-:        %d / %d" % (s["z_plus"], s["z_minus"]),
                      out)
        self.assertIn("run time:       %.10g s" % fig["run"], out)
        self.assertIn("last step:      %d" % fig["last_step"], out)
        self.assertIn(" ".join("%s:%d" % kv for kv in fig["bytes"].items()),
                      out)
        return j

    def test_plain_and_gzip(self):
        for fixture in (NOOPT, HUNT):
            plain = self.check(fixture, fixture)
            self.assertFalse(plain["gzip"])
            zipped = self.check(fixture, self.gz_copy(fixture))
            self.assertTrue(zipped["gzip"])

    def test_mm_text(self):
        out = run("stats", NOOPT).stdout.decode()
        self.assertIn("X +208.2  Y +119.04375", out)
        out = run("stats", HUNT).stdout.decode()
        self.assertIn("Z -2.82448", out)

    def test_stdin(self):
        with open(NOOPT, "rb") as f:
            p = run("stats", "--json", "-", stdin=gzip.compress(f.read()))
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["net"]["x"], 11104)


class Info(Base):
    def check(self, fixture, path, gz):
        fig = FIGURES[fixture]
        j = self.json_of("info", "--json", path)
        self.assertEqual(j["gzip"], gz)
        self.assertEqual(j["lead_byte"], 0x80)
        self.assertEqual(j["magic"], "GF1")
        self.assertEqual(j["header_length"], 560)
        self.assertEqual(j["tag_count"], 69)
        self.assertEqual(j["payload_length"], fig["payload"])
        self.assertEqual(j["stfr"], 10000)
        self.assertAlmostEqual(j["run_time_s"], fig["run"], places=12)
        self.assertEqual(j["body_size"], os.path.getsize(path))
        got = [(t["name"], t["value"]) for t in j["tags"]]
        want = [(n, fig["cm_max"] if v == 50000 else v) for n, v in HEADER]
        self.assertEqual(got, want)
        self.assertEqual([t["offset"] for t in j["tags"]],
                         list(range(8, 560, 8)))
        by_name = {t["name"]: t for t in j["tags"]}
        for name in ("FPid", "FPrd", "FPwd"):  # not in the catalog
            self.assertFalse(by_name[name]["known"])
        self.assertTrue(by_name["STfr"]["known"])
        self.assertIn("note", by_name["STfr"])
        self.assertEqual(by_name["BTrn"]["int32"], -2147483648)

    def test_fixtures(self):
        for fixture in (NOOPT, HUNT):
            self.check(fixture, fixture, False)
            self.check(fixture, self.gz_copy(fixture), True)

    def test_text(self):
        out = run("info", NOOPT).stdout.decode()
        self.assertIn("header length:  560 bytes (69 tags)", out)
        self.assertIn("payload:        19894 bytes", out)
        self.assertIn("run time:       1.9894 s (STfr 10000 Hz)", out)
        self.assertIn("(not in the settings catalog)", out)
        self.assertIn("int32 -2147483648", out)
        out = run("info", self.gz_copy(HUNT)).stdout.decode()
        self.assertIn("gzip", out)
        self.assertIn("run time:       1.5874 s", out)
        with open(NOOPT, "rb") as f:
            out = run("info", "-", stdin=f.read()).stdout.decode()
        self.assertIn("payload:        unknown", out)


class Duplicates(Base):
    def test_last_tag_wins_with_warning(self):
        with open(NOOPT, "rb") as f:
            data = bytearray(f.read())
        data[16:20] = b"STfr"  # the PCid slot becomes an earlier STfr
        p = self.path("dup.puls", bytes(data))
        r = run("info", "--json", p)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"tag STfr appears more than once; the last one wins",
                      r.stderr)
        self.assertEqual(json.loads(r.stdout)["stfr"], 10000)
        self.assertEqual(run("validate", p).returncode, 0)


class Hostile(Base):
    def setUp(self):
        super().setUp()
        with open(NOOPT, "rb") as f:
            self.good = f.read()

    def both(self, code, needle, data, *extra):
        """The error from stats, info and validate alike."""
        p = self.path("bad.puls", data)
        for cmd in ("stats", "validate", "info"):
            if cmd == "info" and (code in ("gzip", "gztrunc") or
                                  "--max-inflated" in extra):
                continue  # info reads the header only, not the body
            self.expect_error(code, needle, cmd, p, *extra)

    def test_empty(self):
        self.both("empty", "empty", b"")

    def test_truncated_header(self):
        self.both("truncated", "inside the 8-byte preamble", self.good[:5])

    def test_header_past_end(self):
        self.both("hpast", "runs past the end", self.good[:300])
        patched = self.good[:4] + (60000).to_bytes(4, "little") + \
            self.good[8:]
        self.both("hpast", "header length 60000", patched)

    def test_length_below_preamble(self):
        patched = self.good[:4] + (4).to_bytes(4, "little") + self.good[8:]
        self.both("hlen", "smaller than the 8-byte preamble", patched)

    def test_magic(self):
        self.both("magic", "not a pulse file", b"\x80GF2" + self.good[4:])
        self.both("magic", "not a pulse file", b"hello, world\n")

    def test_gzip_corrupt(self):
        z = bytearray(gzip.compress(self.good, mtime=0))
        z[-6] ^= 0xFF  # CRC-32
        self.both("gzip", "corrupt", bytes(z))
        self.both("gzip", "after the end", gzip.compress(self.good) + b"xx")

    def test_gzip_truncated(self):
        z = gzip.compress(self.good, mtime=0)
        self.both("gztrunc", "ends early", z[:len(z) // 2])
        self.both("gztrunc", "ends early", z[:-3])

    def test_gzip_bomb(self):
        bomb = self.good[:560] + bytes(8 << 20)
        self.both("too_big", "1048576-byte cap", gzip.compress(bomb),
                  "--max-inflated", "1M")

    def test_body_cap(self):
        self.both("too_big", "over the 1000-byte cap", self.good,
                  "--max-body", "1000")

    def test_missing_file(self):
        self.expect_error("io", "cannot open",
                          "stats", self.path("nope.puls"))

    def test_cat_stops_on_bad_gzip(self):
        z = gzip.compress(self.good, mtime=0)
        p = run("cat", self.path("t.gz", z[:-3]))
        self.assertEqual(p.returncode, EXIT["gztrunc"])


class CatAndLine(Base):
    def test_cat(self):
        for fixture in (NOOPT, HUNT):
            with open(fixture, "rb") as f:
                want = f.read()[560:]
            self.assertEqual(run("cat", fixture).stdout, want)
            self.assertEqual(run("cat", self.gz_copy(fixture)).stdout, want)

    def test_line_round_trip(self):
        out = self.path("move.puls.gz")
        p = run("line", "--dx", "30", "--dy", "-12.5", "--laser", "--power",
                "90", "--speed", "150", "--gzip", "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(2), b"\x1f\x8b")
        j = self.json_of("stats", "--json", out)
        self.assertEqual(j["net"], dict(x=1600, y=-667, z=0))  # mm -> steps
        self.assertEqual(j["steps"], dict(x_plus=1600, x_minus=0, y_plus=0,
                                          y_minus=667, z_plus=0, z_minus=0))
        self.assertEqual(j["min"], dict(x=0, y=-667, z=0))
        self.assertEqual(j["max"], dict(x=1600, y=0, z=0))
        self.assertEqual(j["power_levels"], {"90": 1})
        self.assertEqual(j["first_power"], 0)
        self.assertEqual(j["first_laser"], 1)
        # every tick but the power byte and the dark tick at the end fires
        self.assertEqual(j["laser_on"], j["payload_bytes"] - 2)
        self.assertEqual(run("validate", out).returncode, 0)
        info = self.json_of("info", "--json", out)
        tags = {t["name"]: t["value"] for t in info["tags"]}
        self.assertEqual(tags["PDct"], j["payload_bytes"] // 10000)
        self.assertEqual(info["payload_length"], j["payload_bytes"])

    def test_line_z_and_serial(self):
        out = self.path("z.puls")
        p = run("line", "--dz", "-8", "--speed", "0.375", "--accel", "0",
                "--stfr", "28160", "--serial", "4242", "-o", out)
        self.assertEqual(p.returncode, 0, p.stderr)
        j = self.json_of("stats", "--json", out)
        self.assertEqual(j["net"], dict(x=0, y=0, z=-8))
        self.assertEqual(j["byte_counts"].get("20"), 8)  # Z step, Z-
        self.assertEqual(run("validate", "--serial", "4242", out).returncode,
                         0)
        p = run("validate", "--serial", "7", out)
        self.assertEqual(p.returncode, EXIT["serial"])
        self.assertNotIn(b"4242", p.stderr)  # no serials in the reason
        self.assertIn(b"another machine", p.stderr)

    def test_line_usage(self):
        self.expect_error("usage", "-o FILE is required", "line", "--dx", "1")
        self.expect_error("usage", "bad option value", "line", "--dx", "x",
                          "-o", self.path("a.puls"))
        self.expect_error("usage", "--stfr", "line", "--dx", "1", "--stfr",
                          "10", "-o", self.path("a.puls"))
        self.expect_error("usage", "bad option value", "line", "--dx", "1",
                          "--power", "128", "-o", self.path("a.puls"))


class Help(Base):
    def test_help_everywhere(self):
        for cmd in ("info", "stats", "validate", "cat", "line", "gen"):
            p = run(cmd, "--help")
            self.assertEqual(p.returncode, 0, cmd)
            self.assertTrue(p.stdout.startswith(b"usage: gfpuls"), cmd)
        p = run("--help")
        self.assertEqual(p.returncode, 0)
        for cmd in (b"info", b"stats", b"validate", b"cat", b"line",
                    b"compile", b"render"):
            self.assertIn(cmd, p.stdout)

    def test_usage_errors(self):
        self.assertEqual(run().returncode, EXIT["usage"])
        self.expect_error("usage", "unknown command", "frobnicate")
        self.expect_error("usage", "exactly one FILE", "stats")
        self.expect_error("usage", "unknown option", "stats", "--bogus",
                          NOOPT)
        self.expect_error("usage", "bad option value", "stats",
                          "--max-body", "lots", NOOPT)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Shared helpers for the `gfpuls compile` / `gfpuls render` integration
tests: run the real gfpuls binary, decode pulse files independently of the
C codec (PROTOCOL.md section 15.4), and read/write small PNGs with only the
standard library."""
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

STEP = 0.01875  # mm per X/Y step
STFR = 10000


def gfpuls():
    exe = os.environ.get("GFPULS")
    if exe:
        return exe
    build = os.environ.get("GF_BUILD_DIR")
    if not build:
        sys.exit("GF_BUILD_DIR is not set")
    return os.path.join(build, "src", "tools", "gfpuls")


def source(*parts):
    return os.path.join(os.environ["GF_SOURCE_DIR"], *parts)


def run(*args, timeout=60):
    """Runs gfpuls; returns (exit code, stdout, stderr)."""
    p = subprocess.run([gfpuls(), *args], capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def compile_ok(*args):
    rc, out, err = run("compile", *args, "--json")
    if rc != 0:
        raise AssertionError("compile %s failed (%d): %s" % (args, rc, err))
    return json.loads(out)


def read_puls(path):
    """Returns (tags dict, payload bytes)."""
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    assert data[1:4] == b"GF1", "not a pulse file"
    hlen = struct.unpack_from("<I", data, 4)[0]
    tags = {}
    for off in range(8, hlen - 7, 8):
        name = data[off:off + 4].decode("ascii")
        tags[name] = struct.unpack_from("<I", data, off + 4)[0]
    return tags, data[hlen:]


class Trace:
    """Walks a payload tick by tick with the kernel's position counters."""

    def __init__(self, payload):
        self.x = self.y = 0
        self.xmin = self.xmax = self.ymin = self.ymax = 0
        self.laser = 0
        self.power_bytes = 0
        self.power_pairs = 0
        self.first_power = None
        self.first_laser = None
        self.first_laser_xy = None
        self.ticks = 0
        self.last_tick_laser = False
        prev_power = False
        for i, b in enumerate(payload):
            if b & 0x80:
                self.power_bytes += 1
                if prev_power:
                    self.power_pairs += 1
                if self.first_power is None:
                    self.first_power = i
                prev_power = True
                continue
            prev_power = False
            self.ticks += 1
            if b & 0x01:
                self.x += -1 if b & 0x02 else 1
            if b & 0x04:
                self.y += 1 if b & 0x08 else -1
            self.xmin, self.xmax = min(self.xmin, self.x), max(self.xmax, self.x)
            self.ymin, self.ymax = min(self.ymin, self.y), max(self.ymax, self.y)
            if b & 0x10:
                self.laser += 1
                if self.first_laser is None:
                    self.first_laser = i
                    self.first_laser_xy = (self.x, self.y)
            self.last_tick_laser = bool(b & 0x10)
        self.last_is_power = prev_power


def png_write(path, rows):
    """Writes an 8-bit greyscale PNG from a list of rows of 0..255."""
    h, w = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    png_chunks(path, struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0),
               zlib.compress(raw))


def png_chunks(path, ihdr, idat):
    def chunk(kind, body):
        return (struct.pack(">I", len(body)) + kind + body +
                struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
                chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def png_read_rgb(path):
    """Reads an 8-bit RGB non-interlaced PNG: (w, h, rows of bytes)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    off, idat = 8, b""
    while off < len(data):
        n = struct.unpack_from(">I", data, off)[0]
        kind, body = data[off + 4:off + 8], data[off + 8:off + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype, _, _, inter = struct.unpack(">IIBBBBB", body)
            assert (depth, ctype, inter) == (8, 2, 0), "expected 8-bit RGB"
        elif kind == b"IDAT":
            idat += body
        off += 12 + n
    raw, bpp, stride = zlib.decompress(idat), 3, w * 3
    rows, prev = [], bytearray(stride)
    for y in range(h):
        ft = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if ft == 1:
                line[i] = (line[i] + a) & 255
            elif ft == 2:
                line[i] = (line[i] + b) & 255
            elif ft == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif ft == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[i] = (line[i] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return w, h, rows


def pixel(img, x, y):
    w, h, rows = img
    return tuple(rows[y][3 * x:3 * x + 3])


def stats_json(path):
    """`gfpuls stats --json FILE` if this build has it, else None."""
    rc, out, _ = run("stats", "--json", path)
    if rc != 0:
        return None
    try:
        return json.loads(out)
    except ValueError:
        return None


class CompileCase(unittest.TestCase):
    """A test of the real gfpuls: `self.tmp` is a fresh folder for what it
    writes, and `self.check(cond, what)` records a failed expectation as a
    subtest and goes on, so one run reports every check that failed."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="gf-compile-test-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def check(self, cond, what):
        with self.subTest(what):
            self.assertTrue(cond, what)

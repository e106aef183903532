"""`gfpuls compile` of raster images into engrave sweeps (issue 5).

A known black-and-white bitmap, placed so each pixel is exactly one cell of
the line spacing, must fire for exactly pitch * period ticks per dark pixel
(the dwell), and overscan must keep every fire tick at constant speed: the
X steps around each fire tick are exactly `period` ticks apart and Y does
not move. Also compiles a real camera JPEG (fixture) to exercise the JPEG
path with dithering."""
import os
import unittest

from test_compile_util import (CompileCase, STEP, Trace, compile_ok,
                               png_write, read_puls, source)

PITCH = 10          # --line-spacing 0.1875 mm = 10 steps
PERIOD = 2          # --engrave-speed 93.75 mm/s = one step every 2 ticks
COLS, ROWS = 40, 20


def bitmap():
    rows = []
    for y in range(ROWS):
        rows.append([0 if ((x // 4 + y // 3) % 2 == 0 or x == y) else 255
                     for x in range(COLS)])
    return rows


def constant_speed(payload):
    """True when every fire tick sits between X steps `PERIOD` apart on
    both sides with no Y step nearby; returns (ok, fire ticks checked)."""
    ticks = [b for b in payload if not b & 0x80]
    xsteps = [i for i, b in enumerate(ticks) if b & 0x01]
    fires = [i for i, b in enumerate(ticks) if b & 0x10]
    import bisect
    for i in fires:
        k = bisect.bisect_left(xsteps, i)  # first step at or after i
        if k < 2 or k >= len(xsteps):
            return False, i
        nxt, prv, prv2 = xsteps[k], xsteps[k - 1], xsteps[k - 2]
        if nxt - prv != PERIOD or prv - prv2 != PERIOD:
            return False, i
        if any(ticks[j] & 0x04 for j in range(prv2, nxt + 1)):
            return False, i
    return True, len(fires)


def checks(c, tmp):
    img = os.path.join(tmp, "pattern.png")
    rows = bitmap()
    png_write(img, rows)
    dark = sum(1 for r in rows for v in r if v == 0)
    width = COLS * PITCH * STEP
    out = os.path.join(tmp, "engrave.puls")
    s = compile_ok("%s@20,30,%g" % (img, width), "-o", out,
                   "--line-spacing", "0.1875", "--engrave-speed", "93.75",
                   "--engrave-power", "40")
    tags, payload = read_puls(out)
    t = Trace(payload)
    dwell = PITCH * PERIOD
    c.check(t.laser == dark * dwell,
            "laser-on ticks %d == %d dark pixels x %d-tick dwell"
            % (t.laser, dark, dwell))
    ok, where = constant_speed(payload)
    c.check(ok, "every fire tick at constant speed (%s)" %
            ("%d fire ticks checked" % where if ok else "tick %d" % where))
    c.check(t.power_pairs == 0 and t.first_power < t.first_laser,
            "power bytes: one before the first fire, never two in a row")
    c.check(bytes([0x80 | round(0.4 * 127)]) in payload,
            "power byte carries 40%% (duty %d)" % round(0.4 * 127))
    x0 = round(20 / STEP)
    c.check(t.xmin == 0 and t.xmax > x0 + COLS * PITCH,
            "the sweeps overscan past the image (x max %d)" % t.xmax)
    y0 = round(30 / STEP)
    c.check(t.ymax == y0 + (ROWS - 1) * PITCH,
            "last row at y %d == %d" % (t.ymax, y0 + (ROWS - 1) * PITCH))
    c.check((t.x, t.y) == (0, 0) and not t.last_tick_laser,
            "back at the start, dark")
    c.check(s["laser_ticks"] == t.laser, "summary agrees")

    # the operations file's image rule: speed, power and passes
    ops = os.path.join(tmp, "ops.txt")
    with open(ops, "w") as f:
        f.write("image engrave 93.75 60 2\n")
    out = os.path.join(tmp, "twice.puls")
    compile_ok("%s@20,30,%g" % (img, width), "-o", out, "--line-spacing",
               "0.1875", "--ops", ops)
    _, payload = read_puls(out)
    t = Trace(payload)
    c.check(t.laser == 2 * dark * dwell and
            bytes([0x80 | round(0.6 * 127)]) in payload,
            "an image rule with two passes at 60%% fires %d ticks" % t.laser)

    jpg = source("tests", "fixtures", "img", "HOME_1.jpg")
    out = os.path.join(tmp, "photo.puls")
    s = compile_ok(jpg + "@5,5,20", "-o", out, "--no-gzip")
    tags, payload = read_puls(out)
    t = Trace(payload)
    c.check(open(out, "rb").read(4) == b"\x80GF1", "--no-gzip writes plain")
    c.check(t.laser > 0 and t.power_pairs == 0 and (t.x, t.y) == (0, 0),
            "a camera JPEG engraves (%d laser-on ticks)" % t.laser)


class Raster(CompileCase):
    def test_engraving_at_constant_speed(self):
        checks(self, self.tmp)


if __name__ == "__main__":
    unittest.main(verbosity=2)

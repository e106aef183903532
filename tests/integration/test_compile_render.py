"""`gfpuls render` (issue 5): a compiled square shows up where it should,
travel in light blue, the laser path in red, the work area outlined; and
both captured fixture files render."""
import os
import unittest

from test_compile_util import (CompileCase, compile_ok, pixel,
                               png_read_rgb, run, source)

TRAVEL = (170, 200, 245)
WHITE = (255, 255, 255)
BLACK = (0, 0, 0)


def is_laser(p):
    return p[0] >= 120 and p[1] < 100 and p[2] < 100


def checks(c, tmp):
    job = os.path.join(tmp, "square.puls")
    compile_ok(source("tests", "fixtures", "designs", "square.svg"), "-o", job)
    png = os.path.join(tmp, "square.png")
    rc, out, err = run("render", job, "-o", png, "--scale", "2")
    c.check(rc == 0, "render exits 0 (%s)" % err.strip())
    img = png_read_rgb(png)
    c.check(img[:2] == (991, 559), "495 x 279 mm at 2 px/mm is 991 x 559 px")
    # the square runs from 10 to 60 mm: pixels 20..120 at 2 px/mm
    for x, y in [(20, 70), (120, 70), (70, 20), (70, 120), (20, 20),
                 (120, 120)]:
        c.check(is_laser(pixel(img, x, y)), "laser pixel at (%d, %d): %s"
                % (x, y, pixel(img, x, y)))
    for x, y in [(70, 70), (18, 70), (122, 70), (70, 122), (300, 300)]:
        c.check(pixel(img, x, y) == WHITE, "nothing at (%d, %d)" % (x, y))
    c.check(pixel(img, 10, 10) == TRAVEL, "travel from the corner at (10, 10)")
    c.check(pixel(img, 0, 300) == BLACK and pixel(img, 990, 300) == BLACK and
            pixel(img, 500, 0) == BLACK and pixel(img, 500, 558) == BLACK,
            "work area outlined")
    # a scale of 1 px/mm puts the same square at 10..60
    png1 = os.path.join(tmp, "square1.png")
    rc, _, _ = run("render", job, "-o", png1, "--scale", "1")
    img1 = png_read_rgb(png1)
    c.check(rc == 0 and is_laser(pixel(img1, 10, 35)) and
            pixel(img1, 35, 35) == WHITE, "--scale 1 moves the square to 10 px")

    fx = source("tests", "fixtures", "puls")
    motion = os.path.join(tmp, "motion.png")
    rc, out, err = run("render", os.path.join(
        fx, "1234567890-nooptions-xxxxx.puls"), "-o", motion)
    c.check(rc == 0 and "19894 ticks" in out,
            "captured motion file renders (%s%s)" % (out.strip(), err.strip()))
    img = png_read_rgb(motion)
    # it moves +208.2, +119.04 mm from the start with the laser off
    c.check(pixel(img, 416, 238) == TRAVEL, "its travel ends at (208, 119) mm")
    hunt = os.path.join(tmp, "hunt.png")
    rc, out, err = run("render", os.path.join(
        fx, "hunt-signed-offset--8-step-size-0.35306.puls"), "-o", hunt)
    c.check(rc == 0 and "15874 ticks" in out,
            "captured hunt file renders (%s%s)" % (out.strip(), err.strip()))
    c.check(png_read_rgb(hunt)[:2] == (991, 559), "hunt preview is a picture")

    bad = os.path.join(tmp, "junk.puls")
    with open(bad, "wb") as f:
        f.write(b"this is not a pulse file at all")
    rc, out, err = run("render", bad, "-o", os.path.join(tmp, "junk.png"))
    c.check(rc == 1 and err.startswith("gfpuls render:") and
            not os.path.exists(os.path.join(tmp, "junk.png")),
            "a non-pulse file is refused clearly (%s)" % err.strip())
    rc, out, err = run("render", job, "-o", png, "--scale", "50")
    c.check(rc == 1 and "scale" in err, "an absurd scale is refused")
    rc, out, err = run("render", "--help")
    c.check(rc == 0 and "--scale" in out, "--help")


class Render(CompileCase):
    def test_render_draws_travel_laser_and_work_area(self):
        checks(self, self.tmp)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""Bad designs get clear errors from `gfpuls compile` (issue 5): malformed
XML, an unknown unit, a path off the bed, an empty design, an image that
declares a gigabyte of pixels (refused from its header, before decoding),
bad path data, a bad operations file. Each must exit 1 with a one-line
message saying what is wrong, and leave no output file behind."""
import os
import struct
import time
import unittest
import zlib

from test_compile_util import CompileCase, png_chunks, png_write, run

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="%s" height="100mm" ' \
      'viewBox="0 0 100 100">%s</svg>'


def refused(c, tmp, name, content, want, extra=(), binary=False):
    path = os.path.join(tmp, name)
    with open(path, "wb" if binary else "w") as f:
        f.write(content)
    out = os.path.join(tmp, name + ".puls")
    rc, stdout, err = run("compile", path, "-o", out, *extra)
    line = err.strip()
    c.check(rc == 1 and want in line and line.startswith("gfpuls compile:")
            and "\n" not in line and not os.path.exists(out),
            "%s refused: %s" % (name, line))


def huge_png():
    # 32768 x 32768 RGBA: 4 GiB of pixels (1 G pixels), in ~100 bytes
    ihdr = struct.pack(">IIBBBBB", 32768, 32768, 8, 6, 0, 0, 0)
    return ihdr, zlib.compress(b"\0" * 1024)


def checks(c, tmp):
    refused(c, tmp, "malformed.svg", '<svg><rect x="1"></svg>',
            "malformed XML at line 1")
    refused(c, tmp, "unit.svg", SVG % ("10furlong", ""),
            'unknown unit "furlong"')
    refused(c, tmp, "shape-unit.svg", SVG % ("100mm",
            '<rect x="2parsec" width="5" height="5" stroke="red"/>'),
            'unknown unit "parsec"')
    refused(c, tmp, "offbed.svg",
            '<svg xmlns="http://www.w3.org/2000/svg" width="600mm" '
            'height="100mm" viewBox="0 0 600 100"><path stroke="black" '
            'd="M 480 10 h 30 v 10 h -30 z"/></svg>',
            "15.00 mm past the right edge")
    refused(c, tmp, "front.svg", SVG % ("100mm",
            '<line x1="10" y1="10" x2="10" y2="300" stroke="black"/>'),
            "21.00 mm past the front edge")
    refused(c, tmp, "empty.svg", SVG % ("100mm", ""), "the design is empty")
    # One path whose huge arcs flatten past the point cap: the refusal
    # names the cap (it used to come back with no message at all).
    refused(c, tmp, "toomany.svg",
            '<svg xmlns="http://www.w3.org/2000/svg"><path stroke="red" '
            'd="M0 0' + ' A1e9 1e9 0 1 1 1 0 A1e9 1e9 0 1 1 0 0' * 45 +
            '"/></svg>', "design is too complex")
    refused(c, tmp, "nostroke.svg", SVG % ("100mm",
            '<rect width="5" height="5" fill="black"/>'),
            "1 shapes without a stroke")
    refused(c, tmp, "badpath.svg", SVG % ("100mm",
            '<path stroke="red" d="M 10 10 L 20"/>'),
            "path data: expected a number")
    refused(c, tmp, "notsvg.svg", "<html><body/></html>",
            "not an SVG document")
    refused(c, tmp, "colour.svg", SVG % ("100mm",
            '<rect width="5" height="5" stroke="chartreusey"/>'),
            "unknown stroke colour")
    refused(c, tmp, "transform.svg", SVG % ("100mm",
            '<g transform="spin(3)"><rect width="5" height="5" '
            'stroke="red"/></g>'), "bad transform")
    refused(c, tmp, "entity.svg",
            '<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
            '<svg xmlns="http://www.w3.org/2000/svg"><desc>&c;</desc></svg>',
            "malformed XML")

    big = os.path.join(tmp, "huge.png")
    png_chunks(big, *huge_png())
    out = os.path.join(tmp, "huge.puls")
    start = time.monotonic()
    rc, _, err = run("compile", big + "@0,0,100", "-o", out)
    c.check(rc == 1 and "32768 x 32768 pixels" in err and
            not os.path.exists(out),
            "a 1 G-pixel PNG is refused by its declared size: %s" % err.strip())
    small = os.path.join(tmp, "small.png")
    png_write(small, [[0] * 4] * 4)
    rc, _, err = run("compile", small + "@0,0,400x250", "-o", out,
                     "--line-spacing", "0.01875")
    c.check(rc == 1 and "use a larger line spacing" in err,
            "an engrave of too many cells: %s" % err.strip())
    bad_jpeg = os.path.join(tmp, "bad.jpg")
    with open(bad_jpeg, "wb") as f:
        f.write(b"\xff\xd8\xff\xe0" + b"\x00" * 64)
    rc, _, err = run("compile", bad_jpeg, "-o", out)
    c.check(rc == 1 and "bad JPEG" in err, "a corrupt JPEG: %s" % err.strip())

    ops = os.path.join(tmp, "ops.txt")
    with open(ops, "w") as f:
        f.write("# colour mode speed power\n#ff0000 cut 10 100\nblue melt 5 5\n")
    square = os.path.join(os.environ["GF_SOURCE_DIR"], "tests", "fixtures",
                          "designs", "square.svg")
    rc, _, err = run("compile", square, "-o", out, "--ops", ops)
    c.check(rc == 1 and "ops.txt:3: unknown mode \"melt\"" in err,
            "a bad operations file names its line: %s" % err.strip())
    rc, _, err = run("compile", square, "-o", out, "--speed", "500")
    c.check(rc == 1 and "outside" in err, "speed 500 mm/s refused: %s"
            % err.strip())
    rc, _, err = run("compile", square, "-o", out, "--origin", "480,10")
    c.check(rc == 1 and "past the right edge" in err,
            "--origin moves the design off the bed: %s" % err.strip())
    rc, _, err = run("compile", square)
    c.check(rc == 2 and "-o" in err, "missing -o is a usage error")
    rc, out_text, _ = run("compile", "--help")
    c.check(rc == 0 and "--ops" in out_text and "--origin" in out_text,
            "--help lists the options")


class Errors(CompileCase):
    def test_bad_designs_are_refused_clearly(self):
        checks(self, self.tmp)


if __name__ == "__main__":
    unittest.main(verbosity=2)

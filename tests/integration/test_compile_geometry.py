"""`gfpuls compile` geometry through the real codec (issue 5).

Compiles a square, a circle, a star made of arcs and a group with nested
transforms, then reads each pulse file with `gfpuls stats --json` (the real
codec) and with this file's own tick-by-tick decoder (independent of the C
code), and checks:
  * the bounding box of the steps is the design's, within one step;
  * the head ends where it started;
  * laser-on ticks = cut length / speed * 10 kHz within 1 %;
  * no two power bytes in a row, a power byte before the first fire, the
    stream ends dark;
  * the header: STfr 10000, PDfm 0, MCsn = --serial, PDct, microstepping,
    gzip by default."""
import math
import os
import unittest

from test_compile_util import (CompileCase, STEP, STFR, Trace,
                               compile_ok, read_puls, run, source, stats_json)

SPEED = 20.0


def star_expectation():
    cx, cy, R, r = 150.0, 100.0, 30.0, 12.0
    pts = []
    for i in range(10):
        a = -math.pi / 2 + i * math.pi / 5
        rad = R if i % 2 == 0 else r
        pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
    tips = pts[0::2]
    length = 0.0
    for i in range(10):
        (x0, y0), (x1, y1) = pts[i], pts[(i + 1) % 10]
        chord = math.hypot(x1 - x0, y1 - y0)
        length += 2 * 25 * math.asin(chord / 50)
    xs, ys = [p[0] for p in tips], [p[1] for p in tips]
    return (min(xs), min(ys), max(xs), max(ys)), length


def group_expectation():
    mm = 2.54  # one user unit is 1/10 in
    a = math.radians(30)
    corners = []
    for (x, y) in [(0, 0), (10, 0), (10, 5), (0, 5)]:
        x, y = 2 * x, 2 * y
        x, y = x * math.cos(a) - y * math.sin(a), x * math.sin(a) + y * math.cos(a)
        corners.append(((x + 40) * mm, (y + 30) * mm))
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    return (min(xs), min(ys), max(xs), max(ys)), 2 * (20 + 10) * mm


def check_case(c, name, path, bbox, length, origin=(0.0, 0.0), extra=()):
    out = os.path.join(c.tmp, name + ".puls")
    summary = compile_ok(path, "-o", out, "--speed", str(SPEED),
                         "--origin", "%g,%g" % origin, *extra)
    tags, payload = read_puls(out)
    t = Trace(payload)
    ox, oy = round(origin[0] / STEP), round(origin[1] / STEP)
    # positions are counted from the start (the origin); the start itself is
    # part of the path, so it widens the box when the design does not
    want = (min(0, round(bbox[0] / STEP) + round(origin[0] / STEP) - ox),
            min(0, round(bbox[1] / STEP) + round(origin[1] / STEP) - oy),
            max(0, round(bbox[2] / STEP)), max(0, round(bbox[3] / STEP)))
    got = (t.xmin, t.ymin, t.xmax, t.ymax)
    c.check(all(abs(g - w) <= 1 for g, w in zip(got, want)),
            "%s: bounding box %s steps == design %s within one step" %
            (name, got, want))
    c.check((t.x, t.y) == (0, 0), "%s: net position back at the start (%d, %d)"
            % (name, t.x, t.y))
    expect = length / SPEED * STFR
    c.check(abs(t.laser - expect) <= 0.01 * expect,
            "%s: laser-on ticks %d == %.0f (cut %.2f mm / %g mm/s) within 1%%"
            % (name, t.laser, expect, length, SPEED))
    c.check(t.power_pairs == 0, "%s: no two power bytes in a row" % name)
    c.check(t.first_power is not None and t.first_power < t.first_laser,
            "%s: a power byte before the first fire" % name)
    c.check(not t.last_tick_laser and not t.last_is_power,
            "%s: the stream ends dark" % name)
    c.check(summary["laser_ticks"] == t.laser and summary["ticks"] == t.ticks,
            "%s: the printed summary matches the file" % name)
    c.check(tags.get("STfr") == 10000 and tags.get("PDfm") == 0 and
            tags.get("XSmm") == 8 and tags.get("YSmm") == 8,
            "%s: header STfr 10000, PDfm 0, XSmm/YSmm 8" % name)
    c.check(tags.get("PDct") == len(payload) // STFR,
            "%s: PDct %s == payload / STfr" % (name, tags.get("PDct")))
    c.check(open(out, "rb").read(2) == b"\x1f\x8b", "%s: gzip" % name)
    st = stats_json(out)
    c.check(st is not None, "%s: gfpuls stats --json reads it" % name)
    if st is not None:
        sbox = (st["min"]["x"], st["min"]["y"], st["max"]["x"], st["max"]["y"])
        c.check(sbox == got and (st["net"]["x"], st["net"]["y"]) == (0, 0) and
                st["laser_on"] == t.laser and st["power_pairs"] == 0 and
                st["kernel_ticks"] == t.ticks,
                "%s: gfpuls stats agrees: box %s, net %s, laser_on %d, "
                "power_pairs %d" % (name, sbox, st["net"], st["laser_on"],
                                    st["power_pairs"]))
    return tags


def checks(c):
    d = source("tests", "fixtures", "designs")
    check_case(c, "square", os.path.join(d, "square.svg"), (10, 10, 60, 60),
               200.0)
    check_case(c, "circle", os.path.join(d, "circle.svg"), (80, 60, 120, 100),
               2 * math.pi * 20)
    box, length = star_expectation()
    check_case(c, "star", os.path.join(d, "star.svg"), box, length)
    box, length = group_expectation()
    tags = check_case(c, "group", os.path.join(d, "group.svg"), box, length,
                      extra=("--serial", "1234567890"))
    c.check(tags.get("MCsn") == 1234567890, "group: MCsn = --serial")
    job = os.path.join(c.tmp, "group.puls")
    rc, _, err = run("validate", job, "--serial", "1234567890")
    c.check(rc == 0, "group: gfpuls validate accepts it for its machine (%s)"
            % err.strip())
    rc, _, err = run("validate", job, "--serial", "1")
    c.check(rc != 0 and "MCsn" in err, "group: and refuses it for another")
    # a circle around the design origin (the canvas corner), placed with
    # --origin: the head starts at its centre and the steps go negative
    centred = os.path.join(c.tmp, "centred.svg")
    with open(centred, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="20mm" '
                'height="20mm" viewBox="0 0 20 20"><circle r="10" '
                'stroke="#00f" fill="none"/></svg>')
    check_case(c, "centred", centred, (-10, -10, 10, 10), 2 * math.pi * 10,
               origin=(100.0, 100.0))
    check_ops(c)
    check_order(c)


def check_order(c):
    """Inner before outer, then nearest: a design that lists an outline, a
    far line, then a hole inside the outline gets the hole cut first;
    --keep-order cuts them as listed. A zigzag of squares far apart is
    regrouped, with less travel."""
    design = os.path.join(c.tmp, "order.svg")
    with open(design, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="400mm" '
                'height="200mm" viewBox="0 0 400 200" stroke="black" '
                'fill="none"><rect x="10" y="10" width="100" height="100"/>'
                '<line x1="390" y1="150" x2="200" y2="150"/>'
                '<rect x="50" y="50" width="10" height="10"/></svg>')
    zigzag = os.path.join(c.tmp, "zigzag.svg")
    with open(zigzag, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="400mm" '
                'height="200mm" viewBox="0 0 400 200" stroke="black" '
                'fill="none">' + "".join(
                    '<rect x="%d" y="10" width="5" height="5"/>' % x
                    for x in (10, 300, 20, 310, 30, 320)) + '</svg>')
    firsts, travel = {}, {}
    for mode, extra in (("planned", ()), ("kept", ("--keep-order",))):
        out = os.path.join(c.tmp, "order-%s.puls" % mode)
        s = compile_ok(design, "-o", out, *extra)
        _, payload = read_puls(out)
        t = Trace(payload)
        firsts[mode] = t.first_laser_xy
        c.check((t.x, t.y) == (0, 0) and abs(s["cut_mm"] - 630) < 0.1,
                "order %s: every shape cut (%.2f mm), back at the start"
                % (mode, s["cut_mm"]))
        travel[mode] = compile_ok(zigzag, "-o", out, *extra)["travel_mm"]
    hole = (round(50 / STEP), round(50 / STEP))
    outline = (round(10 / STEP), round(10 / STEP))
    c.check(firsts["planned"] == hole,
            "order: the hole is cut first (%s == %s)" % (firsts["planned"], hole))
    c.check(firsts["kept"] == outline,
            "--keep-order: the outline first (%s)" % (firsts["kept"],))
    c.check(travel["planned"] < 0.5 * travel["kept"],
            "order: a zigzag design travels %.1f mm instead of %.1f mm"
            % (travel["planned"], travel["kept"]))


def check_ops(c):
    """Two colours through an operations file: the red square is scored
    first (80 mm/s, 30 %), the black one cut after it (10 mm/s, 100 %,
    two passes)."""
    design = os.path.join(c.tmp, "two.svg")
    with open(design, "w") as f:
        f.write('<svg xmlns="http://www.w3.org/2000/svg" width="200mm" '
                'height="100mm" viewBox="0 0 200 100">'
                '<rect x="100" y="10" width="50" height="50" stroke="black" '
                'fill="none"/><rect x="10" y="10" width="50" height="50" '
                'stroke="#f00" fill="none"/></svg>')
    ops = os.path.join(c.tmp, "ops.txt")
    with open(ops, "w") as f:
        f.write("# colour mode speed power passes\n"
                "  red   score 80 30\n"
                "#000000 cut   10 100 2  # through\n")
    out = os.path.join(c.tmp, "two.puls")
    compile_ok(design, "-o", out, "--ops", ops)
    _, payload = read_puls(out)
    t = Trace(payload)
    side = 2667 * STEP  # 50 mm in whole steps
    expect = 4 * side / 80 * STFR + 2 * 4 * side / 10 * STFR
    c.check(abs(t.laser - expect) <= 0.01 * expect,
            "ops: laser-on ticks %d == %.0f (score once, cut twice)"
            % (t.laser, expect))
    duties = [b & 0x7f for b in payload if b & 0x80]
    c.check(duties[0] == round(0.3 * 127) and duties[-1] == 127 and
            set(duties) == {38, 127},
            "ops: the score (duty 38) comes before the cut (duty 127)")
    c.check((t.x, t.y) == (0, 0) and t.power_pairs == 0,
            "ops: back at the start, power bytes apart")


class Geometry(CompileCase):
    def test_geometry_through_the_real_codec(self):
        checks(self)


if __name__ == "__main__":
    unittest.main(verbosity=2)

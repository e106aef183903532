/* test_compile_svg.c - the SVG grammars and the flattener of the design
 * compiler: numbers, lengths and units, transforms, colours, path data in
 * every command (absolute, relative, implicit repeats, packed arc flags),
 * and curves flattened within the chord tolerance. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "svg/svg_geom.h"

static char msg[300];

/* Parses `d` with an identity transform (user unit = 1 mm). */
static int parse_path(cg_design *d, const char *data)
{
    cg_builder b;
    memset(d, 0, sizeof *d);
    cgb_init(&b, d, cg_mat_identity(), 0);
    int rc = svg_path_parse(&b, data, msg, sizeof msg);
    int frc = cgb_finish(&b);
    return rc ? rc : frc;
}

static cg_pt last_pt(const cg_design *d)
{
    return d->pts[d->npts - 1];
}

static void test_numbers(void **state)
{
    double v[4];
    (void)state;
    assert_int_equal(svg_numbers("-.5.5", v, 4), 2);
    assert_true(v[0] == -0.5 && v[1] == 0.5);
    assert_int_equal(svg_numbers("1e2,3E-1 -4", v, 4), 3);
    assert_true(v[0] == 100 && fabs(v[1] - 0.3) < 1e-12 && v[2] == -4);
    assert_int_equal(svg_numbers("inf", v, 4), -1);
    assert_int_equal(svg_numbers("0x10", v, 4), -1);
    assert_int_equal(svg_numbers("1e999", v, 4), -1);
}

static void test_lengths(void **state)
{
    double mm;
    (void)state;
    assert_int_equal(svg_length_mm("25.4mm", &mm, msg, sizeof msg), 0);
    assert_true(mm == 25.4);
    assert_int_equal(svg_length_mm("2cm", &mm, msg, sizeof msg), 0);
    assert_true(mm == 20);
    assert_int_equal(svg_length_mm("1in", &mm, msg, sizeof msg), 0);
    assert_true(mm == 25.4);
    assert_int_equal(svg_length_mm("96px", &mm, msg, sizeof msg), 0);
    assert_true(fabs(mm - 25.4) < 1e-12);
    assert_int_equal(svg_length_mm("96", &mm, msg, sizeof msg), 0);
    assert_true(fabs(mm - 25.4) < 1e-12);
    assert_int_equal(svg_length_mm("72pt", &mm, msg, sizeof msg), 0);
    assert_true(fabs(mm - 25.4) < 1e-12);
    assert_int_equal(svg_length_mm("3furlong", &mm, msg, sizeof msg),
                     GF_EINVAL);
    assert_non_null(strstr(msg, "unknown unit \"furlong\""));
    assert_int_equal(svg_length_mm("mm", &mm, msg, sizeof msg), GF_EINVAL);
    assert_int_equal(svg_length_mm("10 mm extra", &mm, msg, sizeof msg),
                     GF_EINVAL);
}

static void test_transforms(void **state)
{
    cg_mat m;
    (void)state;
    assert_int_equal(
        svg_xform_parse("translate(10,20) scale(2)", &m, msg, sizeof msg), 0);
    cg_pt p = cg_mat_apply(m, (cg_pt){1, 1});
    assert_true(p.x == 12 && p.y == 22); /* scale applies first */
    assert_int_equal(svg_xform_parse("rotate(90 10 10)", &m, msg, sizeof msg),
                     0);
    p = cg_mat_apply(m, (cg_pt){20, 10});
    assert_true(fabs(p.x - 10) < 1e-9 && fabs(p.y - 20) < 1e-9);
    assert_int_equal(
        svg_xform_parse("matrix(1 0 0 1 5 6)skewX(0)", &m, msg, sizeof msg), 0);
    assert_true(m.e == 5 && m.f == 6);
    assert_true(fabs(cg_mat_scale((cg_mat){3, 0, 0, 2, 0, 0}) - 3) < 1e-12);
    assert_int_equal(svg_xform_parse("scale(1,2,3)", &m, msg, sizeof msg),
                     GF_EINVAL);
    assert_int_equal(svg_xform_parse("translate(1", &m, msg, sizeof msg),
                     GF_EINVAL);
}

static void test_colours(void **state)
{
    uint32_t c = 0;
    (void)state;
    assert_int_equal(svg_color_parse("#f00", &c), 0);
    assert_int_equal(c, 0xff0000);
    assert_int_equal(svg_color_parse(" #00FF7f ", &c), 0);
    assert_int_equal(c, 0x00ff7f);
    assert_int_equal(svg_color_parse("rgb(0, 0, 255)", &c), 0);
    assert_int_equal(c, 0x0000ff);
    assert_int_equal(svg_color_parse("Blue", &c), 0);
    assert_int_equal(c, 0x0000ff);
    assert_int_equal(svg_color_parse("none", &c), 1);
    assert_int_equal(svg_color_parse("#12", &c), GF_EINVAL);
    assert_int_equal(svg_color_parse("blurple", &c), GF_EINVAL);
}

static void test_path_lines(void **state)
{
    cg_design d;
    (void)state;
    /* implicit lineto after M, relative forms, H/V, closepath */
    assert_int_equal(parse_path(&d, "M10 10 20 10 l0 10 h-10 v-10z"), 0);
    assert_int_equal(d.npolys, 1);
    assert_int_equal(d.npts, 5);
    assert_true(d.pts[1].x == 20 && d.pts[1].y == 10);
    assert_true(d.pts[2].x == 20 && d.pts[2].y == 20);
    assert_true(d.pts[3].x == 10 && d.pts[3].y == 20);
    assert_true(last_pt(&d).x == 10 && last_pt(&d).y == 10);
    cg_design_free(&d);
    /* a relative moveto after Z is relative to the subpath start */
    assert_int_equal(parse_path(&d, "M5 5 L 6 5 Z m 1 1 l 1 0"), 0);
    assert_int_equal(d.npolys, 2);
    assert_true(d.pts[d.polys[1].first].x == 6);
    assert_true(d.pts[d.polys[1].first].y == 6);
    cg_design_free(&d);
}

static void test_path_curves(void **state)
{
    cg_design d;
    (void)state;
    /* S reflects the last C control point; the curve ends exactly */
    assert_int_equal(parse_path(&d, "M0 0 C 0 10 10 10 10 0 s 10 -10 10 0"), 0);
    assert_true(last_pt(&d).x == 20 && last_pt(&d).y == 0);
    assert_true(d.npts > 10);
    cg_design_free(&d);
    assert_int_equal(parse_path(&d, "M0 0 Q 5 10 10 0 T 20 0 t10 0"), 0);
    assert_true(last_pt(&d).x == 30 && last_pt(&d).y == 0);
    cg_design_free(&d);
    /* packed arc flags: "0110" is large=0 sweep=1 then x=10 */
    assert_int_equal(parse_path(&d, "M0 0 a5 5 0 0110 0"), 0);
    assert_true(fabs(last_pt(&d).x - 10) < 1e-9);
    /* sweep 1 with y down goes through y = -5 (the upper half) */
    double ymin = 0;
    for (size_t i = 0; i < d.npts; i++)
        ymin = fmin(ymin, d.pts[i].y);
    assert_true(fabs(ymin + 5) < CG_TOL);
    cg_design_free(&d);
}

/* Every flattened point of a circle lies on it, and every chord midpoint
 * is within the tolerance of it. */
static void test_flatten_tolerance(void **state)
{
    cg_design d;
    (void)state;
    assert_int_equal(parse_path(&d, "M 120 100 A 20 20 0 0 1 80 100 "
                                    "A 20 20 0 0 1 120 100"),
                     0);
    for (size_t i = 0; i + 1 < d.npts; i++) {
        cg_pt a = d.pts[i], b = d.pts[i + 1];
        double ra = hypot(a.x - 100, a.y - 100);
        double rm = hypot((a.x + b.x) / 2 - 100, (a.y + b.y) / 2 - 100);
        assert_true(fabs(ra - 20) < 1e-9);
        assert_true(20 - rm <= CG_TOL && 20 - rm >= 0);
    }
    cg_design_free(&d);
    /* the tolerance holds after a scale: 10x the radius, more points */
    cg_builder b;
    memset(&d, 0, sizeof d);
    cgb_init(&b, &d, (cg_mat){10, 0, 0, 10, 0, 0}, 0);
    svg_path_parse(&b, "M 12 10 A 2 2 0 0 1 8 10", msg, sizeof msg);
    cgb_finish(&b);
    for (size_t i = 0; i + 1 < d.npts; i++) {
        cg_pt a = d.pts[i], c = d.pts[i + 1];
        double rm = hypot((a.x + c.x) / 2 - 100, (a.y + c.y) / 2 - 100);
        assert_true(20 - rm <= CG_TOL);
    }
    cg_design_free(&d);
}

static void test_path_errors(void **state)
{
    cg_design d;
    (void)state;
    assert_int_equal(parse_path(&d, "L 10 10"), GF_EINVAL);
    assert_non_null(strstr(msg, "moveto"));
    cg_design_free(&d);
    assert_int_equal(parse_path(&d, "M 10 10 L 20"), GF_EINVAL);
    assert_non_null(strstr(msg, "offset 12"));
    cg_design_free(&d);
    assert_int_equal(parse_path(&d, "M 0 0 X 5"), GF_EINVAL);
    cg_design_free(&d);
    assert_int_equal(parse_path(&d, "M 0 0 a 5 5 0 2 1 10 0"), GF_EINVAL);
    cg_design_free(&d);
    assert_int_equal(parse_path(&d, "M 0 0 Z 5"), GF_EINVAL);
    cg_design_free(&d);
    /* found by fuzzing: a huge rotation made the arc's piece count NaN */
    assert_int_equal(parse_path(&d, "M 0 0 a 25,25 1e308 0,0 21,0.4"), 0);
    assert_true(fabs(last_pt(&d).x - 21) < 1e-9);
    cg_design_free(&d);
}

static void test_documents(void **state)
{
    cg_design d;
    (void)state;
    const char *doc =
        "<svg xmlns='http://www.w3.org/2000/svg' width='2in' height='1in' "
        "viewBox='0 0 200 100'><g stroke='red' transform='translate(10)'>"
        "<line x1='0' y1='0' x2='100' y2='0'/>"
        "<polygon points='0,0 10,0 10,10' style='stroke:none'/>"
        "<rect width='10' height='10' display='none'/>"
        "<defs><rect width='10' height='10'/></defs>"
        "<polyline points='0 50, 20 50 20 60' stroke='#00f'/></g></svg>";
    memset(&d, 0, sizeof d);
    assert_int_equal(svg_load_mem(&d, doc, strlen(doc), msg, sizeof msg), 0);
    assert_int_equal(d.npolys, 2);
    assert_int_equal(d.skipped, 2); /* stroke:none and display:none */
    /* 200 user units = 2 in: one unit is 0.254 mm */
    assert_true(fabs(d.pts[0].x - 2.54) < 1e-9);
    assert_true(fabs(d.pts[1].x - 27.94) < 1e-9);
    assert_int_equal(d.polys[0].rgb, 0xff0000);
    assert_int_equal(d.polys[1].rgb, 0x0000ff);
    cg_design_free(&d);
    memset(&d, 0, sizeof d);
    assert_int_equal(svg_load_mem(&d, "<svg", 4, msg, sizeof msg), GF_EINVAL);
    assert_non_null(strstr(msg, "malformed XML"));
    cg_design_free(&d);
}

static int load(cg_design *d, const char *doc)
{
    memset(d, 0, sizeof *d);
    return svg_load_mem(d, doc, strlen(doc), msg, sizeof msg);
}

/* <use> (of a shape, a group, a symbol), nested <svg> viewports, and the
 * caps on reference chains. */
static void test_use_and_viewports(void **state)
{
    cg_design d;
    (void)state;
    const char *doc =
        "<svg xmlns='http://www.w3.org/2000/svg' "
        "xmlns:xlink='http://www.w3.org/1999/xlink' width='100mm' "
        "height='100mm' viewBox='0 0 100 100'>"
        "<defs><line id='l' x1='0' y1='0' x2='10' y2='0'/>"
        "<symbol id='s' viewBox='0 0 1 1'><line x1='0' y1='1' x2='1' "
        "y2='1'/></symbol></defs>"
        "<use xlink:href='#l' x='5' y='7' stroke='red'/>"
        "<use href='#s' x='20' y='20' width='10' height='10' stroke='blue'/>"
        "<svg x='50' y='50' width='20' height='20' viewBox='0 0 2 2'>"
        "<line x1='0' y1='0' x2='2' y2='2' stroke='#0f0'/></svg></svg>";
    assert_int_equal(load(&d, doc), 0);
    assert_int_equal(d.npolys, 3);
    assert_true(fabs(d.pts[0].x - 5) < 1e-9 && fabs(d.pts[0].y - 7) < 1e-9);
    assert_true(fabs(d.pts[1].x - 15) < 1e-9);
    assert_int_equal(d.polys[0].rgb, 0xff0000);
    /* the symbol's unit square scaled to 10 mm at (20, 20) */
    assert_true(fabs(d.pts[2].x - 20) < 1e-9 && fabs(d.pts[2].y - 30) < 1e-9);
    assert_true(fabs(d.pts[3].x - 30) < 1e-9);
    /* the nested viewport: 2 units = 20 mm at (50, 50) */
    assert_true(fabs(d.pts[4].x - 50) < 1e-9 && fabs(d.pts[5].x - 70) < 1e-9);
    cg_design_free(&d);

    assert_int_equal(load(&d, "<svg xmlns='http://www.w3.org/2000/svg'>"
                              "<use href='#nope'/></svg>"),
                     GF_EINVAL);
    assert_non_null(strstr(msg, "#nope, which is not in the document"));
    cg_design_free(&d);
    /* a group that uses itself: stopped by the depth cap */
    assert_int_equal(load(&d, "<svg xmlns='http://www.w3.org/2000/svg'>"
                              "<g id='g'><use href='#g'/></g></svg>"),
                     GF_EINVAL);
    assert_non_null(strstr(msg, "nested deeper"));
    cg_design_free(&d);
    /* ten uses of ten uses of ... : stopped by the visit cap */
    char big[4096];
    size_t n = (size_t)snprintf(big, sizeof big,
                                "<svg xmlns='http://www.w3.org/2000/svg'>"
                                "<defs><g id='a0'><line x2='1'/></g>");
    for (int lvl = 1; lvl <= 8; lvl++) {
        n += (size_t)snprintf(big + n, sizeof big - n, "<g id='a%d'>", lvl);
        for (int k = 0; k < 10; k++)
            n += (size_t)snprintf(big + n, sizeof big - n, "<use href='#a%d'/>",
                                  lvl - 1);
        n += (size_t)snprintf(big + n, sizeof big - n, "</g>");
    }
    snprintf(big + n, sizeof big - n, "</defs><use href='#a8'/></svg>");
    assert_int_equal(load(&d, big), GF_ETOOBIG);
    assert_non_null(strstr(msg, "elements to draw"));
    cg_design_free(&d);
}

/* Internal CSS as Illustrator writes it: class rules beat type rules and
 * presentation attributes, the style attribute beats them all. */
static void test_style_sheets(void **state)
{
    cg_design d;
    (void)state;
    const char *doc =
        "<svg xmlns='http://www.w3.org/2000/svg' width='10mm' height='10mm' "
        "viewBox='0 0 10 10'><defs><style><![CDATA["
        "/* cut lines */ .cls-1, .cls-3 { fill: none; stroke: #ff0000 }"
        " line { stroke: blue } @media print { .cls-1 { stroke: lime } }"
        " #id, g > rect { stroke: black } .cls-2{display:none}"
        "]]></style></defs>"
        "<rect class='x cls-1' width='1' height='1' stroke='green'/>"
        "<line class='cls-3' x2='1'/>"
        "<line x2='2'/>"
        "<line x2='3' class='cls-2' stroke='red'/>"
        "<rect width='1' height='1' class='cls-1' style='stroke: #00ff00'/>"
        "<polygon points='0,0 1,1' class='none'/></svg>";
    assert_int_equal(load(&d, doc), 0);
    assert_int_equal(d.npolys, 4);
    assert_int_equal(d.polys[0].rgb, 0xff0000); /* class over attribute */
    assert_int_equal(d.polys[1].rgb, 0xff0000); /* class over type */
    assert_int_equal(d.polys[2].rgb, 0x0000ff); /* type rule */
    assert_int_equal(d.polys[3].rgb, 0x00ff00); /* style attribute */
    assert_int_equal(d.skipped, 2);             /* display:none, no stroke */
    cg_design_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_transforms),
        cmocka_unit_test(test_colours),
        cmocka_unit_test(test_path_lines),
        cmocka_unit_test(test_path_curves),
        cmocka_unit_test(test_flatten_tolerance),
        cmocka_unit_test(test_path_errors),
        cmocka_unit_test(test_documents),
        cmocka_unit_test(test_use_and_viewports),
        cmocka_unit_test(test_style_sheets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

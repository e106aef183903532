/* test_compile_plan.c - motion planning into ticks: exact stepping, speed
 * caps, slowing at corners, the power-byte rules of the emitter, the
 * operations file and dithering. Bytes are read back from the emitter's
 * buffer (no writer: nothing is flushed under 64 KiB). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "compile_job.h"

typedef struct walk {
    int64_t x, y, ticks, laser, power, pairs;
    int64_t xsteps, ysteps;
} walk;

static walk walk_buf(const uint8_t *b, size_t n)
{
    walk w = {0};
    int prev_power = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] & GF_PULS_POWER) {
            w.power++;
            w.pairs += prev_power;
            prev_power = 1;
            continue;
        }
        prev_power = 0;
        w.ticks++;
        if (b[i] & GF_PULS_X_STEP) {
            w.x += b[i] & GF_PULS_X_NEG ? -1 : 1;
            w.xsteps++;
        }
        if (b[i] & GF_PULS_Y_STEP) {
            w.y += b[i] & GF_PULS_Y_POS ? 1 : -1;
            w.ysteps++;
        }
        w.laser += (b[i] & GF_PULS_LASER) != 0;
    }
    return w;
}

static void test_segment_exact(void **state)
{
    static const int64_t moves[][2] = {{1000, 333},   {-7, 2000}, {0, -50},
                                       {1234, -1234}, {1, 0},     {-3, -2}};
    (void)state;
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        pe_emit e;
        double fire = 0;
        assert_int_equal(pe_init(&e, NULL, 100, 100), 0);
        ps_segment(&e, moves[i][0], moves[i][1], 0, 50, 0, 2000, 0, &fire);
        walk w = walk_buf(e.buf, e.len);
        assert_int_equal(w.x, moves[i][0]);
        assert_int_equal(w.y, moves[i][1]);
        assert_int_equal(w.xsteps, llabs(moves[i][0]));
        assert_int_equal(w.ysteps, llabs(moves[i][1]));
        assert_int_equal(e.x, 100 + moves[i][0]);
        assert_int_equal(e.y, 100 + moves[i][1]);
        pe_free(&e);
    }
}

/* At 18.75 mm/s with no ramp, X steps exactly every 10 ticks. */
static void test_cruise_rate(void **state)
{
    pe_emit e;
    double fire = 0;
    (void)state;
    pe_init(&e, NULL, 0, 0);
    pe_set_power(&e, 100);
    ps_segment(&e, 500, 0, 18.75, 18.75, 18.75, 0, 1, &fire);
    walk w = walk_buf(e.buf, e.len);
    assert_int_equal(w.x, 500);
    assert_true(w.ticks >= 4999 && w.ticks <= 5001);
    assert_int_equal(w.laser, w.ticks);
    assert_int_equal(w.power, 1);
    pe_free(&e);
}

/* A request over the machine's limits is capped at one step per tick. */
static void test_speed_cap(void **state)
{
    pe_emit e;
    pm_scratch s = {0};
    pm_stats st = {0};
    pm_cfg cfg = {0, 150};
    pm_pt p[2] = {{0, 0, 0, 0}, {3000, 1000, 0, 0}};
    (void)state;
    pe_init(&e, NULL, 0, 0);
    assert_int_equal(pm_run(&e, &cfg, &s, p, 2, 1000, 0, 0, 0, &st), 0);
    walk w = walk_buf(e.buf, e.len);
    assert_int_equal(w.x, 3000);
    assert_true(w.ticks >= 3000 && w.ticks <= 3002);
    pe_free(&e);
    pm_scratch_free(&s);
}

static int64_t max_gap(const uint8_t *b, size_t from, size_t to, uint8_t bit)
{
    int64_t last = -1, gap = 0;
    for (size_t i = from; i < to; i++) {
        if (!(b[i] & bit))
            continue;
        if (last >= 0 && (int64_t)i - last > gap)
            gap = (int64_t)i - last;
        last = (int64_t)i;
    }
    return gap;
}

/* A right angle is taken at half speed: the step gap doubles there. */
static void test_corner_slowdown(void **state)
{
    pe_emit e;
    pm_scratch s = {0};
    pm_stats st = {0};
    pm_cfg cfg = {2000, 150};
    pm_pt p[3] = {{0, 0, 0, 0}, {2000, 0, 2000, 0}, {2000, 2000, 2000, 2000}};
    (void)state;
    pe_init(&e, NULL, 0, 0);
    assert_int_equal(pm_run(&e, &cfg, &s, p, 3, 50, 0, 0, 0, &st), 0);
    walk w = walk_buf(e.buf, e.len);
    assert_true(w.x == 2000 && w.y == 2000);
    /* find the corner: the first Y step */
    size_t corner = 0;
    while (!(e.buf[corner] & GF_PULS_Y_STEP))
        corner++;
    int64_t cruise =
        max_gap(e.buf, corner / 2 - 100, corner / 2 + 100, GF_PULS_X_STEP);
    int64_t at_corner = max_gap(e.buf, corner - 40, corner, GF_PULS_X_STEP);
    assert_true(cruise <= 4); /* 50 mm/s = 3.75 ticks per step */
    assert_true(at_corner >= 6 && at_corner <= 9); /* ~25 mm/s */
    assert_true(fabs(st.travel_mm - 75.0) < 1e-9);
    pe_free(&e);
    pm_scratch_free(&s);
}

/* Power bytes: before the first fire, on a change, refreshed every 27000
 * ticks, never two in a row, none without fire. */
static void test_power_rules(void **state)
{
    pe_emit e;
    (void)state;
    pe_init(&e, NULL, 0, 0);
    pe_set_power(&e, 50);
    for (int i = 0; i < 10; i++)
        pe_tick(&e, 1, 0, 0);
    assert_int_equal(e.power_bytes, 0);
    pe_tick(&e, 1, 0, 1);
    assert_int_equal(e.buf[10], GF_PULS_POWER | 64);
    assert_int_equal(e.buf[11] & GF_PULS_LASER, GF_PULS_LASER);
    pe_set_power(&e, 20);
    pe_set_power(&e, 30); /* only the last setting is sent */
    pe_tick(&e, 0, 0, 1);
    assert_int_equal(e.buf[12], GF_PULS_POWER | 38);
    for (int i = 0; i < 30000; i++)
        pe_tick(&e, 0, 0, 1);
    walk w = walk_buf(e.buf, e.len);
    assert_int_equal(w.power, 3); /* first, change, one refresh */
    assert_int_equal(w.pairs, 0);
    assert_int_equal(w.laser, 30002);
    assert_int_equal(e.ticks, 30012);
    pe_set_power(&e, 0); /* zero power never fires */
    pe_tick(&e, 0, 0, 1);
    assert_false(e.last_laser);
    pe_free(&e);
}

static void test_ops_file(void **state)
{
    char path[] = "/tmp/gf-ops-XXXXXX", msg[300];
    co_table t = {0};
    gf_op def = {GF_OP_CUT, 10, 100, 1};
    (void)state;
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# colour mode speed power passes\n"
                       "#ff0000 score 80 30\n"
                       "blue cut 5 100 3  # thick stock\n"
                       "image engrave 150 40\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(co_parse_file(&t, path, msg, sizeof msg), 0);
    gf_op op = co_lookup(&t, 0xff0000, &def);
    assert_true(op.kind == GF_OP_SCORE && op.speed == 80 && op.power == 30);
    op = co_lookup(&t, 0x0000ff, &def);
    assert_true(op.kind == GF_OP_CUT && op.passes == 3);
    op = co_lookup(&t, 0x123456, &def);
    assert_true(op.speed == 10);
    assert_true(t.have_image && t.image.speed == 150);
    co_free(&t);
    FILE *f = fopen(path, "w");
    fputs("red cut 10 140\n", f);
    fclose(f);
    assert_int_equal(co_parse_file(&t, path, msg, sizeof msg), GF_ERANGE);
    assert_non_null(strstr(msg, ":1: power 140"));
    co_free(&t);
    unlink(path);
}

static void test_dither(void **state)
{
    uint8_t px[64 * 64];
    ra_gray g = {64, 64, px, 0, 0};
    ra_bitmap bm;
    (void)state;
    memset(px, 128, sizeof px);
    assert_int_equal(ra_dither(&g, 32, 32, &bm), 0);
    size_t dark = 0;
    for (size_t i = 0; i < 32 * 32; i++)
        dark += bm.dark[i];
    assert_true(dark > 32 * 32 * 45 / 100 && dark < 32 * 32 * 55 / 100);
    ra_bitmap_free(&bm);
    memset(px, 0, sizeof px);
    assert_int_equal(ra_dither(&g, 100, 10, &bm), 0);
    for (size_t i = 0; i < 100 * 10; i++)
        assert_int_equal(bm.dark[i], 1);
    ra_bitmap_free(&bm);
}

static void test_overscan(void **state)
{
    (void)state;
    /* 187.5 mm/s at 2000 mm/s^2 brakes in 8.79 mm = 469 steps */
    int64_t o = ra_overscan_steps(1, 2000);
    assert_true(o >= 469 && o < 700);
    assert_true(ra_overscan_steps(10, 2000) < o);
}

/* Nested outlines are cut innermost first; an open path runs from its
 * nearer end; keep = design order. */
static void test_cut_order(void **state)
{
    cg_design d = {0};
    char msg[200];
    const char *doc = "<svg xmlns='http://www.w3.org/2000/svg' width='300mm' "
                      "height='100mm' viewBox='0 0 300 100' stroke='red'>"
                      "<rect width='100' height='100'/>"
                      "<rect x='10' y='10' width='80' height='80'/>"
                      "<rect x='20' y='20' width='10' height='10'/>"
                      "<line x1='200' y1='0' x2='150' y2='0'/></svg>";
    size_t idx[4] = {0, 1, 2, 3};
    cord_step out[4];
    cg_pt head = {0, 0};
    (void)state;
    assert_int_equal(svg_load_mem(&d, doc, strlen(doc), msg, sizeof msg), 0);
    assert_int_equal(cord_plan(&d, idx, 4, 0, &head, out), 0);
    assert_int_equal(out[0].poly, 2);
    assert_int_equal(out[1].poly, 1);
    assert_int_equal(out[2].poly, 0);
    assert_int_equal(out[3].poly, 3);
    assert_int_equal(out[3].reverse, 1);
    assert_true(head.x == 200 && head.y == 0);
    head = (cg_pt){0, 0};
    assert_int_equal(cord_plan(&d, idx, 4, 1, &head, out), 0);
    for (size_t i = 0; i < 4; i++)
        assert_true(out[i].poly == i && !out[i].reverse);
    cg_design_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segment_exact),
        cmocka_unit_test(test_cruise_rate),
        cmocka_unit_test(test_speed_cap),
        cmocka_unit_test(test_corner_slowdown),
        cmocka_unit_test(test_power_rules),
        cmocka_unit_test(test_ops_file),
        cmocka_unit_test(test_dither),
        cmocka_unit_test(test_overscan),
        cmocka_unit_test(test_cut_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_puls_fixtures.c - every figure of tests/fixtures/puls/README.md,
 * asserted on both real pulse files.
 *
 * Each fixture is read six ways: from its file, from memory and through a
 * read callback that hands out 7 bytes at a time (so chunk edges fall inside
 * the header and mid-payload), each plain and as a gzip copy made here with
 * zlib. All six must give byte-identical figures: the oracle values below
 * are copied from the README, not computed by the code under test. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gf/puls.h"
#include "test_puls_util.h"

enum mode { FILE_PLAIN, FILE_GZIP, MEM_PLAIN, MEM_GZIP, FN_PLAIN, FN_GZIP };

typedef struct fixture {
    const char *name;
    uint64_t file_size;
    uint64_t payload;
    uint32_t cm_max; /* CMix, CMrx, CMwx */
    uint64_t xp, xm, yp, ym, zp, zm;
    int64_t x, y, z, x_min, x_max, y_min, y_max, z_min, z_max;
    uint64_t zero;
    int64_t first_step, last_step;
    double x_mm, y_mm, z_mm, run_s;
    struct {
        uint8_t value;
        uint64_t count;
    } bytes[6];
    int64_t step_offsets[8];
    size_t nstep_offsets;
} fixture;

static const fixture noopt = {
    .name = TP_NOOPT,
    .file_size = 20454,
    .payload = 19894,
    .cm_max = 50000,
    .xp = 11104,
    .xm = 0,
    .yp = 6349,
    .ym = 0,
    .zp = 0,
    .zm = 0,
    .x = 11104,
    .y = 6349,
    .z = 0,
    .x_min = 0,
    .x_max = 11104,
    .y_min = 0,
    .y_max = 6349,
    .z_min = 0,
    .z_max = 0,
    .zero = 49,
    .first_step = 0,
    .last_step = 19695,
    .x_mm = 208.2,
    .y_mm = 119.04375,
    .z_mm = 0,
    .run_s = 1.9894,
    .bytes =
        {{0x00, 49}, {0x08, 6272}, {0x09, 7224}, {0x0c, 2469}, {0x0d, 3880}},
};

static const fixture hunt = {
    .name = TP_HUNT,
    .file_size = 16434,
    .payload = 15874,
    .cm_max = 35000,
    .xp = 0,
    .xm = 0,
    .yp = 0,
    .ym = 0,
    .zp = 0,
    .zm = 8,
    .x = 0,
    .y = 0,
    .z = -8,
    .x_min = 0,
    .x_max = 0,
    .y_min = 0,
    .y_max = 0,
    .z_min = -8,
    .z_max = 0,
    .zero = 15866,
    .first_step = 0,
    .last_step = 10874,
    .x_mm = 0,
    .y_mm = 0,
    .z_mm = -2.82448,
    .run_s = 1.5874,
    .bytes = {{0x00, 15866}, {0x20, 8}},
    .step_offsets = {0, 5000, 6300, 7211, 7937, 8663, 9574, 10874},
    .nstep_offsets = 8,
};

/* The header of the "nooptions" file, offset by offset, from the README. */
static const struct {
    unsigned offset;
    const char *name;
    uint32_t value;
} header[] = {
    {8, "MCsn", 0},
    {16, "PCid", 19795},
    {24, "AAid", 204},
    {32, "AAin", 0},
    {40, "AAix", 0},
    {48, "AArd", 204},
    {56, "AArn", 0},
    {64, "AArx", 0},
    {72, "AAwd", 204},
    {80, "AAwn", 0},
    {88, "AAwx", 0},
    {96, "EFid", 0},
    {104, "EFin", 0},
    {112, "EFix", 0},
    {120, "EFrd", 0},
    {128, "EFrn", 0},
    {136, "EFrx", 0},
    {144, "EFwd", 0},
    {152, "EFwn", 0},
    {160, "EFwx", 0},
    {168, "IFid", 0},
    {176, "IFin", 0},
    {184, "IFix", 0},
    {192, "IFrd", 0},
    {200, "IFrn", 0},
    {208, "IFrx", 0},
    {216, "IFwd", 0},
    {224, "IFwn", 0},
    {232, "IFwx", 0},
    {240, "PDct", 1},
    {248, "PDfm", 0},
    {256, "PTmn", 0},
    {264, "PTmx", 0},
    {272, "STfr", 10000},
    {280, "XSdm", 1},
    {288, "XShc", 33},
    {296, "XSmm", 8},
    {304, "XSrc", 135},
    {312, "YSdm", 1},
    {320, "YShc", 5},
    {328, "YSmm", 8},
    {336, "YSrc", 22},
    {344, "FEid", 0},
    {352, "FErd", 0},
    {360, "FEwd", 0},
    {368, "FIid", 0},
    {376, "FIrd", 0},
    {384, "FIwd", 0},
    {392, "FPid", 0},
    {400, "FPrd", 0},
    {408, "FPwd", 0},
    {416, "BTrn", 0x80000000u},
    {424, "BTrx", 0x7fffffffu},
    {432, "BTwn", 0x80000000u},
    {440, "BTwx", 2147483647u},
    {448, "CMin", 10000},
    {456, "CMix", 50000},
    {464, "CMrn", 10000},
    {472, "CMrx", 50000},
    {480, "CMwn", 10000},
    {488, "CMwx", 50000},
    {496, "HTrn", 0x80000000u},
    {504, "HTrx", 2147483647u},
    {512, "HTwn", 0x80000000u},
    {520, "HTwx", 2147483647u},
    {528, "LTrn", 0x80000000u},
    {536, "LTrx", 2147483647u},
    {544, "LTwn", 0x80000000u},
    {552, "LTwx", 2147483647u},
};

typedef struct slow_src {
    const uint8_t *buf;
    size_t len, pos;
} slow_src;

static ssize_t slow_read(void *ctx, void *out, size_t cap)
{
    slow_src *s = ctx;
    size_t n = s->len - s->pos;
    n = n < 7 ? n : 7;
    n = n < cap ? n : cap;
    memcpy(out, s->buf + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

typedef struct opened {
    gf_puls_reader *r;
    char *dir;
    uint8_t *plain, *gz;
    size_t plain_len, gz_len;
    slow_src slow;
} opened;

static void open_mode(opened *o, const fixture *fx, enum mode m)
{
    char msg[256];
    int rc = GF_EINVAL;
    memset(o, 0, sizeof *o);
    o->plain = tp_slurp(tp_fixture(fx->name), &o->plain_len);
    assert_int_equal(o->plain_len, fx->file_size);
    o->gz = tp_gzip(o->plain, o->plain_len, &o->gz_len);
    o->dir = tp_tmpdir();
    char *gzpath = tp_join(o->dir, "copy.puls.gz");
    tp_spit(gzpath, o->gz, o->gz_len);
    int gz = m == FILE_GZIP || m == MEM_GZIP || m == FN_GZIP;
    o->slow.buf = gz ? o->gz : o->plain;
    o->slow.len = gz ? o->gz_len : o->plain_len;
    if (m == FILE_PLAIN)
        rc = gf_puls_open_file(&o->r, tp_fixture(fx->name), NULL, msg,
                               sizeof msg);
    else if (m == FILE_GZIP)
        rc = gf_puls_open_file(&o->r, gzpath, NULL, msg, sizeof msg);
    else if (m == MEM_PLAIN || m == MEM_GZIP)
        rc = gf_puls_open_mem(&o->r, o->slow.buf, o->slow.len, NULL, msg,
                              sizeof msg);
    else
        rc = gf_puls_open_fn(&o->r, slow_read, &o->slow, NULL, msg, sizeof msg);
    free(gzpath);
    assert_int_equal(rc, GF_OK);
    assert_string_equal(msg, "ok");
    assert_int_equal(gf_puls_is_gzip(o->r), gz);
}

static void close_mode(opened *o)
{
    gf_puls_close(o->r);
    tp_rmtree(o->dir);
    free(o->plain);
    free(o->gz);
}

static void check_header(const gf_puls_reader *r, const fixture *fx)
{
    size_t n;
    const gf_puls_tag *tags = gf_puls_tags(r, &n);
    assert_int_equal(gf_puls_lead_byte(r), 0x80);
    assert_int_equal(gf_puls_header_length(r), 560);
    assert_int_equal(n, 69);
    for (size_t i = 0; i < n; i++) {
        uint32_t want = header[i].value;
        if (fx->cm_max != 50000 && want == 50000)
            want = fx->cm_max; /* the hunt file's CMix/CMrx/CMwx */
        assert_int_equal(header[i].offset, 8 + 8 * i);
        assert_string_equal(tags[i].name, header[i].name);
        assert_int_equal(tags[i].value, want);
    }
    uint32_t v;
    assert_int_equal(gf_puls_tag_get(r, "STfr", &v), GF_OK);
    assert_int_equal(v, 10000);
    assert_int_equal(gf_puls_tag_get(r, "CMwx", &v), GF_OK);
    assert_int_equal(v, fx->cm_max);
    assert_int_equal((int32_t)tags[51].value, INT32_MIN); /* BTrn at 416 */
    assert_int_equal(gf_puls_tag_get(r, "ZSmd", &v), GF_ENOTFOUND);
}

static void check_stats(const gf_puls_stats *s, const fixture *fx)
{
    assert_int_equal(s->payload_bytes, fx->payload);
    assert_int_equal(s->x_plus, fx->xp);
    assert_int_equal(s->x_minus, fx->xm);
    assert_int_equal(s->y_plus, fx->yp);
    assert_int_equal(s->y_minus, fx->ym);
    assert_int_equal(s->z_plus, fx->zp);
    assert_int_equal(s->z_minus, fx->zm);
    assert_int_equal(s->x, fx->x);
    assert_int_equal(s->y, fx->y);
    assert_int_equal(s->z, fx->z);
    assert_int_equal(s->x_min, fx->x_min);
    assert_int_equal(s->x_max, fx->x_max);
    assert_int_equal(s->y_min, fx->y_min);
    assert_int_equal(s->y_max, fx->y_max);
    assert_int_equal(s->z_min, fx->z_min);
    assert_int_equal(s->z_max, fx->z_max);
    assert_true(fabs(s->x * GF_PULS_MM_PER_STEP_XY - fx->x_mm) < 1e-9);
    assert_true(fabs(s->y * GF_PULS_MM_PER_STEP_XY - fx->y_mm) < 1e-9);
    assert_true(fabs(s->z * GF_PULS_MM_PER_STEP_Z - fx->z_mm) < 1e-9);
    assert_int_equal(s->laser_on, 0);
    assert_int_equal(s->power_bytes, 0);
    assert_int_equal(s->power_pairs, 0);
    assert_int_equal(s->zero_bytes, fx->zero);
    assert_int_equal(s->first_step, fx->first_step);
    assert_int_equal(s->last_step, fx->last_step);
    assert_int_equal(s->first_laser, -1);
    assert_int_equal(s->first_power, -1);
    assert_int_equal(gf_puls_stats_kernel_ticks(s), fx->payload);
    assert_true(fabs((double)s->payload_bytes / 10000 - fx->run_s) < 1e-12);
    uint64_t listed = 0;
    for (size_t i = 0; i < 6 && fx->bytes[i].count; i++) {
        assert_int_equal(s->byte_count[fx->bytes[i].value], fx->bytes[i].count);
        listed += fx->bytes[i].count;
    }
    assert_int_equal(listed, fx->payload); /* no other byte value occurs */
    for (int d = 0; d < 128; d++)
        assert_int_equal(s->power_used[d], 0);
}

/* Read the payload again by hand to find where each step byte sits. */
static void check_step_offsets(const fixture *fx, enum mode m)
{
    opened o;
    open_mode(&o, fx, m);
    const uint8_t *chunk;
    ssize_t n;
    int64_t off = 0;
    size_t found = 0;
    while ((n = gf_puls_read(o.r, &chunk)) > 0) {
        for (ssize_t i = 0; i < n; i++, off++)
            if (chunk[i] & (GF_PULS_X_STEP | GF_PULS_Y_STEP | GF_PULS_Z_STEP)) {
                assert_true(found < fx->nstep_offsets);
                assert_int_equal(off, fx->step_offsets[found++]);
            }
    }
    assert_int_equal(n, 0);
    assert_int_equal(found, fx->nstep_offsets);
    close_mode(&o);
}

static void run_fixture(const fixture *fx)
{
    for (enum mode m = FILE_PLAIN; m <= FN_GZIP; m++) {
        opened o;
        gf_puls_stats s;
        open_mode(&o, fx, m);
        check_header(o.r, fx);
        if (m != FN_PLAIN && m != FN_GZIP) /* a callback has no size */
            assert_int_equal(gf_puls_payload_length(o.r), fx->payload);
        else
            assert_int_equal(gf_puls_payload_length(o.r), -1);
        assert_int_equal(gf_puls_validate_header(o.r, 0, NULL, 0), GF_OK);
        assert_int_equal(gf_puls_stats_read(o.r, &s), GF_OK);
        check_stats(&s, fx);
        assert_string_equal(gf_puls_error(o.r), "");
        close_mode(&o);
    }
}

static void test_nooptions(void **state)
{
    (void)state;
    run_fixture(&noopt);
}

static void test_hunt(void **state)
{
    (void)state;
    run_fixture(&hunt);
    check_step_offsets(&hunt, FILE_PLAIN);
    check_step_offsets(&hunt, FN_GZIP);
}

static void test_validate_fixtures(void **state)
{
    (void)state;
    char msg[256];
    assert_int_equal(gf_puls_validate_file(tp_fixture(TP_NOOPT), 1234, NULL,
                                           msg, sizeof msg),
                     GF_OK);
    assert_int_equal(
        gf_puls_validate_file(tp_fixture(TP_HUNT), 0, NULL, msg, sizeof msg),
        GF_OK);
}

static void test_gzip_isize(void **state)
{
    (void)state;
    opened o;
    open_mode(&o, &noopt, FILE_GZIP);
    /* ISIZE (last 4 bytes, LE) is the whole plain file size */
    const uint8_t *t = o.gz + o.gz_len - 4;
    assert_int_equal(t[0] | t[1] << 8 | t[2] << 16 | (uint32_t)t[3] << 24,
                     20454);
    assert_int_equal(gf_puls_body_size(o.r), (int64_t)o.gz_len);
    assert_int_equal(gf_puls_payload_length(o.r), 20454 - 560);
    close_mode(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nooptions),
        cmocka_unit_test(test_hunt),
        cmocka_unit_test(test_validate_fixtures),
        cmocka_unit_test(test_gzip_isize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

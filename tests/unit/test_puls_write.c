/* test_puls_write.c - writer, default header, move generator, validation
 * rules and the fast statistics path, each checked against an independent
 * expectation.
 *
 *  - default tags + the fixture's payload, written back, must reproduce the
 *    captured file byte for byte;
 *  - a generated move, read back, must have exactly the requested figures;
 *  - each §15.6 refusal is made by a header or payload built for it;
 *  - the block-wise statistics must equal the byte-by-byte reference on
 *    random data fed in random chunk sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "gf/puls.h"
#include "test_puls_util.h"

static char msg[256];

static void write_file(const char *path, const gf_puls_tag *tags, size_t n,
                       const void *payload, size_t len, int gzip)
{
    gf_puls_writer *w;
    assert_int_equal(gf_puls_writer_open(&w, path, tags, n, gzip), GF_OK);
    assert_int_equal(gf_puls_writer_write(w, payload, len), GF_OK);
    assert_int_equal(gf_puls_writer_close(w), GF_OK);
}

static void test_default_tags_reproduce_fixture(void **state)
{
    (void)state;
    gf_puls_tag tags[80];
    size_t n = gf_puls_default_tags(tags, 80, 10000, 0), len, got_len;
    assert_int_equal(n, 69);
    assert_int_equal(gf_puls_default_tags(tags, 3, 10000, 0), 3);
    n = gf_puls_default_tags(tags, 80, 10000, 0);
    uint8_t *f = tp_slurp(tp_fixture(TP_NOOPT), &len);
    char *dir = tp_tmpdir(), *path = tp_join(dir, "copy.puls");
    write_file(path, tags, n, f + 560, len - 560, 0);
    uint8_t *got = tp_slurp(path, &got_len);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, f, len);
    free(got);
    /* the gzip form inflates to the same bytes */
    write_file(path, tags, n, f + 560, len - 560, 1);
    gf_puls_reader *r;
    gf_puls_stats s;
    assert_int_equal(gf_puls_open_file(&r, path, NULL, msg, sizeof msg), GF_OK);
    assert_true(gf_puls_is_gzip(r));
    assert_int_equal(gf_puls_payload_length(r), 19894);
    assert_int_equal(gf_puls_stats_read(r, &s), GF_OK);
    assert_int_equal(s.x, 11104);
    assert_int_equal(s.y, 6349);
    gf_puls_close(r);
    free(path);
    tp_rmtree(dir);
    free(f);
}

static int read_back(const char *path, gf_puls_stats *s)
{
    gf_puls_reader *r;
    int rc = gf_puls_open_file(&r, path, NULL, msg, sizeof msg);
    if (rc != GF_OK)
        return rc;
    rc = gf_puls_validate_stream(r, 0, s, msg, sizeof msg);
    gf_puls_close(r);
    return rc;
}

static int64_t min0(int64_t v)
{
    return v < 0 ? v : 0;
}

static int64_t max0(int64_t v)
{
    return v > 0 ? v : 0;
}

static void check_move(const gf_puls_move *m, int gzip)
{
    gf_puls_tag tags[69];
    size_t n = gf_puls_default_tags(tags, 69, m->stfr, 0);
    char *dir = tp_tmpdir(), *path = tp_join(dir, "move.puls");
    gf_puls_writer *w;
    gf_puls_stats s;
    assert_int_equal(gf_puls_writer_open(&w, path, tags, n, gzip), GF_OK);
    assert_int_equal(gf_puls_gen_move(w, m), GF_OK);
    assert_int_equal(gf_puls_writer_close(w), GF_OK);
    assert_int_equal(read_back(path, &s), GF_OK);
    assert_int_equal(s.x, m->dx);
    assert_int_equal(s.y, m->dy);
    assert_int_equal(s.z, m->dz);
    assert_int_equal(s.x_plus, max0(m->dx));
    assert_int_equal(s.x_minus, -min0(m->dx));
    assert_int_equal(s.y_plus, max0(m->dy));
    assert_int_equal(s.y_minus, -min0(m->dy));
    assert_int_equal(s.z_plus, max0(m->dz));
    assert_int_equal(s.z_minus, -min0(m->dz));
    assert_int_equal(s.x_min, min0(m->dx));
    assert_int_equal(s.x_max, max0(m->dx));
    assert_int_equal(s.y_min, min0(m->dy));
    assert_int_equal(s.y_max, max0(m->dy));
    assert_int_equal(s.z_min, min0(m->dz));
    assert_int_equal(s.z_max, max0(m->dz));
    assert_int_equal((int64_t)s.payload_bytes, gf_puls_move_bytes(m));
    if (m->laser) {
        assert_int_equal(s.power_bytes, 1);
        assert_int_equal(s.power_used[m->power], 1);
        assert_int_equal(s.first_power, 0);
        assert_int_equal(s.first_laser, 1);
        assert_int_equal(s.laser_on, s.payload_bytes - 1);
        assert_int_equal(gf_puls_stats_kernel_ticks(&s), s.payload_bytes - 1);
    } else {
        assert_int_equal(s.power_bytes, 0);
        assert_int_equal(s.laser_on, 0);
        assert_int_equal(gf_puls_stats_kernel_ticks(&s), s.payload_bytes);
    }
    /* the move ends on its last step: no idle tail */
    assert_int_equal(s.last_step, (int64_t)s.payload_bytes - 1);
    free(path);
    tp_rmtree(dir);
}

static void test_gen_round_trips(void **state)
{
    (void)state;
    const gf_puls_move moves[] = {
        {11104, 6349, 0, 10000, 0, 10000, 0, 0},
        {-5333, 2000, 0, 8000, 160000, 10000, 1, 100},
        {300, -4000, 0, 10667, 50000, 28160, 0, 0},
        {0, 0, -8, 20, 5, 10000, 0, 0},
        {7, 7, 7, 1000, 1000, 1000, 1, 127},
        {-1, 0, 0, 1, 0, 200000, 1, 0},
        {100000, 99999, 3, 200000, 1e7, 200000, 0, 0}, /* speed > stfr */
    };
    for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++) {
        check_move(&moves[i], 0);
        check_move(&moves[i], 1);
    }
}

/* Constant speed: one step every stfr/speed ticks; a ramp takes longer and
 * its step gaps mirror each other, like the hunt fixture's. */
static void test_gen_ramp_shape(void **state)
{
    (void)state;
    gf_puls_move flat = {0, 0, -8, 20, 0, 10000, 0, 0};
    /* steps at 0.5, 1.5, ... 7.5 step-times of 500 ticks (+-1 rounding) */
    assert_true(labs((long)gf_puls_move_bytes(&flat) - (8 * 500 - 250)) <= 1);
    gf_puls_move ramp = flat;
    ramp.accel = 5;
    char *dir = tp_tmpdir(), *path = tp_join(dir, "ramp.puls");
    gf_puls_writer *w;
    assert_int_equal(gf_puls_writer_open(&w, path, NULL, 0, 0), GF_OK);
    assert_int_equal(gf_puls_gen_move(w, &ramp), GF_OK);
    assert_int_equal(gf_puls_writer_close(w), GF_OK);
    size_t len;
    uint8_t *f = tp_slurp(path, &len);
    assert_int_equal(len, 8 + (size_t)gf_puls_move_bytes(&ramp));
    assert_true(len - 8 > 8 * 500);
    long at[8];
    int k = 0;
    for (size_t i = 8; i < len; i++)
        if (f[i] & GF_PULS_Z_STEP) {
            assert_int_equal(f[i], GF_PULS_Z_STEP); /* Z- : bit 6 clear */
            at[k++] = (long)(i - 8);
        }
    assert_int_equal(k, 8);
    for (int g = 0; g < 7; g++) {
        long gap = at[g + 1] - at[g], mirror = at[7 - g] - at[6 - g];
        assert_true(labs(gap - mirror) <= 1);
        if (g < 3)
            assert_true(gap > at[g + 2] - at[g + 1]); /* speeding up */
    }
    free(f);
    free(path);
    tp_rmtree(dir);
}

static void test_gen_refusals(void **state)
{
    (void)state;
    gf_puls_move m = {10, 0, 0, 100, 0, 10000, 0, 0};
    m.speed = 0;
    assert_int_equal(gf_puls_move_bytes(&m), GF_EINVAL);
    m.speed = 100, m.stfr = 999;
    assert_int_equal(gf_puls_move_bytes(&m), GF_ERANGE);
    m.stfr = 10000, m.power = 128;
    assert_int_equal(gf_puls_move_bytes(&m), GF_EINVAL);
    m.power = 0, m.dx = 1ll << 40;
    assert_int_equal(gf_puls_move_bytes(&m), GF_ERANGE);
    m.dx = 0; /* no move at all: nothing to write */
    assert_int_equal(gf_puls_move_bytes(&m), 0);
    assert_int_equal(gf_puls_gen_move(NULL, &m), GF_EINVAL);
}

static void test_writer_paths(void **state)
{
    (void)state;
    gf_puls_writer *w;
    assert_int_equal(
        gf_puls_writer_open(&w, "/nonexistent/dir/x.puls", NULL, 0, 0), GF_EIO);
    char *dir = tp_tmpdir(), *path = tp_join(dir, "half.puls");
    assert_int_equal(gf_puls_writer_open(&w, path, NULL, 0, 1), GF_OK);
    assert_int_equal(gf_puls_writer_write(w, "\x01\x02", 2), GF_OK);
    gf_puls_writer_abort(w);
    assert_int_equal(access(path, F_OK), -1); /* removed */
    free(path);
    tp_rmtree(dir);
}

/* Build a file from tags and payload bytes, then validate it fully. */
static int validate(const gf_puls_tag *tags, size_t n, const void *payload,
                    size_t len, uint64_t serial)
{
    char *dir = tp_tmpdir(), *path = tp_join(dir, "v.puls");
    write_file(path, tags, n, payload, len, 0);
    int rc = gf_puls_validate_file(path, serial, NULL, msg, sizeof msg);
    free(path);
    tp_rmtree(dir);
    return rc;
}

static size_t find(gf_puls_tag *tags, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(tags[i].name, name) == 0)
            return i;
    fail_msg("no tag %s", name);
    return 0;
}

static void test_validation_rules(void **state)
{
    (void)state;
    gf_puls_tag t[69];
    size_t n = gf_puls_default_tags(t, 69, 10000, 0);
    const uint8_t ok[] = {0x0d, 0x85, 0x1d, 0x0d, 0x00};
    const uint8_t dark_first[] = {0x10, 0x85, 0x1d};
    assert_int_equal(validate(t, n, ok, sizeof ok, 0), GF_OK);
    assert_int_equal(validate(t, n, dark_first, 3, 0), GF_EPULS_POWER);
    assert_non_null(strstr(msg, "offset 0 before any power byte"));
    t[find(t, n, "STfr")].value = 999;
    assert_int_equal(validate(t, n, ok, 5, 0), GF_EPULS_STFR);
    t[find(t, n, "STfr")].value = 200001;
    assert_int_equal(validate(t, n, ok, 5, 0), GF_EPULS_STFR);
    memcpy(t[find(t, n, "STfr")].name, "STfx", 4);
    assert_int_equal(validate(t, n, ok, 5, 0), GF_EPULS_STFR);
    assert_non_null(strstr(msg, "missing"));
    n = gf_puls_default_tags(t, 69, 28160, 0);
    t[find(t, n, "PDfm")].value = 1;
    assert_int_equal(validate(t, n, ok, 5, 0), GF_EPULS_PDFM);
    n = gf_puls_default_tags(t, 69, 10000, 4242);
    assert_int_equal(validate(t, n, ok, 5, 4242), GF_OK);
    assert_int_equal(validate(t, n, ok, 5, 7), GF_EPULS_SERIAL);
    assert_null(strstr(msg, "4242")); /* no serials in the reason */
    assert_int_equal(validate(t + 1, n - 1, ok, 5, 7), GF_EPULS_SERIAL);
    n = gf_puls_default_tags(t, 69, 10000, 0);
    t[find(t, n, "YSmm")].value = 16;
    assert_int_equal(validate(t, n, ok, 5, 0), GF_EPULS_MICROSTEP);
    assert_non_null(strstr(msg, "YSmm is 16"));
}

/* The block path against the byte-by-byte path on the same bytes. */
static void test_fast_equals_reference(void **state)
{
    (void)state;
    size_t len = 3u << 20;
    uint8_t *buf = malloc(len);
    srand(777);
    for (size_t i = 0; i < len;) { /* runs of bytes, some power, random walk */
        uint8_t b = (uint8_t)rand();
        if (b & 0x80 && rand() % 8)
            b &= 0x7f;
        size_t run = 1 + (size_t)(rand() % 600);
        for (size_t k = 0; k < run && i < len; k++)
            buf[i++] = b;
    }
    gf_puls_stats whole, bytes, chunks;
    gf_puls_stats_init(&whole);
    gf_puls_stats_feed(&whole, buf, len);
    gf_puls_stats_init(&bytes);
    for (size_t i = 0; i < len; i += 100) /* below the small-feed cut */
        gf_puls_stats_feed(&bytes, buf + i, len - i < 100 ? len - i : 100);
    gf_puls_stats_init(&chunks);
    for (size_t i = 0, c; i < len; i += c) {
        c = 1 + (size_t)rand() % 20000;
        c = c < len - i ? c : len - i;
        gf_puls_stats_feed(&chunks, buf + i, c);
    }
    assert_memory_equal(&whole, &bytes, sizeof whole);
    assert_memory_equal(&whole, &chunks, sizeof whole);
    assert_true(whole.power_pairs > 0);
    assert_true(whole.x_min < 0 && whole.x_max > 0);
    free(buf);
}

/* A gzip body large enough for the overlapped (threaded) reading path must
 * give the same figures as feeding its payload directly. */
static void test_piped_gzip_equals_direct(void **state)
{
    (void)state;
    size_t len = 6u << 20;
    uint8_t *buf = malloc(len);
    srand(99);
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(i % 97 == 0 ? rand() : 0x18 | (rand() & 0x05));
    gf_puls_tag tags[69];
    size_t n = gf_puls_default_tags(tags, 69, 10000, 0);
    char *dir = tp_tmpdir(), *path = tp_join(dir, "big.puls.gz");
    write_file(path, tags, n, buf, len, 1);
    gf_puls_stats direct, piped;
    gf_puls_stats_init(&direct);
    gf_puls_stats_feed(&direct, buf, len);
    gf_puls_reader *r;
    assert_int_equal(gf_puls_open_file(&r, path, NULL, msg, sizeof msg), GF_OK);
    assert_int_equal(gf_puls_payload_length(r), (int64_t)len);
    assert_int_equal(gf_puls_stats_read(r, &piped), GF_OK);
    gf_puls_close(r);
    assert_memory_equal(&direct, &piped, sizeof direct);
    free(path);
    tp_rmtree(dir);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_tags_reproduce_fixture),
        cmocka_unit_test(test_gen_round_trips),
        cmocka_unit_test(test_gen_ramp_shape),
        cmocka_unit_test(test_gen_refusals),
        cmocka_unit_test(test_writer_paths),
        cmocka_unit_test(test_validation_rules),
        cmocka_unit_test(test_fast_equals_reference),
        cmocka_unit_test(test_piped_gzip_equals_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

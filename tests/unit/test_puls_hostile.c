/* test_puls_hostile.c - broken and hostile pulse files each get their own
 * error code and a one-line reason, never a crash, hang or leak.
 *
 * The inputs are made here from the real fixture: cut short, with the
 * header length or magic patched, gzip copies corrupted or truncated, a
 * gzip bomb against a small cap, and a few thousand seeded random mutations
 * (run under ASan/UBSan in the sanitizer suite). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gf/puls.h"
#include "test_puls_util.h"

static char msg[256];

/* Open from memory and read it all: the first error, or GF_OK. */
static int whole(const void *buf, size_t len, const gf_puls_limits *lim)
{
    gf_puls_reader *r = NULL;
    gf_puls_stats s;
    msg[0] = '\0';
    int rc = gf_puls_open_mem(&r, buf, len, lim, msg, sizeof msg);
    if (rc != GF_OK) {
        assert_null(r);
        return rc;
    }
    rc = gf_puls_stats_read(r, &s);
    if (rc != GF_OK)
        snprintf(msg, sizeof msg, "%s", gf_puls_error(r));
    gf_puls_close(r);
    return rc;
}

/* The same bytes through a file, to cover the descriptor source. */
static int whole_file(const void *buf, size_t len, const gf_puls_limits *lim)
{
    char *dir = tp_tmpdir();
    char *path = tp_join(dir, "x.puls");
    tp_spit(path, buf, len);
    char fmsg[256];
    int rc = gf_puls_validate_file(path, 0, lim, fmsg, sizeof fmsg);
    free(path);
    tp_rmtree(dir);
    return rc;
}

static uint8_t *fixture(size_t *len)
{
    return tp_slurp(tp_fixture(TP_NOOPT), len);
}

static void expect(int got, int want, const char *needle)
{
    assert_int_equal(got, want);
    assert_non_null(strstr(msg, needle));
}

static void test_empty(void **state)
{
    (void)state;
    expect(whole("", 0, NULL), GF_EPULS_EMPTY, "empty");
    size_t zlen;
    uint8_t *z = tp_gzip("", 0, &zlen);
    expect(whole(z, zlen, NULL), GF_EPULS_EMPTY, "inflates to nothing");
    assert_int_equal(whole_file("", 0, NULL), GF_EPULS_EMPTY);
    free(z);
}

static void test_truncated_preamble(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = fixture(&len);
    for (size_t cut = 1; cut < 8; cut++)
        expect(whole(f, cut, NULL), GF_EPULS_TRUNC, "inside the 8-byte");
    size_t zlen;
    uint8_t *z = tp_gzip(f, 5, &zlen);
    expect(whole(z, zlen, NULL), GF_EPULS_TRUNC, "after 5 bytes");
    free(z);
    free(f);
}

static void test_header_past_end(void **state)
{
    (void)state;
    size_t len, zlen;
    uint8_t *f = fixture(&len);
    /* cut inside the tag table */
    expect(whole(f, 300, NULL), GF_EPULS_HPAST, "560 runs past");
    uint8_t *z = tp_gzip(f, 300, &zlen);
    expect(whole(z, zlen, NULL), GF_EPULS_HPAST, "(300 bytes)");
    free(z);
    /* a whole file whose header claims more than the file holds */
    f[4] = 0x60, f[5] = 0xea; /* 60000 */
    expect(whole(f, len, NULL), GF_EPULS_HPAST, "60000 runs past");
    assert_int_equal(whole_file(f, len, NULL), GF_EPULS_HPAST);
    z = tp_gzip(f, len, &zlen);
    expect(whole(z, zlen, NULL), GF_EPULS_HPAST, "(20454 bytes)");
    free(z);
    free(f);
}

static void test_header_length_insane(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = fixture(&len);
    for (uint8_t h = 0; h < 8; h++) {
        f[4] = h, f[5] = f[6] = f[7] = 0;
        expect(whole(f, len, NULL), GF_EPULS_HLEN, "smaller than the 8-byte");
    }
    f[4] = 0xff, f[5] = 0xff, f[6] = 0xff, f[7] = 0x7f;
    expect(whole(f, len, NULL), GF_EPULS_HLEN, "larger than the");
    /* exactly 8: no tags at all, the rest is payload */
    f[4] = 8, f[5] = f[6] = f[7] = 0;
    expect(whole(f, len, NULL), GF_OK, "");
    free(f);
}

static void test_magic(void **state)
{
    (void)state;
    size_t len, zlen;
    uint8_t *f = fixture(&len);
    f[3] = '2';
    expect(whole(f, len, NULL), GF_EPULS_MAGIC, "not \"GF1\"");
    uint8_t *z = tp_gzip(f, len, &zlen);
    expect(whole(z, zlen, NULL), GF_EPULS_MAGIC, "47 46 32");
    free(z);
    /* the lead byte is not checked (§15.2): 0x00 is fine */
    f[3] = '1', f[0] = 0;
    expect(whole(f, len, NULL), GF_OK, "");
    free(f);
}

static void test_gzip_corrupt(void **state)
{
    (void)state;
    size_t len, zlen;
    uint8_t *f = fixture(&len);
    uint8_t *z = tp_gzip(f, len, &zlen);
    z[2] = 7; /* compression method other than deflate */
    expect(whole(z, zlen, NULL), GF_EPULS_GZIP, "corrupt");
    z[2] = 8;
    z[zlen - 6] ^= 0x55; /* CRC-32 of the data */
    expect(whole(z, zlen, NULL), GF_EPULS_GZIP, "corrupt");
    z[zlen - 6] ^= 0x55;
    z[zlen - 3] ^= 0x01; /* ISIZE */
    expect(whole(z, zlen, NULL), GF_EPULS_GZIP, "corrupt");
    z[zlen - 3] ^= 0x01;
    expect(whole(z, zlen, NULL), GF_OK, "");
    /* trailing bytes after the single member */
    uint8_t *more = malloc(zlen + 3);
    memcpy(more, z, zlen);
    memcpy(more + zlen, "abc", 3);
    expect(whole(more, zlen + 3, NULL), GF_EPULS_GZIP, "after the end");
    assert_int_equal(whole_file(more, zlen + 3, NULL), GF_EPULS_GZIP);
    free(more);
    free(z);
    free(f);
}

static void test_gzip_truncated(void **state)
{
    (void)state;
    size_t len, zlen;
    uint8_t *f = fixture(&len);
    uint8_t *z = tp_gzip(f, len, &zlen);
    expect(whole(z, 10, NULL), GF_EPULS_GZTRUNC, "ends early");
    expect(whole(z, zlen / 2, NULL), GF_EPULS_GZTRUNC, "ends early");
    expect(whole(z, zlen - 4, NULL), GF_EPULS_GZTRUNC, "ends early");
    expect(whole(z, 2, NULL), GF_EPULS_GZTRUNC, "ends early");
    assert_int_equal(whole_file(z, zlen - 1, NULL), GF_EPULS_GZTRUNC);
    free(z);
    free(f);
}

static void test_gzip_bomb(void **state)
{
    (void)state;
    size_t len, zlen;
    uint8_t *f = fixture(&len);
    size_t big = 8u << 20; /* 8 MiB of ticks, ~8 KiB compressed */
    uint8_t *bomb = calloc(1, big);
    memcpy(bomb, f, 560);
    uint8_t *z = tp_gzip(bomb, big, &zlen);
    assert_true(zlen < big / 100);
    gf_puls_limits lim = {.max_inflated = 1u << 20};
    expect(whole(z, zlen, &lim), GF_ETOOBIG, "1048576-byte cap");
    assert_int_equal(whole_file(z, zlen, &lim), GF_ETOOBIG);
    expect(whole(z, zlen, NULL), GF_OK, ""); /* under the default cap */
    free(z);
    free(bomb);
    free(f);
}

typedef struct feed {
    const uint8_t *buf;
    size_t len, pos;
    int fail_at;
} feed;

static ssize_t feed_read(void *ctx, void *out, size_t cap)
{
    feed *fd = ctx;
    if (fd->fail_at >= 0 && fd->pos >= (size_t)fd->fail_at)
        return -1;
    size_t n = fd->len - fd->pos < 4096 ? fd->len - fd->pos : 4096;
    n = n < cap ? n : cap;
    memcpy(out, fd->buf + fd->pos, n);
    fd->pos += n;
    return (ssize_t)n;
}

static void test_body_cap(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = fixture(&len);
    gf_puls_limits lim = {.max_body = 1000};
    expect(whole(f, len, &lim), GF_ETOOBIG, "over the 1000-byte cap");
    /* a stream of unknown size is stopped as bytes arrive */
    feed fd = {f, len, 0, -1};
    gf_puls_reader *r;
    gf_puls_stats s;
    lim.max_body = 10000;
    assert_int_equal(gf_puls_open_fn(&r, feed_read, &fd, &lim, msg, sizeof msg),
                     GF_OK);
    assert_int_equal(gf_puls_stats_read(r, &s), GF_ETOOBIG);
    assert_non_null(strstr(gf_puls_error(r), "10000-byte cap"));
    /* the error is sticky */
    const uint8_t *chunk;
    assert_int_equal(gf_puls_read(r, &chunk), GF_ETOOBIG);
    gf_puls_close(r);
    free(f);
}

static void test_read_errors(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = fixture(&len);
    feed fd = {f, len, 0, 8192};
    gf_puls_reader *r;
    gf_puls_stats s;
    assert_int_equal(gf_puls_open_fn(&r, feed_read, &fd, NULL, msg, sizeof msg),
                     GF_OK);
    assert_int_equal(gf_puls_stats_read(r, &s), GF_EIO);
    assert_non_null(strstr(gf_puls_error(r), "read failed"));
    gf_puls_close(r);
    fd.pos = 0, fd.fail_at = 0;
    assert_int_equal(gf_puls_open_fn(&r, feed_read, &fd, NULL, msg, sizeof msg),
                     GF_EIO);
    assert_int_equal(
        gf_puls_open_file(&r, "/nonexistent/x.puls", NULL, msg, sizeof msg),
        GF_EIO);
    assert_non_null(strstr(msg, "cannot open"));
    assert_int_equal(gf_puls_open_file(&r, "/tmp", NULL, msg, sizeof msg),
                     GF_EIO);
    free(f);
}

static void test_duplicate_tag_last_wins(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = fixture(&len);
    memcpy(f + 16, "STfr", 4); /* PCid slot becomes a first STfr = 19795 */
    gf_puls_reader *r;
    assert_int_equal(gf_puls_open_mem(&r, f, len, NULL, msg, sizeof msg),
                     GF_OK);
    uint32_t v;
    assert_int_equal(gf_puls_tag_get(r, "STfr", &v), GF_OK);
    assert_int_equal(v, 10000);
    gf_puls_close(r);
    free(f);
}

/* Seeded random damage: any result is fine except a crash or a leak. */
static void test_mutations(void **state)
{
    (void)state;
    size_t len, zlen;
    uint8_t *f = fixture(&len);
    uint8_t *z = tp_gzip(f, len, &zlen);
    uint8_t *buf = malloc(len);
    srand(12345);
    gf_puls_limits lim = {.max_inflated = 1u << 20};
    for (int i = 0; i < 3000; i++) {
        int gz = i & 1;
        size_t n = gz ? zlen : len;
        memcpy(buf, gz ? z : f, n);
        int flips = 1 + rand() % 4;
        for (int k = 0; k < flips; k++)
            buf[(size_t)rand() % (gz ? n : 600)] = (uint8_t)rand();
        if (rand() % 4 == 0)
            n = (size_t)rand() % n;
        int rc = whole(buf, n, &lim);
        assert_true(rc <= 0);
        if (rc != GF_OK)
            assert_true(msg[0] != '\0');
    }
    free(buf);
    free(z);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_truncated_preamble),
        cmocka_unit_test(test_header_past_end),
        cmocka_unit_test(test_header_length_insane),
        cmocka_unit_test(test_magic),
        cmocka_unit_test(test_gzip_corrupt),
        cmocka_unit_test(test_gzip_truncated),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_body_cap),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_duplicate_tag_last_wins),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

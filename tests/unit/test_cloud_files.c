/* test_cloud_files.c - job file preparation: a real fixture is validated and
 * stored gzip (same content, same id, plain or gzip input); junk and
 * truncated files are refused with libgf's error code; the copy locked to a
 * machine differs only in MCsn. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "files.h"
#include "gf/puls.h"
#include "test_cloud_tmp.h"

#define FIXTURE                                                                \
    GF_SOURCE_DIR "/tests/fixtures/puls/1234567890-nooptions-xxxxx.puls"

static void write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, len, f), len);
    fclose(f);
}

static void fixture_plain_and_gzip(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], gz[300];
    blobs *b = NULL;
    files_result r1, r2;
    assert_int_equal(blobs_open(&b, dir, err, sizeof(err)), 0);
    assert_int_equal(files_prepare(b, 1 << 20, 0, FIXTURE, &r1), 0);
    assert_int_equal(r1.payload, 19894);
    assert_int_equal(r1.stfr, 10000);
    /* The stored blob is gzip; preparing it again gives the same id. */
    char path[4300];
    assert_int_equal(blobs_path(b, r1.id, path, sizeof(path)), 0);
    snprintf(gz, sizeof(gz), "%s/copy.gz", dir);
    FILE *in = fopen(path, "rb");
    unsigned char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf), in);
    fclose(in);
    assert_int_equal(buf[0], 0x1f);
    assert_int_equal(buf[1], 0x8b);
    write_file(gz, buf, n);
    assert_int_equal(files_prepare(b, 1 << 20, 0, gz, &r2), 0);
    assert_string_equal(r1.id, r2.id);
    assert_int_equal(r2.payload, 19894);
    blobs_close(b);
    tmp_dir_remove(dir);
}

static void junk_is_refused(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], p[300];
    blobs *b = NULL;
    files_result r;
    assert_int_equal(blobs_open(&b, dir, err, sizeof(err)), 0);
    snprintf(p, sizeof(p), "%s/junk", dir);
    write_file(p, "hello, this is not a pulse file", 31);
    assert_int_equal(files_prepare(b, 1 << 20, 0, p, &r), -1);
    assert_string_equal(r.code, "puls_magic");
    assert_true(r.err[0] != '\0');
    write_file(p, "", 0);
    assert_int_equal(files_prepare(b, 1 << 20, 0, p, &r), -1);
    /* The fixture cut inside its header. */
    FILE *in = fopen(FIXTURE, "rb");
    unsigned char buf[300];
    assert_int_equal(fread(buf, 1, sizeof(buf), in), sizeof(buf));
    fclose(in);
    write_file(p, buf, sizeof(buf));
    assert_int_equal(files_prepare(b, 1 << 20, 0, p, &r), -1);
    assert_int_equal(files_prepare(b, 1 << 20, 0, "/nonexistent", &r), -1);
    blobs_close(b);
    tmp_dir_remove(dir);
}

/* files_lock_copy: MCsn becomes the serial, nothing else changes, gzip is
 * kept, the copy is the same blob each time; a corrupt source is refused. */
static void lock_copy(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], src[4300], copy[4300], p[300];
    blobs *b = NULL;
    files_result orig, lk, lk2;
    gf_puls_reader *a = NULL, *c = NULL;
    assert_int_equal(blobs_open(&b, dir, err, sizeof(err)), 0);
    assert_int_equal(files_prepare(b, 1 << 20, 0, FIXTURE, &orig), 0);
    assert_int_equal(orig.mcsn, 0);
    assert_int_equal(blobs_path(b, orig.id, src, sizeof(src)), 0);
    assert_int_equal(files_lock_copy(b, src, 10000042, 0, &lk), 0);
    assert_int_equal(files_lock_copy(b, src, 10000042, 0, &lk2), 0);
    assert_string_equal(lk.id, lk2.id);
    assert_string_not_equal(lk.id, orig.id);
    assert_int_equal(lk.mcsn, 10000042);
    assert_int_equal(lk.payload, 19894);
    assert_int_equal(lk.stfr, 10000);
    assert_int_equal(blobs_path(b, lk.id, copy, sizeof(copy)), 0);
    assert_int_equal(
        gf_puls_validate_file(copy, 10000042, NULL, err, sizeof(err)), GF_OK);
    assert_int_not_equal(
        gf_puls_validate_file(copy, 10000043, NULL, err, sizeof(err)), GF_OK);
    assert_int_equal(gf_puls_open_file(&a, src, NULL, err, sizeof(err)), 0);
    assert_int_equal(gf_puls_open_file(&c, copy, NULL, err, sizeof(err)), 0);
    assert_true(gf_puls_is_gzip(c));
    size_t na = 0, nc = 0;
    const gf_puls_tag *ta = gf_puls_tags(a, &na), *tc = gf_puls_tags(c, &nc);
    assert_int_equal(na, nc);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(ta[i].name, tc[i].name);
        int is_mcsn = strcmp(ta[i].name, "MCsn") == 0;
        assert_int_equal(tc[i].value, is_mcsn ? 10000042u : ta[i].value);
    }
    const uint8_t *ca = NULL, *cc = NULL;
    ssize_t la = gf_puls_read(a, &ca), lc = gf_puls_read(c, &cc);
    assert_true(la > 0 && la == lc);
    assert_memory_equal(ca, cc, (size_t)la);
    gf_puls_close(a);
    gf_puls_close(c);
    snprintf(p, sizeof(p), "%s/junk", dir);
    write_file(p, "not a pulse file", 16);
    assert_int_equal(files_lock_copy(b, p, 10000042, 0, &lk), -1);
    assert_true(lk.err[0] != '\0');
    assert_int_equal(files_lock_copy(b, "/nonexistent", 1, 0, &lk), -1);
    blobs_close(b);
    tmp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_plain_and_gzip),
        cmocka_unit_test(junk_is_refused),
        cmocka_unit_test(lock_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

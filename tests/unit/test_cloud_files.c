/* test_cloud_files.c - job file preparation: a real fixture is validated and
 * stored gzip (same content, same id, plain or gzip input); junk and
 * truncated files are refused with libgf's error code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "files.h"
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
    assert_int_equal(files_prepare(b, 1 << 20, FIXTURE, &r1), 0);
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
    assert_int_equal(files_prepare(b, 1 << 20, gz, &r2), 0);
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
    assert_int_equal(files_prepare(b, 1 << 20, p, &r), -1);
    assert_string_equal(r.code, "puls_magic");
    assert_true(r.err[0] != '\0');
    write_file(p, "", 0);
    assert_int_equal(files_prepare(b, 1 << 20, p, &r), -1);
    /* The fixture cut inside its header. */
    FILE *in = fopen(FIXTURE, "rb");
    unsigned char buf[300];
    assert_int_equal(fread(buf, 1, sizeof(buf), in), sizeof(buf));
    fclose(in);
    write_file(p, buf, sizeof(buf));
    assert_int_equal(files_prepare(b, 1 << 20, p, &r), -1);
    assert_int_equal(files_prepare(b, 1 << 20, "/nonexistent", &r), -1);
    blobs_close(b);
    tmp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_plain_and_gzip),
        cmocka_unit_test(junk_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

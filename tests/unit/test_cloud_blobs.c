/* test_cloud_blobs.c - content-addressed blobs: same bytes same id, bad ids
 * refused, aborted writers leave nothing behind, a scratch file adopted as
 * a blob is moved, not copied. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "blobs.h"
#include "test_cloud_tmp.h"

static void write_and_find(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], id1[65], id2[65], path[4300];
    blobs *b = NULL;
    blob_writer *w = NULL;
    assert_int_equal(blobs_open(&b, dir, err, sizeof(err)), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(blob_writer_open(b, &w), 0);
        assert_int_equal(blob_writer_write(w, "hello ", 6), 0);
        assert_int_equal(blob_writer_write(w, "world", 5), 0);
        assert_int_equal(blob_writer_size(w), 11);
        assert_int_equal(blob_writer_commit(w, i ? id2 : id1), 0);
    }
    assert_string_equal(id1, id2);
    assert_int_equal(blobs_path(b, id1, path, sizeof(path)), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 11);
    assert_int_equal(blobs_path(b, "../../etc/passwd", path, sizeof(path)), -1);
    char upper[65];
    memcpy(upper, id1, 65);
    upper[0] = 'G';
    assert_int_equal(blobs_path(b, upper, path, sizeof(path)), -1);
    /* An aborted writer leaves no temp file. */
    assert_int_equal(blob_writer_open(b, &w), 0);
    assert_int_equal(blob_writer_write(w, "x", 1), 0);
    blob_writer_abort(w);
    char tmp[4300];
    snprintf(tmp, sizeof(tmp), "%s/blobs/tmp", dir);
    assert_int_equal(rmdir(tmp), 0); /* empty */
    blobs_close(b);
    tmp_dir_remove(dir);
}

/* blobs_adopt: a scratch file becomes the blob of its bytes, with the id a
 * writer would give, and leaves the scratch dir; a missing file is -1. */
static void adopt_scratch(void **state)
{
    (void)state;
    char *dir = tmp_dir_make();
    char err[256], id1[65], id2[65], path[4300], blob[4300];
    blobs *b = NULL;
    blob_writer *w = NULL;
    assert_int_equal(blobs_open(&b, dir, err, sizeof(err)), 0);
    assert_int_equal(blob_writer_open(b, &w), 0);
    assert_int_equal(blob_writer_write(w, "\xff\xd8 jpeg", 7), 0);
    assert_int_equal(blob_writer_commit(w, id1), 0);
    int fd = blobs_scratch(b, path, sizeof(path));
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\xff\xd8 jpeg", 7), 7);
    close(fd);
    assert_int_equal(blobs_adopt(b, path, id2), 0);
    assert_string_equal(id1, id2);
    struct stat st;
    assert_int_equal(stat(path, &st), -1); /* moved, not copied */
    assert_int_equal(blobs_path(b, id2, blob, sizeof(blob)), 0);
    assert_int_equal(stat(blob, &st), 0);
    assert_int_equal(st.st_size, 7);
    assert_int_equal(blobs_adopt(b, path, id2), -1);
    char tmp[4300];
    snprintf(tmp, sizeof(tmp), "%s/blobs/tmp", dir);
    assert_int_equal(rmdir(tmp), 0); /* empty */
    blobs_close(b);
    tmp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_and_find),
        cmocka_unit_test(adopt_scratch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

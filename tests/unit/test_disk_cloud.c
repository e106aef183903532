/* test_disk_cloud.c - gfcloud's disk writers when the disk is full.
 *
 * A full disk is simulated with RLIMIT_FSIZE (SIGXFSZ ignored, so a write
 * past the limit fails with EFBIG): no root and no mount needed, and the
 * service must treat EFBIG like ENOSPC. Checked: a blob writer that hits it
 * reports a full disk (507 "disk_full") and leaves no temp file; a job file
 * that does not fit gets the "disk_full" code; a store whose commit fails
 * counts the lost writes, rolls back and works again once space returns;
 * scratch files orphaned by a killed process are swept when it restarts. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <dirent.h>

#include "blobs.h"
#include "files.h"
#include "store.h"
#include "test_cloud_tmp.h"

#define FIXTURE                                                                \
    GF_SOURCE_DIR "/tests/fixtures/puls/1234567890-nooptions-xxxxx.puls"

static struct rlimit saved_limit;

/* Files of this process may grow to `bytes` and no further. */
static void disk_limit(rlim_t bytes)
{
    struct rlimit r;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved_limit), 0);
    r = saved_limit;
    r.rlim_cur = bytes;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &r), 0);
}

static void disk_unlimit(void)
{
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved_limit), 0);
}

/* Entries in `dir`, not counting . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static void errno_mapping(void **state)
{
    (void)state;
    const char *code = NULL;
    assert_true(blobs_is_full(ENOSPC));
    assert_true(blobs_is_full(EFBIG));
    assert_true(blobs_is_full(EDQUOT));
    assert_false(blobs_is_full(EIO));
    assert_int_equal(blobs_err_status(ENOSPC, &code), 507);
    assert_string_equal(code, "disk_full");
    assert_int_equal(blobs_err_status(EIO, &code), 500);
    assert_string_equal(code, "internal");
}

static void blob_writer_full(void **state)
{
    (void)state;
    char err[256], tmp[4300], id[BLOB_ID_LEN + 1];
    static unsigned char buf[65536];
    char *dir = tmp_dir_make();
    blobs *b = NULL;
    blob_writer *w = NULL;
    int rc = 0;
    assert_non_null(dir);
    assert_int_equal(blobs_open(&b, dir, err, sizeof(err)), 0);
    snprintf(tmp, sizeof(tmp), "%s/blobs/tmp", dir);
    memset(buf, 'x', sizeof(buf));

    disk_limit(100000);
    assert_int_equal(blob_writer_open(b, &w), 0);
    for (int i = 0; i < 4 && rc == 0; i++)
        rc = blob_writer_write(w, buf, sizeof(buf));
    assert_int_equal(rc, -1);
    assert_int_equal(errno, EFBIG);
    assert_true(blobs_is_full(errno));
    blob_writer_abort(w);
    assert_int_equal(errno, EFBIG); /* abort keeps the reason */
    assert_int_equal(count_entries(tmp), 0);
    disk_unlimit();

    /* Space is back: the same bytes store whole. */
    assert_int_equal(blob_writer_open(b, &w), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(blob_writer_write(w, buf, sizeof(buf)), 0);
    assert_int_equal(blob_writer_commit(w, id), 0);
    assert_int_equal(count_entries(tmp), 0);
    char path[4300];
    struct stat sb;
    assert_int_equal(blobs_path(b, id, path, sizeof(path)), 0);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_size, 4 * 65536);
    blobs_close(b);
    tmp_dir_remove(dir);
}

static void write_all_short(void **state)
{
    (void)state;
    char path[4300];
    static unsigned char buf[8192];
    char *dir = tmp_dir_make();
    snprintf(path, sizeof(path), "%s/f", dir);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    disk_limit(5000); /* the first write is short, the next one fails */
    errno = 0;
    assert_int_equal(blobs_write_all(fd, buf, sizeof(buf)), -1);
    assert_true(blobs_is_full(errno));
    disk_unlimit();
    assert_int_equal(blobs_write_all(fd, buf, sizeof(buf)), 0);
    close(fd);
    tmp_dir_remove(dir);
}

static void job_file_full(void **state)
{
    (void)state;
    char err[256], tmp[4300];
    files_result r;
    blobs *b = NULL;
    char *dir = tmp_dir_make();
    assert_int_equal(blobs_open(&b, dir, err, sizeof(err)), 0);
    snprintf(tmp, sizeof(tmp), "%s/blobs", dir);
    disk_limit(100);
    assert_int_equal(files_prepare(b, 1 << 20, 0, FIXTURE, &r), -1);
    disk_unlimit();
    assert_string_equal(r.code, "disk_full");
    assert_non_null(strstr(r.err, "disk is full"));
    /* Nothing left: only the empty tmp folder under blobs/. */
    assert_int_equal(count_entries(tmp), 1);
    strcat(tmp, "/tmp");
    assert_int_equal(count_entries(tmp), 0);
    /* And with space the same file is accepted. */
    assert_int_equal(files_prepare(b, 1 << 20, 0, FIXTURE, &r), 0);
    assert_int_equal(r.payload, 19894);
    blobs_close(b);
    tmp_dir_remove(dir);
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : 0;
}

static void store_full_recovers(void **state)
{
    (void)state;
    char err[256], db[4300], wal[4400], text[2048];
    store *s = NULL;
    char *dir = tmp_dir_make();
    snprintf(db, sizeof(db), "%s/gfcloud.db", dir);
    snprintf(wal, sizeof(wal), "%s-wal", db);
    assert_int_equal(store_open_sqlite(&s, db, 0, err, sizeof(err)), 0);
    assert_int_equal(store_log_add(s, 42, 1, 1, "INFO", "kept", 1), 0);
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';

    off_t big = file_size(db) > file_size(wal) ? file_size(db) : file_size(wal);
    disk_limit((rlim_t)big + 8192);
    int rc = store_begin(s);
    for (int i = 0; i < 200 && rc == 0; i++)
        rc = store_log_add(s, 42, 2 + i, 2 + i, "INFO", text, 2);
    int crc = store_commit(s);
    disk_unlimit();
    assert_true(rc != 0 || crc != 0);
    assert_true(store_lost_writes(s) > 0);
    assert_true(store_last_full(s));

    /* Space is back: a new transaction works, and what was committed
     * before the failure is still there. */
    uint64_t lost = store_lost_writes(s);
    assert_int_equal(store_begin(s), 0);
    assert_int_equal(store_log_add(s, 42, 999, 999, "INFO", "after", 3), 0);
    assert_int_equal(store_commit(s), 0);
    assert_int_equal(store_lost_writes(s), lost);
    json_t *logs = store_log_list(s, 42, 0, 1000);
    char *dump = json_dumps(logs, JSON_COMPACT);
    assert_non_null(strstr(dump, "\"kept\""));
    assert_non_null(strstr(dump, "\"after\""));
    free(dump);
    json_decref(logs);
    store_close(s);
    tmp_dir_remove(dir);
}

static void stale_scratch_swept(void **state)
{
    (void)state;
    char err[256], old[4300], fresh[4300], tmp[4300];
    blobs *b = NULL;
    char *dir = tmp_dir_make();
    assert_int_equal(blobs_open(&b, dir, err, sizeof(err)), 0);
    int fd = blobs_scratch(b, old, sizeof(old));
    assert_true(fd >= 0);
    close(fd);
    fd = blobs_scratch(b, fresh, sizeof(fresh));
    assert_true(fd >= 0);
    close(fd);
    blobs_close(b);
    /* One left by a process killed two hours ago, one being written now. */
    struct timespec two_hours[2] = {{time(NULL) - 7200, 0},
                                    {time(NULL) - 7200, 0}};
    assert_int_equal(utimensat(AT_FDCWD, old, two_hours, 0), 0);
    assert_int_equal(blobs_open(&b, dir, err, sizeof(err)), 0);
    assert_int_equal(access(old, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);
    snprintf(tmp, sizeof(tmp), "%s/blobs/tmp", dir);
    assert_int_equal(count_entries(tmp), 1);
    blobs_close(b);
    tmp_dir_remove(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(errno_mapping),
        cmocka_unit_test(blob_writer_full),
        cmocka_unit_test(write_all_short),
        cmocka_unit_test(job_file_full),
        cmocka_unit_test(store_full_recovers),
        cmocka_unit_test(stale_scratch_swept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

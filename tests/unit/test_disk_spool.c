/* test_disk_spool.c - gfmachine's spool folder (--work-dir).
 *
 * A missing work folder used to make every job fail with "cannot create a
 * spool file": it is now made, parents and all, and made again if it goes
 * away while the daemon runs. A path that cannot be a folder is a clear
 * error (errno), never a crash. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"

static char *make_tmp(void)
{
    char *d = strdup("/tmp/gfm-spool-XXXXXX");
    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    return d;
}

static int is_dir(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static void missing_folder_is_made(void **state)
{
    (void)state;
    char work[512], path[1024], a[512], b[512];
    char *root = make_tmp();
    snprintf(a, sizeof(a), "%s/a", root);
    snprintf(b, sizeof(b), "%s/a/b", root);
    snprintf(work, sizeof(work), "%s/a/b/c", root);
    /* First use with nothing there: made, and the spool file works. */
    FILE *f = spool_open(work, path, sizeof(path));
    assert_non_null(f);
    assert_true(is_dir(work));
    assert_int_equal(strncmp(path, work, strlen(work)), 0);
    assert_int_equal(fwrite("job", 1, 3, f), 3);
    assert_int_equal(fflush(f), 0);
    fclose(f);
    assert_int_equal(unlink(path), 0);
    /* Removed while running: made again. */
    assert_int_equal(rmdir(work), 0);
    assert_int_equal(rmdir(b), 0);
    f = spool_open(work, path, sizeof(path));
    assert_non_null(f);
    fclose(f);
    unlink(path);
    /* Already there: fine. */
    assert_int_equal(spool_ensure_dir(work), 0);
    assert_int_equal(spool_ensure_dir(work), 0);
    rmdir(work);
    rmdir(b);
    rmdir(a);
    rmdir(root);
    free(root);
}

static void not_a_folder_is_an_error(void **state)
{
    (void)state;
    char file[512], work[600], path[1024];
    char *root = make_tmp();
    snprintf(file, sizeof(file), "%s/plain", root);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(spool_ensure_dir(file), -1);
    assert_int_equal(errno, ENOTDIR);
    snprintf(work, sizeof(work), "%s/plain/sub", root);
    assert_null(spool_open(work, path, sizeof(path)));
    assert_int_equal(spool_ensure_dir(""), -1);
    unlink(file);
    rmdir(root);
    free(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_folder_is_made),
        cmocka_unit_test(not_a_folder_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_cloud_tmp.h - a temporary directory per test, removed afterwards. */
#ifndef TEST_CLOUD_TMP_H
#define TEST_CLOUD_TMP_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tmp_rm_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static inline char *tmp_dir_make(void)
{
    char *d = strdup("/tmp/gfcloud-unit-XXXXXX");
    if (!d || !mkdtemp(d)) {
        free(d);
        return NULL;
    }
    return d;
}

static inline void tmp_dir_remove(char *d)
{
    if (d)
        nftw(d, tmp_rm_one, 16, FTW_DEPTH | FTW_PHYS);
    free(d);
}

#endif

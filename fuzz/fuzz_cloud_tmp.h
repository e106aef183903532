/* fuzz_cloud_tmp.h - a scratch data directory for the gfcloud fuzz targets
 * that need files (server key, SQLite database): made once per process and
 * removed at exit, so a fuzz run leaves nothing behind in /tmp. */
#ifndef FUZZ_CLOUD_TMP_H
#define FUZZ_CLOUD_TMP_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char fuzz_tmp_dir[64];

static int fuzz_tmp_rm(const char *path, const struct stat *st, int flag,
                       struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* Empty the scratch directory (and the directory itself). */
static inline void fuzz_tmp_remove(void)
{
    if (fuzz_tmp_dir[0])
        nftw(fuzz_tmp_dir, fuzz_tmp_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* Make the directory; aborts when /tmp is unusable (nothing to fuzz). */
static inline const char *fuzz_tmp_make(void)
{
    snprintf(fuzz_tmp_dir, sizeof(fuzz_tmp_dir), "/tmp/gfcloud-fuzz-XXXXXX");
    if (!mkdtemp(fuzz_tmp_dir)) {
        perror("mkdtemp");
        abort();
    }
    return fuzz_tmp_dir;
}

#endif

/* spool.c - spool files for downloaded jobs.
 *
 * A job is downloaded whole into the work folder and validated before a
 * byte plays (pulse.c). The folder is made when it is missing, at start-up
 * and again before each job: a folder that does not exist yet (a fresh
 * tmpfs, a path typed in a config file) or was cleaned away meanwhile must
 * not make every job fail. Failing to write there (a full disk) is reported
 * by the caller with errno's sentence. */
#include "spool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int spool_mkdir1(const char *path)
{
    struct stat sb;
    if (mkdir(path, 0700) == 0)
        return 0;
    if (errno != EEXIST)
        return -1;
    if (stat(path, &sb) != 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int spool_ensure_dir(const char *dir)
{
    char path[1024];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof(path)) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(path, dir, n + 1);
    /* Each parent in turn, then the folder itself. */
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int rc = spool_mkdir1(path);
        *p = '/';
        if (rc != 0)
            return -1;
    }
    return spool_mkdir1(path);
}

static FILE *spool_try(const char *dir, char *path, size_t pathlen)
{
    int n = snprintf(path, pathlen, "%s/gfmachine-job-XXXXXX", dir);
    if (n < 0 || (size_t)n >= pathlen) {
        errno = ENAMETOOLONG;
        return NULL;
    }
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "w+b");
    if (!f) {
        int e = errno;
        close(fd);
        unlink(path);
        errno = e;
    }
    return f;
}

FILE *spool_open(const char *dir, char *path, size_t pathlen)
{
    FILE *f = spool_try(dir, path, pathlen);
    if (f || errno != ENOENT)
        return f;
    if (spool_ensure_dir(dir) != 0)
        return NULL;
    return spool_try(dir, path, pathlen);
}

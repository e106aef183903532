/* blobs.c - content-addressed blob store on disk.
 *
 * A blob is named by the BLAKE2b-256 of its bytes and lives at
 * DIR/ab/abcdef... Writers stream to DIR/tmp/, hash as they go, fsync, then
 * rename into place and fsync the directory: after a crash a blob is either
 * complete or absent, never half-written. Identical content is stored once.
 *
 * A full disk is an expected failure, not a bug: every write path keeps the
 * errno of the call that failed (ENOSPC, or EFBIG under a file size limit)
 * so the HTTP side can answer 507 "disk_full", and a failed writer removes
 * its temp file so a refused upload leaves nothing behind. Scratch files
 * orphaned by a process that died mid-upload are swept on open. */
#include "blobs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct blobs {
    char dir[4096];
};

struct blob_writer {
    blobs *b;
    int fd;
    uint64_t size;
    char tmp[4200];
    crypto_generichash_state st;
};

static int mkdir_p1(const char *path)
{
    if (mkdir(path, 0700) == 0 || errno == EEXIST)
        return 0;
    return -1;
}

/* Scratch files older than this are left over from a process that died
 * mid-upload (kill -9, power loss): nothing will ever use them. A live
 * upload's file is written to as its bytes arrive and handed to a worker
 * within seconds, so an hour leaves a wide margin; the CLI opens the blob
 * store while the service runs, so the age is what keeps a live file safe. */
#define STALE_SCRATCH_S 3600

static void sweep_stale(const char *tmpdir)
{
    char path[4500];
    struct stat sb;
    struct dirent *e;
    time_t now = time(NULL);
    DIR *d = opendir(tmpdir);
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "scratch-", 8) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
        if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
            now - sb.st_mtime > STALE_SCRATCH_S)
            unlink(path);
    }
    closedir(d);
}

int blobs_open(blobs **out, const char *dir, char *err, size_t errlen)
{
    *out = NULL;
    blobs *b = calloc(1, sizeof(*b));
    if (!b) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char tmp[4200];
    snprintf(b->dir, sizeof(b->dir), "%s/blobs", dir);
    snprintf(tmp, sizeof(tmp), "%s/tmp", b->dir);
    if (mkdir_p1(b->dir) != 0 || mkdir_p1(tmp) != 0) {
        snprintf(err, errlen, "%s: cannot create: %s", b->dir, strerror(errno));
        free(b);
        return -1;
    }
    sweep_stale(tmp);
    *out = b;
    return 0;
}

int blobs_is_full(int e)
{
    return e == ENOSPC || e == EDQUOT || e == EFBIG;
}

int blobs_err_status(int e, const char **code)
{
    int full = blobs_is_full(e);
    *code = full ? "disk_full" : "internal";
    return full ? 507 : 500;
}

int blobs_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0)
            errno = ENOSPC; /* no progress and no error: treat as full */
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void blobs_close(blobs *b)
{
    free(b);
}

int blobs_path(const blobs *b, const char *id, char *out, size_t outlen)
{
    if (strlen(id) != BLOB_ID_LEN)
        return -1;
    for (size_t i = 0; i < BLOB_ID_LEN; i++) {
        char ch = id[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return -1;
    }
    int n = snprintf(out, outlen, "%s/%.2s/%s", b->dir, id, id);
    return n > 0 && (size_t)n < outlen ? 0 : -1;
}

int blobs_scratch(const blobs *b, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s/tmp/scratch-XXXXXX", b->dir);
    return mkostemp(path, O_CLOEXEC);
}

int blob_writer_open(blobs *b, blob_writer **out)
{
    *out = NULL;
    blob_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    w->b = b;
    w->fd = blobs_scratch(b, w->tmp, sizeof(w->tmp));
    if (w->fd < 0) {
        free(w);
        return -1;
    }
    crypto_generichash_init(&w->st, NULL, 0, 32);
    *out = w;
    return 0;
}

int blob_writer_write(blob_writer *w, const void *buf, size_t len)
{
    crypto_generichash_update(&w->st, buf, len);
    w->size += len;
    return blobs_write_all(w->fd, buf, len);
}

uint64_t blob_writer_size(const blob_writer *w)
{
    return w->size;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* The end of every blob: fsync the data, name it by its hash, rename it
 * into place, fsync the directory. */
static int place(const blobs *b, int fd, const char *tmp,
                 crypto_generichash_state *st, char id[BLOB_ID_LEN + 1])
{
    uint8_t h[32];
    char dir[4200], path[4300];
    crypto_generichash_final(st, h, sizeof(h));
    sodium_bin2hex(id, BLOB_ID_LEN + 1, h, sizeof(h));
    snprintf(dir, sizeof(dir), "%s/%.2s", b->dir, id);
    if (fsync(fd) != 0 || mkdir_p1(dir) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/%s", dir, id);
    if (rename(tmp, path) != 0)
        return -1;
    return fsync_dir(dir) == 0 ? 0 : 1; /* 1: renamed, not yet durable */
}

int blob_writer_commit(blob_writer *w, char id[BLOB_ID_LEN + 1])
{
    int rc = place(w->b, w->fd, w->tmp, &w->st, id);
    int saved = errno; /* the caller wants place()'s errno, not close()'s */
    if (rc >= 0)
        w->tmp[0] = '\0';
    blob_writer_abort(w);
    errno = saved;
    return rc == 0 ? 0 : -1;
}

int blobs_adopt(blobs *b, const char *path, char id[BLOB_ID_LEN + 1])
{
    unsigned char buf[65536];
    crypto_generichash_state st;
    ssize_t n;
    int rc = -1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    crypto_generichash_init(&st, NULL, 0, 32);
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        crypto_generichash_update(&st, buf, (size_t)n);
    if (n == 0)
        rc = place(b, fd, path, &st, id);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

void blob_writer_abort(blob_writer *w)
{
    if (!w)
        return;
    int saved = errno;
    if (w->fd >= 0)
        close(w->fd);
    if (w->tmp[0])
        unlink(w->tmp);
    free(w);
    errno = saved;
}

/* blobs.c - content-addressed blob store on disk.
 *
 * A blob is named by the BLAKE2b-256 of its bytes and lives at
 * DIR/ab/abcdef... Writers stream to DIR/tmp/, hash as they go, fsync, then
 * rename into place and fsync the directory: after a crash a blob is either
 * complete or absent, never half-written. Identical content is stored once. */
#include "blobs.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    *out = b;
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
    const uint8_t *p = buf;
    crypto_generichash_update(&w->st, p, len);
    w->size += len;
    while (len > 0) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
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
    if (rc >= 0)
        w->tmp[0] = '\0';
    blob_writer_abort(w);
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
    close(fd);
    return rc;
}

void blob_writer_abort(blob_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    if (w->tmp[0])
        unlink(w->tmp);
    free(w);
}

/* puls_source.c - blocks of the plain pulse file from any byte source.
 *
 * Pulse files arrive plain or gzip (PROTOCOL.md §15.1) and may inflate to
 * hundreds of MB, so nothing here ever holds the whole job: bytes are read
 * in PULS_BUF_SIZE blocks and inflated block by block with zlib. Memory
 * sources are not copied: a plain memory body is handed out in place.
 *
 * The caps are checked as bytes arrive, not after the fact: a body larger
 * than max_body is refused as soon as it is known (the declared size of a
 * file, or the running count of a stream), and a gzip bomb is stopped as
 * soon as its inflated output passes max_inflated. */
#include "puls_source.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "puls_internal.h"

static int fail(puls_source *src, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record the first failure; later failures keep the first reason. */
static int fail(puls_source *src, int err, const char *fmt, ...)
{
    if (src->err)
        return src->err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(src->errmsg, sizeof src->errmsg, fmt, ap);
    va_end(ap);
    src->err = err;
    return err;
}

/* One read(2) or callback call into buf; EINTR is retried. */
static ssize_t raw_read_once(puls_source *src, uint8_t *buf, size_t cap)
{
    ssize_t n;
    if (src->kind == PULS_SRC_FD) {
        do
            n = read(src->fd, buf, cap);
        while (n < 0 && errno == EINTR);
        return n;
    }
    n = src->fn(src->ctx, buf, cap);
    if (n > (ssize_t)cap) {
        errno = EINVAL; /* a callback that claims more than it was given */
        return -1;
    }
    return n;
}

static int count_body(puls_source *src, size_t n)
{
    src->body_read += n;
    if (src->body_read > src->max_body)
        return fail(src, GF_ETOOBIG, "body is larger than the %llu-byte cap",
                    (unsigned long long)src->max_body);
    return GF_OK;
}

/* Next raw (stored) block: *n == 0 at the end of the body. */
static int raw_next(puls_source *src, const uint8_t **p, size_t *n)
{
    *n = 0;
    if (src->raw_eof)
        return GF_OK;
    if (src->kind == PULS_SRC_MEM) {
        /* At most 1 GiB at a time: zlib counts its input in 32 bits. */
        size_t left = src->mem_len - src->mem_pos;
        *p = src->mem + src->mem_pos;
        *n = left < (1u << 30) ? left : (1u << 30);
        src->mem_pos += *n;
        src->raw_eof = src->mem_pos == src->mem_len;
        return count_body(src, *n);
    }
    ssize_t got = raw_read_once(src, src->in, PULS_BUF_SIZE);
    if (got < 0)
        return fail(src, GF_EIO, "read failed: %s", strerror(errno));
    if (got == 0)
        src->raw_eof = 1;
    *p = src->in;
    *n = (size_t)got;
    return count_body(src, *n);
}

/* Read at least `want` bytes (or to the end) into src->in for sniffing. */
static int raw_fill(puls_source *src, size_t want)
{
    if (src->kind == PULS_SRC_MEM)
        return raw_next(src, &src->raw, &src->raw_len);
    size_t have = 0;
    while (have < want && !src->raw_eof) {
        ssize_t got = raw_read_once(src, src->in + have, PULS_BUF_SIZE - have);
        if (got < 0)
            return fail(src, GF_EIO, "read failed: %s", strerror(errno));
        if (got == 0)
            src->raw_eof = 1;
        have += (size_t)got;
    }
    src->raw = src->in;
    src->raw_len = have;
    return count_body(src, have);
}

/* Bytes that may still be handed out under the inflated-size cap. */
static uint64_t inflate_room(const puls_source *src)
{
    return src->max_inflated - src->plain_out;
}

/* Cut a block at the cap: the bytes before it are handed out, and the
 * failure comes back on the next call. Cutting at the exact byte makes the
 * error independent of how the body was split into reads. */
static void limit_inflated(puls_source *src, size_t *n)
{
    uint64_t room = inflate_room(src);
    if (*n > room) {
        *n = (size_t)room;
        fail(src, GF_ETOOBIG, "inflated data is larger than the %llu-byte cap",
             (unsigned long long)src->max_inflated);
    }
    src->plain_out += *n;
}

static int start_inflate(puls_source *src)
{
    src->out[0] = malloc(PULS_BUF_SIZE);
    src->out[1] = malloc(PULS_BUF_SIZE);
    if (!src->out[0] || !src->out[1])
        return fail(src, GF_ENOMEM, "out of memory");
    memset(&src->zs, 0, sizeof src->zs);
    if (inflateInit2(&src->zs, 16 + MAX_WBITS) != Z_OK)
        return fail(src, GF_ENOMEM, "cannot start zlib inflate");
    src->z_ready = 1;
    src->zs.next_in = (Bytef *)src->raw;
    src->zs.avail_in = (uInt)src->raw_len;
    src->raw_len = 0;
    return GF_OK;
}

int puls_source_start(puls_source *src, const gf_puls_limits *limits)
{
    src->max_body = GF_PULS_DEFAULT_MAX_BODY;
    src->max_inflated = PULS_DEFAULT_MAX_INFLATED;
    if (limits && limits->max_body)
        src->max_body = limits->max_body;
    if (limits && limits->max_inflated)
        src->max_inflated = limits->max_inflated;
    if (src->body_size >= 0 && (uint64_t)src->body_size > src->max_body)
        return fail(
            src, GF_ETOOBIG, "body is %lld bytes, over the %llu-byte cap",
            (long long)src->body_size, (unsigned long long)src->max_body);
    if (src->kind != PULS_SRC_MEM) {
        src->in = malloc(PULS_BUF_SIZE);
        if (!src->in)
            return fail(src, GF_ENOMEM, "out of memory");
    }
    int rc = raw_fill(src, 2);
    if (rc < 0)
        return rc;
    src->gzip = src->raw_len >= 2 && src->raw[0] == 0x1f && src->raw[1] == 0x8b;
    return src->gzip ? start_inflate(src) : GF_OK;
}

/* After Z_STREAM_END: anything left in the body is not part of the job. */
static int check_trailing(puls_source *src)
{
    size_t extra = src->zs.avail_in;
    while (!src->raw_eof) {
        const uint8_t *p;
        size_t n;
        int rc = raw_next(src, &p, &n);
        if (rc < 0)
            return rc;
        extra += n;
        if (extra)
            break;
    }
    if (extra)
        return fail(src, GF_EPULS_GZIP,
                    "data after the end of the gzip stream (only one "
                    "member is allowed)");
    return GF_OK;
}

static int inflate_error(puls_source *src, int zrc)
{
    if (zrc == Z_MEM_ERROR)
        return fail(src, GF_ENOMEM, "out of memory while inflating");
    return fail(src, GF_EPULS_GZIP,
                "gzip stream is corrupt after %llu inflated bytes: %s",
                (unsigned long long)src->zs.total_out,
                src->zs.msg ? src->zs.msg : "bad data");
}

/* Inflate until some output is ready, the stream ends, or it fails. Output
 * made before a fault is still handed out (the fault is recorded and comes
 * back on the next call), so the error a stream gets does not depend on how
 * its bytes were split into reads. */
static int inflate_next(puls_source *src, const uint8_t **p, size_t *n)
{
    z_stream *zs = &src->zs;
    int rc = GF_OK;
    uint8_t *out = src->out[src->out_turn];
    /* never inflate more than one byte past the cap: a bomb stops here */
    uint64_t room = inflate_room(src);
    uInt cap = room < PULS_BUF_SIZE ? (uInt)room + 1 : PULS_BUF_SIZE;
    src->out_turn ^= 1;
    zs->next_out = out;
    zs->avail_out = cap;
    while (rc == GF_OK && zs->avail_out == cap && !src->z_end) {
        if (zs->avail_in == 0 && !src->raw_eof) {
            const uint8_t *raw;
            size_t len;
            if ((rc = raw_next(src, &raw, &len)) < 0)
                break;
            zs->next_in = (Bytef *)raw;
            zs->avail_in = (uInt)len;
        }
        int zrc = inflate(zs, Z_NO_FLUSH);
        if (zrc == Z_STREAM_END)
            src->z_end = 1;
        else if (zrc == Z_BUF_ERROR && zs->avail_in == 0 && src->raw_eof)
            rc = fail(src, GF_EPULS_GZTRUNC,
                      "gzip stream ends early, after %llu inflated bytes",
                      (unsigned long long)zs->total_out);
        else if (zrc != Z_OK && zrc != Z_BUF_ERROR)
            rc = inflate_error(src, zrc);
    }
    if (rc == GF_OK && src->z_end)
        rc = check_trailing(src);
    *p = out;
    *n = cap - zs->avail_out;
    return *n ? GF_OK : rc;
}

int puls_source_next(puls_source *src, const uint8_t **p, size_t *n)
{
    if (src->err)
        return src->err;
    int rc;
    *n = 0;
    if (src->gzip) {
        rc = inflate_next(src, p, n);
    } else if (src->raw_len) {
        *p = src->raw;
        *n = src->raw_len;
        src->raw_len = 0;
        rc = GF_OK;
    } else {
        rc = raw_next(src, p, n);
    }
    if (rc < 0) {
        *n = 0; /* a failed block is never handed out */
        return rc;
    }
    if (*n == 0)
        return 0;
    limit_inflated(src, n);
    return *n ? 1 : src->err;
}

int64_t puls_source_isize(const puls_source *src)
{
    uint8_t t[4];
    if (!src->gzip || src->body_size < 18) /* 10 header + 8 trailer */
        return -1;
    if (src->kind == PULS_SRC_MEM)
        memcpy(t, src->mem + src->mem_len - 4, 4);
    else if (src->kind != PULS_SRC_FD ||
             pread(src->fd, t, 4, (off_t)src->body_size - 4) != 4)
        return -1;
    return (int64_t)((uint32_t)t[0] | (uint32_t)t[1] << 8 |
                     (uint32_t)t[2] << 16 | (uint32_t)t[3] << 24);
}

void puls_source_free(puls_source *src)
{
    if (src->z_ready)
        inflateEnd(&src->zs);
    if (src->own_fd)
        close(src->fd);
    free(src->in);
    free(src->out[0]);
    free(src->out[1]);
}

/* puls_write.c - the pulse-file writer: a header from tags, then payload.
 *
 * The header is written as PROTOCOL.md §15.2 lays it out (lead byte 0x80,
 * "GF1", H = 8 + 8 * tags, then the tag entries); payload bytes are streamed
 * after it. With gzip on, everything goes through one zlib deflate stream
 * with the gzip wrapper (a single member, as the service sends it), so the
 * ISIZE trailer is the whole plain file size, which the reader relies on.
 * The path "-" writes to standard output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "gf/puls.h"

#define OUT_BUF   (64u * 1024)
#define LEAD_BYTE 0x80

struct gf_puls_writer {
    FILE *f;
    char *path; /* NULL for stdout */
    int gzip;
    z_stream zs;
    uint8_t out[OUT_BUF];
};

static int put_raw(gf_puls_writer *w, const void *buf, size_t len)
{
    if (len && fwrite(buf, 1, len, w->f) != len)
        return GF_EIO;
    return GF_OK;
}

/* Feed deflate and write whatever it produces; `flush` is Z_NO_FLUSH or
 * Z_FINISH. */
static int put_gzip(gf_puls_writer *w, const void *buf, size_t len, int flush)
{
    size_t done = 0;
    int zrc;
    do {
        /* zlib counts input in 32 bits: hand it at most 1 GiB at a time */
        size_t piece = len - done < (1u << 30) ? len - done : (1u << 30);
        w->zs.next_in = piece ? (Bytef *)buf + done : Z_NULL;
        w->zs.avail_in = (uInt)piece;
        done += piece;
        int f = done < len ? Z_NO_FLUSH : flush;
        do {
            w->zs.next_out = w->out;
            w->zs.avail_out = OUT_BUF;
            zrc = deflate(&w->zs, f);
            if (zrc == Z_STREAM_ERROR)
                return GF_EIO;
            if (put_raw(w, w->out, OUT_BUF - w->zs.avail_out) != GF_OK)
                return GF_EIO;
        } while (w->zs.avail_out == 0 ||
                 (f == Z_FINISH && zrc != Z_STREAM_END));
    } while (done < len);
    return GF_OK;
}

int gf_puls_writer_write(gf_puls_writer *w, const void *buf, size_t len)
{
    if (!w || (!buf && len))
        return GF_EINVAL;
    return w->gzip ? put_gzip(w, buf, len, Z_NO_FLUSH) : put_raw(w, buf, len);
}

static int write_header(gf_puls_writer *w, const gf_puls_tag *tags,
                        size_t count)
{
    uint8_t entry[8];
    uint32_t h = (uint32_t)(GF_PULS_PREAMBLE + 8 * count);
    uint8_t pre[GF_PULS_PREAMBLE] = {LEAD_BYTE,
                                     'G',
                                     'F',
                                     '1',
                                     (uint8_t)h,
                                     (uint8_t)(h >> 8),
                                     (uint8_t)(h >> 16),
                                     (uint8_t)(h >> 24)};
    int rc = gf_puls_writer_write(w, pre, sizeof pre);
    for (size_t i = 0; rc == GF_OK && i < count; i++) {
        uint32_t v = tags[i].value;
        memcpy(entry, tags[i].name, 4);
        entry[4] = (uint8_t)v, entry[5] = (uint8_t)(v >> 8);
        entry[6] = (uint8_t)(v >> 16), entry[7] = (uint8_t)(v >> 24);
        rc = gf_puls_writer_write(w, entry, sizeof entry);
    }
    return rc;
}

static void writer_free(gf_puls_writer *w)
{
    if (w->gzip)
        deflateEnd(&w->zs);
    if (w->f && w->f != stdout)
        fclose(w->f);
    free(w->path);
    free(w);
}

static int writer_start(gf_puls_writer *w, const char *path, int gzip)
{
    if (strcmp(path, "-") == 0) {
        w->f = stdout;
    } else {
        w->path = strdup(path);
        if (!w->path)
            return GF_ENOMEM;
        w->f = fopen(path, "wb");
        if (!w->f)
            return GF_EIO;
    }
    if (gzip) {
        if (deflateInit2(&w->zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                         16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return GF_ENOMEM;
        w->gzip = 1;
    }
    return GF_OK;
}

int gf_puls_writer_open(gf_puls_writer **out, const char *path,
                        const gf_puls_tag *tags, size_t count, int gzip)
{
    if (!out || !path || (!tags && count) ||
        count > (UINT32_MAX - GF_PULS_PREAMBLE) / 8)
        return GF_EINVAL;
    *out = NULL;
    gf_puls_writer *w = calloc(1, sizeof *w);
    if (!w)
        return GF_ENOMEM;
    int rc = writer_start(w, path, gzip);
    if (rc == GF_OK)
        rc = write_header(w, tags, count);
    if (rc != GF_OK) {
        gf_puls_writer_abort(w);
        return rc;
    }
    *out = w;
    return GF_OK;
}

int gf_puls_writer_close(gf_puls_writer *w)
{
    if (!w)
        return GF_EINVAL;
    int rc = w->gzip ? put_gzip(w, NULL, 0, Z_FINISH) : GF_OK;
    if (fflush(w->f) != 0 || ferror(w->f))
        rc = GF_EIO;
    if (w->f != stdout && fclose(w->f) != 0)
        rc = GF_EIO;
    w->f = NULL;
    if (rc != GF_OK && w->path)
        unlink(w->path);
    writer_free(w);
    return rc;
}

void gf_puls_writer_abort(gf_puls_writer *w)
{
    if (!w)
        return;
    if (w->f && w->f != stdout) {
        fclose(w->f);
        w->f = NULL;
    }
    if (w->path)
        unlink(w->path);
    writer_free(w);
}

/* files.c - turning an uploaded pulse file into a job file.
 *
 * A job file is validated completely with libgf before it is accepted: the
 * header checks of PROTOCOL.md §15.6 and a full read of the stream (so a
 * corrupt or truncated gzip, or a laser bit before any power byte, is
 * refused here rather than on the machine). It is then kept gzip-compressed
 * as a content-addressed blob, whose hash is the file id: the form §15.1
 * says to serve. The work is split so the heavy part (files_prepare: read,
 * inflate, deflate, fsync) can run off the event loop. A store that fails
 * because the disk is full says so (code "disk_full", HTTP 507) instead of
 * "internal": the operator frees space and the same upload then works. */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "gf/puls.h"

/* Copy `fd` into `w`, gzip-compressing unless it is gzip already. */
static int copy_to_blob(int fd, int gzip, blob_writer *w)
{
    unsigned char in[65536], out[65536];
    z_stream z;
    ssize_t n;
    int rc = -1, flush = Z_NO_FLUSH;
    if (gzip) {
        while ((n = read(fd, in, sizeof(in))) > 0) {
            if (blob_writer_write(w, in, (size_t)n) != 0)
                return -1;
        }
        return n == 0 ? 0 : -1;
    }
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    do {
        n = read(fd, in, sizeof(in));
        if (n < 0)
            goto out;
        flush = n == 0 ? Z_FINISH : Z_NO_FLUSH;
        z.next_in = in;
        z.avail_in = (uInt)n;
        do {
            z.next_out = out;
            z.avail_out = sizeof(out);
            if (deflate(&z, flush) == Z_STREAM_ERROR)
                goto out;
            if (blob_writer_write(w, out, sizeof(out) - z.avail_out) != 0)
                goto out;
        } while (z.avail_out == 0);
    } while (flush != Z_FINISH);
    rc = 0;
out:
    deflateEnd(&z);
    return rc;
}

static int validate(long max_body, long max_inflated, const char *path,
                    files_result *res, int *gzip)
{
    gf_puls_reader *rd = NULL;
    gf_puls_limits lim = {(uint64_t)max_body, (uint64_t)max_inflated};
    gf_puls_stats *st = NULL;
    int rc = gf_puls_open_file(&rd, path, &lim, res->err, sizeof(res->err));
    if (rc != GF_OK)
        return rc;
    /* A job locked to a machine is fine here; the API only sends it to
     * that machine (and the machine checks MCsn itself). */
    if (gf_puls_tag_get(rd, "MCsn", &res->mcsn) != GF_OK)
        res->mcsn = 0;
    rc = gf_puls_validate_header(rd, res->mcsn, res->err, sizeof(res->err));
    if (rc != GF_OK)
        goto out;
    st = malloc(sizeof(*st));
    if (!st) {
        rc = GF_ENOMEM;
        goto out;
    }
    gf_puls_stats_init(st);
    rc = gf_puls_stats_read(rd, st);
    if (rc != GF_OK) {
        snprintf(res->err, sizeof(res->err), "%s", gf_strerror(rc));
        goto out;
    }
    gf_puls_tag_get(rd, "STfr", &res->stfr);
    res->payload = (int64_t)st->payload_bytes;
    res->net_x = st->x;
    res->net_y = st->y;
    res->min_x = st->x_min;
    res->max_x = st->x_max;
    res->min_y = st->y_min;
    res->max_y = st->y_max;
    res->laser_ticks = st->laser_on;
    *gzip = gf_puls_is_gzip(rd);
out:
    free(st);
    gf_puls_close(rd);
    return rc;
}

/* A failed store: `e` is the errno of the call that failed. */
static int fail_errno(files_result *res, const char *msg, int e)
{
    if (blobs_is_full(e)) {
        snprintf(res->err, sizeof(res->err), "%s: the disk is full (%s)", msg,
                 strerror(e));
        res->code = "disk_full";
        return -1;
    }
    snprintf(res->err, sizeof(res->err), "%s", msg);
    res->code = "internal";
    return -1;
}

static int fail(files_result *res, const char *msg)
{
    return fail_errno(res, msg, errno);
}

/* A job that is too big although what was sent is within max_body
 * inflates past max_inflated (a few MB of gzip can hold GBs of ticks): it
 * gets its own code, so the operator knows which cap it hit. */
static const char *err_code(int rc, long max_body, const char *path)
{
    struct stat sb;
    if (rc == GF_ETOOBIG && stat(path, &sb) == 0 && sb.st_size <= max_body)
        return "inflated_too_large";
    return gf_errname(rc);
}

int files_prepare(blobs *b, long max_body, long max_inflated, const char *path,
                  files_result *res)
{
    int gzip = 0;
    blob_writer *w = NULL;
    res->err[0] = '\0';
    int rc = validate(max_body, max_inflated, path, res, &gzip);
    if (rc != GF_OK) {
        res->code = err_code(rc, max_body, path);
        if (!res->err[0])
            snprintf(res->err, sizeof(res->err), "%s", gf_strerror(rc));
        return -1;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(res, "cannot read the file");
    if (blob_writer_open(b, &w) != 0) {
        close(fd);
        return fail(res, "cannot store the file");
    }
    rc = copy_to_blob(fd, gzip, w);
    int e = errno;
    close(fd);
    res->size = blob_writer_size(w);
    if (rc != 0) {
        blob_writer_abort(w);
        return fail_errno(res, "cannot store the file", e);
    }
    if (blob_writer_commit(w, res->id) != 0)
        return fail(res, "cannot store the file");
    return 0;
}

/* Copy `rd`'s payload to a new pulse file at `path` whose header is `rd`'s
 * with MCsn = serial. Returns the payload length or a negative gf_err. */
static int64_t write_locked(gf_puls_reader *rd, const char *path,
                            uint32_t serial)
{
    size_t n = 0;
    const gf_puls_tag *tags = gf_puls_tags(rd, &n);
    gf_puls_tag *copy = malloc((n ? n : 1) * sizeof(*copy));
    gf_puls_writer *w = NULL;
    const uint8_t *chunk = NULL;
    int64_t total = 0;
    ssize_t got;
    if (!copy)
        return GF_ENOMEM;
    memcpy(copy, tags, n * sizeof(*copy));
    for (size_t i = 0; i < n; i++) {
        if (strcmp(copy[i].name, "MCsn") == 0)
            copy[i].value = serial;
    }
    int rc = gf_puls_writer_open(&w, path, copy, n, gf_puls_is_gzip(rd));
    free(copy);
    if (rc != GF_OK)
        return rc;
    while ((got = gf_puls_read(rd, &chunk)) > 0) {
        rc = gf_puls_writer_write(w, chunk, (size_t)got);
        if (rc != GF_OK)
            break;
        total += got;
    }
    if (got < 0 || rc != GF_OK) {
        gf_puls_writer_abort(w);
        return got < 0 ? (int64_t)got : rc;
    }
    rc = gf_puls_writer_close(w);
    return rc == GF_OK ? total : rc;
}

int files_lock_copy(blobs *b, const char *src_path, uint32_t serial,
                    long max_inflated, files_result *res)
{
    char path[4300];
    gf_puls_reader *rd = NULL;
    /* A stored blob passed validation; the inflated cap is applied again in
     * case it was lowered since, as it bounds this worker's time. */
    gf_puls_limits lim = {0, (uint64_t)max_inflated};
    memset(res, 0, sizeof(*res));
    int fd = blobs_scratch(b, path, sizeof(path));
    if (fd < 0)
        return fail(res, "cannot create a scratch file");
    close(fd);
    int rc = gf_puls_open_file(&rd, src_path, &lim, res->err, sizeof(res->err));
    int64_t payload = rc == GF_OK ? write_locked(rd, path, serial) : rc;
    int e = errno; /* a full disk shows here, in write_locked's errno */
    if (rd)
        gf_puls_tag_get(rd, "STfr", &res->stfr);
    gf_puls_close(rd);
    struct stat sb;
    int moved = -1;
    if (payload >= 0 && stat(path, &sb) == 0) {
        res->size = (uint64_t)sb.st_size;
        moved = blobs_adopt(b, path, res->id);
        e = errno;
    }
    if (payload == GF_ETOOBIG) {
        unlink(path);
        snprintf(res->err, sizeof(res->err),
                 "the job inflates past max-inflated");
        res->code = "inflated_too_large";
        return -1;
    }
    if (moved != 0) {
        if (moved < 0)
            unlink(path);
        return fail_errno(res, "cannot write the locked copy", e);
    }
    res->payload = payload;
    res->mcsn = serial;
    return 0;
}

json_t *files_record(cloud *c, const files_result *res)
{
    store_file f = {(int64_t)res->size, res->payload, res->stfr,  res->mcsn,
                    res->net_x,         res->net_y,   res->min_x, res->max_x,
                    res->min_y,         res->max_y};
    if (store_file_add(c->store, res->id, &f, cloud_now()) != 0)
        return NULL;
    return json_pack("{s:s, s:I, s:I, s:i, s:f, s:I}", "id", res->id, "size",
                     (json_int_t)res->size, "payload_length",
                     (json_int_t)res->payload, "stfr", (int)res->stfr,
                     "runtime_s",
                     res->stfr ? (double)res->payload / res->stfr : 0.0,
                     "locked_to", (json_int_t)res->mcsn);
}

int files_ingest(cloud *c, const char *path, files_result *res)
{
    if (files_prepare(c->blobs, c->cfg.max_file_body, c->cfg.max_inflated, path,
                      res) != 0)
        return -1;
    json_t *info = files_record(c, res);
    if (!info)
        return fail_errno(res, "database error", 0);
    json_decref(info);
    return 0;
}

/* puls_read.c - the streaming pulse-file reader: header parse and payload.
 *
 * Opening a reader parses the header (PROTOCOL.md §15.2): lead byte, the
 * "GF1" magic, the little-endian u32 header length H that counts the 8-byte
 * preamble, then (H-8)/8 tag entries. Each way a header can be wrong has its
 * own error code and a message naming the numbers involved, so that a
 * refused job says why. The payload is then handed out in the blocks the
 * source produces (puls_source.c); the reader never holds the whole job. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gf/puls.h"
#include "puls_internal.h"
#include "puls_source.h"

struct gf_puls_reader {
    puls_source src;
    const uint8_t *blk; /* plain bytes read but not yet handed out */
    size_t blk_len;
    uint8_t lead;
    uint32_t hlen;
    gf_puls_tag *tags;
    size_t ntags;
    int64_t payload_len;
};

void puls_msg(char *msg, size_t msglen, const char *fmt, ...)
{
    if (!msg || !msglen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msglen, fmt, ap);
    va_end(ap);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Copy up to n plain bytes; *got says how many there were. */
static int pull(gf_puls_reader *r, uint8_t *dst, size_t n, size_t *got)
{
    *got = 0;
    while (*got < n) {
        if (r->blk_len == 0) {
            int rc = puls_source_next(&r->src, &r->blk, &r->blk_len);
            if (rc <= 0)
                return rc;
        }
        size_t c = n - *got < r->blk_len ? n - *got : r->blk_len;
        memcpy(dst + *got, r->blk, c);
        *got += c;
        r->blk += c;
        r->blk_len -= c;
    }
    return GF_OK;
}

static int refuse(int err, char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fill the caller's message and return `err`. */
static int refuse(int err, char *msg, size_t msglen, const char *fmt, ...)
{
    if (msg && msglen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
    return err;
}

static int parse_preamble(gf_puls_reader *r, char *msg, size_t msglen)
{
    uint8_t pre[GF_PULS_PREAMBLE];
    size_t got;
    int rc = pull(r, pre, sizeof pre, &got);
    if (rc < 0)
        return refuse(rc, msg, msglen, "%s", r->src.errmsg);
    if (got == 0)
        return refuse(GF_EPULS_EMPTY, msg, msglen,
                      r->src.gzip ? "the gzip stream inflates to nothing"
                                  : "the file is empty");
    if (got < sizeof pre)
        return refuse(GF_EPULS_TRUNC, msg, msglen,
                      "file ends after %zu bytes, inside the 8-byte preamble",
                      got);
    if (memcmp(pre + 1, "GF1", 3) != 0)
        return refuse(GF_EPULS_MAGIC, msg, msglen,
                      "bytes 1..3 are %02x %02x %02x, not \"GF1\": not a "
                      "pulse file",
                      pre[1], pre[2], pre[3]);
    r->lead = pre[0];
    r->hlen = le32(pre + 4);
    if (r->hlen < GF_PULS_PREAMBLE)
        return refuse(GF_EPULS_HLEN, msg, msglen,
                      "header length %u is smaller than the 8-byte preamble",
                      r->hlen);
    if (r->hlen > PULS_MAX_HEADER)
        return refuse(GF_EPULS_HLEN, msg, msglen,
                      "header length %u is larger than the %u-byte limit",
                      r->hlen, PULS_MAX_HEADER);
    return GF_OK;
}

static int header_past(const gf_puls_reader *r, uint64_t size, char *msg,
                       size_t msglen)
{
    return refuse(GF_EPULS_HPAST, msg, msglen,
                  "header length %u runs past the end of the file (%llu "
                  "bytes)",
                  r->hlen, (unsigned long long)size);
}

static int parse_tags(gf_puls_reader *r, char *msg, size_t msglen)
{
    size_t len = r->hlen - GF_PULS_PREAMBLE, got;
    if (!r->src.gzip && r->src.body_size >= 0 &&
        (uint64_t)r->src.body_size < r->hlen)
        return header_past(r, (uint64_t)r->src.body_size, msg, msglen);
    uint8_t *raw = malloc(len ? len : 1);
    r->ntags = len / 8; /* a trailing partial entry is ignored (§15.2) */
    r->tags = calloc(r->ntags ? r->ntags : 1, sizeof *r->tags);
    int rc = raw && r->tags ? pull(r, raw, len, &got) : GF_ENOMEM;
    if (rc == GF_ENOMEM)
        rc = refuse(rc, msg, msglen, "out of memory");
    else if (rc < 0)
        rc = refuse(rc, msg, msglen, "%s", r->src.errmsg);
    else if (got < len)
        rc = header_past(r, GF_PULS_PREAMBLE + got, msg, msglen);
    for (size_t i = 0; rc == GF_OK && i < r->ntags; i++) {
        memcpy(r->tags[i].name, raw + 8 * i, 4);
        r->tags[i].name[4] = '\0';
        r->tags[i].value = le32(raw + 8 * i + 4);
    }
    free(raw);
    return rc;
}

static void find_payload_length(gf_puls_reader *r)
{
    int64_t whole = r->src.gzip ? puls_source_isize(&r->src) : r->src.body_size;
    r->payload_len = whole >= (int64_t)r->hlen ? whole - r->hlen : -1;
}

/* Common tail of every open: start the source, parse, hand out or free. */
static int open_common(gf_puls_reader *r, gf_puls_reader **out,
                       const gf_puls_limits *limits, char *msg, size_t msglen)
{
    int rc = puls_source_start(&r->src, limits);
    if (rc < 0)
        rc = refuse(rc, msg, msglen, "%s", r->src.errmsg);
    if (rc == GF_OK)
        rc = parse_preamble(r, msg, msglen);
    if (rc == GF_OK)
        rc = parse_tags(r, msg, msglen);
    if (rc < 0) {
        gf_puls_close(r);
        return rc;
    }
    find_payload_length(r);
    puls_msg(msg, msglen, "ok");
    *out = r;
    return GF_OK;
}

static gf_puls_reader *new_reader(gf_puls_reader **out, char *msg,
                                  size_t msglen)
{
    *out = NULL;
    gf_puls_reader *r = calloc(1, sizeof *r);
    if (!r)
        puls_msg(msg, msglen, "out of memory");
    else
        r->src.body_size = -1;
    return r;
}

int gf_puls_open_file(gf_puls_reader **out, const char *path,
                      const gf_puls_limits *limits, char *msg, size_t msglen)
{
    if (!out || !path)
        return GF_EINVAL;
    gf_puls_reader *r = new_reader(out, msg, msglen);
    if (!r)
        return GF_ENOMEM;
    r->src.kind = PULS_SRC_FD;
    if (strcmp(path, "-") == 0) {
        r->src.fd = STDIN_FILENO;
    } else {
        r->src.fd = open(path, O_RDONLY | O_CLOEXEC);
        r->src.own_fd = r->src.fd >= 0;
    }
    struct stat st;
    if (r->src.fd < 0 || fstat(r->src.fd, &st) != 0) {
        puls_msg(msg, msglen, "cannot open %s: %s", path, strerror(errno));
        gf_puls_close(r);
        return GF_EIO;
    }
    if (S_ISREG(st.st_mode))
        r->src.body_size = st.st_size;
    return open_common(r, out, limits, msg, msglen);
}

int gf_puls_open_mem(gf_puls_reader **out, const void *buf, size_t len,
                     const gf_puls_limits *limits, char *msg, size_t msglen)
{
    if (!out || (!buf && len))
        return GF_EINVAL;
    gf_puls_reader *r = new_reader(out, msg, msglen);
    if (!r)
        return GF_ENOMEM;
    static const uint8_t nothing[1];
    r->src.kind = PULS_SRC_MEM;
    r->src.mem = buf ? buf : nothing;
    r->src.mem_len = len;
    r->src.body_size = (int64_t)len;
    return open_common(r, out, limits, msg, msglen);
}

int gf_puls_open_fn(gf_puls_reader **out, gf_puls_read_fn fn, void *ctx,
                    const gf_puls_limits *limits, char *msg, size_t msglen)
{
    if (!out || !fn)
        return GF_EINVAL;
    gf_puls_reader *r = new_reader(out, msg, msglen);
    if (!r)
        return GF_ENOMEM;
    r->src.kind = PULS_SRC_FN;
    r->src.fn = fn;
    r->src.ctx = ctx;
    return open_common(r, out, limits, msg, msglen);
}

void gf_puls_close(gf_puls_reader *r)
{
    if (!r)
        return;
    puls_source_free(&r->src);
    free(r->tags);
    free(r);
}

uint8_t gf_puls_lead_byte(const gf_puls_reader *r)
{
    return r->lead;
}

uint32_t gf_puls_header_length(const gf_puls_reader *r)
{
    return r->hlen;
}

int gf_puls_is_gzip(const gf_puls_reader *r)
{
    return r->src.gzip;
}

const gf_puls_tag *gf_puls_tags(const gf_puls_reader *r, size_t *count)
{
    if (count)
        *count = r->ntags;
    return r->tags;
}

int gf_puls_tag_get(const gf_puls_reader *r, const char *name, uint32_t *value)
{
    if (!name || strlen(name) != 4)
        return GF_EINVAL;
    for (size_t i = r->ntags; i-- > 0;) /* the last occurrence wins */
        if (memcmp(r->tags[i].name, name, 4) == 0) {
            if (value)
                *value = r->tags[i].value;
            return GF_OK;
        }
    return GF_ENOTFOUND;
}

int64_t gf_puls_payload_length(const gf_puls_reader *r)
{
    return r->payload_len;
}

int64_t gf_puls_body_size(const gf_puls_reader *r)
{
    return r->src.body_size;
}

ssize_t gf_puls_read(gf_puls_reader *r, const uint8_t **chunk)
{
    if (r->blk_len == 0) { /* a failed source keeps returning its error */
        int rc = puls_source_next(&r->src, &r->blk, &r->blk_len);
        if (rc <= 0)
            return rc;
    }
    *chunk = r->blk;
    size_t n = r->blk_len;
    r->blk_len = 0;
    return (ssize_t)n;
}

const char *gf_puls_error(const gf_puls_reader *r)
{
    return r->src.err ? r->src.errmsg : "";
}

uint64_t gf_puls_bytes_read(const gf_puls_reader *r)
{
    return r->src.body_read;
}

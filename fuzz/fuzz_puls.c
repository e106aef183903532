/* fuzz_puls.c - libFuzzer target for the pulse-file reader (PROTOCOL.md
 * §15): a machine reads pulse files that arrive over the network, so no
 * byte string may crash, hang or leak the reader, the header checks or the
 * statistics.
 *
 * Beyond "does not crash", each input checks invariants:
 *  - a refused open always says why, and leaves no reader behind;
 *  - reading through a callback in small pieces gives the same result and
 *    the same statistics as reading from memory;
 *  - the block-wise statistics (large feeds) equal the byte-by-byte path
 *    (small feeds) on the same payload;
 *  - a plain body's payload length is what the statistics counted.
 * The inflated size is capped at 2 MiB so that gzip bombs stay fast. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gf/puls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct piece_src {
    const uint8_t *buf;
    size_t len, pos;
} piece_src;

static ssize_t piece_read(void *ctx, void *out, size_t cap)
{
    piece_src *s = ctx;
    /* tiny pieces over the header and the first blocks, then big ones */
    size_t want = s->pos < 4096 ? 7 : 65536;
    size_t n = s->len - s->pos < want ? s->len - s->pos : want;
    n = n < cap ? n : cap;
    memcpy(out, s->buf + s->pos, n);
    s->pos += n;
    return (ssize_t)n;
}

static const gf_puls_limits limits = {.max_inflated = 2u << 20};

/* Open (memory or callback), check the header, read everything. */
static int read_all(const uint8_t *data, size_t size, int pieces,
                    gf_puls_stats *s, int64_t *payload_len)
{
    gf_puls_reader *r = NULL;
    piece_src src = {data, size, 0};
    char msg[256] = "";
    int rc =
        pieces ? gf_puls_open_fn(&r, piece_read, &src, &limits, msg, sizeof msg)
               : gf_puls_open_mem(&r, data, size, &limits, msg, sizeof msg);
    if (rc != GF_OK) {
        if (r || !msg[0] || rc >= 0)
            abort();
        return rc;
    }
    *payload_len = gf_puls_payload_length(r);
    gf_puls_validate_header(r, 1234, msg, sizeof msg);
    rc = gf_puls_stats_read(r, s);
    if (rc != GF_OK && !gf_puls_error(r)[0] && rc != GF_EIO)
        abort();
    if (rc == GF_OK)
        gf_puls_check_power(s, msg, sizeof msg);
    gf_puls_close(r);
    return rc;
}

/* Bytes fed small (reference path) must count like one big feed (the
 * block paths start at 4 KiB; 6 KiB covers them and keeps runs fast). */
static void check_paths(const uint8_t *data, size_t size)
{
    size = size < 6144 ? size : 6144;
    gf_puls_stats *big = malloc(sizeof *big), *small = malloc(sizeof *small);
    gf_puls_stats_init(big);
    gf_puls_stats_init(small);
    gf_puls_stats_feed(big, data, size);
    for (size_t i = 0; i < size; i += 61)
        gf_puls_stats_feed(small, data + i, size - i < 61 ? size - i : 61);
    if (memcmp(big, small, sizeof *big) != 0)
        abort();
    free(big);
    free(small);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    gf_puls_stats *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    int64_t len_a = -1, len_b = -1;
    int rc_a = read_all(data, size, 0, a, &len_a);
    int rc_b = read_all(data, size, 1, b, &len_b);
    if (rc_a != rc_b)
        abort();
    if (rc_a == GF_OK && memcmp(a, b, sizeof *a) != 0)
        abort();
    if (rc_a == GF_OK && len_a >= 0 && !(size >= 2 && data[0] == 0x1f) &&
        (uint64_t)len_a != a->payload_bytes)
        abort();
    check_paths(data, size);
    free(a);
    free(b);
    return 0;
}

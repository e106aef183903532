/* puls_source.h - the byte layer under the pulse reader (puls_source.c).
 *
 * A source turns a file descriptor, a memory buffer or a read callback into
 * blocks of the *plain* pulse file: it sniffs the gzip magic (1F 8B) on the
 * first bytes and, when present, inflates as a stream. It enforces the two
 * size caps (bytes received, bytes inflated) and keeps the reason for the
 * first failure so that every later call reports the same error. */
#ifndef GF_PULS_SOURCE_H
#define GF_PULS_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <zlib.h>

#include "gf/puls.h"

#define PULS_BUF_SIZE (256u * 1024)

enum puls_src_kind { PULS_SRC_FD, PULS_SRC_MEM, PULS_SRC_FN };

typedef struct puls_source {
    enum puls_src_kind kind;
    int fd, own_fd;
    const uint8_t *mem;
    size_t mem_len, mem_pos;
    gf_puls_read_fn fn;
    void *ctx;

    int64_t body_size; /* bytes of the stored body, -1 if unknown */
    uint64_t body_read;
    uint64_t plain_out; /* plain-file bytes handed out, header included */
    uint64_t max_body, max_inflated;
    int raw_eof;

    int gzip, z_ready, z_end;
    z_stream zs;
    uint8_t *in;     /* PULS_BUF_SIZE of stored bytes */
    uint8_t *out[2]; /* inflated blocks, used in turn (see below) */
    int out_turn;
    const uint8_t *raw; /* raw bytes read while sniffing, not yet used */
    size_t raw_len;

    int err;
    char errmsg[192];
} puls_source;

/* Set up (after the kind-specific fields are filled) and sniff for gzip.
 * Returns GF_OK or a negative gf_err with src->errmsg set. */
int puls_source_start(puls_source *src, const gf_puls_limits *limits);
/* Next block of the plain file: 1 with *p and *n set, 0 at a proper end, or a
 * negative gf_err (sticky). */
int puls_source_next(puls_source *src, const uint8_t **p, size_t *n);
/* Inflated blocks alternate between two buffers, so a block stays intact
 * until the call after next: the statistics pipeline (puls_pipe.c) counts
 * one block while the next one is inflated. */
/* The gzip ISIZE trailer when the body is seekable, else -1. */
int64_t puls_source_isize(const puls_source *src);
void puls_source_free(puls_source *src);

#endif

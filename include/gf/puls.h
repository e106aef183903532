/* gf/puls.h - the pulse-file (.puls) codec.
 *
 * A pulse file is what a Glowforge plays: a small tagged header and then one
 * byte per timer tick driving the X/Y/Z stepper lines and the laser
 * (PROTOCOL.md §15). Files arrive plain or gzip-compressed and can be hundreds
 * of MB once inflated, so the reader streams: it parses the header up front
 * and then hands out payload bytes in chunks, never the whole job at once.
 *
 * Every call returns GF_OK or a negative gf_err (gf/error.h). */
#ifndef GF_PULS_H
#define GF_PULS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "gf/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Geometry (PROTOCOL.md §15.5). */
#define GF_PULS_MM_PER_STEP_XY   0.01875 /* 0.15 mm full step at x8 */
#define GF_PULS_MM_PER_STEP_Z    0.35306 /* reference decoder's estimate */
#define GF_PULS_PREAMBLE         8 /* lead byte, "GF1", u32 header length */
#define GF_PULS_DEFAULT_MAX_BODY (128u * 1024 * 1024) /* §15.6 check 7 */

/* Payload bit layout (§15.4). */
#define GF_PULS_X_STEP 0x01
#define GF_PULS_X_NEG  0x02 /* X direction: set = X- */
#define GF_PULS_Y_STEP 0x04
#define GF_PULS_Y_POS  0x08 /* Y direction: set = Y+ */
#define GF_PULS_LASER  0x10
#define GF_PULS_Z_STEP 0x20
#define GF_PULS_Z_POS  0x40 /* Z direction: set = Z+ (lens up) */
#define GF_PULS_POWER  0x80 /* power byte; low 7 bits are the duty */

/* One header entry: four ASCII characters and a raw little-endian u32. */
typedef struct gf_puls_tag {
    char name[5]; /* NUL-terminated */
    uint32_t value;
} gf_puls_tag;

/* Limits applied while reading. Zero fields take the defaults. */
typedef struct gf_puls_limits {
    uint64_t max_body;     /* bytes read from the source (compressed size);
                              default GF_PULS_DEFAULT_MAX_BODY */
    uint64_t max_inflated; /* bytes after inflating (gzip bomb cap);
                              default 4 GiB */
} gf_puls_limits;

/* A byte source: returns bytes read, 0 at end, or -1 on error (errno set). */
typedef ssize_t (*gf_puls_read_fn)(void *ctx, void *buf, size_t len);

typedef struct gf_puls_reader gf_puls_reader;

/* Open a reader and parse the header. On failure *out is NULL and `msg`
 * (may be NULL) says what was wrong, e.g. "header length 4 is smaller than
 * the 8-byte preamble". */
int gf_puls_open_file(gf_puls_reader **out, const char *path,
                      const gf_puls_limits *limits, char *msg, size_t msglen);
int gf_puls_open_mem(gf_puls_reader **out, const void *buf, size_t len,
                     const gf_puls_limits *limits, char *msg, size_t msglen);
int gf_puls_open_fn(gf_puls_reader **out, gf_puls_read_fn fn, void *ctx,
                    const gf_puls_limits *limits, char *msg, size_t msglen);
void gf_puls_close(gf_puls_reader *r);

/* Header facts. */
uint8_t gf_puls_lead_byte(const gf_puls_reader *r);
uint32_t gf_puls_header_length(const gf_puls_reader *r);
int gf_puls_is_gzip(const gf_puls_reader *r);
const gf_puls_tag *gf_puls_tags(const gf_puls_reader *r, size_t *count);
/* Last occurrence wins. GF_ENOTFOUND if absent. */
int gf_puls_tag_get(const gf_puls_reader *r, const char *name, uint32_t *value);
/* Payload length in bytes from the plain size or the gzip ISIZE trailer;
 * -1 when it cannot be known without reading (a pipe, or ISIZE < H). */
int64_t gf_puls_payload_length(const gf_puls_reader *r);
/* Size of the body as stored (compressed size for gzip); -1 if unknown. */
int64_t gf_puls_body_size(const gf_puls_reader *r);

/* Next chunk of payload. *chunk points into the reader's buffer and stays
 * valid until the next call. Returns the chunk length, 0 at a proper end,
 * or a negative gf_err (corrupt or truncated gzip, size cap, read error). */
ssize_t gf_puls_read(gf_puls_reader *r, const uint8_t **chunk);
/* Why the last gf_puls_read failed, in one line ("" if it has not), e.g.
 * "gzip stream ends early, after 4096 inflated bytes". */
const char *gf_puls_error(const gf_puls_reader *r);
/* Bytes taken from the source so far (compressed bytes for gzip). */
uint64_t gf_puls_bytes_read(const gf_puls_reader *r);

/* Header checks before anything plays (§15.6): STfr present and within
 * 1000..200000, PDfm present and 0, MCsn present and 0 or equal to
 * `serial`, XSmm/YSmm 8 when present. Fills `msg` with the reason. */
int gf_puls_validate_header(const gf_puls_reader *r, uint64_t serial, char *msg,
                            size_t msglen);

/* Step statistics, fed chunk by chunk. */
typedef struct gf_puls_stats {
    uint64_t payload_bytes;
    uint64_t x_plus, x_minus, y_plus, y_minus, z_plus, z_minus;
    int64_t x, y, z; /* net position in steps, start = 0 */
    int64_t x_min, x_max, y_min, y_max, z_min, z_max;
    uint64_t laser_on; /* ticks with the laser bit (bit 7 clear) */
    uint64_t power_bytes;
    uint64_t power_pairs; /* power bytes directly after a power byte */
    uint64_t zero_bytes;
    uint64_t power_used[128]; /* count of power bytes per duty value */
    uint64_t byte_count[256]; /* histogram of byte values */
    int64_t first_step;       /* payload offset of first step byte, -1 none */
    int64_t last_step;
    int64_t first_laser; /* offset of first laser-on byte, -1 none */
    int64_t first_power; /* offset of first power byte, -1 none */
    int last_was_power;  /* internal: carries across chunks */
} gf_puls_stats;

void gf_puls_stats_init(gf_puls_stats *s);
void gf_puls_stats_feed(gf_puls_stats *s, const uint8_t *buf, size_t len);
/* Ticks the kernel spends: payload minus power bytes not preceded by one. */
uint64_t gf_puls_stats_kernel_ticks(const gf_puls_stats *s);

/* Read to the end and fill `stats` (and check the stream is whole).
 * `r` is consumed up to its end but not closed. On a gzip body of 4 MiB or
 * more (or of unknown size) the counting runs on a short-lived second
 * thread while this one inflates: same figures, less time. */
int gf_puls_stats_read(gf_puls_reader *r, gf_puls_stats *stats);

/* Full validation before a job plays: the header checks plus reading the
 * whole body (gzip integrity and ISIZE, size caps, power before laser). */
int gf_puls_validate_file(const char *path, uint64_t serial,
                          const gf_puls_limits *limits, char *msg,
                          size_t msglen);
/* The same on an open reader (memory, callback, ...): header checks, then
 * the whole body read through gf_puls_stats_read. `stats` may be NULL; when
 * given it holds the figures of the body on success. */
int gf_puls_validate_stream(gf_puls_reader *r, uint64_t serial,
                            gf_puls_stats *stats, char *msg, size_t msglen);
/* Check 8 of §15.6 on finished statistics: GF_EPULS_POWER when a laser bit
 * comes before any power byte. */
int gf_puls_check_power(const gf_puls_stats *s, char *msg, size_t msglen);

/* Writer: a header from tags, then streamed payload, optionally gzip. */
typedef struct gf_puls_writer gf_puls_writer;

int gf_puls_writer_open(gf_puls_writer **out, const char *path,
                        const gf_puls_tag *tags, size_t count, int gzip);
int gf_puls_writer_write(gf_puls_writer *w, const void *buf, size_t len);
/* Finishes the stream (gzip trailer), closes the file, frees `w`. */
int gf_puls_writer_close(gf_puls_writer *w);
/* Frees `w` and removes the half-written file. */
void gf_puls_writer_abort(gf_puls_writer *w);

/* The 69 tags of a captured motion header (fixture order and values) with
 * STfr and MCsn set as given. Returns the count written (<= cap). */
size_t gf_puls_default_tags(gf_puls_tag *out, size_t cap, uint32_t stfr,
                            uint32_t serial);

/* Generator of straight moves with a trapezoidal speed ramp, for the
 * emulator and tests. Steps are in machine steps (X/Y 0.01875 mm). */
typedef struct gf_puls_move {
    int64_t dx, dy, dz; /* steps */
    double speed;       /* cruise speed, steps per second (dominant axis) */
    double accel;       /* steps per second^2; <= 0 means no ramp */
    uint32_t stfr;      /* tick frequency */
    int laser;          /* fire during the move */
    uint8_t power;      /* 0..127, emitted before the first fire */
} gf_puls_move;

int gf_puls_gen_move(gf_puls_writer *w, const gf_puls_move *m);
/* Payload bytes gf_puls_gen_move would write for `m` (power byte
 * included), or a negative gf_err for a move it would refuse. Lets a
 * caller fill PDct before the header is written. */
int64_t gf_puls_move_bytes(const gf_puls_move *m);

#ifdef __cplusplus
}
#endif
#endif

/* puls_stats.c - step statistics over pulse payload bytes (PROTOCOL.md §15.4).
 *
 * Long jobs are hundreds of MB of ticks, so this is a hot path, written for
 * speed (targets: >= 1 GB/s on plain data, and cheap enough next to zlib's
 * inflate on gzip data; bench/puls_stats measures both). Large feeds are
 * cut into blocks and each block is counted one of two ways:
 *
 *  - fast (block_fast): inside a move only a few bits change from tick to
 *    tick (the step bits, maybe the fire bit). If at most three bit
 *    positions vary over a 1920- or 240-byte block and it holds no power
 *    byte, the block has at most 8 distinct values, whose counts follow
 *    from a few indicator sums computed 16 bytes at a time (see there).
 *  - general (block_sums): a byte histogram (four interleaved tables so
 *    that runs of one value do not serialize on one counter) plus the sum
 *    of a packed per-byte table of eight 8-bit counters (X+, X-, Y+, Y-,
 *    Z+, Z-, laser, power); 240 bytes cannot overflow an 8-bit lane, so one
 *    64-bit add per byte counts all eight.
 *
 * Everything else is decided per block from its counts (block_apply):
 *  - min/max position: a block with p plus-steps and m minus-steps stays
 *    within [pos-m, pos+p]; if that cannot pass the extremes seen so far
 *    nothing changes; if the block only moves one way the new extreme is
 *    exact (pos+p or pos-m). Only a block that moves both ways across an
 *    extreme is walked byte by byte, for that axis alone.
 *  - first/last step, first laser: searched only in blocks that have them,
 *    and only until found (the last step: backwards from the block end).
 *  - power bytes are rare (the factory refreshes the duty every ~27000
 *    ticks), so blocks with one are walked to count back-to-back pairs.
 * Small feeds (under 4 KiB) take a plain per-byte path, which is also the
 * reference the unit tests and the fuzz target hold the fast paths to. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "gf/puls.h"

#define BLOCK      240u /* <= 255 for the 8-bit lanes, a multiple of 16 */
#define LANE_XP    0
#define LANE_XM    8
#define LANE_YP    16
#define LANE_YM    24
#define LANE_ZP    32
#define LANE_ZM    40
#define LANE_LASER 48
#define LANE_POWER 56
#define SMALL_FEED 4096u
#define SEGMENT    (1u << 30) /* keeps the 32-bit local histograms exact */

typedef struct tables {
    uint64_t packed[256];
    int8_t delta[3][256]; /* per axis step: +1, -1 or 0 */
} tables;

static tables tab;
static pthread_once_t tab_once = PTHREAD_ONCE_INIT;

static void build_tables(void)
{
    for (unsigned b = 0; b < 256; b++) {
        uint64_t v = 0;
        int dx = 0, dy = 0, dz = 0;
        if (b & GF_PULS_POWER) {
            v = 1ull << LANE_POWER;
        } else {
            if (b & GF_PULS_X_STEP)
                dx = b & GF_PULS_X_NEG ? -1 : 1;
            if (b & GF_PULS_Y_STEP)
                dy = b & GF_PULS_Y_POS ? 1 : -1;
            if (b & GF_PULS_Z_STEP)
                dz = b & GF_PULS_Z_POS ? 1 : -1;
            v |= (uint64_t)(dx > 0) << LANE_XP | (uint64_t)(dx < 0) << LANE_XM;
            v |= (uint64_t)(dy > 0) << LANE_YP | (uint64_t)(dy < 0) << LANE_YM;
            v |= (uint64_t)(dz > 0) << LANE_ZP | (uint64_t)(dz < 0) << LANE_ZM;
            v |= (uint64_t)((b & GF_PULS_LASER) != 0) << LANE_LASER;
        }
        tab.packed[b] = v;
        tab.delta[0][b] = (int8_t)dx;
        tab.delta[1][b] = (int8_t)dy;
        tab.delta[2][b] = (int8_t)dz;
    }
}

void gf_puls_stats_init(gf_puls_stats *s)
{
    memset(s, 0, sizeof *s);
    s->first_step = s->last_step = -1;
    s->first_laser = s->first_power = -1;
    pthread_once(&tab_once, build_tables);
}

static int is_step(uint8_t b)
{
    return !(b & GF_PULS_POWER) &&
           (b & (GF_PULS_X_STEP | GF_PULS_Y_STEP | GF_PULS_Z_STEP));
}

static int is_laser(uint8_t b)
{
    return (b & (GF_PULS_POWER | GF_PULS_LASER)) == GF_PULS_LASER;
}

/* The reference path: every figure updated byte by byte. */
static void feed_simple(gf_puls_stats *s, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        int64_t off = (int64_t)s->payload_bytes++;
        s->byte_count[b]++;
        if (b & GF_PULS_POWER) {
            s->power_bytes++;
            s->power_used[b & 0x7f]++;
            s->power_pairs += (uint64_t)s->last_was_power;
            s->last_was_power = 1;
            if (s->first_power < 0)
                s->first_power = off;
            continue;
        }
        s->last_was_power = 0;
        s->zero_bytes += b == 0;
        int dx = tab.delta[0][b], dy = tab.delta[1][b], dz = tab.delta[2][b];
        s->x_plus += dx > 0, s->x_minus += dx < 0;
        s->y_plus += dy > 0, s->y_minus += dy < 0;
        s->z_plus += dz > 0, s->z_minus += dz < 0;
        s->x += dx, s->y += dy, s->z += dz;
        s->x_min = s->x < s->x_min ? s->x : s->x_min;
        s->x_max = s->x > s->x_max ? s->x : s->x_max;
        s->y_min = s->y < s->y_min ? s->y : s->y_min;
        s->y_max = s->y > s->y_max ? s->y : s->y_max;
        s->z_min = s->z < s->z_min ? s->z : s->z_min;
        s->z_max = s->z > s->z_max ? s->z : s->z_max;
        if (is_step(b)) {
            s->last_step = off;
            if (s->first_step < 0)
                s->first_step = off;
        }
        if (b & GF_PULS_LASER) {
            s->laser_on++;
            if (s->first_laser < 0)
                s->first_laser = off;
        }
    }
}

/* Hot loop: histogram and packed lane sums of one block (n <= BLOCK). */
static uint64_t block_sums(uint32_t (*h)[256], const uint8_t *p, size_t n)
{
    uint64_t acc = 0;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t w;
        memcpy(&w, p + i, 4);
        uint8_t b0 = (uint8_t)w, b1 = (uint8_t)(w >> 8);
        uint8_t b2 = (uint8_t)(w >> 16), b3 = (uint8_t)(w >> 24);
        h[0][b0]++;
        h[1][b1]++;
        h[2][b2]++;
        h[3][b3]++;
        acc += tab.packed[b0] + tab.packed[b1];
        acc += tab.packed[b2] + tab.packed[b3];
    }
    for (; i < n; i++) {
        h[0][p[i]]++;
        acc += tab.packed[p[i]];
    }
    return acc;
}

/* What one block moved and fired, from either path. */
typedef struct counts {
    unsigned xp, xm, yp, ym, zp, zm, laser, power;
} counts;

static unsigned lane(uint64_t acc, int shift)
{
    return (unsigned)(acc >> shift) & 0xff;
}

static void unpack_lanes(uint64_t acc, counts *c)
{
    c->xp = lane(acc, LANE_XP), c->xm = lane(acc, LANE_XM);
    c->yp = lane(acc, LANE_YP), c->ym = lane(acc, LANE_YM);
    c->zp = lane(acc, LANE_ZP), c->zm = lane(acc, LANE_ZM);
    c->laser = lane(acc, LANE_LASER), c->power = lane(acc, LANE_POWER);
}

/* Min/max of one axis over a block that moved `up` and `down` steps. */
static void axis_block(int64_t *pos, int64_t *lo, int64_t *hi, unsigned up,
                       unsigned down, const int8_t *delta, const uint8_t *p,
                       size_t n)
{
    int64_t from = *pos;
    if (from - down < *lo || from + up > *hi) {
        if (down == 0) {
            *hi = from + up > *hi ? from + up : *hi;
        } else if (up == 0) {
            *lo = from - down < *lo ? from - down : *lo;
        } else {
            int64_t at = from;
            for (size_t i = 0; i < n; i++) {
                at += delta[p[i]];
                *lo = at < *lo ? at : *lo;
                *hi = at > *hi ? at : *hi;
            }
        }
    }
    *pos = from + up - down;
}

static void power_walk(gf_puls_stats *s, const uint8_t *p, size_t n,
                       int64_t base)
{
    for (size_t i = 0; i < n; i++) {
        if (!(p[i] & GF_PULS_POWER)) {
            s->last_was_power = 0;
            continue;
        }
        if (s->first_power < 0)
            s->first_power = base + (int64_t)i;
        s->power_pairs += (uint64_t)s->last_was_power;
        s->last_was_power = 1;
    }
}

static void step_marks(gf_puls_stats *s, const uint8_t *p, size_t n,
                       int64_t base)
{
    size_t i;
    if (s->first_step < 0) {
        for (i = 0; !is_step(p[i]); i++)
            ;
        s->first_step = base + (int64_t)i;
    }
    for (i = n - 1; !is_step(p[i]); i--)
        ;
    s->last_step = base + (int64_t)i;
}

static void first_laser(gf_puls_stats *s, const uint8_t *p, int64_t base)
{
    size_t i;
    for (i = 0; !is_laser(p[i]); i++)
        ;
    s->first_laser = base + (int64_t)i;
}

/* Everything a block's counts decide (see the top of the file). */
static void block_apply(gf_puls_stats *s, const counts *c, const uint8_t *p,
                        size_t n)
{
    int64_t base = (int64_t)s->payload_bytes;
    s->x_plus += c->xp, s->x_minus += c->xm;
    s->y_plus += c->yp, s->y_minus += c->ym;
    s->z_plus += c->zp, s->z_minus += c->zm;
    s->laser_on += c->laser;
    s->power_bytes += c->power;
    if (c->xp | c->xm | c->yp | c->ym | c->zp | c->zm) {
        step_marks(s, p, n, base);
        axis_block(&s->x, &s->x_min, &s->x_max, c->xp, c->xm, tab.delta[0], p,
                   n);
        axis_block(&s->y, &s->y_min, &s->y_max, c->yp, c->ym, tab.delta[1], p,
                   n);
        axis_block(&s->z, &s->z_min, &s->z_max, c->zp, c->zm, tab.delta[2], p,
                   n);
    }
    if (c->laser && s->first_laser < 0)
        first_laser(s, p, base);
    if (c->power)
        power_walk(s, p, n, base);
    else
        s->last_was_power = 0;
    s->payload_bytes += n;
}

/* Fast path for a block in which at most three bit positions vary and no
 * power byte occurs: the common case inside a move, where only the step
 * bits (and maybe the fire bit) change from tick to tick. Such a block
 * holds at most 8 distinct values, and their counts follow from the
 * indicator sums over the varying bits (A, B, AB for two; A, B, C, AB, AC,
 * BC, ABC for three) by inclusion-exclusion. The sums run 16 bytes at a
 * time with the compiler's vector extension (SSE2, NEON or plain code; no
 * intrinsics). An 8-bit lane gains at most 1 per 16 bytes, so FAST_BLOCK
 * (120 rounds) cannot overflow it. */
typedef uint8_t v16 __attribute__((vector_size(16)));
typedef int8_t s16 __attribute__((vector_size(16)));
#define FAST_BLOCK 1920u

static v16 vload(const uint8_t *p)
{
    v16 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Sum of the 16 lanes (each 0..127). */
static int64_t vsum(s16 v)
{
    uint64_t lo, hi;
    memcpy(&lo, &v, 8);
    memcpy(&hi, (const uint8_t *)&v + 8, 8);
    uint64_t x = lo + hi; /* byte sums <= 254: no carry between bytes */
    x = (x & 0x00ff00ff00ff00ffull) + (x >> 8 & 0x00ff00ff00ff00ffull);
    return (int64_t)((x * 0x0001000100010001ull) >> 48);
}

/* OR and AND of all bytes of the block. */
static void block_or_and(const uint8_t *p, size_t n, uint8_t *or_out,
                         uint8_t *and_out)
{
    v16 vo = vload(p), va = vo;
    for (size_t i = 16; i < n; i += 16) {
        v16 v = vload(p + i);
        vo |= v;
        va &= v;
    }
    uint8_t o = 0, a = 0xff;
    for (int i = 0; i < 16; i++)
        o |= vo[i], a &= va[i];
    *or_out = o, *and_out = a;
}

/* Up to three single-bit masks of `var` (0 for the missing ones). */
static void split_bits(uint8_t var, uint8_t m[3])
{
    for (int j = 0; j < 3; j++) {
        m[j] = (uint8_t)(var & -var); /* lowest set bit, or 0 */
        var = (uint8_t)(var & ~m[j]);
    }
}

/* n[0..6] = A, B, C, AB, AC, BC, ABC over the block. */
static void sums3(const uint8_t *p, size_t n, const uint8_t m[3],
                  int64_t out[7])
{
    s16 sA = {0}, sB = {0}, sC = {0}, sAB = {0}, sAC = {0}, sBC = {0},
        sABC = {0};
    for (size_t i = 0; i < n; i += 16) {
        v16 v = vload(p + i);
        /* a true lane compares to -1, so subtracting counts it */
        s16 A = (s16)((v & m[0]) != 0), B = (s16)((v & m[1]) != 0);
        s16 C = (s16)((v & m[2]) != 0), AB = A & B;
        sA -= A, sB -= B, sC -= C, sAB -= AB;
        sAC -= A & C, sBC -= B & C, sABC -= AB & C;
    }
    out[0] = vsum(sA), out[1] = vsum(sB), out[2] = vsum(sC);
    out[3] = vsum(sAB), out[4] = vsum(sAC), out[5] = vsum(sBC);
    out[6] = vsum(sABC);
}

/* The same when only two bits vary (C and its products are 0). */
static void sums2(const uint8_t *p, size_t n, const uint8_t m[3],
                  int64_t out[7])
{
    s16 sA = {0}, sB = {0}, sAB = {0};
    for (size_t i = 0; i < n; i += 16) {
        v16 v = vload(p + i);
        s16 A = (s16)((v & m[0]) != 0), B = (s16)((v & m[1]) != 0);
        sA -= A, sB -= B, sAB -= A & B;
    }
    out[0] = vsum(sA), out[1] = vsum(sB), out[3] = vsum(sAB);
    out[2] = out[4] = out[5] = out[6] = 0;
}

static void add_value(counts *c, uint8_t b, unsigned k)
{
    int dx = tab.delta[0][b], dy = tab.delta[1][b], dz = tab.delta[2][b];
    c->xp += dx > 0 ? k : 0, c->xm += dx < 0 ? k : 0;
    c->yp += dy > 0 ? k : 0, c->ym += dy < 0 ? k : 0;
    c->zp += dz > 0 ? k : 0, c->zm += dz < 0 ? k : 0;
    c->laser += b & GF_PULS_LASER ? k : 0;
}

static int block_fast(gf_puls_stats *s, const uint8_t *p, size_t n, counts *c)
{
    uint8_t o, a, m[3];
    int64_t x[7], cnt[8];
    block_or_and(p, n, &o, &a);
    uint8_t var = o ^ a;
    if (o & GF_PULS_POWER)
        return 0;
    split_bits(var, m); /* m[2] == 0: at most two bits vary */
    if (var & ~(m[0] | m[1] | m[2]))
        return 0; /* more than three */
    if (!m[2])
        sums2(p, n, m, x);
    else
        sums3(p, n, m, x);
    cnt[7] = x[6];
    cnt[3] = x[3] - x[6], cnt[5] = x[4] - x[6], cnt[6] = x[5] - x[6];
    cnt[1] = x[0] - x[3] - x[4] + x[6];
    cnt[2] = x[1] - x[3] - x[5] + x[6];
    cnt[4] = x[2] - x[4] - x[5] + x[6];
    cnt[0] = (int64_t)n - x[0] - x[1] - x[2] + x[3] + x[4] + x[5] - x[6];
    memset(c, 0, sizeof *c);
    for (int v = 0; v < 8; v++) {
        if (!cnt[v])
            continue;
        uint8_t b = (uint8_t)(a | (v & 1 ? m[0] : 0) | (v & 2 ? m[1] : 0) |
                              (v & 4 ? m[2] : 0));
        s->byte_count[b] += (uint64_t)cnt[v];
        add_value(c, b, (unsigned)cnt[v]);
    }
    return 1;
}

/* A span the big fast block refused: 240-byte pieces, fast or scalar. */
static void span_small(gf_puls_stats *s, uint32_t (*h)[256], const uint8_t *p,
                       size_t n)
{
    counts c;
    for (size_t off = 0; off < n; off += BLOCK) {
        size_t len = n - off < BLOCK ? n - off : BLOCK;
        if (len < BLOCK || !block_fast(s, p + off, len, &c))
            unpack_lanes(block_sums(h, p + off, len), &c);
        block_apply(s, &c, p + off, len);
    }
}

static void merge_histograms(gf_puls_stats *s, uint32_t (*h)[256])
{
    for (unsigned b = 0; b < 256; b++)
        s->byte_count[b] += (uint64_t)h[0][b] + h[1][b] + h[2][b] + h[3][b];
    s->zero_bytes = s->byte_count[0];
    for (unsigned d = 0; d < 128; d++)
        s->power_used[d] = s->byte_count[0x80 + d];
}

static void feed_segment(gf_puls_stats *s, const uint8_t *p, size_t n)
{
    uint32_t h[4][256];
    memset(h, 0, sizeof h);
    counts c;
    for (size_t off = 0; off < n; off += FAST_BLOCK) {
        size_t len = n - off < FAST_BLOCK ? n - off : FAST_BLOCK;
        if (len == FAST_BLOCK && block_fast(s, p + off, len, &c))
            block_apply(s, &c, p + off, len);
        else
            span_small(s, h, p + off, len);
    }
    merge_histograms(s, h);
}

void gf_puls_stats_feed(gf_puls_stats *s, const uint8_t *buf, size_t len)
{
    pthread_once(&tab_once, build_tables);
    if (len < SMALL_FEED) {
        feed_simple(s, buf, len);
        return;
    }
    for (size_t off = 0; off < len; off += SEGMENT)
        feed_segment(s, buf + off, len - off < SEGMENT ? len - off : SEGMENT);
}

uint64_t gf_puls_stats_kernel_ticks(const gf_puls_stats *s)
{
    return s->payload_bytes - (s->power_bytes - s->power_pairs);
}

/* puls_gen.c - straight moves as pulse payload, with a trapezoidal ramp.
 *
 * The emulator and the tests need pulse files whose figures are known in
 * advance. A move of (dx, dy, dz) steps is planned on its dominant axis
 * (the one with the most steps): speed ramps up at `accel`, cruises at
 * `speed`, and ramps down symmetrically (a triangle when the move is too
 * short to reach cruise). Each tick the planned distance is rounded to
 * whole steps; the dominant axis steps when that count grows, and the other
 * axes follow Bresenham-style (count_j = round(k * |d_j| / n)), so every
 * axis makes at most one step per tick and the move ends exactly at
 * (dx, dy, dz). Direction bits are held as levels for the whole move, as
 * the captured files do (§15.4). A laser move puts one power byte before
 * its first fire, since a run starts at ~100% duty. */
#include <math.h>
#include <stdlib.h>

#include "gf/puls.h"

#define GEN_BUF   (64u * 1024)
#define MAX_STEPS (1ll << 31)
#define MAX_TICKS (1ull << 32)

typedef struct plan {
    double n, v, a;
    double t_acc, s_acc, t_cruise, t_total;
} plan;

static void plan_move(plan *p, double n, double v, double a)
{
    p->n = n, p->v = v, p->a = a;
    p->t_acc = p->s_acc = 0;
    if (a > 0) {
        p->t_acc = v / a;
        p->s_acc = v * v / (2 * a);
        if (2 * p->s_acc > n) { /* never reaches cruise: a triangle */
            p->v = sqrt(a * n);
            p->t_acc = p->v / a;
            p->s_acc = n / 2;
        }
    }
    p->t_cruise = (n - 2 * p->s_acc) / p->v;
    p->t_total = 2 * p->t_acc + p->t_cruise;
}

/* Planned distance (in dominant-axis steps) at time t. */
static double dist_at(const plan *p, double t)
{
    if (t >= p->t_total)
        return p->n;
    if (t < p->t_acc)
        return 0.5 * p->a * t * t;
    t -= p->t_acc;
    if (t < p->t_cruise)
        return p->s_acc + p->v * t;
    t -= p->t_cruise;
    double s = p->s_acc + p->v * p->t_cruise + p->v * t - 0.5 * p->a * t * t;
    return s < p->n ? s : p->n;
}

typedef struct gen {
    gf_puls_writer *w; /* NULL: only count */
    uint64_t bytes;
    size_t len;
    uint8_t buf[GEN_BUF];
} gen;

static int emit(gen *g, uint8_t b)
{
    g->buf[g->len++] = b;
    g->bytes++;
    if (g->len < GEN_BUF)
        return GF_OK;
    int rc = g->w ? gf_puls_writer_write(g->w, g->buf, g->len) : GF_OK;
    g->len = 0;
    return rc;
}

static int check_move(const gf_puls_move *m)
{
    if (!(m->speed > 0) || !isfinite(m->speed) || isnan(m->accel) ||
        m->power > 127)
        return GF_EINVAL;
    if (m->stfr < 1000 || m->stfr > 200000)
        return GF_ERANGE;
    if (llabs(m->dx) >= MAX_STEPS || llabs(m->dy) >= MAX_STEPS ||
        llabs(m->dz) >= MAX_STEPS)
        return GF_ERANGE;
    return GF_OK;
}

static uint8_t level_bits(const gf_puls_move *m)
{
    uint8_t b = 0;
    if (m->dx < 0)
        b |= GF_PULS_X_NEG;
    if (m->dy > 0)
        b |= GF_PULS_Y_POS;
    if (m->dz > 0)
        b |= GF_PULS_Z_POS;
    if (m->laser)
        b |= GF_PULS_LASER;
    return b;
}

/* Minor-axis step count after k dominant steps, rounded to nearest. */
static int64_t follow(int64_t k, int64_t d, int64_t n)
{
    return (k * d + n / 2) / n;
}

static int run_ticks(gen *g, const gf_puls_move *m, int64_t n)
{
    int64_t ad[3] = {llabs(m->dx), llabs(m->dy), llabs(m->dz)};
    static const uint8_t step_bit[3] = {GF_PULS_X_STEP, GF_PULS_Y_STEP,
                                        GF_PULS_Z_STEP};
    double v = m->speed < m->stfr ? m->speed : m->stfr; /* <= 1 step/tick */
    plan p;
    plan_move(&p, (double)n, v, m->accel > 0 ? m->accel : 0);
    if (p.t_total * m->stfr + (double)n + 2 > (double)MAX_TICKS)
        return GF_ERANGE;
    uint8_t level = level_bits(m);
    int64_t k = 0;
    int rc = GF_OK;
    for (uint64_t tick = 0; k < n && rc == GF_OK; tick++) {
        double s = dist_at(&p, (double)(tick + 1) / m->stfr);
        uint8_t b = level;
        if ((int64_t)floor(s + 0.5) > k) {
            for (int j = 0; j < 3; j++)
                if (follow(k + 1, ad[j], n) > follow(k, ad[j], n))
                    b |= step_bit[j];
            k++;
        }
        rc = emit(g, b);
    }
    return rc;
}

static int gen_move(gen *g, const gf_puls_move *m)
{
    if (!m)
        return GF_EINVAL;
    int rc = check_move(m);
    if (rc != GF_OK)
        return rc;
    int64_t n = llabs(m->dx);
    n = llabs(m->dy) > n ? llabs(m->dy) : n;
    n = llabs(m->dz) > n ? llabs(m->dz) : n;
    if (n == 0)
        return GF_OK;
    if (m->laser)
        rc = emit(g, (uint8_t)(GF_PULS_POWER | m->power));
    if (rc == GF_OK)
        rc = run_ticks(g, m, n);
    if (rc == GF_OK && g->w && g->len)
        rc = gf_puls_writer_write(g->w, g->buf, g->len);
    return rc;
}

int gf_puls_gen_move(gf_puls_writer *w, const gf_puls_move *m)
{
    if (!w)
        return GF_EINVAL;
    gen *g = calloc(1, sizeof *g);
    if (!g)
        return GF_ENOMEM;
    g->w = w;
    int rc = gen_move(g, m);
    free(g);
    return rc;
}

int64_t gf_puls_move_bytes(const gf_puls_move *m)
{
    gen *g = calloc(1, sizeof *g);
    if (!g)
        return GF_ENOMEM;
    int rc = gen_move(g, m);
    int64_t n = rc == GF_OK ? (int64_t)g->bytes : rc;
    free(g);
    return n;
}

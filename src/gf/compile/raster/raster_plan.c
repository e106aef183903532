/* raster_plan.c - an engrave: a dithered bitmap swept line by line.
 *
 * Each row with something to burn is swept in the direction opposite to
 * the last one. The head starts an overscan before the row, accelerates to
 * the engrave speed, holds it for one column before the first pixel, fires
 * at exactly one X step every `period` ticks (so every fire tick happens at
 * constant speed and each dark pixel gets pitch * period ticks of fire),
 * holds it for one column after the last pixel and brakes in the overscan
 * past it. Empty rows are skipped and so are the blank ends of a row. */
#include <math.h>
#include <stdlib.h>

#include "raster.h"

int64_t ra_overscan_steps(unsigned period, double accel)
{
    double v = CG_STEP * CG_STFR / period;
    if (accel <= 0)
        return 0;
    /* braking distance plus a margin, so the planner never has to start
     * the constant part below speed */
    return (int64_t)ceil(v * v / (2 * accel) / CG_STEP * 1.25) + 4;
}

typedef struct ra_row {
    unsigned first, last; /* dark columns, inclusive */
} ra_row;

static int row_span(const ra_bitmap *bm, unsigned r, ra_row *span)
{
    const uint8_t *row = bm->dark + (size_t)r * bm->cols;
    unsigned c = 0, l = bm->cols;
    while (c < bm->cols && !row[c])
        c++;
    if (c == bm->cols)
        return 0;
    while (l > c && !row[l - 1])
        l--;
    span->first = c;
    span->last = l - 1;
    return 1;
}

/* Fire flags per X step for the constant part, in travel order. */
static void fill_fire(uint8_t *fire, const ra_bitmap *bm, unsigned r,
                      const ra_row *span, unsigned pitch, int dir)
{
    const uint8_t *row = bm->dark + (size_t)r * bm->cols;
    unsigned ncols = span->last - span->first + 1;
    size_t k = 0;
    for (unsigned i = 0; i < pitch; i++)
        fire[k++] = 0;
    for (unsigned i = 0; i < ncols; i++) {
        unsigned c = dir > 0 ? span->first + i : span->last - i;
        for (unsigned j = 0; j < pitch; j++)
            fire[k++] = row[c];
    }
    for (unsigned i = 0; i < pitch; i++)
        fire[k++] = 0;
}

static int sweep_row(pe_emit *e, const pm_cfg *cfg, pm_scratch *s,
                     const ra_place *pl, int64_t y, int64_t xa, int64_t xb,
                     int dir, const uint8_t *fire, pm_stats *st)
{
    double ve = CG_STEP * CG_STFR / pl->period;
    int64_t over = ra_overscan_steps(pl->period, cfg->accel);
    int64_t settle = pl->pitch, from = dir > 0 ? xa : xb;
    int64_t steps = (xb - xa) + 2 * settle;
    int rc = pm_travel(e, cfg, s, from - dir * (settle + over), y, st);
    pm_pt ramp[2] = {{e->x, y, 0, 0}, {from - dir * settle, y, 0, 0}};
    if (rc == GF_OK)
        rc = pm_run(e, cfg, s, ramp, 2, ve, 0, ve, 0, st);
    if (rc != GF_OK)
        return rc;
    ps_constant_x(e, steps, dir, pl->period, fire);
    for (int64_t i = 0; i < steps; i++) {
        if (fire[i])
            st->cut_mm += CG_STEP;
        else
            st->travel_mm += CG_STEP;
    }
    pm_pt stop[2] = {{e->x, y, 0, 0}, {e->x + dir * over, y, 0, 0}};
    return pm_run(e, cfg, s, stop, 2, ve, ve, 0, 0, st);
}

int ra_engrave(pe_emit *e, const pm_cfg *cfg, pm_scratch *s,
               const ra_bitmap *bm, const ra_place *pl, pm_stats *st)
{
    int64_t x0 = llround(pl->x / CG_STEP), y0 = llround(pl->y / CG_STEP);
    int dir = 1, rc = GF_OK;
    uint8_t *fire = malloc((size_t)(bm->cols + 2) * pl->pitch);
    if (!fire)
        return GF_ENOMEM;
    pe_set_power(e, pl->power);
    for (unsigned r = 0; r < bm->rows && rc == GF_OK && !e->err; r++) {
        ra_row span;
        if (!row_span(bm, r, &span))
            continue;
        int64_t xa = x0 + (int64_t)span.first * pl->pitch;
        int64_t xb = x0 + (int64_t)(span.last + 1) * pl->pitch;
        fill_fire(fire, bm, r, &span, pl->pitch, dir);
        rc = sweep_row(e, cfg, s, pl, y0 + (int64_t)r * pl->pitch, xa, xb, dir,
                       fire, st);
        dir = -dir;
    }
    free(fire);
    return rc ? rc : e->err;
}

/* plan_motion.c - speeds along a run of straight segments.
 *
 * A run is a polyline the head follows without stopping (one cut, one
 * travel, one engrave ramp). Each segment cruises at the requested speed,
 * capped so the major axis needs at most one step per tick; each corner is
 * taken at a speed that falls linearly with the turn angle (full speed
 * straight on, half at 90 degrees, a stop for a reversal); then the usual
 * backward and forward passes make every change reachable with the
 * configured acceleration. The turn angle comes from the unrounded
 * geometry, so the step rounding of a finely flattened curve does not
 * read as a string of tiny corners. */
#include <math.h>
#include <stdlib.h>

#include "plan.h"

void pm_scratch_free(pm_scratch *s)
{
    free(s->pt);
    free(s->vj);
    free(s->vcap);
    s->pt = NULL;
    s->vj = s->vcap = NULL;
    s->cap = 0;
}

static int reserve(pm_scratch *s, size_t n)
{
    if (n <= s->cap)
        return GF_OK;
    size_t cap = s->cap ? s->cap : 256;
    while (cap < n)
        cap *= 2;
    pm_pt *p = realloc(s->pt, cap * sizeof *p);
    if (p)
        s->pt = p;
    double *a = realloc(s->vj, cap * sizeof *a);
    if (a)
        s->vj = a;
    double *b = realloc(s->vcap, cap * sizeof *b);
    if (b)
        s->vcap = b;
    if (!p || !a || !b)
        return GF_ENOMEM;
    s->cap = cap;
    return GF_OK;
}

/* Drops points that round to the previous step position. */
static size_t compact(pm_scratch *s, const pm_pt *pts, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && pts[i].x == s->pt[k - 1].x && pts[i].y == s->pt[k - 1].y)
            continue;
        s->pt[k++] = pts[i];
    }
    return k;
}

static double seg_len(const pm_pt *a, const pm_pt *b)
{
    return hypot((double)(b->x - a->x), (double)(b->y - a->y)) * CG_STEP;
}

/* Top speed for a segment: the request, the machine, one step per tick. */
static double seg_cap(const pm_pt *a, const pm_pt *b, double v)
{
    double dx = fabs((double)(b->x - a->x)), dy = fabs((double)(b->y - a->y));
    double major = dx > dy ? dx : dy;
    double axis = CG_STFR * CG_STEP * hypot(dx, dy) / major;
    v = v < CG_MAX_SPEED ? v : CG_MAX_SPEED;
    return v < axis ? v : axis;
}

static double turn_factor(const pm_pt *a, const pm_pt *b, const pm_pt *c)
{
    double ux = b->fx - a->fx, uy = b->fy - a->fy;
    double vx = c->fx - b->fx, vy = c->fy - b->fy;
    if (hypot(ux, uy) < 1e-9 || hypot(vx, vy) < 1e-9) {
        ux = (double)(b->x - a->x), uy = (double)(b->y - a->y);
        vx = (double)(c->x - b->x), vy = (double)(c->y - b->y);
    }
    double turn = fabs(atan2(ux * vy - uy * vx, ux * vx + uy * vy));
    return 1 - turn / M_PI;
}

static void plan_speeds(pm_scratch *s, size_t k, double v, double v_in,
                        double v_out, double accel)
{
    double *vj = s->vj, *vc = s->vcap;
    size_t m = k - 1; /* segments */
    for (size_t j = 0; j < m; j++)
        vc[j] = seg_cap(&s->pt[j], &s->pt[j + 1], v);
    vj[0] = fmin(v_in, vc[0]);
    vj[m] = fmin(v_out, vc[m - 1]);
    for (size_t j = 1; j < m; j++)
        vj[j] = fmin(vc[j - 1], vc[j]) *
                turn_factor(&s->pt[j - 1], &s->pt[j], &s->pt[j + 1]);
    if (accel <= 0)
        return;
    for (size_t j = m; j-- > 0;)
        vj[j] =
            fmin(vj[j], sqrt(vj[j + 1] * vj[j + 1] +
                             2 * accel * seg_len(&s->pt[j], &s->pt[j + 1])));
    for (size_t j = 1; j <= m; j++)
        vj[j] =
            fmin(vj[j], sqrt(vj[j - 1] * vj[j - 1] +
                             2 * accel * seg_len(&s->pt[j - 1], &s->pt[j])));
}

int pm_run(pe_emit *e, const pm_cfg *cfg, pm_scratch *s, const pm_pt *pts,
           size_t n, double v, double v_in, double v_out, int laser,
           pm_stats *st)
{
    double fire = 0;
    if (n == 0 || pts[0].x != e->x || pts[0].y != e->y)
        return GF_EINVAL; /* a run starts where the head is */
    if (reserve(s, n + 1) != GF_OK)
        return GF_ENOMEM;
    size_t k = compact(s, pts, n);
    if (k < 2)
        return e->err;
    plan_speeds(s, k, v, v_in, v_out, cfg->accel);
    for (size_t j = 0; j + 1 < k && !e->err; j++) {
        const pm_pt *a = &s->pt[j], *b = &s->pt[j + 1];
        ps_segment(e, b->x - a->x, b->y - a->y, s->vj[j], s->vcap[j],
                   s->vj[j + 1], cfg->accel, laser, &fire);
        if (laser)
            st->cut_mm += seg_len(a, b);
        else
            st->travel_mm += seg_len(a, b);
        st->segments++;
    }
    return e->err;
}

int pm_travel(pe_emit *e, const pm_cfg *cfg, pm_scratch *s, int64_t x,
              int64_t y, pm_stats *st)
{
    pm_pt p[2] = {{e->x, e->y, (double)e->x, (double)e->y},
                  {x, y, (double)x, (double)y}};
    return pm_run(e, cfg, s, p, 2, cfg->travel_speed, 0, 0, 0, st);
}

/* plan_step.c - one straight move as ticks, stepped exactly.
 *
 * The head travels a distance s along the segment, integrating the speed
 * of a trapezoid (accelerate from v0, cruise at vc, brake to v1) tick by
 * tick. The major axis steps each time s passes the next step boundary and
 * the minor axis follows Bresenham-style by integer rounding, so a segment
 * of (dx, dy) steps emits exactly |dx| and |dy| steps: no drift, and the
 * head ends where the geometry says. The planner caps vc so the major axis
 * never needs more than one step per tick. */
#include <math.h>
#include <stdlib.h>

#include "plan.h"

#define PS_VMIN 0.5 /* mm/s: keeps a segment that ends at rest moving */

/* A trapezoid along a segment of `len` mm. s_up and s_down bound the
 * cruise part, where no square root is needed (most ticks of a job). */
typedef struct ps_prof {
    double v0, vc, v1, accel, len, s_up, s_down, floor_v;
} ps_prof;

static ps_prof prof_make(double len, double v0, double vc, double v1,
                         double accel)
{
    ps_prof p = {v0, vc, v1, accel, len, 0, len, vc < PS_VMIN ? vc : PS_VMIN};
    if (accel > 0) {
        p.s_up = (vc * vc - v0 * v0) / (2 * accel);
        p.s_down = len - (vc * vc - v1 * v1) / (2 * accel);
    }
    return p;
}

static double prof_speed(const ps_prof *p, double s)
{
    double v = p->vc;
    if (p->accel > 0 && s < p->s_up) {
        double va = sqrt(p->v0 * p->v0 + 2 * p->accel * s);
        v = va < v ? va : v;
    }
    if (p->accel > 0 && s > p->s_down) {
        double rem = p->len - s;
        double vd = sqrt(p->v1 * p->v1 + 2 * p->accel * (rem > 0 ? rem : 0));
        v = vd < v ? vd : v;
    }
    return v < p->floor_v ? p->floor_v : v;
}

void ps_segment(pe_emit *e, int64_t dx, int64_t dy, double v0, double vc,
                double v1, double accel, int laser, double *fire)
{
    int64_t ax = llabs(dx), ay = llabs(dy);
    int major_x = ax >= ay;
    int64_t n = major_x ? ax : ay, m = major_x ? ay : ax;
    int sx = dx > 0 ? 1 : dx < 0 ? -1 : 0, sy = dy > 0 ? 1 : dy < 0 ? -1 : 0;
    double len = hypot((double)dx, (double)dy) * CG_STEP;
    double per = n ? len / (double)n : 0, dt = 1.0 / CG_STFR, s = 0;
    int64_t done = 0, mdone = 0;
    ps_prof prof = prof_make(len, v0, vc, v1, accel);
    while (done < n) {
        double v = prof_speed(&prof, s);
        int step_major = 0, step_minor = 0, f = 0;
        s += v * dt;
        if (s >= (double)(done + 1) * per * (1 - 1e-12)) {
            done++;
            step_major = 1;
            int64_t target = (2 * done * m + n) / (2 * n);
            if (target > mdone) {
                mdone++;
                step_minor = 1;
            }
        }
        if (laser) {
            *fire += v / vc;
            if (*fire >= 1 - 1e-9) {
                *fire -= 1;
                f = 1;
            }
        }
        int tx = major_x ? step_major : step_minor;
        int ty = major_x ? step_minor : step_major;
        pe_tick(e, tx ? sx : 0, ty ? sy : 0, f);
    }
}

void ps_constant_x(pe_emit *e, int64_t steps, int dirx, unsigned period,
                   const uint8_t *fire_per_step)
{
    for (int64_t i = 0; i < steps; i++) {
        int f = fire_per_step ? fire_per_step[i] : 0;
        for (unsigned t = 1; t < period; t++)
            pe_tick(e, 0, 0, f);
        pe_tick(e, dirx, 0, f);
    }
}

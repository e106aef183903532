/* plan.h - the motion planner and the tick emitter (gf_plan), as the rest
 * of the design compiler sees them: raster/ (engrave sweeps) and compile*.c
 * (cut and score runs). Not public API.
 *
 * The emitter (pe_*, plan_emit.c) owns the power-byte rules and the output
 * buffer; motion (pm_*, plan_motion.c) drives the head along polylines with
 * junction speeds; steps (ps_*, plan_step.c) turn one segment into ticks. */
#ifndef GF_PLAN_H
#define GF_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "gf/puls.h"

#define CG_STEP      GF_PULS_MM_PER_STEP_XY
#define CG_STFR      10000u
#define CG_MAX_SPEED 200.0 /* mm/s, the machine's top speed */

/* ---- emitter (plan_emit.c) ---- */

#define PE_BUF           65536
#define PE_POWER_REFRESH 27000u                  /* ticks, like the factory */
#define PE_MAX_PAYLOAD   (UINT32_MAX - 65536ull) /* gzip ISIZE must hold it */

typedef struct pe_emit {
    gf_puls_writer *w; /* NULL: count only */
    uint8_t *buf;
    size_t len;
    int err;
    uint64_t bytes, ticks, laser_ticks, power_bytes;
    uint64_t last_power_tick;
    uint8_t power_want, power_sent;
    int power_valid;
    uint8_t dir;    /* current direction levels */
    int last_laser; /* the last tick fired */
    int64_t x, y;   /* head, steps from the origin */
    int64_t min_x, max_x, min_y, max_y;
    uint64_t total; /* expected bytes, for progress (0 unknown) */
    uint64_t next_progress;
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
} pe_emit;

/* Starts with the head at (x, y) steps. */
int pe_init(pe_emit *e, gf_puls_writer *w, int64_t x, int64_t y);
void pe_free(pe_emit *e);
/* One tick: X and Y moves in {-1,0,1}, laser on or off. */
void pe_tick(pe_emit *e, int sx, int sy, int laser);
void pe_set_power(pe_emit *e, double percent);
int pe_flush(pe_emit *e);

/* ---- motion (plan_motion.c, plan_step.c) ---- */

typedef struct pm_cfg {
    double accel; /* mm/s^2 */
    double travel_speed;
} pm_cfg;

/* A point of a run: exact steps plus the unrounded position (for angles). */
typedef struct pm_pt {
    int64_t x, y;
    double fx, fy;
} pm_pt;

typedef struct pm_stats {
    double cut_mm, travel_mm;
    size_t segments;
} pm_stats;

/* Drive the head along pts[0..n) (pts[0] must be the head position) at
 * cruise speed `v` mm/s, entering at v_in and leaving at v_out, laser on or
 * off. Scratch arrays are kept in `scratch` between calls. */
typedef struct pm_scratch {
    pm_pt *pt;         /* the run without repeated points */
    double *vj, *vcap; /* junction and cruise speeds */
    size_t cap;
} pm_scratch;

int pm_run(pe_emit *e, const pm_cfg *cfg, pm_scratch *s, const pm_pt *pts,
           size_t n, double v, double v_in, double v_out, int laser,
           pm_stats *st);
void pm_scratch_free(pm_scratch *s);
/* Travel, laser off, from the head's position to (x, y) steps. */
int pm_travel(pe_emit *e, const pm_cfg *cfg, pm_scratch *s, int64_t x,
              int64_t y, pm_stats *st);

/* One straight segment with a trapezoid from v0 to v1 cruising at vc (mm/s).
 * `fire` accumulates v/vc per tick and fires each time it passes 1, so the
 * energy per mm stays constant while the head slows at corners. */
void ps_segment(pe_emit *e, int64_t dx, int64_t dy, double v0, double vc,
                double v1, double accel, int laser, double *fire);
/* Steps along X at exactly one step every `period` ticks, the laser as given
 * per step by `fire_per_step[i]` (NULL: never). */
void ps_constant_x(pe_emit *e, int64_t steps, int dirx, unsigned period,
                   const uint8_t *fire_per_step);

#endif

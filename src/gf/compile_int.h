/* compile_int.h - the pieces of the design compiler, shared between its
 * files (not public API).
 *
 * The pipeline: svg_* parse a design into polylines in mm (cg_design);
 * raster_* load and dither images; compile_* tie inputs to operations and
 * order them; plan_* turn polylines into ticks through the emitter (pe_*),
 * which owns the power-byte rules and the output buffer. */
#ifndef GF_COMPILE_INT_H
#define GF_COMPILE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "gf/compile.h"
#include "gf/puls.h"

#define CG_STEP             GF_PULS_MM_PER_STEP_XY
#define CG_TOL              (CG_STEP / 2)      /* chord tolerance, mm */
#define CG_MAX_POINTS       (8u * 1000 * 1000) /* design complexity cap, 128 MB */
#define CG_MAX_CURVE_PIECES 100000
#define CG_STFR             10000u
#define CG_MAX_SPEED        200.0 /* mm/s, the machine's top speed */
#define CG_MIN_SPEED        0.1

/* ---- geometry (svg_flatten.c, svg_xform.c) ---- */

typedef struct cg_pt {
    double x, y;
} cg_pt;

/* x' = a x + c y + e; y' = b x + d y + f (SVG's matrix order). */
typedef struct cg_mat {
    double a, b, c, d, e, f;
} cg_mat;

cg_mat cg_mat_identity(void);
cg_mat cg_mat_mul(cg_mat m, cg_mat n); /* m * n: n applies first */
cg_pt cg_mat_apply(cg_mat m, cg_pt p);
double cg_mat_scale(cg_mat m); /* largest stretch of the linear part */

/* One polyline of a design, in mm from the design origin. */
typedef struct cg_poly {
    size_t first, count;
    uint32_t rgb;
} cg_poly;

typedef struct cg_design {
    cg_pt *pts;
    size_t npts, ptcap;
    cg_poly *polys;
    size_t npolys, polycap;
    size_t skipped; /* shapes without a stroke, hidden ones */
} cg_design;

void cg_design_free(cg_design *d);

/* Builds polylines from path commands given in user units; `m` maps them to
 * mm. Curves are flattened to CG_TOL in mm. */
typedef struct cg_builder {
    cg_design *d;
    cg_mat m;
    uint32_t rgb;
    int open;    /* a polyline is being built */
    int err;     /* first error (GF_ENOMEM, GF_ETOOBIG) */
    cg_pt start; /* subpath start, user units */
    cg_pt cur;   /* current point, user units */
} cg_builder;

void cgb_init(cg_builder *b, cg_design *d, cg_mat m, uint32_t rgb);
void cgb_move(cg_builder *b, cg_pt p);
void cgb_line(cg_builder *b, cg_pt p);
void cgb_quad(cg_builder *b, cg_pt c, cg_pt p);
void cgb_cubic(cg_builder *b, cg_pt c1, cg_pt c2, cg_pt p);
void cgb_arc(cg_builder *b, double rx, double ry, double rot_deg, int large,
             int sweep, cg_pt p);
void cgb_close(cg_builder *b);
int cgb_finish(cg_builder *b); /* ends the open polyline; returns b->err */

/* ---- SVG text grammars (svg_path.c, svg_xform.c, svg_units.c,
 * svg_color.c) ---- */

/* Scans one number at s (sign, digits, fraction, exponent; no inf/nan/hex).
 * Returns the characters used, 0 when there is no number. */
size_t svg_scan_number(const char *s, double *out);
/* Skips whitespace and at most one comma. */
const char *svg_skip_sep(const char *s);
int svg_path_parse(cg_builder *b, const char *d, char *msg, size_t msglen);
int svg_xform_parse(const char *s, cg_mat *out, char *msg, size_t msglen);
/* A length with an optional unit (mm cm in px pt pc; none = px at 96/in),
 * in mm. An unknown unit or a percentage is an error naming it. */
int svg_length_mm(const char *s, double *mm, char *msg, size_t msglen);
/* A plain number list ("0 0 100 50", commas allowed); returns the count. */
int svg_numbers(const char *s, double *out, int max);
/* A colour: #rgb, #rrggbb, rgb(r,g,b), a basic name. 1 = "none". */
int svg_color_parse(const char *s, uint32_t *rgb);

/* ---- SVG documents (svg_doc.c) ---- */

int svg_load_mem(cg_design *d, const void *buf, size_t len, char *msg,
                 size_t msglen);

/* ---- operations (compile_ops.c) ---- */

typedef struct co_rule {
    uint32_t rgb;
    gf_op op;
} co_rule;

typedef struct co_table {
    co_rule *rules;
    size_t count, cap;
    int have_star, have_image;
    gf_op star, image;
} co_table;

int co_parse_file(co_table *t, const char *path, char *msg, size_t msglen);
int co_set(co_table *t, uint32_t rgb, const gf_op *op);
gf_op co_lookup(const co_table *t, uint32_t rgb, const gf_op *fallback);
void co_free(co_table *t);
int co_check(const gf_op *op, char *msg, size_t msglen);

/* ---- raster (raster_load.c, raster_dither.c) ---- */

#define RA_MAX_PIXELS (64u * 1024 * 1024) /* declared size cap */
#define RA_MAX_SIDE   65535u

typedef struct ra_gray {
    unsigned w, h;
    uint8_t *px;         /* w*h, 0 = black */
    double dpi_x, dpi_y; /* 0 when the file states none */
} ra_gray;

#define RA_MAX_FILE (128u * 1024 * 1024) /* encoded image bytes */
int ra_load_file(ra_gray *g, const char *path, char *msg, size_t msglen);
/* `name` only labels messages. */
int ra_load_mem(ra_gray *g, const void *buf, size_t len, const char *name,
                char *msg, size_t msglen);
void ra_gray_free(ra_gray *g);

/* A dithered bitmap: rows at the line spacing, columns at `pitch` steps. */
typedef struct ra_bitmap {
    unsigned cols, rows;
    uint8_t *dark; /* cols*rows, 1 = fire */
} ra_bitmap;

int ra_dither(const ra_gray *g, unsigned cols, unsigned rows, ra_bitmap *out);
void ra_bitmap_free(ra_bitmap *b);

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

/* ---- raster planning (raster_plan.c) ---- */

typedef struct ra_place {
    double x, y;     /* top-left, work-area mm (origin added) */
    unsigned pitch;  /* steps per column and per row */
    unsigned period; /* ticks per X step while engraving */
    double power;
} ra_place;

/* Overscan in steps for an engrave at `period` ticks per step. */
int64_t ra_overscan_steps(unsigned period, double accel);
int ra_engrave(pe_emit *e, const pm_cfg *cfg, pm_scratch *s,
               const ra_bitmap *bm, const ra_place *pl, pm_stats *st);

#endif

/* gf/compile.h - turn designs (SVG, PNG, JPEG) into a pulse file, and draw a
 * pulse file as a picture.
 *
 * A job collects inputs (vector designs and raster images), then writes one
 * pulse file (PROTOCOL.md §15): every stroke colour becomes a cut or score
 * operation, every image an engrave operation, and the motion planner turns
 * them into 10 kHz ticks. The service calls this when an operator uploads a
 * design instead of a pulse file; `gfpuls compile` is a thin shell over it.
 *
 * Every call returns GF_OK or a negative gf_err (gf/error.h) and, where it
 * takes one, fills `msg` with a sentence saying what was wrong. */
#ifndef GF_COMPILE_H
#define GF_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "gf/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GF_BED_W_MM 495.0 /* work area (§15.5) */
#define GF_BED_H_MM 279.0

typedef enum gf_op_kind {
    GF_OP_CUT = 0,
    GF_OP_SCORE = 1,
    GF_OP_ENGRAVE = 2,
} gf_op_kind;

/* What to do with one stroke colour (or with images). */
typedef struct gf_op {
    gf_op_kind kind;
    double speed; /* mm/s */
    double power; /* percent, 0..100 */
    int passes;   /* >= 1 */
} gf_op;

/* Job-wide settings. gf_compile_opts_init() fills the defaults. */
typedef struct gf_compile_opts {
    gf_op cut;           /* default for any stroke colour: cut 10 mm/s 100% */
    gf_op engrave;       /* default for images: 100 mm/s 50% */
    double travel_speed; /* mm/s, laser off; default 150 */
    double accel;        /* mm/s^2; default 2000 */
    double origin_x;     /* where the design origin (and the head, when the */
    double origin_y;     /* stream starts) is in the work area, mm; 0,0 */
    double line_spacing; /* engrave line spacing, mm (rounded to steps) */
    uint32_t serial;     /* MCsn; 0 = not locked to a machine */
    int keep_order;      /* 1: shapes in design order; 0 (default): inner
                            shapes before the shapes around them, then the
                            nearest next */
    int gzip;            /* default 1 */
    /* Called now and then while the file is written; may be NULL. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *progress_ctx;
} gf_compile_opts;

void gf_compile_opts_init(gf_compile_opts *o);

/* What a compile did. Distances in mm, times in seconds, positions in work
 * area mm (origin included). */
typedef struct gf_compile_result {
    double run_time;
    uint64_t ticks; /* kernel ticks (payload minus power bytes) */
    uint64_t payload_bytes;
    uint64_t laser_ticks;
    uint64_t power_bytes;
    double cut_mm;    /* laser-on path length (cut, score, engrave) */
    double travel_mm; /* laser-off path length */
    double min_x, min_y, max_x, max_y; /* where the head went */
    size_t segments;                   /* straight segments planned */
    size_t skipped;                    /* shapes skipped (no stroke, hidden) */
} gf_compile_result;

typedef struct gf_job gf_job;

/* opts NULL = defaults; out-of-range settings are refused with `msg`. */
int gf_job_new(gf_job **out, const gf_compile_opts *opts, char *msg,
               size_t msglen);
void gf_job_free(gf_job *job);

/* Colour -> operation table, from a small text file, one rule a line:
 *     #rrggbb|name|*|image  cut|score|engrave  SPEED  POWER  [PASSES]
 * `*` is every other stroke colour, `image` every raster input. */
int gf_job_load_ops(gf_job *job, const char *path, char *msg, size_t msglen);
int gf_job_set_op(gf_job *job, uint32_t rgb, const gf_op *op);

/* Vector designs. Coordinates are taken in the SVG's physical units. */
int gf_job_add_svg_file(gf_job *job, const char *path, char *msg,
                        size_t msglen);
int gf_job_add_svg_mem(gf_job *job, const void *buf, size_t len, char *msg,
                       size_t msglen);

/* A PNG or JPEG placed with its top-left corner at (x, y) mm from the design
 * origin, `w` x `h` mm. h <= 0 keeps the aspect ratio; w <= 0 uses the
 * image's own resolution (96 dpi when it states none). Images whose declared
 * size is past the pixel cap are refused before decoding. */
int gf_job_add_image_file(gf_job *job, const char *path, double x, double y,
                          double w, double h, char *msg, size_t msglen);
int gf_job_add_image_mem(gf_job *job, const void *buf, size_t len, double x,
                         double y, double w, double h, char *msg,
                         size_t msglen);

/* Plan the job and write it to `path`. The stream starts and ends with the
 * head at the origin, laser off. A design that leaves the work area is
 * refused (GF_ERANGE) with the overflow named in `msg`. */
int gf_job_write(gf_job *job, const char *path, gf_compile_result *res,
                 char *msg, size_t msglen);

/* Draw what the head does in a pulse file: travel light, laser path shaded by
 * power, the work area outlined. scale is px per mm (0 = 2, at most 10); the
 * head starts at (origin_x, origin_y) mm. */
typedef struct gf_render_opts {
    double scale;
    double origin_x, origin_y;
} gf_render_opts;

typedef struct gf_render_result {
    uint64_t ticks, laser_ticks;
    uint64_t outside;       /* ticks with the head outside the picture */
    unsigned width, height; /* picture size, px */
} gf_render_result;

int gf_render_file(const char *puls_path, const char *png_path,
                   const gf_render_opts *opts, gf_render_result *res, char *msg,
                   size_t msglen);

#ifdef __cplusplus
}
#endif
#endif

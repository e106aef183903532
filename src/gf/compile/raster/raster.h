/* raster.h - images for the design compiler (gf_raster): loading PNG and
 * JPEG into grey pixels (raster_load.c), dithering them into a bitmap at the
 * line spacing (raster_dither.c) and engraving a bitmap in sweeps through
 * the planner (raster_plan.c). Not public API; compile*.c use it. */
#ifndef GF_RASTER_H
#define GF_RASTER_H

#include <stddef.h>
#include <stdint.h>

#include "plan/plan.h"

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

/* ---- engrave sweeps (raster_plan.c) ---- */

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

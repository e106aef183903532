/* locate_int.h - gf_locate's private types, shared by its files.
 *
 * A picture is kept as a small pyramid of float grey planes: level 0 is a
 * quarter of the full size (what libjpeg's DCT scaling decodes cheaply),
 * each next level halves it by 2 × 2 averaging. The coarsest level is
 * searched exhaustively, the finer ones only around the coarse answer. */
#ifndef GF_LOCATE_INT_H
#define GF_LOCATE_INT_H

#include "gf/locate.h"

#define LOC_SHRINK   4 /* full size / level 0 */
#define LOC_LEVELS   3 /* 1/4, 1/8, 1/16 of the full size */
#define LOC_MAX_SIDE 8192
#define LOC_MIN_SIDE 128

typedef struct loc_plane {
    int w, h;
    float *px; /* w * h, row-major */
} loc_plane;

struct gf_locate_image {
    int full_w, full_h;
    double mean, sd; /* of the coarsest level */
    loc_plane lv[LOC_LEVELS];
};

/* Where the template sits in the reference, at level 0 (multiples of
 * 1 << (LOC_LEVELS - 1), so every level's copy is exact). */
typedef struct loc_rect {
    int x, y, w, h;
} loc_rect;

struct gf_locate {
    int full_w, full_h;
    gf_locate_opts o;
    loc_rect r0;
    loc_plane tpl[LOC_LEVELS];
    int calibrated;
    gf_locate_calib cal;
    double inv[4]; /* mm per px: [a b; c d] applied to (px, py) */
};

/* One correlation answer at some level: position of the template's
 * top-left corner and its score. */
typedef struct loc_hit {
    int x, y;
    double score;
} loc_hit;

/* locate_image.c */
int gf_loc_plane_alloc(loc_plane *p, int w, int h);
void gf_loc_plane_free(loc_plane *p);
int gf_loc_pyramid(gf_locate_image *img); /* lv[0] set: make the others */
/* b (already allocated, half of a's size) = a's 2 x 2 averages. */
void gf_loc_halve(const loc_plane *a, loc_plane *b);
void gf_loc_stats(const loc_plane *p, double *mean, double *sd);
/* Copy the rectangle (x, y, w, h) of `src` into a fresh plane. */
int gf_loc_crop(const loc_plane *src, int x, int y, int w, int h,
                loc_plane *out);
/* The template rectangle for a level-0 picture of w0 × h0. */
loc_rect gf_loc_template_rect(int w0, int h0);

/* locate_ncc.c */
/* Normalised cross-correlation of `t` at (x, y) of `img`. */
double gf_loc_ncc_at(const loc_plane *img, const loc_plane *t, int x, int y);
/* Every position of `t` in `img`: the best and the best at least `excl`
 * pixels away from it in x or y. */
int gf_loc_ncc_search(const loc_plane *img, const loc_plane *t, int excl,
                      loc_hit *best, loc_hit *second);
/* Best position within `radius` of (cx, cy). */
loc_hit gf_loc_ncc_refine(const loc_plane *img, const loc_plane *t, int cx,
                          int cy, int radius);
/* Sub-pixel offset of a peak from its neighbours' scores, in -0.5..0.5. */
double gf_loc_parabola(double left, double mid, double right);

/* locate.c */
/* A locator for full_w × full_h pictures, template not yet cut. */
gf_locate *gf_loc_alloc(int full_w, int full_h, const gf_locate_opts *opts);
/* tpl[0] holds the level-0 template: make the coarser levels and take out
 * every level's mean. */
int gf_loc_finish(gf_locate *l);

/* locate_calib.c */
int gf_loc_calib_apply(gf_locate *l, const gf_locate_calib *c);

#endif

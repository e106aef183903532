/* lidcam.h - the emulated lid camera: a picture of where the head really
 * is (docs/machine.md, "The emulated lid camera").
 *
 * The camera model: a pinhole `height_mm` above the head's top, looking
 * straight down; its optical axis meets the head's plane at (axis_x,
 * axis_y) mm from home and the picture at (cx, cy) px; a point (X, Y) of
 * that plane lands at
 *     x = (X - axis_x) / height, y = (Y - axis_y) / height,
 *     d = 1 + k1 r² + k2 r⁴ (r² = x² + y², radial distortion),
 *     u = cx + f d x, v = cy + f d y            (X+ right, Y+ down).
 * The head's appearance is cut from a real frame that shows it at (ref_x,
 * ref_y) (HOME_1.jpg, the head at the bed centre, logo up) and pasted on a
 * real frame of the bare bed (HOME_4.jpg), moved by the difference between
 * where the true position and the reference position project. Every frame
 * gets its own brightness change and noise. */
#ifndef GFM_LIDCAM_H
#define GFM_LIDCAM_H

#include <stddef.h>
#include <stdint.h>

typedef struct lidcam_model {
    double focal_px, height_mm, k1, k2;
    double cx, cy;         /* principal point, px */
    double axis_x, axis_y; /* where the optical axis meets the head, mm */
    double ref_x, ref_y;   /* the head's position in the head picture, mm */
} lidcam_model;

typedef struct lidcam_opts {
    lidcam_model model;
    double noise;   /* ± grey levels of per-pixel noise (triangular) */
    double flicker; /* brightness changes by up to ± this fraction */
    double dark;    /* brightness factor on top (1: lamp on; 0.02: dark) */
    int hide_head;  /* 1: the bed only, as if the head were out of view */
} lidcam_opts;

typedef struct lidcam lidcam;

/* The defaults documented in docs/machine.md. */
void lidcam_opts_default(lidcam_opts *o);
/* Where the head-plane point (x_mm, y_mm) lands in the picture. */
void lidcam_project(const lidcam_model *m, double x_mm, double y_mm, double *u,
                    double *v);
/* Load and decode the bed and head pictures (same size). 0, or -1 with
 * a reason in `err`. */
int lidcam_open(lidcam **out, const char *bed_jpeg, const char *head_jpeg,
                const lidcam_opts *o, char *err, size_t errlen);
void lidcam_size(const lidcam *c, int *w, int *h);
/* Frame number `frame` (picks noise and brightness) with the head at
 * (x_mm, y_mm) from home, as grey (w × h bytes, for in-process tests) or
 * as a malloc'd JPEG. 0 or -1 (out of memory). */
int lidcam_grey(lidcam *c, double x_mm, double y_mm, uint32_t frame,
                uint8_t *out);
int lidcam_jpeg(const lidcam *c, double x_mm, double y_mm, uint32_t frame,
                uint8_t **jpeg, size_t *len);
void lidcam_free(lidcam *c);

#endif

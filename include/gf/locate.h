/* gf/locate.h - find the laser head in a lid-camera picture.
 *
 * A Glowforge has no X/Y limit switches: the service homes the head by
 * looking at it through the lid camera (PROTOCOL.md §17.1). This part of
 * libgf is the looking. It is used in three steps:
 *
 *   1. Reference. With the head at a known place under the camera (the
 *      bed centre, right after a manual home), one lid image becomes the
 *      locator's template: gf_locate_new().
 *   2. Calibration. The head moves by known small offsets (±5 mm in X and
 *      in Y) and each picture is measured in pixels (gf_locate_measure());
 *      gf_locate_calibrate() fits how many pixels one millimetre of X and of
 *      Y moves the head in the picture, and in which direction, at the
 *      centre of the image where the lens distorts least.
 *   3. Locating. gf_locate_find() on any later lid image gives the head's
 *      offset from the reference place in millimetres, with a confidence,
 *      or a gf_err code saying why it cannot tell (too dark, head not
 *      found, ambiguous, at the edge of the picture). It never guesses.
 *
 * A gf_locate_servo drives the vendor's loop on top: move to the centre
 * assuming home, image, locate, correct, image again until the error is
 * under a tolerance, with a cap on the corrections.
 *
 * A locator (template and calibration) is saved as a small blob with
 * gf_locate_save() for the service's store, and read back, with every
 * length checked, by gf_locate_load().
 *
 * Pictures are JPEGs (libjpeg) decoded in grey at a quarter of their size
 * (DCT scaling, so a 2592 × 1944 frame costs a fraction of a full decode);
 * gf_locate_image_grey() accepts a grey bitmap the caller already has.
 * Every call returns GF_OK or a negative gf_err code (gf/error.h). No
 * global state; a gf_locate may be used from several threads at once for
 * gf_locate_find() (it is read-only there). */
#ifndef GF_LOCATE_H
#define GF_LOCATE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The working picture: grey, at the resolution the locator searches. */
typedef struct gf_locate_image gf_locate_image;

/* Template plus calibration. Opaque. */
typedef struct gf_locate gf_locate;

/* Thresholds under which a match is refused. Zeroed fields take the
 * defaults (gf_locate_default_opts). */
typedef struct gf_locate_opts {
    double min_peak;       /* normalised cross-correlation, 0..1 (0.6) */
    double min_sharpness;  /* peak minus the best match elsewhere (0.15) */
    double min_brightness; /* mean grey, 0..255, of the picture (12) */
    double min_contrast;   /* grey standard deviation of the picture (4) */
} gf_locate_opts;

/* How a picture relates to the template. Filled by measure/find whatever
 * the outcome, so that a refusal can say by how much it missed. */
typedef struct gf_locate_result {
    double px, py;     /* head offset from the reference, full-size pixels */
    double dx_mm;      /* head offset from the reference place, mm (X+ is */
    double dy_mm;      /* to the right, Y+ to the front); find() only */
    double peak;       /* correlation at the best match, -1..1 */
    double sharpness;  /* peak minus the best match away from it */
    double brightness; /* mean grey of the picture, 0..255 */
    double contrast;   /* grey standard deviation of the picture */
} gf_locate_result;

/* Pixels moved in the picture per millimetre of head travel, at the
 * centre. x_px[0], x_px[1]: image (column, row) motion for +1 mm of X;
 * y_px likewise for +1 mm of Y. Their lengths are the pixels per mm and
 * their directions the axes' directions in the picture. */
typedef struct gf_locate_calib {
    double x_px[2];
    double y_px[2];
    double residual_px; /* root-mean-square misfit of the calibration moves */
} gf_locate_calib;

/* One calibration picture's measurement with the move that made it. */
typedef struct gf_locate_sample {
    double dx_mm, dy_mm; /* known offset from the reference place */
    double px, py;       /* measured by gf_locate_measure() */
} gf_locate_sample;

void gf_locate_default_opts(gf_locate_opts *o);

/* --- pictures ---------------------------------------------------------- */

/* Decode a JPEG into a working picture. GF_EJPEG if it is not a JPEG the
 * library can read; GF_ERANGE under 128 or over 8192 pixels a side. */
int gf_locate_image_jpeg(const uint8_t *jpeg, size_t len,
                         gf_locate_image **out);
/* A working picture from a full-size grey bitmap (w × h, `stride` bytes a
 * row), shrunk the way a JPEG is; the same size limits. */
int gf_locate_image_grey(const uint8_t *grey, int w, int h, size_t stride,
                         gf_locate_image **out);
/* The full-size dimensions the picture came from. */
void gf_locate_image_size(const gf_locate_image *img, int *w, int *h);
void gf_locate_image_free(gf_locate_image *img);

/* --- reference and calibration ---------------------------------------- */

/* A locator whose template is the middle of `ref` (the head sits under the
 * camera's centre when the reference is taken). GF_ELOC_DARK or
 * GF_ELOC_FLAT if the picture shows too little to match against. `opts`
 * may be NULL. The picture may be freed afterwards. */
int gf_locate_new(const gf_locate_image *ref, const gf_locate_opts *opts,
                  gf_locate **out);
/* The head's offset in pixels from the reference in `img`, with the
 * match's figures; refusals as in gf_locate_find(). No calibration
 * needed: this is what calibration pictures are measured with. */
int gf_locate_measure(const gf_locate *l, const gf_locate_image *img,
                      gf_locate_result *r);
/* Fit pixels per mm and the axes' directions from `n` measured samples
 * (at least one move in X and one in Y, not parallel). GF_ELOC_CALIB
 * when the moves cannot give a calibration (too few, parallel, or a
 * misfit over 1.5 px, which means a measurement went wrong). */
int gf_locate_calibrate(gf_locate *l, const gf_locate_sample *s, size_t n);
/* The calibration in use; GF_ELOC_UNCALIBRATED if there is none. */
int gf_locate_calibration(const gf_locate *l, gf_locate_calib *c);
/* Set a calibration directly (one measured before, or in tests). */
int gf_locate_set_calibration(gf_locate *l, const gf_locate_calib *c);

/* --- locating ---------------------------------------------------------- */

/* Where the head is in `img`, as an offset in mm from the reference place
 * (r->dx_mm, r->dy_mm). GF_OK with a confident match, or the reason it is
 * refused: GF_ELOC_DARK (the picture is too dark: lid light off, room
 * dark), GF_ELOC_FLAT (no contrast: lid open to daylight, covered lens),
 * GF_ELOC_NOTFOUND (nothing like the head: hidden or occluded),
 * GF_ELOC_AMBIGUOUS (two places match almost as well), GF_ELOC_EDGE (the
 * best match touches the picture's edge: the head is partly out of view),
 * GF_ELOC_SIZE (a picture of another size than the reference),
 * GF_ELOC_UNCALIBRATED. `r` is filled in every case. */
int gf_locate_find(const gf_locate *l, const gf_locate_image *img,
                   gf_locate_result *r);
/* Confidence in 0..1 from a result's figures: 0 when refused, rising with
 * peak height and sharpness. */
double gf_locate_confidence(const gf_locate *l, const gf_locate_result *r);

/* --- storage ----------------------------------------------------------- */

/* The locator (template, calibration, thresholds) as a malloc'd blob. */
int gf_locate_save(const gf_locate *l, uint8_t **blob, size_t *len);
/* Read a blob made by gf_locate_save(); GF_ELOC_BLOB if it is not one. */
int gf_locate_load(const uint8_t *blob, size_t len, gf_locate **out);
void gf_locate_free(gf_locate *l);

/* --- the servo loop (PROTOCOL.md §17.1) ------------------------------- */

/* The caller moves the head to the reference place assuming it is at
 * home, takes a picture and feeds each gf_locate_find() result here; the
 * servo says what to do next. */
typedef struct gf_locate_servo {
    double tolerance_mm; /* done when the error is under this (0.25) */
    int max_corrections; /* correction moves allowed (4) */
    int corrections;     /* made so far */
    double last_err_mm;  /* error of the previous picture, < 0 before it */
    double move_dx_mm, move_dy_mm; /* GF_LOCATE_MOVE: the move to make */
    double err_mm; /* distance from the reference place, last picture */
} gf_locate_servo;

enum {
    GF_LOCATE_DONE = 0, /* within tolerance: the head is at the reference
                           place plus (dx_mm, dy_mm) of the last result */
    GF_LOCATE_MOVE = 1, /* make the move in move_dx_mm/move_dy_mm, then
                           take another picture */
};

void gf_locate_servo_init(gf_locate_servo *s, double tolerance_mm,
                          int max_corrections);
/* GF_LOCATE_DONE, GF_LOCATE_MOVE, or GF_ELOC_DIVERGE (an error that does
 * not shrink) / GF_ELOC_NOCONVERGE (out of corrections). */
int gf_locate_servo_step(gf_locate_servo *s, const gf_locate_result *r);

#ifdef __cplusplus
}
#endif
#endif

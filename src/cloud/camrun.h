/* camrun.h - the lid camera's two procedures as step machines: homing by
 * camera (the vendor's loop, PROTOCOL.md §17.1) and calibrating the camera
 * (docs/camera.md). They know nothing of the service: a caller (the camera
 * locator, locator_camera.c, or a test with an emulated camera) asks a run
 * what to do next, does it, and feeds back what happened:
 *
 *     camrun_step st = camrun_next(r);
 *     IMAGE: take a lid picture, then camrun_image(r, jpeg, len)
 *     MOVE:  move the head by (dx, dy) steps, then camrun_moved(r, ok)
 *     END:   camrun_outcome(r) says how it went
 *
 * camrun_image() decodes and searches the picture (tens of milliseconds):
 * the service calls it on its worker pool. A run is used by one thread at
 * a time and keeps no global state.
 *
 * Positions are machine steps (X/Y 0.01875 mm) in the caller's frame: the
 * head's start (`from`) and the reference place (`ref`, the bed centre
 * under the camera, where the calibration's reference picture is taken)
 * in the same one. Every failure ends the run with a gf_err code and a
 * reason; a homing that ends without a position never reports one. */
#ifndef CLOUD_CAMRUN_H
#define CLOUD_CAMRUN_H

#include <stddef.h>
#include <stdint.h>

#include "gf/locate.h"

/* The servo's goal and cap (issue 13, docs/camera.md). */
#define CAMRUN_TOLERANCE_MM   0.25
#define CAMRUN_MAX_CORRECTION 4
/* The calibration's known moves from the reference place, mm. */
#define CAMRUN_CALIB_MM 5.0

typedef struct camrun camrun;

typedef struct camrun_step {
    enum { CAMRUN_IMAGE, CAMRUN_MOVE, CAMRUN_END } what;
    int64_t dx, dy; /* MOVE: steps */
} camrun_step;

typedef struct camrun_outcome {
    int ok;    /* home: the head was found; calibrate: calibrated */
    int known; /* x, y hold where the head is now */
    int64_t x, y;
    int rc; /* GF_OK or the gf_err that stopped the run */
    char reason[200];
    /* home: the last look's figures */
    double confidence;  /* gf_locate_confidence(), 0..1 */
    double residual_mm; /* distance from the reference place, last look */
    int corrections;    /* correction moves made */
    /* calibrate: what was measured */
    gf_locate_calib calib;
} camrun_outcome;

/* Homing with the saved locator `blob` (gf_locate_save()): from `from`
 * (where the head is believed to be: home, after a hunt), move to `ref`,
 * look, correct until within CAMRUN_TOLERANCE_MM (at most
 * CAMRUN_MAX_CORRECTION corrections), then move to (0, 0). A blob that
 * does not load gives a run that ends at once (rc GF_ELOC_BLOB). NULL on
 * no memory. */
camrun *camrun_home(const uint8_t *blob, size_t len, int64_t from_x,
                    int64_t from_y, int64_t ref_x, int64_t ref_y);
/* Calibrating from the known position `from`: move to `ref`, take the
 * reference picture, look after known moves of ±CAMRUN_CALIB_MM in X and
 * Y, fit, then move to (0, 0). The head's position stays known by the
 * moves throughout, whatever the pictures show. */
camrun *camrun_calibrate(int64_t from_x, int64_t from_y, int64_t ref_x,
                         int64_t ref_y);
void camrun_free(camrun *r);

camrun_step camrun_next(const camrun *r);
/* The picture asked for (NULL/0: none came, the image action failed). */
void camrun_image(camrun *r, const uint8_t *jpeg, size_t len);
void camrun_moved(camrun *r, int ok);
const camrun_outcome *camrun_outcome_of(const camrun *r);
/* A finished calibration's locator as a malloc'd blob for the store
 * (gf_locate_save()); GF_ELOC_UNCALIBRATED before one. */
int camrun_blob(const camrun *r, uint8_t **blob, size_t *len);

#endif

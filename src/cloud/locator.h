/* locator.h - how the lifecycle finds where the head is after a hunt
 * (PROTOCOL.md §17.1 steps 4-6, §17.3).
 *
 * The machine has no X/Y limit switches: after the Z hunt something else
 * must say where the head is. A locator does that. It is started by the
 * lifecycle once the homing hunt has completed, may ask for lid images and
 * head moves through its host (the lifecycle), is told when each of them
 * ends, and finally reports a position with a confidence, or gives up with
 * a reason. Two kinds:
 *
 *  - manual (locator_manual.c): the operator pushed the head into the
 *    rear-left corner and says so (POST .../home {"method":"manual"});
 *  - camera (locator_camera.c): a visual servo on lid images, built on the
 *    libgf locate library (gf/locate.h): motion toward the bed centre,
 *    lid_image, corrections, motion back to home. It needs the machine's
 *    camera calibration, which locator_camera_calibration measures (POST
 *    .../camera/calibrate, lifecycle_calibrate()).
 *
 * Positions are machine steps (X/Y 0.01875 mm) from the rear-left corner. */
#ifndef CLOUD_LOCATOR_H
#define CLOUD_LOCATOR_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct locator_result {
    int found;          /* 1: x/y hold the position; 0: gave up (reason) */
    int64_t x, y;       /* steps from the rear-left corner */
    double confidence;  /* 0..1; a manual home is 1 */
    double residual_mm; /* camera: distance from the goal at the last look */
    const char *source;
    char reason[400];
} locator_result;

/* What the lifecycle lends a locator. Every call is on the event loop. */
typedef struct locator_host locator_host;
struct locator_host {
    void *ctx;
    uint64_t serial;
    struct cloud *cloud; /* the service: store, blobs, worker pool */
    /* Queue a lid image; its action id, or -1. on_image() follows. */
    int64_t (*lid_image)(locator_host *h);
    /* Queue a head move with job file `file` (a stored pulse file, see
     * files.h); its action id, or -1. Allowed while the position is
     * unknown, unlike any other move. on_motion() follows. */
    int64_t (*motion)(locator_host *h, const char *file);
    /* The stored JPEG of image action `action_id`: its path in `out`.
     * 0, or -1 if there is none (yet). */
    int (*image_path)(locator_host *h, int64_t action_id, char *out,
                      size_t outlen);
    /* Tell the operator what the locator waits for (state
     * waiting_for_home, shown by the API). */
    void (*waiting)(locator_host *h, const char *what);
    /* What the camera's calibration last did ("calibrating", "calibrated"
     * or why it failed), shown by the API. */
    void (*note)(locator_host *h, const char *what);
    /* The answer; the locator is freed after this returns. */
    void (*result)(locator_host *h, const locator_result *r);
};

typedef struct locator locator;
typedef struct locator_ops {
    const char *name; /* the API's "method" and the position's "source" */
    /* Begin: ask for images or moves, or wait for the operator. 0 or -1. */
    int (*start)(locator *l);
    /* An image or move it asked for ended (ok: it completed). */
    void (*on_image)(locator *l, int64_t action_id, int ok);
    void (*on_motion)(locator *l, int64_t action_id, int ok);
    /* Operator input (the body of POST .../home). 0 accepted; -1 refused
     * with `err`. */
    int (*confirm)(locator *l, const json_t *body, char *err, size_t errlen);
    void (*free)(locator *l);
} locator_ops;

struct locator {
    const locator_ops *ops;
    locator_host *host;
    void *state; /* the implementation's */
};

/* The locator of `method` ("manual", "camera"), or NULL for an unknown
 * method. */
const locator_ops *locator_find(const char *method);
/* A new locator of `ops` working for `host`; NULL on no memory. */
locator *locator_new(const locator_ops *ops, locator_host *host);
void locator_free(locator *l);

extern const locator_ops locator_manual;
extern const locator_ops locator_camera;
/* Not a method: lifecycle_calibrate() starts it, with the position known. */
extern const locator_ops locator_camera_calibration;

#endif

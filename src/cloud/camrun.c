/* camrun.c - homing by camera and calibrating the camera as step machines
 * (camrun.h), on libgf's locator (gf/locate.h, docs/camera.md).
 *
 * Both are a short fixed script of moves and pictures; what makes them a
 * state machine is that every move and picture is an action on a machine
 * far away, answered much later. A run therefore holds one pending step
 * and a stage that says what the answer means.
 *
 * Homing trusts nothing it has not seen: a refusal of the locator, a
 * correction that does not converge, a move or a picture that failed all
 * end the run without a position (known = 0), and the service then asks
 * for a manual home. Calibration starts from a known position and moves
 * only by known amounts, so the head's position stays known even when a
 * picture is refused; only a failed move loses it. */
#include "camrun.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gf/error.h"
#include "gf/puls.h"

#define STEP_MM GF_PULS_MM_PER_STEP_XY
#define SAMPLES 4

enum stage {
    ST_LOOK,    /* home: at the reference place (or corrected): look */
    ST_PARK,    /* both: moving to (0, 0); the run ends after it */
    ST_REF,     /* calibrate: at the reference place: the reference picture */
    ST_SAMPLE,  /* calibrate: at a known offset: measure */
    ST_STOPPED, /* ended */
};

struct camrun {
    int calibrating;
    enum stage stage;
    camrun_step step;
    int64_t x, y;         /* where the head is (steps), when known */
    int64_t to_x, to_y;   /* where the pending move takes it */
    int64_t ref_x, ref_y; /* the reference place */
    gf_locate *loc;
    gf_locate_servo servo;
    int sample;
    gf_locate_sample samples[SAMPLES];
    camrun_outcome out;
};

static const double calib_moves[SAMPLES][2] = {
    {CAMRUN_CALIB_MM, 0},
    {-CAMRUN_CALIB_MM, 0},
    {0, CAMRUN_CALIB_MM},
    {0, -CAMRUN_CALIB_MM},
};

static int64_t steps(double mm)
{
    return (int64_t)llround(mm / STEP_MM);
}

static void say(camrun *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    r->out.rc = rc;
    vsnprintf(r->out.reason, sizeof(r->out.reason), fmt, ap);
    va_end(ap);
}

/* The run is over; the head's position is what `known` says. */
static void stop(camrun *r, int known)
{
    r->stage = ST_STOPPED;
    r->step = (camrun_step){CAMRUN_END, 0, 0};
    r->out.known = known;
    r->out.x = known ? r->x : 0;
    r->out.y = known ? r->y : 0;
}

/* Move to (x, y); `then` is the stage once there. A move of nothing is
 * skipped. */
static void go(camrun *r, int64_t x, int64_t y, enum stage then)
{
    r->stage = then;
    r->to_x = x;
    r->to_y = y;
    if (x == r->x && y == r->y) {
        camrun_moved(r, 1);
        return;
    }
    r->step = (camrun_step){CAMRUN_MOVE, x - r->x, y - r->y};
}

static void look(camrun *r)
{
    r->step = (camrun_step){CAMRUN_IMAGE, 0, 0};
}

camrun *camrun_home(const uint8_t *blob, size_t len, int64_t from_x,
                    int64_t from_y, int64_t ref_x, int64_t ref_y)
{
    camrun *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->x = from_x;
    r->y = from_y;
    r->ref_x = ref_x;
    r->ref_y = ref_y;
    gf_locate_servo_init(&r->servo, CAMRUN_TOLERANCE_MM, CAMRUN_MAX_CORRECTION);
    gf_locate_calib c;
    int rc = gf_locate_load(blob, len, &r->loc);
    if (rc == GF_OK)
        rc = gf_locate_calibration(r->loc, &c);
    if (rc != GF_OK) {
        say(r, rc,
            "the stored camera calibration cannot be used (%s): "
            "calibrate again",
            gf_errname(rc));
        stop(r, 0);
        return r;
    }
    /* Believing the head is at `from`, the move to the reference place
     * is where the camera sees it. */
    go(r, ref_x, ref_y, ST_LOOK);
    return r;
}

camrun *camrun_calibrate(int64_t from_x, int64_t from_y, int64_t ref_x,
                         int64_t ref_y)
{
    camrun *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->calibrating = 1;
    r->x = from_x;
    r->y = from_y;
    r->ref_x = ref_x;
    r->ref_y = ref_y;
    go(r, ref_x, ref_y, ST_REF);
    return r;
}

void camrun_free(camrun *r)
{
    if (!r)
        return;
    gf_locate_free(r->loc);
    free(r);
}

camrun_step camrun_next(const camrun *r)
{
    return r->step;
}

const camrun_outcome *camrun_outcome_of(const camrun *r)
{
    return &r->out;
}

int camrun_blob(const camrun *r, uint8_t **blob, size_t *len)
{
    if (!r->calibrating || !r->out.ok || !r->loc)
        return GF_ELOC_UNCALIBRATED;
    return gf_locate_save(r->loc, blob, len);
}

/* A calibration that cannot go on still knows where the head is: say why
 * and go home. */
static void calib_failed(camrun *r, int rc, const char *what,
                         const gf_locate_result *res)
{
    if (res)
        say(r, rc,
            "calibration: %s: %s (%s; peak %.2f, sharpness %.2f, "
            "brightness %.0f)",
            what, gf_strerror(rc), gf_errname(rc), res->peak, res->sharpness,
            res->brightness);
    else
        say(r, rc, "calibration: %s: %s (%s)", what, gf_strerror(rc),
            gf_errname(rc));
    r->out.ok = 0;
    go(r, 0, 0, ST_PARK);
}

void camrun_moved(camrun *r, int ok)
{
    if (r->stage == ST_STOPPED)
        return;
    if (!ok) {
        say(r, GF_EIO,
            "a %s move did not complete: the head's position is unknown",
            r->calibrating ? "calibration" : "homing");
        r->out.ok = 0;
        stop(r, 0);
        return;
    }
    r->x = r->to_x;
    r->y = r->to_y;
    if (r->stage == ST_PARK) {
        stop(r, r->calibrating || r->out.ok);
        return;
    }
    look(r);
}

/* The picture as the locator's working image; GF_OK or why not. */
static int decode(const uint8_t *jpeg, size_t len, gf_locate_image **img)
{
    *img = NULL;
    if (!jpeg || !len)
        return GF_ENOTFOUND;
    return gf_locate_image_jpeg(jpeg, len, img);
}

static void calib_image(camrun *r, const gf_locate_image *img)
{
    gf_locate_result res;
    int rc;
    if (r->stage == ST_REF) {
        if ((rc = gf_locate_new(img, NULL, &r->loc)) != GF_OK) {
            calib_failed(r, rc, "the reference picture", NULL);
            return;
        }
    } else {
        if ((rc = gf_locate_measure(r->loc, img, &res)) != GF_OK) {
            calib_failed(r, rc, "a picture after a known move", &res);
            return;
        }
        r->samples[r->sample++] = (gf_locate_sample){
            (double)(r->x - r->ref_x) * STEP_MM,
            (double)(r->y - r->ref_y) * STEP_MM, res.px, res.py};
    }
    if (r->sample < SAMPLES) {
        const double *m = calib_moves[r->sample];
        go(r, r->ref_x + steps(m[0]), r->ref_y + steps(m[1]), ST_SAMPLE);
        return;
    }
    if ((rc = gf_locate_calibrate(r->loc, r->samples, SAMPLES)) != GF_OK) {
        calib_failed(r, rc, "fitting the moves", NULL);
        return;
    }
    gf_locate_calibration(r->loc, &r->out.calib);
    r->out.ok = 1;
    r->out.rc = GF_OK;
    go(r, 0, 0, ST_PARK);
}

static void home_image(camrun *r, const gf_locate_image *img)
{
    gf_locate_result res;
    int rc = gf_locate_find(r->loc, img, &res);
    if (rc != GF_OK) {
        say(r, rc,
            "camera: %s (%s; peak %.2f, sharpness %.2f, brightness %.0f)",
            gf_strerror(rc), gf_errname(rc), res.peak, res.sharpness,
            res.brightness);
        stop(r, 0);
        return;
    }
    rc = gf_locate_servo_step(&r->servo, &res);
    r->out.corrections = r->servo.corrections;
    r->out.residual_mm = r->servo.err_mm;
    if (rc == GF_LOCATE_MOVE) {
        go(r, r->x + steps(r->servo.move_dx_mm),
           r->y + steps(r->servo.move_dy_mm), ST_LOOK);
        return;
    }
    if (rc != GF_LOCATE_DONE) {
        say(r, rc, "camera: %s (%s) after %d corrections, %.2f mm off",
            gf_strerror(rc), gf_errname(rc), r->servo.corrections,
            r->servo.err_mm);
        stop(r, 0);
        return;
    }
    /* Seen: the head is at the reference place plus the last look's
     * offset, whatever the moves so far were believed to do. */
    r->out.ok = 1;
    r->out.rc = GF_OK;
    r->out.confidence = gf_locate_confidence(r->loc, &res);
    r->x = r->ref_x + steps(res.dx_mm);
    r->y = r->ref_y + steps(res.dy_mm);
    go(r, 0, 0, ST_PARK);
}

void camrun_image(camrun *r, const uint8_t *jpeg, size_t len)
{
    gf_locate_image *img = NULL;
    if (r->stage != ST_LOOK && r->stage != ST_REF && r->stage != ST_SAMPLE)
        return;
    int rc = decode(jpeg, len, &img);
    if (rc != GF_OK) {
        const char *what = rc == GF_ENOTFOUND ? "the lid picture did not arrive"
                                              : "the lid picture";
        if (r->calibrating) {
            calib_failed(r, rc, what, NULL);
        } else {
            say(r, rc, "camera: %s: %s (%s)", what, gf_strerror(rc),
                gf_errname(rc));
            stop(r, 0);
        }
        return;
    }
    if (r->calibrating)
        calib_image(r, img);
    else
        home_image(r, img);
    gf_locate_image_free(img);
}

/* locator_camera.c - homing by the lid camera, and calibrating it, behind
 * the lifecycle's locator interface (locator.h; PROTOCOL.md §17.1,
 * docs/camera.md, docs/cloud.md "Homing by camera").
 *
 * The steps themselves are camrun.c's; this file carries them out on a
 * machine through the host: each move becomes a pulse file (move_file.c)
 * and a `motion`, each picture a `lid_image` whose stored JPEG is read
 * back. Decoding and searching a picture and writing a move file block
 * for tens of milliseconds, so they run on the worker pool (work.h): a
 * work item owns the run while it is out, and a locator freed meanwhile
 * (the machine went away, an operator homed by hand) leaves the item to
 * free the state when it comes back.
 *
 * Two kinds:
 *  - locator_camera ("camera"): the vendor's loop from the believed home
 *    (or, from the API, from a known position); the stored calibration
 *    gives the template and the reference place. No calibration, or any
 *    refusal, ends without a position: the lifecycle waits for a manual
 *    home with the reason.
 *  - locator_camera_calibration: started by POST .../camera/calibrate
 *    with the position known; stores the calibration (store_camera_put)
 *    and answers with the position the moves kept. */
#include "locator_camera.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "camrun.h"
#include "gf/error.h"
#include "gf/puls.h"
#include "lifecycle.h"
#include "locator.h"
#include "log.h"
#include "move_file.h"
#include "work.h"

#define STEP_MM  GF_PULS_MM_PER_STEP_XY
#define MAX_JPEG (16L << 20)
#define MANUAL_TIP                                                             \
    "push the head into the rear-left corner, then POST "                      \
    "/api/v1/machines/{serial}/home {\"method\":\"manual\"}"

/* What only a run needs: a path and a move file's record. Allocated with
 * the run, so a machine the camera cannot home (not calibrated: it waits
 * for a manual home, maybe for days) holds a few words, not 4.7 KiB
 * (memory per session, docs/cloud.md). */
struct cam_io {
    char path[4300]; /* picture to look at, "" none */
    files_result fres;
};

struct cam {
    locator *l; /* NULL once the locator is freed with work out */
    locator_host *host;
    cloud *c;
    uint64_t serial;
    int calibrating;
    camrun *run;
    int out;              /* a work item holds the run */
    int64_t off_x, off_y; /* the home offset: the run's frame is from it */
    int64_t ref_abs_x, ref_abs_y;
    char source[16]; /* calibration: the position's source before it */
    double confidence;
    /* the work item's input and output */
    struct cam_io *io; /* with the run, NULL before it */
    int have_file;
    uint8_t *blob; /* calibration: the locator to store */
    size_t blob_len;
};

static void cam_free_state(struct cam *k)
{
    camrun_free(k->run);
    free(k->io);
    free(k->blob);
    free(k);
}

/* ---- the position's frame ---------------------------------------------- */

/* The believed position relative to the home offset, or home. */
static void believed(struct cam *k, int64_t *x, int64_t *y)
{
    int64_t ax, ay;
    *x = *y = 0;
    if (lifecycle_position(k->c->life, k->serial, &ax, &ay) == 0) {
        *x = ax - k->off_x;
        *y = ay - k->off_y;
    }
}

/* ---- the end ----------------------------------------------------------- */

static void finish(struct cam *k)
{
    const camrun_outcome *o = camrun_outcome_of(k->run);
    locator_result r = {0};
    r.residual_mm = -1;
    if (k->calibrating) {
        r.found = o->known;
        r.source = k->source;
        r.confidence = k->confidence;
        if (!o->known)
            snprintf(r.reason, sizeof(r.reason), "%s; %s", o->reason,
                     MANUAL_TIP);
        k->host->note(k->host, o->ok ? "calibrated" : o->reason);
    } else if (o->ok && o->known) {
        r.found = 1;
        r.source = "camera";
        r.confidence = o->confidence;
        r.residual_mm = o->residual_mm;
        log_msg(LOG_INFO,
                "S%" PRIu64 ": homed by camera: %.3f mm residual, "
                "confidence %.2f, %d correction(s)",
                k->serial, o->residual_mm, o->confidence, o->corrections);
    } else {
        snprintf(r.reason, sizeof(r.reason), "%s; %s", o->reason, MANUAL_TIP);
        log_msg(LOG_INFO, "S%" PRIu64 ": homing by camera gave up: %s",
                k->serial, o->reason);
    }
    r.x = o->x;
    r.y = o->y;
    k->host->result(k->host, &r);
}

/* ---- one step ---------------------------------------------------------- */

static void work_step(void *ctx);
static void after_step(void *ctx, int dropped);

/* A picture or a move failed to go out: the run ends on it. */
static void could_not(struct cam *k, int image)
{
    if (image)
        camrun_image(k->run, NULL, 0);
    else
        camrun_moved(k->run, 0);
}

/* Carry out what the run asks next, on the loop. */
static void advance(struct cam *k)
{
    for (;;) {
        camrun_step st = camrun_next(k->run);
        if (st.what == CAMRUN_END) {
            finish(k);
            return;
        }
        if (st.what == CAMRUN_IMAGE) {
            if (k->host->lid_image(k->host) >= 0)
                return;
            could_not(k, 1);
            continue;
        }
        if (k->have_file) {
            json_t *info = files_record(k->c, &k->io->fres);
            k->have_file = 0;
            int64_t id = info ? k->host->motion(k->host, k->io->fres.id) : -1;
            json_decref(info);
            if (id >= 0)
                return;
        } else if (work_queue(k->c->work, work_step, after_step, k) == 0) {
            k->out = 1; /* it makes the move's file */
            return;
        }
        could_not(k, 0);
    }
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n = -1;
    if (f && fseek(f, 0, SEEK_END) == 0)
        n = ftell(f);
    if (n > 0 && n <= MAX_JPEG && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n)) && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    if (f)
        fclose(f);
    *len = buf ? (size_t)n : 0;
    return buf;
}

/* On a worker: look at the picture (if one came), then make the file of
 * the move that follows (if one does). Touches only the state. */
static void work_step(void *ctx)
{
    struct cam *k = ctx;
    if (k->io->path[0]) {
        size_t len = 0;
        uint8_t *jpeg = read_all(k->io->path, &len);
        camrun_image(k->run, jpeg, len);
        free(jpeg);
        k->io->path[0] = '\0';
        if (k->calibrating && !k->blob &&
            camrun_blob(k->run, &k->blob, &k->blob_len) != GF_OK)
            k->blob = NULL;
    }
    camrun_step st = camrun_next(k->run);
    if (st.what == CAMRUN_MOVE) {
        memset(&k->io->fres, 0, sizeof(k->io->fres));
        k->have_file =
            move_file_prepare(k->c, k->serial, st.dx, st.dy, &k->io->fres) == 0;
        if (!k->have_file)
            log_msg(LOG_WARN, "S%" PRIu64 ": cannot make a camera move: %s",
                    k->serial, k->io->fres.err);
    }
}

static json_t *calib_figures(const struct cam *k)
{
    const gf_locate_calib *c = &camrun_outcome_of(k->run)->calib;
    return json_pack("{s:f, s:f, s:[f,f], s:[f,f], s:f, s:[f,f]}",
                     "px_per_mm_x", hypot(c->x_px[0], c->x_px[1]),
                     "px_per_mm_y", hypot(c->y_px[0], c->y_px[1]), "x_axis_px",
                     c->x_px[0], c->x_px[1], "y_axis_px", c->y_px[0],
                     c->y_px[1], "residual_px", c->residual_px, "reference_mm",
                     (double)k->ref_abs_x * STEP_MM,
                     (double)k->ref_abs_y * STEP_MM);
}

/* A finished calibration goes to the store as soon as it is measured,
 * before the move home. */
static void store_calibration(struct cam *k)
{
    store_camera sc = {0};
    json_t *fig = calib_figures(k);
    char *text = fig ? json_dumps(fig, JSON_COMPACT) : NULL;
    sc.ref_x = k->ref_abs_x;
    sc.ref_y = k->ref_abs_y;
    sc.calibrated = cloud_now();
    snprintf(sc.figures, sizeof(sc.figures), "%s", text ? text : "{}");
    sc.blob = k->blob;
    sc.len = k->blob_len;
    if (store_camera_put(k->c->store, k->serial, &sc) != STORE_OK)
        log_msg(LOG_ERR, "S%" PRIu64 ": cannot store the camera calibration",
                k->serial);
    else
        log_msg(LOG_INFO, "S%" PRIu64 ": camera calibrated: %s", k->serial,
                sc.figures);
    free(text);
    json_decref(fig);
    free(k->blob);
    k->blob = NULL;
}

static void after_step(void *ctx, int dropped)
{
    struct cam *k = ctx;
    k->out = 0;
    if (dropped || !k->l) {
        cam_free_state(k);
        return;
    }
    if (k->blob)
        store_calibration(k);
    if (camrun_next(k->run).what == CAMRUN_MOVE && !k->have_file)
        could_not(k, 0);
    advance(k);
}

/* ---- the locator's operations ------------------------------------------ */

static struct cam *cam_of(locator *l)
{
    return l->state;
}

static struct cam *cam_new(locator *l, int calibrating)
{
    struct cam *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->l = l;
    k->host = l->host;
    k->c = l->host->cloud;
    k->serial = l->host->serial;
    k->calibrating = calibrating;
    store_machine_get_home_offset(k->c->store, k->serial, &k->off_x, &k->off_y);
    l->state = k;
    return k;
}

/* The run has begun (`run`, or NULL: out of memory): with its buffers.
 * 0, or -1 with neither kept. */
static int run_begin(struct cam *k, camrun *run)
{
    k->run = run;
    if (run && !k->io)
        k->io = calloc(1, sizeof(*k->io));
    if (run && k->io)
        return 0;
    camrun_free(run);
    k->run = NULL;
    return -1;
}

/* Homing from (x, y) relative to the home offset. 0, or -1 (no memory). */
static int home_from(locator *l, int64_t x, int64_t y)
{
    struct cam *k = cam_of(l);
    store_camera sc;
    store_rc rc = store_camera_get(k->c->store, k->serial, &sc, 1);
    if (rc == STORE_NOT_FOUND) {
        k->host->waiting(k->host,
                         "the lid camera is not calibrated: " MANUAL_TIP
                         ", then calibrate it with POST "
                         "/api/v1/machines/{serial}/camera/calibrate");
        return 0;
    }
    if (rc != STORE_OK)
        return -1;
    k->ref_abs_x = sc.ref_x;
    k->ref_abs_y = sc.ref_y;
    int began =
        run_begin(k, camrun_home(sc.blob, sc.len, x, y, sc.ref_x - k->off_x,
                                 sc.ref_y - k->off_y));
    store_camera_free(&sc);
    if (began != 0)
        return -1;
    advance(k);
    return 0;
}

static int camera_start(locator *l)
{
    if (!cam_new(l, 0))
        return -1;
    return home_from(l, 0, 0); /* after a hunt: believed at home */
}

static void camera_on_image(locator *l, int64_t action_id, int ok)
{
    struct cam *k = cam_of(l);
    if (!k || !k->run || k->out)
        return;
    if (!ok || k->host->image_path(k->host, action_id, k->io->path,
                                   sizeof(k->io->path)) != 0) {
        k->io->path[0] = '\0';
        camrun_image(k->run, NULL, 0);
        advance(k);
        return;
    }
    if (work_queue(k->c->work, work_step, after_step, k) != 0) {
        k->io->path[0] = '\0';
        camrun_image(k->run, NULL, 0);
        advance(k);
        return;
    }
    k->out = 1;
}

static void camera_on_motion(locator *l, int64_t action_id, int ok)
{
    struct cam *k = cam_of(l);
    (void)action_id;
    if (!k || !k->run || k->out)
        return;
    camrun_moved(k->run, ok);
    advance(k);
}

/* POST .../home {"method":"camera"}: home by camera now, from the known
 * position if there is one (else from home, as after a hunt). */
static int camera_confirm(locator *l, const json_t *body, char *err,
                          size_t errlen)
{
    (void)body;
    struct cam *k = cam_of(l);
    if (k && k->run) {
        snprintf(err, errlen, "homing by camera is already under way");
        return -1;
    }
    if (!k && !(k = cam_new(l, 0))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    store_camera sc;
    if (store_camera_get(k->c->store, k->serial, &sc, 0) != STORE_OK) {
        snprintf(err, errlen,
                 "the lid camera is not calibrated: POST "
                 "/api/v1/machines/{serial}/camera/calibrate after a manual "
                 "home");
        return -1;
    }
    int64_t x, y;
    believed(k, &x, &y);
    if (home_from(l, x, y) != 0 || !k->run) {
        snprintf(err, errlen, "cannot read the camera calibration");
        return -1;
    }
    return 0;
}

static void camera_free(locator *l)
{
    struct cam *k = cam_of(l);
    if (!k)
        return;
    if (k->out) {
        k->l = NULL; /* the work item frees it when it comes back */
        return;
    }
    cam_free_state(k);
}

const locator_ops locator_camera = {"camera",        camera_start,
                                    camera_on_image, camera_on_motion,
                                    camera_confirm,  camera_free};

/* ---- calibrating ------------------------------------------------------- */

static int calib_start(locator *l)
{
    struct cam *k = cam_new(l, 1);
    int64_t x, y;
    if (!k)
        return -1;
    json_t *st = lifecycle_state(k->c->life, k->serial);
    json_t *pos = json_object_get(st, "head_position");
    snprintf(k->source, sizeof(k->source), "%s",
             json_string_value(json_object_get(pos, "source"))
                 ? json_string_value(json_object_get(pos, "source"))
                 : "manual");
    k->confidence = json_number_value(json_object_get(pos, "confidence"));
    json_decref(st);
    believed(k, &x, &y);
    k->ref_abs_x = LOCATOR_CAMERA_REF_X + k->off_x;
    k->ref_abs_y = LOCATOR_CAMERA_REF_Y + k->off_y;
    if (run_begin(k, camrun_calibrate(x, y, LOCATOR_CAMERA_REF_X,
                                      LOCATOR_CAMERA_REF_Y)) != 0)
        return -1;
    k->host->note(k->host, "calibrating");
    advance(k);
    return 0;
}

static int calib_confirm(locator *l, const json_t *body, char *err,
                         size_t errlen)
{
    (void)l, (void)body;
    snprintf(err, errlen, "the camera is being calibrated; wait for it");
    return -1;
}

const locator_ops locator_camera_calibration = {
    "camera_calibration", calib_start,   camera_on_image,
    camera_on_motion,     calib_confirm, camera_free};

/* ---- what the API shows ------------------------------------------------ */

void locator_camera_json(cloud *c, uint64_t serial, json_t *machine)
{
    store_camera sc;
    store_rc rc = store_camera_get(c->store, serial, &sc, 0);
    json_object_set_new(machine, "calibrated", json_boolean(rc == STORE_OK));
    if (rc != STORE_OK)
        return;
    json_t *cam = json_loads(sc.figures, 0, NULL);
    if (!json_is_object(cam)) {
        json_decref(cam);
        cam = json_object();
    }
    json_object_set_new(cam, "calibrated_at", json_integer(sc.calibrated));
    json_object_set_new(machine, "camera", cam);
}

/* lifecycle.c - the machine's life as the service drives it (PROTOCOL.md
 * §12.2, §17.1, §17.3; the diagram is in docs/cloud.md).
 *
 *   offline -> connecting -> reporting -> hunting -> locating
 *           -> waiting_for_home -> ready <-> busy
 *
 * On connect the scheduler sends `settings`. A full report (a fresh machine
 * process), or an empty one while no position is on record, starts homing:
 * a Z `hunt` with the bundled hunt file, then a locator (locator.h) finds
 * X/Y. An empty report with a stored position keeps it.
 *
 * From then on the position is dead-reckoned in steps: every completed
 * `motion` adds its file's net X/Y; a completed `print` that parked
 * (`print:return_to_home:succeeded`) ends where it started. Anything that
 * moved and did not complete (cancelled, failed, a lost session), and any
 * action that missed its deadline (§10: the machine may be wedged), makes
 * the position unknown and homing starts again. Nothing that
 * moves X/Y is sent while the position is unknown (lifecycle_may_send),
 * except the locator's own moves.
 *
 * After a completed print the service takes a lid image and runs a Z hunt
 * (§17.1); an unsolicited `lid:closed` brings a lid image (the bed may hold
 * new material) but `lid:opened` does not: the lid camera would face the
 * room.
 *
 * The position is kept in the store (machines.head, a small JSON object or
 * "unknown"), so an empty report after a restart of gfcloud keeps it; the
 * phase is live state only. Actions this module queues go before the
 * operator's (priority 1; settings is always first). */
#include "lifecycle.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "gf/puls.h"
#include "jobs.h"
#include "locator.h"
#include "log.h"
#include "scheduler.h"
#include "serial_map.h"

#define OWN_PRIORITY 1

enum phase {
    PH_OFFLINE,
    PH_CONNECTING,
    PH_REPORTING,
    PH_HUNTING,
    PH_LOCATING,
    PH_WAITING_HOME,
    PH_IDLE, /* ready or busy: the position is known */
};

static const char *const phase_names[] = {
    "offline",  "connecting",       "reporting", "hunting",
    "locating", "waiting_for_home", "ready"};

struct lm {
    serial_node node; /* first: the map's link and the serial */
    lifecycle *l;
    enum phase phase;
    int known; /* the position below is good */
    int64_t x, y;
    char source[16];
    int64_t since;
    double confidence;
    double residual_mm;  /* camera: how far off the last look was, or -1 */
    int64_t homing_hunt; /* the homing hunt's action id, 0 none */
    int64_t print_id;    /* the print in flight, and whether it parked */
    int parked;
    locator *loc;
    int loc_done; /* result() came: free after the locator's call */
    int64_t loc_image, loc_motion;
    locator_host host;
    /* On the heap, NULL when there is nothing to say: most machines have
     * nothing, and a fleet's per-machine memory counts (docs/cloud.md). */
    char *note;         /* what homing waits for, or why it stopped */
    char *camera;       /* what the camera's calibration last did */
    char published[96]; /* the state last put on the event bus */
};

struct lifecycle {
    cloud *c;
    serial_map machines; /* struct lm by serial */
};

static void text_clear(char **dst)
{
    free(*dst);
    *dst = NULL;
}

/* *dst = the text `fmt` makes (a copy on the heap; NULL if it is empty). */
__attribute__((format(printf, 2, 3))) static void text_set(char **dst,
                                                           const char *fmt, ...)
{
    text_clear(dst);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0 || !(*dst = malloc((size_t)n + 1)))
        return;
    va_start(ap, fmt);
    vsnprintf(*dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
}

static void load_position(struct lm *m)
{
    char text[512];
    if (store_machine_get_head(m->l->c->store, m->node.serial, text,
                               sizeof(text)) != 0)
        return;
    json_t *o = json_loads(text, 0, NULL);
    json_t *x = json_object_get(o, "x_steps"),
           *y = json_object_get(o, "y_steps");
    if (json_is_integer(x) && json_is_integer(y)) {
        m->known = 1;
        m->x = json_integer_value(x);
        m->y = json_integer_value(y);
        snprintf(m->source, sizeof(m->source), "%s",
                 json_string_value(json_object_get(o, "source"))
                     ? json_string_value(json_object_get(o, "source"))
                     : "unknown");
        m->since = json_integer_value(json_object_get(o, "since"));
        m->confidence = json_number_value(json_object_get(o, "confidence"));
        json_t *res = json_object_get(o, "residual_mm");
        m->residual_mm = json_is_number(res) ? json_number_value(res) : -1;
    }
    json_decref(o);
}

static void host_init(struct lm *m);
static void notify(struct lm *m);

static struct lm *find(lifecycle *l, uint64_t serial)
{
    if (!l)
        return NULL;
    struct lm *m = (struct lm *)serial_map_find(&l->machines, serial);
    if (m)
        return m;
    m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->l = l;
    m->node.serial = serial;
    m->phase = PH_OFFLINE;
    m->residual_mm = -1;
    host_init(m);
    load_position(m);
    if (serial_map_add(&l->machines, &m->node) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

lifecycle *lifecycle_new(cloud *c)
{
    lifecycle *l = calloc(1, sizeof(*l));
    if (l)
        l->c = c;
    return l;
}

static void drop(serial_node *n)
{
    struct lm *m = (struct lm *)n;
    locator_free(m->loc);
    free(m->note);
    free(m->camera);
    free(m);
}

void lifecycle_free(lifecycle *l)
{
    if (!l)
        return;
    serial_map_clear(&l->machines, drop);
    free(l);
}

/* ---- the position ------------------------------------------------------ */

static void save_position(struct lm *m)
{
    char text[256] = "unknown", residual[48] = "";
    if (m->known && m->residual_mm >= 0)
        snprintf(residual, sizeof(residual), ",\"residual_mm\":%.3f",
                 m->residual_mm);
    if (m->known)
        snprintf(text, sizeof(text),
                 "{\"x_steps\":%" PRId64 ",\"y_steps\":%" PRId64
                 ",\"source\":\"%s\",\"since\":%" PRId64
                 ",\"confidence\":%.3f%s}",
                 m->x, m->y, m->source, m->since, m->confidence, residual);
    store_machine_set_head(m->l->c->store, m->node.serial, text);
}

static void start_homing(struct lm *m);

/* A locator at work moves the head itself: nothing else may move it and
 * the position is not known until the locator answers. */
static void locator_owns_head(struct lm *m)
{
    m->phase = PH_LOCATING;
    text_clear(&m->note);
    m->known = 0;
    save_position(m);
}

/* The head may have moved without our knowing where to: forget the
 * position, and home again if the machine is here to do it. */
static void lose_position(struct lm *m, const char *why)
{
    if (m->known)
        log_msg(LOG_INFO, "S%" PRIu64 ": head position now unknown (%s)",
                m->node.serial, why);
    m->known = 0;
    save_position(m);
    if (m->phase == PH_IDLE)
        start_homing(m);
}

static void move_by(struct lm *m, const char *file)
{
    store_file f;
    if (!m->known)
        return;
    if (!file[0] || store_file_get(m->l->c->store, file, &f) != 0) {
        lose_position(m, "the move's job file is gone");
        return;
    }
    m->x += f.net_x;
    m->y += f.net_y;
    save_position(m);
}

/* ---- actions the lifecycle queues --------------------------------------- */

/* Queue one of the lifecycle's own actions. `slot` (may be NULL) gets its
 * id before the scheduler hears of it: sched_kick() may ask
 * lifecycle_may_send() about it at once, and a locator's move is only
 * allowed once it is known as the locator's. */
static int64_t queue_as(struct lm *m, const char *type, const char *file,
                        int64_t *slot)
{
    cloud *c = m->l->c;
    store_action a;
    memset(&a, 0, sizeof(a));
    a.serial = m->node.serial;
    snprintf(a.type, sizeof(a.type), "%s", type);
    snprintf(a.file, sizeof(a.file), "%s", file ? file : "");
    a.priority = OWN_PRIORITY;
    a.created = cloud_now();
    a.expires_at = a.created + c->cfg.queue_ttl;
    if (store_action_add(c->store, &a) != 0) {
        log_msg(LOG_WARN, "S%" PRIu64 ": cannot queue a %s", m->node.serial,
                type);
        return -1;
    }
    if (slot)
        *slot = a.id;
    sched_kick(c->sched, m->node.serial);
    return a.id;
}

static int64_t queue(struct lm *m, const char *type, const char *file)
{
    return queue_as(m, type, file, NULL);
}

static void settle_locator(struct lm *m)
{
    if (m->loc && m->loc_done) {
        locator_free(m->loc);
        m->loc = NULL;
        m->loc_done = 0;
        m->loc_image = m->loc_motion = 0;
    }
}

static void start_locating(struct lm *m)
{
    const locator_ops *ops = locator_find(m->l->c->cfg.locator);
    m->phase = PH_LOCATING;
    text_clear(&m->note);
    locator_free(m->loc);
    m->loc = ops ? locator_new(ops, &m->host) : NULL;
    if (!m->loc || m->loc->ops->start(m->loc) != 0) {
        locator_free(m->loc);
        m->loc = NULL;
        m->phase = PH_WAITING_HOME;
        text_set(&m->note, "the %s locator could not start; home by hand",
                 m->l->c->cfg.locator);
    }
    settle_locator(m);
}

static void start_homing(struct lm *m)
{
    cloud *c = m->l->c;
    if (m->homing_hunt)
        return; /* one is queued or running */
    m->known = 0;
    save_position(m);
    if (!c->hunt_file_id[0]) {
        log_msg(LOG_WARN,
                "S%" PRIu64 ": no hunt file: locating without a "
                "hunt",
                m->node.serial);
        start_locating(m);
        return;
    }
    int64_t id = queue(m, "hunt", c->hunt_file_id);
    if (id < 0) {
        m->phase = PH_WAITING_HOME;
        text_set(&m->note, "cannot queue the homing hunt");
        return;
    }
    m->homing_hunt = id;
    m->phase = PH_HUNTING;
    log_msg(LOG_INFO, "S%" PRIu64 ": homing: hunt %" PRId64, m->node.serial,
            id);
}

/* ---- the locator's host ------------------------------------------------- */

static struct lm *host_lm(locator_host *h)
{
    return h->ctx;
}

static int64_t host_lid_image(locator_host *h)
{
    struct lm *m = host_lm(h);
    m->loc_image = queue_as(m, "lid_image", NULL, &m->loc_image);
    return m->loc_image;
}

static int64_t host_motion(locator_host *h, const char *file)
{
    struct lm *m = host_lm(h);
    m->loc_motion = queue_as(m, "motion", file, &m->loc_motion);
    return m->loc_motion;
}

static int host_image_path(locator_host *h, int64_t action_id, char *out,
                           size_t outlen)
{
    struct lm *m = host_lm(h);
    char blob[65];
    (void)action_id; /* one image in flight: the latest is the one */
    if (store_image_latest(m->l->c->store, m->node.serial, "lid_image", blob) !=
        0)
        return -1;
    return blobs_path(m->l->c->blobs, blob, out, outlen);
}

static void host_waiting(locator_host *h, const char *what)
{
    struct lm *m = host_lm(h);
    m->phase = PH_WAITING_HOME;
    text_set(&m->note, "%s", what);
}

static void host_note(locator_host *h, const char *what)
{
    struct lm *m = host_lm(h);
    text_set(&m->camera, "%s", what);
}

/* May come from within a lifecycle call or on its own (a camera locator
 * answers from the worker pool's completion): it tells the event bus
 * itself, and the locator is freed by the next settle_locator(). */
static void host_result(locator_host *h, const locator_result *r)
{
    struct lm *m = host_lm(h);
    int64_t dx = 0, dy = 0;
    m->loc_done = 1;
    if (!r->found) {
        m->phase = PH_WAITING_HOME;
        text_set(&m->note, "%s", r->reason);
        notify(m);
        return;
    }
    store_machine_get_home_offset(m->l->c->store, m->node.serial, &dx, &dy);
    m->known = 1;
    m->x = r->x + dx;
    m->y = r->y + dy;
    snprintf(m->source, sizeof(m->source), "%s", r->source);
    m->since = cloud_now();
    m->confidence = r->confidence;
    m->residual_mm = strcmp(r->source, "camera") == 0 ? r->residual_mm : -1;
    m->phase = PH_IDLE;
    text_clear(&m->note);
    save_position(m);
    log_msg(LOG_INFO,
            "S%" PRIu64 ": homed (%s): x %" PRId64 " y %" PRId64 " steps",
            m->node.serial, m->source, m->x, m->y);
    sched_kick(m->l->c->sched, m->node.serial);
    jobs_kick(m->l->c, m->node.serial);
    notify(m);
}

static void host_init(struct lm *m)
{
    m->host.ctx = m;
    m->host.serial = m->node.serial;
    m->host.cloud = m->l->c;
    m->host.note = host_note;
    m->host.lid_image = host_lid_image;
    m->host.motion = host_motion;
    m->host.image_path = host_image_path;
    m->host.waiting = host_waiting;
    m->host.result = host_result;
}

/* ---- the scheduler's hooks ---------------------------------------------- */

static void do_connected(lifecycle *l, uint64_t serial)
{
    struct lm *m = find(l, serial);
    if (m)
        m->phase = PH_CONNECTING;
}

static void do_disconnected(lifecycle *l, uint64_t serial)
{
    struct lm *m = find(l, serial);
    if (!m)
        return;
    m->phase = PH_OFFLINE;
    text_clear(&m->note);
    locator_free(m->loc);
    m->loc = NULL;
    m->loc_done = 0;
    m->loc_image = m->loc_motion = 0;
    /* A homing hunt not sent yet would run after the next report's own:
     * homing starts over on return. One in flight is the scheduler's to
     * record interrupted. */
    store_action a;
    if (m->homing_hunt &&
        store_action_get(l->c->store, m->homing_hunt, &a) == 0) {
        if (strcmp(a.state, "queued") == 0)
            store_action_finish(l->c->store, a.id, "cancelled",
                                "the machine went offline before homing",
                                cloud_now());
        store_action_free(&a);
    }
    m->homing_hunt = 0;
}

static void do_sent(lifecycle *l, uint64_t serial, const store_action *a)
{
    struct lm *m = find(l, serial);
    if (!m)
        return;
    if (strcmp(a->type, "settings") == 0) {
        if (m->phase == PH_CONNECTING)
            m->phase = PH_REPORTING; /* the opening report */
    } else if (strcmp(a->type, "print") == 0) {
        m->print_id = a->id;
        m->parked = 0;
    }
}

/* Whether a hunt's file moves X or Y at all (the bundled one does not,
 * §17.1): only then can a hunt that stopped half-way lose the position. */
static int reaches_xy(cloud *c, const char *file)
{
    store_file f;
    if (!file[0] || store_file_get(c->store, file, &f) != 0)
        return 1;
    return f.min_x || f.max_x || f.min_y || f.max_y;
}

static void homing_hunt_done(struct lm *m, int ok, const char *outcome)
{
    m->homing_hunt = 0;
    if (m->phase == PH_OFFLINE)
        return;
    if (ok) {
        start_locating(m);
        return;
    }
    m->phase = PH_WAITING_HOME;
    text_set(&m->note,
             "the homing hunt was %s; home by hand, or reconnect the "
             "machine to hunt again",
             outcome);
}

static void print_done(struct lm *m, int ok)
{
    int parked = m->parked;
    m->print_id = 0;
    if (!ok) {
        lose_position(m, "the print did not complete");
        return;
    }
    if (!parked)
        lose_position(m, "the print ended without parking");
    /* §17.1: after a completed print, a lid image and a Z hunt. */
    queue(m, "lid_image", NULL);
    if (m->known && m->l->c->hunt_file_id[0])
        queue(m, "hunt", m->l->c->hunt_file_id);
}

static void do_finished(lifecycle *l, uint64_t serial, int64_t id,
                        const char *type, const char *outcome)
{
    struct lm *m = find(l, serial);
    if (!m)
        return;
    int ok = strcmp(outcome, "completed") == 0;
    if (id == m->homing_hunt) {
        homing_hunt_done(m, ok, outcome);
        return;
    }
    if (m->loc && (id == m->loc_image || id == m->loc_motion)) {
        if (id == m->loc_image)
            m->loc->ops->on_image(m->loc, id, ok);
        else
            m->loc->ops->on_motion(m->loc, id, ok);
        settle_locator(m);
        return;
    }
    int timed_out = strcmp(outcome, "timed_out") == 0;
    /* Only these move the head, and any action may have wedged it by
     * missing its deadline: the rest (settings, images, ...) end here
     * without a read of the action. */
    if (!timed_out && strcmp(type, "print") != 0 &&
        strcmp(type, "motion") != 0 && strcmp(type, "hunt") != 0)
        return;
    store_action a;
    char file[65] = "";
    int sent = 1;
    if (store_action_get(l->c->store, id, &a) == 0) {
        snprintf(file, sizeof(file), "%s", a.file);
        sent = a.sent_at != 0;
        store_action_free(&a);
    }
    if (!sent)
        return; /* expired or refused in the queue: nothing moved */
    if (timed_out) {
        /* §10: a machine that missed a deadline may be wedged anywhere. */
        if (strcmp(type, "print") == 0)
            m->print_id = 0;
        lose_position(m, "an action timed out");
        return;
    }
    if (strcmp(type, "print") == 0) {
        print_done(m, ok);
    } else if (strcmp(type, "motion") == 0) {
        if (ok)
            move_by(m, file);
        else
            lose_position(m, "a motion did not complete");
    } else if (strcmp(type, "hunt") == 0) {
        if (ok)
            move_by(m, file);
        else if (reaches_xy(l->c, file))
            lose_position(m, "a hunt did not complete");
    }
}

int lifecycle_may_send(lifecycle *l, uint64_t serial, const store_action *a)
{
    if (!l || (strcmp(a->type, "motion") != 0 && strcmp(a->type, "print") != 0))
        return 1;
    struct lm *m = find(l, serial);
    if (!m)
        return 0;
    return m->known || (m->loc && a->id == m->loc_motion);
}

/* ---- handle_event.c's hooks --------------------------------------------- */

static void do_settings(lifecycle *l, uint64_t serial, int full)
{
    struct lm *m = find(l, serial);
    if (!m)
        return;
    if (m->phase == PH_OFFLINE)
        m->phase = PH_REPORTING; /* a report from a session we missed */
    /* A homing already past its hunt goes on: an operator's settings
     * action between the hunt and the home changes nothing. */
    int homing = m->phase == PH_LOCATING || m->phase == PH_WAITING_HOME;
    if (full || (!m->known && !homing)) {
        /* A full report comes from a fresh machine process: wherever the
         * head was, it must be found again (§12.2, §17.3). */
        start_homing(m);
        return;
    }
    if (m->phase < PH_HUNTING) {
        m->phase = PH_IDLE; /* the empty form: the stored position holds */
        jobs_kick(l->c, serial);
    }
}

static void do_event(lifecycle *l, uint64_t serial, const gf_msg *msg)
{
    const char *ev = msg->event ? msg->event : "";
    struct lm *m = l ? find(l, serial) : NULL;
    if (!m)
        return;
    if (msg->has_action_id) {
        if (msg->action_id == m->print_id &&
            strcmp(ev, "print:return_to_home:succeeded") == 0)
            m->parked = 1;
        return;
    }
    if (strcmp(ev, "lid:closed") == 0 && m->phase != PH_OFFLINE)
        queue(m, "lid_image", NULL);
}

/* ---- the API ------------------------------------------------------------ */

static int do_home(lifecycle *l, uint64_t serial, const json_t *body,
                   const char **code, char *err, size_t errlen)
{
    const char *method = json_string_value(json_object_get(body, "method"));
    const locator_ops *ops = locator_find(method);
    struct lm *m = find(l, serial);
    if (!m) {
        *code = "internal";
        snprintf(err, errlen, "out of memory");
        return 500;
    }
    if (!ops) {
        *code = "unknown_method";
        snprintf(err, errlen, "method must be one of: manual, camera");
        return 400;
    }
    settle_locator(m); /* one that answered on its own is done */
    int busy = m->phase == PH_IDLE && sched_inflight(l->c->sched, serial);
    if (m->phase == PH_OFFLINE || m->phase < PH_LOCATING || busy) {
        *code = m->phase == PH_OFFLINE ? "offline" : "busy";
        snprintf(err, errlen, "the machine is %s; home it once it is %s",
                 busy ? "busy" : phase_names[m->phase],
                 m->phase == PH_OFFLINE ? "online and hunted" : "idle");
        return 409;
    }
    if (!m->loc || m->loc->ops != ops) {
        locator_free(m->loc);
        m->loc = locator_new(ops, &m->host);
        m->loc_image = m->loc_motion = 0;
        if (!m->loc) {
            *code = "internal";
            snprintf(err, errlen, "out of memory");
            return 500;
        }
    }
    int rc = m->loc->ops->confirm(m->loc, body, err, errlen);
    if (rc == 0 && !m->loc_done)
        locator_owns_head(m); /* the camera moves the head to look */
    settle_locator(m);
    if (rc != 0) {
        *code = "refused";
        return 400;
    }
    return 0;
}

static int do_calibrate(lifecycle *l, uint64_t serial, const char **code,
                        char *err, size_t errlen)
{
    struct lm *m = find(l, serial);
    if (!m) {
        *code = "internal";
        snprintf(err, errlen, "out of memory");
        return 500;
    }
    settle_locator(m);
    if (m->phase != PH_IDLE || !m->known ||
        sched_inflight(l->c->sched, serial)) {
        *code = m->phase == PH_OFFLINE ? "offline"
                : m->known             ? "busy"
                                       : "position_unknown";
        snprintf(err, errlen,
                 "the machine is %s: calibrate the camera once it is online, "
                 "homed (e.g. POST .../home {\"method\":\"manual\"}) and idle",
                 m->phase == PH_IDLE && m->known ? "busy"
                                                 : phase_names[m->phase]);
        return 409;
    }
    locator_free(m->loc);
    m->loc_image = m->loc_motion = 0;
    m->loc = locator_new(&locator_camera_calibration, &m->host);
    if (!m->loc || m->loc->ops->start(m->loc) != 0) {
        locator_free(m->loc);
        m->loc = NULL;
        *code = "internal";
        snprintf(err, errlen, "cannot start the calibration");
        return 500;
    }
    if (!m->loc_done)
        locator_owns_head(m);
    settle_locator(m);
    return 0;
}

int lifecycle_ready(lifecycle *l, uint64_t serial)
{
    struct lm *m = find(l, serial);
    return m && m->phase == PH_IDLE && m->known &&
           !sched_inflight(l->c->sched, serial);
}

int lifecycle_position(lifecycle *l, uint64_t serial, int64_t *x, int64_t *y)
{
    struct lm *m = find(l, serial);
    if (!m || !m->known)
        return 1;
    *x = m->x;
    *y = m->y;
    return 0;
}

static json_t *position_json(const struct lm *m)
{
    /* (also used by notify(), above) */
    if (!m || !m->known)
        return json_string("unknown");
    json_t *o = json_pack("{s:f, s:f, s:I, s:I, s:s, s:I, s:f}", "x_mm",
                          (double)m->x * GF_PULS_MM_PER_STEP_XY, "y_mm",
                          (double)m->y * GF_PULS_MM_PER_STEP_XY, "x_steps",
                          (json_int_t)m->x, "y_steps", (json_int_t)m->y,
                          "source", m->source, "since", (json_int_t)m->since,
                          "confidence", m->confidence);
    if (o && m->residual_mm >= 0)
        json_object_set_new(o, "residual_mm", json_real(m->residual_mm));
    return o;
}

static json_t *position_json(const struct lm *m);

/* Put the machine's state on the event bus when it changed: its lifecycle
 * and its head position (machine.lifecycle), and online/offline. */
static void notify(struct lm *m)
{
    if (!m)
        return;
    cloud *c = m->l->c;
    const char *name = phase_names[m->phase];
    if (m->phase == PH_IDLE && sched_inflight(c->sched, m->node.serial))
        name = "busy";
    char now[96], serial[32];
    snprintf(now, sizeof(now), "%s %d %" PRId64 " %" PRId64, name, m->known,
             m->x, m->y);
    if (strcmp(now, m->published) == 0)
        return;
    int was_offline =
        !m->published[0] || strncmp(m->published, "offline ", 8) == 0;
    int is_offline = m->phase == PH_OFFLINE;
    snprintf(m->published, sizeof(m->published), "%s", now);
    snprintf(serial, sizeof(serial), "S%" PRIu64, m->node.serial);
    if (was_offline != is_offline)
        events_publish(c->events,
                       is_offline ? "machine.offline" : "machine.online",
                       json_pack("{s:s}", "machine", serial));
    events_publish(c->events, "machine.lifecycle",
                   json_pack("{s:s, s:s, s:o}", "machine", serial, "lifecycle",
                             name, "head_position", position_json(m)));
}

json_t *lifecycle_state(lifecycle *l, uint64_t serial)
{
    struct lm *m = find(l, serial);
    const char *name = m ? phase_names[m->phase] : "offline";
    if (m && m->phase == PH_IDLE && sched_inflight(l->c->sched, serial))
        name = "busy";
    json_t *o = json_pack("{s:s, s:o}", "lifecycle", name, "head_position",
                          position_json(m));
    if (m && m->note)
        json_object_set_new(o, "homing", json_string(m->note));
    if (m && m->camera)
        json_object_set_new(o, "camera_calibration", json_string(m->camera));
    return o;
}

/* ---- the entry points: each ends by telling the event bus ---------------- */

void lifecycle_connected(lifecycle *l, uint64_t serial)
{
    do_connected(l, serial);
    notify(l ? find(l, serial) : NULL);
}

void lifecycle_disconnected(lifecycle *l, uint64_t serial)
{
    do_disconnected(l, serial);
    notify(l ? find(l, serial) : NULL);
}

void lifecycle_sent(lifecycle *l, uint64_t serial, const store_action *a)
{
    do_sent(l, serial, a);
    notify(l ? find(l, serial) : NULL);
}

void lifecycle_finished(lifecycle *l, uint64_t serial, int64_t id,
                        const char *type, const char *outcome)
{
    do_finished(l, serial, id, type, outcome);
    notify(l ? find(l, serial) : NULL);
}

void lifecycle_settings(lifecycle *l, uint64_t serial, int full)
{
    do_settings(l, serial, full);
    notify(l ? find(l, serial) : NULL);
}

void lifecycle_event(lifecycle *l, uint64_t serial, const gf_msg *msg)
{
    do_event(l, serial, msg);
    notify(l ? find(l, serial) : NULL);
}

int lifecycle_home(lifecycle *l, uint64_t serial, const json_t *body,
                   const char **code, char *err, size_t errlen)
{
    int rc = do_home(l, serial, body, code, err, errlen);
    notify(find(l, serial));
    return rc;
}

int lifecycle_calibrate(lifecycle *l, uint64_t serial, const char **code,
                        char *err, size_t errlen)
{
    int rc = do_calibrate(l, serial, code, err, errlen);
    notify(find(l, serial));
    return rc;
}

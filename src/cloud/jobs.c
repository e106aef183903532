/* jobs.c - a job's life (jobs.h; the states are in docs/api.md "Jobs").
 *
 *   compiling -> queued -> waiting_for_home -> sending -> waiting_for_button
 *             -> running -> completed | failed | cancelled
 *
 * A job is created with its design in a scratch file and compiled on the
 * worker pool with libgf's compiler, the way `gfpuls compile` does it (an
 * SVG's stroke colours cut by default, images engraved, the operations
 * given per colour), at its placement on the bed and locked to its
 * machine's serial; a pulse file is validated and placed as it is. The
 * picture of the job (libgf's renderer) is made there too. Nothing of this
 * runs on the event loop.
 *
 * One queue per machine, in the store: the next job is sent only when the
 * lifecycle says the machine is ready (online, position known, nothing in
 * flight) and no other job of the machine is under way. Before it is sent
 * its reach from the placement is checked against the 495 x 279 mm bed.
 * If the head is not at the job's origin, a travel move (generated on the
 * pool) goes first; then the print, which the machine's button fires. A
 * job queued longer than queue-ttl is never sent on its own (no stale
 * starts): the operator re-queues it. */
#include "jobs.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "files.h"
#include "gf/compile.h"
#include "gf/puls.h"
#include "lifecycle.h"
#include "log.h"
#include "move_file.h"
#include "scheduler.h"
#include "work.h"

#define BED_W_STEPS ((int64_t)llround(GF_BED_W_MM / GF_PULS_MM_PER_STEP_XY))
#define BED_H_STEPS ((int64_t)llround(GF_BED_H_MM / GF_PULS_MM_PER_STEP_XY))

static int64_t steps(double mm)
{
    return (int64_t)llround(mm / GF_PULS_MM_PER_STEP_XY);
}

/* Store the job and tell the event bus what changed: its state (with the
 * reason) or its progress. */
static store_rc put(cloud *c, const store_job *j)
{
    store_job old;
    int had = store_job_get(c->store, j->id, &old) == STORE_OK;
    store_rc rc = store_job_put(c->store, j);
    char serial[32];
    snprintf(serial, sizeof(serial), "S%" PRIu64, j->serial);
    if (rc == STORE_OK && (!had || strcmp(old.state, j->state) != 0))
        events_publish(c->events, "job.state",
                       json_pack("{s:I, s:s, s:s, s:s?}", "id",
                                 (json_int_t)j->id, "machine", serial, "state",
                                 j->state, "reason",
                                 j->reason[0] ? j->reason : NULL));
    else if (rc == STORE_OK && had && old.progress != j->progress)
        events_publish(c->events, "job.progress",
                       json_pack("{s:I, s:s, s:I}", "id", (json_int_t)j->id,
                                 "machine", serial, "ticks",
                                 (json_int_t)j->progress));
    if (had)
        store_job_free(&old);
    return rc;
}

static int terminal(const char *state)
{
    return !strcmp(state, "completed") || !strcmp(state, "failed") ||
           !strcmp(state, "cancelled");
}

static void end_job(cloud *c, store_job *j, const char *state,
                    const char *reason)
{
    snprintf(j->state, sizeof(j->state), "%s", state);
    /* A reason is a line: cut to what the job keeps (512 bytes). */
    if (reason)
        snprintf(j->reason, sizeof(j->reason), "%.*s",
                 (int)sizeof(j->reason) - 1, reason);
    j->finished = cloud_now();
    put(c, j);
    log_msg(LOG_INFO, "job %" PRId64 ": %s%s%s", j->id, state,
            j->reason[0] ? ": " : "", j->reason);
}

static void add_action_id(store_job *j, int64_t id)
{
    json_t *a = j->actions ? json_loads(j->actions, 0, NULL) : NULL;
    if (!json_is_array(a)) {
        json_decref(a);
        a = json_array();
    }
    json_array_append_new(a, json_integer(id));
    free(j->actions);
    j->actions = json_dumps(a, JSON_COMPACT);
    json_decref(a);
}

static double param(const store_job *j, const char *key)
{
    json_t *p = j->params ? json_loads(j->params, 0, NULL) : NULL;
    double v = json_number_value(json_object_get(p, key));
    json_decref(p);
    return v;
}

/* ---- compiling on the pool --------------------------------------------- */

/* Compiles wait here and go to the pool one at a time, so that a burst of
 * jobs never fills the pool: a worker stays free for the uploads machines
 * make (lid images while homing, on signed URLs that expire). */
#define MAX_COMPILING 1
#define MAX_WAITING   1000

struct compile_job {
    struct compile_job *next;
    cloud *c;
    int64_t id;
    job_input kind;
    job_spec spec;
    char path[4300]; /* the design, unlinked when done */
    int rc;
    char msg[512];
    files_result fres; /* the stored job file */
    files_result lock; /* a pulse file's copy locked to the machine */
    int locked;
    char preview[65];
};

static void apply_rules(const job_spec *s, gf_compile_opts *o)
{
    for (size_t i = 0; i < s->n_rules; i++) {
        if (s->rules[i].any)
            o->cut = s->rules[i].op;
        else if (s->rules[i].image)
            o->engrave = s->rules[i].op;
    }
}

static int compile_design(struct compile_job *cj, const char *out)
{
    gf_compile_opts o;
    gf_job *j = NULL;
    gf_compile_result res;
    gf_compile_opts_init(&o);
    o.origin_x = cj->spec.x_mm;
    o.origin_y = cj->spec.y_mm;
    o.serial = (uint32_t)cj->spec.serial;
    apply_rules(&cj->spec, &o);
    int rc = gf_job_new(&j, &o, cj->msg, sizeof(cj->msg));
    for (size_t i = 0; rc == GF_OK && i < cj->spec.n_rules; i++) {
        const job_rule *r = &cj->spec.rules[i];
        if (!r->any && !r->image)
            rc = gf_job_set_op(j, r->rgb, &r->op);
    }
    if (rc == GF_OK && cj->kind == JOB_SVG)
        rc = gf_job_add_svg_file(j, cj->path, cj->msg, sizeof(cj->msg));
    else if (rc == GF_OK)
        rc = gf_job_add_image_file(j, cj->path, 0, 0, 0, 0, cj->msg,
                                   sizeof(cj->msg));
    if (rc == GF_OK)
        rc = gf_job_write(j, out, &res, cj->msg, sizeof(cj->msg));
    gf_job_free(j);
    if (rc != GF_OK && !cj->msg[0])
        snprintf(cj->msg, sizeof(cj->msg), "%s", gf_strerror(rc));
    return rc == GF_OK ? 0 : -1;
}

static void make_preview(struct compile_job *cj)
{
    char src[4300], png[4300], msg[256];
    blobs *b = cj->c->blobs;
    gf_render_opts ro = {0, cj->spec.x_mm, cj->spec.y_mm};
    gf_render_result rr;
    int fd = blobs_scratch(b, png, sizeof(png));
    if (fd < 0)
        return;
    close(fd);
    if (blobs_path(b, cj->fres.id, src, sizeof(src)) != 0 ||
        gf_render_file(src, png, &ro, &rr, msg, sizeof(msg)) != GF_OK ||
        blobs_adopt(b, png, cj->preview) != 0) {
        cj->preview[0] = '\0';
        unlink(png);
    }
}

/* A pulse file plays only on its own machine (joblock.c): lock it here. */
static int lock_pulse(struct compile_job *cj)
{
    char src[4300];
    if (cj->fres.mcsn == cj->spec.serial)
        return 0;
    if (cj->fres.mcsn != 0) {
        snprintf(cj->msg, sizeof(cj->msg),
                 "the pulse file is locked to machine S%" PRIu32,
                 cj->fres.mcsn);
        return -1;
    }
    if (blobs_path(cj->c->blobs, cj->fres.id, src, sizeof(src)) != 0 ||
        files_lock_copy(cj->c->blobs, src, (uint32_t)cj->spec.serial,
                        cj->c->cfg.max_inflated, &cj->lock) != 0) {
        snprintf(cj->msg, sizeof(cj->msg), "%s", cj->lock.err);
        return -1;
    }
    cj->locked = 1;
    return 0;
}

static void compile_work(void *ctx)
{
    struct compile_job *cj = ctx;
    cloud *c = cj->c;
    char out[4300];
    if (cj->kind == JOB_PULSE) {
        cj->rc = files_prepare(c->blobs, c->cfg.max_file_body,
                               c->cfg.max_inflated, cj->path, &cj->fres);
        if (cj->rc != 0)
            snprintf(cj->msg, sizeof(cj->msg), "%s", cj->fres.err);
        else
            cj->rc = lock_pulse(cj);
    } else {
        int fd = blobs_scratch(c->blobs, out, sizeof(out));
        cj->rc = fd < 0 ? -1 : 0;
        if (fd >= 0)
            close(fd);
        if (cj->rc == 0)
            cj->rc = compile_design(cj, out);
        if (cj->rc == 0 &&
            files_prepare(c->blobs, c->cfg.max_file_body, c->cfg.max_inflated,
                          out, &cj->fres) != 0) {
            snprintf(cj->msg, sizeof(cj->msg), "%s", cj->fres.err);
            cj->rc = -1;
        }
        if (fd >= 0)
            unlink(out);
    }
    if (cj->rc == 0)
        make_preview(cj);
    unlink(cj->path);
}

static json_t *stats_json(const struct compile_job *cj)
{
    const files_result *f = &cj->fres;
    double step = GF_PULS_MM_PER_STEP_XY, hz = f->stfr ? f->stfr : 10000;
    return json_pack(
        "{s:f, s:I, s:I, s:f, s:{s:f, s:f, s:f, s:f}, s:I, s:I}", "run_time_s",
        (double)f->payload / hz, "ticks", (json_int_t)f->payload, "stfr",
        (json_int_t)f->stfr, "laser_on_s", (double)f->laser_ticks / hz,
        "extents_mm", "x0", cj->spec.x_mm + (double)f->min_x * step, "y0",
        cj->spec.y_mm + (double)f->min_y * step, "x1",
        cj->spec.x_mm + (double)f->max_x * step, "y1",
        cj->spec.y_mm + (double)f->max_y * step, "size", (json_int_t)f->size,
        "laser_ticks", (json_int_t)f->laser_ticks);
}

static int record_compiled(cloud *c, struct compile_job *cj, store_job *j)
{
    json_t *info = files_record(c, &cj->fres);
    if (!info)
        return -1;
    json_decref(info);
    if (cj->locked &&
        store_file_lock_add(c->store, cj->fres.id, cj->spec.serial, cj->lock.id,
                            cloud_now()) != 0)
        return -1;
    json_t *st = stats_json(cj);
    free(j->stats);
    j->stats = json_dumps(st, JSON_COMPACT);
    json_decref(st);
    snprintf(j->file, sizeof(j->file), "%s", cj->fres.id);
    snprintf(j->preview, sizeof(j->preview), "%s", cj->preview);
    snprintf(j->state, sizeof(j->state), "queued");
    j->queued_at = cloud_now();
    return put(c, j);
}

struct jobs_backlog {
    struct compile_job *head, *tail;
    int waiting, running;
};

static void compile_after(void *ctx, int dropped);

/* Hand waiting compiles to the pool while fewer than MAX_COMPILING run. */
static void pump(cloud *c)
{
    struct jobs_backlog *b = c->compiles;
    while (b && b->head && b->running < MAX_COMPILING) {
        struct compile_job *cj = b->head;
        if (work_queue(c->work, compile_work, compile_after, cj) != 0) {
            if (b->running > 0)
                return; /* the pool is full of uploads: after this one */
            store_job j;
            if (store_job_get(c->store, cj->id, &j) == 0) {
                end_job(c, &j, "failed",
                        "the worker pool is full; create the job again");
                store_job_free(&j);
            }
            unlink(cj->path);
        } else {
            b->running++;
        }
        b->head = cj->next;
        if (!b->head)
            b->tail = NULL;
        b->waiting--;
        if (!b->running)
            free(cj);
    }
}

int jobs_can_accept(cloud *c)
{
    return !c->compiles || c->compiles->waiting < MAX_WAITING;
}

void jobs_stop(cloud *c)
{
    struct jobs_backlog *b = c->compiles;
    while (b && b->head) {
        struct compile_job *cj = b->head;
        b->head = cj->next;
        unlink(cj->path); /* the job stays compiling: failed at restart */
        free(cj);
    }
    free(b);
    c->compiles = NULL;
}

static void compile_after(void *ctx, int dropped)
{
    struct compile_job *cj = ctx;
    cloud *c = cj->c;
    if (c->compiles)
        c->compiles->running--;
    store_job j;
    if (!dropped && store_job_get(c->store, cj->id, &j) == 0) {
        if (strcmp(j.state, "compiling") != 0) {
            /* cancelled meanwhile: nothing to keep */
        } else if (cj->rc != 0) {
            char reason[600];
            snprintf(reason, sizeof(reason), "%s: %s",
                     cj->kind == JOB_PULSE ? "pulse file refused"
                                           : "compile error",
                     cj->msg[0] ? cj->msg : "failed");
            end_job(c, &j, "failed", reason);
        } else if (record_compiled(c, cj, &j) != 0) {
            end_job(c, &j, "failed", "cannot record the compiled job");
        } else {
            log_msg(LOG_INFO, "job %" PRId64 ": compiled (%.12s)", j.id,
                    j.file);
            jobs_kick(c, j.serial);
        }
        store_job_free(&j);
    }
    if (dropped)
        unlink(cj->path);
    free(cj);
    if (!dropped)
        pump(c);
}

int jobs_create(cloud *c, const job_spec *spec, job_input kind,
                const char *path, const char *created_by, int64_t *id)
{
    static const char *const inputs[] = {"svg", "png", "jpeg", "pulse"};
    store_job j;
    memset(&j, 0, sizeof(j));
    j.serial = spec->serial;
    snprintf(j.name, sizeof(j.name), "%s", spec->name);
    snprintf(j.state, sizeof(j.state), "compiling");
    snprintf(j.created_by, sizeof(j.created_by), "%s", created_by);
    json_t *p = json_pack("{s:f, s:f, s:s, s:o, s:s}", "x_mm", spec->x_mm,
                          "y_mm", spec->y_mm, "input", inputs[kind], "ops",
                          job_spec_ops_json(spec), "material", spec->material);
    j.params = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    j.created = cloud_now();
    struct compile_job *cj = calloc(1, sizeof(*cj));
    int rc = cj && j.params ? store_job_add(c->store, &j) : -1;
    store_job_free(&j);
    if (rc != 0) {
        free(cj);
        unlink(path);
        return -1;
    }
    *id = j.id;
    char serial[32];
    snprintf(serial, sizeof(serial), "S%" PRIu64, spec->serial);
    events_publish(c->events, "job.state",
                   json_pack("{s:I, s:s, s:s}", "id", (json_int_t)j.id,
                             "machine", serial, "state", "compiling"));
    cj->c = c;
    cj->id = j.id;
    cj->kind = kind;
    cj->spec = *spec;
    snprintf(cj->path, sizeof(cj->path), "%s", path);
    if (!c->compiles)
        c->compiles = calloc(1, sizeof(*c->compiles));
    if (!c->compiles) {
        free(cj);
        unlink(path);
        return 0; /* stays compiling: failed at the next start */
    }
    struct jobs_backlog *b = c->compiles;
    if (b->tail)
        b->tail->next = cj;
    else
        b->head = cj;
    b->tail = cj;
    b->waiting++;
    pump(c);
    return 0;
}

/* ---- sending ------------------------------------------------------------ */

static int64_t queue_action(cloud *c, store_job *j, const char *type,
                            const char *file)
{
    store_action a;
    memset(&a, 0, sizeof(a));
    a.serial = j->serial;
    snprintf(a.type, sizeof(a.type), "%s", type);
    snprintf(a.file, sizeof(a.file), "%s", file);
    a.created = cloud_now();
    a.expires_at = a.created + c->cfg.queue_ttl;
    if (store_action_add(c->store, &a) != 0)
        return -1;
    j->print_action = a.id;
    add_action_id(j, a.id);
    return a.id;
}

static void send_print(cloud *c, store_job *j)
{
    if (queue_action(c, j, "print", j->file) < 0) {
        end_job(c, j, "failed", "cannot queue the print");
        return;
    }
    put(c, j);
    sched_kick(c->sched, j->serial);
}

struct travel_job {
    cloud *c;
    int64_t id;
    uint64_t serial;
    int64_t dx, dy;
    int rc;
    char msg[256];
    files_result fres;
};

/* On a worker: the move's job file (move_file.c). */
static void travel_work(void *ctx)
{
    struct travel_job *t = ctx;
    t->rc = move_file_prepare(t->c, t->serial, t->dx, t->dy, &t->fres);
    snprintf(t->msg, sizeof(t->msg), "%s", t->fres.err);
}

static void travel_after(void *ctx, int dropped)
{
    struct travel_job *t = ctx;
    cloud *c = t->c;
    store_job j;
    json_t *info = NULL;
    if (dropped || store_job_get(c->store, t->id, &j) != 0) {
        free(t);
        return;
    }
    if (strcmp(j.state, "sending") != 0) {
        /* cancelled meanwhile */
    } else if (t->rc != 0 || !(info = files_record(c, &t->fres))) {
        char reason[400];
        snprintf(reason, sizeof(reason),
                 "cannot make the move to the job's origin: %s", t->msg);
        end_job(c, &j, "failed", reason);
    } else if (queue_action(c, &j, "motion", t->fres.id) < 0) {
        end_job(c, &j, "failed", "cannot queue the move to the origin");
    } else {
        put(c, &j);
        sched_kick(c->sched, j.serial);
    }
    json_decref(info);
    store_job_free(&j);
    free(t);
}

/* The bed check (before sending): the job's reach, from its origin. */
static int off_bed(const store_job *j, const store_file *f, char *why,
                   size_t whylen)
{
    int64_t ox = steps(param(j, "x_mm")), oy = steps(param(j, "y_mm"));
    double step = GF_PULS_MM_PER_STEP_XY;
    const char *edge = NULL;
    double past = 0;
    if (ox + f->min_x < 0)
        edge = "left", past = -(double)(ox + f->min_x) * step;
    else if (ox + f->max_x > BED_W_STEPS)
        edge = "right", past = (double)(ox + f->max_x - BED_W_STEPS) * step;
    else if (oy + f->min_y < 0)
        edge = "rear", past = -(double)(oy + f->min_y) * step;
    else if (oy + f->max_y > BED_H_STEPS)
        edge = "front", past = (double)(oy + f->max_y - BED_H_STEPS) * step;
    if (!edge)
        return 0;
    snprintf(why, whylen,
             "off the bed: placed at (%.2f, %.2f) mm the job reaches %.2f mm "
             "past the %s edge of the %gx%g mm bed",
             param(j, "x_mm"), param(j, "y_mm"), past, edge, GF_BED_W_MM,
             GF_BED_H_MM);
    return 1;
}

static void start_job(cloud *c, store_job *j, int64_t px, int64_t py)
{
    store_file f;
    char why[300];
    if (store_file_get(c->store, j->file, &f) != 0) {
        end_job(c, j, "failed", "the job file is gone");
        return;
    }
    if (off_bed(j, &f, why, sizeof(why))) {
        end_job(c, j, "failed", why);
        return;
    }
    snprintf(j->state, sizeof(j->state), "sending");
    j->started = cloud_now();
    int64_t dx = steps(param(j, "x_mm")) - px;
    int64_t dy = steps(param(j, "y_mm")) - py;
    if (!dx && !dy) {
        send_print(c, j);
        return;
    }
    struct travel_job *t = calloc(1, sizeof(*t));
    if (t) {
        t->c = c;
        t->id = j->id;
        t->serial = j->serial;
        t->dx = dx;
        t->dy = dy;
    }
    if (!t || work_queue(c->work, travel_work, travel_after, t) != 0) {
        free(t);
        end_job(c, j, "failed", "the worker pool is full; re-queue the job");
        return;
    }
    put(c, j);
}

/* One pass over the next job; 1 to look at the one after it. */
static int kick_one(cloud *c, uint64_t serial)
{
    store_job j;
    int64_t px, py;
    int more = 0;
    if (store_job_first(c->store, serial, &j) != 0)
        return 0;
    if (strcmp(j.state, "queued") != 0 &&
        strcmp(j.state, "waiting_for_home") != 0) {
        store_job_free(&j);
        return 0; /* one under way: one job at a time per machine */
    }
    char why[300];
    if (cloud_deadline_passed(j.queued_at + c->cfg.queue_ttl, cloud_now())) {
        snprintf(why, sizeof(why),
                 "not sent: it waited more than queue-ttl (%ld s); POST "
                 "/api/v1/jobs/%" PRId64 "/requeue to send it",
                 c->cfg.queue_ttl, j.id);
        end_job(c, &j, "cancelled", why);
        more = 1;
    } else if (lifecycle_position(c->life, serial, &px, &py) != 0) {
        if (strcmp(j.state, "waiting_for_home") != 0) {
            snprintf(j.state, sizeof(j.state), "waiting_for_home");
            put(c, &j);
        }
    } else if (!lifecycle_ready(c->life, serial)) {
        if (strcmp(j.state, "queued") != 0) {
            snprintf(j.state, sizeof(j.state), "queued");
            put(c, &j);
        }
    } else {
        start_job(c, &j, px, py);
        more = terminal(j.state);
    }
    store_job_free(&j);
    return more;
}

void jobs_kick(cloud *c, uint64_t serial)
{
    if (!c->work || !c->life)
        return;
    while (kick_one(c, serial))
        ;
}

/* ---- what the machine does with it -------------------------------------- */

/* Why the machine ended action `id`: its own log line about it, else the
 * service's reason for the action. */
static void machine_reason(cloud *c, uint64_t serial, int64_t id,
                           const char *type, char *out, size_t outlen)
{
    char needle[64], text[400];
    snprintf(needle, sizeof(needle), "%s %" PRId64 ":", type, id);
    out[0] = '\0';
    if (store_log_find(c->store, serial, needle, text, sizeof(text)) == 0) {
        snprintf(out, outlen, "%s", text);
        return;
    }
    json_t *a = store_action_json(c->store, id);
    const char *r = json_string_value(json_object_get(a, "reason"));
    snprintf(out, outlen, "%s", r ? r : "");
    json_decref(a);
}

/* Whether action `id` ever went out to the machine. */
static int was_sent(cloud *c, int64_t id)
{
    store_action a;
    if (store_action_get(c->store, id, &a) != 0)
        return 1;
    int sent = a.sent_at != 0;
    store_action_free(&a);
    return sent;
}

static void print_ended(cloud *c, store_job *j, int64_t id, const char *outcome)
{
    char why[450], reason[512];
    int by_api = strncmp(j->reason, "cancelled by", 12) == 0;
    if (strcmp(outcome, "completed") == 0) {
        end_job(c, j, "completed", NULL);
        return;
    }
    if (by_api) {
        end_job(c, j, "cancelled", NULL);
        return;
    }
    if (strcmp(outcome, "cancelled") == 0 && !was_sent(c, id)) {
        snprintf(reason, sizeof(reason),
                 "its print (action %" PRId64 ") was cancelled before it "
                 "was sent",
                 id);
        end_job(c, j, "cancelled", reason);
        return;
    }
    if (strcmp(outcome, "expired") == 0) {
        /* Never sent: the same rule and remedy as a job that waited. */
        snprintf(reason, sizeof(reason),
                 "not sent: its print waited more than queue-ttl (%ld s) "
                 "behind the machine's other actions; POST "
                 "/api/v1/jobs/%" PRId64 "/requeue to send it",
                 c->cfg.queue_ttl, j->id);
        end_job(c, j, "cancelled", reason);
        return;
    }
    machine_reason(c, j->serial, id, "print", why, sizeof(why));
    if (strcmp(outcome, "timed_out") == 0)
        snprintf(reason, sizeof(reason), "timed out");
    else if (strcmp(outcome, "interrupted") == 0)
        snprintf(reason, sizeof(reason),
                 "the machine disconnected while the job was %s", j->state);
    else
        snprintf(reason, sizeof(reason), "the machine %s it%s%s",
                 strcmp(outcome, "cancelled") == 0 ? "cancelled" : "failed",
                 why[0] ? ": " : "", why);
    end_job(c, j, strcmp(outcome, "cancelled") == 0 ? "cancelled" : "failed",
            reason);
}

void jobs_action_finished(cloud *c, uint64_t serial, int64_t id,
                          const char *type, const char *outcome)
{
    store_job j;
    char why[450], reason[512];
    (void)serial;
    /* A job's actions are its motion and its print (queue_action). */
    if ((strcmp(type, "motion") != 0 && strcmp(type, "print") != 0) ||
        store_job_by_action(c->store, id, &j) != 0)
        return;
    if (terminal(j.state)) {
        /* ended already (an API cancel before the action went out) */
    } else if (strcmp(type, "motion") == 0 &&
               strcmp(outcome, "completed") == 0) {
        send_print(c, &j);
    } else if (strcmp(type, "motion") == 0) {
        machine_reason(c, j.serial, id, "motion", why, sizeof(why));
        snprintf(reason, sizeof(reason), "the move to the job's origin %s%s%s",
                 outcome, why[0] ? ": " : "", why);
        end_job(c, &j,
                strncmp(j.reason, "cancelled by", 12) == 0 ? "cancelled"
                                                           : "failed",
                strncmp(j.reason, "cancelled by", 12) == 0 ? NULL : reason);
    } else {
        print_ended(c, &j, id, outcome);
    }
    store_job_free(&j);
}

/* The events that move a job; every other one is not looked up at all
 * (a machine coming online sends a few, none of them a job's). */
static int moves_a_job(const char *ev)
{
    static const char *const evs[] = {"button:pressed",
                                      "print:download:completed",
                                      "print:warmup:starting", "print:running"};
    for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
        if (strcmp(ev, evs[i]) == 0)
            return 1;
    return 0;
}

void jobs_event(cloud *c, uint64_t serial, const gf_msg *m)
{
    store_job j;
    const char *ev = m->event ? m->event : "";
    if (!moves_a_job(ev))
        return;
    int rc = m->has_action_id ? store_job_by_action(c->store, m->action_id, &j)
                              : store_job_active(c->store, serial, &j);
    if (rc != 0)
        return;
    const char *to = NULL;
    int changed = 0;
    if (!m->has_action_id && strcmp(ev, "button:pressed") == 0 &&
        strcmp(j.state, "waiting_for_button") == 0 && !j.button_at) {
        j.button_at = cloud_now();
        changed = 1;
    } else if (strcmp(ev, "print:download:completed") == 0 &&
               strcmp(j.state, "sending") == 0) {
        to = "waiting_for_button"; /* states only move forward */
    } else if ((strcmp(ev, "print:warmup:starting") == 0 ||
                strcmp(ev, "print:running") == 0) &&
               (strcmp(j.state, "sending") == 0 ||
                strcmp(j.state, "waiting_for_button") == 0)) {
        to = "running";
    }
    if (to && j.print_action == m->action_id) {
        snprintf(j.state, sizeof(j.state), "%s", to);
        if (!strcmp(to, "running") && !j.button_at)
            j.button_at = cloud_now();
        changed = 1;
    }
    if (changed)
        put(c, &j);
    store_job_free(&j);
}

void jobs_progress(cloud *c, uint64_t serial, const gf_msg *m)
{
    store_job j;
    (void)serial;
    if (!m->has_action_id || !m->progress ||
        strcmp(m->progress, "print:progress") != 0 ||
        store_job_by_action(c->store, m->action_id, &j) != 0)
        return;
    j.progress = m->current;
    put(c, &j);
    store_job_free(&j);
}

/* ---- the API's verbs ---------------------------------------------------- */

int jobs_cancel(cloud *c, int64_t id, const char *who)
{
    store_job j;
    store_action a;
    int rc = store_job_get(c->store, id, &j);
    if (rc != 0)
        return rc;
    char reason[128];
    snprintf(reason, sizeof(reason), "cancelled by %s", who);
    if (terminal(j.state)) {
        rc = 2;
    } else if (j.print_action &&
               store_action_get(c->store, j.print_action, &a) == 0) {
        store_action_free(&a);
        snprintf(j.reason, sizeof(j.reason), "%s", reason);
        put(c, &j);
        /* One never sent ends now: the scheduler tells
         * jobs_action_finished, which reads the reason just stored. One
         * sent ends with the machine's answer. */
        sched_cancel(c->sched, j.print_action);
    } else {
        /* compiling, queued, waiting for home, or its move being made */
        end_job(c, &j, "cancelled", reason);
    }
    store_job_free(&j);
    if (rc == 0)
        jobs_kick(c, j.serial);
    return rc;
}

int jobs_requeue(cloud *c, int64_t id)
{
    store_job j;
    int rc = store_job_get(c->store, id, &j);
    if (rc != 0)
        return rc;
    if (strcmp(j.state, "cancelled") != 0 ||
        strncmp(j.reason, "not sent:", 9) != 0) {
        store_job_free(&j);
        return 2;
    }
    snprintf(j.state, sizeof(j.state), "queued");
    j.reason[0] = '\0';
    j.finished = 0;
    j.queued_at = cloud_now();
    put(c, &j);
    store_job_free(&j);
    jobs_kick(c, j.serial);
    return 0;
}

static json_t *progress_json(const store_job *j, const json_t *stats)
{
    json_int_t total = json_integer_value(json_object_get(stats, "ticks"));
    json_int_t hz = json_integer_value(json_object_get(stats, "stfr"));
    if (!total || strcmp(j->state, "compiling") == 0)
        return json_null();
    json_int_t done = strcmp(j->state, "completed") == 0 ? total : j->progress;
    if (done > total)
        done = total;
    json_t *p = json_pack("{s:I, s:I, s:f}", "ticks", done, "total_ticks",
                          total, "percent", 100.0 * (double)done / total);
    if (strcmp(j->state, "running") == 0 && hz > 0)
        json_object_set_new(p, "eta_s",
                            json_real((double)(total - done) / (double)hz));
    return p;
}

static json_t *opt_time(int64_t t)
{
    return t ? json_integer(t) : json_null();
}

json_t *jobs_json(cloud *c, const store_job *j)
{
    char serial[32], preview[96];
    (void)c;
    snprintf(serial, sizeof(serial), "S%" PRIu64, j->serial);
    snprintf(preview, sizeof(preview), "/api/v1/jobs/%" PRId64 "/preview.png",
             j->id);
    json_t *stats = j->stats ? json_loads(j->stats, 0, NULL) : NULL;
    json_t *params = j->params ? json_loads(j->params, 0, NULL) : NULL;
    json_t *actions = j->actions ? json_loads(j->actions, 0, NULL) : NULL;
    json_t *o = json_pack(
        "{s:I, s:s, s:s, s:s, s:s?, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
        "s:o, s:o, s:o}",
        "id", (json_int_t)j->id, "machine", serial, "name", j->name, "state",
        j->state, "reason", j->reason[0] ? j->reason : NULL, "created_by",
        j->created_by, "created", opt_time(j->created), "started",
        opt_time(j->started), "finished", opt_time(j->finished),
        "button_pressed_at", opt_time(j->button_at), "file",
        j->file[0] ? json_string(j->file) : json_null(), "actions",
        actions ? actions : json_array(), "placement",
        params ? json_incref(params) : json_null(), "stats",
        stats ? json_incref(stats) : json_null(), "progress",
        progress_json(j, stats), "preview",
        j->preview[0] ? json_string(preview) : json_null());
    if (o && !j->reason[0])
        json_object_set_new(o, "reason", json_null());
    json_decref(stats);
    json_decref(params);
    return o;
}

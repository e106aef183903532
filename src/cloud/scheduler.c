/* scheduler.c - per-machine durable FIFO of actions and the event tracker.
 *
 * The queue lives in the store (actions in state `queued`, settings first);
 * this module keeps only what a live session needs: which action is in
 * flight (at most one per machine), its stage, and its deadline timer (on
 * the service's timer wheel, tick.h: a tick of resolution, O(1) to arm).
 * The rules, from PROTOCOL.md §8-§12 and §17:
 *
 *  - On connect: send `cancelled` for anything interrupted earlier (the
 *    machine may still be running it), then a `settings` action before the
 *    rest of the queue.
 *  - One action in flight; the next goes out when a terminal event arrives.
 *  - Each event that the catalog names as a stage event moves the action to
 *    that stage and restarts its deadline; a missed deadline sends the same
 *    id with status `cancelled`, records the action failed (timed out),
 *    marks the head position unknown and moves on.
 *  - A disconnect mid-action records it interrupted, cancelled on return.
 *  - A terminal event after our cancel is taken as final.
 *  - An action that ends other than completed gets a reason: the terminal
 *    event's `log` text, else the last warning or error the machine logged
 *    while it ran (a machine that refuses a print with its lid open says
 *    why only in its log). The outcome is logged either way.
 *
 * Several nodes (PostgreSQL, nodes.c): the queue is shared, a session is
 * one node's. An action queued on a node that does not hold its machine
 * is announced ("kick SERIAL") and sent by the node that does; a cancel
 * of an action another node has in flight is passed on ("cancel ID").
 * A node that takes a machine's session says so ("held SERIAL"): a node
 * still holding an older session for it closes that one quietly (the
 * machine has moved; its action is the new node's business), and the new
 * node records whatever was left in flight interrupted with a cancel
 * pending, exactly as for a session lost on one node. No action is ever
 * sent twice: only `queued` actions are sent, and sending marks them.
 *
 * Machines are found by serial in a hash table that grows (serial_map.h). */
#include "scheduler.h"

#include <inttypes.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gf/catalog.h"
#include "jobs.h"
#include "lifecycle.h"
#include "log.h"
#include "metrics.h"
#include "serial_map.h"
#include "tick.h"

#define WHY_MAX 256 /* a reason is a line, not a document */

struct mstate {
    serial_node node; /* first: the map's link and the serial */
    sched *s;
    ws_session *sess;
    int64_t inflight; /* 0: none */
    char type[32];
    int stage;
    int cancelling;
    double runtime;     /* seconds of the job in flight, for plus_runtime */
    unsigned rechecked; /* sched.epoch of the last recheck that found it */
    char *why;          /* last warning/error logged during it (heap, at most
                           WHY_MAX - 1 bytes), NULL if none: most actions have none */
    /* The deadline, on the service's timer wheel (tick.h): one per machine
     * with an action in flight, so not an lws_sul, whose sorted list costs
     * a walk over every earlier deadline to arm one in a fleet's ramp. */
    gfnet_timer deadline;
};

struct sched {
    cloud *c;
    int stopping;
    int recheck_armed;
    unsigned epoch;                 /* of the recheck under way */
    lws_sorted_usec_list_t recheck; /* see on_recheck() */
    serial_map machines;            /* struct mstate by serial */
};

/* Harmless on a timer not armed, also once the wheel is gone (it leaves
 * its timers disarmed). */
static void disarm(struct mstate *m)
{
    if (gfnet_timer_armed(&m->deadline))
        gfnet_timer_cancel(m->s->c->wheel, &m->deadline);
}

sched *sched_new(cloud *c)
{
    sched *s = calloc(1, sizeof(*s));
    if (s)
        s->c = c;
    return s;
}

static void drop(serial_node *n)
{
    struct mstate *m = (struct mstate *)n;
    disarm(m);
    free(m->why);
    free(m);
}

/* Each machine entry, in no particular order. */
#define EACH_MACHINE(s, m)                                                     \
    for (struct mstate *m = (struct mstate *)serial_map_first(&(s)->machines); \
         m; m = (struct mstate *)serial_map_next(&(s)->machines, &m->node))

void sched_free(sched *s)
{
    if (!s)
        return;
    serial_map_clear(&s->machines, drop);
    free(s);
}

void sched_stop(sched *s)
{
    s->stopping = 1;
    lws_sul_cancel(&s->recheck);
    EACH_MACHINE(s, m)
    {
        disarm(m);
    }
}

static struct mstate *find(sched *s, uint64_t serial, int create)
{
    struct mstate *m = (struct mstate *)serial_map_find(&s->machines, serial);
    if (m || !create)
        return m;
    m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->s = s;
    m->node.serial = serial;
    if (serial_map_add(&s->machines, &m->node) != 0) {
        free(m);
        return NULL;
    }
    return m;
}

static void send_cancel(struct mstate *m, int64_t id, const char *type)
{
    char serial[32];
    snprintf(serial, sizeof(serial), "S%" PRIu64, m->node.serial);
    char *line = gf_emit_action(id, type, "cancelled", serial, NULL);
    if (line && m->sess)
        ws_send(m->sess, line);
    free(line);
}

static void clear_inflight(struct mstate *m)
{
    disarm(m);
    m->inflight = 0;
    m->type[0] = '\0';
    m->stage = -1;
    m->cancelling = 0;
    free(m->why);
    m->why = NULL;
}

static void on_deadline(gfnet_timer *t);
static void on_recheck(lws_sorted_usec_list_t *sul);

static void arm(struct mstate *m, double secs)
{
    disarm(m);
    if (secs < 0 || m->s->stopping || !m->s->c->wheel)
        return;
    gfnet_timer_arm(m->s->c->wheel, &m->deadline,
                    tick_now_ms() + (int64_t)(secs * 1000.0), on_deadline);
}

/* Seconds a deadline gives, or -1 for none, after the config's scaling. */
static double deadline_secs(struct mstate *m, const gf_deadline *d)
{
    const cfg *cf = &m->s->c->cfg;
    if (!d || d->none)
        return -1;
    double secs = d->seconds + (d->plus_runtime ? m->runtime : 0);
    secs *= cf->deadline_scale;
    if (cf->deadline_seconds > 0)
        secs = cf->deadline_seconds;
    return secs;
}

static double stage_deadline(struct mstate *m, int stage)
{
    const gf_action_spec *spec = gf_action_lookup(m->type);
    if (!spec || stage < 0 || (size_t)stage >= spec->n_stages)
        return -1;
    return deadline_secs(m, &spec->stages[stage].deadline);
}

/* Tell the lifecycle (which keeps the head position) and the jobs how an
 * action ended, sent or not, once the scheduler is done with it: they may
 * queue and send the next action at once. */
static void told(sched *s, uint64_t serial, int64_t id, const char *type,
                 const char *outcome)
{
    cloud *c = s->c;
    metrics_action(type, outcome);
    lifecycle_finished(c->life, serial, id, type, outcome);
    jobs_action_finished(c, serial, id, type, outcome);
    jobs_kick(c, serial);
}

static void finished(struct mstate *m, int64_t id, const char *type,
                     const char *outcome)
{
    told(m->s, m->node.serial, id, type, outcome);
}

static void on_deadline(gfnet_timer *t)
{
    struct mstate *m = lws_container_of(t, struct mstate, deadline);
    store *st = m->s->c->store;
    if (!m->inflight)
        return;
    int64_t id = m->inflight;
    char type[32];
    snprintf(type, sizeof(type), "%s", m->type);
    metrics_deadline_missed();
    store_begin(st);
    if (m->cancelling) {
        store_action_finish(st, id, "cancelled",
                            "no terminal event after the cancel", cloud_now());
    } else {
        log_msg(LOG_WARN, "S%" PRIu64 ": action %" PRId64 " (%s) timed out",
                m->node.serial, id, m->type);
        send_cancel(m, id, m->type);
        store_action_finish(st, id, "failed", "timed out", cloud_now());
    }
    clear_inflight(m);
    /* Whatever the head did, the lifecycle no longer knows where it is
     * (§10) and homes it again. */
    finished(m, id, type, "timed_out");
    store_commit(st);
    sched_kick(m->s, m->node.serial);
}

static void lost_session(struct mstate *m)
{
    store *st = m->s->c->store;
    if (m->inflight) {
        int64_t id = m->inflight;
        char type[32];
        snprintf(type, sizeof(type), "%s", m->type);
        store_begin(st);
        const gf_action_spec *spec = gf_action_lookup(m->type);
        store_action_finish(st, m->inflight, "interrupted",
                            "machine disconnected", cloud_now());
        /* A sync action has nothing left running to stop. */
        if (!spec || spec->kind != GF_KIND_SYNC)
            store_action_set_cancel_pending(st, m->inflight, 1);
        clear_inflight(m);
        finished(m, id, type, "interrupted");
        store_commit(st);
    }
    m->sess = NULL;
}

/* An action another node (or an older session) left in flight: the
 * machine is here now, so it is interrupted, cancelled on the new session
 * like any action of a lost session. */
static void interrupt_orphan(void *ud, int64_t id, const char *type)
{
    struct mstate *m = ud;
    store *st = m->s->c->store;
    const gf_action_spec *spec = gf_action_lookup(type);
    log_msg(LOG_INFO,
            "S%" PRIu64 ": action %" PRId64 " (%s) was in flight "
            "elsewhere; interrupted",
            m->node.serial, id, type);
    store_action_finish(st, id, "interrupted", "machine moved to another node",
                        cloud_now());
    if (!spec || spec->kind != GF_KIND_SYNC)
        store_action_set_cancel_pending(st, id, 1);
    if (spec && spec->kind == GF_KIND_PULSE)
        store_machine_set_head(st, m->node.serial, "unknown");
}

static void cancel_one(void *ud, int64_t id, const char *type)
{
    struct mstate *m = ud;
    send_cancel(m, id, type);
    store_action_set_cancel_pending(m->s->c->store, id, 0);
}

/* `gfcloud machine remove` is another process writing the store: the
 * service learns of it here. Every machine-recheck seconds one read lists
 * every registered machine and its registration (at 16,000 sessions a
 * read per machine was 16,000 statements in one go, and on PostgreSQL as
 * many round trips, each time); a connected machine missing from it, or
 * registered again since its session began, has its session closed with
 * 4001, and its action is recorded interrupted as for any lost session.
 * A failed read closes nobody. */
static void arm_recheck(sched *s)
{
    long secs = s->c->cfg.machine_recheck;
    if (s->stopping || secs <= 0)
        return;
    lws_sul_schedule(s->c->lws, 0, &s->recheck, on_recheck,
                     (lws_usec_t)secs * LWS_US_PER_SEC);
    s->recheck_armed = 1;
}

static void recheck_found(void *ud, uint64_t serial, uint64_t reg)
{
    sched *s = ud;
    struct mstate *m = find(s, serial, 0);
    if (m && m->sess && reg == ws_reg(m->sess))
        m->rechecked = s->epoch;
}

static void on_recheck(lws_sorted_usec_list_t *sul)
{
    sched *s = lws_container_of(sul, sched, recheck);
    s->epoch++;
    if (store_machine_each_reg(s->c->store, recheck_found, s) >= 0) {
        EACH_MACHINE(s, m)
        {
            if (!m->sess || m->rechecked == s->epoch)
                continue;
            log_msg(LOG_INFO, "S%llu: machine removed; closing its session",
                    (unsigned long long)m->node.serial);
            ws_end(m->sess, 4001, "machine removed");
        }
    }
    arm_recheck(s);
}

void sched_connected(sched *s, uint64_t serial, ws_session *sess)
{
    if (!s->recheck_armed)
        arm_recheck(s);
    struct mstate *m = find(s, serial, 1);
    if (!m)
        return;
    if (m->sess && m->sess != sess) {
        ws_session *old = m->sess;
        lifecycle_disconnected(s->c->life, serial);
        lost_session(m);
        ws_end(old, 4000, "replaced");
    }
    m->sess = sess;
    m->stage = -1;
    lifecycle_connected(s->c->life, serial);
    store *st = s->c->store;
    char note[48];
    snprintf(note, sizeof(note), "held %" PRIu64, serial);
    store_begin(st);
    store_machine_set_seen(st, serial, cloud_now());
    store_action_each_inflight(st, serial, interrupt_orphan, m);
    store_notify(st, note);
    store_commit(st);
    store_action_each_cancel_pending(st, serial, cancel_one, m);
    store_action a = {0};
    a.serial = serial;
    snprintf(a.type, sizeof(a.type), "settings");
    a.created = cloud_now();
    a.expires_at = a.created + s->c->cfg.queue_ttl;
    store_action_add(s->c->store, &a);
    sched_kick(s, serial);
}

void sched_moved(sched *s, uint64_t serial)
{
    struct mstate *m = find(s, serial, 0);
    if (!m || !m->sess)
        return;
    log_msg(LOG_INFO,
            "S%" PRIu64 ": connected to another node; closing "
            "this session",
            serial);
    ws_session *old = m->sess;
    clear_inflight(m);
    m->sess = NULL;
    ws_end(old, 4000, "replaced");
}

void sched_disconnected(sched *s, uint64_t serial, ws_session *sess)
{
    struct mstate *m = find(s, serial, 0);
    if (!m || m->sess != sess)
        return;
    /* Offline first: an action it had in flight must not start homing on
     * a machine that is gone (homing starts with its next report). */
    lifecycle_disconnected(s->c->life, serial);
    lost_session(m);
}

/* The fields an action of this kind carries (§5.1, §13). */
static int add_kind_fields(struct mstate *m, const store_action *a,
                           const gf_action_spec *spec, json_t *extra)
{
    cloud *c = m->s->c;
    char url[1024];
    m->runtime = 0;
    if (spec->kind == GF_KIND_PULSE) {
        const char *file = a->file[0] ? a->file : c->hunt_file_id;
        store_file f;
        if (!file[0] || store_file_get(c->store, file, &f) != 0)
            return -1;
        m->runtime = f.stfr > 0 ? (double)f.payload / (double)f.stfr : 0;
        snprintf(url, sizeof(url), "%s/jobs/%" PRId64 ".puls", c->public_url,
                 a->id);
        json_object_set_new(extra, "motion_url", json_string(url));
    } else if (spec->kind == GF_KIND_IMAGE) {
        char sig[65];
        int64_t exp = cloud_now() + c->cfg.upload_url_ttl;
        auth_upload_sig(c->auth, a->id, exp, sig);
        snprintf(url, sizeof(url),
                 "%s/upload/%" PRId64 "?exp=%" PRId64 "&sig=%s", c->public_url,
                 a->id, exp, sig);
        json_object_set_new(extra, "endpoint", json_string(url));
    }
    return 0;
}

static char *build_frame(struct mstate *m, const store_action *a)
{
    const gf_action_spec *spec = gf_action_lookup(a->type);
    if (!spec)
        return NULL;
    json_t *extra = a->params ? json_loads(a->params, 0, NULL) : NULL;
    if (!json_is_object(extra)) {
        json_decref(extra);
        extra = json_object();
    }
    char *line = NULL;
    char serial[32];
    snprintf(serial, sizeof(serial), "S%" PRIu64, m->node.serial);
    if (add_kind_fields(m, a, spec, extra) == 0)
        line = gf_emit_action(a->id, a->type, "ready", serial, extra);
    json_decref(extra);
    return line;
}

/* A queued action that ends without going out (expired, refused, or one
 * that cannot be built; a queued one cancelled is told from cancel()): the
 * lifecycle and the jobs hear of it like any other end, or a homing would
 * wait for its hunt, and a job for its print, forever. -2 if the store
 * cannot record it. */
static int end_unsent(struct mstate *m, const store_action *a,
                      const char *outcome, const char *reason)
{
    if (store_action_finish(m->s->c->store, a->id, outcome, reason,
                            cloud_now()) != 0)
        return -2;
    log_msg(LOG_INFO, "S%" PRIu64 ": %s %" PRId64 " %s: %s", m->node.serial,
            a->type, a->id, outcome, reason);
    finished(m, a->id, a->type, outcome);
    return -1;
}

/* Send `a`; 0 sent, -1 it cannot be (recorded failed), -2 it cannot be and
 * the failure could not be recorded either (a full disk): it stays queued. */
static int dispatch(struct mstate *m, store_action *a)
{
    store *st = m->s->c->store;
    char *line = build_frame(m, a);
    if (!line)
        return end_unsent(m, a, "failed", "cannot build the action");
    store_action_mark_sent(st, a->id, cloud_now());
    ws_send(m->sess, line);
    free(line);
    m->inflight = a->id;
    snprintf(m->type, sizeof(m->type), "%s", a->type);
    m->stage = 0;
    m->cancelling = 0;
    arm(m, stage_deadline(m, 0));
    log_msg(LOG_INFO, "S%" PRIu64 ": sent %s %" PRId64, m->node.serial, a->type,
            a->id);
    lifecycle_sent(m->s->c->life, m->node.serial, a);
    return 0;
}

void sched_kick(sched *s, uint64_t serial)
{
    struct mstate *m = find(s, serial, 0);
    store_action a;
    if (!m || !m->sess || m->inflight)
        return;
    /* An action that can be neither sent nor recorded as finished (the
     * store cannot write: a full disk) stays queued and ends the loop: it
     * would be the next one again, forever, with the event loop stuck. The
     * next kick (an event, a reconnect, a new action) tries again. */
    while (store_action_next(s->c->store, serial, &a) == 0) {
        int sent = -1;
        if (a.expires_at && cloud_deadline_passed(a.expires_at, cloud_now())) {
            sent =
                end_unsent(m, &a, "expired", "waited too long for the machine");
        } else if (!lifecycle_may_send(s->c->life, serial, &a)) {
            /* §17.3: nothing moves X/Y from an unknown position. */
            sent = end_unsent(m, &a, "failed",
                              "head position unknown: home the machine "
                              "first");
        } else {
            sent = dispatch(m, &a);
        }
        store_action_free(&a);
        /* The hooks of an unsent action may have sent the next one. */
        if (sent == 0 || sent == -2 || m->inflight)
            return;
    }
}

static int same_type(const char *event, const char *type)
{
    char t[64];
    return gf_event_action_type(event, t, sizeof(t)) == 0 &&
           strcmp(t, type) == 0;
}

static void late_terminal(sched *s, const gf_msg *m, gf_outcome o)
{
    store_action a;
    if (store_action_get(s->c->store, m->action_id, &a) != 0)
        return;
    if (same_type(m->event, a.type) && (strcmp(a.state, "failed") == 0 ||
                                        strcmp(a.state, "interrupted") == 0)) {
        store_action_finish(s->c->store, a.id, gf_outcome_name(o),
                            "terminal event after the cancel", cloud_now());
    }
    store_action_free(&a);
}

/* A stage event moves the action on and restarts its deadline; a hold
 * event (print:paused, print:resumed) only restarts the deadline; anything
 * else is advisory. Stages never go backwards. */
static void advance(struct mstate *m, const char *event)
{
    const gf_action_spec *spec = gf_action_lookup(m->type);
    int stage = spec ? gf_action_stage_of(spec, event) : -1;
    if (m->cancelling || !spec)
        return;
    if (stage > m->stage) {
        m->stage = stage;
        store_action_set_stage(m->s->c->store, m->inflight, stage);
        arm(m, stage_deadline(m, stage));
    } else if (stage < 0) {
        const gf_deadline *d = gf_action_event_deadline(spec, event);
        if (d)
            arm(m, deadline_secs(m, d));
    }
}

/* Machine text for our own log line: control bytes and quotes become '?'
 * so a line cannot be forged or broken, and it is cut to fit. */
/* The reason came from the machine: log_msg() escapes it like every line,
 * and the precision keeps one chatty machine from filling the log. */
static void log_outcome(struct mstate *m, gf_outcome o, const char *reason)
{
    int has = reason && *reason;
    log_msg(o == GF_OUTCOME_COMPLETED ? LOG_INFO : LOG_WARN,
            "S%" PRIu64 ": %s %" PRId64 " %s%s%.200s", m->node.serial, m->type,
            m->inflight, gf_outcome_name(o), has ? ": " : "",
            has ? reason : "");
}

static int is_problem_level(const char *level)
{
    static const char *const names[] = {"WARN", "WARNING", "ERROR", "CRITICAL",
                                        "FATAL"};
    for (size_t i = 0; level && i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(level, names[i]) == 0)
            return 1;
    }
    return 0;
}

void sched_on_log(sched *s, uint64_t serial, const char *level,
                  const char *text)
{
    struct mstate *m = find(s, serial, 0);
    if (!m || !m->inflight || !text || !*text || !is_problem_level(level))
        return;
    size_t n = strnlen(text, WHY_MAX - 1);
    char *why = malloc(n + 1);
    if (!why)
        return; /* the earlier reason stays */
    memcpy(why, text, n);
    why[n] = '\0';
    free(m->why);
    m->why = why;
}

void sched_on_event(sched *s, uint64_t serial, const gf_msg *msg)
{
    if (!msg->has_action_id || !msg->event)
        return;
    struct mstate *m = find(s, serial, 0);
    gf_outcome o = gf_event_outcome(msg->event);
    if (!m || m->inflight != msg->action_id) {
        if (o != GF_OUTCOME_NONE)
            late_terminal(s, msg, o);
        return;
    }
    if (!same_type(msg->event, m->type))
        return;
    if (o == GF_OUTCOME_NONE) {
        advance(m, msg->event);
        return;
    }
    /* A reason is a line, not a document: the event's text is cut to the
     * size the log line would keep. */
    char why[WHY_MAX];
    const char *reason = NULL;
    if (o != GF_OUTCOME_COMPLETED && msg->log && *msg->log) {
        snprintf(why, sizeof(why), "%s", msg->log);
        reason = why;
    } else if (o != GF_OUTCOME_COMPLETED && m->why) {
        reason = m->why;
    }
    int64_t id = m->inflight;
    char type[32];
    snprintf(type, sizeof(type), "%s", m->type);
    store_action_finish(s->c->store, m->inflight, gf_outcome_name(o), reason,
                        cloud_now());
    log_outcome(m, o, reason);
    clear_inflight(m);
    finished(m, id, type, gf_outcome_name(o));
    sched_kick(s, serial);
}

void sched_kick_all(sched *s)
{
    EACH_MACHINE(s, m)
    {
        if (m->sess)
            sched_kick(s, m->node.serial);
    }
}

void sched_queued(sched *s, uint64_t serial)
{
    struct mstate *m = find(s, serial, 0);
    char note[48];
    if (m && m->sess) {
        sched_kick(s, serial);
        return;
    }
    snprintf(note, sizeof(note), "kick %" PRIu64, serial);
    store_notify(s->c->store, note);
}

/* `forward`: an action in flight on another node is passed on to it. */
static store_rc cancel(sched *s, int64_t action_id, int forward)
{
    store_action a;
    store_rc rc = store_action_get(s->c->store, action_id, &a);
    if (rc != STORE_OK)
        return rc;
    struct mstate *m = find(s, a.serial, 0);
    if (strcmp(a.state, "queued") == 0) {
        rc = store_action_finish(s->c->store, a.id, "cancelled",
                                 "cancelled before it was sent", cloud_now());
        if (rc == STORE_OK)
            told(s, a.serial, a.id, a.type, "cancelled");
    } else if (m && m->inflight == a.id && !m->cancelling) {
        send_cancel(m, a.id, a.type);
        store_action_set_state(s->c->store, a.id, "cancelling");
        m->cancelling = 1;
        double grace = (double)s->c->cfg.cancel_grace;
        if (s->c->cfg.deadline_seconds > 0)
            grace = s->c->cfg.deadline_seconds;
        arm(m, grace);
    } else if (m && m->inflight == a.id) {
        rc = STORE_OK; /* already cancelling */
    } else if (forward && store_notify_fd(s->c->store) >= 0 &&
               (strcmp(a.state, "sent") == 0 ||
                strcmp(a.state, "cancelling") == 0)) {
        char note[48];
        snprintf(note, sizeof(note), "cancel %" PRId64, a.id);
        rc = store_notify(s->c->store, note);
    } else {
        rc = STORE_ALREADY;
    }
    store_action_free(&a);
    return rc;
}

store_rc sched_cancel(sched *s, int64_t action_id)
{
    return cancel(s, action_id, 1);
}

void sched_cancel_here(sched *s, int64_t action_id)
{
    cancel(s, action_id, 0);
}

int64_t sched_inflight(sched *s, uint64_t serial)
{
    struct mstate *m = find(s, serial, 0);
    return m ? m->inflight : 0;
}

json_t *sched_state(sched *s, uint64_t serial)
{
    struct mstate *m = find(s, serial, 0);
    json_t *o = json_object();
    json_object_set_new(o, "online", json_boolean(m && m->sess));
    if (m && m->inflight) {
        const gf_action_spec *spec = gf_action_lookup(m->type);
        json_t *cur = json_pack("{s:I, s:s, s:i, s:b}", "id",
                                (json_int_t)m->inflight, "action_type", m->type,
                                "stage", m->stage, "cancelling", m->cancelling);
        if (spec && m->stage >= 0 && (size_t)m->stage < spec->n_stages &&
            spec->stages[m->stage].event)
            json_object_set_new(cur, "stage_event",
                                json_string(spec->stages[m->stage].event));
        json_object_set_new(o, "current_action", cur);
    } else {
        json_object_set_new(o, "current_action", json_null());
    }
    return o;
}

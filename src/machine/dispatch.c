/* dispatch.c - the machine's single claim slot (PROTOCOL.md §8, §11).
 *
 * Every action from the service passes through disp_action(), which decides
 * from libgf's action catalog and the action's status whether to answer it
 * at once, start it on a worker, stop the running one, or ignore it:
 *   - only "ready" starts work; "cancelled" (or the seed's "cancel") stops
 *     the running action with that id and is otherwise ignored, silently;
 *   - update_check, factory_reset and head_firmware_update bypass the slot;
 *   - settings, jobs and images take the slot; a busy machine drops a new
 *     one without a word (the service's deadline deals with it);
 *   - our two additions: the last 64 finished ids are remembered and a
 *     repeated "ready" for one of them is ignored;
 *   - unknown action types are logged and ignored.
 * The recent-id list is a small ring searched linearly: 64 compares per
 * action is nothing next to parsing its JSON. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "log.h"

struct disp {
    const disp_ops *ops;
    void *ud;
    pthread_mutex_t mu;
    int running;
    int64_t running_id;
    int64_t recent[DISP_RECENT];
    size_t n_recent, next_recent;
};

disp *disp_new(const disp_ops *ops, void *ud)
{
    disp *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->ops = ops;
    d->ud = ud;
    pthread_mutex_init(&d->mu, NULL);
    return d;
}

void disp_free(disp *d)
{
    if (!d)
        return;
    pthread_mutex_destroy(&d->mu);
    free(d);
}

/* Lock held. */
static int disp_is_recent(const disp *d, int64_t id)
{
    for (size_t i = 0; i < d->n_recent; i++)
        if (d->recent[i] == id)
            return 1;
    return 0;
}

/* Lock held. */
static void disp_remember(disp *d, int64_t id)
{
    d->recent[d->next_recent] = id;
    d->next_recent = (d->next_recent + 1) % DISP_RECENT;
    if (d->n_recent < DISP_RECENT)
        d->n_recent++;
}

static int disp_is_cancel(const char *status)
{
    return strcmp(status, "cancelled") == 0 || strcmp(status, "cancel") == 0;
}

static void disp_cancel(disp *d, const gf_msg *m)
{
    pthread_mutex_lock(&d->mu);
    int hit = d->running && d->running_id == m->id;
    pthread_mutex_unlock(&d->mu);
    if (hit) {
        mlog(MLOG_INFO, "cancel requested for running action %lld",
             (long long)m->id);
        d->ops->cancel(d->ud, m->id);
    }
}

/* Take the slot for `m` unless busy or already done. Returns 1 if taken. */
static int disp_claim(disp *d, const gf_msg *m)
{
    int taken = 0;
    pthread_mutex_lock(&d->mu);
    if (disp_is_recent(d, m->id)) {
        mlog_local(MLOG_INFO, "ignoring repeated action %lld (%s)",
                   (long long)m->id, m->action_type);
    } else if (d->running) {
        /* §11: dropped silently; no event, nothing sent to the service. */
        mlog_local(MLOG_INFO, "busy with %lld: not starting %lld (%s)",
                   (long long)d->running_id, (long long)m->id, m->action_type);
    } else {
        d->running = 1;
        d->running_id = m->id;
        taken = 1;
    }
    pthread_mutex_unlock(&d->mu);
    return taken;
}

static void disp_bypass(disp *d, const gf_msg *m, const gf_action_spec *spec)
{
    pthread_mutex_lock(&d->mu);
    int repeated = disp_is_recent(d, m->id);
    if (!repeated)
        disp_remember(d, m->id);
    pthread_mutex_unlock(&d->mu);
    if (repeated)
        mlog_local(MLOG_INFO, "ignoring repeated action %lld (%s)",
                   (long long)m->id, m->action_type);
    else
        d->ops->answer(d->ud, m, spec);
}

void disp_action(disp *d, const gf_msg *m)
{
    const gf_action_spec *spec = gf_action_lookup(m->action_type);
    if (!spec) {
        mlog(MLOG_WARNING, "ignoring unknown action type \"%.64s\" (id %lld)",
             m->action_type, (long long)m->id);
        return;
    }
    if (spec->kind == GF_KIND_IGNORED) {
        mlog(MLOG_INFO, "ignoring action type %s (id %lld): no handler",
             spec->name, (long long)m->id);
        return;
    }
    if (!m->status)
        return;
    if (disp_is_cancel(m->status)) {
        disp_cancel(d, m);
        return;
    }
    if (strcmp(m->status, "ready") != 0)
        return; /* new/started/success/failure: bookkeeping, never work */
    if (!spec->uses_slot) {
        disp_bypass(d, m, spec);
        return;
    }
    if (!disp_claim(d, m))
        return;
    if (spec->kind == GF_KIND_SYNC) {
        d->ops->answer(d->ud, m, spec);
        disp_finished(d, m->id);
    } else if (d->ops->start(d->ud, m, spec) != 0) {
        disp_finished(d, m->id);
    }
}

void disp_finished(disp *d, int64_t id)
{
    pthread_mutex_lock(&d->mu);
    if (d->running && d->running_id == id)
        d->running = 0;
    disp_remember(d, id);
    pthread_mutex_unlock(&d->mu);
}

void disp_finish_with(disp *d, int64_t id, void (*send_terminal)(void *),
                      void *arg)
{
    pthread_mutex_lock(&d->mu);
    send_terminal(arg);
    if (d->running && d->running_id == id)
        d->running = 0;
    disp_remember(d, id);
    pthread_mutex_unlock(&d->mu);
}

int disp_running(disp *d, int64_t *id)
{
    pthread_mutex_lock(&d->mu);
    int r = d->running;
    if (r && id)
        *id = d->running_id;
    pthread_mutex_unlock(&d->mu);
    return r;
}

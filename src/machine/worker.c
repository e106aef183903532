/* worker.c - runs one image or pulse action at a time on its own thread.
 *
 * The event loop must never wait on the network, the disk or the laser, so
 * each accepted action runs here, as in the reference client. On every exit
 * path the worker first makes the hardware safe, then queues the terminal
 * event, then frees the dispatch slot (PROTOCOL.md §11: the slot is released
 * only after the terminal event is queued). A cancel sets the job's flag,
 * wakes its waits and stops the hardware, so playback ends within one
 * chunk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act.h"
#include "frames.h"
#include "log.h"

struct wrk {
    act_ctx *ctx;
    pthread_mutex_t mu;
    pthread_t thread;
    int has_thread;
    act_job *job; /* the running job, under mu */
};

int act_cancelled(act_job *j)
{
    pthread_mutex_lock(&j->mu);
    int c = j->cancel;
    pthread_mutex_unlock(&j->mu);
    return c;
}

int act_wait(act_job *j, int64_t ms)
{
    double speed = j->ctx->cfg->speed;
    struct timespec until;
    int rc = 0;
    if (speed <= 0 || ms <= 0)
        return act_cancelled(j) ? -1 : 0;
    long long ns = (long long)((double)ms * 1e6 / speed);
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(ns / 1000000000LL);
    until.tv_nsec += (long)(ns % 1000000000LL);
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&j->mu);
    while (!j->cancel && pthread_cond_timedwait(&j->cv, &j->mu, &until) == 0)
        ;
    rc = j->cancel ? -1 : 0;
    pthread_mutex_unlock(&j->mu);
    return rc;
}

void act_event(act_job *j, const char *phase, const char *log)
{
    char ev[96];
    snprintf(ev, sizeof(ev), "%s:%s", j->type, phase);
    frm_event(j->id, ev, log, NULL);
}

static void wrk_job_free(act_job *j)
{
    if (!j)
        return;
    free(j->motion_url);
    free(j->endpoint);
    json_decref(j->settings);
    pthread_cond_destroy(&j->cv);
    pthread_mutex_destroy(&j->mu);
    free(j);
}

static act_job *wrk_job_new(act_ctx *ctx, const gf_msg *m,
                            const gf_action_spec *spec)
{
    act_job *j = calloc(1, sizeof(*j));
    pthread_condattr_t ca;
    if (!j)
        return NULL;
    j->ctx = ctx;
    j->id = m->id;
    j->kind = spec->kind;
    snprintf(j->type, sizeof(j->type), "%s", spec->name);
    j->motion_url = m->motion_url ? strdup(m->motion_url) : NULL;
    j->endpoint = m->endpoint ? strdup(m->endpoint) : NULL;
    j->settings = m->settings ? json_incref(m->settings) : NULL;
    pthread_mutex_init(&j->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&j->cv, &ca);
    pthread_condattr_destroy(&ca);
    if ((m->motion_url && !j->motion_url) || (m->endpoint && !j->endpoint)) {
        wrk_job_free(j);
        return NULL;
    }
    return j;
}

typedef struct wrk_end {
    act_job *j;
    gf_outcome o;
    char why[256]; /* the body's last warning, for a failure or cancel */
} wrk_end;

static void wrk_send_terminal(void *arg)
{
    wrk_end *e = arg;
    int say = e->o != GF_OUTCOME_COMPLETED && e->why[0];
    act_event(e->j, gf_outcome_name(e->o), say ? e->why : NULL);
}

static void *wrk_main(void *arg)
{
    wrk *w = arg;
    pthread_mutex_lock(&w->mu);
    act_job *j = w->job;
    pthread_mutex_unlock(&w->mu);
    mlog_forget_problem();
    wrk_end e = {j, j->kind == GF_KIND_IMAGE ? img_run(j) : pls_run(j), ""};
    snprintf(e.why, sizeof(e.why), "%s", mlog_last_problem());
    hw_make_safe(w->ctx->hw); /* fail-safe first (§11) */
    pthread_mutex_lock(&w->mu);
    w->job = NULL;
    pthread_mutex_unlock(&w->mu);
    disp_finish_with(w->ctx->disp, j->id, wrk_send_terminal, &e);
    wrk_job_free(j);
    return NULL;
}

wrk *wrk_new(act_ctx *ctx)
{
    wrk *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->ctx = ctx;
    pthread_mutex_init(&w->mu, NULL);
    return w;
}

int wrk_start(wrk *w, const gf_msg *m, const gf_action_spec *spec)
{
    act_job *j = wrk_job_new(w->ctx, m, spec);
    if (!j) {
        mlog(MLOG_ERROR, "%s %lld: out of memory", spec->name,
             (long long)m->id);
        char ev[96];
        snprintf(ev, sizeof(ev), "%s:failed", spec->name);
        frm_event(m->id, ev, NULL, NULL);
        return -1;
    }
    /* The slot is free, so the previous thread has queued its terminal
     * event and is returning: this join is immediate. */
    if (w->has_thread) {
        pthread_join(w->thread, NULL);
        w->has_thread = 0;
    }
    pthread_mutex_lock(&w->mu);
    w->job = j;
    pthread_mutex_unlock(&w->mu);
    if (pthread_create(&w->thread, NULL, wrk_main, w) != 0) {
        pthread_mutex_lock(&w->mu);
        w->job = NULL;
        pthread_mutex_unlock(&w->mu);
        mlog(MLOG_ERROR, "%s %lld: cannot start a worker thread", spec->name,
             (long long)m->id);
        act_event(j, "failed", NULL);
        wrk_job_free(j);
        return -1;
    }
    w->has_thread = 1;
    return 0;
}

/* Asks the running job `j` to stop (w->mu held): its body sees the flag,
 * and the hardware stops at once. */
static void wrk_stop_job(wrk *w, act_job *j)
{
    pthread_mutex_lock(&j->mu);
    j->cancel = 1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
    hw_stop(w->ctx->hw);
}

void wrk_cancel(wrk *w, int64_t id)
{
    pthread_mutex_lock(&w->mu);
    act_job *j = w->job;
    if (j && (id < 0 || j->id == id))
        wrk_stop_job(w, j);
    pthread_mutex_unlock(&w->mu);
}

void wrk_lid_opened(wrk *w)
{
    pthread_mutex_lock(&w->mu);
    act_job *j = w->job;
    if (j &&
        (strcmp(j->type, "print") == 0 || strcmp(j->type, "motion") == 0)) {
        mlog(MLOG_WARNING, "%s %lld: the lid opened, stopping", j->type,
             (long long)j->id);
        wrk_stop_job(w, j);
    }
    pthread_mutex_unlock(&w->mu);
}

int act_lid_open(act_job *j)
{
    hw_state st;
    hw_state_read(j->ctx->hw, &st);
    return st.lid_open;
}

void wrk_free(wrk *w)
{
    if (!w)
        return;
    wrk_cancel(w, -1);
    if (w->has_thread)
        pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

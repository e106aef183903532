/* ingest.c - the worker pool for blocking work behind an HTTP request.
 *
 * DESIGN.md: nothing blocks the event loop. Checking a job file means
 * inflating and reading all of it (GBs of ticks), and storing any upload
 * (a job file, a 16 MiB camera image, a job copy locked to one machine)
 * means writing it and an fsync: on the loop that would stall every machine
 * session. So the request's handler submits a job here; NWORKERS threads
 * take jobs in FIFO order (at most MAX_JOBS queued or running; more get
 * 503, so memory and scratch space stay bounded). A worker touches only the
 * job's own context and the blob directory. When it is done it queues the
 * job and wakes the loop (lws_cancel_service); the loop then asks for the
 * connection to become writable and the job's reply step records what it
 * must in the store and answers, unless the client has gone away. */
#include "ingest.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define NWORKERS 2
#define MAX_JOBS 32

struct job {
    struct job *next;
    struct lws *wsi; /* NULL once the connection closed */
    const ingest_task *t;
    void *ctx;
    int rc;
    int finished; /* handed back to the loop; the reply waits */
};

struct ingest {
    cloud *c;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th[NWORKERS];
    int nth;
    int quit;
    struct job *q_head, *q_tail; /* waiting for a worker */
    struct job *done;            /* finished, waiting for the loop */
    int pending;                 /* queued + running */
    char gate[1024];             /* test hook, see wait_gate() */
};

/* Test hook (GFCLOUD_TEST_WORKER_GATE=path): workers hold each job until
 * that file exists, at most a minute. It lets an integration test keep an
 * upload on a worker and prove the loop still serves everyone else, with no
 * timing in the test. Unset in production: no cost. */
static void wait_gate(const ingest *g)
{
    for (int i = 0; g->gate[0] && i < 6000 && access(g->gate, F_OK) != 0; i++)
        usleep(10000);
}

static void job_free(struct job *j)
{
    j->t->drop(j->ctx);
    free(j);
}

static struct job *take(ingest *g)
{
    while (!g->q_head && !g->quit)
        pthread_cond_wait(&g->cv, &g->mu);
    struct job *j = g->q_head;
    if (j) {
        g->q_head = j->next;
        if (!g->q_head)
            g->q_tail = NULL;
    }
    return j;
}

static void *worker(void *arg)
{
    ingest *g = arg;
    pthread_mutex_lock(&g->mu);
    for (;;) {
        struct job *j = take(g);
        if (!j)
            break;
        pthread_mutex_unlock(&g->mu);
        wait_gate(g);
        j->rc = j->t->work(g->c, j->ctx);
        pthread_mutex_lock(&g->mu);
        j->next = g->done;
        g->done = j;
        /* Wake the loop while still holding the lock: ingest_drain() cannot
         * see this job gone, and let the context be destroyed, before. */
        if (g->c->lws)
            lws_cancel_service(g->c->lws);
    }
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

ingest *ingest_new(cloud *c)
{
    ingest *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->c = c;
    const char *gate = getenv("GFCLOUD_TEST_WORKER_GATE");
    snprintf(g->gate, sizeof(g->gate), "%s", gate ? gate : "");
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    for (int i = 0; i < NWORKERS; i++) {
        if (pthread_create(&g->th[i], NULL, worker, g) != 0)
            break;
        g->nth++;
    }
    if (g->nth == 0) {
        ingest_free(g);
        return NULL;
    }
    return g;
}

int ingest_submit(ingest *g, struct lws *wsi, http_req *r, const ingest_task *t,
                  void *ctx)
{
    struct job *j = calloc(1, sizeof(*j));
    if (!j) {
        t->drop(ctx);
        return http_reject(wsi, r, 500, "internal", "out of memory");
    }
    j->wsi = wsi;
    j->t = t;
    j->ctx = ctx;
    pthread_mutex_lock(&g->mu);
    int full = g->pending >= MAX_JOBS;
    if (!full) {
        g->pending++;
        log_msg(LOG_DEBUG, "worker job queued (%d pending)", g->pending);
        if (g->q_tail)
            g->q_tail->next = j;
        else
            g->q_head = j;
        g->q_tail = j;
        pthread_cond_signal(&g->cv);
    }
    pthread_mutex_unlock(&g->mu);
    if (full) {
        job_free(j);
        return http_reject(wsi, r, 503, "busy",
                           "too many uploads being stored; retry");
    }
    r->job = j;
    http_hold(wsi, r); /* http.c: no pipelined input while it works */
    return 0;
}

void ingest_take_body(http_req *r, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s", r->body_path);
    if (r->body_fd > 0)
        close(r->body_fd - 1);
    r->body_fd = 0;
}

void ingest_detach(ingest *g, http_req *r)
{
    struct job *j = r->job;
    r->job = NULL;
    if (!j)
        return;
    if (j->finished) { /* back on the loop already: nobody else holds it */
        job_free(j);
        return;
    }
    pthread_mutex_lock(&g->mu);
    j->wsi = NULL; /* ingest_poll() frees it */
    pthread_mutex_unlock(&g->mu);
}

int ingest_ready(const http_req *r)
{
    return r->job && r->job->finished;
}

void ingest_reply(ingest *g, struct lws *wsi, http_req *r)
{
    struct job *j = r->job;
    r->job = NULL;
    j->t->reply(g->c, wsi, r, j->ctx, j->rc);
    job_free(j);
}

/* Writing to a connection belongs in its own WRITEABLE callback: mark the
 * finished jobs and ask for one there. */
void ingest_poll(ingest *g)
{
    pthread_mutex_lock(&g->mu);
    struct job *list = g->done;
    g->done = NULL;
    pthread_mutex_unlock(&g->mu);
    while (list) {
        struct job *j = list;
        list = j->next;
        pthread_mutex_lock(&g->mu);
        g->pending--;
        struct lws *wsi = j->wsi;
        j->finished = 1;
        pthread_mutex_unlock(&g->mu);
        if (wsi) {
            http_resume(wsi);
            lws_callback_on_writable(wsi);
        } else
            job_free(j);
    }
}

void ingest_drain(ingest *g)
{
    if (!g)
        return;
    for (;;) {
        pthread_mutex_lock(&g->mu);
        /* Jobs on the done list are finished; only queued/running count. */
        int left = g->pending;
        for (struct job *j = g->done; j; j = j->next)
            left--;
        pthread_mutex_unlock(&g->mu);
        if (left <= 0)
            break;
        usleep(10000); /* shutdown only: let running work finish */
    }
}

void ingest_free(ingest *g)
{
    if (!g)
        return;
    ingest_drain(g);
    pthread_mutex_lock(&g->mu);
    g->quit = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
    for (int i = 0; i < g->nth; i++)
        pthread_join(g->th[i], NULL);
    while (g->done) {
        struct job *j = g->done;
        g->done = j->next;
        job_free(j);
    }
    pthread_mutex_destroy(&g->mu);
    pthread_cond_destroy(&g->cv);
    free(g);
}

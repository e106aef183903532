/* ingest.c - job file uploads validated off the event loop.
 *
 * Checking a pulse file means inflating and reading all of it (up to
 * max-file-body compressed, GBs of ticks), and storing it means deflating
 * and an fsync: seconds for a big job. On the event loop that would stall
 * every machine session, so each upload gets a worker thread (at most
 * MAX_RUNNING at once; more get 503). The worker touches only the upload's
 * scratch file and the blob directory. When it is done it queues the job
 * and wakes the loop (lws_cancel_service); the loop then records the file
 * in the store and replies, unless the client has gone away meanwhile. */
#include "ingest.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "log.h"

#define MAX_RUNNING 2

struct job {
    struct job *next;
    ingest *g;
    struct lws *wsi; /* NULL once the connection closed */
    http_req *r;
    char path[4300];
    files_result res;
    int rc;
    int finished; /* joined; the reply waits for the connection */
    pthread_t thread;
};

struct ingest {
    cloud *c;
    pthread_mutex_t mu;
    struct job *running; /* all live jobs */
    struct job *done;    /* finished, waiting for the loop */
    int n_running;
};

ingest *ingest_new(cloud *c)
{
    ingest *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->c = c;
    pthread_mutex_init(&g->mu, NULL);
    return g;
}

static void unlink_job(struct job **list, struct job *j)
{
    for (struct job **p = list; *p; p = &(*p)->next) {
        if (*p == j) {
            *p = j->next;
            return;
        }
    }
}

static void job_free(struct job *j)
{
    unlink(j->path);
    free(j);
}

static void *work(void *arg)
{
    struct job *j = arg;
    ingest *g = j->g;
    j->rc =
        files_prepare(g->c->blobs, g->c->cfg.max_file_body, j->path, &j->res);
    pthread_mutex_lock(&g->mu);
    unlink_job(&g->running, j);
    j->next = g->done;
    g->done = j;
    /* Wake the loop while still holding the lock: ingest_drain() cannot
     * see this job gone, and let the context be destroyed, before that. */
    if (g->c->lws)
        lws_cancel_service(g->c->lws);
    pthread_mutex_unlock(&g->mu);
    return NULL;
}

int ingest_start(ingest *g, struct lws *wsi, http_req *r)
{
    pthread_mutex_lock(&g->mu);
    int busy = g->n_running >= MAX_RUNNING;
    pthread_mutex_unlock(&g->mu);
    if (busy)
        return http_error(wsi, r, 503, "busy",
                          "too many uploads being checked; retry"),
               -1;
    struct job *j = calloc(1, sizeof(*j));
    if (!j)
        return http_error(wsi, r, 500, "internal", "out of memory"), -1;
    j->g = g;
    j->wsi = wsi;
    j->r = r;
    /* The job owns the scratch file from here on. */
    memcpy(j->path, r->body_path, sizeof(j->path));
    close(r->body_fd - 1);
    r->body_fd = 0;
    r->job = j;
    pthread_mutex_lock(&g->mu);
    j->next = g->running;
    g->running = j;
    g->n_running++;
    pthread_mutex_unlock(&g->mu);
    if (pthread_create(&j->thread, NULL, work, j) != 0) {
        pthread_mutex_lock(&g->mu);
        unlink_job(&g->running, j);
        g->n_running--;
        pthread_mutex_unlock(&g->mu);
        r->job = NULL;
        job_free(j);
        return http_error(wsi, r, 500, "internal", "cannot start a worker"), -1;
    }
    return 0;
}

void ingest_detach(ingest *g, http_req *r)
{
    struct job *j = r->job;
    r->job = NULL;
    if (!j)
        return;
    if (j->finished) { /* joined already: nobody else holds it */
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
    if (j->rc != 0) {
        int status = strcmp(j->res.code, "internal") == 0 ? 500 : 422;
        http_error(wsi, r, status, j->res.code, j->res.err);
    } else {
        json_t *info = files_record(g->c, &j->res);
        if (!info) {
            http_error(wsi, r, 500, "internal", "database error");
        } else {
            log_msg(LOG_INFO, "job file %.12s stored", j->res.id);
            http_reply_json(wsi, r, 201, info);
        }
    }
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
        pthread_join(j->thread, NULL);
        pthread_mutex_lock(&g->mu);
        g->n_running--;
        struct lws *wsi = j->wsi;
        j->finished = 1;
        pthread_mutex_unlock(&g->mu);
        if (wsi)
            lws_callback_on_writable(wsi);
        else
            job_free(j);
    }
}

void ingest_drain(ingest *g)
{
    if (!g)
        return;
    for (;;) {
        pthread_mutex_lock(&g->mu);
        int left = g->running != NULL;
        pthread_mutex_unlock(&g->mu);
        if (!left)
            break;
        usleep(10000); /* shutdown only: let running checks finish */
    }
}

void ingest_free(ingest *g)
{
    if (!g)
        return;
    ingest_drain(g);
    pthread_mutex_lock(&g->mu);
    struct job *list = g->done;
    g->done = NULL;
    pthread_mutex_unlock(&g->mu);
    while (list) {
        struct job *j = list;
        list = j->next;
        pthread_join(j->thread, NULL);
        job_free(j);
    }
    pthread_mutex_destroy(&g->mu);
    free(g);
}

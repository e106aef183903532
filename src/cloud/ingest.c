/* ingest.c - the HTTP side of work done on the worker pool (work.c).
 *
 * Checking a job file means inflating and reading all of it (GBs of
 * ticks), and storing any upload (a job file, a 16 MiB camera image, a job
 * copy locked to one machine) means writing it and an fsync: on the loop
 * that would stall every machine session. So the request's handler submits
 * a job here; a worker runs the task's work step, and when the loop
 * collects it the connection is asked to become writable and the task's
 * reply step records what it must in the store and answers, unless the
 * client has gone away meanwhile (then the job is only dropped). A full
 * pool is answered 503. */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "work.h"

struct job {
    cloud *c;
    struct lws *wsi; /* NULL once the connection closed */
    const ingest_task *t;
    void *ctx;
    int rc;
    int finished; /* back on the loop; the reply waits */
};

static void job_free(struct job *j)
{
    j->t->drop(j->ctx);
    free(j);
}

static void job_work(void *ctx)
{
    struct job *j = ctx;
    j->rc = j->t->work(j->c, j->ctx);
}

/* Writing to a connection belongs in its own WRITEABLE callback: mark the
 * job finished and ask for one there. */
static void job_after(void *ctx, int dropped)
{
    struct job *j = ctx;
    j->finished = 1;
    if (j->wsi && !dropped) {
        http_resume(j->wsi); /* held since ingest_submit() */
        lws_callback_on_writable(j->wsi);
    } else
        job_free(j);
}

int ingest_submit(cloud *c, struct lws *wsi, http_req *r, const ingest_task *t,
                  void *ctx)
{
    struct job *j = calloc(1, sizeof(*j));
    if (!j) {
        t->drop(ctx);
        return http_reject(wsi, r, 500, "internal", "out of memory");
    }
    j->c = c;
    j->wsi = wsi;
    j->t = t;
    j->ctx = ctx;
    if (work_queue(c->work, job_work, job_after, j) != 0) {
        job_free(j);
        return http_reject(wsi, r, 503, "busy",
                           "too many uploads being stored; retry");
    }
    r->job = j;
    http_hold(wsi, r); /* http.c: no pipelined input while it works */
    return HTTP_GO;
}

void ingest_take_body(http_req *r, char *path, size_t pathlen)
{
    snprintf(path, pathlen, "%s", r->body_path);
    if (r->body_fd > 0)
        close(r->body_fd - 1);
    r->body_fd = 0;
}

void ingest_detach(http_req *r)
{
    struct job *j = r->job;
    r->job = NULL;
    if (!j)
        return;
    if (j->finished) /* back on the loop already: nobody else holds it */
        job_free(j);
    else
        j->wsi = NULL; /* its after step frees it */
}

int ingest_ready(const http_req *r)
{
    return r->job && r->job->finished;
}

void ingest_reply(cloud *c, struct lws *wsi, http_req *r)
{
    struct job *j = r->job;
    r->job = NULL;
    j->t->reply(c, wsi, r, j->ctx, j->rc);
    job_free(j);
}

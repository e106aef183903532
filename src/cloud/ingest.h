/* ingest.h - the worker pool: blocking work (validating, writing and
 * fsyncing uploads) done off the event loop, the HTTP reply sent from the
 * loop when the work is done. */
#ifndef CLOUD_INGEST_H
#define CLOUD_INGEST_H

#include "http.h"

typedef struct ingest ingest;

/* What a job does. `ctx` is the caller's, handed to every step. */
typedef struct ingest_task {
    /* On a worker thread: may touch only ctx and the blob directory (no
     * store, no lws). Returns a code for `reply`. */
    int (*work)(cloud *c, void *ctx);
    /* On the loop, in the connection's HTTP_WRITEABLE: answer for r. */
    void (*reply)(cloud *c, struct lws *wsi, http_req *r, void *ctx, int rc);
    /* Free ctx; called exactly once per submitted job (also when the
     * client went away or the service stops). */
    void (*drop)(void *ctx);
} ingest_task;

ingest *ingest_new(cloud *c);
/* Wait for queued and running jobs (before the event loop goes away). */
void ingest_drain(ingest *g);
/* Drain, stop the workers, then free what is left. */
void ingest_free(ingest *g);

/* Queue `ctx` for a worker: HTTP_GO, queued; else the pool is full or
 * failed, ctx was dropped already and the request refused, with
 * http_reject()'s result (HTTP_ANSWERED or HTTP_CLOSE). */
int ingest_submit(ingest *g, struct lws *wsi, http_req *r, const ingest_task *t,
                  void *ctx);
/* Move r's scratch body file to the caller (who unlinks it): copies its
 * path into `path` and closes r's descriptor. */
void ingest_take_body(http_req *r, char *path, size_t pathlen);
/* The connection of `r` went away: forget its job's reply. */
void ingest_detach(ingest *g, http_req *r);
/* On the loop (LWS_CALLBACK_EVENT_WAIT_CANCELLED): collect finished jobs
 * and ask for their connections to become writable. */
void ingest_poll(ingest *g);
/* In HTTP_WRITEABLE: whether r's job is done, and then reply for it. */
int ingest_ready(const http_req *r);
void ingest_reply(ingest *g, struct lws *wsi, http_req *r);

#endif

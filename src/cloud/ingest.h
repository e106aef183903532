/* ingest.h - blocking work behind an HTTP request (validating, writing and
 * fsyncing uploads) on the worker pool (work.h), the reply sent from the
 * connection's own WRITEABLE callback when the work is done. */
#ifndef CLOUD_INGEST_H
#define CLOUD_INGEST_H

#include "http.h"

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

/* Queue `ctx` for a worker (c->work): HTTP_GO, queued; else the pool is
 * full or failed, ctx was dropped already and the request refused, with
 * http_reject()'s result (HTTP_ANSWERED or HTTP_CLOSE). */
int ingest_submit(cloud *c, struct lws *wsi, http_req *r, const ingest_task *t,
                  void *ctx);
/* Move r's scratch body file to the caller (who unlinks it): copies its
 * path into `path` and closes r's descriptor. */
void ingest_take_body(http_req *r, char *path, size_t pathlen);
/* The connection of `r` went away: forget its job's reply. */
void ingest_detach(http_req *r);
/* In HTTP_WRITEABLE: whether r's job is done, and then reply for it. */
int ingest_ready(const http_req *r);
void ingest_reply(cloud *c, struct lws *wsi, http_req *r);

#endif

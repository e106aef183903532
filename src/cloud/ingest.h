/* ingest.h - job file uploads checked on a worker thread. */
#ifndef CLOUD_INGEST_H
#define CLOUD_INGEST_H

#include "http.h"

typedef struct ingest ingest;

ingest *ingest_new(cloud *c);
/* Wait for running jobs (before the event loop goes away). */
void ingest_drain(ingest *g);
/* Drain, then free what is left. */
void ingest_free(ingest *g);

/* Take over r's scratch body and check it off the loop; the reply goes out
 * from ingest_poll(). 0 started; -1 replied with an error already. */
int ingest_start(ingest *g, struct lws *wsi, http_req *r);
/* The connection of `r` went away: forget its job's reply. */
void ingest_detach(ingest *g, http_req *r);
/* On the loop (LWS_CALLBACK_EVENT_WAIT_CANCELLED): collect finished jobs
 * and ask for their connections to become writable. */
void ingest_poll(ingest *g);
/* In HTTP_WRITEABLE: whether r's job is done, and then reply for it. */
int ingest_ready(const http_req *r);
void ingest_reply(ingest *g, struct lws *wsi, http_req *r);

#endif

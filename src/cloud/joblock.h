/* joblock.h - job files locked to the machine they are sent to. */
#ifndef CLOUD_JOBLOCK_H
#define CLOUD_JOBLOCK_H

#include "http.h"

/* Before queueing pulse action `a` (a->file, a->serial set): make sure the
 * copy of its job file locked to a->serial exists. HTTP_GO: nothing to do
 * (the file is locked to this machine already, or its copy is cached),
 * queue it now; HTTP_ANSWERED: the copy is being made on a worker, which
 * then queues `a` (taking a->params) and replies, or the request was
 * refused; HTTP_CLOSE: the refusal could not be written (http_reject). */
int joblock_prepare(cloud *c, struct lws *wsi, http_req *r, store_action *a);
/* The blob a machine downloads for job file `file`: the file itself when
 * it is locked to `serial`, its locked copy when it is unlocked. 0, or -1
 * when there is none (locked to another machine, or no copy made). */
int joblock_blob(cloud *c, const char *file, uint64_t serial, char blob[65]);

#endif

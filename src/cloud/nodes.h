/* nodes.h - several gfcloud nodes on one database: hearing the others. */
#ifndef CLOUD_NODES_H
#define CLOUD_NODES_H

#include <libwebsockets.h>

#include "cloud.h"

/* After the event loop exists: watch the store's notifications (nothing
 * to do on a store no other node shares). 0 or -1. */
int nodes_start(cloud *c);

/* Before the event loop goes away: stop listening, arm no more timers. */
void nodes_stop(cloud *c);
/* After the event loop is gone. */
void nodes_free(cloud *c);

/* The "gfcloud-nodes" protocol: the adopted notification socket. */
int nodes_callback(struct lws *wsi, enum lws_callback_reasons reason,
                   void *user, void *in, size_t len);

#endif

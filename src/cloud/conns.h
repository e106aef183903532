/* conns.h - every connection from accept to close: caps on the ones not yet
 * known to be a machine, time limits on their headers and bodies, and the
 * file descriptor reserve. */
#ifndef CLOUD_CONNS_H
#define CLOUD_CONNS_H

#include <libwebsockets.h>

#include "cloud.h"

typedef struct conns conns;

conns *conns_new(const cfg *settings);
void conns_free(conns *g);
/* Once the lws context exists: measure the descriptors in use and start
 * the once-a-second sweep. */
void conns_start(conns *g, struct lws_context *ctx);

/* LWS_CALLBACK_FILTER_NETWORK_CONNECTION: 0 admit `fd`, 1 refuse it. */
int conns_admit(conns *g, int fd, const struct sockaddr *addr);
/* LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: tie the admitted fd to its
 * connection. */
void conns_bind(conns *g, struct lws *wsi);
/* The headers are in and a body follows: it must be complete within
 * body-timeout. */
void conns_reading_body(struct lws *wsi);
/* Headers (and body) are in: no more time limit, the answer is ours (a
 * long download or an event stream is not cut short). */
void conns_request_read(struct lws *wsi);
/* A machine session is open: the connection no longer counts as unknown. */
void conns_trusted(conns *g, struct lws *wsi);
/* LWS_CALLBACK_WSI_DESTROY. */
void conns_closed(conns *g, struct lws *wsi);
/* How many connections have been admitted since the start: what makes the
 * heap churn (heap_trim.h). */
uint64_t conns_admitted(const conns *g);
/* lws could not accept (descriptors exhausted): see conns.c. */
void conns_accept_failed(void);

#endif

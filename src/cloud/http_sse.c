/* http_sse.c - GET /api/v1/events/stream: the event bus (events.h) as
 * Server-Sent Events.
 *
 * The answer is 200 text/event-stream with no length; the connection then
 * stays open and every event is written when the connection is writable,
 * one per WRITEABLE callback, copied from the bus's shared text. A client
 * that sends Last-Event-ID resumes after that id (while the bus still holds
 * it). A client that reads too slowly to keep its place in the bus's ring
 * is disconnected; it may reconnect with its Last-Event-ID. A stream whose
 * session or key stops being good is closed at the next recheck. */
#include <stdlib.h>
#include <string.h>

#include "api_path.h"
#include "events.h"
#include "http.h"
#include "log.h"
#include "metrics.h"

static void wake(void *ctx)
{
    lws_callback_on_writable((struct lws *)ctx);
}

/* Fallen a whole ring behind: close it now, writable or not (a client that
 * reads nothing never makes its connection writable again). */
static void lost(void *ctx)
{
    struct lws *wsi = ctx;
    log_msg(LOG_INFO, "event stream dropped: the client fell behind");
    lws_set_timeout(wsi, PENDING_TIMEOUT_CLOSE_SEND, LWS_TO_KILL_ASYNC);
}

/* The credentials a stream opened with are looked at again every
 * machine-recheck seconds, as a machine's registration is: a removed user
 * or a revoked key does not keep watching. */
static void recheck_later(cloud *c, struct lws *wsi)
{
    if (c->cfg.machine_recheck > 0)
        lws_set_timer_usecs(wsi, (lws_usec_t)c->cfg.machine_recheck *
                                     LWS_US_PER_SEC);
}

int http_sse_start(cloud *c, struct lws *wsi, http_req *r)
{
    unsigned char hbuf[LWS_PRE + 512];
    unsigned char *start = hbuf + LWS_PRE, *p = start;
    unsigned char *end = hbuf + sizeof(hbuf) - 1;
    char last[32] = "";
    int64_t last_id = 0;
    if (r->method != LWSHUMETH_GET)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET");
    if (lws_hdr_custom_copy(wsi, last, sizeof(last), "last-event-id:", 14) >
            0 &&
        api_parse_id(last, &last_id) != 0)
        return http_error(wsi, r, 400, "bad_request",
                          "Last-Event-ID must be an event id");
    r->sse = events_subscribe(c->events, last_id, wake, lost, wsi);
    if (!r->sse)
        return http_error(wsi, r, 500, "internal", "out of memory");
    r->responded = 1;
    if (lws_add_http_common_headers(wsi, 200, "text/event-stream",
                                    LWS_ILLEGAL_HTTP_CONTENT_LEN, &p, end) ||
        lws_add_http_header_by_name(
            wsi, (const unsigned char *)"cache-control:",
            (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0); /* a stream has no end */
    recheck_later(c, wsi);
    lws_callback_on_writable(wsi);
    return 0;
}

int http_sse_recheck(cloud *c, struct lws *wsi, http_req *r)
{
    if (!http_principal_live(c, r)) {
        log_msg(LOG_INFO, "event stream closed: its %s ended",
                r->via_cookie ? "session" : "API key");
        return -1;
    }
    recheck_later(c, wsi);
    return 0;
}

int http_sse_write(cloud *c, struct lws *wsi, http_req *r)
{
    const char *text;
    size_t len;
    int rc = events_peek(c->events, r->sse, &text, &len);
    if (rc < 0) {
        return -1; /* lost() has said so and closes it */
    }
    if (rc == 0)
        return 0;
    unsigned char *buf = malloc(LWS_PRE + len);
    if (!buf)
        return -1;
    memcpy(buf + LWS_PRE, text, len);
    int n = lws_write(wsi, buf + LWS_PRE, len, LWS_WRITE_HTTP);
    free(buf);
    if (n < (int)len)
        return -1;
    metrics_bytes(METRICS_HTTP, 0, len);
    events_advance(r->sse);
    if (events_peek(c->events, r->sse, &text, &len) != 0)
        lws_callback_on_writable(wsi);
    return 0;
}

void http_sse_end(cloud *c, http_req *r)
{
    events_unsubscribe(c->events, r->sse);
    r->sse = NULL;
}

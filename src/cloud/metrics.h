/* metrics.h - the service's counters and gauges, and their text for
 * GET /metrics (Prometheus text exposition format 0.0.4; docs/cloud.md
 * "Metrics").
 *
 * The counters live here, in one place, and the modules that see a thing
 * happen bump them with one call: a sign-in answered (http_sign_in.c), a
 * session opened or closed (ws.c), an action ended or a deadline missed
 * (scheduler.c), a database write timed (store_sqlite.c, store_pg.c),
 * bytes read and written (http.c, ws.c), a webhook attempt (webhook.c).
 * Every call is a few additions on the event loop's thread, the only one
 * that calls them; the gauges that belong to others (jobs by state, the
 * worker queue) are read when a scrape comes. Process-wide: one service
 * per process. */
#ifndef CLOUD_METRICS_H
#define CLOUD_METRICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* How a sign-in (POST /machines/sign_in) was answered. */
typedef enum metrics_signin {
    METRICS_SIGNIN_OK,           /* tokens issued */
    METRICS_SIGNIN_BAD_PASSWORD, /* a registered serial, a wrong password */
    METRICS_SIGNIN_UNKNOWN,      /* no such serial (or not a serial) */
    METRICS_SIGNIN_THROTTLED,    /* 429 */
    METRICS_SIGNIN_BAD_REQUEST,  /* 400: unreadable, a field missing */
    METRICS_SIGNIN_ERROR,        /* 500: the database failed */
    METRICS_SIGNIN_N
} metrics_signin;

enum metrics_transport { METRICS_HTTP, METRICS_WS };

void metrics_signin_count(metrics_signin outcome);
/* A machine's WebSocket session opened (+1) or closed (-1). */
void metrics_session(int delta);
/* An action sent to a machine ended: its type ("print") and outcome
 * ("completed", "cancelled", "failed", "timed_out", "interrupted"). */
void metrics_action(const char *type, const char *outcome);
/* An action's deadline (a stage's, or the grace after a cancel) ran out. */
void metrics_deadline_missed(void);
/* A monotonic clock in microseconds, for timing a write. */
int64_t metrics_clock_us(void);
/* A database write (a statement, or a transaction's COMMIT) that began at
 * metrics_clock_us() `start_us` has ended. */
void metrics_store_write(int64_t start_us);
/* One pass of the event loop did `busy_us` of work (server.c). */
void metrics_loop_pass(int64_t busy_us);
/* Bytes read from (`in`) or written to a client. */
void metrics_bytes(enum metrics_transport t, int in, size_t n);
/* A webhook delivery attempt ended: `ok` a 2xx answer. */
void metrics_webhook_attempt(int ok);

/* The exposition text (malloc'd, *len bytes, NUL-terminated), with the
 * gauges the caller read: `jobs` {"state": count} (NULL: not known, the
 * metric is left out) and the worker queue's depth. NULL out of memory. */
char *metrics_render(const json_t *jobs, int queue_depth, size_t *len);

/* Back to zero (unit tests). */
void metrics_reset(void);

#endif

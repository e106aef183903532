/* cloud.h - the service context shared by gfcloud's modules. */
#ifndef CLOUD_CLOUD_H
#define CLOUD_CLOUD_H

#include <signal.h>
#include <stdint.h>

#include "auth.h"
#include "blobs.h"
#include "config.h"
#include "store.h"

struct lws_context;
struct lws_vhost;
struct sched;
struct lifecycle;
struct throttle;
struct work_pool;
struct gfnet_wheel;
struct gfnet_loop;
struct conns;
struct events;
struct jobs_backlog;
struct webhooks;

typedef struct cloud {
    cfg cfg;
    store *store;
    blobs *blobs;
    auth *auth;
    struct sched *sched;
    struct lifecycle *life;
    struct throttle *throttle;      /* failed sign-ins per serial */
    struct throttle *throttle_addr; /* ... and per client address */
    struct throttle *throttle_user; /* failed sign-ins per user name */
    struct work_pool *work;         /* the worker pool (work.h) */
    struct events *events;          /* the event bus (events.h) */
    struct jobs_backlog *compiles;  /* jobs waiting for a compile (jobs.c) */
    struct conns *conns;     /* caps and time limits of connections (conns.c) */
    struct nodes *nodes;     /* hearing the other nodes (nodes.c), or NULL */
    struct webhooks *hooks;  /* the webhooks' sender (webhook.c) */
    struct gfnet_loop *loop; /* what lws waits in (gfnet_loop.h) */
    struct lws_context *lws;
    /* status-listen's context (sessions only), or NULL: sessions on lws.
     * libwebsockets' libev glue re-arms a context's timer only after an
     * event of that context, so the tick wakes this one (tick.c). */
    struct lws_context *lws_status;
    struct lws_vhost *vhost;
    struct gfnet_wheel *wheel; /* per-session timers (tick.c) */
    /* The upgrade whose registration http.c has just checked: ws.c's
     * filter, called next in the same handshake, need not read it again.
     * Cleared after every loop pass (server.c), so never older than one. */
    struct {
        const struct lws *wsi;
        uint64_t serial, reg;
    } upgrade_checked;
    char public_url[512];
    char hunt_file_id[65]; /* bundled hunt job, "" when none */
    char web_root[4096];   /* the dashboard's files, resolved; "" = none */
    int lock_fd;           /* fd + 1 of the data directory's lock; 0 if none */
    volatile sig_atomic_t stop;
} cloud;

int64_t cloud_now(void);    /* Unix seconds */
int64_t cloud_now_us(void); /* monotonic microseconds */
/* Whether a deadline in whole Unix seconds has passed at `now`: only once
 * the clock is in a later second. A stamp taken at T.999 with one second
 * allowed must not lapse a millisecond later at T+1.000, so something
 * given `ttl` seconds always gets more than `ttl` seconds. */
int cloud_deadline_passed(int64_t deadline, int64_t now);
/* "S12345" or "12345" -> 12345. 0 on success, -1 if not a serial. */
int cloud_parse_serial(const char *text, uint64_t *out);

/* Open store, blobs and auth under cfg.data_dir, creating what is missing
 * (`serve`, `init`). */
int cloud_open_data(cloud *c, char *err, size_t errlen);
/* The same for a data directory that must already exist (every other
 * command: a mistyped --data must not make a fresh one). */
int cloud_open_existing_data(cloud *c, char *err, size_t errlen);
/* Hold the data directory for this process (`serve`): a second service on
 * it is refused, naming the first one's pid. Released by cloud_close_data
 * or at exit. Not with store = postgresql, where several nodes share the
 * directory. */
int cloud_lock_data(cloud *c, char *err, size_t errlen);
void cloud_close_data(cloud *c);

#endif

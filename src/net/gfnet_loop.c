/* gfnet_loop.c - poll(2) or libev's epoll under a libwebsockets context
 * (gfnet_loop.h). The libev loop is "foreign" to libwebsockets: this module
 * makes it, hands it to lws_create_context, and runs it one pass at a time
 * (EVRUN_ONCE), so the caller's loop keeps its shape. libwebsockets loads
 * its libev glue as a plugin at context creation; without the plugin the
 * context is not created and the caller says so. */
#include "gfnet_loop.h"

#include <ev.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gfnet_loop {
    gfnet_loop_kind kind;
    struct ev_loop *ev;
    void *foreign[1]; /* read by lws_create_context only */
    ev_check woke;    /* runs first once the wait returns */
    long long woke_us;
};

static long long now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static void on_woke(struct ev_loop *ev, ev_check *w, int revents)
{
    (void)ev;
    (void)revents;
    gfnet_loop *l = w->data;
    l->woke_us = now_us();
}

int gfnet_loop_parse(const char *name)
{
    if (!strcmp(name, "poll"))
        return GFNET_LOOP_POLL;
    if (!strcmp(name, "epoll"))
        return GFNET_LOOP_EPOLL;
    return -1;
}

const char *gfnet_loop_name(gfnet_loop_kind kind)
{
    return kind == GFNET_LOOP_EPOLL ? "epoll" : "poll";
}

gfnet_loop *gfnet_loop_new(gfnet_loop_kind kind)
{
    gfnet_loop *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->kind = kind;
    if (kind == GFNET_LOOP_EPOLL) {
        /* EVBACKEND_EPOLL only: libev's fallback would be poll again.
         * EVFLAG_NOSIGMASK: the caller's signal handlers stay as they are. */
        if (!(ev_supported_backends() & EVBACKEND_EPOLL) ||
            !(l->ev = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK))) {
            free(l);
            return NULL;
        }
        /* Check watchers are queued after the wait; the highest priority
         * runs before every socket's watcher of the same pass. */
        ev_check_init(&l->woke, on_woke);
        ev_set_priority(&l->woke, EV_MAXPRI);
        l->woke.data = l;
        ev_check_start(l->ev, &l->woke);
        ev_unref(l->ev); /* not a reason for the loop to keep running */
    }
    return l;
}

void gfnet_loop_prepare(gfnet_loop *l, struct lws_context_creation_info *info)
{
    if (l->kind != GFNET_LOOP_EPOLL)
        return;
    info->options |= LWS_SERVER_OPTION_LIBEV;
    l->foreign[0] = l->ev;
    info->foreign_loops = l->foreign;
}

int gfnet_loop_run_once(gfnet_loop *l, struct lws_context *ctx)
{
    if (l->kind != GFNET_LOOP_EPOLL)
        return lws_service(ctx, 0) < 0 ? -1 : 0;
    ev_run(l->ev, EVRUN_ONCE);
    return 0;
}

long long gfnet_loop_woke_us(const gfnet_loop *l)
{
    return l->kind == GFNET_LOOP_EPOLL ? l->woke_us : 0;
}

void gfnet_loop_free(gfnet_loop *l)
{
    if (!l)
        return;
    if (l->ev) {
        ev_ref(l->ev);
        ev_check_stop(l->ev, &l->woke);
        ev_loop_destroy(l->ev);
    }
    free(l);
}

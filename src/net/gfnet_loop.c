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

struct gfnet_loop {
    gfnet_loop_kind kind;
    struct ev_loop *ev;
    void *foreign[1]; /* read by lws_create_context only */
};

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

void gfnet_loop_free(gfnet_loop *l)
{
    if (!l)
        return;
    if (l->ev)
        ev_loop_destroy(l->ev);
    free(l);
}

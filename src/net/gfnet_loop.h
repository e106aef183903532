/* gfnet_loop.h - the event loop a libwebsockets context runs on.
 *
 * libwebsockets' own loop waits in poll(2), which walks every open socket
 * on each wake-up: with 10,000 sessions that walk is most of what an idle
 * service does, and it grows with every connection in a reconnect storm.
 * Debian's libwebsockets ships an event-library plugin for libev
 * (libwebsockets-evlib-ev), whose Linux backend is epoll: a wake-up costs
 * the sockets that are ready, not the ones that are open.
 *
 * This module owns that choice. The caller makes a loop, lets it fill the
 * context's creation info, and turns it once per pass of its own loop, so
 * that its stop flag, signals and wake-ups (lws_cancel_service) work the
 * same on either kind. */
#ifndef GFNET_LOOP_H
#define GFNET_LOOP_H

struct lws_context;
struct lws_context_creation_info;

typedef enum {
    GFNET_LOOP_POLL,  /* libwebsockets' own poll(2) loop */
    GFNET_LOOP_EPOLL, /* libev (epoll) through libwebsockets' evlib plugin */
} gfnet_loop_kind;

typedef struct gfnet_loop gfnet_loop;

/* "poll" or "epoll" to a kind; -1 for anything else. */
int gfnet_loop_parse(const char *name);
const char *gfnet_loop_name(gfnet_loop_kind kind);

/* A loop of that kind; NULL when out of memory or when the kind cannot be
 * had here (libev has no epoll backend on this system). */
gfnet_loop *gfnet_loop_new(gfnet_loop_kind kind);

/* Before lws_create_context(info): sets the option and the foreign loop
 * that make the context run on this loop. Nothing for GFNET_LOOP_POLL. */
void gfnet_loop_prepare(gfnet_loop *l, struct lws_context_creation_info *info);

/* One pass: wait for something to happen (a socket, a timer,
 * lws_cancel_service) and handle it. < 0 when the context failed. */
int gfnet_loop_run_once(gfnet_loop *l, struct lws_context *ctx);

/* When the pass under way woke from its wait (CLOCK_MONOTONIC, µs), so the
 * caller can time the work of a pass apart from the wait; 0 on the poll
 * kind, where it is not known. */
long long gfnet_loop_woke_us(const gfnet_loop *l);

/* After lws_context_destroy(). NULL is fine. */
void gfnet_loop_free(gfnet_loop *l);

#endif

/* gfnet_wheel.h - many coarse timers at O(1) each: a hashed timer wheel.
 *
 * libwebsockets keeps its timers (lws_sul) in one sorted list, so arming one
 * costs a walk over the timers due earlier. With one timer per connection
 * (a keep-alive, a back-off, a sign-in slot in a ramp) that is O(N) per
 * event and O(N^2) per storm. A wheel hashes each timer into a slot by its
 * due tick: arming and cancelling are O(1), and one lws_sul (the caller's)
 * drives gfnet_wheel_run() every tick. A timer due more than one turn of
 * the wheel ahead stays in its slot until the turn it is due.
 *
 * Times are milliseconds on any monotonic clock the caller picks; a timer
 * fires at the first run at or after the first tick boundary at or after
 * its due time: never early, at most a tick (plus the caller's lateness)
 * late. Single-threaded, like the event loop. */
#ifndef GFNET_WHEEL_H
#define GFNET_WHEEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct gfnet_wheel gfnet_wheel;
typedef struct gfnet_timer gfnet_timer;
typedef void (*gfnet_timer_cb)(gfnet_timer *t);

/* Embed one in the owner and find the owner with lws_container_of (or
 * offsetof). Zero it before first use; the fields are the wheel's. */
struct gfnet_timer {
    gfnet_timer *next, **pprev; /* pprev NULL: not armed */
    int64_t due_ms;
    gfnet_timer_cb cb;
};

/* A wheel of 2^slots_log2 slots of tick_ms each (slots_log2 1..20,
 * tick_ms >= 1), whose clock starts at now_ms. NULL when out of memory or
 * for bad sizes. */
gfnet_wheel *gfnet_wheel_new(unsigned slots_log2, int64_t tick_ms,
                             int64_t now_ms);
/* Frees the wheel; armed timers are left disarmed, not called. */
void gfnet_wheel_free(gfnet_wheel *w);

/* Arm (or re-arm) `t` to call `cb` once at due_ms; a time already past
 * fires at the next tick. O(1). */
void gfnet_timer_arm(gfnet_wheel *w, gfnet_timer *t, int64_t due_ms,
                     gfnet_timer_cb cb);
/* Disarm; harmless on a timer that is not armed. O(1). */
void gfnet_timer_cancel(gfnet_wheel *w, gfnet_timer *t);
int gfnet_timer_armed(const gfnet_timer *t);

/* Fire every timer due at or before now_ms (each disarmed before its
 * callback, which may re-arm it or free its owner; a timer re-armed for a
 * time already past fires at the next tick, not in this run). Returns the
 * number fired. */
size_t gfnet_wheel_run(gfnet_wheel *w, int64_t now_ms);
/* Timers armed right now. */
size_t gfnet_wheel_count(const gfnet_wheel *w);
int64_t gfnet_wheel_tick_ms(const gfnet_wheel *w);

#endif

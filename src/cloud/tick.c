/* tick.c - one timer wheel for every session's keep-alive (and any other
 * timer there is one of per session), driven by one lws_sul.
 *
 * libwebsockets keeps its timers in one sorted list: arming one walks the
 * timers due before it. A timer per session re-armed on every frame made a
 * reconnect storm O(N^2) (issue 11: 47% of the CPU in lws_dll2_add_sorted).
 * The wheel (gfnet_wheel.h) arms and cancels in O(1); libwebsockets sees
 * only this module's single timer, which runs the wheel every TICK_MS. */
#include "tick.h"

#include <libwebsockets.h>
#include <time.h>

#include "cloud.h"
#include "conns.h"
#include "heap_trim.h"

#define WHEEL_LOG2 10 /* 1024 slots of 100 ms: 102 s a turn */

static lws_sorted_usec_list_t tick_sul;
static cloud *tick_cloud;

int64_t tick_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void on_tick(lws_sorted_usec_list_t *sul)
{
    int64_t now = tick_now_ms();
    gfnet_wheel_run(tick_cloud->wheel, now);
    heap_trim_poll(now, conns_admitted(tick_cloud->conns));
    /* Timeouts set from here (keep-alive hang-ups, the connection sweep)
     * on the status context's connections wait for that context's next
     * event: this is one, at most TICK_MS after they were set. */
    if (tick_cloud->lws_status)
        lws_cancel_service(tick_cloud->lws_status);
    lws_sul_schedule(tick_cloud->lws, 0, sul, on_tick,
                     (lws_usec_t)TICK_MS * LWS_US_PER_MS);
}

int tick_start(cloud *c)
{
    c->wheel = gfnet_wheel_new(WHEEL_LOG2, TICK_MS, tick_now_ms());
    if (!c->wheel)
        return -1;
    tick_cloud = c;
    lws_sul_schedule(c->lws, 0, &tick_sul, on_tick,
                     (lws_usec_t)TICK_MS * LWS_US_PER_MS);
    return 0;
}

void tick_stop(cloud *c)
{
    if (c->wheel)
        lws_sul_cancel(&tick_sul);
}

void tick_free(cloud *c)
{
    if (!c->wheel)
        return;
    gfnet_wheel_free(c->wheel);
    c->wheel = NULL;
    tick_cloud = NULL;
}

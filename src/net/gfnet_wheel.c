/* gfnet_wheel.c - a hashed timer wheel (see gfnet_wheel.h for why).
 *
 * Slot k holds the timers whose due tick is k modulo the slot count, in a
 * doubly linked list through pprev (the address of the pointer that points
 * at the timer), so cancel needs neither the wheel nor a search. A run
 * walks the slots from the last tick it handled to now; each slot is first
 * cut loose from the wheel, so callbacks that re-arm timers land in the
 * live slots and cannot make the walk loop. Timers of a later turn go back
 * into their slot. When the clock jumped more than a turn, one pass over
 * every slot is enough. */
#include "gfnet_wheel.h"

#include <stdlib.h>

struct gfnet_wheel {
    gfnet_timer **slot;
    size_t mask;
    int64_t tick_ms;
    int64_t next_tick; /* the first tick not yet run */
    size_t count;
};

gfnet_wheel *gfnet_wheel_new(unsigned slots_log2, int64_t tick_ms,
                             int64_t now_ms)
{
    if (slots_log2 < 1 || slots_log2 > 20 || tick_ms < 1)
        return NULL;
    gfnet_wheel *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->slot = calloc((size_t)1 << slots_log2, sizeof(*w->slot));
    if (!w->slot) {
        free(w);
        return NULL;
    }
    w->mask = ((size_t)1 << slots_log2) - 1;
    w->tick_ms = tick_ms;
    w->next_tick = now_ms / tick_ms;
    return w;
}

void gfnet_wheel_free(gfnet_wheel *w)
{
    if (!w)
        return;
    for (size_t k = 0; k <= w->mask; k++)
        while (w->slot[k])
            gfnet_timer_cancel(w, w->slot[k]);
    free(w->slot);
    free(w);
}

static void link_into(gfnet_timer **head, gfnet_timer *t)
{
    t->next = *head;
    if (t->next)
        t->next->pprev = &t->next;
    t->pprev = head;
    *head = t;
}

/* The first tick at or after the due time: never early, at most a tick
 * late. */
static int64_t due_tick(const gfnet_wheel *w, const gfnet_timer *t)
{
    return (t->due_ms + w->tick_ms - 1) / w->tick_ms;
}

static void put(gfnet_wheel *w, gfnet_timer *t)
{
    int64_t tick = due_tick(w, t);
    if (tick < w->next_tick)
        tick = w->next_tick; /* past: the next run takes it */
    link_into(&w->slot[(size_t)tick & w->mask], t);
}

static void unlink_timer(gfnet_timer *t)
{
    *t->pprev = t->next;
    if (t->next)
        t->next->pprev = t->pprev;
    t->next = NULL;
    t->pprev = NULL;
}

void gfnet_timer_cancel(gfnet_wheel *w, gfnet_timer *t)
{
    if (!t->pprev)
        return;
    unlink_timer(t);
    w->count--;
}

void gfnet_timer_arm(gfnet_wheel *w, gfnet_timer *t, int64_t due_ms,
                     gfnet_timer_cb cb)
{
    gfnet_timer_cancel(w, t);
    t->due_ms = due_ms;
    t->cb = cb;
    put(w, t);
    w->count++;
}

int gfnet_timer_armed(const gfnet_timer *t)
{
    return t->pprev != NULL;
}

/* Fire what in slot k is due by tick `now`; the rest goes back. */
static size_t run_slot(gfnet_wheel *w, size_t k, int64_t now)
{
    size_t fired = 0;
    gfnet_timer *list = w->slot[k];
    w->slot[k] = NULL;
    if (list)
        list->pprev = &list;
    while (list) {
        gfnet_timer *t = list;
        unlink_timer(t); /* list now starts at the next one */
        if (due_tick(w, t) > now) {
            link_into(&w->slot[k], t);
            continue;
        }
        w->count--;
        fired++;
        t->cb(t); /* may re-arm t, cancel or free others in `list` */
    }
    return fired;
}

size_t gfnet_wheel_run(gfnet_wheel *w, int64_t now_ms)
{
    int64_t now_tick = now_ms / w->tick_ms;
    size_t fired = 0;
    if (now_tick < w->next_tick)
        return 0;
    if (now_tick - w->next_tick > (int64_t)w->mask) {
        /* More than a turn behind: every slot once. */
        w->next_tick = now_tick + 1;
        for (size_t k = 0; k <= w->mask; k++)
            fired += run_slot(w, k, now_tick);
        return fired;
    }
    while (w->next_tick <= now_tick) {
        int64_t tick = w->next_tick++; /* first: re-arms land after it */
        fired += run_slot(w, (size_t)tick & w->mask, tick);
    }
    return fired;
}

size_t gfnet_wheel_count(const gfnet_wheel *w)
{
    return w->count;
}

int64_t gfnet_wheel_tick_ms(const gfnet_wheel *w)
{
    return w->tick_ms;
}

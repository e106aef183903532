/* events.c - the event bus (events.h): a ring of serialised events and the
 * list of subscribers reading it. */
#include "events.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ev {
    int64_t id;
    size_t len;
    char text[]; /* the whole SSE message */
};

struct events_sub {
    events_sub *next, *prev;
    int64_t next_id; /* the id it reads next */
    void (*wake)(void *);
    void (*lost)(void *);
    int lost_told;
    void *ctx;
};

struct events {
    struct ev *ring[EVENTS_RING];
    int64_t first_id; /* id of the first event ever published */
    int64_t next_id;  /* id the next publish gets */
    events_sub *subs;
};

events *events_new(int64_t first_id)
{
    events *b = calloc(1, sizeof(*b));
    if (b)
        b->first_id = b->next_id = first_id > 0 ? first_id : 1;
    return b;
}

void events_free(events *b)
{
    if (!b)
        return;
    for (int i = 0; i < EVENTS_RING; i++)
        free(b->ring[i]);
    while (b->subs)
        events_unsubscribe(b, b->subs);
    free(b);
}

/* The oldest id still in the ring. */
static int64_t oldest(const events *b)
{
    int64_t o = b->next_id - EVENTS_RING;
    return o > b->first_id ? o : b->first_id;
}

void events_publish(events *b, const char *type, json_t *data)
{
    if (!b) {
        json_decref(data);
        return;
    }
    char *json = data ? json_dumps(data, JSON_COMPACT) : NULL;
    json_decref(data);
    if (!json)
        return;
    int64_t id = b->next_id;
    size_t cap = strlen(json) + strlen(type) + 64;
    struct ev *e = malloc(sizeof(*e) + cap);
    if (!e) {
        free(json);
        return;
    }
    /* jansson's compact output has no newline: one data line. */
    int n = snprintf(e->text, cap, "id: %" PRId64 "\nevent: %s\ndata: %s\n\n",
                     id, type, json);
    free(json);
    e->id = id;
    e->len = n > 0 ? (size_t)n : 0;
    size_t slot = (size_t)(id % EVENTS_RING);
    free(b->ring[slot]);
    b->ring[slot] = e;
    b->next_id++;
    int64_t keep = oldest(b);
    for (events_sub *s = b->subs; s; s = s->next) {
        if (s->next_id < keep && !s->lost_told) {
            s->lost_told = 1;
            if (s->lost)
                s->lost(s->ctx);
        } else if (!s->lost_told) {
            s->wake(s->ctx);
        }
    }
}

events_sub *events_subscribe(events *b, int64_t last_id, void (*wake)(void *),
                             void (*lost)(void *), void *ctx)
{
    events_sub *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->wake = wake;
    s->lost = lost;
    s->ctx = ctx;
    s->next_id = b->next_id;
    /* Resuming: from just after the last one it saw, or from the oldest
     * still kept if it saw more than the ring holds (or another run's). */
    if (last_id > 0 && last_id < b->next_id)
        s->next_id = last_id + 1 < oldest(b) ? oldest(b) : last_id + 1;
    s->next = b->subs;
    if (b->subs)
        b->subs->prev = s;
    b->subs = s;
    return s;
}

void events_unsubscribe(events *b, events_sub *s)
{
    if (!s)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        b->subs = s->next;
    if (s->next)
        s->next->prev = s->prev;
    free(s);
}

int events_peek(events *b, const events_sub *s, const char **text, size_t *len)
{
    if (s->next_id >= b->next_id)
        return 0;
    if (s->next_id < oldest(b))
        return -1; /* overwritten before it could be sent */
    const struct ev *e = b->ring[s->next_id % EVENTS_RING];
    *text = e->text;
    *len = e->len;
    return 1;
}

void events_advance(events_sub *s)
{
    s->next_id++;
}

int64_t events_last_id(const events *b)
{
    return b->next_id > b->first_id ? b->next_id - 1 : 0;
}

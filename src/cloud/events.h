/* events.h - the in-process event bus behind GET /api/v1/events/stream
 * (Server-Sent Events; docs/api.md "Live events").
 *
 * An event is serialised once, when published, into its SSE text
 * ("id: N\nevent: TYPE\ndata: JSON\n\n") and kept in a ring of the last
 * EVENTS_RING events that every subscriber reads from: no per-subscriber
 * copy waits in memory. A subscriber is just a position in the ring; one
 * that falls more than the ring behind (a slow client) is dropped, not
 * buffered. Event loop only. */
#ifndef CLOUD_EVENTS_H
#define CLOUD_EVENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define EVENTS_RING 4096

typedef struct events events;
typedef struct events_sub events_sub;

/* Ids start at `first_id` (a start-time based value, so that an id from an
 * earlier run of the service is never taken for one of this run). */
events *events_new(int64_t first_id);
void events_free(events *b); /* subscribers must be gone */

/* Publish event `type` with `data` (taken). Wakes every subscriber. */
void events_publish(events *b, const char *type, json_t *data);

/* A subscriber that resumes after `last_id` (0: from now on); `wake(ctx)`
 * is called when there is something to read, `lost(ctx)` once when it has
 * fallen out of the ring (whether or not its connection can be written:
 * a client that does not read at all must go too). */
events_sub *events_subscribe(events *b, int64_t last_id, void (*wake)(void *),
                             void (*lost)(void *), void *ctx);
void events_unsubscribe(events *b, events_sub *s);
/* The next event's text for `s`: 1 with `text` and `len` set (valid until the
 * next publish), 0 nothing yet, -1 the subscriber fell out of the ring: drop
 * it. events_advance() once it is written. */
int events_peek(events *b, const events_sub *s, const char **text, size_t *len);
void events_advance(events_sub *s);
/* The id of the newest event, 0 when none yet. */
int64_t events_last_id(const events *b);

#endif

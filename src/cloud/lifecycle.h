/* lifecycle.h - what the service drives on each machine: settings, homing,
 * the head position, and the clean-up after a print (PROTOCOL.md §12.2,
 * §17, docs/cloud.md "Machine lifecycle").
 *
 * The scheduler (scheduler.h) keeps owning the queue, one action in flight
 * and the deadlines; this module decides which actions the service itself
 * queues and keeps the head position by dead reckoning. */
#ifndef CLOUD_LIFECYCLE_H
#define CLOUD_LIFECYCLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "cloud.h"
#include "gf/message.h"
#include "store.h"

typedef struct lifecycle lifecycle;

/* Every call takes NULL for `l` and then does nothing (tools and fuzz
 * targets that drive the scheduler alone). */
lifecycle *lifecycle_new(cloud *c);
void lifecycle_free(lifecycle *l);

/* The scheduler's hooks. */
void lifecycle_connected(lifecycle *l, uint64_t serial);
void lifecycle_disconnected(lifecycle *l, uint64_t serial);
void lifecycle_sent(lifecycle *l, uint64_t serial, const store_action *a);
/* Action `id` of `type` ended: outcome "completed", "cancelled", "failed",
 * "interrupted" (a lost session) or "timed_out" (a missed deadline). */
void lifecycle_finished(lifecycle *l, uint64_t serial, int64_t id,
                        const char *type, const char *outcome);
/* Whether the scheduler may send `a` now: a motion or print needs a known
 * head position (the locator's own moves excepted). */
int lifecycle_may_send(lifecycle *l, uint64_t serial, const store_action *a);

/* handle_event.c's hooks: the settings report (§12.2) and every event
 * (parks, unsolicited lid events). */
void lifecycle_settings(lifecycle *l, uint64_t serial, int full);
void lifecycle_event(lifecycle *l, uint64_t serial, const gf_msg *m);

/* POST .../home: run `method`'s locator input. 0 accepted; otherwise an
 * HTTP status with `code` and `err` filled. */
int lifecycle_home(lifecycle *l, uint64_t serial, const json_t *body,
                   const char **code, char *err, size_t errlen);
/* POST .../camera/calibrate: with the position known and nothing in
 * flight, measure the lid camera (locator_camera_calibration). 0 started;
 * otherwise an HTTP status with `code` and `err` filled. */
int lifecycle_calibrate(lifecycle *l, uint64_t serial, const char **code,
                        char *err, size_t errlen);
/* Whether a job may start: online, homed, nothing in flight. */
int lifecycle_ready(lifecycle *l, uint64_t serial);
/* The head position in steps: 0 known, 1 unknown. */
int lifecycle_position(lifecycle *l, uint64_t serial, int64_t *x, int64_t *y);
/* {"lifecycle": "...", "head_position": "unknown" | {...}} (new ref). */
json_t *lifecycle_state(lifecycle *l, uint64_t serial);

#endif

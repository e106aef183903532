/* scheduler.h - the per-machine action scheduler and event tracker. */
#ifndef CLOUD_SCHEDULER_H
#define CLOUD_SCHEDULER_H

#include <jansson.h>
#include <stdint.h>

#include "cloud.h"
#include "gf/message.h"
#include "store.h"
#include "ws.h"

typedef struct sched sched;

sched *sched_new(cloud *c);
void sched_free(sched *s);
/* Before the event loop goes away: drop every timer and arm no more. */
void sched_stop(sched *s);

/* Sessions come and go. A newer session for a serial replaces the older. */
void sched_connected(sched *s, uint64_t serial, ws_session *sess);
void sched_disconnected(sched *s, uint64_t serial, ws_session *sess);

/* Deliver the next queued action if the machine is online and idle. */
void sched_kick(sched *s, uint64_t serial);
/* Every machine with a session here (after missed notifications). */
void sched_kick_all(sched *s);
/* An action was queued for `serial`: kick it here, or tell the node that
 * holds the machine (several nodes: nodes.c). */
void sched_queued(sched *s, uint64_t serial);
/* Another node took `serial`'s session: close ours without recording
 * anything (the new node interrupts what was in flight). */
void sched_moved(sched *s, uint64_t serial);
/* The tracker: an event arrived (already recorded). */
void sched_on_event(sched *s, uint64_t serial, const gf_msg *m);
/* A `log` line arrived: a warning or error while an action is in flight is
 * kept as that action's reason should it end other than completed. */
void sched_on_log(sched *s, uint64_t serial, const char *level,
                  const char *text);
/* Operator cancel: STORE_OK (cancelled, or cancelling already, or passed
 * on to the node that has it in flight),
 * STORE_NOT_FOUND (no such action), STORE_ALREADY (finished already),
 * STORE_ERROR. */
store_rc sched_cancel(sched *s, int64_t action_id);
/* Another node passed a cancel on: act only if the action is in flight
 * here. */
void sched_cancel_here(sched *s, int64_t action_id);
/* The action in flight for `serial`, or 0. */
int64_t sched_inflight(sched *s, uint64_t serial);
/* Live state for the API: {"online":..,"current_action":..,"stage":..}. */
json_t *sched_state(sched *s, uint64_t serial);

#endif

/* handle_log.c - a `log` line from a machine (PROTOCOL.md §5.4): advisory
 * copies of the machine's own log, kept for the operator to page through
 * (GET /api/v1/machines/{serial}/logs). */
#include <stdio.h>

#include "events.h"
#include "handle.h"
#include "log.h"
#include "scheduler.h"

void handle_log(cloud *c, uint64_t serial, const gf_msg *m)
{
    /* Nobody waits for an answer: a line the store cannot keep (a full
     * disk) is counted and logged by the store, and named here. */
    if (store_log_add(c->store, serial, m->id, m->timestamp,
                      m->level ? m->level : "INFO", m->log ? m->log : "",
                      cloud_now()) != 0)
        log_msg(LOG_WARN, "S%llu: log message %lld not stored",
                (unsigned long long)serial, (long long)m->id);
    /* A warning may be why the action in flight is about to fail. */
    sched_on_log(c->sched, serial, m->level, m->log);
    char s[32];
    snprintf(s, sizeof(s), "S%llu", (unsigned long long)serial);
    events_publish(c->events, "machine.log",
                   json_pack("{s:s, s:s, s:s}", "machine", s, "level",
                             m->level ? m->level : "INFO", "log",
                             m->log ? m->log : ""));
}

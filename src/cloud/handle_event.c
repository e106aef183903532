/* handle_event.c - an `event` from a machine (PROTOCOL.md §5.2).
 *
 * Every event is recorded, tied to its action when it names one, and then
 * given to the scheduler's tracker, which moves the action through its
 * stages. The settings report in `settings:completed` is kept here too: the
 * values as the machine's settings snapshot, and whether it was the full or
 * the empty form (§12.2), which the lifecycle takes to keep the head
 * position or home again (lifecycle.c). */
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "gf/settings.h"
#include "handle.h"
#include "jobs.h"
#include "lifecycle.h"
#include "log.h"
#include "scheduler.h"

/* The report's values as the text to store: as they came, when the
 * parser left them as text (checked, GF_PARSE_VALUES_TEXT), else dumped. */
static char *report_values(const gf_msg *m)
{
    if (!m->values_text)
        return json_dumps(json_object_get(m->settings, "values"), JSON_COMPACT);
    return strndup(m->values_text, m->values_len);
}

static void settings_report(cloud *c, uint64_t serial, const gf_msg *m)
{
    int full = 0;
    if (m->values_text) {
        full = 1; /* a flat object of one or more values: the full form */
    } else if (!m->settings ||
               gf_settings_report_form(m->settings, &full) != 0) {
        log_msg(LOG_WARN, "S%llu: settings:completed without a valid report",
                (unsigned long long)serial);
        store_machine_count_malformed(c->store, serial);
        return;
    }
    char *values = NULL;
    if (full)
        values = report_values(m);
    store_machine_set_settings(c->store, serial, values,
                               full ? "full" : "empty");
    /* A full report comes from a fresh machine process: wherever the head
     * was, the lifecycle homes it again. The empty form keeps the position
     * it holds (and homes a machine it holds none for). */
    lifecycle_settings(c->life, serial, full);
    free(values);
}

/* Whether the event's action_id names one of this machine's actions: a
 * machine must not write into another machine's history. The action in
 * flight is known without a lookup. */
static int owns_action(cloud *c, uint64_t serial, int64_t action_id)
{
    store_action a;
    if (sched_inflight(c->sched, serial) == action_id)
        return 1;
    if (store_action_get(c->store, action_id, &a) != 0)
        return 0;
    int own = a.serial == serial;
    store_action_free(&a);
    return own;
}

void handle_event(cloud *c, uint64_t serial, const gf_msg *m)
{
    const char *ev = m->event ? m->event : "";
    if (m->has_action_id && !owns_action(c, serial, m->action_id)) {
        log_msg(LOG_WARN,
                "S%llu: event %s names an action that is not "
                "this machine's; kept unattached",
                (unsigned long long)serial, ev);
        store_event_add(c->store, serial, 0, 0, m->id, m->timestamp, ev,
                        m->level ? m->level : "INFO", m->log, cloud_now());
        return;
    }
    if (store_event_add(c->store, serial, m->has_action_id, m->action_id, m->id,
                        m->timestamp, ev, m->level ? m->level : "INFO", m->log,
                        cloud_now()) != 0)
        log_msg(LOG_WARN,
                "S%llu: event %s not stored (the tracker still "
                "follows it)",
                (unsigned long long)serial, ev);
    if (strcmp(ev, "settings:completed") == 0)
        settings_report(c, serial, m);
    log_msg(LOG_DEBUG, "S%llu: event %s", (unsigned long long)serial, ev);
    char s[32];
    snprintf(s, sizeof(s), "S%llu", (unsigned long long)serial);
    json_t *ev_data = json_pack("{s:s, s:s}", "machine", s, "event", ev);
    if (ev_data && m->has_action_id)
        json_object_set_new(ev_data, "action_id", json_integer(m->action_id));
    if (ev_data && m->log)
        json_object_set_new(ev_data, "log", json_string(m->log));
    events_publish(c->events,
                   m->has_action_id ? "action.event" : "machine.event",
                   ev_data);
    lifecycle_event(c->life, serial, m);
    jobs_event(c, serial, m);
    sched_on_event(c->sched, serial, m);
}

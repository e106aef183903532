/* handle_progress.c - a `progress` frame (PROTOCOL.md §5.3).
 *
 * Progress doubles as telemetry: the latest frame (phase, current/total,
 * units and the settings values it carries) becomes the machine's current
 * progress, which the REST API shows. Only the latest is kept; one row
 * update per frame, inside the frame's transaction. */
#include <stdlib.h>

#include "handle.h"
#include "jobs.h"

void handle_progress(cloud *c, uint64_t serial, const gf_msg *m)
{
    json_t *o = json_pack("{s:s?, s:I, s:s?, s:I}", "progress", m->progress,
                          "current", (json_int_t)m->current, "units", m->units,
                          "received", (json_int_t)cloud_now());
    if (!o)
        return;
    if (m->has_action_id)
        json_object_set_new(o, "action_id", json_integer(m->action_id));
    if (m->has_total)
        json_object_set_new(o, "total", json_integer(m->total));
    json_t *settings = json_object_get(m->raw, "settings");
    if (json_is_object(settings))
        json_object_set(o, "settings", settings);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (text)
        store_machine_set_progress(c->store, serial, text);
    free(text);
    jobs_progress(c, serial, m); /* a job's own progress, in its ticks */
}

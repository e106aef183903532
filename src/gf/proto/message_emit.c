/* message_emit.c - write the four message types (PROTOCOL.md §5).
 *
 * Both ends build their outgoing lines here so that the field sets match the
 * reference exactly: an event always carries id, timestamp, type, version,
 * level and event, and `action_id` only when it belongs to an action (the
 * unsolicited events of §9.4 leave it out). Lines are compact JSON ending in
 * "\n" (§4.2), in the field order of the protocol's examples. */
#include <stdlib.h>

#include "gf/message.h"

/* 15 significant digits: enough for every value the catalog holds, and it
 * keeps float32-born values short (0.26666668, not 0.26666668000000001). */
#define EMIT_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15))

char *gf_json_line(const json_t *value)
{
    size_t n, m;
    char *line;
    if (!value)
        return NULL;
    n = json_dumpb(value, NULL, 0, EMIT_FLAGS);
    if (n == 0)
        return NULL;
    line = malloc(n + 2);
    if (!line)
        return NULL;
    m = json_dumpb(value, line, n, EMIT_FLAGS);
    if (m != n) {
        free(line);
        return NULL;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    return line;
}

/* json_object_set_new for an optional string: NULL leaves the key out. */
static int emit_str(json_t *o, const char *key, const char *s)
{
    return s ? json_object_set_new(o, key, json_string(s)) : 0;
}

static int emit_int(json_t *o, const char *key, int64_t v)
{
    return json_object_set_new(o, key, json_integer((json_int_t)v));
}

static int emit_action(json_t *o, const gf_msg *m)
{
    int bad = 0;
    if (!m->action_type || !m->status)
        return -1;
    bad |= emit_int(o, "id", m->id);
    bad |= emit_str(o, "action_type", m->action_type);
    bad |= emit_str(o, "machine_serial", m->machine_serial);
    bad |= emit_str(o, "status", m->status);
    bad |= emit_str(o, "motion_url", m->motion_url);
    bad |= emit_str(o, "endpoint", m->endpoint);
    bad |= emit_str(o, "head_firmware_filename", m->head_firmware_filename);
    if (m->settings)
        bad |= json_object_set(o, "settings", m->settings);
    return bad;
}

/* id, timestamp, type, version: the head of event, progress and log. */
static int emit_envelope(json_t *o, const gf_msg *m, const char *type)
{
    int bad = 0;
    bad |= emit_int(o, "id", m->id);
    bad |= emit_int(o, "timestamp", m->timestamp);
    bad |= emit_str(o, "type", type);
    bad |= emit_int(o, "version", m->version ? m->version : 1);
    if (m->has_action_id && m->type != GF_MSG_LOG)
        bad |= emit_int(o, "action_id", m->action_id);
    return bad;
}

static int emit_event(json_t *o, const gf_msg *m)
{
    int bad;
    if (!m->event)
        return -1;
    bad = emit_envelope(o, m, "event");
    bad |= emit_str(o, "level", m->level ? m->level : "INFO");
    bad |= emit_str(o, "event", m->event);
    bad |= emit_str(o, "log", m->log);
    if (m->settings)
        bad |= json_object_set(o, "settings", m->settings);
    return bad;
}

static int emit_progress(json_t *o, const gf_msg *m)
{
    int bad;
    if (!m->progress || !m->units)
        return -1;
    bad = emit_envelope(o, m, "progress");
    bad |= emit_str(o, "progress", m->progress);
    bad |= emit_int(o, "current", m->current);
    bad |= emit_str(o, "units", m->units);
    if (m->has_total)
        bad |= emit_int(o, "total", m->total);
    if (m->settings)
        bad |= json_object_set(o, "settings", m->settings);
    return bad;
}

static int emit_log(json_t *o, const gf_msg *m)
{
    int bad;
    if (!m->log)
        return -1;
    bad = emit_envelope(o, m, "log");
    bad |= emit_str(o, "log", m->log);
    bad |= emit_str(o, "level", m->level ? m->level : "INFO");
    return bad;
}

/* The object for `m`, or NULL when a required field is missing. */
static json_t *emit_object(const gf_msg *m)
{
    json_t *o = json_object();
    int bad = -1;
    if (!o)
        return NULL;
    switch (m->type) {
    case GF_MSG_ACTION:
        bad = emit_action(o, m);
        break;
    case GF_MSG_EVENT:
        bad = emit_event(o, m);
        break;
    case GF_MSG_PROGRESS:
        bad = emit_progress(o, m);
        break;
    case GF_MSG_LOG:
        bad = emit_log(o, m);
        break;
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* Dump `o` as a line and drop our reference to it. */
static char *emit_line(json_t *o)
{
    char *line = gf_json_line(o);
    json_decref(o);
    return line;
}

char *gf_msg_emit(const gf_msg *m)
{
    json_t *o = m ? emit_object(m) : NULL;
    return o ? emit_line(o) : NULL;
}

char *gf_emit_action(int64_t id, const char *action_type, const char *status,
                     const char *machine_serial, json_t *extra)
{
    gf_msg m = {0};
    json_t *o;
    m.type = GF_MSG_ACTION;
    m.id = id;
    m.action_type = action_type;
    m.status = status;
    m.machine_serial = machine_serial;
    o = emit_object(&m);
    if (!o)
        return NULL;
    if (extra &&
        (!json_is_object(extra) || json_object_update_missing(o, extra) != 0)) {
        json_decref(o);
        return NULL;
    }
    return emit_line(o);
}

char *gf_emit_event(int64_t seq, int64_t timestamp, int64_t action_id,
                    const char *event, const char *log, json_t *settings)
{
    gf_msg m = {0};
    m.type = GF_MSG_EVENT;
    m.id = seq;
    m.timestamp = timestamp;
    m.version = 1;
    m.has_action_id = action_id >= 0;
    m.action_id = action_id;
    m.level = "INFO";
    m.event = event;
    m.log = log;
    m.settings = settings;
    return gf_msg_emit(&m);
}

char *gf_emit_progress(int64_t seq, int64_t timestamp, int64_t action_id,
                       const char *progress, int64_t current, const char *units,
                       int64_t total, json_t *settings_values)
{
    gf_msg m = {0};
    char *line;
    m.type = GF_MSG_PROGRESS;
    m.id = seq;
    m.timestamp = timestamp;
    m.version = 1;
    m.has_action_id = action_id >= 0;
    m.action_id = action_id;
    m.progress = progress;
    m.current = current;
    m.units = units;
    m.has_total = total >= 0;
    m.total = total;
    if (settings_values) {
        m.settings = json_pack("{s:O}", "values", settings_values);
        if (!m.settings)
            return NULL;
    }
    line = gf_msg_emit(&m);
    json_decref(m.settings);
    return line;
}

char *gf_emit_log(int64_t seq, int64_t timestamp, const char *level,
                  const char *text)
{
    gf_msg m = {0};
    m.type = GF_MSG_LOG;
    m.id = seq;
    m.timestamp = timestamp;
    m.version = 1;
    m.level = level ? level : "INFO";
    m.log = text;
    return gf_msg_emit(&m);
}

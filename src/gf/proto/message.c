/* message.c - parse the four WebSocket message types (PROTOCOL.md §4.2, §5).
 *
 * Every byte parsed here comes from the network, so the parser is written to
 * be refused, not to crash: a line longer than GF_MSG_MAX_BYTES is refused
 * before jansson sees it, a bad object yields an error that names the field
 * and the JSON type it should have had, and a frame with a bad line in the
 * middle still delivers the good lines around it (gf_frame_each). Unknown
 * fields stay in `raw` for whoever wants them and are otherwise ignored. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gf/message.h"
#include "json_flat.h"

/* Where an error is written while one object is parsed. */
typedef struct msg_ctx {
    json_t *obj;
    const char *kind; /* "action", "event", ... for the error text */
    char *err;
    size_t errlen;
} msg_ctx;

static int msg_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int msg_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
    va_list ap;
    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

static const char *msg_json_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
    default:
        return "null";
    }
}

/* Field `key` of the object, or NULL when absent or null. */
static json_t *msg_field(const msg_ctx *c, const char *key)
{
    json_t *v = json_object_get(c->obj, key);
    return json_is_null(v) ? NULL : v;
}

static int msg_missing(const msg_ctx *c, const char *key)
{
    return msg_fail(c->err, c->errlen, GF_EFIELD, "%s: field `%s` missing",
                    c->kind, key);
}

static int msg_wrong(const msg_ctx *c, const char *key, const char *want,
                     const json_t *got)
{
    return msg_fail(c->err, c->errlen, GF_EFIELD,
                    "%s: field `%s` must be %s, not %s", c->kind, key, want,
                    msg_json_type(got));
}

/* Read an integer field. `present` may be NULL for required fields. */
static int msg_int(const msg_ctx *c, const char *key, int required,
                   int64_t *out, int *present)
{
    json_t *v = msg_field(c, key);
    if (present)
        *present = v != NULL;
    if (!v)
        return required ? msg_missing(c, key) : GF_OK;
    if (!json_is_integer(v))
        return msg_wrong(c, key, "an integer", v);
    *out = (int64_t)json_integer_value(v);
    return GF_OK;
}

static int msg_str(const msg_ctx *c, const char *key, int required,
                   const char **out)
{
    json_t *v = msg_field(c, key);
    if (!v)
        return required ? msg_missing(c, key) : GF_OK;
    if (!json_is_string(v))
        return msg_wrong(c, key, "a string", v);
    *out = json_string_value(v);
    return GF_OK;
}

/* `settings` of an event or a progress frame: an object. */
static int msg_settings_object(const msg_ctx *c, gf_msg *m)
{
    json_t *v = msg_field(c, "settings");
    if (v && !json_is_object(v))
        return msg_wrong(c, "settings", "an object", v);
    m->settings = v;
    return GF_OK;
}

/* `settings` of an action: an object, or (lidar_image) an array of them. */
static int msg_settings_action(const msg_ctx *c, gf_msg *m)
{
    json_t *v = msg_field(c, "settings");
    size_t i;
    json_t *item;
    if (!v || json_is_object(v)) {
        m->settings = v;
        return GF_OK;
    }
    if (!json_is_array(v))
        return msg_wrong(c, "settings", "an object or an array of objects", v);
    json_array_foreach(v, i, item)
    {
        if (!json_is_object(item))
            return msg_fail(c->err, c->errlen, GF_EFIELD,
                            "action: field `settings` item %zu must be an "
                            "object, not %s",
                            i, msg_json_type(item));
    }
    m->settings = v;
    return GF_OK;
}

static int msg_parse_action(const msg_ctx *c, gf_msg *m)
{
    int rc;
    m->type = GF_MSG_ACTION;
    if ((rc = msg_int(c, "id", 1, &m->id, NULL)) ||
        (rc = msg_str(c, "action_type", 1, &m->action_type)) ||
        (rc = msg_str(c, "status", 1, &m->status)) ||
        (rc = msg_str(c, "machine_serial", 0, &m->machine_serial)) ||
        (rc = msg_str(c, "motion_url", 0, &m->motion_url)) ||
        (rc = msg_str(c, "endpoint", 0, &m->endpoint)) ||
        (rc = msg_str(c, "head_firmware_filename", 0,
                      &m->head_firmware_filename)))
        return rc;
    return msg_settings_action(c, m);
}

/* The envelope shared by event, progress and log (§5.2). */
static int msg_parse_envelope(const msg_ctx *c, gf_msg *m)
{
    int64_t version = 0;
    int rc;
    if ((rc = msg_int(c, "id", 1, &m->id, NULL)) ||
        (rc = msg_int(c, "timestamp", 0, &m->timestamp, NULL)) ||
        (rc = msg_int(c, "version", 0, &version, NULL)))
        return rc;
    if (version < 0 || version > 1000000)
        return msg_fail(c->err, c->errlen, GF_EFIELD,
                        "%s: field `version` out of range", c->kind);
    m->version = (int)version;
    return msg_str(c, "level", 0, &m->level);
}

static int msg_parse_event(const msg_ctx *c, gf_msg *m)
{
    int rc;
    m->type = GF_MSG_EVENT;
    if ((rc = msg_parse_envelope(c, m)) ||
        (rc = msg_int(c, "action_id", 0, &m->action_id, &m->has_action_id)) ||
        (rc = msg_str(c, "event", 1, &m->event)) ||
        (rc = msg_str(c, "log", 0, &m->log)))
        return rc;
    return msg_settings_object(c, m);
}

static int msg_parse_progress(const msg_ctx *c, gf_msg *m)
{
    int rc;
    m->type = GF_MSG_PROGRESS;
    if ((rc = msg_parse_envelope(c, m)) ||
        (rc = msg_int(c, "action_id", 0, &m->action_id, &m->has_action_id)) ||
        (rc = msg_str(c, "progress", 1, &m->progress)) ||
        (rc = msg_int(c, "current", 1, &m->current, NULL)) ||
        (rc = msg_str(c, "units", 1, &m->units)) ||
        (rc = msg_int(c, "total", 0, &m->total, &m->has_total)))
        return rc;
    return msg_settings_object(c, m);
}

static int msg_parse_log(const msg_ctx *c, gf_msg *m)
{
    int rc;
    m->type = GF_MSG_LOG;
    if ((rc = msg_parse_envelope(c, m)))
        return rc;
    return msg_str(c, "log", 1, &m->log);
}

/* An action has no `type` (§5.1); the other three say what they are. */
static int msg_dispatch(msg_ctx *c, gf_msg *m)
{
    json_t *type = msg_field(c, "type");
    const char *t;
    if (!type) {
        c->kind = "action";
        if (!msg_field(c, "action_type"))
            return msg_fail(c->err, c->errlen, GF_EMSGTYPE,
                            "message has neither `type` nor `action_type`");
        return msg_parse_action(c, m);
    }
    if (!json_is_string(type)) {
        c->kind = "message";
        return msg_wrong(c, "type", "a string", type);
    }
    t = json_string_value(type);
    c->kind = t;
    if (strcmp(t, "event") == 0)
        return msg_parse_event(c, m);
    if (strcmp(t, "progress") == 0)
        return msg_parse_progress(c, m);
    if (strcmp(t, "log") == 0)
        return msg_parse_log(c, m);
    return msg_fail(c->err, c->errlen, GF_EMSGTYPE,
                    "unknown message type `%.40s`", t);
}

/* The line with its report's values (already checked, json_flat.c) cut
 * out, parsed by jansson: NULL when that fails, and then the caller parses
 * the whole line, for the error jansson gives it. */
static json_t *msg_load_cut(const char *text, size_t len, size_t from,
                            size_t to)
{
    size_t n = from + 2 + (len - to);
    char *cut = malloc(n);
    json_t *obj;
    if (!cut)
        return NULL;
    memcpy(cut, text, from);
    memcpy(cut + from, "{}", 2);
    memcpy(cut + from + 2, text + to, len - to);
    obj = json_loadb(cut, n, JSON_DECODE_ANY, NULL);
    free(cut);
    return obj;
}

int gf_msg_parse(const char *text, size_t len, gf_msg *out, char *errbuf,
                 size_t errlen)
{
    return gf_msg_parse_ex(text, len, 0, out, errbuf, errlen);
}

int gf_msg_parse_ex(const char *text, size_t len, unsigned flags, gf_msg *out,
                    char *errbuf, size_t errlen)
{
    json_error_t jerr;
    msg_ctx c = {NULL, "message", errbuf, errlen};
    size_t from = 0, to = 0, count = 0;
    int rc, cut = 0;
    if (!out)
        return msg_fail(errbuf, errlen, GF_EINVAL, "no message to fill");
    memset(out, 0, sizeof *out);
    if (!text)
        return msg_fail(errbuf, errlen, GF_EINVAL, "no text to parse");
    if (len > GF_MSG_MAX_BYTES)
        return msg_fail(errbuf, errlen, GF_ETOOBIG,
                        "message of %zu bytes is past the %d-byte cap", len,
                        GF_MSG_MAX_BYTES);
    if ((flags & GF_PARSE_VALUES_TEXT) &&
        gf_json_find_values(text, len, &from, &to, &count))
        cut = (c.obj = msg_load_cut(text, len, from, to)) != NULL;
    /* JSON_DECODE_ANY so that `42` is "not an object" rather than a parse
     * error: the two deserve different words in a log. */
    if (!c.obj)
        c.obj = json_loadb(text, len, JSON_DECODE_ANY, &jerr);
    if (!c.obj)
        return msg_fail(errbuf, errlen, GF_EJSON,
                        "not valid JSON at column %d: %s", jerr.column,
                        jerr.text);
    if (cut) {
        out->values_text = text + from;
        out->values_len = to - from;
        out->values_count = count;
    }
    out->raw = c.obj;
    if (!json_is_object(c.obj))
        rc = msg_fail(errbuf, errlen, GF_ENOTOBJECT,
                      "expected a JSON object, got %s", msg_json_type(c.obj));
    else
        rc = msg_dispatch(&c, out);
    if (rc != GF_OK)
        gf_msg_clear(out);
    return rc;
}

void gf_msg_clear(gf_msg *m)
{
    if (!m)
        return;
    json_decref(m->raw);
    memset(m, 0, sizeof *m);
}

static int msg_blank(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\f' &&
            p[i] != '\v')
            return 0;
    return 1;
}

int gf_frame_each(const char *buf, size_t len, gf_frame_cb cb, void *ud)
{
    return gf_frame_each_ex(buf, len, 0, cb, ud);
}

int gf_frame_each_ex(const char *buf, size_t len, unsigned flags,
                     gf_frame_cb cb, void *ud)
{
    char errtext[256];
    size_t start = 0;
    int seen = 0;
    if (!buf)
        return 0;
    while (start < len) {
        const char *nl = memchr(buf + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - buf) : len;
        size_t n = end - start;
        gf_msg m;
        int rc;
        if (n && buf[start + n - 1] == '\r')
            n--; /* \r\n endings (the 2018 emulator, §4.2) */
        if (!msg_blank(buf + start, n)) {
            errtext[0] = '\0';
            rc = gf_msg_parse_ex(buf + start, n, flags, &m, errtext,
                                 sizeof errtext);
            seen++;
            if (cb)
                cb(ud, rc == GF_OK ? &m : NULL, rc, rc ? errtext : NULL);
            gf_msg_clear(&m);
        }
        start = end + 1;
    }
    return seen;
}

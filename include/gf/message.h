/* gf/message.h - the four message types on the status WebSocket.
 *
 * action   (service -> machine) recognised by `action_type`; has no `type`
 * event    (machine -> service) `type:"event"`
 * progress (machine -> service) `type:"progress"`
 * log      (machine -> service) `type:"log"`
 *
 * See PROTOCOL.md §4.2 and §5. A frame may hold several newline-separated
 * JSON objects; gf_frame_each() splits it and parses each line on its own so
 * that one bad object does not spoil the rest. Unknown fields are kept in
 * `raw` and otherwise ignored. */
#ifndef GF_MESSAGE_H
#define GF_MESSAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "gf/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The longest line gf_msg_parse() accepts. A full settings report is about
 * 6 KB (§12.3); anything near this cap is not a message a peer should send. */
#define GF_MSG_MAX_BYTES (1024 * 1024)

typedef enum gf_msg_type {
    GF_MSG_ACTION = 1,
    GF_MSG_EVENT,
    GF_MSG_PROGRESS,
    GF_MSG_LOG,
} gf_msg_type;

/* A parsed message. String fields are borrowed from `raw` (NULL when
 * absent) and live as long as the message. */
typedef struct gf_msg {
    gf_msg_type type;
    json_t *raw; /* the whole object, owned */

    /* action: the action id; event/progress/log: the machine's sequence */
    int64_t id;

    /* action */
    const char *action_type;
    const char *status;
    const char *machine_serial;
    const char *motion_url;
    const char *endpoint;
    const char *head_firmware_filename;
    json_t *settings; /* borrowed: action settings (object or array), the
                         event's settings report, or the progress frame's
                         telemetry ({"values":{...}}); NULL if absent */

    /* event, progress, log */
    int64_t timestamp;
    int version;
    int has_action_id;
    int64_t action_id;
    const char *event; /* event */
    const char *level; /* event, log */
    const char *log;   /* event (optional), log */

    /* progress */
    const char *progress;
    int64_t current;
    const char *units;
    int has_total;
    int64_t total;

    /* event, read with GF_PARSE_VALUES_TEXT: the settings report's
     * `values` object as JSON text, borrowed from the text parsed (not from
     * `raw`, where `settings.values` is then {}), and its member count;
     * NULL when the report was read into `settings` as usual. */
    const char *values_text;
    size_t values_len;
    size_t values_count;
} gf_msg;

/* Parse one JSON object. On failure returns a gf_err and writes a message
 * naming what was wrong (e.g. "event: field `event` missing") to `errbuf`
 * (which may be NULL when errlen is 0); `out` is then cleared.
 *
 * Errors: GF_ETOOBIG (past GF_MSG_MAX_BYTES), GF_EJSON (not JSON),
 * GF_ENOTOBJECT, GF_EMSGTYPE (no `type` nor `action_type`, or an unknown
 * `type`), GF_EFIELD (a required field missing, or any known field of the
 * wrong JSON type). A JSON null counts as absent.
 *
 * Required: action: id, action_type, status. event: id, event.
 * progress: id, progress, current, units. log: id, log. The metadata fields
 * `timestamp`, `version` and `level` are optional (0 / 0 / NULL when absent)
 * because the receiver must not interpret them (§19). */
int gf_msg_parse(const char *text, size_t len, gf_msg *out, char *errbuf,
                 size_t errlen);
void gf_msg_clear(gf_msg *m);

/* gf_msg_parse_ex() flags. GF_PARSE_VALUES_TEXT: an event's full settings
 * report (§12.3), when its `values` is a flat object of strings and
 * numbers, is checked as text and left as text (values_text above) rather
 * than built into a JSON tree, for a reader that only stores it: the 549
 * values were a third of a service's work per machine that connects. The
 * message is accepted or refused exactly as without the flag. */
#define GF_PARSE_VALUES_TEXT 1

int gf_msg_parse_ex(const char *text, size_t len, unsigned flags, gf_msg *out,
                    char *errbuf, size_t errlen);

/* Called once per non-blank line of a frame. `msg` is NULL when `err` != 0,
 * and then `errtext` says why. The callee may not keep `msg` past the call
 * unless it takes `msg->raw` (json_incref). */
typedef void (*gf_frame_cb)(void *ud, const gf_msg *msg, int err,
                            const char *errtext);

/* Split `buf` on \n (tolerating \r\n), skip blank lines, parse each.
 * Returns the number of objects seen (good and bad). */
int gf_frame_each(const char *buf, size_t len, gf_frame_cb cb, void *ud);
/* The same, each line parsed with gf_msg_parse_ex(flags); values_text then
 * points into `buf`. */
int gf_frame_each_ex(const char *buf, size_t len, unsigned flags,
                     gf_frame_cb cb, void *ud);

/* Emit `m` as one line of compact JSON ending in "\n" (malloc'd; free()).
 * Fields that are unset (NULL / has_* = 0) are left out; `version` is
 * written as 1 when it is 0. Only the struct's fields are written: to
 * forward a message verbatim, dump `raw` instead. Returns NULL when a
 * required field is NULL or on allocation failure. */
char *gf_msg_emit(const gf_msg *m);

/* Dump any JSON value as one compact line ending in "\n" (malloc'd), with
 * reals written short (15 significant digits: 0.26666668, not
 * 0.26666668000000001). What every gf_emit_* uses. */
char *gf_json_line(const json_t *value);

/* Builders for the common messages, returning malloc'd lines ending "\n",
 * or NULL when a required string is NULL. JSON arguments are borrowed.
 * gf_emit_action: `extra` (an object or NULL) adds fields such as
 * motion_url, endpoint or settings; it cannot override id, action_type,
 * status or machine_serial. gf_emit_event writes level "INFO" and version 1;
 * action_id < 0 leaves `action_id` out (unsolicited events, §9.4); `log`
 * and `settings` (the report of settings:completed) may be NULL.
 * gf_emit_progress: action_id < 0 and total < 0 are left out; a non-NULL
 * `settings_values` is written as {"values": settings_values}.
 * gf_emit_log: `level` NULL means "INFO". */
char *gf_emit_action(int64_t id, const char *action_type, const char *status,
                     const char *machine_serial, json_t *extra);
char *gf_emit_event(int64_t seq, int64_t timestamp, int64_t action_id,
                    const char *event, const char *log, json_t *settings);
char *gf_emit_progress(int64_t seq, int64_t timestamp, int64_t action_id,
                       const char *progress, int64_t current, const char *units,
                       int64_t total, json_t *settings_values);
char *gf_emit_log(int64_t seq, int64_t timestamp, const char *level,
                  const char *text);

#ifdef __cplusplus
}
#endif
#endif

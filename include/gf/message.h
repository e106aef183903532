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
    json_t *settings; /* borrowed: action settings (object or array), or the
                         event's settings report; NULL if absent */

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
} gf_msg;

/* Parse one JSON object. On failure returns a gf_err and writes a message
 * naming what was wrong (e.g. "event: field `event` missing") to `errbuf`. */
int gf_msg_parse(const char *text, size_t len, gf_msg *out, char *errbuf,
                 size_t errlen);
void gf_msg_clear(gf_msg *m);

/* Called once per non-blank line of a frame. `msg` is NULL when `err` != 0,
 * and then `errtext` says why. The callee may not keep `msg` past the call
 * unless it takes `msg->raw` (json_incref). */
typedef void (*gf_frame_cb)(void *ud, const gf_msg *msg, int err,
                            const char *errtext);

/* Split `buf` on \n (tolerating \r\n), skip blank lines, parse each.
 * Returns the number of objects seen (good and bad). */
int gf_frame_each(const char *buf, size_t len, gf_frame_cb cb, void *ud);

/* Emit `m` as one line of compact JSON ending in "\n" (malloc'd; free()).
 * Fields that are unset (NULL / has_* = 0) are left out. */
char *gf_msg_emit(const gf_msg *m);

/* Builders for the common messages, returning malloc'd lines ending "\n". */
char *gf_emit_action(int64_t id, const char *action_type, const char *status,
                     const char *machine_serial, json_t *extra /* merged */);
char *gf_emit_event(int64_t seq, int64_t timestamp, int64_t action_id /* <0:
                    none */, const char *event, const char *log,
                    json_t *settings /* or NULL */);
char *gf_emit_progress(int64_t seq, int64_t timestamp, int64_t action_id,
                       const char *progress, int64_t current,
                       const char *units, int64_t total /* <0: none */,
                       json_t *settings_values /* or NULL */);
char *gf_emit_log(int64_t seq, int64_t timestamp, const char *level,
                  const char *text);

#ifdef __cplusplus
}
#endif
#endif

/* gfload_settings.h - the full settings report event, rendered once.
 *
 * A machine's first `settings` action is answered with every one of the
 * catalog's reported values (§12.4), about 549 of them, and only the serial
 * (MCsn), the clock (MCdt) and the action id (SAid) differ between gfload's
 * machines; the message's own seq, timestamp and action_id differ too.
 * Building and dumping that JSON for each machine was a third of gfload's
 * CPU in a connect storm. A template is the event rendered once with
 * stand-in numbers, cut where they stand; filling it is a few snprintf
 * calls, and the line is byte for byte what gf_emit_event would write. */
#ifndef GFLOAD_SETTINGS_H
#define GFLOAD_SETTINGS_H

#include <stdint.h>

typedef struct gl_settings_tpl gl_settings_tpl;

/* The template for a machine running `fw_version` (MCov); NULL when it
 * cannot be built (out of memory, or the rendered line did not hold each
 * stand-in exactly once), and then the caller renders the slow way. */
gl_settings_tpl *gl_settings_tpl_new(const char *fw_version);
void gl_settings_tpl_free(gl_settings_tpl *t);

/* The `settings:completed` event line for one machine, malloc'd; NULL when
 * out of memory or when `serial` is past INT64_MAX (which the report
 * refuses as well). */
char *gl_settings_tpl_event(const gl_settings_tpl *t, int64_t seq,
                            int64_t timestamp, int64_t action_id,
                            uint64_t serial, int64_t now);

#endif

/* log.h - one-line levelled logging to stderr. Never pass a secret. */
#ifndef CLOUD_LOG_H
#define CLOUD_LOG_H

#include <stddef.h>

enum { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(const char *name);
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Copy `len` bytes of `in` to `out` (NUL-terminated, cut to fit) with
 * every byte outside printable ASCII written as \xHH and '\' as "\\":
 * nothing that came from a client can end a log line or reach a terminal
 * as a control sequence. log_msg() applies it to every line. Returns the
 * length written. */
size_t log_escape(char *out, size_t outlen, const char *in, size_t len);

#endif

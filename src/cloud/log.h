/* log.h - one-line levelled logging to stderr. Never pass a secret. */
#ifndef CLOUD_LOG_H
#define CLOUD_LOG_H

enum { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

void log_set_level(const char *name);
void log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif

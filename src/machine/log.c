/* log.c - gfmachine's own log lines.
 *
 * Every line goes to stderr with a UTC time and a level, and (INFO and
 * above) also to the service as a `log` frame (PROTOCOL.md §5.4), the way
 * the factory copies its local log up. Callers never pass secrets: the
 * password and tokens are only ever handed to libcurl and libwebsockets.
 * Each thread remembers its last warning or error, so the worker can give
 * it as the reason of an action that did not complete. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "frames.h"
#include "log.h"

static mlog_level mlog_min = MLOG_INFO;
static int mlog_service = 0;
static _Thread_local char mlog_problem[256];

const char *mlog_last_problem(void)
{
    return mlog_problem;
}

void mlog_forget_problem(void)
{
    mlog_problem[0] = '\0';
}

void mlog_init(mlog_level min, int to_service)
{
    mlog_min = min;
    mlog_service = to_service;
}

const char *mlog_level_name(mlog_level level)
{
    static const char *const names[] = {"DEBUG", "INFO", "WARNING", "ERROR"};
    return level <= MLOG_ERROR ? names[level] : "INFO";
}

static void mlog_write(mlog_level level, int service, const char *fmt,
                       va_list ap)
{
    char text[1024], when[32];
    time_t now = time(NULL);
    struct tm tm;
    if (level < mlog_min)
        return;
    vsnprintf(text, sizeof(text), fmt, ap);
    if (level >= MLOG_WARNING) {
        /* Cut to fit: a reason is one line. */
        size_t n = strnlen(text, sizeof(mlog_problem) - 1);
        memcpy(mlog_problem, text, n);
        mlog_problem[n] = '\0';
    }
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s gfmachine %s: %s\n", when, mlog_level_name(level),
            text);
    if (service && mlog_service && level >= MLOG_INFO)
        frm_log(mlog_level_name(level), text);
}

void mlog(mlog_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mlog_write(level, 1, fmt, ap);
    va_end(ap);
}

void mlog_local(mlog_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mlog_write(level, 0, fmt, ap);
    va_end(ap);
}

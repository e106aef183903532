/* log.c - one line per event on stderr with a UTC timestamp and a level.
 * The service's only logger, so the rule "never log a secret" has one
 * place to be kept: callers pass serials and ids, never tokens or URLs
 * with signatures in them.
 *
 * It is also the one place where log lines are made safe: whatever a
 * caller formats (an event name a machine sent, a line from libwebsockets
 * about a client) goes through log_escape(), so no client can forge a log
 * line with a newline or drive a terminal with escape sequences. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int threshold = LOG_INFO;

void log_set_level(const char *name)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0)
            threshold = i;
    }
}

void log_msg(int level, const char *fmt, ...)
{
    static const char *tags[] = {"ERROR", "WARN", "INFO", "DEBUG"};
    if (level > threshold)
        return;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[1024], safe[4 * sizeof(line)];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log_escape(safe, sizeof(safe), line, strlen(line));
    fprintf(stderr, "%s gfcloud %s %s\n", ts, tags[level], safe);
}

size_t log_escape(char *out, size_t outlen, const char *in, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (!outlen)
        return 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)in[i];
        char esc[4] = {(char)ch, 0, 0, 0};
        size_t n = 1;
        if (ch == '\\') {
            esc[1] = '\\';
            n = 2;
        } else if (ch < 0x20 || ch >= 0x7f) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hex[ch >> 4];
            esc[3] = hex[ch & 15];
            n = 4;
        }
        if (o + n >= outlen)
            break;
        memcpy(out + o, esc, n);
        o += n;
    }
    out[o] = '\0';
    return o;
}

/* lwslog.c - libwebsockets' own log lines, kept in ours.
 *
 * lws prints to stderr in its own format by default; here its errors and
 * warnings become gfcloud log lines, which log_msg() escapes (an lws line
 * can quote a client's bytes). A client can make lws complain as often as
 * it likes (one line per bad connection), so past LINES_PER_SEC lines in a
 * second the rest are counted and summed up in one line afterwards. A
 * failed accept() is how we learn that descriptors ran out (conns.c). */
#include "lwslog.h"

#include <libwebsockets.h>
#include <string.h>
#include <time.h>

#include "conns.h"
#include "log.h"

#define LINES_PER_SEC 5

static time_t window;
static long in_window, suppressed;

static void emit(int level, const char *line)
{
    size_t n = strlen(line);
    /* lws's accept() failed: out of descriptors (conns.c backs off). */
    if (strstr(line, "accept") || strstr(line, "Too many open files"))
        conns_accept_failed();
    time_t now = time(NULL);
    if (now != window) {
        if (suppressed)
            log_msg(LOG_WARN, "libwebsockets: %ld more lines not shown",
                    suppressed);
        window = now;
        in_window = 0;
        suppressed = 0;
    }
    if (++in_window > LINES_PER_SEC) {
        suppressed++;
        return;
    }
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        n--;
    log_msg(level == LLL_ERR ? LOG_ERR : LOG_WARN, "libwebsockets: %.*s",
            (int)n, line);
}

void lwslog_install(void)
{
    lws_set_log_level(LLL_ERR | LLL_WARN, emit);
}

/* session.h - the status WebSocket and the event loop. */
#ifndef GFM_SESSION_H
#define GFM_SESSION_H

#include "config.h"
#include "dispatch.h"
#include "txq.h"

typedef struct sess sess;

/* Frames queued in `q` go out on the socket; actions go to `d`. */
sess *sess_new(const cfg *c, txq *q, disp *d);
/* Runs the loop until sess_stop(). Returns 0, or -1 if it could not start. */
int sess_run(sess *s);
/* From any thread or a signal handler. */
void sess_stop(sess *s);
/* Wake the loop (e.g. frames were queued). Any thread. */
void sess_wake(void *s);
/* The full settings report went out (event loop only): if no action
 * follows within watchdog_ms, reconnect (PROTOCOL.md §4.3 [rec]). */
void sess_watch_full_report(void *s);
void sess_free(sess *s);

#endif

/* tick.h - the service's coarse clock for per-session timers. */
#ifndef CLOUD_TICK_H
#define CLOUD_TICK_H

#include <stdint.h>

#include "gfnet_wheel.h"

struct cloud;

#define TICK_MS 100 /* resolution of every timer on the wheel */

/* Make c->wheel and drive it from one lws_sul every TICK_MS; after the
 * lws context exists. 0, or -1 out of memory. */
int tick_start(struct cloud *c);
/* Stop the tick; before the lws context goes (its timer is lws'). */
void tick_stop(struct cloud *c);
/* Free the wheel, after the sessions closed (their timers are dropped,
 * not run). */
void tick_free(struct cloud *c);
/* The wheel's clock: monotonic milliseconds. */
int64_t tick_now_ms(void);

#endif

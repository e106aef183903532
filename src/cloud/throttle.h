/* throttle.h - counting failed sign-ins per key (serial or address). */
#ifndef CLOUD_THROTTLE_H
#define CLOUD_THROTTLE_H

#include <stdint.h>

typedef struct throttle throttle;

throttle *throttle_new(long window_s);
void throttle_free(throttle *t);
/* 1 when `key` has had `max` failures within the window. */
int throttle_blocked(throttle *t, const char *key, long max, int64_t now);
void throttle_fail(throttle *t, const char *key, int64_t now);
void throttle_clear(throttle *t, const char *key);

#endif

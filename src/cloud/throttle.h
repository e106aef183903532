/* throttle.h - counting failed sign-ins per key (a serial, or an address). */
#ifndef CLOUD_THROTTLE_H
#define CLOUD_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct throttle throttle;

/* A table of keys that are blocked after `max` failures within `window_s`
 * seconds. One table per kind of key, so one kind cannot crowd out the
 * other. */
throttle *throttle_new(long window_s, long max);
void throttle_free(throttle *t);
/* 1 when `key` has had max failures within the window. */
int throttle_blocked(throttle *t, const char *key, int64_t now);
void throttle_fail(throttle *t, const char *key, int64_t now);
void throttle_clear(throttle *t, const char *key);

/* The throttle key of a client address: the address itself, except that
 * IPv6 addresses count per /64 (one host usually holds a whole /64, so it
 * could otherwise rotate through as many keys as it likes). */
void throttle_address_key(const char *peer, char *out, size_t outlen);

#endif

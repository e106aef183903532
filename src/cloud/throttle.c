/* throttle.c - so that a machine password cannot be guessed online.
 *
 * Each key (a serial, or a client address) counts its failed sign-ins in a
 * fixed window; at the key's limit (throttle-max for a serial,
 * throttle-address-max for an address) failures further attempts get 429 until
 * the window since the first failure has passed. A success clears the serial's
 * count. The table is a fixed-size array with oldest-first eviction: an
 * attacker rotating through many keys can only push out old entries, and
 * memory stays bounded (TABLE entries), at O(TABLE) per lookup, which at
 * 4096 entries is a few microseconds per sign-in. */
#include "throttle.h"

#include <stdlib.h>
#include <string.h>

#define TABLE 4096

struct entry {
    char key[72];
    int64_t start;
    long count;
};

struct throttle {
    long window;
    struct entry e[TABLE];
};

throttle *throttle_new(long window_s)
{
    throttle *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->window = window_s;
    return t;
}

void throttle_free(throttle *t)
{
    free(t);
}

static struct entry *lookup(throttle *t, const char *key, int64_t now,
                            int create)
{
    struct entry *oldest = &t->e[0];
    for (int i = 0; i < TABLE; i++) {
        struct entry *e = &t->e[i];
        if (e->key[0] && strcmp(e->key, key) == 0) {
            if (now - e->start >= t->window) {
                e->start = now;
                e->count = 0;
            }
            return e;
        }
        /* Reuse an empty slot first, else the one counting longest. */
        if (!e->key[0] ? oldest->key[0] != '\0'
                       : oldest->key[0] && e->start < oldest->start)
            oldest = e;
    }
    if (!create)
        return NULL;
    memset(oldest, 0, sizeof(*oldest));
    strncpy(oldest->key, key, sizeof(oldest->key) - 1);
    oldest->start = now;
    return oldest;
}

int throttle_blocked(throttle *t, const char *key, long max, int64_t now)
{
    struct entry *e = lookup(t, key, now, 0);
    return e && e->count >= (max > 0 ? max : 1);
}

void throttle_fail(throttle *t, const char *key, int64_t now)
{
    struct entry *e = lookup(t, key, now, 1);
    e->count++;
}

void throttle_clear(throttle *t, const char *key)
{
    struct entry *e = lookup(t, key, 0, 0);
    if (e)
        e->key[0] = '\0';
}

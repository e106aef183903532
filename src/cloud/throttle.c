/* throttle.c - so that a machine password cannot be guessed online, and so
 * that nobody else's guessing can lock a machine out.
 *
 * Each key counts its failed sign-ins in a fixed window; at the table's
 * limit further attempts get 429 until the window since the first failure
 * has passed. Serials and addresses have a table each (http_sign_in.c:
 * an address over its limit is refused before its password is looked at;
 * a serial over its limit still lets the right password through, so five
 * wrong guesses from anyone cannot keep the real machine out).
 *
 * A table is a fixed-size array (TABLE entries, O(TABLE) per lookup, a few
 * microseconds at 4096), so memory stays bounded whatever a client sends.
 * To make room it drops, in this order: an empty slot, an entry whose
 * window is over, the oldest entry that is not blocked. A blocked entry is
 * never dropped before its window ends, so churning through many other
 * keys (failed sign-ins on other serials from many addresses) cannot flush
 * a blocked key and reopen guesses on it; when every slot holds a blocked
 * key the new key is simply not counted. */
#include "throttle.h"

#include <arpa/inet.h>
#include <stdio.h>
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
    long max;
    struct entry e[TABLE];
};

throttle *throttle_new(long window_s, long max)
{
    throttle *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->window = window_s;
    t->max = max > 0 ? max : 1;
    return t;
}

void throttle_free(throttle *t)
{
    free(t);
}

static int live(const throttle *t, const struct entry *e, int64_t now)
{
    return e->key[0] && now - e->start < t->window;
}

/* How much a slot is worth keeping: 0 empty or over, 1 counting, 2 blocked;
 * older counting entries go before newer ones. */
static int keep_rank(const throttle *t, const struct entry *e, int64_t now)
{
    if (!live(t, e, now))
        return 0;
    return e->count >= t->max ? 2 : 1;
}

static struct entry *find(throttle *t, const char *key)
{
    for (int i = 0; i < TABLE; i++) {
        if (t->e[i].key[0] && strcmp(t->e[i].key, key) == 0)
            return &t->e[i];
    }
    return NULL;
}

static struct entry *make_room(throttle *t, int64_t now)
{
    struct entry *best = NULL;
    int best_rank = 3;
    for (int i = 0; i < TABLE; i++) {
        struct entry *e = &t->e[i];
        int rank = keep_rank(t, e, now);
        if (rank < best_rank ||
            (rank == best_rank && rank == 1 && e->start < best->start)) {
            best = e;
            best_rank = rank;
        }
        if (rank == 0)
            break;
    }
    return best_rank < 2 ? best : NULL;
}

int throttle_blocked(throttle *t, const char *key, int64_t now)
{
    struct entry *e = find(t, key);
    return e && live(t, e, now) && e->count >= t->max;
}

void throttle_fail(throttle *t, const char *key, int64_t now)
{
    struct entry *e = find(t, key);
    if (e && !live(t, e, now)) {
        e->start = now;
        e->count = 0;
    }
    if (!e) {
        e = make_room(t, now);
        if (!e)
            return; /* every slot is a blocked key: not counted */
        memset(e, 0, sizeof(*e));
        snprintf(e->key, sizeof(e->key), "%s", key);
        e->start = now;
    }
    e->count++;
}

void throttle_clear(throttle *t, const char *key)
{
    struct entry *e = find(t, key);
    if (e)
        e->key[0] = '\0';
}

void throttle_address_key(const char *peer, char *out, size_t outlen)
{
    struct in6_addr a;
    char text[INET6_ADDRSTRLEN];
    if (strchr(peer, ':') && inet_pton(AF_INET6, peer, &a) == 1 &&
        !IN6_IS_ADDR_V4MAPPED(&a)) {
        memset(a.s6_addr + 8, 0, 8);
        if (inet_ntop(AF_INET6, &a, text, sizeof(text))) {
            snprintf(out, outlen, "%s/64", text);
            return;
        }
    }
    snprintf(out, outlen, "%s", peer);
}

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
 * A table is a fixed-size array (TABLE entries), so memory stays bounded
 * whatever a client sends; a key is found through a hash of chains over
 * it, because every sign-in looks up its address and serial, and a scan of
 * 4096 entries per lookup was a walk over 360 KB each time (in a ramp of
 * thousands of sign-ins a second). To make room it drops, in this order: an
 * empty slot, an entry whose window is over, the oldest entry that is not
 * blocked. A blocked entry is never dropped before its window ends, so churning
 * through many other keys (failed sign-ins on other serials from many
 * addresses) cannot flush a blocked key and reopen guesses on it; when every
 * slot holds a blocked key the new key is simply not counted. */
#include "throttle.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TABLE   4096
#define BUCKETS 4096 /* a power of two */

struct entry {
    char key[72];
    int64_t start;
    long count;
    int next; /* index + 1 of the next entry in its bucket; 0 ends */
};

struct throttle {
    long window;
    long max;
    int head[BUCKETS]; /* index + 1 of a bucket's first entry; 0: none */
    struct entry e[TABLE];
};

/* FNV-1a: keys are serials and addresses, short and not chosen to collide
 * (a chain is walked with strcmp, so collisions cost time, never
 * correctness). */
static int *bucket(throttle *t, const char *key)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return &t->head[h & (BUCKETS - 1)];
}

static void unlink_entry(throttle *t, struct entry *e)
{
    int idx = (int)(e - t->e) + 1;
    int *pp = bucket(t, e->key);
    while (*pp && *pp != idx)
        pp = &t->e[*pp - 1].next;
    if (*pp)
        *pp = e->next;
    e->key[0] = '\0';
    e->next = 0;
}

static void link_entry(throttle *t, struct entry *e, const char *key)
{
    int *head = bucket(t, key);
    snprintf(e->key, sizeof(e->key), "%s", key);
    e->next = *head;
    *head = (int)(e - t->e) + 1;
}

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
    for (int i = *bucket(t, key); i; i = t->e[i - 1].next) {
        if (strcmp(t->e[i - 1].key, key) == 0)
            return &t->e[i - 1];
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
        if (e->key[0])
            unlink_entry(t, e);
        memset(e, 0, sizeof(*e));
        link_entry(t, e, key);
        e->start = now;
    }
    e->count++;
}

void throttle_clear(throttle *t, const char *key)
{
    struct entry *e = find(t, key);
    if (e)
        unlink_entry(t, e);
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

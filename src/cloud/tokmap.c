/* tokmap.c - live ws_tokens in a chained hash table plus an expiry queue
 * (see tokmap.h).
 *
 * Every entry is in two lists: its bucket's chain, and a queue in the order
 * of issue, which is the order of expiry because every token gets the same
 * ttl. The stored tokens are our own randomness, so no client can make a
 * chain long; the bucket is chosen by FNV-1a of the asked-for string (which
 * is all it decides), and the compare within it is constant time. The
 * table doubles when it averages two entries a bucket. */
#include "tokmap.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MIN_BUCKETS 256

struct tok {
    struct tok *chain;         /* same bucket */
    struct tok *older, *newer; /* expiry queue */
    int64_t exp;
    uint64_t serial;
    uint64_t reg; /* the machine's registration (auth.h) */
    char token[TOKMAP_TOKEN_LEN + 1];
};

struct tokmap {
    struct tok **b;
    size_t nb, n;
    struct tok *oldest, *newest;
};

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (int i = 0; i < TOKMAP_TOKEN_LEN; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

tokmap *tokmap_new(void)
{
    tokmap *m = calloc(1, sizeof(*m));
    if (!m)
        return NULL;
    m->b = calloc(MIN_BUCKETS, sizeof(*m->b));
    if (!m->b) {
        free(m);
        return NULL;
    }
    m->nb = MIN_BUCKETS;
    return m;
}

void tokmap_free(tokmap *m)
{
    if (!m)
        return;
    while (m->oldest) {
        struct tok *t = m->oldest;
        m->oldest = t->newer;
        sodium_memzero(t, sizeof(*t));
        free(t);
    }
    free(m->b);
    free(m);
}

static void grow(tokmap *m)
{
    size_t nb = m->nb * 2;
    struct tok **b = calloc(nb, sizeof(*b));
    if (!b)
        return; /* longer chains, still correct */
    for (struct tok *t = m->oldest; t; t = t->newer) {
        size_t k = hash(t->token) & (nb - 1);
        t->chain = b[k];
        b[k] = t;
    }
    free(m->b);
    m->b = b;
    m->nb = nb;
}

int tokmap_put(tokmap *m, const char *token, uint64_t serial, uint64_t reg,
               int64_t exp)
{
    struct tok *t = calloc(1, sizeof(*t));
    if (!t)
        return -1;
    memcpy(t->token, token, TOKMAP_TOKEN_LEN);
    t->serial = serial;
    t->reg = reg;
    t->exp = exp;
    size_t k = hash(token) & (m->nb - 1);
    t->chain = m->b[k];
    m->b[k] = t;
    t->older = m->newest;
    if (m->newest)
        m->newest->newer = t;
    else
        m->oldest = t;
    m->newest = t;
    if (++m->n > 2 * m->nb)
        grow(m);
    return 0;
}

/* The slot that points at the entry for `token`, or NULL. */
static struct tok **find(tokmap *m, const char *token)
{
    if (strnlen(token, TOKMAP_TOKEN_LEN + 1) != TOKMAP_TOKEN_LEN)
        return NULL;
    struct tok **p = &m->b[hash(token) & (m->nb - 1)];
    for (; *p; p = &(*p)->chain)
        if (sodium_memcmp((*p)->token, token, TOKMAP_TOKEN_LEN) == 0)
            return p;
    return NULL;
}

static void drop(tokmap *m, struct tok **slot)
{
    struct tok *t = *slot;
    *slot = t->chain;
    if (t->older)
        t->older->newer = t->newer;
    else
        m->oldest = t->newer;
    if (t->newer)
        t->newer->older = t->older;
    else
        m->newest = t->older;
    m->n--;
    sodium_memzero(t, sizeof(*t));
    free(t);
}

int tokmap_peek(tokmap *m, const char *token, int64_t now, uint64_t *serial,
                uint64_t *reg)
{
    struct tok **p = find(m, token);
    if (!p || (*p)->exp <= now)
        return -1;
    if (serial)
        *serial = (*p)->serial;
    if (reg)
        *reg = (*p)->reg;
    return 0;
}

int tokmap_take(tokmap *m, const char *token, int64_t now, uint64_t *serial,
                uint64_t *reg)
{
    struct tok **p = find(m, token);
    if (!p)
        return -1;
    int live = (*p)->exp > now;
    if (live && serial)
        *serial = (*p)->serial;
    if (live && reg)
        *reg = (*p)->reg;
    drop(m, p);
    return live ? 0 : -1;
}

void tokmap_prune(tokmap *m, int64_t now)
{
    while (m->oldest && m->oldest->exp <= now) {
        struct tok *t = m->oldest;
        struct tok **p = &m->b[hash(t->token) & (m->nb - 1)];
        while (*p != t)
            p = &(*p)->chain; /* it is in this chain: we put it there */
        drop(m, p);
    }
}

size_t tokmap_count(const tokmap *m)
{
    return m->n;
}

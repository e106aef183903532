/* tokmap.h - the live ws_tokens, found by hash.
 *
 * A sign-in issues a ws_token (64 hex characters of fresh randomness) and
 * the WebSocket upgrade uses it up seconds later. In a reconnect storm
 * thousands are live at once, and each upgrade must find its own: this map
 * does that in O(1) (a hash of the token picks a bucket; the bucket's
 * tokens are compared in constant time), and drops expired ones oldest
 * first, O(1) per token. */
#ifndef CLOUD_TOKMAP_H
#define CLOUD_TOKMAP_H

#include <stddef.h>
#include <stdint.h>

#define TOKMAP_TOKEN_LEN 64

typedef struct tokmap tokmap;

tokmap *tokmap_new(void);
void tokmap_free(tokmap *m);

/* Add `token` (TOKMAP_TOKEN_LEN characters) for `serial` and its
 * registration `reg`, valid while now < exp. 0, or -1 out of memory.
 * Expiries should not decrease from one put to the next (one ttl):
 * pruning stops at the first live one. */
int tokmap_put(tokmap *m, const char *token, uint64_t serial, uint64_t reg,
               int64_t exp);
/* 0 and *serial, *reg (each when not NULL) for a live token; -1 unknown or
 * expired. `take` also removes it. Any string may be asked for. */
int tokmap_peek(tokmap *m, const char *token, int64_t now, uint64_t *serial,
                uint64_t *reg);
int tokmap_take(tokmap *m, const char *token, int64_t now, uint64_t *serial,
                uint64_t *reg);
/* Drop the tokens expired at `now`, oldest first. */
void tokmap_prune(tokmap *m, int64_t now);
size_t tokmap_count(const tokmap *m);

#endif

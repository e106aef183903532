/* store_impl.h - what a store backend shares with store.c; not for callers.
 *
 * A backend's own struct starts with `struct store` (so a store * is a
 * pointer to it), fills `ops` with its table, and reports failed writes
 * through store_write_failed() so that store_lost_writes() and
 * store_last_full() mean the same on every backend. */
#ifndef CLOUD_STORE_IMPL_H
#define CLOUD_STORE_IMPL_H

#include "store.h"

typedef struct store_ops {
    void (*close)(store *s);
#define STORE_OP(ret, name, params, args) ret(*name) params;
#include "store_ops.h"
#undef STORE_OP
} store_ops;

struct store {
    const store_ops *ops;
    int last_full;        /* the last failed write hit a full disk */
    uint64_t lost_writes; /* writes that failed since the store opened */
    char node[64];        /* this node's name (store_set_node) */
};

/* A write failed (`full`: for want of space): count it and log `what` with
 * the running count (never the values: they may be secrets). */
void store_write_failed(store *s, int full, const char *what);

/* A backend's table, for its own static functions <prefix>_<name>:
 *
 *     static const store_ops sq_ops = {
 *         .close = sq_close,
 *     #define STORE_OP(ret, name, params, args) .name = sq_##name,
 *     #include "store_ops.h"
 *     #undef STORE_OP
 *     };
 */

#endif

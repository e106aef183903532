/* store.c - the store's public calls: each passes through to the backend
 * the store was opened with (store_sqlite.c or store_pg.c), plus what all
 * backends share (lost-write accounting, freeing an action or a camera
 * calibration).
 *
 * The indirection costs one pointer call per store call, nothing next to
 * the database work behind it; in return the callers never know which
 * database they speak to. */
#include "store.h"

#include <stdio.h>
#include <stdlib.h>

#include "log.h"
#include "store_impl.h"

#define STORE_OP(ret, name, params, args)                                      \
    ret store_##name params                                                    \
    {                                                                          \
        return s->ops->name args;                                              \
    }
#include "store_ops.h"
#undef STORE_OP

/* Not a backend call: the login read without its registration. */
store_rc store_machine_get_hash(store *s, uint64_t serial, uint8_t hash[32])
{
    uint64_t reg;
    return store_machine_get_login(s, serial, hash, &reg);
}

void store_close(store *s)
{
    if (s)
        s->ops->close(s);
}

void store_set_node(store *s, const char *node)
{
    snprintf(s->node, sizeof(s->node), "%s", node ? node : "");
}

const char *store_node(const store *s)
{
    return s->node;
}

void store_write_failed(store *s, int full, const char *what)
{
    s->lost_writes++;
    s->last_full = full;
    log_msg(LOG_ERR, "store: %s (%llu writes lost so far)", what,
            (unsigned long long)s->lost_writes);
}

uint64_t store_lost_writes(const store *s)
{
    return s->lost_writes;
}

int store_last_full(const store *s)
{
    return s->last_full;
}

void store_job_free(store_job *j)
{
    free(j->params);
    free(j->stats);
    free(j->actions);
    j->params = j->stats = j->actions = NULL;
}

void store_action_free(store_action *a)
{
    free(a->params);
    a->params = NULL;
}

void store_delivery_free(store_delivery *d)
{
    free(d->body);
    d->body = NULL;
}

void store_camera_free(store_camera *c)
{
    free(c->blob);
    c->blob = NULL;
    c->len = 0;
}

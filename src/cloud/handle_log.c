/* handle_log.c - a `log` line from a machine (PROTOCOL.md §5.4): advisory
 * copies of the machine's own log, kept for the operator to page through
 * (GET /api/v1/machines/{serial}/logs). */
#include "handle.h"

void handle_log(cloud *c, uint64_t serial, const gf_msg *m)
{
    store_log_add(c->store, serial, m->id, m->timestamp,
                  m->level ? m->level : "INFO", m->log ? m->log : "",
                  cloud_now());
}

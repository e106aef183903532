/* nodes.c - what one gfcloud node hears from the others on a shared
 * PostgreSQL database (LISTEN/NOTIFY through the store).
 *
 * The store's listening socket is adopted into the event loop as a raw
 * file, so a notification wakes the loop like any client does: no thread
 * and no polling timer. Each message is one line the scheduler acts on:
 *
 *   kick SERIAL   an action was queued: send it if we hold the machine
 *   cancel ID     an operator cancel: act if the action is in flight here
 *   held SERIAL   another node took the machine's session: drop ours
 *
 * Each node also writes a heartbeat into the database every third of
 * node-dead-after, and looks for nodes whose heartbeat is older than
 * that: a node killed with its machines' actions in flight would leave
 * them `sent` until those machines connect somewhere else, which a
 * machine that stays away never does. The first node to notice ends them
 * as a restart would (store_node_reap()), in one statement, so two nodes
 * noticing at once end each action once.
 *
 * Messages are hints about state that lives in the database, so a lost one
 * costs latency, not correctness: a "kick" missed while the machine is
 * idle waits for the machine's next event or reconnect. If the listening
 * connection fails (the server restarted), the node listens again every
 * second until it can, then kicks every machine it holds, for the kicks it
 * missed meanwhile (O(machines held), once per outage).
 *
 * lws closes the descriptor it adopted; libpq closes its own. They are two
 * descriptors for one socket (dup), so neither closes the other's. */
#include "nodes.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "scheduler.h"
#include "store.h"

#define RETRY_US (1 * LWS_US_PER_SEC)

struct nodes {
    cloud *c;
    int stopping;
    lws_sorted_usec_list_t retry; /* listen again after a failure */
    lws_sorted_usec_list_t beat;  /* the heartbeat, and the others' check */
};

static lws_usec_t beat_every(const cloud *c)
{
    long s = c->cfg.node_dead_after / 3;
    return (lws_usec_t)(s < 1 ? 1 : s) * LWS_US_PER_SEC;
}

static void on_beat(lws_sorted_usec_list_t *sul)
{
    struct nodes *n = lws_container_of(sul, struct nodes, beat);
    cloud *c = n->c;
    if (n->stopping)
        return;
    int64_t now = cloud_now();
    store_node_beat(c->store, now);
    int ended = store_node_reap(c->store, now - c->cfg.node_dead_after, now);
    if (ended > 0)
        log_msg(LOG_WARN,
                "nodes: a node stopped beating; %d of its actions in flight "
                "ended as interrupted",
                ended);
    lws_sul_schedule(c->lws, 0, &n->beat, on_beat, beat_every(c));
}

static int watch(cloud *c);

static void on_retry(lws_sorted_usec_list_t *sul)
{
    struct nodes *n = lws_container_of(sul, struct nodes, retry);
    if (n->stopping)
        return;
    if (watch(n->c) != 0) {
        lws_sul_schedule(n->c->lws, 0, &n->retry, on_retry, RETRY_US);
        return;
    }
    log_msg(LOG_INFO, "nodes: hearing the other nodes again");
    sched_kick_all(n->c->sched);
}

static void on_message(void *ud, const char *msg)
{
    cloud *c = ud;
    char *end = NULL;
    const char *arg = strchr(msg, ' ');
    if (!arg)
        goto bad;
    long long v = strtoll(arg + 1, &end, 10);
    if (end == arg + 1 || *end || v <= 0)
        goto bad;
    if (strncmp(msg, "kick ", 5) == 0)
        sched_kick(c->sched, (uint64_t)v);
    else if (strncmp(msg, "cancel ", 7) == 0)
        sched_cancel_here(c->sched, (int64_t)v);
    else if (strncmp(msg, "held ", 5) == 0)
        sched_moved(c->sched, (uint64_t)v);
    else
        goto bad;
    return;
bad:
    log_msg(LOG_WARN, "nodes: unknown message ignored");
}

int nodes_callback(struct lws *wsi, enum lws_callback_reasons reason,
                   void *user, void *in, size_t len)
{
    cloud *c = lws_context_user(lws_get_context(wsi));
    (void)user;
    (void)in;
    (void)len;
    switch (reason) {
    case LWS_CALLBACK_RAW_RX_FILE:
        if (store_notify_poll(c->store, on_message, c) < 0) {
            log_msg(LOG_ERR, "nodes: not hearing the other nodes; listening "
                             "again");
            if (c->nodes && !c->nodes->stopping)
                lws_sul_schedule(c->lws, 0, &c->nodes->retry, on_retry,
                                 RETRY_US);
            return -1; /* lws closes its descriptor */
        }
        return 0;
    default:
        return 0;
    }
}

/* Adopt (a copy of) the store's listening socket; 0 or -1. */
static int watch(cloud *c)
{
    int fd = store_notify_fd(c->store);
    lws_sock_file_fd_type d;
    d.filefd = fd < 0 ? -1 : dup(fd);
    if (d.filefd < 0)
        return -1;
    if (!lws_adopt_descriptor_vhost(c->vhost, LWS_ADOPT_RAW_FILE_DESC, d,
                                    "gfcloud-nodes", NULL)) {
        close(d.filefd);
        return -1;
    }
    return 0;
}

int nodes_start(cloud *c)
{
    if (store_notify_fd(c->store) < 0)
        return 0; /* one node: nothing to hear */
    c->nodes = calloc(1, sizeof(*c->nodes));
    if (!c->nodes || watch(c) != 0) {
        log_msg(LOG_ERR, "nodes: cannot watch the database's notifications");
        return -1;
    }
    c->nodes->c = c;
    log_msg(LOG_INFO, "node %s: sharing the database with other nodes",
            store_node(c->store));
    on_beat(&c->nodes->beat);
    return 0;
}

void nodes_stop(cloud *c)
{
    if (!c->nodes)
        return;
    c->nodes->stopping = 1;
    lws_sul_cancel(&c->nodes->retry);
    lws_sul_cancel(&c->nodes->beat);
}

void nodes_free(cloud *c)
{
    free(c->nodes);
    c->nodes = NULL;
}

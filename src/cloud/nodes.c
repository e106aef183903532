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
 * Messages are hints about state that lives in the database, so a lost one
 * costs latency, not correctness, with one exception: a "kick" missed while
 * the machine is idle waits for the machine's next event or reconnect. If
 * the listening connection fails the node logs it and serves on alone.
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
            log_msg(LOG_ERR, "nodes: no longer hearing the other nodes");
            return -1; /* lws closes its descriptor */
        }
        return 0;
    default:
        return 0;
    }
}

int nodes_start(cloud *c)
{
    int fd = store_notify_fd(c->store);
    if (fd < 0)
        return 0; /* one node: nothing to hear */
    lws_sock_file_fd_type d;
    d.filefd = dup(fd);
    if (d.filefd < 0 ||
        !lws_adopt_descriptor_vhost(c->vhost, LWS_ADOPT_RAW_FILE_DESC, d,
                                    "gfcloud-nodes", NULL)) {
        if (d.filefd >= 0)
            close(d.filefd);
        log_msg(LOG_ERR, "nodes: cannot watch the database's notifications");
        return -1;
    }
    log_msg(LOG_INFO, "node %s: sharing the database with other nodes",
            store_node(c->store));
    return 0;
}

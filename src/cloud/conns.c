/* conns.c - so that clients that never finish a request cannot use up the
 * service's file descriptors and lock everyone out.
 *
 * Every accepted connection gets an entry here (LWS_CALLBACK_FILTER_NETWORK_
 * CONNECTION) until it closes (LWS_CALLBACK_WSI_DESTROY). Until it becomes
 * a machine session it is "unknown", and:
 *
 *  - at most max-unknown-connections unknown connections are open, and at
 *    most max-address-connections from one address (IPv6 per /64): past
 *    either, a new connection is closed at once;
 *  - its headers must be complete within header-timeout seconds of the
 *    accept, and its body within body-timeout seconds of the headers, in
 *    total, however slowly the bytes trickle in (lws's own timeouts start
 *    again on every byte); a once-a-second sweep closes the late ones;
 *  - no connection is admitted once the descriptors in use (those at start
 *    plus one per connection) would leave fewer than fd-reserve free for
 *    the database, blobs and uploads.
 *
 * If the process runs out of descriptors anyway, lws's accept() fails and,
 * with the connection still waiting in the backlog, would be retried on
 * every loop pass (~14,000 log lines a second, 100% CPU). lwslog.c tells us
 * (conns_accept_failed): we close one spare descriptor kept open for the
 * purpose, so lws's next accept() succeeds, and refuse everything until a
 * sweep finds room again, so the backlog drains at the speed clients
 * reconnect instead of spinning. Machine sessions already open are never
 * touched, and the caps keep room for new machine sign-ins and the API.
 *
 * Unknown connections are on one list and machine sessions on another, so
 * a bind and the sweep walk only the unknown ones (at most
 * max-unknown-connections), never the fleet's sessions; an accept checks
 * its address's count in a table by address. */
#include "conns.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"
#include "throttle.h"

/* How many unknown connections one address has open: a chained table by
 * the address key, one slot per address with any, so that the cap is
 * checked in O(1) rather than by a walk of every unknown connection (in a
 * reconnect storm, thousands of them from a handful of addresses). */
#define ADDR_BUCKETS 1024

struct addr_count {
    struct addr_count *next;
    long n;
    char key[72];
};

struct entry {
    struct entry *prev, *next; /* on conns.unknown or conns.sessions */
    struct lws *wsi;           /* NULL until conns_bind() */
    int fd;
    int unknown; /* counted against the caps */
    int killed;
    int64_t admitted_us;
    int64_t deadline_us; /* 0: none */
    char key[72];        /* address, as the throttle keys it */
};

struct conns {
    const cfg *cfg;
    struct entry *unknown_head;  /* unknown connections, newest first */
    struct entry *sessions_head; /* machine sessions */
    long open, unknown;
    uint64_t admitted; /* every connection ever admitted */
    long fd_base;      /* descriptors in use before any connection */
    long fd_limit;     /* RLIMIT_NOFILE */
    int spare;         /* kept open to be let go when accept() fails */
    int at_limit;      /* accept() failed: refuse until a sweep finds room */
    int64_t last_refusal_log;
    long refused;
    lws_sorted_usec_list_t sweep;
    struct lws_context *ctx;
    struct addr_count *addrs[ADDR_BUCKETS];
};

static conns *g_conns; /* for conns_accept_failed(), from lws's log */

conns *conns_new(const cfg *settings)
{
    conns *g = calloc(1, sizeof(*g));
    if (!g)
        return NULL;
    g->cfg = settings;
    g->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    g_conns = g;
    return g;
}

void conns_free(conns *g)
{
    if (!g)
        return;
    if (g->ctx)
        lws_sul_cancel(&g->sweep);
    struct entry **lists[] = {&g->unknown_head, &g->sessions_head};
    for (size_t i = 0; i < 2; i++) {
        while (*lists[i]) {
            struct entry *e = *lists[i];
            *lists[i] = e->next;
            free(e);
        }
    }
    for (size_t i = 0; i < ADDR_BUCKETS; i++) {
        while (g->addrs[i]) {
            struct addr_count *a = g->addrs[i];
            g->addrs[i] = a->next;
            free(a);
        }
    }
    if (g->spare >= 0)
        close(g->spare);
    if (g_conns == g)
        g_conns = NULL;
    free(g);
}

static long fds_in_use(void)
{
    long n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 0;
    while (readdir(d))
        n++;
    closedir(d);
    return n > 3 ? n - 3 : n; /* ".", ".." and the DIR's own */
}

/* Say why connections are refused, at most once every 10 s. */
static int refuse(conns *g, const char *why)
{
    int64_t now = cloud_now_us();
    g->refused++;
    if (now - g->last_refusal_log >= 10 * 1000000LL) {
        log_msg(LOG_WARN, "refusing connections: %s (%ld refused)", why,
                g->refused);
        g->last_refusal_log = now;
        g->refused = 0;
    }
    return 1;
}

static struct addr_count **addr_slot(conns *g, const char *key)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    struct addr_count **slot = &g->addrs[h % ADDR_BUCKETS];
    while (*slot && strcmp((*slot)->key, key) != 0)
        slot = &(*slot)->next;
    return slot;
}

static long from_address(conns *g, const char *key)
{
    struct addr_count *a = *addr_slot(g, key);
    return a ? a->n : 0;
}

/* One more unknown connection from `key`; -1 when out of memory. */
static int addr_hold(conns *g, const char *key)
{
    struct addr_count **slot = addr_slot(g, key);
    if (!*slot) {
        struct addr_count *a = calloc(1, sizeof(*a));
        if (!a)
            return -1;
        snprintf(a->key, sizeof(a->key), "%s", key);
        *slot = a;
    }
    (*slot)->n++;
    return 0;
}

/* An unknown connection from `key` became a session or went away. */
static void addr_release(conns *g, const char *key)
{
    struct addr_count **slot = addr_slot(g, key);
    if (*slot && --(*slot)->n == 0) {
        struct addr_count *a = *slot;
        *slot = a->next;
        free(a);
    }
}

static struct entry **list_of(conns *g, const struct entry *e)
{
    return e->unknown ? &g->unknown_head : &g->sessions_head;
}

static void push_entry(struct entry **head, struct entry *e)
{
    e->prev = NULL;
    e->next = *head;
    if (*head)
        (*head)->prev = e;
    *head = e;
}

/* Off its list; the counts are the caller's. */
static void take_entry(conns *g, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        *list_of(g, e) = e->next;
    if (e->next)
        e->next->prev = e->prev;
    e->prev = e->next = NULL;
}

/* The connection is gone: off its list and out of the counts. */
static void unlink_entry(conns *g, struct entry *e)
{
    take_entry(g, e);
    g->open--;
    if (e->unknown) {
        g->unknown--;
        addr_release(g, e->key);
    }
}

int conns_admit(conns *g, int fd, const struct sockaddr *addr)
{
    char peer[INET6_ADDRSTRLEN] = "?";
    if (addr && addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)addr)->sin_addr, peer,
                  sizeof(peer));
    else if (addr && addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)addr)->sin6_addr,
                  peer, sizeof(peer));
    if (g->at_limit)
        return refuse(g, "out of file descriptors");
    if (g->fd_limit &&
        g->fd_base + g->open + 1 + g->cfg->fd_reserve > g->fd_limit)
        return refuse(g, "file descriptor reserve reached");
    if (g->unknown >= g->cfg->max_unknown_connections)
        return refuse(g, "max-unknown-connections reached");
    struct entry *e = calloc(1, sizeof(*e));
    if (!e)
        return refuse(g, "out of memory");
    throttle_address_key(peer, e->key, sizeof(e->key));
    if (from_address(g, e->key) >= g->cfg->max_address_connections) {
        free(e);
        return refuse(g, "max-address-connections reached by an address");
    }
    if (addr_hold(g, e->key) != 0) {
        free(e);
        return refuse(g, "out of memory");
    }
    e->fd = fd;
    e->unknown = 1;
    e->admitted_us = cloud_now_us();
    e->deadline_us = e->admitted_us + g->cfg->header_timeout * 1000000LL;
    push_entry(&g->unknown_head, e);
    g->open++;
    g->unknown++;
    g->admitted++;
    return 0;
}

uint64_t conns_admitted(const conns *g)
{
    return g ? g->admitted : 0;
}

void conns_bind(conns *g, struct lws *wsi)
{
    int fd = lws_get_socket_fd(wsi);
    /* Bound right after its admission: at the head, as a rule. */
    for (struct entry *e = g->unknown_head; e; e = e->next) {
        if (!e->wsi && e->fd == fd) {
            e->wsi = wsi;
            lws_set_opaque_user_data(wsi, e);
            return;
        }
    }
}

void conns_reading_body(struct lws *wsi)
{
    struct entry *e = lws_get_opaque_user_data(wsi);
    if (e && g_conns)
        e->deadline_us =
            cloud_now_us() + g_conns->cfg->body_timeout * 1000000LL;
}

void conns_request_read(struct lws *wsi)
{
    struct entry *e = lws_get_opaque_user_data(wsi);
    if (e)
        e->deadline_us = 0;
}

void conns_trusted(conns *g, struct lws *wsi)
{
    struct entry *e = lws_get_opaque_user_data(wsi);
    if (!e || !e->unknown)
        return;
    take_entry(g, e);
    e->unknown = 0;
    e->deadline_us = 0;
    g->unknown--;
    addr_release(g, e->key);
    push_entry(&g->sessions_head, e);
}

void conns_closed(conns *g, struct lws *wsi)
{
    struct entry *e = lws_get_opaque_user_data(wsi);
    if (!e)
        return;
    lws_set_opaque_user_data(wsi, NULL);
    unlink_entry(g, e);
    free(e);
}

void conns_accept_failed(void)
{
    conns *g = g_conns;
    if (!g)
        return;
    g->at_limit = 1;
    if (g->spare >= 0) {
        close(g->spare);
        g->spare = -1;
    }
}

/* Room again when the spare can be had back and one more descriptor on
 * top of it. */
static void check_room(conns *g)
{
    if (g->spare < 0)
        g->spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (!g->at_limit || g->spare < 0)
        return;
    int probe = dup(g->spare);
    if (probe >= 0) {
        close(probe);
        g->at_limit = 0;
        log_msg(LOG_INFO, "file descriptors free again; accepting");
    }
}

static void read_limit(conns *g)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        g->fd_limit = rl.rlim_cur == RLIM_INFINITY ? 0 : (long)rl.rlim_cur;
}

static void on_sweep(lws_sorted_usec_list_t *sul)
{
    conns *g = lws_container_of(sul, conns, sweep);
    int64_t now = cloud_now_us();
    read_limit(g); /* an operator may raise it on the running process */
    struct entry *e = g->unknown_head; /* sessions have no deadline */
    while (e) {
        struct entry *next = e->next;
        if (!e->wsi && now - e->admitted_us > 5 * 1000000LL) {
            /* Admitted, but lws never made a connection of it. */
            unlink_entry(g, e);
            free(e);
        } else if (e->wsi && !e->killed && e->deadline_us &&
                   now > e->deadline_us) {
            e->killed = 1;
            lws_set_timeout(e->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        }
        e = next;
    }
    check_room(g);
    lws_sul_schedule(g->ctx, 0, &g->sweep, on_sweep, LWS_US_PER_SEC);
}

void conns_start(conns *g, struct lws_context *ctx)
{
    g->ctx = ctx;
    g->fd_base = fds_in_use();
    read_limit(g);
    lws_sul_schedule(ctx, 0, &g->sweep, on_sweep, LWS_US_PER_SEC);
}

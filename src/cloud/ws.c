/* ws.c - one WebSocket session per connected machine.
 *
 * The ws_token was checked before the upgrade (http.c) and is used up here,
 * in FILTER_PROTOCOL_CONNECTION, so a token opens at most one session.
 * Incoming messages are collected across fragments up to max-frame bytes (a
 * bigger one closes the session with 1009), split on newlines by libgf and
 * handed to the handle_*.c module for their type, all of one frame in one
 * store transaction. Text and binary frames are treated alike. Outgoing
 * frames wait in a small per-session queue and go out when writable.
 *
 * Keep-alive (PROTOCOL.md §4.3) is one timer per session on the service's
 * wheel (tick.c), never re-armed per frame: a frame or pong only notes the
 * time. When the timer fires it looks at that time: silence of
 * ping-interval sends a ping, silence of twice that plus 10 s hangs up,
 * otherwise it sleeps until the silence could be that long. */
#include "ws.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"
#include "conns.h"
#include "gf/error.h"
#include "gf/grow.h"
#include "gf/message.h"
#include "handle.h"
#include "log.h"
#include "metrics.h"
#include "scheduler.h"
#include "tick.h"

struct out_msg {
    struct out_msg *next;
    size_t len;
    unsigned char data[]; /* LWS_PRE + text */
};

struct ws_session {
    struct lws *wsi;
    cloud *c;
    uint64_t serial;
    gfnet_timer keepalive;
    int64_t last_rx_ms;   /* tick_now_ms() of the last frame or pong */
    int64_t seen_written; /* the last_seen (cloud_now()) last stored */
    int ping_due;         /* send a ping when writable */
    uint64_t reg;         /* the registration its ws_token was issued to */
    int established;
    int close_code; /* ws_end(): close when writable */
    const char *close_reason;
    char *rx; /* only while a message arrives in pieces */
    size_t rx_len, rx_cap;
    struct out_msg *head, *tail;
};

size_t ws_session_size(void)
{
    return sizeof(ws_session);
}

uint64_t ws_serial(const ws_session *s)
{
    return s->serial;
}

uint64_t ws_reg(const ws_session *s)
{
    return s->reg;
}

int ws_send(ws_session *s, const char *text)
{
    size_t len = strlen(text);
    struct out_msg *m = malloc(sizeof(*m) + LWS_PRE + len);
    if (!m)
        return -1;
    m->next = NULL;
    m->len = len;
    memcpy(m->data + LWS_PRE, text, len);
    if (s->tail)
        s->tail->next = m;
    else
        s->head = m;
    s->tail = m;
    lws_callback_on_writable(s->wsi);
    return 0;
}

void ws_end(ws_session *s, int code, const char *reason)
{
    s->close_code = code;
    s->close_reason = reason;
    lws_callback_on_writable(s->wsi);
}

static int64_t ping_ms(const cloud *c)
{
    return (int64_t)c->cfg.ping_interval * 1000;
}

static int64_t hangup_ms(const cloud *c)
{
    return ((int64_t)c->cfg.ping_interval * 2 + 10) * 1000;
}

/* With status-listen, a session on the listen port works but gives up
 * what the setting is for (server.c): said once, with the first machine
 * that does it, so that the operator can fix the machines' status URL. */
static void warn_off_status_port(cloud *c, struct lws *wsi, uint64_t serial)
{
    static int warned;
    if (!c->lws_status || lws_get_context(wsi) == c->lws_status || warned)
        return;
    warned = 1;
    log_msg(LOG_WARN,
            "S%llu: session on the listen port although status-listen is "
            "%s; point the machines' status URL at that port (said once)",
            (unsigned long long)serial, c->cfg.status_listen);
}

static void on_keepalive(gfnet_timer *t)
{
    ws_session *s = lws_container_of(t, ws_session, keepalive);
    int64_t now = tick_now_ms(), idle = now - s->last_rx_ms;
    if (idle >= hangup_ms(s->c)) {
        log_msg(LOG_INFO, "S%llu: silent for %lld s; closing",
                (unsigned long long)s->serial, (long long)(idle / 1000));
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_AWAITING_PING,
                        LWS_TO_KILL_ASYNC);
        return;
    }
    if (idle >= ping_ms(s->c)) {
        s->ping_due = 1;
        lws_callback_on_writable(s->wsi);
        gfnet_timer_arm(s->c->wheel, t, s->last_rx_ms + hangup_ms(s->c),
                        on_keepalive);
        return;
    }
    gfnet_timer_arm(s->c->wheel, t, s->last_rx_ms + ping_ms(s->c),
                    on_keepalive);
}

static void session_free(ws_session *s)
{
    if (s->c) /* NULL when the upgrade was refused */
        gfnet_timer_cancel(s->c->wheel, &s->keepalive);
    while (s->head) {
        struct out_msg *m = s->head;
        s->head = m->next;
        free(m);
    }
    s->tail = NULL;
    free(s->rx);
    s->rx = NULL;
}

/* Who sent the frame being ingested (on_msg's user data). */
struct sender {
    cloud *c;
    uint64_t serial;
    size_t frame_len;
    int line; /* messages of the frame so far */
};

static void on_msg(void *ud, const gf_msg *m, int err, const char *errtext)
{
    struct sender *s = ud;
    s->line++;
    (void)errtext; /* may quote the message (jansson's "near" text) */
    if (err) {
        /* Where and what kind, never the machine's bytes (docs/cloud.md). */
        log_msg(LOG_WARN,
                "S%llu: malformed message skipped (message %d of a "
                "%zu-byte frame): %s",
                (unsigned long long)s->serial, s->line, s->frame_len,
                gf_errname(err));
        store_machine_count_malformed(s->c->store, s->serial);
        return;
    }
    switch (m->type) {
    case GF_MSG_EVENT:
        handle_event(s->c, s->serial, m);
        break;
    case GF_MSG_PROGRESS:
        handle_progress(s->c, s->serial, m);
        break;
    case GF_MSG_LOG:
        handle_log(s->c, s->serial, m);
        break;
    default:
        log_msg(LOG_WARN, "S%llu: unexpected message type from a machine",
                (unsigned long long)s->serial);
        store_machine_count_malformed(s->c->store, s->serial);
        break;
    }
}

/* One frame in one transaction (nested in the pass's group commit where
 * the backend has one: store_batch_join). `last_seen` is stored to the second,
 * so a session's frames within the same second write it once (`seen` holds the
 * second last written; NULL writes it always). */
static void ingest(cloud *c, uint64_t serial, const char *buf, size_t len,
                   int64_t *seen)
{
    struct sender from = {c, serial, len, 0};
    int64_t now = cloud_now();
    store_begin(c->store);
    if (!seen || *seen != now)
        store_machine_set_seen(c->store, serial, now);
    if (seen)
        *seen = now;
    /* A full settings report is only stored: kept as text (message.h) */
    gf_frame_each_ex(buf, len, GF_PARSE_VALUES_TEXT, on_msg, &from);
    store_commit(c->store);
}

void ws_ingest(cloud *c, uint64_t serial, const char *buf, size_t len)
{
    ingest(c, serial, buf, len, NULL);
}

/* A session's frame, stored in the loop pass's transaction (group commit,
 * store_batch_join; the pass's end or the next write commits it). */
static void session_ingest(ws_session *s, const char *buf, size_t len)
{
    store_batch_join(s->c->store);
    ingest(s->c, s->serial, buf, len, &s->seen_written);
}

static void process_frame(ws_session *s)
{
    session_ingest(s, s->rx, s->rx_len);
    /* An idle session keeps no buffer (memory per session, docs/cloud.md):
     * only a message split over pieces lands here at all. */
    free(s->rx);
    s->rx = NULL;
    s->rx_len = 0;
    s->rx_cap = 0;
}

static int on_receive(ws_session *s, const void *in, size_t len)
{
    s->last_rx_ms = tick_now_ms();
    metrics_bytes(METRICS_WS, 1, len);
    int whole =
        lws_is_final_fragment(s->wsi) && !lws_remaining_packet_payload(s->wsi);
    size_t cap = (size_t)s->c->cfg.max_frame;
    if (s->rx_len + len > cap) {
        log_msg(LOG_WARN, "S%llu: message over %zu bytes; closing",
                (unsigned long long)s->serial, cap);
        lws_close_reason(s->wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE,
                         (unsigned char *)"too large", 9);
        return -1;
    }
    if (s->rx_len == 0 && whole) {
        /* The usual case: the whole message in one piece, read in place. */
        session_ingest(s, in, len);
        return 0;
    }
    /* The message's cap was checked above. */
    if (gf_buf_append(&s->rx, &s->rx_len, &s->rx_cap, in, len, 1024,
                      SIZE_MAX) != GF_OK)
        return -1;
    if (whole)
        process_frame(s);
    return 0;
}

static int on_writeable(ws_session *s)
{
    if (s->close_code) {
        lws_close_reason(s->wsi, (enum lws_close_status)s->close_code,
                         (unsigned char *)s->close_reason,
                         strlen(s->close_reason));
        return -1;
    }
    if (s->ping_due) {
        /* A payload, because lws passes an empty pong on to nobody: the
         * echo is what tells us the machine is there (RFC 6455 5.5.3). */
        unsigned char ping[LWS_PRE + 2] = {0};
        s->ping_due = 0;
        memcpy(ping + LWS_PRE, "gf", 2);
        if (lws_write(s->wsi, ping + LWS_PRE, 2, LWS_WRITE_PING) < 2)
            return -1;
        metrics_bytes(METRICS_WS, 0, 2);
        if (s->head)
            lws_callback_on_writable(s->wsi);
        return 0;
    }
    struct out_msg *m = s->head;
    if (!m)
        return 0;
    if (lws_write(s->wsi, m->data + LWS_PRE, m->len, LWS_WRITE_TEXT) <
        (int)m->len)
        return -1;
    metrics_bytes(METRICS_WS, 0, m->len);
    s->head = m->next;
    if (!s->head)
        s->tail = NULL;
    free(m);
    if (s->head)
        lws_callback_on_writable(s->wsi);
    return 0;
}

static int on_filter(cloud *c, struct lws *wsi, ws_session *s)
{
    char path[256];
    memset(s, 0, sizeof(*s));
    if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 1)
        return 1;
    uint64_t reg = 0, now_reg = 0;
    if (auth_ws_token_take(c->auth, path + 1, cloud_now(), &s->serial, &reg) !=
        0)
        return 1;
    /* The machine may have been removed (or re-added) since it signed in:
     * checked by http.c's confirm_upgrade a moment ago in this handshake,
     * else here. */
    int checked = c->upgrade_checked.wsi == wsi &&
                  c->upgrade_checked.serial == s->serial &&
                  c->upgrade_checked.reg == reg;
    c->upgrade_checked.wsi = NULL;
    if (!checked &&
        (store_machine_get_reg(c->store, s->serial, &now_reg) != STORE_OK ||
         now_reg != reg))
        return 1;
    s->reg = reg;
    s->wsi = wsi;
    s->c = c;
    return 0;
}

int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                void *in, size_t len)
{
    cloud *c = lws_context_user(lws_get_context(wsi));
    ws_session *s = user;
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return on_filter(c, wsi, s);
    case LWS_CALLBACK_ESTABLISHED:
        s->established = 1;
        s->last_rx_ms = tick_now_ms();
        gfnet_timer_arm(c->wheel, &s->keepalive, s->last_rx_ms + ping_ms(c),
                        on_keepalive);
        conns_trusted(c->conns, wsi);
        metrics_session(1);
        log_msg(LOG_INFO, "S%llu: session opened",
                (unsigned long long)s->serial);
        warn_off_status_port(c, wsi, s->serial);
        /* In the pass's transaction, like a frame: the session's reads and
         * its first action were five commits and as many lock round trips
         * of their own; the settings action goes out from WRITEABLE, which
         * commits first. */
        store_batch_join(c->store);
        sched_connected(c->sched, s->serial, s);
        /* sched_connected stored last_seen: the first report, most often
         * within the same second, need not store it again. */
        s->seen_written = cloud_now();
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return on_receive(s, in, len);
    case LWS_CALLBACK_RECEIVE_PONG:
        s->last_rx_ms = tick_now_ms();
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        /* What goes out follows from what came in: commit that first. */
        store_batch_flush(c->store);
        return on_writeable(s);
    case LWS_CALLBACK_CLOSED:
        if (s->established) {
            log_msg(LOG_INFO, "S%llu: session closed",
                    (unsigned long long)s->serial);
            metrics_session(-1);
            store_batch_join(c->store);
            sched_disconnected(c->sched, s->serial, s);
        }
        session_free(s);
        return 0;
    default:
        break;
    }
    return 0;
}

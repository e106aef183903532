/* session.c - the machine's session: sign-in, the status WebSocket and the
 * one event loop (libwebsockets).
 *
 * Signing in is a blocking HTTP call, so it runs on its own small thread
 * (the "connector"), which hands a fresh single-use ws_token to the loop and
 * wakes it with lws_cancel_service(); the loop then opens
 * {status}/{ws_token} with subprotocol "glowforge" (PROTOCOL.md §4.1).
 * Every reconnect signs in again (§3.2). Failures back off: transient ones
 * from retry_min_ms doubling to retry_max_ms, a refused password at least
 * retry_auth_ms (§2.3), so a wrong password never makes a tight loop.
 * The loop never touches the network except through libwebsockets and never
 * reads the disk: actions go to the dispatcher (whose workers do the slow
 * work), frames come back through the bounded transmit queue. Pings follow
 * the retry policy (every ping_s, hang up 10 s after a missed pong). */
#include <libwebsockets.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "gf/message.h"
#include "gfnet_target.h"
#include "http.h"
#include "log.h"
#include "session.h"
#include "update.h"

#define SESS_MAX_MESSAGE (1024 * 1024)

typedef enum sess_state {
    SS_NEED_TOKEN = 0, /* the connector signs in once not_before passes */
    SS_SIGNING,
    SS_HAVE_TOKEN, /* the loop connects */
    SS_CONNECTING,
    SS_UP,
} sess_state;

struct sess {
    const cfg *cfg;
    txq *q;
    disp *d;
    struct lws_context *ctx;
    struct lws *wsi;
    lws_retry_bo_t retry;
    volatile int stop;
    lws_sorted_usec_list_t watchdog;
    int close_now;  /* the watchdog fired: close on the next writeable */
    int tls_locked; /* a wss handshake holds the TLS lock (http.c) */
    lws_sorted_usec_list_t connect_later; /* TLS lock busy: try again */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t connector;
    int has_connector;
    int probed; /* the firmware probe ran (connector thread only) */
    sess_state state;
    char *ws_token;
    struct timespec not_before;
    int64_t backoff_ms;

    char *rx;
    size_t rx_len, rx_cap;
    int rx_skip; /* the current message went past the cap */
    unsigned char *tx;
    size_t tx_cap;
};

static void sess_after(struct timespec *t, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, t);
    t->tv_sec += (time_t)(ms / 1000);
    t->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

static int sess_due(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec ||
           (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* The socket is gone: sign in again after `delay_ms`. Lock held. */
static void sess_retry_locked(sess *s, int64_t delay_ms)
{
    s->state = SS_NEED_TOKEN;
    sess_after(&s->not_before, delay_ms);
    pthread_cond_broadcast(&s->cv);
}

/* The delay for this failure; the next one waits twice as long, up to
 * retry_max_ms. A connection that comes up resets it. Lock held. */
static int64_t sess_next_backoff_locked(sess *s)
{
    int64_t delay = s->backoff_ms;
    s->backoff_ms *= 2;
    if (s->backoff_ms > s->cfg->retry_max_ms)
        s->backoff_ms = s->cfg->retry_max_ms;
    if (s->backoff_ms < 1)
        s->backoff_ms = 1;
    return delay;
}

/* One sign-in attempt, then the next state. Called without the lock. */
static void sess_sign_in(sess *s)
{
    char why[300], *token = NULL;
    int rc = auth_sign_in(&token, why, sizeof(why));
    pthread_mutex_lock(&s->mu);
    if (rc == AUTH_OK) {
        free(s->ws_token);
        s->ws_token = token;
        s->state = SS_HAVE_TOKEN;
        pthread_mutex_unlock(&s->mu);
        mlog_local(MLOG_INFO, "signed in as S%llu",
                   (unsigned long long)s->cfg->serial);
        lws_cancel_service(s->ctx);
        if (s->cfg->update_probe && !s->probed) {
            s->probed = 1; /* once per process (§14 [ref]) */
            upd_probe(s->cfg);
        }
        return;
    }
    int64_t delay = sess_next_backoff_locked(s);
    if (rc == AUTH_EDENIED && delay < s->cfg->retry_auth_ms)
        delay = s->cfg->retry_auth_ms;
    /* Another node may answer where this one did not (a refusal is the
     * same everywhere: they share one database). */
    const char *next = NULL;
    if (rc != AUTH_EDENIED && s->cfg->n_services > 1)
        next = cfg_next_service(s->cfg);
    sess_retry_locked(s, delay);
    pthread_mutex_unlock(&s->mu);
    mlog_local(MLOG_ERROR, "%s; retrying in %.1f s%s%s", why,
               (double)delay / 1000.0, next ? " at " : "", next ? next : "");
}

static void *sess_connector(void *arg)
{
    sess *s = arg;
    pthread_mutex_lock(&s->mu);
    while (!s->stop) {
        if (s->state != SS_NEED_TOKEN) {
            pthread_cond_wait(&s->cv, &s->mu);
        } else if (!sess_due(&s->not_before)) {
            pthread_cond_timedwait(&s->cv, &s->mu, &s->not_before);
        } else {
            s->state = SS_SIGNING;
            pthread_mutex_unlock(&s->mu);
            sess_sign_in(s);
            pthread_mutex_lock(&s->mu);
        }
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void sess_tls_release(sess *s)
{
    if (s->tls_locked) {
        s->tls_locked = 0;
        mhttp_tls_unlock();
    }
}

static void sess_connect(sess *s);

static void sess_connect_later(lws_sorted_usec_list_t *sul)
{
    sess_connect(lws_container_of(sul, sess, connect_later));
}

/* Loop thread: open the socket with the token we hold. */
static void sess_connect(sess *s)
{
    pthread_mutex_lock(&s->mu);
    int ready = s->state == SS_HAVE_TOKEN && s->ws_token;
    pthread_mutex_unlock(&s->mu);
    if (s->stop || !ready)
        return; /* a wake-up and the retry timer can both land here */
    lws_sul_cancel(&s->connect_later);
    if (strncmp(cfg_status(s->cfg), "wss://", 6) == 0 && !s->tls_locked) {
        if (mhttp_tls_trylock() != 0) { /* an HTTP handshake is running */
            lws_sul_schedule(s->ctx, 0, &s->connect_later, sess_connect_later,
                             20000);
            return;
        }
        s->tls_locked = 1;
    }
    gfnet_target target, *t = &target; /* lws copies what it keeps */
    pthread_mutex_lock(&s->mu);
    s->state = SS_CONNECTING;
    if (gfnet_target_parse(t, cfg_status(s->cfg), GFNET_WS, s->ws_token) != 0) {
        sess_retry_locked(s, s->cfg->retry_max_ms);
        pthread_mutex_unlock(&s->mu);
        sess_tls_release(s);
        mlog_local(MLOG_ERROR, "bad status URL");
        return;
    }
    free(s->ws_token); /* single use (§3) */
    s->ws_token = NULL;
    pthread_mutex_unlock(&s->mu);

    struct lws_client_connect_info i;
    memset(&i, 0, sizeof(i));
    i.context = s->ctx;
    i.protocol = "glowforge";
    gfnet_target_fill(t, &i);
    i.retry_and_idle_policy = &s->retry;
    i.pwsi = &s->wsi;
    i.userdata = s;
    if (!lws_client_connect_via_info(&i)) {
        pthread_mutex_lock(&s->mu);
        sess_retry_locked(s, sess_next_backoff_locked(s));
        pthread_mutex_unlock(&s->mu);
        sess_tls_release(s);
        mlog_local(MLOG_ERROR, "cannot start the WebSocket connection");
    }
}

static void sess_on_line(void *ud, const gf_msg *m, int err,
                         const char *errtext)
{
    sess *s = ud;
    if (err) {
        mlog(MLOG_WARNING, "skipping a bad line from the service: %s",
             errtext ? errtext : gf_strerror(err));
        return;
    }
    if (m->type == GF_MSG_ACTION) {
        lws_sul_cancel(&s->watchdog); /* the service is talking */
        disp_action(s->d, m);
    } else
        mlog_local(MLOG_DEBUG, "ignoring a non-action message");
}

static void sess_receive(sess *s, struct lws *wsi, const void *in, size_t len)
{
    if (lws_frame_is_binary(wsi)) {
        if (lws_is_final_fragment(wsi))
            mlog(MLOG_WARNING, "dropping a binary frame from the service");
        return;
    }
    if (!s->rx_skip && s->rx_len + len > SESS_MAX_MESSAGE) {
        mlog(MLOG_WARNING, "dropping a message over %d bytes",
             SESS_MAX_MESSAGE);
        s->rx_skip = 1;
    }
    if (!s->rx_skip && s->rx_len + len > s->rx_cap) {
        size_t want = s->rx_cap ? s->rx_cap : 4096;
        while (want < s->rx_len + len)
            want *= 2;
        char *nb = realloc(s->rx, want);
        if (!nb) {
            s->rx_skip = 1;
        } else {
            s->rx = nb;
            s->rx_cap = want;
        }
    }
    if (!s->rx_skip) {
        memcpy(s->rx + s->rx_len, in, len);
        s->rx_len += len;
    }
    if (!lws_is_final_fragment(wsi))
        return;
    if (!s->rx_skip)
        gf_frame_each(s->rx, s->rx_len, sess_on_line, s);
    s->rx_len = 0;
    s->rx_skip = 0;
}

/* Send one queued frame; ask for another callback if more wait. */
static int sess_write(sess *s, struct lws *wsi)
{
    if (s->close_now) {
        s->close_now = 0;
        return -1; /* closes the connection; CLIENT_CLOSED reconnects */
    }
    char *line = txq_pop(s->q);
    if (!line)
        return 0;
    size_t n = strlen(line);
    if (LWS_PRE + n > s->tx_cap) {
        unsigned char *nb = realloc(s->tx, LWS_PRE + n);
        if (!nb) {
            free(line);
            return -1;
        }
        s->tx = nb;
        s->tx_cap = LWS_PRE + n;
    }
    memcpy(s->tx + LWS_PRE, line, n);
    free(line);
    if (lws_write(wsi, s->tx + LWS_PRE, n, LWS_WRITE_TEXT) < (int)n)
        return -1;
    if (txq_len(s->q))
        lws_callback_on_writable(wsi);
    return 0;
}

static void sess_watchdog_fire(lws_sorted_usec_list_t *sul)
{
    sess *s = lws_container_of(sul, sess, watchdog);
    mlog(MLOG_WARNING,
         "no action within %lld ms of the full settings "
         "report; reconnecting",
         (long long)s->cfg->watchdog_ms);
    if (s->wsi) {
        s->close_now = 1;
        lws_callback_on_writable(s->wsi);
    }
}

void sess_watch_full_report(void *ud)
{
    sess *s = ud;
    if (s->cfg->watchdog_ms > 0 && s->wsi)
        lws_sul_schedule(s->ctx, 0, &s->watchdog, sess_watchdog_fire,
                         (lws_usec_t)s->cfg->watchdog_ms * 1000);
}

static void sess_down(sess *s, int64_t delay_ms, const char *what)
{
    sess_tls_release(s);
    lws_sul_cancel(&s->watchdog);
    s->close_now = 0;
    if (s->stop) {
        s->wsi = NULL;
        return; /* shutting down: nothing to reconnect */
    }
    pthread_mutex_lock(&s->mu);
    s->wsi = NULL;
    sess_retry_locked(s, delay_ms);
    pthread_mutex_unlock(&s->mu);
    mlog_local(MLOG_WARNING, "%s; signing in again in %.1f s", what,
               (double)delay_ms / 1000.0);
}

static void sess_wake_cancelled(sess *s)
{
    pthread_mutex_lock(&s->mu);
    sess_state st = s->state;
    struct lws *wsi = s->wsi;
    pthread_mutex_unlock(&s->mu);
    if (s->stop)
        return;
    if (st == SS_HAVE_TOKEN)
        sess_connect(s);
    else if (st == SS_UP && wsi && txq_len(s->q))
        lws_callback_on_writable(wsi);
}

static void sess_established(sess *s)
{
    sess_tls_release(s);
    pthread_mutex_lock(&s->mu);
    s->state = SS_UP;
    s->backoff_ms = s->cfg->retry_min_ms;
    pthread_mutex_unlock(&s->mu);
    mlog(MLOG_INFO, "connected to the status service");
    if (s->wsi)
        lws_callback_on_writable(s->wsi);
}

static int sess_callback(struct lws *wsi, enum lws_callback_reasons reason,
                         void *user, void *in, size_t len)
{
    sess *s = lws_context_user(lws_get_context(wsi));
    char why[200];
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        sess_wake_cancelled(s);
        break;
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
        unsigned char **p = in, *end = *p + len;
        const char *ua = s->cfg->user_agent;
        if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_USER_AGENT,
                                         (const unsigned char *)ua,
                                         (int)strlen(ua), p, end))
            return -1;
        break;
    }
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        s->wsi = wsi;
        sess_established(s);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        sess_receive(s, wsi, in, len);
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return sess_write(s, wsi);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        snprintf(why, sizeof(why), "WebSocket connection failed: %.120s",
                 in ? (const char *)in : "unknown error");
        pthread_mutex_lock(&s->mu);
        int64_t delay = sess_next_backoff_locked(s);
        pthread_mutex_unlock(&s->mu);
        sess_down(s, delay, why);
        break;
    }
    case LWS_CALLBACK_CLIENT_CLOSED:
        sess_down(s, s->cfg->reconnect_ms,
                  "the connection to the status service closed");
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols sess_protocols[] = {
    {"glowforge", sess_callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

sess *sess_new(const cfg *c, txq *q, disp *d)
{
    sess *s = calloc(1, sizeof(*s));
    pthread_condattr_t ca;
    if (!s)
        return NULL;
    s->cfg = c;
    s->q = q;
    s->d = d;
    s->backoff_ms = c->retry_min_ms > 0 ? c->retry_min_ms : 1;
    s->retry.secs_since_valid_ping = (uint16_t)(c->ping_s ? c->ping_s : 3600);
    s->retry.secs_since_valid_hangup =
        (uint16_t)((c->ping_s ? c->ping_s : 3600) + 10);
    pthread_mutex_init(&s->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cv, &ca);
    pthread_condattr_destroy(&ca);
    clock_gettime(CLOCK_MONOTONIC, &s->not_before);
    return s;
}

static int sess_start(sess *s)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = sess_protocols;
    /* OpenSSL is only set up for a wss:// service: it costs a few MiB of
     * resident memory that a loopback or LAN machine does not need. */
    if (strncmp(cfg_status(s->cfg), "wss://", 6) == 0) {
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.client_ssl_ca_filepath = s->cfg->ca_file;
    }
    info.user = s;
    info.fd_limit_per_thread = 16; /* one socket; the default is ulimit -n */
    info.timeout_secs = 15;        /* handshake limit (§4.3) */
    info.retry_and_idle_policy = &s->retry;
    /* libwebsockets' own lines may quote a URL, and the WebSocket path is
     * a token: they are off unless asked for with --verbose 1. */
    lws_set_log_level(s->cfg->verbose ? LLL_ERR : 0, NULL);
    /* Nothing else runs yet, but keep the rule (http.c): no TLS context is
     * made while a handshake is in flight. */
    while (mhttp_tls_trylock() != 0)
        usleep(1000);
    s->ctx = lws_create_context(&info);
    mhttp_tls_unlock();
    if (!s->ctx) {
        mlog_local(MLOG_ERROR, "cannot create the libwebsockets context");
        return -1;
    }
    if (pthread_create(&s->connector, NULL, sess_connector, s) != 0) {
        mlog_local(MLOG_ERROR, "cannot start the sign-in thread");
        return -1;
    }
    s->has_connector = 1;
    return 0;
}

/* On the way out: close the socket properly (a close frame, and the TLS
 * state torn down by libwebsockets while the context still runs), bounded
 * to a few loop turns. */
static void sess_close(sess *s)
{
    for (int turn = 0; s->wsi && turn < 50; turn++) {
        s->close_now = 1;
        lws_callback_on_writable(s->wsi);
        lws_cancel_service(s->ctx);
        if (lws_service(s->ctx, 0) < 0)
            break;
    }
}

int sess_run(sess *s)
{
    if (sess_start(s) != 0)
        return -1;
    while (!s->stop)
        if (lws_service(s->ctx, 0) < 0)
            break;
    sess_close(s);
    lws_sul_cancel(&s->connect_later);
    sess_tls_release(s);
    return 0;
}

void sess_stop(sess *s)
{
    s->stop = 1;
    if (s->ctx)
        lws_cancel_service(s->ctx);
}

void sess_wake(void *ud)
{
    sess *s = ud;
    if (s && s->ctx)
        lws_cancel_service(s->ctx);
}

void sess_free(sess *s)
{
    if (!s)
        return;
    s->stop = 1;
    if (s->has_connector) {
        pthread_mutex_lock(&s->mu);
        pthread_cond_broadcast(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->connector, NULL);
    }
    if (s->ctx)
        lws_context_destroy(s->ctx);
    pthread_cond_destroy(&s->cv);
    pthread_mutex_destroy(&s->mu);
    free(s->ws_token);
    free(s->rx);
    free(s->tx);
    free(s);
}

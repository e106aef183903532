/* http.c - one blocking HTTP request over libwebsockets' client.
 *
 * Used from worker threads and the sign-in thread, never from the event
 * loop, so each request runs a small private lws context of its own to the
 * end. gfmachine already needs libwebsockets for its socket; doing HTTP with
 * it too instead of libcurl keeps the daemon small (libcurl and the TLS,
 * Kerberos and LDAP libraries it drags in cost about 6 MiB of resident
 * memory; bench/machine_mem.py). This layer knows no tokens: it sends the
 * Authorization value it is given, and the 401 rule (sign in again, replay
 * once; PROTOCOL.md §3.3) is auth.c's auth_request(). Response bodies are
 * capped (never trust a length from the network) and a body shorter than
 * its Content-Length is reported, so a half-delivered job cannot pass for a
 * whole one. Responses are taken as sent: no content decoding. */
#include <errno.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gf/error.h"
#include "gf/grow.h"
#include "gfnet_target.h"
#include "http.h"

#define MHTTP_DEFAULT_CAP (64 * 1024)
#define MHTTP_TICK_US     50000 /* how often deadlines and aborts are checked */
#define MHTTP_IO          4096

static volatile int mhttp_stopping;
static pthread_mutex_t mhttp_tls_mu = PTHREAD_MUTEX_INITIALIZER;

/* libwebsockets 4.1 keeps the OpenSSL ex_data index it finds a connection
 * by in one process-wide variable and allocates it afresh for every context
 * made with LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT, which every TLS context
 * needs; a context made while another connection is in its TLS handshake
 * breaks that handshake ("can't get wsi from ssl privdata"). So making a
 * TLS context and doing a TLS handshake are serialised by this lock: HTTP
 * threads hold it from making their context until their handshake is over
 * (a few ms on a LAN); the event loop only ever try-locks it and, if it is
 * taken, tries its connect again shortly, so it never waits. */
int mhttp_tls_trylock(void)
{
    return pthread_mutex_trylock(&mhttp_tls_mu) == 0 ? 0 : -1;
}

void mhttp_tls_unlock(void)
{
    pthread_mutex_unlock(&mhttp_tls_mu);
}

void mhttp_shutdown(void)
{
    mhttp_stopping = 1;
}

typedef struct mhttp_call {
    const mhttp_req *r;
    struct lws_context *ctx;
    lws_sorted_usec_list_t tick;
    struct timespec deadline;
    long status;
    int64_t declared; /* Content-Length, -1 if none */
    int64_t got, cap;
    size_t sent;
    int done, completed, toobig, ioerr, nomem, aborted, timedout;
    int ioerr_errno; /* errno of the failed sink write (ENOSPC: disk full) */
    int tls_locked;  /* holds mhttp_tls_mu until the handshake is over */
    char neterr[256];
    char *buf;
    size_t len, alloc;
    unsigned char io[LWS_PRE + MHTTP_IO];
} mhttp_call;

static int mhttp_mem_append(mhttp_call *c, const char *p, size_t n)
{
    /* The body's cap is checked by the caller (c->cap). */
    return gf_buf_append(&c->buf, &c->len, &c->alloc, p, n, 4096, SIZE_MAX) ==
                   GF_OK
               ? 0
               : -1;
}

/* A piece of the response body. -1 stops the transfer. */
static int mhttp_take(mhttp_call *c, const char *p, size_t n)
{
    c->got += (int64_t)n;
    if (c->got > c->cap) {
        c->toobig = 1;
        return -1;
    }
    if (c->r->sink && fwrite(p, 1, n, c->r->sink) != n) {
        c->ioerr = 1;
        c->ioerr_errno = errno;
        return -1;
    }
    if (c->r->mem && mhttp_mem_append(c, p, n) != 0) {
        c->nomem = 1;
        return -1;
    }
    if (c->declared >= 0 && c->got == c->declared)
        c->completed = c->done = 1; /* all that was promised is here */
    return 0;
}

static int mhttp_header(struct lws *wsi, enum lws_token_indexes tok,
                        const char *v, unsigned char **p, unsigned char *end)
{
    return lws_add_http_header_by_token(wsi, tok, (const unsigned char *)v,
                                        (int)strlen(v), p, end);
}

static int mhttp_headers(mhttp_call *c, struct lws *wsi, unsigned char **p,
                         unsigned char *end)
{
    const mhttp_req *r = c->r;
    if (mhttp_header(wsi, WSI_TOKEN_HTTP_USER_AGENT, r->user_agent, p, end) ||
        mhttp_header(wsi, WSI_TOKEN_HTTP_ACCEPT, "*/*", p, end))
        return -1;
    if (r->bearer &&
        mhttp_header(wsi, WSI_TOKEN_HTTP_AUTHORIZATION, r->bearer, p, end))
        return -1;
    if (r->content_type &&
        mhttp_header(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, r->content_type, p, end))
        return -1;
    if (strcmp(r->method, "GET") == 0)
        return 0;
    if (lws_add_http_header_content_length(wsi, r->body_len, p, end))
        return -1;
    if (r->body_len) {
        lws_client_http_body_pending(wsi, 1);
        lws_callback_on_writable(wsi);
    }
    return 0;
}

/* Send the next piece of the request body. */
static int mhttp_send_body(mhttp_call *c, struct lws *wsi)
{
    const mhttp_req *r = c->r;
    size_t n = r->body_len - c->sent;
    if (n > MHTTP_IO)
        n = MHTTP_IO;
    memcpy(c->io + LWS_PRE, (const char *)r->body + c->sent, n);
    int last = c->sent + n == r->body_len;
    if (lws_write(wsi, c->io + LWS_PRE, n,
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    c->sent += n;
    if (last)
        lws_client_http_body_pending(wsi, 0);
    else
        lws_callback_on_writable(wsi);
    return 0;
}

static void mhttp_tls_release(mhttp_call *c)
{
    if (c->tls_locked) {
        c->tls_locked = 0;
        pthread_mutex_unlock(&mhttp_tls_mu);
    }
}

static int mhttp_established(mhttp_call *c, struct lws *wsi)
{
    char v[32];
    mhttp_tls_release(c);
    c->status = (long)lws_http_client_http_response(wsi);
    if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
        c->declared = strtoll(v, NULL, 10);
        if (c->declared > c->cap) { /* refuse before reading anything */
            c->toobig = 1;
            return -1;
        }
        if (c->declared == 0)
            c->completed = c->done = 1;
    }
    return 0;
}

static int mhttp_drain(struct lws *wsi)
{
    char buf[LWS_PRE + MHTTP_IO];
    char *p = buf + LWS_PRE;
    int n = MHTTP_IO;
    return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
}

static int mhttp_callback(struct lws *wsi, enum lws_callback_reasons reason,
                          void *user, void *in, size_t len)
{
    mhttp_call *c = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return mhttp_headers(c, wsi, in, *(unsigned char **)in + len);
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        return c->sent < c->r->body_len ? mhttp_send_body(c, wsi) : 0;
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        return mhttp_established(c, wsi);
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP:
        return mhttp_drain(wsi);
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        return mhttp_take(c, in, len);
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        c->completed = c->done = 1;
        break;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        snprintf(c->neterr, sizeof(c->neterr), "%s%.100s",
                 in && strstr(in, "SSL") ? "TLS failed (is the service's "
                                           "certificate trusted? --ca-file): "
                                         : "",
                 in ? (const char *)in : "connection failed");
        c->done = 1;
        break;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        c->done = 1;
        break;
    default:
        break;
    }
    return 0;
}

static const struct lws_protocols mhttp_protocols[] = {
    {"gfm-http", mhttp_callback, 0, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void mhttp_tick(lws_sorted_usec_list_t *sul)
{
    mhttp_call *c = lws_container_of(sul, mhttp_call, tick);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (mhttp_stopping || (c->r->abort_cb && c->r->abort_cb(c->r->abort_ud)))
        c->aborted = c->done = 1;
    else if (now.tv_sec > c->deadline.tv_sec ||
             (now.tv_sec == c->deadline.tv_sec &&
              now.tv_nsec >= c->deadline.tv_nsec))
        c->timedout = c->done = 1;
    else
        lws_sul_schedule(c->ctx, 0, &c->tick, mhttp_tick, MHTTP_TICK_US);
}

static int mhttp_start(mhttp_call *c, char *url, char *err, size_t errlen)
{
    gfnet_target target, *t = &target; /* lws copies what it keeps */
    if (gfnet_target_parse(t, url, GFNET_HTTP, NULL) != 0) {
        snprintf(err, errlen, "not an http(s) URL");
        return MHTTP_ENET;
    }
    int tls = t->tls;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = mhttp_protocols;
    info.user = c;
    info.fd_limit_per_thread = 4;
    if (tls) {
        pthread_mutex_lock(&mhttp_tls_mu); /* until the handshake is over */
        c->tls_locked = 1;
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.client_ssl_ca_filepath = c->r->ca_file;
    }
    if (!(c->ctx = lws_create_context(&info))) {
        snprintf(err, errlen, "cannot set up the HTTP client");
        return MHTTP_ENOMEM;
    }
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof(i));
    i.context = c->ctx;
    i.method = c->r->method;
    i.protocol = mhttp_protocols[0].name;
    i.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
    gfnet_target_fill(t, &i);
    if (!lws_client_connect_via_info(&i)) {
        snprintf(err, errlen, "cannot connect");
        return MHTTP_ENET;
    }
    return MHTTP_OK;
}

static int mhttp_result(mhttp_call *c, long *status, char *err, size_t errlen)
{
    *status = c->status;
    if (c->toobig) {
        snprintf(err, errlen, "body larger than %lld bytes", (long long)c->cap);
        return MHTTP_ETOOBIG;
    }
    if (c->aborted) {
        snprintf(err, errlen, "transfer abandoned");
        return MHTTP_EABORTED;
    }
    if (c->nomem || c->ioerr) {
        snprintf(err, errlen, "%s%s%s",
                 c->nomem ? "out of memory" : "cannot write the download",
                 c->ioerr ? ": " : "",
                 c->ioerr ? strerror(c->ioerr_errno) : "");
        return c->nomem ? MHTTP_ENOMEM : MHTTP_ENET;
    }
    if (c->timedout || (!c->completed && !c->status)) {
        snprintf(err, errlen, "%s",
                 c->timedout    ? "timed out"
                 : c->neterr[0] ? c->neterr
                                : "connection closed");
        return MHTTP_ENET;
    }
    if (!c->completed || (c->declared >= 0 && c->got < c->declared)) {
        snprintf(err, errlen, "transfer ended early after %lld bytes",
                 (long long)c->got);
        return MHTTP_EPARTIAL;
    }
    return MHTTP_OK;
}

static int mhttp_once(const mhttp_req *r, mhttp_call *c, long *status,
                      char *err, size_t errlen)
{
    char url[4096];
    c->r = r;
    c->declared = -1;
    c->cap = r->max_bytes > 0 ? r->max_bytes : MHTTP_DEFAULT_CAP;
    clock_gettime(CLOCK_MONOTONIC, &c->deadline);
    c->deadline.tv_sec += (time_t)(r->timeout_ms / 1000);
    c->deadline.tv_nsec += (long)(r->timeout_ms % 1000) * 1000000L;
    if (c->deadline.tv_nsec >= 1000000000L) {
        c->deadline.tv_sec++;
        c->deadline.tv_nsec -= 1000000000L;
    }
    snprintf(url, sizeof(url), "%s", r->url);
    int rc = mhttp_start(c, url, err, errlen);
    if (rc == MHTTP_OK) {
        lws_sul_schedule(c->ctx, 0, &c->tick, mhttp_tick, MHTTP_TICK_US);
        while (!c->done)
            if (lws_service(c->ctx, 0) < 0)
                break;
        rc = mhttp_result(c, status, err, errlen);
    }
    if (c->ctx)
        lws_context_destroy(c->ctx);
    c->ctx = NULL;
    mhttp_tls_release(c);
    return rc;
}

int mhttp_rewind(const mhttp_req *r)
{
    if (r->sink) {
        if (fflush(r->sink) != 0 || ftruncate(fileno(r->sink), 0) != 0)
            return -1;
        rewind(r->sink);
    }
    return 0;
}

int mhttp_do(const mhttp_req *r, long *status, char *err, size_t errlen)
{
    mhttp_call *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return MHTTP_ENOMEM;
    }
    int rc = mhttp_once(r, c, status, err, errlen);
    if (r->mem && rc == MHTTP_OK) {
        if (!c->buf && mhttp_mem_append(c, "", 0) != 0) {
            rc = MHTTP_ENOMEM;
        } else {
            *r->mem = c->buf;
            if (r->mem_len)
                *r->mem_len = c->len;
            c->buf = NULL;
        }
    }
    free(c->buf);
    free(c);
    return rc;
}

/* gfload_http.c - one HTTP request on gfload's shared event loop.
 *
 * gfmachine does its HTTP with a private blocking loop per request on a
 * worker thread; gfload cannot afford a thread per machine, so its requests
 * are client connections on the one libwebsockets context, and completion
 * is a callback (gl_http_done) called exactly once. Bodies are capped
 * before and while they are read (never trust a Content-Length), and a
 * body shorter than its Content-Length is an error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gf/error.h"
#include "gf/grow.h"
#include "gfload.h"
#include "gfnet_target.h"

#define GL_HTTP_IO     4096
#define GL_HTTP_BODY_S 120 /* whole-body limit, seconds */

void gl_http_free(gl_http *h)
{
    free(h->bearer);
    free(h->resp);
    h->bearer = NULL;
    h->resp = NULL;
    h->resp_len = h->resp_cap = 0;
}

/* Report the outcome once; the connection is forgotten (its later
 * callbacks no longer match h->wsi). */
static void gl_http_finish(gl_machine *m, gl_http *h, const char *err)
{
    if (h->finished)
        return;
    h->finished = 1;
    h->wsi = NULL;
    if (!err && h->declared >= 0 && h->got < h->declared)
        err = "transfer ended early";
    /* Callers may pass h->err itself, which is then already in place. */
    if (err && err != h->err && !h->err[0])
        snprintf(h->err, sizeof(h->err), "%s", err);
    gl_w.st.bytes_down += (uint64_t)h->got;
    if (gl_w.stop)
        return; /* shutting down: nothing more is sent */
    h->done(m, h->status, h->resp ? h->resp : "", h->resp_len,
            err ? h->err : NULL);
}

static int gl_http_keep(gl_http *h, const char *p, size_t n)
{
    /* The body's cap is checked by the caller (h->cap). */
    return gf_buf_append(&h->resp, &h->resp_len, &h->resp_cap, p, n, 1024,
                         SIZE_MAX) == GF_OK
               ? 0
               : -1;
}

static int gl_http_take(gl_machine *m, gl_http *h, const char *p, size_t n)
{
    h->got += (int64_t)n;
    if (h->got > h->cap) {
        snprintf(h->err, sizeof(h->err), "body larger than %lld bytes",
                 (long long)h->cap);
        gl_http_finish(m, h, h->err);
        return -1;
    }
    if (h->keep && gl_http_keep(h, p, n) != 0) {
        gl_http_finish(m, h, "out of memory");
        return -1;
    }
    return 0;
}

static int gl_http_headers(gl_http *h, struct lws *wsi, unsigned char **p,
                           unsigned char *end)
{
    static const char ua[] = "gfload/1";
    if (lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_USER_AGENT,
                                     (const unsigned char *)ua, (int)strlen(ua),
                                     p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_ACCEPT,
                                     (const unsigned char *)"*/*", 3, p, end))
        return -1;
    if (h->bearer &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_AUTHORIZATION,
                                     (const unsigned char *)h->bearer,
                                     (int)strlen(h->bearer), p, end))
        return -1;
    if (h->ctype &&
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE,
                                     (const unsigned char *)h->ctype,
                                     (int)strlen(h->ctype), p, end))
        return -1;
    if (strcmp(h->method, "GET") == 0)
        return 0;
    if (lws_add_http_header_content_length(wsi, h->body_len, p, end))
        return -1;
    if (h->body_len) {
        lws_client_http_body_pending(wsi, 1);
        lws_callback_on_writable(wsi);
    }
    return 0;
}

/* The next piece of the request body, from the one shared buffer. */
static int gl_http_send(gl_http *h, struct lws *wsi)
{
    unsigned char buf[LWS_PRE + GL_HTTP_IO];
    size_t n = h->body_len - h->sent;
    if (n > GL_HTTP_IO)
        n = GL_HTTP_IO;
    memcpy(buf + LWS_PRE, h->body + h->sent, n);
    int last = h->sent + n == h->body_len;
    if (lws_write(wsi, buf + LWS_PRE, n,
                  last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) != (int)n)
        return -1;
    h->sent += n;
    gl_w.st.bytes_up += n;
    if (last)
        lws_client_http_body_pending(wsi, 0);
    else
        lws_callback_on_writable(wsi);
    return 0;
}

static int gl_http_established(gl_machine *m, gl_http *h, struct lws *wsi)
{
    char v[32];
    /* A peer that stalls mid-body must not hold the machine forever. */
    lws_set_timeout(wsi, PENDING_TIMEOUT_USER_OK, GL_HTTP_BODY_S);
    h->status = (long)lws_http_client_http_response(wsi);
    if (lws_hdr_copy(wsi, v, sizeof(v), WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
        h->declared = strtoll(v, NULL, 10);
        if (h->declared > h->cap || h->declared < 0) {
            snprintf(h->err, sizeof(h->err), "declared body too large");
            gl_http_finish(m, h, h->err);
            return -1;
        }
    }
    return 0;
}

int gl_http_callback(gl_machine *m, gl_http *h, struct lws *wsi,
                     enum lws_callback_reasons reason, void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
        return gl_http_headers(h, wsi, in, *(unsigned char **)in + len);
    case LWS_CALLBACK_CLIENT_HTTP_WRITEABLE:
        return h->sent < h->body_len ? gl_http_send(h, wsi) : 0;
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
        return gl_http_established(m, h, wsi);
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
        char buf[LWS_PRE + GL_HTTP_IO];
        char *p = buf + LWS_PRE;
        int n = GL_HTTP_IO;
        return lws_http_client_read(wsi, &p, &n) < 0 ? -1 : 0;
    }
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
        return gl_http_take(m, h, in, len);
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
        gl_http_finish(m, h, NULL);
        return -1; /* one request per connection: give the fd back */
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        snprintf(h->err, sizeof(h->err), "%.100s",
                 in ? (const char *)in : "connection failed");
        gl_http_finish(m, h, h->err);
        break;
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
        /* COMPLETED comes first for a whole response: this is a cut. */
        gl_http_finish(m, h, "connection closed before the end");
        break;
    default:
        break;
    }
    return 0;
}

static int gl_http_connect(gl_machine *m, gl_http *h, const char *url)
{
    gfnet_target t; /* lws copies what it keeps */
    if (gfnet_target_parse(&t, url, GFNET_HTTP, NULL) != 0)
        return -1;
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof(i));
    i.context = gl_w.http_ctx;
    i.method = h->method;
    i.protocol = "gfload-http";
    i.local_protocol_name = "gfload-http";
    i.ssl_connection = LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
    gfnet_target_fill(&t, &i);
    if (t.tls && gl_w.opt.insecure)
        i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
                            LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                            LCCSCF_ALLOW_INSECURE;
    i.userdata = m;
    i.iface = gl_source_for(m);
    i.retry_and_idle_policy = &gl_no_validity;
    h->finished = 0;
    /* Callbacks made before lws_client_connect_via_info() returns (an
     * immediate connection error) find the request here. */
    gl_w.connecting = h;
    struct lws *wsi = lws_client_connect_via_info(&i);
    gl_w.connecting = NULL;
    gl_w.http_wake = gl_w.http_ctx != gl_w.ctx;
    if (h->finished)
        return 0; /* a failure reported already counts */
    h->wsi = wsi;
    return wsi ? 0 : -1;
}

int gl_http_start(gl_machine *m, gl_http *h, const char *method,
                  const char *url, const char *bearer_token, const char *ctype,
                  const void *body, size_t body_len, int64_t cap, int keep,
                  gl_http_done done)
{
    gl_http_free(h);
    h->wsi = NULL;
    h->method = method;
    h->ctype = ctype;
    h->body = body;
    h->body_len = body_len;
    h->sent = 0;
    h->keep = keep;
    h->cap = cap;
    h->got = 0;
    h->declared = -1;
    h->status = 0;
    h->err[0] = '\0';
    h->done = done;
    h->finished = 1; /* nothing to report until connected */
    if (bearer_token) {
        size_t n = strlen(bearer_token) + 8;
        if (!(h->bearer = malloc(n)))
            return -1;
        snprintf(h->bearer, n, "Bearer %s", bearer_token);
    }
    if (gl_http_connect(m, h, url) != 0) {
        h->finished = 1;
        h->wsi = NULL;
        return -1;
    }
    return 0;
}

/* http.c - the HTTP request cycle on libwebsockets: routing, body collection
 * with caps, replies with Content-Length, and the checks before a WebSocket
 * upgrade is allowed.
 *
 * Every request is answered with JSON (errors are {"error","code"}) or a
 * file; a path no route takes is a file of the dashboard (http_static.c).
 * Bodies are collected by lws (LWS_CALLBACK_HTTP_BODY / _COMPLETION) into
 * memory for JSON or into a scratch file for uploads, never past the route's
 * cap; a declared Content-Length over the cap is refused before a byte of the
 * body is read. After an error reply to a request that still has body bytes in
 * flight the connection is closed, so the unread bytes cannot be taken for the
 * next request. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api_path.h"
#include "conns.h"
#include "http_form.h"
#include "ingest.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "webhook.h"
#include "work.h"
#include "ws.h"

/* After an early error reply, read and drop up to this much of the body so
 * the client (which usually sends it all before reading) sees the answer
 * rather than a reset; past it, close the connection instead. */
#define DISCARD_MAX (64L * 1024 * 1024)

static void req_reset(http_req *r)
{
    /* ingest_detach() has cleared r->job before any reset. */
    free(r->body);
    free(r->spec);
    http_form_free(r->form);
    if (r->body_fd > 0) {
        close(r->body_fd - 1);
        unlink(r->body_path);
    }
    memset(r, 0, sizeof(*r));
}

/* One request per connection.
 *
 * libwebsockets 4.1.6 cannot be trusted with a pipelined request, one that
 * arrives (in the same packet, or after the client read only the headers)
 * before the answer to the previous one is out. It parks those bytes in
 * the connection's buflist and parses the next request's headers from
 * there; if that request has a body, lws_http_action() then feeds the
 * same buflist segment again, from its start, as the body: the header
 * bytes are taken for the body (a smuggling shape), and once the body
 * state ends it loops on the segment for ever (100% CPU, nothing served
 * again; before our answer was complete it spun in
 * LWS_CALLBACK_HTTP_BODY_COMPLETION instead). No callback tells us that a
 * request came from the buflist, so the service never keeps an HTTP
 * connection for a second request: every answer says "connection: close"
 * and the connection closes once the answer is flushed (lws flushes what
 * it holds before closing). RFC 9112 §9.6 allows exactly this, and every
 * client reconnects for its next request; machine sessions are WebSocket
 * upgrades and are not affected.
 *
 * Answers are written whole where they are made (headers and body in one
 * go; lws keeps what the socket does not take at once) and the connection
 * is closed at the end of that same callback (finish()). While a request
 * waits for a worker (ingest.c) its input is held with rx flow control, so
 * whatever else the client sends waits in the socket (http_resume() when
 * the job is back). */
static int finish(struct lws *wsi, http_req *r)
{
    (void)wsi;
    if (!r->responded || r->serving_file || r->sse)
        return 0; /* not answered yet, or the answer goes on (a file, a
                     stream of events) */
    if (r->discarding && !r->body_complete)
        return 0; /* drop the rest of the body first, then close */
    return -1;
}

void http_hold(struct lws *wsi, http_req *r)
{
    if (!r->held) {
        r->held = 1;
        lws_rx_flow_control(wsi, 0);
    }
}

void http_resume(struct lws *wsi)
{
    http_req *r = lws_wsi_user(wsi);
    if (r && r->held) {
        r->held = 0;
        lws_rx_flow_control(wsi, 1);
    }
}

/* What a route asked to add to its answer: a session cookie to set or
 * clear, how long a throttled client should wait. */
static int extra_headers(struct lws *wsi, const http_req *r, unsigned char **p,
                         unsigned char *end)
{
    char after[24];
    if (r->set_cookie[0] &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)"set-cookie:",
                                    (const unsigned char *)r->set_cookie,
                                    (int)strlen(r->set_cookie), p, end))
        return -1;
    if (r->retry_after > 0) {
        int n = snprintf(after, sizeof(after), "%d", r->retry_after);
        if (lws_add_http_header_by_name(
                wsi, (const unsigned char *)"retry-after:",
                (const unsigned char *)after, n, p, end))
            return -1;
    }
    return 0;
}

/* Send an answer: `hlen` bytes of finished headers, then `len` bytes of
 * body. On HTTP/1 they go out in one write (one TCP segment for a small
 * answer, where two writes cost a second send and segment); an HTTP/2
 * stream needs its headers in a frame of their own. */
int http_write_answer(struct lws *wsi, const unsigned char *headers,
                      size_t hlen, const void *body, size_t len)
{
    int one = lws_get_network_wsi(wsi) == wsi;
    unsigned char *buf = malloc(LWS_PRE + hlen + LWS_PRE + len + 1);
    if (!buf)
        return -1;
    unsigned char *h = buf + LWS_PRE;
    unsigned char *b = one ? h + hlen : h + hlen + LWS_PRE;
    memcpy(h, headers, hlen);
    if (len)
        memcpy(b, body, len);
    int rc = -1;
    if (one) {
        if (lws_write(wsi, h, hlen + len, LWS_WRITE_HTTP_FINAL) !=
            (int)(hlen + len))
            goto out;
    } else if (lws_write(wsi, h, hlen, LWS_WRITE_HTTP_HEADERS) != (int)hlen ||
               (len &&
                lws_write(wsi, b, len, LWS_WRITE_HTTP_FINAL) != (int)len)) {
        goto out;
    }
    metrics_bytes(METRICS_HTTP, 0, hlen + len);
    rc = 0;
out:
    free(buf);
    return rc;
}

/* A whole answer with Content-Length, never cached, closing the connection
 * (see finish()); `encoding` is a Content-Encoding or NULL. */
static int reply_whole(struct lws *wsi, http_req *r, int status,
                       const char *ctype, const char *encoding,
                       const void *body, size_t len)
{
    unsigned char hbuf[LWS_PRE + 1024];
    unsigned char *start = hbuf + LWS_PRE, *p = start;
    unsigned char *end = hbuf + sizeof(hbuf) - 1;
    if (r->responded)
        return 0;
    r->responded = 1;
    if (lws_add_http_common_headers(wsi, (unsigned int)status, ctype,
                                    (lws_filepos_t)len, &p, end) ||
        lws_add_http_header_by_name(
            wsi, (const unsigned char *)"cache-control:",
            (const unsigned char *)"no-store", 8, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                    (const unsigned char *)"close", 5, &p,
                                    end) ||
        (encoding && lws_add_http_header_by_name(
                         wsi, (const unsigned char *)"content-encoding:",
                         (const unsigned char *)encoding, (int)strlen(encoding),
                         &p, end)) ||
        extra_headers(wsi, r, &p, end) ||
        lws_finalize_http_header(wsi, &p, end))
        return -1;
    return http_write_answer(wsi, start, (size_t)(p - start), body, len);
}

int http_reply(struct lws *wsi, http_req *r, int status, const char *ctype,
               const void *body, size_t len)
{
    return reply_whole(wsi, r, status, ctype, NULL, body, len);
}

int http_reply_json(struct lws *wsi, http_req *r, int status, json_t *obj)
{
    char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
    json_decref(obj);
    if (!text)
        return http_error(wsi, r, 500, "internal", "out of memory");
    int rc = http_reply(wsi, r, status, "application/json; charset=utf-8", text,
                        strlen(text));
    free(text);
    return rc;
}

int http_error(struct lws *wsi, http_req *r, int status, const char *code,
               const char *msg)
{
    json_t *o = json_pack("{s:s, s:s}", "error", msg, "code", code);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!text)
        return -1;
    /* A body we did not read would be parsed as the next request: drop it
     * as it arrives, or close if it is too big even for that. */
    if (r->content_length > 0 && r->body_len < (size_t)r->content_length &&
        !r->body_complete) {
        if (r->content_length - (long)r->body_len <= DISCARD_MAX)
            r->discarding = 1;
        else
            r->close_after = 1;
    }
    int rc = http_reply(wsi, r, status, "application/json; charset=utf-8", text,
                        strlen(text));
    free(text);
    return rc;
}

int http_reject(struct lws *wsi, http_req *r, int status, const char *code,
                const char *msg)
{
    return http_error(wsi, r, status, code, msg) == 0 ? HTTP_ANSWERED
                                                      : HTTP_CLOSE;
}

/* A file up to this size is read whole and sent with its headers in one
 * write (the bundled hunt file is 16 KiB): no file kept open, no wait for
 * the socket to be writable between headers and body. A bigger one (a print
 * job) is streamed by lws from the disk as the socket drains. */
#define SMALL_FILE (64 * 1024)

/* 0 with the file's bytes in *out; -1 when it is bigger than SMALL_FILE or
 * cannot be read (the streaming path then answers, as for any file). */
static int read_small(const char *path, unsigned char **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > SMALL_FILE)
        goto fail;
    buf = malloc((size_t)st.st_size + 1);
    if (!buf)
        goto fail;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            goto fail; /* changed under us: let the streaming path answer */
        got += (size_t)n;
    }
    close(fd);
    *out = buf;
    *len = got;
    return 0;
fail:
    free(buf);
    close(fd);
    return -1;
}

int http_serve_file(struct lws *wsi, http_req *r, const char *path,
                    const char *ctype, int gzip)
{
    unsigned char *body;
    size_t len;
    if (read_small(path, &body, &len) == 0) {
        int rc =
            reply_whole(wsi, r, 200, ctype, gzip ? "gzip" : NULL, body, len);
        free(body);
        return rc;
    }
    unsigned char extra[256], *p = extra, *end = extra + sizeof(extra) - 1;
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"connection:",
                                    (const unsigned char *)"close", 5, &p,
                                    end) ||
        (gzip && lws_add_http_header_by_name(
                     wsi, (const unsigned char *)"content-encoding:",
                     (const unsigned char *)"gzip", 4, &p, end)))
        return -1;
    r->responded = 1;
    r->serving_file = 1;
    struct stat st;
    if (stat(path, &st) == 0)
        metrics_bytes(METRICS_HTTP, 0, (size_t)st.st_size);
    int n = lws_serve_http_file(wsi, path, ctype, (const char *)extra,
                                (int)(p - extra));
    /* >0: already sent whole and the transaction completed by lws. */
    return n < 0 ? -1 : 0;
}

int http_accepts_gzip(struct lws *wsi)
{
    char buf[256];
    if (lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_ACCEPT_ENCODING) <=
        0)
        return 0;
    return strstr(buf, "gzip") != NULL;
}

static int bearer(struct lws *wsi, char *out, size_t outlen)
{
    char buf[512];
    int n = lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_AUTHORIZATION);
    if (n <= 7 || strncasecmp(buf, "Bearer ", 7) != 0)
        return -1;
    const char *t = buf + 7;
    while (*t == ' ')
        t++;
    if (strlen(t) >= outlen)
        return -1;
    strcpy(out, t);
    return 0;
}

int http_machine_auth(cloud *c, struct lws *wsi, http_req *r)
{
    char tok[AUTH_TOKEN_MAX];
    uint64_t claimed = 0, reg = 0;
    if (bearer(wsi, tok, sizeof(tok)) != 0)
        return http_reject(wsi, r, 401, "unauthorized",
                           "bearer token required");
    /* Checked against the registration the machine has now: a machine
     * removed (and perhaps added again) since has none or another. */
    int rc = -1;
    if (auth_token_serial(tok, &claimed) == 0 &&
        store_machine_get_reg(c->store, claimed, &reg) == STORE_OK)
        rc = auth_token_check(c->auth, tok, reg, cloud_now(), &r->serial);
    if (rc != 0)
        return http_reject(wsi, r, 401,
                           rc == -2 ? "token_expired" : "unauthorized",
                           rc == -2 ? "auth_token expired; sign in again"
                                    : "unknown auth_token");
    return HTTP_GO;
}

/* A Bearer key wins over a cookie: a browser never sends one on its
 * own, so a request that has one was made on purpose (and needs no CSRF
 * token). */
int http_api_auth(cloud *c, struct lws *wsi, http_req *r)
{
    char key[256];
    uint8_t h[AUTH_HASH_LEN];
    store_principal p;
    if (bearer(wsi, key, sizeof(key)) != 0) {
        int found = http_session_find(c, wsi, r);
        if (found > 0)
            return HTTP_GO;
        return found < 0
                   ? http_reject(wsi, r, 500, "internal", "database error")
                   : http_reject(wsi, r, 401, "unauthorized",
                                 "API key or session required");
    }
    auth_hash_secret(c->auth, key, h);
    memcpy(r->key_hash, h, sizeof(r->key_hash));
    store_rc rc = store_apikey_principal(c->store, h, &p);
    if (rc == STORE_ERROR)
        return http_reject(wsi, r, 500, "internal", "database error");
    if (rc != STORE_OK)
        return http_reject(wsi, r, 401, "unauthorized",
                           "unknown or revoked API key");
    r->api_key_id = p.key_id;
    r->role = keys_role(&p);
    snprintf(r->user, sizeof(r->user), "%s", p.user);
    return HTTP_GO;
}

const char *http_method_name(int method)
{
    switch (method) {
    case LWSHUMETH_GET:
        return "GET";
    case LWSHUMETH_POST:
        return "POST";
    case LWSHUMETH_PUT:
        return "PUT";
    case LWSHUMETH_DELETE:
        return "DELETE";
    case LWSHUMETH_PATCH:
        return "PATCH";
    case LWSHUMETH_HEAD:
        return "HEAD";
    case LWSHUMETH_OPTIONS:
        return "OPTIONS";
    default:
        return "";
    }
}

json_t *http_json_object(const http_req *r)
{
    json_t *o = json_loadb(r->body, r->body_len, 0, NULL);
    if (json_is_object(o))
        return o;
    json_decref(o);
    return NULL;
}

static long content_length(struct lws *wsi)
{
    char buf[32];
    if (lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return -1;
    char *end = NULL;
    long v = strtol(buf, &end, 10);
    return (end == buf || *end || v < 0) ? -2 : v;
}

/* Hand a whole body to the route. Every handler may rely on r->body being
 * a NUL-terminated buffer for BODY_MEMORY, also for a zero-length body
 * (which never passes through body_append(): without this the handler
 * would run before any buffer exists). */
static int body_handle(cloud *c, struct lws *wsi, http_req *r)
{
    conns_request_read(wsi);
    r->body_complete = 1;
    r->handled = 1;
    if (r->body_kind == BODY_FORM && http_form_finish(r->form) != 0)
        return http_error(wsi, r, 400, "bad_form",
                          http_form_error(r->form, NULL));
    if (r->body_kind == BODY_MEMORY && !r->body) {
        r->body = calloc(1, 1);
        if (!r->body)
            return http_error(wsi, r, 500, "internal", "out of memory");
    }
    return r->on_body(c, wsi, r);
}

int http_want_body(cloud *c, struct lws *wsi, http_req *r,
                   enum http_body_kind kind, long cap, http_handler on_body)
{
    long cl = content_length(wsi);
    if (cl == -2)
        return http_error(wsi, r, 400, "bad_request", "bad Content-Length");
    if (cl == -1 && (kind == BODY_FILE || kind == BODY_FORM))
        return http_error(wsi, r, 411, "length_required",
                          "Content-Length required");
    r->content_length = cl < 0 ? 0 : cl;
    if (r->content_length > cap)
        return http_error(wsi, r, 413, "too_large", "request body too large");
    r->body_kind = kind;
    r->body_cap = cap;
    r->on_body = on_body;
    if (r->content_length > 0)
        conns_reading_body(wsi);
    if (kind == BODY_FILE) {
        int fd = blobs_scratch(c->blobs, r->body_path, sizeof(r->body_path));
        if (fd < 0)
            return http_error(wsi, r, 500, "internal", "cannot store body");
        r->body_fd = fd + 1;
    }
    if (kind == BODY_FORM && !r->form)
        return http_error(wsi, r, 400, "bad_form",
                          "multipart/form-data needs a boundary");
    if (r->content_length == 0)
        return body_handle(c, wsi, r);
    return 0;
}

int http_want_form(cloud *c, struct lws *wsi, http_req *r, long cap,
                   const char *file_field, const char *const *names, int count,
                   http_handler on_body)
{
    int fd = blobs_scratch(c->blobs, r->body_path, sizeof(r->body_path));
    if (fd < 0)
        return http_error(wsi, r, 500, "internal", "cannot store body");
    r->body_fd = fd + 1;
    r->form = http_form_new(wsi, fd, file_field, names, count);
    /* http_want_body() keeps the scratch file made here. */
    return http_want_body(c, wsi, r, BODY_FORM, cap, on_body);
}

/* A body that cannot be stored: 507 disk_full when the disk is full (the
 * operator frees space and the client retries), 500 otherwise. */
static int body_store_error(struct lws *wsi, http_req *r, int e)
{
    const char *code;
    int status = blobs_err_status(e, &code);
    log_msg(LOG_ERR, "cannot store a request body: %s", strerror(e));
    return http_error(wsi, r, status, code,
                      status == 507 ? "the disk is full" : "cannot store body");
}

static int body_append(struct lws *wsi, http_req *r, const void *in, size_t len)
{
    metrics_bytes(METRICS_HTTP, 1, len);
    if (r->responded || r->handled)
        return 0; /* discarding after an early answer */
    if (r->body_len + len > (size_t)r->body_cap)
        return http_error(wsi, r, 413, "too_large", "request body too large");
    if (r->body_kind == BODY_FORM) {
        r->body_len += len;
        if (http_form_feed(r->form, in, len) == 0)
            return 0;
        int e = 0;
        const char *why = http_form_error(r->form, &e);
        return e ? body_store_error(wsi, r, e)
                 : http_error(wsi, r, 400, "bad_form", why);
    }
    if (r->body_kind == BODY_FILE) {
        if (r->body_len < 2)
            memcpy(r->head + r->body_len, in,
                   len < 2 - r->body_len ? len : 2 - r->body_len);
        if (blobs_write_all(r->body_fd - 1, in, len) != 0)
            return body_store_error(wsi, r, errno);
        r->body_len += len;
        return 0;
    }
    char *b = realloc(r->body, r->body_len + len + 1);
    if (!b)
        return http_error(wsi, r, 500, "internal", "out of memory");
    memcpy(b + r->body_len, in, len);
    r->body = b;
    r->body_len += len;
    r->body[r->body_len] = '\0';
    return 0;
}

static int body_done(cloud *c, struct lws *wsi, http_req *r)
{
    if (r->responded || r->handled || !r->on_body) {
        r->body_complete = 1; /* the rest of an answered request is gone */
        return 0;
    }
    return body_handle(c, wsi, r);
}

static int route(cloud *c, struct lws *wsi, http_req *r)
{
    const char *p = r->path;
    if (!api_path_ok(p)) /* api_path.c */
        return http_error(wsi, r, 400, "bad_path", "malformed path");
    /* status-listen's port is the sessions' table: a request there would
     * read all of it at its close (server.c), and was meant for listen. */
    if (c->lws_status && lws_get_context(wsi) == c->lws_status)
        return http_error(wsi, r, 404, "not_found",
                          "this port serves the status WebSocket only; the "
                          "API is on the listen address");
    if (strcmp(p, "/machines/sign_in") == 0) {
        if (r->method != LWSHUMETH_POST)
            return http_error(wsi, r, 405, "method_not_allowed", "use POST");
        return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                              http_sign_in);
    }
    if (strcmp(p, "/update/current") == 0)
        return http_update_current(c, wsi, r);
    if (strncmp(p, "/upload/", 8) == 0)
        return http_upload_put(c, wsi, r);
    if (strncmp(p, "/api/machines/", 14) == 0)
        return http_upload_post(c, wsi, r);
    if (strncmp(p, "/jobs/", 6) == 0)
        return http_download_job(c, wsi, r);
    if (strncmp(p, "/api/v1/", 8) == 0)
        return http_api(c, wsi, r);
    if (strcmp(p, "/metrics") == 0)
        return http_metrics(c, wsi, r); /* http_metrics.c */
    /* The service's own prefixes never fall through to a file. */
    if (strncmp(p, "/api/", 5) == 0 || strncmp(p, "/machines/", 10) == 0)
        return http_error(wsi, r, 404, "not_found", "no such resource");
    return http_static(c, wsi, r); /* the dashboard, web/ */
}

/* Framing (RFC 9112 §6.3). We take bodies by Content-Length only. A
 * Transfer-Encoding, alone or with a Content-Length, and a Content-Length
 * that is not one plain number (two different headers arrive joined) mean
 * that we and whatever is in front of us could disagree on where this
 * request ends: answer and close, so that no byte of it is ever read as
 * another request. HTTP_GO fine; else refused as http_reject() says. */
static int check_framing(struct lws *wsi, http_req *r)
{
    int te = lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING) > 0;
    long cl = content_length(wsi);
    if (!te && cl != -2)
        return 0;
    r->close_after = 1;
    if (te && cl != -1)
        return http_reject(wsi, r, 400, "bad_request",
                           "Transfer-Encoding and Content-Length together");
    if (te)
        return http_reject(wsi, r, 411, "length_required",
                           "Transfer-Encoding is not accepted; send "
                           "Content-Length");
    return http_reject(wsi, r, 400, "bad_request", "bad Content-Length");
}

/* The size of the headers we read: the request line and every header lws
 * knows by name (Authorization, Content-Type, Cookie, User-Agent, ...).
 * lws 4.1.6 drops a request that overflows its header buffer without an
 * answer and without telling us (its staged close has shut the socket for
 * writing before any callback runs), so its buffer is made much bigger
 * than max-header (server.c) and the limit is ours, answered with 431.
 * Headers lws does not know by name stay in its buffer, unread by us; past
 * that buffer lws still drops the connection. */
static long header_bytes(struct lws *wsi)
{
    long n = 0;
    for (int t = 0; t < WSI_TOKEN_COUNT; t++) {
        int len = lws_hdr_total_length(wsi, (enum lws_token_indexes)t);
        if (len > 0)
            n += len + 4; /* ": " and CRLF, roughly */
    }
    return n;
}

static int on_http(cloud *c, struct lws *wsi, http_req *r)
{
    char *uri = NULL;
    int ulen = 0;
    req_reset(r);
    conns_request_read(wsi); /* the headers are in; a body has its own */
    r->method = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    lws_get_peer_simple(wsi, r->peer, sizeof(r->peer));
    int framing = check_framing(wsi, r);
    if (framing != HTTP_GO)
        return framing == HTTP_CLOSE ? -1 : 0;
    long hbytes = header_bytes(wsi);
    metrics_bytes(METRICS_HTTP, 1, (size_t)hbytes);
    if (hbytes > c->cfg.max_header)
        return http_error(wsi, r, 431, "headers_too_large",
                          "request headers too large");
    if (r->method < 0 || !uri || ulen <= 0 || (size_t)ulen >= sizeof(r->path))
        return http_error(wsi, r, 400, "bad_path", "path missing or too long");
    /* lws decodes %00 into a NUL: a path with one is refused, not cut. */
    if (memchr(uri, '\0', (size_t)ulen))
        return http_error(wsi, r, 400, "bad_path", "malformed path");
    memcpy(r->path, uri, (size_t)ulen);
    r->path[ulen] = '\0';
    /* Drop a query string if lws left one on the path. */
    char *q = strchr(r->path, '?');
    if (q)
        *q = '\0';
    return route(c, wsi, r);
}

/* Answers are written where they are made; a connection becomes writable
 * for us only when a worker's job is back (ingest.c), or an event stream
 * has events to send (http_sse.c). */
static int on_writeable(cloud *c, struct lws *wsi, http_req *r)
{
    if (r->sse)
        return http_sse_write(c, wsi, r);
    if (ingest_ready(r))
        ingest_reply(c, wsi, r);
    return 0;
}

/* Refuse an upgrade with a small JSON answer written at once. */
static int refuse_upgrade(struct lws *wsi, int status, const char *code,
                          const char *msg)
{
    unsigned char buf[LWS_PRE + 1024];
    unsigned char *start = buf + LWS_PRE, *p = start;
    unsigned char *end = buf + sizeof(buf) - 1;
    char body[256];
    int n = snprintf(body, sizeof(body), "{\"error\":\"%s\",\"code\":\"%s\"}",
                     msg, code);
    if (lws_add_http_common_headers(wsi, (unsigned int)status,
                                    "application/json", (lws_filepos_t)n, &p,
                                    end) ||
        lws_finalize_http_header(wsi, &p, end) ||
        http_write_answer(wsi, start, (size_t)(p - start), body, (size_t)n))
        return -1;
    return 1;
}

static int has_glowforge(struct lws *wsi)
{
    char buf[256];
    if (lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_PROTOCOL) <= 0)
        return 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t;
         t = strtok_r(NULL, ", ", &save)) {
        if (strcmp(t, "glowforge") == 0)
            return 1;
    }
    return 0;
}

static int confirm_upgrade(cloud *c, struct lws *wsi)
{
    char path[256];
    if (lws_hdr_copy(wsi, path, sizeof(path), WSI_TOKEN_GET_URI) <= 1)
        return refuse_upgrade(wsi, 401, "bad_token", "ws_token missing");
    if (!has_glowforge(wsi))
        return refuse_upgrade(wsi, 400, "subprotocol",
                              "subprotocol glowforge required");
    uint64_t serial = 0, reg = 0, now_reg = 0;
    if (auth_ws_token_peek(c->auth, path + 1, cloud_now(), &serial, &reg) != 0)
        return refuse_upgrade(wsi, 401, "bad_token",
                              "unknown, used or expired ws_token");
    /* `gfcloud machine remove` since the sign-in (and perhaps `machine add`
     * again: a new registration): no session. */
    if (store_machine_get_reg(c->store, serial, &now_reg) != STORE_OK ||
        now_reg != reg)
        return refuse_upgrade(wsi, 401, "unknown_machine",
                              "the machine is no longer registered");
    c->upgrade_checked.wsi = wsi;
    c->upgrade_checked.serial = serial;
    c->upgrade_checked.reg = reg;
    return 0;
}

/* The callbacks in which a request is handled or answered: the frames the
 * WebSocket sessions stored in this loop pass are committed first, so an
 * answer never reports (or sits beside) anything uncommitted (store.h). */
static int may_answer(enum lws_callback_reasons reason)
{
    switch (reason) {
    case LWS_CALLBACK_HTTP:
    case LWS_CALLBACK_HTTP_BODY:
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
    case LWS_CALLBACK_HTTP_WRITEABLE:
    case LWS_CALLBACK_TIMER:
        return 1;
    default:
        return 0;
    }
}

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                  void *in, size_t len)
{
    cloud *c = lws_context_user(lws_get_context(wsi));
    http_req *r = user;
    if (may_answer(reason))
        store_batch_flush(c->store);
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return on_http(c, wsi, r) < 0 ? -1 : finish(wsi, r);
    case LWS_CALLBACK_HTTP_BODY:
        return body_append(wsi, r, in, len) < 0 ? -1 : finish(wsi, r);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return body_done(c, wsi, r) < 0 ? -1 : finish(wsi, r);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return on_writeable(c, wsi, r) < 0 ? -1 : finish(wsi, r);
    case LWS_CALLBACK_TIMER:
        return r && r->sse ? http_sse_recheck(c, wsi, r) : 0;
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        return -1; /* one request per connection (finish()) */
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(c, wsi);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        if (r) {
            if (r->sse)
                http_sse_end(c, r);
            ingest_detach(r);
            req_reset(r);
        }
        break;
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: {
        const struct lws_filter_network_conn_args *a = user;
        return conns_admit(c->conns, (int)(intptr_t)in,
                           a ? (const struct sockaddr *)&a->cli_addr : NULL);
    }
    case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED:
        conns_bind(c->conns, wsi);
        break;
    case LWS_CALLBACK_WSI_DESTROY:
        if (c && c->conns)
            conns_closed(c->conns, wsi);
        break;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (c && c->work)
            work_poll(c->work);
        if (c && c->hooks)
            webhooks_poll(c->hooks);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

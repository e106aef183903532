/* http.c - the HTTP request cycle on libwebsockets: routing, body collection
 * with caps, replies with Content-Length, and the checks before a WebSocket
 * upgrade is allowed.
 *
 * Every request is answered with JSON (errors are {"error","code"}) or a
 * file. Bodies are collected by lws (LWS_CALLBACK_HTTP_BODY / _COMPLETION)
 * into memory for JSON or into a scratch file for uploads, never past the
 * route's cap; a declared Content-Length over the cap is refused before a
 * byte of the body is read. After an error reply to a request that still
 * has body bytes in flight the connection is closed, so the unread bytes
 * cannot be taken for the next request. */
#include "http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_path.h"
#include "ingest.h"
#include "log.h"
#include "work.h"
#include "ws.h"

#define CHUNK 16384
/* After an early error reply, read and drop up to this much of the body so
 * the client (which usually sends it all before reading) sees the answer
 * rather than a reset; past it, close the connection instead. */
#define DISCARD_MAX (64L * 1024 * 1024)

static void req_reset(http_req *r)
{
    /* ingest_detach() has cleared r->job before any reset. */
    free(r->body);
    free(r->resp);
    free(r->spec);
    if (r->body_fd > 0) {
        close(r->body_fd - 1);
        unlink(r->body_path);
    }
    memset(r, 0, sizeof(*r));
}

int http_reply(struct lws *wsi, http_req *r, int status, const char *ctype,
               const void *body, size_t len)
{
    unsigned char hbuf[LWS_PRE + 1024];
    unsigned char *start = hbuf + LWS_PRE, *p = start;
    unsigned char *end = hbuf + sizeof(hbuf) - 1;
    if (r->responded)
        return 0;
    r->responded = 1;
    free(r->resp);
    r->resp = malloc(LWS_PRE + len + 1);
    if (!r->resp)
        return -1;
    memcpy(r->resp + LWS_PRE, body, len);
    r->resp_len = len;
    r->resp_off = 0;
    if (lws_add_http_common_headers(wsi, (unsigned int)status, ctype,
                                    (lws_filepos_t)len, &p, end) ||
        lws_add_http_header_by_name(
            wsi, (const unsigned char *)"cache-control:",
            (const unsigned char *)"no-store", 8, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
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

int http_serve_file(struct lws *wsi, http_req *r, const char *path,
                    const char *ctype, int gzip)
{
    unsigned char extra[256], *p = extra, *end = extra + sizeof(extra) - 1;
    if (gzip && lws_add_http_header_by_name(
                    wsi, (const unsigned char *)"content-encoding:",
                    (const unsigned char *)"gzip", 4, &p, end))
        return -1;
    r->responded = 1;
    r->serving_file = 1;
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
    uint8_t h[AUTH_HASH_LEN];
    if (bearer(wsi, tok, sizeof(tok)) != 0) {
        http_error(wsi, r, 401, "unauthorized", "bearer token required");
        return -1;
    }
    int rc = auth_token_check(c->auth, tok, cloud_now(), &r->serial);
    if (rc == 0 && store_machine_get_hash(c->store, r->serial, h) != 0)
        rc = -1; /* the machine was removed */
    if (rc != 0) {
        http_error(wsi, r, 401, rc == -2 ? "token_expired" : "unauthorized",
                   rc == -2 ? "auth_token expired; sign in again"
                            : "unknown auth_token");
        return -1;
    }
    return 0;
}

int http_api_auth(cloud *c, struct lws *wsi, http_req *r)
{
    char key[256];
    uint8_t h[AUTH_HASH_LEN];
    if (bearer(wsi, key, sizeof(key)) != 0) {
        http_error(wsi, r, 401, "unauthorized", "API key required");
        return -1;
    }
    auth_hash_secret(c->auth, key, h);
    if (store_apikey_find(c->store, h, &r->api_key_id) != STORE_OK) {
        http_error(wsi, r, 401, "unauthorized", "unknown or revoked API key");
        return -1;
    }
    return 0;
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

int http_want_body(cloud *c, struct lws *wsi, http_req *r,
                   enum http_body_kind kind, long cap, http_handler on_body)
{
    long cl = content_length(wsi);
    if (cl == -2)
        return http_error(wsi, r, 400, "bad_request", "bad Content-Length");
    if (cl == -1 && kind == BODY_FILE)
        return http_error(wsi, r, 411, "length_required",
                          "Content-Length required");
    r->content_length = cl < 0 ? 0 : cl;
    if (r->content_length > cap)
        return http_error(wsi, r, 413, "too_large", "request body too large");
    r->body_kind = kind;
    r->body_cap = cap;
    r->on_body = on_body;
    if (kind == BODY_FILE) {
        int fd = blobs_scratch(c->blobs, r->body_path, sizeof(r->body_path));
        if (fd < 0)
            return http_error(wsi, r, 500, "internal", "cannot store body");
        r->body_fd = fd + 1;
    }
    if (r->content_length == 0) {
        r->body_complete = 1;
        r->handled = 1;
        return on_body(c, wsi, r);
    }
    return 0;
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
    if (r->responded || r->handled)
        return 0; /* discarding after an early answer */
    if (r->body_len + len > (size_t)r->body_cap)
        return http_error(wsi, r, 413, "too_large", "request body too large");
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
    r->body_complete = 1;
    if (r->discarding) {
        r->discarding = 0;
        /* The early answer may have gone out already: finish now. */
        if (!r->resp)
            return lws_http_transaction_completed(wsi) ? -1 : 0;
        return 0;
    }
    if (r->responded || r->handled || !r->on_body)
        return 0;
    r->handled = 1;
    if (r->body_kind == BODY_MEMORY && !r->body) {
        r->body = calloc(1, 1);
        if (!r->body)
            return -1;
    }
    return r->on_body(c, wsi, r);
}

static int route(cloud *c, struct lws *wsi, http_req *r)
{
    const char *p = r->path;
    if (!api_path_ok(p)) /* api_path.c */
        return http_error(wsi, r, 400, "bad_path", "malformed path");
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
    return http_error(wsi, r, 404, "not_found", "no such resource");
}

static int on_http(cloud *c, struct lws *wsi, http_req *r)
{
    char *uri = NULL;
    int ulen = 0;
    req_reset(r);
    r->method = lws_http_get_uri_and_method(wsi, &uri, &ulen);
    lws_get_peer_simple(wsi, r->peer, sizeof(r->peer));
    if (r->method < 0 || !uri || ulen <= 0 || (size_t)ulen >= sizeof(r->path))
        return http_error(wsi, r, 400, "bad_path", "path missing or too long");
    memcpy(r->path, uri, (size_t)ulen);
    r->path[ulen] = '\0';
    /* Drop a query string if lws left one on the path. */
    char *q = strchr(r->path, '?');
    if (q)
        *q = '\0';
    return route(c, wsi, r);
}

static int on_writeable(cloud *c, struct lws *wsi, http_req *r)
{
    if (r->sse)
        return http_sse_write(c, wsi, r);
    if (ingest_ready(r)) {
        ingest_reply(c, wsi, r);
        return 0; /* the body goes out on the next writable */
    }
    if (!r->resp)
        return 0;
    size_t left = r->resp_len - r->resp_off;
    size_t n = left > CHUNK ? CHUNK : left;
    int final = n == left;
    unsigned char *at = r->resp + LWS_PRE + r->resp_off;
    if (lws_write(wsi, at, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
        (int)n)
        return -1;
    r->resp_off += n;
    if (!final) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(r->resp);
    r->resp = NULL;
    if (r->close_after)
        return -1;
    if (r->discarding)
        return 0; /* body_done completes the transaction */
    return lws_http_transaction_completed(wsi) ? -1 : 0;
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
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    memcpy(start, body, (size_t)n);
    if (lws_write(wsi, start, (size_t)n, LWS_WRITE_HTTP_FINAL) != n)
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
    uint64_t serial = 0;
    uint8_t h[AUTH_HASH_LEN];
    if (auth_ws_token_peek(c->auth, path + 1, cloud_now(), &serial) != 0)
        return refuse_upgrade(wsi, 401, "bad_token",
                              "unknown, used or expired ws_token");
    /* `gfcloud machine remove` since the sign-in: no session. */
    if (store_machine_get_hash(c->store, serial, h) != 0)
        return refuse_upgrade(wsi, 401, "unknown_machine",
                              "the machine is no longer registered");
    return 0;
}

int http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                  void *in, size_t len)
{
    cloud *c = lws_context_user(lws_get_context(wsi));
    http_req *r = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return on_http(c, wsi, r) < 0 ? -1 : 0;
    case LWS_CALLBACK_HTTP_BODY:
        return body_append(wsi, r, in, len) < 0 ? -1 : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return body_done(c, wsi, r) < 0 ? -1 : 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return on_writeable(c, wsi, r);
    case LWS_CALLBACK_HTTP_FILE_COMPLETION:
        return lws_http_transaction_completed(wsi) ? -1 : 0;
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
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (c && c->work)
            work_poll(c->work);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

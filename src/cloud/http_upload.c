/* http_upload.c - camera images from machines (PROTOCOL.md §13).
 *
 * PUT /upload/<action_id>?exp=<unix>&sig=<hmac>: the presigned URL we put in
 * an image action's `endpoint`. No bearer header: the signature and expiry
 * in the URL are the credential, and the URL works once. The older
 * POST /api/machines/<action_type>/<action_id> takes the machine's bearer
 * token instead. Both want image/jpeg, a body under max-image-body that
 * starts with the JPEG SOI marker FF D8; the image becomes a blob and the
 * action's latest image. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gf/catalog.h"
#include "http.h"
#include "log.h"

static int parse_id(const char *s, int64_t *out)
{
    char *end = NULL;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

static int is_jpeg_type(struct lws *wsi)
{
    char ct[128];
    if (lws_hdr_copy(wsi, ct, sizeof(ct), WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return 0;
    return strncasecmp(ct, "image/jpeg", 10) == 0;
}

/* Copy the scratch body into the blob store; 0 and the blob id. */
static int body_to_blob(cloud *c, http_req *r, char id[65])
{
    char buf[65536];
    blob_writer *w = NULL;
    int fd = r->body_fd - 1;
    if (lseek(fd, 0, SEEK_SET) != 0 || blob_writer_open(c->blobs, &w) != 0)
        return -1;
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        if (blob_writer_write(w, buf, (size_t)n) != 0) {
            blob_writer_abort(w);
            return -1;
        }
    }
    if (n < 0) {
        blob_writer_abort(w);
        return -1;
    }
    return blob_writer_commit(w, id);
}

static int image_done(cloud *c, struct lws *wsi, http_req *r)
{
    store_action a;
    char blob[65];
    if (r->body_len < 2 || r->head[0] != 0xFF || r->head[1] != 0xD8)
        return http_error(wsi, r, 400, "not_jpeg",
                          "body is not a JPEG (no FF D8 marker)");
    if (store_action_get(c->store, r->action_id, &a) != 0)
        return http_error(wsi, r, 404, "not_found", "no such action");
    uint64_t serial = a.serial;
    char type[32];
    snprintf(type, sizeof(type), "%s", a.type);
    store_action_free(&a);
    if (body_to_blob(c, r, blob) != 0)
        return http_error(wsi, r, 500, "internal", "cannot store the image");
    store_begin(c->store);
    int used = store_action_upload_use(c->store, r->action_id);
    if (used == 0)
        store_image_add(c->store, r->action_id, serial, type, blob,
                        (int64_t)r->body_len, cloud_now());
    if (store_commit(c->store) != 0 || used < 0)
        return http_error(wsi, r, 500, "internal", "cannot store the image");
    if (used == 1)
        return http_error(wsi, r, 409, "already_uploaded",
                          "this upload URL was used already");
    log_msg(LOG_INFO, "S%llu: %s image for %" PRId64 " stored (%zu bytes)",
            (unsigned long long)serial, type, r->action_id, r->body_len);
    return http_reply_json(
        wsi, r, 200,
        json_pack("{s:b, s:I}", "ok", 1, "size", (json_int_t)r->body_len));
}

/* The action must exist, be an image action, and not be uploaded yet. */
static int check_action(cloud *c, struct lws *wsi, http_req *r, uint64_t serial,
                        const char *type)
{
    store_action a;
    if (store_action_get(c->store, r->action_id, &a) != 0) {
        http_error(wsi, r, 404, "not_found", "no such action");
        return -1;
    }
    const gf_action_spec *spec = gf_action_lookup(a.type);
    int ok = spec && spec->kind == GF_KIND_IMAGE &&
             (!serial || a.serial == serial) &&
             (!type || strcmp(type, a.type) == 0);
    store_action_free(&a);
    if (!ok) {
        http_error(wsi, r, 404, "not_found", "no such image action");
        return -1;
    }
    return 0;
}

int http_upload_put(cloud *c, struct lws *wsi, http_req *r)
{
    char eb[64], sb[128];
    int64_t exp = 0;
    if (r->method != LWSHUMETH_PUT)
        return http_error(wsi, r, 405, "method_not_allowed", "use PUT");
    const char *e = lws_get_urlarg_by_name(wsi, "exp=", eb, sizeof(eb));
    const char *s = lws_get_urlarg_by_name(wsi, "sig=", sb, sizeof(sb));
    if (parse_id(r->path + 8, &r->action_id) != 0 || !e || !s ||
        parse_id(e, &exp) != 0)
        return http_error(wsi, r, 403, "bad_signature",
                          "upload URL is not valid");
    int rc = auth_upload_check(c->auth, r->action_id, exp, s, cloud_now());
    if (rc != 0)
        return http_error(
            wsi, r, 403, rc == -2 ? "url_expired" : "bad_signature",
            rc == -2 ? "upload URL expired" : "upload URL is not valid");
    if (!is_jpeg_type(wsi))
        return http_error(wsi, r, 415, "unsupported_media_type",
                          "Content-Type must be image/jpeg");
    if (check_action(c, wsi, r, 0, NULL) != 0)
        return 0;
    return http_want_body(c, wsi, r, BODY_FILE, c->cfg.max_image_body,
                          image_done);
}

int http_upload_post(cloud *c, struct lws *wsi, http_req *r)
{
    char type[32];
    if (r->method != LWSHUMETH_POST)
        return http_error(wsi, r, 405, "method_not_allowed", "use POST");
    const char *rest = r->path + 14; /* after /api/machines/ */
    const char *slash = strchr(rest, '/');
    if (!slash || (size_t)(slash - rest) >= sizeof(type) ||
        parse_id(slash + 1, &r->action_id) != 0)
        return http_error(wsi, r, 404, "not_found", "no such resource");
    memcpy(type, rest, (size_t)(slash - rest));
    type[slash - rest] = '\0';
    if (http_machine_auth(c, wsi, r) != 0)
        return 0;
    if (!is_jpeg_type(wsi))
        return http_error(wsi, r, 415, "unsupported_media_type",
                          "Content-Type must be image/jpeg");
    if (check_action(c, wsi, r, r->serial, type) != 0)
        return 0;
    return http_want_body(c, wsi, r, BODY_FILE, c->cfg.max_image_body,
                          image_done);
}

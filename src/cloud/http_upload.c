/* http_upload.c - camera images from machines (PROTOCOL.md §13).
 *
 * PUT /upload/<action_id>?exp=<unix>&sig=<hmac>: the presigned URL we put in
 * an image action's `endpoint`. No bearer header: the signature and expiry
 * in the URL are the credential, and the URL works once. The older
 * POST /api/machines/<action_type>/<action_id> takes the machine's bearer
 * token instead. Both want image/jpeg, a body under max-image-body that
 * starts with the JPEG SOI marker FF D8; the image becomes a blob (written
 * and fsynced on a worker, not on the event loop) and the action's latest
 * image, and the answer goes out once it is durable. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_path.h"
#include "gf/catalog.h"
#include "http.h"
#include "ingest.h"
#include "log.h"

static int is_jpeg_type(struct lws *wsi)
{
    char ct[128];
    if (lws_hdr_copy(wsi, ct, sizeof(ct), WSI_TOKEN_HTTP_CONTENT_TYPE) <= 0)
        return 0;
    return api_media_type_is(ct, "image/jpeg");
}

/* An image on its way to the blob store. The disk write and fsync of up to
 * max-image-body bytes run on a worker (ingest.c); the store records it and
 * the client is answered on the loop, once the blob is durable. */
struct image_job {
    char path[4300]; /* scratch body; "" once adopted as the blob */
    char blob[65];
    int64_t action_id;
    uint64_t serial;
    char type[32];
    size_t len;
};

static int image_work(cloud *c, void *ctx)
{
    struct image_job *ij = ctx;
    int rc = blobs_adopt(c->blobs, ij->path, ij->blob);
    if (rc >= 0)
        ij->path[0] = '\0';
    return rc == 0 ? 0 : errno ? errno : EIO; /* errno: 507 if disk full */
}

static void image_reply(cloud *c, struct lws *wsi, http_req *r, void *ctx,
                        int rc)
{
    struct image_job *ij = ctx;
    if (rc != 0) {
        const char *code;
        int status = blobs_err_status(rc, &code);
        http_error(wsi, r, status, code, "cannot store the image");
        return;
    }
    store_begin(c->store);
    store_rc used = store_action_upload_use(c->store, ij->action_id);
    if (used == STORE_OK)
        store_image_add(c->store, ij->action_id, ij->serial, ij->type, ij->blob,
                        (int64_t)ij->len, cloud_now());
    if (store_commit(c->store) != STORE_OK || used == STORE_ERROR) {
        int full = store_last_full(c->store);
        http_error(wsi, r, full ? 507 : 500, full ? "disk_full" : "internal",
                   "cannot store the image");
        return;
    }
    if (used == STORE_ALREADY) {
        http_error(wsi, r, 409, "already_uploaded",
                   "this upload URL was used already");
        return;
    }
    log_msg(LOG_INFO, "S%llu: %s image for %" PRId64 " stored (%zu bytes)",
            (unsigned long long)ij->serial, ij->type, ij->action_id, ij->len);
    http_reply_json(
        wsi, r, 200,
        json_pack("{s:b, s:I}", "ok", 1, "size", (json_int_t)ij->len));
}

static void image_drop(void *ctx)
{
    struct image_job *ij = ctx;
    if (ij->path[0])
        unlink(ij->path);
    free(ij);
}

static const ingest_task image_task = {image_work, image_reply, image_drop};

static int image_done(cloud *c, struct lws *wsi, http_req *r)
{
    store_action a;
    if (r->body_len < 2 || r->head[0] != 0xFF || r->head[1] != 0xD8)
        return http_error(wsi, r, 400, "not_jpeg",
                          "body is not a JPEG (no FF D8 marker)");
    if (store_action_get(c->store, r->action_id, &a) != 0)
        return http_error(wsi, r, 404, "not_found", "no such action");
    struct image_job *ij = calloc(1, sizeof(*ij));
    if (!ij) {
        store_action_free(&a);
        return http_error(wsi, r, 500, "internal", "out of memory");
    }
    ij->action_id = r->action_id;
    ij->serial = a.serial;
    ij->len = r->body_len;
    snprintf(ij->type, sizeof(ij->type), "%s", a.type);
    store_action_free(&a);
    ingest_take_body(r, ij->path, sizeof(ij->path));
    int rc = ingest_submit(c, wsi, r, &image_task, ij);
    return rc == HTTP_CLOSE ? -1 : 0;
}

/* The action must exist, be an image action, and not be uploaded yet:
 * HTTP_GO, or a 404 reply and what http_reject() says of it. */
static int check_action(cloud *c, struct lws *wsi, http_req *r, uint64_t serial,
                        const char *type)
{
    store_action a;
    if (store_action_get(c->store, r->action_id, &a) != 0)
        return http_reject(wsi, r, 404, "not_found", "no such action");
    const gf_action_spec *spec = gf_action_lookup(a.type);
    int ok = spec && spec->kind == GF_KIND_IMAGE &&
             (!serial || a.serial == serial) &&
             (!type || strcmp(type, a.type) == 0);
    store_action_free(&a);
    if (!ok)
        return http_reject(wsi, r, 404, "not_found", "no such image action");
    return HTTP_GO;
}

int http_upload_put(cloud *c, struct lws *wsi, http_req *r)
{
    char eb[64], sb[128];
    int64_t exp = 0;
    if (r->method != LWSHUMETH_PUT)
        return http_error(wsi, r, 405, "method_not_allowed", "use PUT");
    const char *e = lws_get_urlarg_by_name(wsi, "exp=", eb, sizeof(eb));
    const char *s = lws_get_urlarg_by_name(wsi, "sig=", sb, sizeof(sb));
    if (api_parse_id(r->path + 8, &r->action_id) != 0 || !e || !s ||
        api_parse_id(e, &exp) != 0)
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
    if ((rc = check_action(c, wsi, r, 0, NULL)) != HTTP_GO)
        return rc == HTTP_CLOSE ? -1 : 0;
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
        api_parse_id(slash + 1, &r->action_id) != 0)
        return http_error(wsi, r, 404, "not_found", "no such resource");
    memcpy(type, rest, (size_t)(slash - rest));
    type[slash - rest] = '\0';
    int rc = http_machine_auth(c, wsi, r);
    if (rc != HTTP_GO)
        return rc == HTTP_CLOSE ? -1 : 0;
    if (!is_jpeg_type(wsi))
        return http_error(wsi, r, 415, "unsupported_media_type",
                          "Content-Type must be image/jpeg");
    if ((rc = check_action(c, wsi, r, r->serial, type)) != HTTP_GO)
        return rc == HTTP_CLOSE ? -1 : 0;
    return http_want_body(c, wsi, r, BODY_FILE, c->cfg.max_image_body,
                          image_done);
}

/* http_api_files.c - job files and images for the operator API.
 *
 * POST /api/v1/files takes a pulse file (plain or gzip) as the raw body,
 * collected into a scratch file under max-file-body; files.c validates and
 * stores it on a worker (ingest.c), and the reply goes out from the loop
 * once the file is recorded. GET .../images/{type}/latest serves the newest
 * JPEG of that kind. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "files.h"
#include "http.h"
#include "ingest.h"
#include "log.h"

struct file_job {
    char path[4300]; /* the scratch body; unlinked when the job is dropped */
    files_result res;
};

static int file_work(cloud *c, void *ctx)
{
    struct file_job *fj = ctx;
    return files_prepare(c->blobs, c->cfg.max_file_body, c->cfg.max_inflated,
                         fj->path, &fj->res);
}

static void file_reply(cloud *c, struct lws *wsi, http_req *r, void *ctx,
                       int rc)
{
    struct file_job *fj = ctx;
    if (rc != 0) {
        int status = strcmp(fj->res.code, "internal") == 0    ? 500
                     : strcmp(fj->res.code, "disk_full") == 0 ? 507
                                                              : 422;
        http_error(wsi, r, status, fj->res.code, fj->res.err);
        return;
    }
    json_t *info = files_record(c, &fj->res);
    if (!info) {
        int full = store_last_full(c->store);
        http_error(wsi, r, full ? 507 : 500, full ? "disk_full" : "internal",
                   full ? "the disk is full" : "database error");
        return;
    }
    log_msg(LOG_INFO, "job file %.12s stored", fj->res.id);
    char target[80];
    snprintf(target, sizeof(target), "file:%s", fj->res.id);
    audit_api(c, r, "file.create", target, NULL);
    http_reply_json(wsi, r, 201, info);
}

static void file_drop(void *ctx)
{
    struct file_job *fj = ctx;
    unlink(fj->path);
    free(fj);
}

static const ingest_task file_task = {file_work, file_reply, file_drop};

static int files_done(cloud *c, struct lws *wsi, http_req *r)
{
    struct file_job *fj = calloc(1, sizeof(*fj));
    if (!fj)
        return http_error(wsi, r, 500, "internal", "out of memory");
    ingest_take_body(r, fj->path, sizeof(fj->path));
    int rc = ingest_submit(c, wsi, r, &file_task, fj);
    return rc == HTTP_CLOSE ? -1 : 0;
}

int http_api_files(cloud *c, struct lws *wsi, http_req *r)
{
    if (r->method != LWSHUMETH_POST)
        return http_error(wsi, r, 405, "method_not_allowed", "use POST");
    return http_want_body(c, wsi, r, BODY_FILE, c->cfg.max_file_body,
                          files_done);
}

int http_api_image(cloud *c, struct lws *wsi, http_req *r, uint64_t serial,
                   const char *type)
{
    char blob[65], path[4300];
    if (r->method != LWSHUMETH_GET)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET");
    if (store_image_latest(c->store, serial, type, blob) != 0 ||
        blobs_path(c->blobs, blob, path, sizeof(path)) != 0)
        return http_error(wsi, r, 404, "not_found", "no such image");
    return http_serve_file(wsi, r, path, "image/jpeg", 0);
}

/* http_api_files.c - job files and images for the operator API.
 *
 * POST /api/v1/files takes a pulse file (plain or gzip) as the raw body,
 * collected into a scratch file under max-file-body; files.c validates and
 * stores it on a worker thread (ingest.c), which replies when done.
 * GET .../images/{type}/latest serves the newest JPEG of that kind. */
#include "http.h"
#include "ingest.h"

static int files_done(cloud *c, struct lws *wsi, http_req *r)
{
    ingest_start(c->ingest, wsi, r);
    return 0;
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

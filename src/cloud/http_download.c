/* http_download.c - GET /jobs/<action_id>.puls: the pulse file behind a
 * hunt/motion/print action's motion_url (PROTOCOL.md §15.1).
 *
 * Only the machine the action was sent to may fetch it (its bearer token);
 * another machine gets 404, as if the job did not exist. The file is kept
 * gzip-compressed and sent as application/octet-stream with its
 * Content-Length; Content-Encoding: gzip is added only when the client
 * asked for it, otherwise the gzip bytes are the body and the machine
 * sniffs 1F 8B. An unlocked job file is served as the copy locked to the
 * machine's serial, made when the action was accepted (joblock.c). */
#include <stdlib.h>
#include <string.h>

#include "gf/catalog.h"
#include "http.h"
#include "joblock.h"

int http_download_job(cloud *c, struct lws *wsi, http_req *r)
{
    char path[4300];
    store_action a;
    if (r->method != LWSHUMETH_GET)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET");
    char *end = NULL;
    long long id = strtoll(r->path + 6, &end, 10);
    if (end == r->path + 6 || strcmp(end, ".puls") != 0 || id <= 0)
        return http_error(wsi, r, 404, "not_found", "no such job");
    int rc = http_machine_auth(c, wsi, r);
    if (rc != HTTP_GO)
        return rc == HTTP_CLOSE ? -1 : 0;
    if (store_action_get(c->store, id, &a) != 0)
        return http_error(wsi, r, 404, "not_found", "no such job");
    const gf_action_spec *spec = gf_action_lookup(a.type);
    const char *file = a.file[0] ? a.file : c->hunt_file_id;
    char blob[65];
    /* The machine gets the job locked to its serial (joblock.c). */
    int ok = a.serial == r->serial && spec && spec->kind == GF_KIND_PULSE &&
             file[0] && joblock_blob(c, file, a.serial, blob) == 0 &&
             blobs_path(c->blobs, blob, path, sizeof(path)) == 0;
    store_action_free(&a);
    if (!ok)
        return http_error(wsi, r, 404, "not_found", "no such job");
    return http_serve_file(wsi, r, path, "application/octet-stream",
                           http_accepts_gzip(wsi));
}

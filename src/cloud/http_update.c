/* http_update.c - GET /update/current (PROTOCOL.md §14): the firmware
 * version the operator wants machines to run, with its download_url, or
 * {"version":null} when none is configured. Machine bearer token required.
 */
#include "http.h"

int http_update_current(cloud *c, struct lws *wsi, http_req *r)
{
    if (r->method != LWSHUMETH_GET)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET");
    int rc = http_machine_auth(c, wsi, r);
    if (rc != HTTP_GO)
        return rc == HTTP_CLOSE ? -1 : 0;
    json_t *o = json_object();
    json_object_set_new(o, "version",
                        c->cfg.firmware_version[0]
                            ? json_string(c->cfg.firmware_version)
                            : json_null());
    json_object_set_new(o, "download_url",
                        c->cfg.firmware_url[0]
                            ? json_string(c->cfg.firmware_url)
                            : json_null());
    return http_reply_json(wsi, r, 200, o);
}

/* update.c - the firmware probe (PROTOCOL.md §14).
 *
 * Once per process, after the first sign-in, the machine asks the service
 * which firmware it wants machines to run (GET {server}/update/current with
 * the Bearer) and only logs the answer next to its own MCov, as the
 * reference client does: gfmachine never downloads or installs anything.
 * The probe runs on the sign-in thread, after the token has been handed to
 * the event loop, so it never delays the WebSocket. A service without the
 * route (404) is normal and not an error. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "auth.h"
#include "log.h"
#include "update.h"

void upd_probe(const cfg *c)
{
    char url[1024], err[256];
    char *body = NULL;
    long status = 0;
    snprintf(url, sizeof(url), "%s/update/current", cfg_server(c));
    mhttp_req r = {.method = "GET",
                   .url = url,
                   .mem = &body,
                   .max_bytes = 64 * 1024,
                   .timeout_ms = c->http_timeout_ms,
                   .user_agent = c->user_agent,
                   .ca_file = c->ca_file};
    if (auth_request(&r, &status, err, sizeof(err)) != MHTTP_OK ||
        status != 200) {
        mlog_local(MLOG_DEBUG, "firmware probe: no answer (HTTP %ld)", status);
        free(body);
        return;
    }
    json_t *o = json_loads(body, 0, NULL);
    const char *v = json_string_value(json_object_get(o, "version"));
    if (v)
        mlog(MLOG_INFO,
             "firmware probe: the service offers %.64s (this "
             "machine runs %.64s)",
             v, c->fw_version);
    else
        mlog(MLOG_INFO, "firmware probe: the service offers no firmware");
    json_decref(o);
    free(body);
}

/* http_api_machines.c - registering machines over the API, for the
 * dashboard's Admin page (docs/api.md "Machines"):
 *
 *   POST   /api/v1/machines           {"serial", "password"?}
 *   DELETE /api/v1/machines/{serial}
 *
 * The same as `gfcloud machine add` / `remove` (cli_machine.c): only the
 * keyed hash of the password is stored, so a password made here is in
 * the answer once and never again; a removed machine's tokens stop
 * working at once and its session ends at the next recheck
 * (machine-recheck). Both are audited. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "http.h"

static void audit_machine(cloud *c, http_req *r, const char *what,
                          uint64_t serial)
{
    char target[40];
    snprintf(target, sizeof(target), "machine:S%" PRIu64, serial);
    audit_api(c, r, what, target, NULL);
}

/* The body's serial ("S12345678", "12345678" or a number); 0 if none. */
static uint64_t body_serial(json_t *o)
{
    json_t *s = json_object_get(o, "serial");
    uint64_t serial = 0;
    if (json_is_string(s) &&
        cloud_parse_serial(json_string_value(s), &serial) == 0)
        return serial;
    if (json_is_integer(s) && json_integer_value(s) > 0 &&
        json_integer_value(s) <= 999999999999999999LL)
        return (uint64_t)json_integer_value(s);
    return 0;
}

static int add_done(cloud *c, struct lws *wsi, http_req *r)
{
    char made[65];
    uint8_t h[AUTH_HASH_LEN];
    json_t *o = http_json_object(r);
    uint64_t serial = body_serial(o);
    json_t *jpw = json_object_get(o, "password");
    const char *pw = json_string_value(jpw);
    int rc;
    if (!o)
        rc = http_error(wsi, r, 400, "bad_json", "expected a JSON object");
    else if (!serial)
        rc = http_error(wsi, r, 400, "bad_field",
                        "serial: 1 to 18 digits, an S in front allowed");
    else if (jpw && (!pw || !auth_is_password(pw)))
        rc = http_error(wsi, r, 400, "bad_field",
                        "password: 64 hex characters, or leave it out");
    else {
        if (!pw) {
            auth_random_hex(made);
            pw = made;
        }
        auth_hash_secret(c->auth, pw, h);
        store_rc s = store_machine_add(c->store, serial, h, cloud_now());
        char sv[32];
        snprintf(sv, sizeof(sv), "S%" PRIu64, serial);
        if (s == STORE_ALREADY)
            rc = http_error(wsi, r, 409, "exists", "the machine exists");
        else if (s != STORE_OK)
            rc = http_error(wsi, r, 500, "internal", "database error");
        else {
            audit_machine(c, r, "machine.add", serial);
            /* A password the caller chose is not sent back. */
            rc = http_reply_json(wsi, r, 201,
                                 pw == made ? json_pack("{s:s, s:s}", "serial",
                                                        sv, "password", made)
                                            : json_pack("{s:s}", "serial", sv));
        }
    }
    json_decref(o);
    return rc;
}

int http_api_machine_add(cloud *c, struct lws *wsi, http_req *r)
{
    return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                          add_done);
}

int http_api_machine_remove(cloud *c, struct lws *wsi, http_req *r,
                            const char *serial_text)
{
    uint64_t serial = 0;
    if (cloud_parse_serial(serial_text, &serial) != 0)
        return http_error(wsi, r, 404, "no_machine", "no such machine");
    store_rc rc = store_machine_remove(c->store, serial);
    if (rc == STORE_NOT_FOUND)
        return http_error(wsi, r, 404, "no_machine", "no such machine");
    if (rc != STORE_OK)
        return http_error(wsi, r, 500, "internal", "database error");
    audit_machine(c, r, "machine.remove", serial);
    char sv[32];
    snprintf(sv, sizeof(sv), "S%" PRIu64, serial);
    return http_reply_json(wsi, r, 200, json_pack("{s:s}", "removed", sv));
}

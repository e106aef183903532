/* http_sign_in.c - POST /machines/sign_in (PROTOCOL.md §2, §3).
 *
 * Accepts JSON (what the factory sends) and form encoding (what the
 * reference client sends), with or without the S before the serial. A good
 * password answers exactly {"ws_token":..., "auth_token":...}; a bad one
 * 401 invalid_credentials; a missing field 400; too many failures for the
 * address, or a wrong one after too many for the serial, 429. Password checks
 * are a keyed hash and a constant-time compare: microseconds, so a reconnect
 * storm stays cheap. The body itself is decoded by signin_body.c. */
#include <stdio.h>
#include <string.h>

#include "api_path.h"
#include "http.h"
#include "log.h"
#include "metrics.h"
#include "signin_body.h"
#include "throttle.h"

/* JSON when the Content-Type says so (in any case), form encoding for any
 * other type; with no Content-Type, a body that starts with '{'. */
static int is_json(struct lws *wsi, const char *body)
{
    char ct[128];
    if (lws_hdr_copy(wsi, ct, sizeof(ct), WSI_TOKEN_HTTP_CONTENT_TYPE) > 0)
        return api_media_type_is(ct, "application/json");
    return body[0] == '{';
}

/* The password against the stored hash; the registration comes with it
 * (one read). -1 when the store could not be read. */
static int check(cloud *c, const signin_creds *cr, uint64_t serial, int *known,
                 uint64_t *reg)
{
    uint8_t want[AUTH_HASH_LEN], got[AUTH_HASH_LEN];
    store_rc rc = store_machine_get_login(c->store, serial, want, reg);
    if (rc != STORE_OK && rc != STORE_NOT_FOUND)
        return -1;
    *known = rc == STORE_OK;
    /* Hash even for an unknown serial so both answers cost the same. */
    auth_hash_secret(c->auth, cr->password, got);
    return *known && auth_is_password(cr->password) &&
           auth_hash_equal(want, got);
}

/* Both tokens are bound to the machine's current registration (auth.h). */
static int issue(cloud *c, struct lws *wsi, http_req *r, uint64_t serial,
                 uint64_t reg)
{
    char ws[65], at[AUTH_TOKEN_MAX];
    int64_t now = cloud_now();
    metrics_signin_count(METRICS_SIGNIN_OK);
    auth_ws_token_issue(c->auth, serial, reg, now, c->cfg.ws_token_ttl, ws);
    auth_token_make(c->auth, serial, reg, now + c->cfg.auth_token_ttl, at);
    log_msg(LOG_INFO, "S%llu: signed in", (unsigned long long)serial);
    return http_reply_json(
        wsi, r, 200, json_pack("{s:s, s:s}", "ws_token", ws, "auth_token", at));
}

int http_sign_in(cloud *c, struct lws *wsi, http_req *r)
{
    signin_creds cr;
    uint64_t serial = 0;
    char skey[48], akey[72];
    int bad =
        signin_parse_body(r->body, r->body_len, is_json(wsi, r->body), &cr);
    if (bad || !cr.serial[0] || !cr.password[0]) {
        metrics_signin_count(METRICS_SIGNIN_BAD_REQUEST);
        return bad ? http_error(wsi, r, 400, "bad_request", "unreadable body")
                   : http_error(wsi, r, 400, "missing_field",
                                "serial and password are required");
    }
    if (cloud_parse_serial(cr.serial, &serial) != 0) {
        metrics_signin_count(METRICS_SIGNIN_UNKNOWN);
        return http_error(wsi, r, 401, "invalid_credentials",
                          "invalid_credentials");
    }
    snprintf(skey, sizeof(skey), "S%llu", (unsigned long long)serial);
    throttle_address_key(r->peer, akey, sizeof(akey));
    int64_t now = cloud_now();
    /* An address over its limit is refused before its password is looked
     * at. A serial over its limit is not: the right password still gets
     * in (throttle.c), a wrong one gets 429 rather than 401. */
    if (throttle_blocked(c->throttle_addr, akey, now)) {
        metrics_signin_count(METRICS_SIGNIN_THROTTLED);
        return http_error(wsi, r, 429, "throttled",
                          "too many failed sign-ins; try later");
    }
    int known = 0;
    uint64_t reg = 0;
    int ok = check(c, &cr, serial, &known, &reg);
    if (ok < 0) {
        metrics_signin_count(METRICS_SIGNIN_ERROR);
        return http_error(wsi, r, 500, "internal", "database error");
    }
    if (!ok) {
        /* Only registered serials are counted: guesses at serials that do
         * not exist cannot fill the serial table. */
        int serial_blocked = throttle_blocked(c->throttle, skey, now);
        if (known)
            throttle_fail(c->throttle, skey, now);
        throttle_fail(c->throttle_addr, akey, now);
        log_msg(LOG_WARN, "%s: failed sign-in", skey);
        metrics_signin_count(serial_blocked ? METRICS_SIGNIN_THROTTLED
                             : known        ? METRICS_SIGNIN_BAD_PASSWORD
                                            : METRICS_SIGNIN_UNKNOWN);
        if (serial_blocked)
            return http_error(wsi, r, 429, "throttled",
                              "too many failed sign-ins; try later");
        return http_error(wsi, r, 401, "invalid_credentials",
                          "invalid_credentials");
    }
    throttle_clear(c->throttle, skey);
    return issue(c, wsi, r, serial, reg);
}

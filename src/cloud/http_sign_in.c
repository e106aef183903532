/* http_sign_in.c - POST /machines/sign_in (PROTOCOL.md §2, §3).
 *
 * Accepts JSON (what the factory sends) and form encoding (what the
 * reference client sends), with or without the S before the serial. A good
 * password answers exactly {"ws_token":..., "auth_token":...}; a bad one
 * 401 invalid_credentials; a missing field 400; too many failures for the
 * serial or the address 429. Password checks are a keyed hash and a
 * constant-time compare: microseconds, so a reconnect storm stays cheap. */
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "throttle.h"

struct creds {
    char serial[32];
    char password[80];
};

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decode one form value from [s, e) into out; -1 if too long or bad. */
static int form_decode(const char *s, const char *e, char *out, size_t outlen)
{
    size_t n = 0;
    while (s < e) {
        char ch = *s++;
        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%') {
            if (e - s < 2 || hexval(s[0]) < 0 || hexval(s[1]) < 0)
                return -1;
            ch = (char)(hexval(s[0]) * 16 + hexval(s[1]));
            s += 2;
        }
        if (n + 1 >= outlen || ch == '\0')
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    return 0;
}

static int parse_form(const char *body, struct creds *cr)
{
    const char *p = body;
    while (*p) {
        const char *amp = strchr(p, '&');
        const char *end = amp ? amp : p + strlen(p);
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq) {
            size_t klen = (size_t)(eq - p);
            if (klen == 6 && strncmp(p, "serial", 6) == 0 &&
                form_decode(eq + 1, end, cr->serial, sizeof(cr->serial)))
                return -1;
            if (klen == 8 && strncmp(p, "password", 8) == 0 &&
                form_decode(eq + 1, end, cr->password, sizeof(cr->password)))
                return -1;
        }
        p = amp ? amp + 1 : end;
    }
    return 0;
}

static int copy_field(json_t *o, const char *k, char *out, size_t outlen)
{
    json_t *v = json_object_get(o, k);
    if (json_is_integer(v)) { /* serial sent as a number */
        snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_string(v))
        return 0;
    if (json_string_length(v) >= outlen)
        return -1;
    snprintf(out, outlen, "%s", json_string_value(v));
    return 0;
}

static int parse_json(const char *body, size_t len, struct creds *cr)
{
    json_t *o = json_loadb(body, len, 0, NULL);
    int rc = -1;
    if (json_is_object(o) &&
        copy_field(o, "serial", cr->serial, sizeof(cr->serial)) == 0 &&
        copy_field(o, "password", cr->password, sizeof(cr->password)) == 0)
        rc = 0;
    json_decref(o);
    return rc;
}

static int is_json(struct lws *wsi, const char *body)
{
    char ct[128];
    if (lws_hdr_copy(wsi, ct, sizeof(ct), WSI_TOKEN_HTTP_CONTENT_TYPE) > 0)
        return strstr(ct, "json") != NULL;
    return body[0] == '{';
}

static int check(cloud *c, const struct creds *cr, uint64_t serial)
{
    uint8_t want[AUTH_HASH_LEN], got[AUTH_HASH_LEN];
    /* Hash even for an unknown serial so both answers cost the same. */
    int known = store_machine_hash(c->store, serial, want) == 0;
    auth_hash_secret(c->auth, cr->password, got);
    return known && auth_is_password(cr->password) &&
           auth_hash_equal(want, got);
}

static int issue(cloud *c, struct lws *wsi, http_req *r, uint64_t serial)
{
    char ws[65], at[AUTH_TOKEN_MAX];
    int64_t now = cloud_now();
    auth_ws_token_issue(c->auth, serial, now, c->cfg.ws_token_ttl, ws);
    auth_token_make(c->auth, serial, now + c->cfg.auth_token_ttl, at);
    log_msg(LOG_INFO, "S%llu: signed in", (unsigned long long)serial);
    return http_reply_json(
        wsi, r, 200, json_pack("{s:s, s:s}", "ws_token", ws, "auth_token", at));
}

int http_sign_in(cloud *c, struct lws *wsi, http_req *r)
{
    struct creds cr;
    uint64_t serial = 0;
    char skey[48];
    memset(&cr, 0, sizeof(cr));
    int bad = is_json(wsi, r->body) ? parse_json(r->body, r->body_len, &cr)
                                    : parse_form(r->body, &cr);
    if (bad)
        return http_error(wsi, r, 400, "bad_request", "unreadable body");
    if (!cr.serial[0] || !cr.password[0])
        return http_error(wsi, r, 400, "missing_field",
                          "serial and password are required");
    if (cloud_parse_serial(cr.serial, &serial) != 0)
        return http_error(wsi, r, 401, "invalid_credentials",
                          "invalid_credentials");
    snprintf(skey, sizeof(skey), "S%llu", (unsigned long long)serial);
    int64_t now = cloud_now();
    if (throttle_blocked(c->throttle, skey, c->cfg.throttle_max, now) ||
        throttle_blocked(c->throttle, r->peer, c->cfg.throttle_address_max,
                         now))
        return http_error(wsi, r, 429, "throttled",
                          "too many failed sign-ins; try later");
    if (!check(c, &cr, serial)) {
        throttle_fail(c->throttle, skey, now);
        throttle_fail(c->throttle, r->peer, now);
        log_msg(LOG_WARN, "%s: failed sign-in", skey);
        return http_error(wsi, r, 401, "invalid_credentials",
                          "invalid_credentials");
    }
    throttle_clear(c->throttle, skey);
    return issue(c, wsi, r, serial);
}

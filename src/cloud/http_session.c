/* http_session.c - signing in to the dashboard: /api/v1/session.
 *
 *   POST   /api/v1/session {"name", "password"}  -> {"user","role","csrf"}
 *   GET    /api/v1/session                       -> the same, or 401
 *   DELETE /api/v1/session                       -> signed out
 *
 * A session is a random token in a cookie (gfsession: HttpOnly,
 * SameSite=Strict, Secure under TLS) and, in the store, only the token's
 * keyed hash, the user and a CSRF token: sessions survive a restart and
 * are good on every node of a shared database, and a copy of the
 * database opens none. A session ends after session-ttl seconds unused;
 * its last use is written at most every ttl/8 (at most a minute), so a
 * busy dashboard does not write on every call. Every request of a cookie
 * session that changes state must carry the session's X-CSRF-Token
 * (http_api.c): another site can make the browser send the cookie, but
 * cannot read the token.
 *
 * The password check is argon2id (users.c) on the worker pool: tens of
 * milliseconds and 64 MiB each, never on the loop. Failed sign-ins are
 * throttled as the machines' are (http_sign_in.c): per address before
 * the password is looked at, per user name only for a wrong password, so
 * nobody's guessing locks the real user out; 429 says Retry-After. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest.h"
#include "log.h"
#include "roles.h"
#include "throttle.h"
#include "users.h"

#define PASSWORD_MAX 256
/* Password checks on the worker pool at once: each is tens of
 * milliseconds of CPU and 64 MiB, so a burst of sign-ins (from many
 * addresses, before any has failed) must not take every worker from the
 * uploads machines make on signed URLs that expire. Past it: 503 busy. */
#define CHECKS_MAX 2

static int checks_in_flight; /* the loop's own: no lock */

static long ttl(const cloud *c)
{
    return c->cfg.session_ttl > 0 ? c->cfg.session_ttl : 1;
}

/* The gfsession token of the request's Cookie header: 0, or -1. */
static int cookie_token(struct lws *wsi, char out[65])
{
    char buf[2048];
    if (lws_hdr_copy(wsi, buf, sizeof(buf), WSI_TOKEN_HTTP_COOKIE) <= 0)
        return -1;
    return users_cookie_token(buf, out);
}

int http_session_find(cloud *c, struct lws *wsi, http_req *r)
{
    char token[65];
    store_principal p;
    if (cookie_token(wsi, token) != 0)
        return 0;
    auth_hash_secret(c->auth, token, r->session_hash);
    sodium_memzero(token, sizeof(token));
    int64_t now = cloud_now();
    store_rc rc =
        store_session_get(c->store, r->session_hash, now - ttl(c), &p);
    if (rc != STORE_OK)
        return rc == STORE_NOT_FOUND ? 0 : -1;
    long step = ttl(c) / 8 < 60 ? ttl(c) / 8 : 60;
    if (now - p.used >= step)
        store_session_touch(c->store, r->session_hash, now);
    r->via_cookie = 1;
    r->role = role_parse(p.user_role);
    r->api_key_id = 0;
    snprintf(r->user, sizeof(r->user), "%s", p.user);
    snprintf(r->csrf, sizeof(r->csrf), "%s", p.csrf);
    return 1;
}

int http_principal_live(cloud *c, const http_req *r)
{
    store_principal p;
    store_rc rc = r->via_cookie
                      ? store_session_get(c->store, r->session_hash,
                                          cloud_now() - ttl(c), &p)
                      : store_apikey_principal(c->store, r->key_hash, &p);
    return rc != STORE_NOT_FOUND;
}

int http_csrf_ok(struct lws *wsi, const http_req *r)
{
    char got[80];
    int n = lws_hdr_custom_copy(wsi, got, sizeof(got), "x-csrf-token:", 13);
    return n == 64 && r->csrf[0] && sodium_memcmp(got, r->csrf, 64) == 0;
}

/* Set-Cookie for `token`, or one that clears the cookie (NULL). */
static void set_cookie(struct lws *wsi, http_req *r, const char *token)
{
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             USER_COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
             token ? token : "", token ? "" : "; Max-Age=0",
             lws_is_ssl(wsi) ? "; Secure" : "");
}

static int session_body(struct lws *wsi, http_req *r, const char *user,
                        int role, const char *csrf)
{
    return http_reply_json(wsi, r, 200,
                           json_pack("{s:s, s:s, s:s}", "user", user, "role",
                                     role_name(role), "csrf", csrf));
}

/* ---- POST: the password check on a worker ---------------------------- */

struct signin {
    char name[USER_NAME_MAX + 1];
    char password[PASSWORD_MAX + 1];
    char hash[USER_HASH_LEN]; /* "" for no such user */
    char role[16];
    char ukey[48], akey[72]; /* throttle keys */
    int user_blocked;        /* the name was over its limit before */
};

static int signin_work(cloud *c, void *ctx)
{
    (void)c;
    struct signin *s = ctx;
    return users_verify(s->hash[0] ? s->hash : NULL, s->password);
}

static int throttled(struct lws *wsi, http_req *r, const cloud *c)
{
    r->retry_after = (int)c->cfg.throttle_window;
    return http_error(wsi, r, 429, "throttled",
                      "too many failed sign-ins; try later");
}

/* Back on the loop: count a failure, or open the session. */
static void signin_reply(cloud *c, struct lws *wsi, http_req *r, void *ctx,
                         int ok)
{
    struct signin *s = ctx;
    int64_t now = cloud_now();
    if (!ok) {
        /* Only names that exist are counted: guessing at names cannot
         * fill the table. */
        if (s->hash[0])
            throttle_fail(c->throttle_user, s->ukey, now);
        throttle_fail(c->throttle_addr, s->akey, now);
        log_msg(LOG_WARN, "user %s: failed sign-in", s->name);
        if (s->user_blocked)
            throttled(wsi, r, c);
        else
            http_error(wsi, r, 401, "invalid_credentials",
                       "wrong name or password");
        return;
    }
    throttle_clear(c->throttle_user, s->ukey);
    char token[65], csrf[65];
    uint8_t h[AUTH_HASH_LEN];
    auth_random_hex(token);
    auth_random_hex(csrf);
    auth_hash_secret(c->auth, token, h);
    store_session_prune(c->store, now - ttl(c));
    if (store_session_add(c->store, h, s->name, csrf, now) != STORE_OK) {
        sodium_memzero(token, sizeof(token));
        http_error(wsi, r, 500, "internal", "database error");
        return;
    }
    set_cookie(wsi, r, token);
    sodium_memzero(token, sizeof(token));
    log_msg(LOG_INFO, "user %s: signed in", s->name);
    session_body(wsi, r, s->name, role_parse(s->role), csrf);
}

static void signin_free(struct signin *s)
{
    sodium_memzero(s, sizeof(*s));
    free(s);
}

/* The end of a check that was on the pool: done, or dropped unanswered. */
static void signin_drop(void *ctx)
{
    checks_in_flight--;
    signin_free(ctx);
}

static const ingest_task signin_task = {signin_work, signin_reply, signin_drop};

static int post_done(cloud *c, struct lws *wsi, http_req *r)
{
    json_t *o = http_json_object(r);
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *pw = json_string_value(json_object_get(o, "password"));
    int rc = HTTP_GO;
    struct signin *s = NULL;
    if (!o)
        rc = http_reject(wsi, r, 400, "bad_json", "expected a JSON object");
    else if (!name || !pw || !name[0] || !pw[0])
        rc = http_reject(wsi, r, 400, "missing_field",
                         "name and password are required");
    else if (!users_name_ok(name) || strlen(pw) > PASSWORD_MAX)
        rc = http_reject(wsi, r, 401, "invalid_credentials",
                         "wrong name or password");
    else if (!(s = calloc(1, sizeof(*s))))
        rc = http_reject(wsi, r, 500, "internal", "out of memory");
    if (rc != HTTP_GO || !s) {
        json_decref(o);
        return rc == HTTP_CLOSE ? -1 : 0;
    }
    snprintf(s->name, sizeof(s->name), "%s", name);
    snprintf(s->password, sizeof(s->password), "%s", pw);
    json_decref(o);
    sodium_memzero(r->body, r->body_len); /* the password's other copy */
    snprintf(s->ukey, sizeof(s->ukey), "user:%s", s->name);
    throttle_address_key(r->peer, s->akey, sizeof(s->akey));
    int64_t now = cloud_now();
    /* An address over its limit is refused before the password is looked
     * at; a name over its limit still lets the right password in. */
    if (throttle_blocked(c->throttle_addr, s->akey, now)) {
        signin_free(s);
        return throttled(wsi, r, c);
    }
    if (checks_in_flight >= CHECKS_MAX) {
        signin_free(s);
        r->retry_after = 1;
        return http_error(wsi, r, 503, "busy",
                          "too many sign-ins at once; retry");
    }
    s->user_blocked = throttle_blocked(c->throttle_user, s->ukey, now);
    store_rc got = store_user_get(c->store, s->name, s->role, s->hash);
    if (got == STORE_ERROR) {
        signin_free(s);
        return http_error(wsi, r, 500, "internal", "database error");
    }
    if (got != STORE_OK)
        s->hash[0] = '\0';
    checks_in_flight++; /* signin_drop() counts it back, whatever comes */
    rc = ingest_submit(c, wsi, r, &signin_task, s);
    return rc == HTTP_CLOSE ? -1 : 0;
}

/* ---- the routes ------------------------------------------------------ */

int http_session(cloud *c, struct lws *wsi, http_req *r)
{
    if (r->method == LWSHUMETH_POST)
        return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                              post_done);
    if (r->method != LWSHUMETH_GET && r->method != LWSHUMETH_DELETE)
        return http_error(wsi, r, 405, "method_not_allowed",
                          "use GET, POST or DELETE");
    int found = http_session_find(c, wsi, r);
    if (found < 0)
        return http_error(wsi, r, 500, "internal", "database error");
    if (r->method == LWSHUMETH_GET)
        return found ? session_body(wsi, r, r->user, r->role, r->csrf)
                     : http_error(wsi, r, 401, "unauthorized", "not signed in");
    if (found && !http_csrf_ok(wsi, r))
        return http_error(wsi, r, 403, "csrf",
                          "signing out needs the session's X-CSRF-Token");
    if (found && store_session_remove(c->store, r->session_hash) == STORE_ERROR)
        return http_error(wsi, r, 500, "internal", "database error");
    if (found)
        log_msg(LOG_INFO, "user %s: signed out", r->user);
    set_cookie(wsi, r, NULL);
    return http_reply_json(wsi, r, 200, json_pack("{s:b}", "signed_out", 1));
}

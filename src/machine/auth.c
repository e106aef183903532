/* auth.c - signing in to the app server and keeping the tokens.
 *
 * POST {server}/machines/sign_in with the JSON body the factory sends,
 * {"serial": "S<n>", "password": "<64 hex>"} (PROTOCOL.md §2.1). The answer
 * carries a single-use ws_token, handed to whoever opens the WebSocket, and
 * the auth_token used as the Bearer on later calls, kept here under a lock
 * because workers and the sign-in thread both use it. auth_request() is the
 * one way a call carries that Bearer, so the rule for a 401 (sign in again,
 * replay once) lives here beside the token and not in the HTTP layer.
 * Neither token nor the password is ever logged: failures are reported by
 * status code only. */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

#define AUTH_MAX_ANSWER (64 * 1024)
#define AUTH_MAX_TOKEN  8192

static pthread_mutex_t auth_mu = PTHREAD_MUTEX_INITIALIZER;
static const cfg *auth_cfg;
static char *auth_token;

void auth_init(const cfg *c)
{
    auth_cfg = c;
}

void auth_cleanup(void)
{
    pthread_mutex_lock(&auth_mu);
    free(auth_token);
    auth_token = NULL;
    pthread_mutex_unlock(&auth_mu);
}

static char *auth_body(void)
{
    char serial[32];
    snprintf(serial, sizeof(serial), "S%llu",
             (unsigned long long)auth_cfg->serial);
    json_t *o = json_pack("{s:s, s:s}", "serial", serial, "password",
                          auth_cfg->password);
    /* JSON_PRESERVE_ORDER + default separators give the factory's
     * `{"serial": "…", "password": "…"}` shape. */
    char *s = o ? json_dumps(o, JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return s;
}

static const char *auth_token_field(json_t *o, const char *key)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || !*v || strlen(v) > AUTH_MAX_TOKEN)
        return NULL;
    return v;
}

/* Parse the answer and keep the tokens. */
static int auth_take(const char *answer, char **ws_token, char *why,
                     size_t whylen)
{
    int rc = AUTH_ETRANSIENT;
    json_t *o = json_loads(answer, 0, NULL);
    const char *ws = o ? auth_token_field(o, "ws_token") : NULL;
    const char *at = o ? auth_token_field(o, "auth_token") : NULL;
    char *at_copy = at ? strdup(at) : NULL;
    if (!ws || !at_copy) {
        snprintf(why, whylen, "sign-in answer lacks ws_token or auth_token");
        goto out;
    }
    if (ws_token && !(*ws_token = strdup(ws))) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    pthread_mutex_lock(&auth_mu);
    free(auth_token);
    auth_token = at_copy;
    at_copy = NULL;
    pthread_mutex_unlock(&auth_mu);
    rc = AUTH_OK;
out:
    free(at_copy);
    json_decref(o);
    return rc;
}

int auth_sign_in(char **ws_token, char *why, size_t whylen)
{
    char url[1024], err[256];
    char *body = auth_body(), *answer = NULL;
    long status = 0;
    int rc = AUTH_ETRANSIENT;
    snprintf(url, sizeof(url), "%s/machines/sign_in", cfg_server(auth_cfg));
    mhttp_req r = {.method = "POST",
                   .url = url,
                   .content_type = "application/json",
                   .body = body,
                   .body_len = body ? strlen(body) : 0,
                   .mem = &answer,
                   .max_bytes = AUTH_MAX_ANSWER,
                   .timeout_ms = auth_cfg->http_timeout_ms,
                   .user_agent = auth_cfg->user_agent,
                   .ca_file = auth_cfg->ca_file};
    if (!body) {
        snprintf(why, whylen, "out of memory");
        goto out;
    }
    if (mhttp_do(&r, &status, err, sizeof(err)) != MHTTP_OK) {
        snprintf(why, whylen, "sign-in failed: %s", err);
        goto out;
    }
    if (status == 401 || status == 403) {
        snprintf(why, whylen,
                 "sign-in refused (HTTP %ld): wrong serial or "
                 "password",
                 status);
        rc = AUTH_EDENIED;
        goto out;
    }
    if (status != 200) {
        snprintf(why, whylen, "sign-in failed: HTTP %ld", status);
        goto out;
    }
    rc = auth_take(answer, ws_token, why, whylen);
out:
    free(body);
    free(answer);
    return rc;
}

/* "Bearer <auth_token>" (malloc'd) into *bearer: MHTTP_OK, MHTTP_ENOAUTH
 * before the first sign-in, or MHTTP_ENOMEM. The caller frees it and never
 * logs it. */
static int auth_bearer(char **bearer)
{
    int rc = MHTTP_ENOAUTH;
    *bearer = NULL;
    pthread_mutex_lock(&auth_mu);
    if (auth_token) {
        size_t n = strlen(auth_token) + sizeof("Bearer ");
        *bearer = malloc(n);
        rc = *bearer ? MHTTP_OK : MHTTP_ENOMEM;
        if (*bearer)
            snprintf(*bearer, n, "Bearer %s", auth_token);
    }
    pthread_mutex_unlock(&auth_mu);
    return rc;
}

static int auth_request_once(const mhttp_req *r, long *status, char *err,
                             size_t errlen)
{
    mhttp_req signed_r = *r;
    char *bearer;
    int rc = auth_bearer(&bearer);
    *status = 0;
    if (rc != MHTTP_OK) {
        snprintf(err, errlen, "%s",
                 rc == MHTTP_ENOAUTH ? "not signed in" : "out of memory");
        return rc;
    }
    signed_r.bearer = bearer;
    rc = mhttp_do(&signed_r, status, err, errlen);
    free(bearer);
    return rc;
}

int auth_request(const mhttp_req *r, long *status, char *err, size_t errlen)
{
    char why[256];
    int rc = auth_request_once(r, status, err, errlen);
    if (rc != MHTTP_OK || *status != 401)
        return rc;
    /* The token may have been revoked or the service restarted: one new
     * sign-in and one replay; a second 401 is the answer. */
    if (auth_sign_in(NULL, why, sizeof(why)) != AUTH_OK || mhttp_rewind(r) != 0)
        return rc;
    if (r->mem) {
        free(*r->mem);
        *r->mem = NULL;
    }
    return auth_request_once(r, status, err, errlen);
}

/* http_api_users.c - users and API keys over the API, for the dashboard's
 * Admin page (docs/api.md "Users and API keys"); admins only (roles.c).
 *
 *   GET    /api/v1/users                  {"users":
 * [{"name","role","created"}]} POST   /api/v1/users  {"name","role"} 201
 * {"name","role","password"} DELETE /api/v1/users/{name} GET    /api/v1/keys
 * {"keys": [{"id","user","role", "created","revoked"}]} POST   /api/v1/keys
 * {"user","role"?} 201 {"id","user","role","key"} DELETE /api/v1/keys/{id}
 *
 * What `gfcloud user` and `gfcloud apikey` do (cli_user.c, keys.c): a
 * password or key made here is in the answer once and never again (only
 * its hash is kept); the new user's password is hashed on the worker
 * pool. Every change is audited. */
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_path.h"
#include "audit.h"
#include "ingest.h"
#include "keys.h"
#include "roles.h"
#include "users.h"

static void audit_target(cloud *c, http_req *r, const char *what,
                         const char *kind, const char *name)
{
    char target[64];
    snprintf(target, sizeof(target), "%s:%s", kind, name);
    audit_api(c, r, what, target, NULL);
}

/* GET /api/v1/users or /keys: {name: list}; POST: a new one (`add`). */
static int collection(cloud *c, struct lws *wsi, http_req *r, const char *name,
                      json_t *(*list)(store *), http_handler add)
{
    if (r->method == LWSHUMETH_POST)
        return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                              add);
    if (r->method != LWSHUMETH_GET)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET or POST");
    json_t *arr = list(c->store);
    if (!arr)
        return http_error(wsi, r, 500, "internal", "database error");
    return http_reply_json(wsi, r, 200, json_pack("{s:o}", name, arr));
}

/* ---- users ------------------------------------------------------------ */

struct new_user {
    char name[USER_NAME_MAX + 1];
    int role;
    char password[USER_PASSWORD_LEN + 1];
    char hash[USER_HASH_LEN];
};

static int user_work(cloud *c, void *ctx)
{
    (void)c;
    struct new_user *u = ctx;
    return users_hash(u->password, u->hash);
}

static void user_reply(cloud *c, struct lws *wsi, http_req *r, void *ctx,
                       int rc)
{
    struct new_user *u = ctx;
    store_rc s = rc == 0 ? store_user_add(c->store, u->name, role_name(u->role),
                                          u->hash, cloud_now())
                         : STORE_ERROR;
    if (s == STORE_ALREADY) {
        http_error(wsi, r, 409, "exists", "the user exists");
        return;
    }
    if (s != STORE_OK) {
        http_error(wsi, r, 500, "internal",
                   rc == 0 ? "database error" : "cannot hash the password");
        return;
    }
    audit_target(c, r, "user.add", "user", u->name);
    http_reply_json(wsi, r, 201,
                    json_pack("{s:s, s:s, s:s}", "name", u->name, "role",
                              role_name(u->role), "password", u->password));
}

static void user_drop(void *ctx)
{
    sodium_memzero(ctx, sizeof(struct new_user));
    free(ctx);
}

static const ingest_task user_task = {user_work, user_reply, user_drop};

static int user_add_done(cloud *c, struct lws *wsi, http_req *r)
{
    json_t *o = http_json_object(r);
    const char *name = json_string_value(json_object_get(o, "name"));
    int role = role_parse(json_string_value(json_object_get(o, "role")));
    char rolebuf[16], hash[USER_HASH_LEN];
    struct new_user *u = NULL;
    int rc = HTTP_GO;
    if (!o)
        rc = http_reject(wsi, r, 400, "bad_json", "expected a JSON object");
    else if (!users_name_ok(name))
        rc = http_reject(wsi, r, 400, "bad_field",
                         "name: 1 to 32 of A-Z a-z 0-9 . _ -");
    else if (role == ROLE_NONE)
        rc = http_reject(wsi, r, 400, "bad_field",
                         "role: viewer, operator or admin");
    else if (store_user_get(c->store, name, rolebuf, hash) == STORE_OK)
        rc = http_reject(wsi, r, 409, "exists", "the user exists");
    else if (!(u = calloc(1, sizeof(*u))))
        rc = http_reject(wsi, r, 500, "internal", "out of memory");
    if (rc == HTTP_GO && u) {
        snprintf(u->name, sizeof(u->name), "%s", name);
        u->role = role;
        users_make_password(u->password);
        rc = ingest_submit(c, wsi, r, &user_task, u);
    }
    json_decref(o);
    return rc == HTTP_CLOSE ? -1 : 0;
}

int http_api_users(cloud *c, struct lws *wsi, http_req *r, const api_segs *g)
{
    if (g->n == 3)
        return collection(c, wsi, r, "users", store_user_list, user_add_done);
    if (g->n != 4)
        return http_error(wsi, r, 404, "not_found", "no such resource");
    if (r->method != LWSHUMETH_DELETE)
        return http_error(wsi, r, 405, "method_not_allowed", "use DELETE");
    store_rc rc = users_name_ok(g->s[3]) ? store_user_remove(c->store, g->s[3])
                                         : STORE_NOT_FOUND;
    if (rc == STORE_NOT_FOUND)
        return http_error(wsi, r, 404, "no_user", "no such user");
    if (rc != STORE_OK)
        return http_error(wsi, r, 500, "internal", "database error");
    audit_target(c, r, "user.remove", "user", g->s[3]);
    return http_reply_json(wsi, r, 200, json_pack("{s:s}", "removed", g->s[3]));
}

/* ---- API keys --------------------------------------------------------- */

static int key_add_done(cloud *c, struct lws *wsi, http_req *r)
{
    json_t *o = http_json_object(r);
    const char *user = json_string_value(json_object_get(o, "user"));
    json_t *jrole = json_object_get(o, "role");
    const char *rtext = json_string_value(jrole);
    int role = rtext ? role_parse(rtext) : ROLE_NONE;
    char key[KEY_TEXT_LEN + 1], target[32];
    int64_t id = 0;
    int rc;
    if (!o)
        rc = http_error(wsi, r, 400, "bad_json", "expected a JSON object");
    else if (!user || !users_name_ok(user))
        rc = http_error(wsi, r, 400, "missing_field",
                        "user: the name of the key's owner");
    else if ((jrole && !json_is_null(jrole) && !rtext) ||
             (rtext && role == ROLE_NONE && rtext[0]))
        rc = http_error(wsi, r, 400, "bad_field",
                        "role: viewer, operator or admin, or leave it out");
    else {
        int k = keys_create(c, user, role, key, &id, &role);
        if (k == KEYS_NO_USER)
            rc = http_error(wsi, r, 404, "no_user", "no such user");
        else if (k == KEYS_TOO_WIDE)
            rc = http_error(wsi, r, 400, "bad_field",
                            "role: wider than the owner's own role");
        else if (k != KEYS_OK)
            rc = http_error(wsi, r, 500, "internal", "database error");
        else {
            snprintf(target, sizeof(target), "apikey:%" PRId64, id);
            audit_api(
                c, r, "apikey.create", target,
                json_pack("{s:s, s:s}", "user", user, "role", role_name(role)));
            rc = http_reply_json(wsi, r, 201,
                                 json_pack("{s:I, s:s, s:s, s:s}", "id",
                                           (json_int_t)id, "user", user, "role",
                                           role_name(role), "key", key));
            sodium_memzero(key, sizeof(key));
        }
    }
    json_decref(o);
    return rc;
}

int http_api_keys(cloud *c, struct lws *wsi, http_req *r, const api_segs *g)
{
    if (g->n == 3)
        return collection(c, wsi, r, "keys", store_apikey_list, key_add_done);
    int64_t id = 0;
    if (g->n != 4 || api_parse_id(g->s[3], &id) != 0)
        return http_error(wsi, r, 404, "no_key", "no such API key");
    if (r->method != LWSHUMETH_DELETE)
        return http_error(wsi, r, 405, "method_not_allowed", "use DELETE");
    store_rc rc = store_apikey_revoke(c->store, id);
    if (rc == STORE_NOT_FOUND)
        return http_error(wsi, r, 404, "no_key", "no such API key");
    if (rc != STORE_OK)
        return http_error(wsi, r, 500, "internal", "database error");
    char target[32];
    snprintf(target, sizeof(target), "apikey:%" PRId64, id);
    audit_api(c, r, "apikey.revoke", target, NULL);
    return http_reply_json(wsi, r, 200,
                           json_pack("{s:I}", "revoked", (json_int_t)id));
}

/* keys.c - API keys with owners (keys.h). A key carries its role in the
 * store; the owner's role is looked at again on every use, so a key can
 * never do more than the user it belongs to. */
#include "keys.h"

#include <stdio.h>

#include "roles.h"

int keys_create(cloud *c, const char *user, int role,
                char key[KEY_TEXT_LEN + 1], int64_t *id, int *role_out)
{
    char hex[65], urole[16], hash[128];
    uint8_t h[AUTH_HASH_LEN];
    int owned = user && user[0];
    if (owned) {
        store_rc rc = store_user_get(c->store, user, urole, hash);
        if (rc != STORE_OK)
            return rc == STORE_NOT_FOUND ? KEYS_NO_USER : KEYS_ERROR;
        int max = role_parse(urole);
        if (role == ROLE_NONE)
            role = max;
        if (role > max)
            return KEYS_TOO_WIDE;
    } else
        role = ROLE_ADMIN;
    auth_random_hex(hex);
    snprintf(key, KEY_TEXT_LEN + 1, "gfk_%s", hex);
    auth_hash_secret(c->auth, key, h);
    store_rc rc = owned
                      ? store_apikey_add_owned(c->store, h, user,
                                               role_name(role), cloud_now(), id)
                      : store_apikey_add(c->store, h, cloud_now(), id);
    if (rc != STORE_OK)
        return KEYS_ERROR;
    if (role_out)
        *role_out = role;
    return KEYS_OK;
}

int keys_role(const store_principal *p)
{
    if (!p->user[0])
        return ROLE_ADMIN;
    int own = role_parse(p->role), owner = role_parse(p->user_role);
    return own < owner ? own : owner;
}

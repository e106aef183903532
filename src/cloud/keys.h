/* keys.h - making API keys, for `gfcloud apikey create` and POST
 * /api/v1/keys alike, and the role a key acts with. */
#ifndef CLOUD_KEYS_H
#define CLOUD_KEYS_H

#include "cloud.h"

#define KEY_TEXT_LEN 68 /* "gfk_" + 64 hex */

enum keys_rc {
    KEYS_OK = 0,
    KEYS_NO_USER = 1,  /* no such owner */
    KEYS_TOO_WIDE = 2, /* a role wider than the owner's */
    KEYS_ERROR = -1,   /* database error */
};

/* A new key: "gfk_" + 64 hex characters of randomness, only its keyed
 * hash stored. `user` NULL or "": a key without an owner, which acts as
 * an admin (as every key did before users). Else the key is `user`'s,
 * with `role` (ROLE_NONE: the owner's), never wider than the owner's.
 * Fills key, *id and *role_out (may be NULL). */
int keys_create(cloud *c, const char *user, int role,
                char key[KEY_TEXT_LEN + 1], int64_t *id, int *role_out);

/* The role a key found by store_apikey_principal() acts with: an admin's
 * for a key without an owner; else its own role, narrowed to its owner's
 * role now. */
int keys_role(const store_principal *p);

#endif

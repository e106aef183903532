/* users.c - user names, made passwords and their argon2id hashes
 * (users.h). The hash string carries its own salt and cost, so a later
 * change of the cost leaves the stored hashes good. */
#include "users.h"

#include <sodium.h>
#include <string.h>

#include "api_path.h"

/* No 0/o or 1/l: a password read off a screen is typed right. */
static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";

int users_name_ok(const char *name)
{
    return api_name_ok(name, USER_NAME_MAX);
}

void users_make_password(char out[USER_PASSWORD_LEN + 1])
{
    for (int i = 0; i < USER_PASSWORD_LEN; i++)
        out[i] = (i % 6 == 5) ? '-'
                              : alphabet[randombytes_uniform(
                                    (uint32_t)(sizeof(alphabet) - 1))];
    out[USER_PASSWORD_LEN] = '\0';
}

int users_hash(const char *password, char out[USER_HASH_LEN])
{
    return crypto_pwhash_str(out, password, strlen(password),
                             crypto_pwhash_OPSLIMIT_INTERACTIVE,
                             crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0
               ? 0
               : -1;
}

int users_verify(const char *hash, const char *password)
{
    if (!hash || !hash[0]) {
        char dummy[USER_HASH_LEN];
        users_hash(password, dummy);
        return 0;
    }
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

/* users.c - user names, made passwords and their argon2id hashes
 * (users.h). The hash string carries its own salt and cost, so a later
 * change of the cost leaves the stored hashes good. */
#include "users.h"

#include <sodium.h>
#include <string.h>

/* No 0/o or 1/l: a password read off a screen is typed right. */
static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";

int users_name_ok(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > USER_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
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

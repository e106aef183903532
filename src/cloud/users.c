/* users.c - user names, made passwords and their argon2id hashes, and
 * the session cookie's token (users.h). The hash string carries its own
 * salt and cost, so a later change of the cost leaves the stored hashes
 * good. */
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

int users_cookie_token(const char *header, char out[65])
{
    static const char name[] = USER_COOKIE "=";
    for (const char *p = header; p && (p = strstr(p, name)) != NULL; p++) {
        if (p != header && p[-1] != ' ' && p[-1] != ';')
            continue; /* the end of another cookie's name */
        const char *v = p + sizeof(name) - 1;
        size_t n = strcspn(v, "; ");
        if (n == 64 && strspn(v, "0123456789abcdefABCDEF") >= 64) {
            memcpy(out, v, 64);
            out[64] = '\0';
            return 0;
        }
    }
    return -1;
}

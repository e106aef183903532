/* auth.c - how gfcloud knows who is talking.
 *
 * Machine passwords (256 random bits from the fuses) and API keys (256 random
 * bits we made) are high-entropy, so a keyed BLAKE2b hash (crypto_generichash
 * with a server key kept in the data dir) is as safe as a slow password hash
 * and costs microseconds: a reconnect storm of thousands of machines after a
 * restart stays cheap. Compares are constant time (sodium_memcmp).
 *
 * auth_tokens are stateless ("serial.expiry.mac"), so they survive a restart
 * and need no table; ws_tokens are random, single use and short-lived, kept
 * in memory only (a restart simply makes machines sign in again), in a hash
 * map (tokmap.c) so a storm of upgrades each finds its token in O(1). Both
 * are bound to the machine's registration id (store_machine_get_reg): the
 * mac of an auth_token covers it, a ws_token is kept with it. */
#include "auth.h"
#include "tokmap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_LEN 32

struct auth {
    uint8_t key[KEY_LEN];
    tokmap *toks; /* live ws_tokens */
};

static int read_key(const char *path, uint8_t key[KEY_LEN])
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, key, KEY_LEN);
    close(fd);
    return n == KEY_LEN ? 0 : -2;
}

static int write_key(const char *path, uint8_t key[KEY_LEN])
{
    randombytes_buf(key, KEY_LEN);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = write(fd, key, KEY_LEN) == KEY_LEN && fsync(fd) == 0 ? 0 : -1;
    close(fd);
    return rc;
}

int auth_open(auth **out, const char *dir, char *err, size_t errlen)
{
    *out = NULL;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return -1;
    }
    auth *a = calloc(1, sizeof(*a));
    if (!a) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/server.key", dir);
    a->toks = tokmap_new();
    if (!a->toks) {
        snprintf(err, errlen, "out of memory");
        free(a);
        return -1;
    }
    int rc = read_key(path, a->key);
    if (rc == -1 && errno == ENOENT) {
        rc = write_key(path, a->key);
        /* Lost a race with another gfcloud process creating it. */
        if (rc != 0 && errno == EEXIST)
            rc = read_key(path, a->key);
    }
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot read or create the server key", path);
        tokmap_free(a->toks);
        sodium_memzero(a, sizeof(*a));
        free(a);
        return -1;
    }
    *out = a;
    return 0;
}

void auth_close(auth *a)
{
    if (!a)
        return;
    tokmap_free(a->toks);
    sodium_memzero(a, sizeof(*a));
    free(a);
}

static void mac(const auth *a, const char *domain, const char *msg,
                uint8_t out[AUTH_HASH_LEN])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, a->key, KEY_LEN, AUTH_HASH_LEN);
    crypto_generichash_update(&st, (const uint8_t *)domain, strlen(domain));
    crypto_generichash_update(&st, (const uint8_t *)"\0", 1);
    crypto_generichash_update(&st, (const uint8_t *)msg, strlen(msg));
    crypto_generichash_final(&st, out, AUTH_HASH_LEN);
}

void auth_hash_secret(const auth *a, const char *secret,
                      uint8_t out[AUTH_HASH_LEN])
{
    char low[256];
    size_t n = strlen(secret);
    if (n >= sizeof(low))
        n = sizeof(low) - 1;
    for (size_t i = 0; i < n; i++) {
        char ch = secret[i];
        low[i] = (ch >= 'A' && ch <= 'F') ? (char)(ch - 'A' + 'a') : ch;
    }
    low[n] = '\0';
    mac(a, "secret", low, out);
    sodium_memzero(low, sizeof(low));
}

int auth_hash_equal(const uint8_t a[AUTH_HASH_LEN],
                    const uint8_t b[AUTH_HASH_LEN])
{
    return sodium_memcmp(a, b, AUTH_HASH_LEN) == 0;
}

void auth_random_hex(char out[65])
{
    uint8_t raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(out, 65, raw, sizeof(raw));
}

int auth_is_password(const char *s)
{
    size_t n = strlen(s);
    if (n != 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        int hex = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
                  (ch >= 'A' && ch <= 'F');
        if (!hex)
            return 0;
    }
    return 1;
}

/* What the mac covers: the token's own text and the registration. */
static void token_mac(const auth *a, const char *body, uint64_t reg,
                      uint8_t out[AUTH_HASH_LEN])
{
    char msg[96];
    snprintf(msg, sizeof(msg), "%s.%" PRIu64, body, reg);
    mac(a, "auth_token", msg, out);
}

void auth_token_make(const auth *a, uint64_t serial, uint64_t reg, int64_t exp,
                     char out[AUTH_TOKEN_MAX])
{
    char body[64];
    uint8_t m[AUTH_HASH_LEN];
    char hex[2 * AUTH_HASH_LEN + 1];
    snprintf(body, sizeof(body), "%" PRIu64 ".%" PRId64, serial, exp);
    token_mac(a, body, reg, m);
    sodium_bin2hex(hex, sizeof(hex), m, sizeof(m));
    snprintf(out, AUTH_TOKEN_MAX, "%s.%s", body, hex);
}

/* Split "serial.exp.mac": the body "serial.exp" and its numbers. */
static int token_parts(const char *token, char body[64], uint64_t *serial,
                       int64_t *exp)
{
    const char *last = strrchr(token, '.');
    /* One spelling per token: the mac is lowercase hex as we write it
     * (sodium_hex2bin would take uppercase too, so a client could send
     * many strings that all pass; fuzz_cloud_auth found that). */
    if (!last || (size_t)(last - token) >= 64 ||
        strlen(last + 1) != 2 * AUTH_HASH_LEN ||
        strspn(last + 1, "0123456789abcdef") != 2 * AUTH_HASH_LEN)
        return -1;
    memcpy(body, token, (size_t)(last - token));
    body[last - token] = '\0';
    return sscanf(body, "%" SCNu64 ".%" SCNd64, serial, exp) == 2 ? 0 : -1;
}

int auth_token_serial(const char *token, uint64_t *serial)
{
    char body[64];
    int64_t exp = 0;
    return token_parts(token, body, serial, &exp);
}

int auth_token_check(const auth *a, const char *token, uint64_t reg,
                     int64_t now, uint64_t *serial)
{
    char body[64];
    uint64_t s = 0;
    int64_t exp = 0;
    if (token_parts(token, body, &s, &exp) != 0)
        return -1;
    uint8_t want[AUTH_HASH_LEN], got[AUTH_HASH_LEN];
    token_mac(a, body, reg, want);
    const char *hex = strrchr(token, '.') + 1;
    if (sodium_hex2bin(got, sizeof(got), hex, 2 * AUTH_HASH_LEN, NULL, NULL,
                       NULL) != 0 ||
        !auth_hash_equal(want, got))
        return -1;
    if (exp <= now)
        return -2;
    *serial = s;
    return 0;
}

void auth_ws_token_issue(auth *a, uint64_t serial, uint64_t reg, int64_t now,
                         long ttl, char out[65])
{
    auth_random_hex(out);
    tokmap_prune(a->toks, now);
    /* Out of memory: the token will simply be refused. */
    (void)tokmap_put(a->toks, out, serial, reg, now + ttl);
}

int auth_ws_token_peek(auth *a, const char *token, int64_t now,
                       uint64_t *serial, uint64_t *reg)
{
    return tokmap_peek(a->toks, token, now, serial, reg);
}

int auth_ws_token_take(auth *a, const char *token, int64_t now,
                       uint64_t *serial, uint64_t *reg)
{
    return tokmap_take(a->toks, token, now, serial, reg);
}

void auth_upload_sig(const auth *a, int64_t action_id, int64_t exp,
                     char out[65])
{
    char body[64];
    uint8_t m[AUTH_HASH_LEN];
    snprintf(body, sizeof(body), "%" PRId64 ".%" PRId64, action_id, exp);
    mac(a, "upload", body, m);
    sodium_bin2hex(out, 65, m, sizeof(m));
}

int auth_upload_check(const auth *a, int64_t action_id, int64_t exp,
                      const char *sig, int64_t now)
{
    char want[65];
    auth_upload_sig(a, action_id, exp, want);
    if (strlen(sig) != 64 || sodium_memcmp(want, sig, 64) != 0)
        return -1;
    return exp > now ? 0 : -2;
}

/* auth.h - secrets and tokens: keyed BLAKE2b hashes of machine passwords and
 * API keys, single-use ws_tokens, expiring auth_tokens, signed upload URLs. */
#ifndef CLOUD_AUTH_H
#define CLOUD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#define AUTH_HASH_LEN  32
#define AUTH_TOKEN_MAX 160

typedef struct auth auth;

/* Load (or create, mode 0600) the server key `dir`/server.key. */
int auth_open(auth **out, const char *dir, char *err, size_t errlen);
void auth_close(auth *a);

/* Keyed hash of a secret (password hex is lowercased first). */
void auth_hash_secret(const auth *a, const char *secret,
                      uint8_t out[AUTH_HASH_LEN]);
/* Constant-time compare of two hashes; 1 when equal. */
int auth_hash_equal(const uint8_t a[AUTH_HASH_LEN],
                    const uint8_t b[AUTH_HASH_LEN]);

/* 64 lowercase hex characters of fresh randomness (+ NUL). */
void auth_random_hex(char out[65]);
/* Whether `s` is exactly 64 hex characters. */
int auth_is_password(const char *s);

/* auth_token "<serial>.<exp>.<mac>": stateless, signed, expiring, and
 * bound to the machine's registration `reg` (store_machine_reg), which is
 * in the mac but not in the token: a machine removed and added again does
 * not accept the old registration's tokens. */
void auth_token_make(const auth *a, uint64_t serial, uint64_t reg, int64_t exp,
                     char out[AUTH_TOKEN_MAX]);
/* The serial a token claims, before it is checked: 0, or -1 malformed. */
int auth_token_serial(const char *token, uint64_t *serial);
/* Check against registration `reg`: 0 and *serial on success; -1
 * unknown/forged/another registration; -2 expired. */
int auth_token_check(const auth *a, const char *token, uint64_t reg,
                     int64_t now, uint64_t *serial);

/* ws_token: random, single use, expires after `ttl` seconds; kept with the
 * serial and registration it was issued to (the caller compares `reg`
 * with the machine's current one). */
void auth_ws_token_issue(auth *a, uint64_t serial, uint64_t reg, int64_t now,
                         long ttl, char out[65]);
/* Check without using it up: 0 valid (and *serial, *reg, when not NULL),
 * -1 not. */
int auth_ws_token_peek(auth *a, const char *token, int64_t now,
                       uint64_t *serial, uint64_t *reg);
/* Use it up: 0 and *serial, *reg, or -1. */
int auth_ws_token_take(auth *a, const char *token, int64_t now,
                       uint64_t *serial, uint64_t *reg);

/* Upload URL signature over (action id, expiry): 64 hex + NUL. */
void auth_upload_sig(const auth *a, int64_t action_id, int64_t exp,
                     char out[65]);
/* 0 good, -1 bad signature, -2 expired. */
int auth_upload_check(const auth *a, int64_t action_id, int64_t exp,
                      const char *sig, int64_t now);

#endif

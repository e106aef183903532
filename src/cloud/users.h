/* users.h - people who use the operator API: their names, the passwords
 * the service makes for them, and argon2id hashes of those (libsodium's
 * crypto_pwhash_str). Hashing costs tens of milliseconds and 64 MiB on
 * purpose: the service does it on its worker pool, never on the loop. */
#ifndef CLOUD_USERS_H
#define CLOUD_USERS_H

#include <stddef.h>

#define USER_NAME_MAX     32  /* bytes, without the NUL */
#define USER_HASH_LEN     128 /* crypto_pwhash_STRBYTES, with the NUL */
#define USER_PASSWORD_LEN 23
#define USER_COOKIE       "gfsession" /* the session cookie's name */

/* 1 to USER_NAME_MAX of A-Z a-z 0-9 . _ - (it goes in a path): 1 good. */
int users_name_ok(const char *name);
/* A fresh password, easy to type and read out: four groups of five
 * letters and digits (no 0, 1, l, o) joined by '-', about 99 bits. */
void users_make_password(char out[USER_PASSWORD_LEN + 1]);
/* The argon2id hash string of `password`: 0, or -1 (out of memory). */
int users_hash(const char *password, char out[USER_HASH_LEN]);
/* Whether `password` matches `hash`: 1 yes, 0 no. With `hash` NULL (no
 * such user) it hashes anyway, so an unknown name costs what a wrong
 * password costs, and answers 0. */
int users_verify(const char *hash, const char *password);

/* The session token in a Cookie header's value: the gfsession cookie's
 * 64 hex characters (any other cookie, or one of another shape, is not
 * it). 0 and `out`, or -1 when there is none. */
int users_cookie_token(const char *header, char out[65]);

#endif

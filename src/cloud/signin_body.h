/* signin_body.h - the body of POST /machines/sign_in, decoded without a
 * network: JSON or form encoding, serial and password (PROTOCOL.md §2). */
#ifndef CLOUD_SIGNIN_BODY_H
#define CLOUD_SIGNIN_BODY_H

#include <stddef.h>

typedef struct signin_creds {
    char serial[32];
    char password[80];
} signin_creds;

/* Decode `len` bytes of `body` (JSON when `json`, else form encoding) into
 * `out`, which is cleared first. A missing field is left "" (the caller
 * answers 400 missing_field); 0, or -1 when the body is unreadable: bad
 * JSON, a bad escape, a NUL, or a field longer than its buffer. */
int signin_parse_body(const char *body, size_t len, int json,
                      signin_creds *out);

#endif

/* auth.h - sign-in (PROTOCOL.md §2) and the tokens it yields (§3). */
#ifndef GFM_AUTH_H
#define GFM_AUTH_H

#include <stddef.h>

#include "config.h"
#include "http.h"

enum {
    AUTH_OK = 0,
    AUTH_EDENIED = -1,    /* 401/403: credentials refused */
    AUTH_ETRANSIENT = -2, /* network, 5xx, 429, bad answer: retry later */
};

void auth_init(const cfg *c);
void auth_cleanup(void);
/* Signs in. On success stores the auth_token and, if ws_token != NULL,
 * hands over the single-use ws_token (malloc'd). `why` says what failed,
 * with no secret in it. */
int auth_sign_in(char **ws_token, char *why, size_t whylen);
/* mhttp_do() with "Authorization: Bearer <auth_token>" (r->bearer is
 * ignored). A 401 signs in again and, if that worked, the request is made
 * once more, never twice (PROTOCOL.md §3.3); if signing in fails the 401
 * stands. Results as mhttp_do(), plus MHTTP_ENOAUTH when the machine has
 * not signed in yet (no request is made). */
int auth_request(const mhttp_req *r, long *status, char *err, size_t errlen);

#endif

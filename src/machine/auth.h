/* auth.h - sign-in (PROTOCOL.md §2) and the tokens it yields (§3). */
#ifndef GFM_AUTH_H
#define GFM_AUTH_H

#include "config.h"

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
/* "Authorization: Bearer <auth_token>" (malloc'd) or NULL if not signed in.
 * The caller frees it and never logs it. */
char *auth_bearer_header(void);

#endif

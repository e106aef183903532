/* fuzz_cloud_session.c - libFuzzer target for what a browser or client
 * sends that decides who it is and what it may do: the Cookie header's
 * session token (users_cookie_token), a user name at sign-in
 * (users_name_ok) and the route table (roles_required).
 *
 * The input is "METHOD\npath\ncookie header\nname". Invariants: a token
 * found is 64 hex characters that stand in the header right after
 * "gfsession="; a name accepted is 1 to 32 of A-Z a-z 0-9 . _ -; the
 * least role is a role; a path outside /api/v1 needs an admin, and no
 * route but the session's needs none; a trailing or doubled slash does
 * not change the answer (the segments are the same). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roles.h"
#include "users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_cookie(const char *header)
{
    char tok[65];
    if (users_cookie_token(header, tok) != 0)
        return;
    if (strlen(tok) != 64 || strspn(tok, "0123456789abcdefABCDEF") != 64)
        abort();
    const char *p = strstr(header, tok);
    int found = 0;
    for (; p; p = strstr(p + 1, tok))
        found |= p - header >= 10 && memcmp(p - 10, "gfsession=", 10) == 0;
    if (!found)
        abort();
}

static void check_name(const char *name)
{
    size_t n = strlen(name);
    if (users_name_ok(name) &&
        (n < 1 || n > USER_NAME_MAX ||
         strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789._-") != n))
        abort();
}

static void check_route(const char *method, const char *path)
{
    char slash[600];
    int need = roles_required(method, path);
    if (need < ROLE_NONE || need > ROLE_ADMIN)
        abort();
    if (strncmp(path, "/api/v1/", 8) != 0 && need != ROLE_ADMIN)
        abort();
    if (need == ROLE_NONE && !strstr(path, "session"))
        abort();
    if (strlen(path) < 500 && strlen(path) > 1) {
        snprintf(slash, sizeof(slash), "%s/", path);
        if (roles_required(method, slash) != need)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    char *part[4] = {"", "", "", ""};
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *p = buf;
    for (int i = 0; i < 4 && p; i++) {
        part[i] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    check_route(part[0], part[1]);
    check_cookie(part[2]);
    check_name(part[3]);
    free(buf);
    return 0;
}

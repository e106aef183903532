/* roles.c - the one table of who may call what (roles.h).
 *
 * Every route of the operator API is a line: method, path pattern, least
 * role. http_api() asks roles_required() before any handler runs and
 * answers 403 forbidden to a caller whose role is below it. Anything the
 * table does not name needs an admin. The session routes need no role:
 * signing in is how one gets one. */
#include "roles.h"

#include <string.h>

#include "api_path.h"

struct row {
    const char *method;
    const char *pattern; /* under /api/v1; '*' is one segment */
    int role;
};

static const struct row table[] = {
    /* signing in and out: the session itself (http_session.c) */
    {"POST", "session", ROLE_NONE},
    {"GET", "session", ROLE_NONE},
    {"DELETE", "session", ROLE_NONE},
    /* looking */
    {"GET", "machines", ROLE_VIEWER},
    {"GET", "machines/*", ROLE_VIEWER},
    {"GET", "machines/*/actions", ROLE_VIEWER},
    {"GET", "machines/*/logs", ROLE_VIEWER},
    {"GET", "machines/*/events", ROLE_VIEWER},
    {"GET", "machines/*/images/*/latest", ROLE_VIEWER},
    {"GET", "actions/*", ROLE_VIEWER},
    {"GET", "jobs", ROLE_VIEWER},
    {"GET", "jobs/*", ROLE_VIEWER},
    {"GET", "jobs/*/preview.png", ROLE_VIEWER},
    {"GET", "materials", ROLE_VIEWER},
    {"GET", "materials/*", ROLE_VIEWER},
    {"GET", "events/stream", ROLE_VIEWER},
    /* running the machines */
    {"POST", "machines/*/actions", ROLE_OPERATOR},
    {"POST", "machines/*/home", ROLE_OPERATOR},
    {"POST", "machines/*/camera/calibrate", ROLE_OPERATOR},
    {"POST", "actions/*/cancel", ROLE_OPERATOR},
    {"POST", "files", ROLE_OPERATOR},
    {"POST", "jobs", ROLE_OPERATOR},
    {"POST", "jobs/*/cancel", ROLE_OPERATOR},
    {"POST", "jobs/*/requeue", ROLE_OPERATOR},
    /* managing: machines, their settings, materials, people, keys, the
     * audit trail, webhooks */
    {"POST", "machines", ROLE_ADMIN},
    {"DELETE", "machines/*", ROLE_ADMIN},
    {"PUT", "machines/*/home_offset", ROLE_ADMIN},
    {"POST", "materials", ROLE_ADMIN},
    {"PUT", "materials/*", ROLE_ADMIN},
    {"DELETE", "materials/*", ROLE_ADMIN},
    {"GET", "users", ROLE_ADMIN},
    {"POST", "users", ROLE_ADMIN},
    {"DELETE", "users/*", ROLE_ADMIN},
    {"GET", "keys", ROLE_ADMIN},
    {"POST", "keys", ROLE_ADMIN},
    {"DELETE", "keys/*", ROLE_ADMIN},
    {"GET", "audit", ROLE_ADMIN},
    {"GET", "webhooks", ROLE_ADMIN},
    {"POST", "webhooks", ROLE_ADMIN},
    {"DELETE", "webhooks/*", ROLE_ADMIN},
    {"GET", "webhooks/*/deliveries", ROLE_ADMIN},
};

#define N_ROWS (int)(sizeof(table) / sizeof(table[0]))

static const char *const names[] = {"none", "viewer", "operator", "admin"};

const char *role_name(int role)
{
    return role >= ROLE_NONE && role <= ROLE_ADMIN ? names[role] : "none";
}

int role_parse(const char *name)
{
    for (int r = ROLE_VIEWER; name && r <= ROLE_ADMIN; r++) {
        if (strcmp(name, names[r]) == 0)
            return r;
    }
    return ROLE_NONE;
}

/* Whether `pattern`'s segments match segments `s` (n of them). */
static int matches(const char *pattern, char *const *s, int n)
{
    int i = 0;
    const char *p = pattern;
    while (*p) {
        size_t len = strcspn(p, "/");
        if (i >= n)
            return 0;
        if (!(len == 1 && *p == '*') &&
            (strlen(s[i]) != len || strncmp(s[i], p, len) != 0))
            return 0;
        i++;
        p += len;
        if (*p == '/')
            p++;
    }
    return i == n;
}

int roles_required(const char *method, const char *path)
{
    api_segs g;
    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    if (strncmp(path, "/api/v1/", 8) != 0)
        return ROLE_ADMIN;
    api_split(path, &g); /* "api" "v1" ... */
    if (g.n < 3 || strcmp(g.s[0], "api") != 0 || strcmp(g.s[1], "v1") != 0)
        return ROLE_ADMIN;
    for (int i = 0; i < N_ROWS; i++) {
        if (strcmp(table[i].method, method) == 0 &&
            matches(table[i].pattern, g.s + 2, g.n - 2))
            return table[i].role;
    }
    return ROLE_ADMIN;
}

int roles_row(int i, const char **method, const char **pattern, int *role)
{
    if (i < 0 || i >= N_ROWS) {
        *method = NULL;
        return -1;
    }
    *method = table[i].method;
    *pattern = table[i].pattern;
    *role = table[i].role;
    return 0;
}

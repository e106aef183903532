/* roles.h - what each role may do: one table of the operator API's routes
 * and the least role each method needs (roles.c, docs/api.md "Roles"). */
#ifndef CLOUD_ROLES_H
#define CLOUD_ROLES_H

/* Ordered: a role may do everything the roles below it may. */
enum role {
    ROLE_NONE = 0,     /* no credentials; only the session route */
    ROLE_VIEWER = 1,   /* looks: machines, images, jobs, history, logs */
    ROLE_OPERATOR = 2, /* also runs: jobs, actions, homing, the camera */
    ROLE_ADMIN = 3,    /* also manages: machines, users, keys, settings */
};

/* "viewer", "operator", "admin" (and "none"). */
const char *role_name(int role);
/* The role of a name, or ROLE_NONE for anything else. */
int role_parse(const char *name);

/* The least role a request needs: `method` is "GET", "POST", ... and
 * `path` the request's path under /api/v1 (its query already cut). A
 * route or method the table does not name needs ROLE_ADMIN, so a route
 * added without a line in the table is closed rather than open. HEAD is
 * taken as GET. ROLE_NONE: no credentials needed (signing in). */
int roles_required(const char *method, const char *path);

/* The table, for documentation and tests: row i's method, pattern (path
 * segments, "*" for one segment of any value) and role; NULL method past
 * the end. */
int roles_row(int i, const char **method, const char **pattern, int *role);

#endif

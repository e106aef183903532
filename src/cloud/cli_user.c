/* cli_user.c - `gfcloud user add|list|remove|passwd`: the people who use
 * the API and the dashboard, each with a role (roles.h).
 *
 * The service makes every password (so none is weak or reused) and prints
 * it once, alone on stdout; only its argon2id hash is stored. Removing a
 * user ends its sessions and revokes its API keys at once. Audited like
 * the machine commands. */
#include <stdio.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "roles.h"
#include "users.h"

static const char usage[] =
    "usage: gfcloud user add NAME --role viewer|operator|admin [--data DIR]\n"
    "       gfcloud user list | remove NAME | passwd NAME [--data DIR]\n";

static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++) {
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    }
    return NULL;
}

/* The NAME after the command: 0, or 2 (usage) after saying why. */
static int name_arg(int argc, char **argv, const char *cmd, const char **out)
{
    *out = argc >= 1 && argv[0][0] != '-' ? argv[0] : NULL;
    if (!*out) {
        fprintf(stderr, "gfcloud: user %s needs a NAME\n%s", cmd, usage);
        return 2;
    }
    if (!users_name_ok(*out)) {
        fprintf(stderr,
                "gfcloud: '%s' is not a user name (1 to %d of A-Z a-z 0-9 . "
                "_ -)\n",
                *out, USER_NAME_MAX);
        return 2;
    }
    return 0;
}

/* A made password and its hash: 0, or 1 after saying why not. */
static int new_password(char pw[USER_PASSWORD_LEN + 1],
                        char hash[USER_HASH_LEN])
{
    users_make_password(pw);
    if (users_hash(pw, hash) == 0)
        return 0;
    fprintf(stderr, "gfcloud: cannot hash the password (out of memory)\n");
    return 1;
}

static void audit_user(cloud *c, const char *what, const char *name)
{
    char target[64];
    snprintf(target, sizeof(target), "user:%s", name);
    audit_cli(c, what, target);
}

static int user_add(cloud *c, int argc, char **argv)
{
    const char *name, *rtext = opt(argc, argv, "--role");
    char pw[USER_PASSWORD_LEN + 1], hash[USER_HASH_LEN];
    if (name_arg(argc, argv, "add", &name) != 0)
        return 2;
    int role = role_parse(rtext);
    if (role == ROLE_NONE) {
        fprintf(stderr, "gfcloud: user add needs --role viewer, operator or "
                        "admin\n");
        return 2;
    }
    if (new_password(pw, hash) != 0)
        return 1;
    store_rc rc =
        store_user_add(c->store, name, role_name(role), hash, cloud_now());
    if (rc == STORE_ALREADY) {
        fprintf(stderr, "gfcloud: user %s already exists\n", name);
        return 1;
    }
    if (rc != STORE_OK) {
        fprintf(stderr, "gfcloud: cannot add the user (database error)\n");
        return 1;
    }
    audit_user(c, "user.add", name);
    printf("%s\n", pw);
    fprintf(stderr,
            "gfcloud: user %s (%s) added; the password is shown only once\n",
            name, role_name(role));
    return 0;
}

static int user_list(cloud *c)
{
    json_t *arr = store_user_list(c->store);
    if (!arr) {
        fprintf(stderr, "gfcloud: cannot list users\n");
        return 1;
    }
    size_t i;
    json_t *u;
    json_array_foreach(arr, i, u)
    {
        char when[32];
        cli_utc(json_integer_value(json_object_get(u, "created")), when);
        printf("%s\trole=%s\tcreated=%s\n",
               json_string_value(json_object_get(u, "name")),
               json_string_value(json_object_get(u, "role")), when);
    }
    json_decref(arr);
    return 0;
}

static int user_remove(cloud *c, int argc, char **argv)
{
    const char *name;
    if (name_arg(argc, argv, "remove", &name) != 0)
        return 2;
    store_rc rc = store_user_remove(c->store, name);
    if (rc == STORE_NOT_FOUND) {
        fprintf(stderr, "gfcloud: no user %s\n", name);
        return 1;
    }
    if (rc != STORE_OK) {
        fprintf(stderr, "gfcloud: cannot remove the user (database error)\n");
        return 1;
    }
    audit_user(c, "user.remove", name);
    printf("removed %s\n", name);
    return 0;
}

static int user_passwd(cloud *c, int argc, char **argv)
{
    const char *name;
    char pw[USER_PASSWORD_LEN + 1], hash[USER_HASH_LEN];
    if (name_arg(argc, argv, "passwd", &name) != 0)
        return 2;
    if (new_password(pw, hash) != 0)
        return 1;
    store_rc rc = store_user_set_password(c->store, name, hash);
    if (rc == STORE_NOT_FOUND) {
        fprintf(stderr, "gfcloud: no user %s\n", name);
        return 1;
    }
    if (rc != STORE_OK) {
        fprintf(stderr, "gfcloud: cannot store the password (database "
                        "error)\n");
        return 1;
    }
    audit_user(c, "user.passwd", name);
    printf("%s\n", pw);
    fprintf(stderr, "gfcloud: new password of %s; it is shown only once\n",
            name);
    return 0;
}

int cli_user(cloud *c, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    if (strcmp(argv[0], "add") == 0)
        return user_add(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return user_list(c);
    if (strcmp(argv[0], "remove") == 0)
        return user_remove(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "passwd") == 0)
        return user_passwd(c, argc - 1, argv + 1);
    fprintf(stderr, "gfcloud: unknown user command '%s'\n", argv[0]);
    return 2;
}

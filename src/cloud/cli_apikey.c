/* cli_apikey.c - `gfcloud apikey create|list|revoke`: operator API keys.
 *
 * A key is "gfk_" + 64 hex characters of randomness; only its keyed hash is
 * stored, so `create` prints it once and it can never be shown again.
 * `create --user NAME [--role R]` makes a key of that user, with its role
 * or a narrower one (keys.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "keys.h"
#include "roles.h"

static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++) {
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    }
    return NULL;
}

/* `create [--user NAME [--role R]]`: without --user, a key that acts as
 * an admin, as every key did before users. */
static int apikey_create(cloud *c, int argc, char **argv)
{
    char key[KEY_TEXT_LEN + 1];
    int64_t id = 0;
    int role = ROLE_NONE;
    const char *user = opt(argc, argv, "--user");
    const char *rtext = opt(argc, argv, "--role");
    if (rtext && (role = role_parse(rtext)) == ROLE_NONE) {
        fprintf(stderr, "gfcloud: --role must be viewer, operator or admin\n");
        return 2;
    }
    if (rtext && !user) {
        fprintf(stderr, "gfcloud: --role needs --user NAME (a key without "
                        "an owner acts as an admin)\n");
        return 2;
    }
    int rc = keys_create(c, user, role, key, &id, &role);
    if (rc == KEYS_NO_USER) {
        fprintf(stderr, "gfcloud: no user %s\n", user);
        return 1;
    }
    if (rc == KEYS_TOO_WIDE) {
        fprintf(stderr, "gfcloud: --role %s is wider than %s's own role\n",
                rtext, user);
        return 1;
    }
    if (rc != KEYS_OK) {
        fprintf(stderr, "gfcloud: cannot store the key (database error)\n");
        return 1;
    }
    char target[32];
    snprintf(target, sizeof(target), "apikey:%lld", (long long)id);
    audit_cli(c, "apikey.create", target);
    printf("%s\n", key);
    fprintf(stderr,
            "gfcloud: API key %lld (%s, %s) created; it is shown only once\n",
            (long long)id, user ? user : "no owner", role_name(role));
    return 0;
}

static int apikey_list(cloud *c)
{
    json_t *arr = store_apikey_list(c->store);
    if (!arr)
        return 1;
    size_t i;
    json_t *k;
    json_array_foreach(arr, i, k)
    {
        const char *user = json_string_value(json_object_get(k, "user"));
        printf("%lld\tuser=%s\trole=%s\tcreated=%lld\t%s\n",
               (long long)json_integer_value(json_object_get(k, "id")),
               user ? user : "-", json_string_value(json_object_get(k, "role")),
               (long long)json_integer_value(json_object_get(k, "created")),
               json_is_true(json_object_get(k, "revoked")) ? "revoked"
                                                           : "active");
    }
    json_decref(arr);
    return 0;
}

static int apikey_revoke(cloud *c, int argc, char **argv)
{
    char *end = NULL;
    long long id = argc >= 1 ? strtoll(argv[0], &end, 10) : 0;
    if (argc < 1 || !end || *end || id <= 0) {
        fprintf(stderr, "usage: gfcloud apikey revoke ID [--data DIR]\n");
        return 2;
    }
    store_rc rc = store_apikey_revoke(c->store, id);
    if (rc == STORE_NOT_FOUND) {
        fprintf(stderr, "gfcloud: no API key %lld\n", id);
        return 1;
    }
    if (rc != STORE_OK)
        return 1;
    char target[32];
    snprintf(target, sizeof(target), "apikey:%lld", id);
    audit_cli(c, "apikey.revoke", target);
    printf("revoked %lld\n", id);
    return 0;
}

int cli_apikey(cloud *c, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: gfcloud apikey create|list|revoke ID "
                        "[--data DIR] (try gfcloud apikey --help)\n");
        return 2;
    }
    if (strcmp(argv[0], "create") == 0)
        return apikey_create(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return apikey_list(c);
    if (strcmp(argv[0], "revoke") == 0)
        return apikey_revoke(c, argc - 1, argv + 1);
    fprintf(stderr, "gfcloud: unknown apikey command '%s'\n", argv[0]);
    return 2;
}

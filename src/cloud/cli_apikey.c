/* cli_apikey.c - `gfcloud apikey create|list|revoke`: operator API keys.
 *
 * A key is "gfk_" + 64 hex characters of randomness; only its keyed hash is
 * stored, so `create` prints it once and it can never be shown again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"

static int apikey_create(cloud *c)
{
    char hex[65], key[80];
    uint8_t h[AUTH_HASH_LEN];
    int64_t id = 0;
    auth_random_hex(hex);
    snprintf(key, sizeof(key), "gfk_%s", hex);
    auth_hash_secret(c->auth, key, h);
    if (store_apikey_add(c->store, h, cloud_now(), &id) != STORE_OK) {
        fprintf(stderr, "gfcloud: cannot store the key (database error)\n");
        return 1;
    }
    char target[32];
    snprintf(target, sizeof(target), "apikey:%lld", (long long)id);
    audit_cli(c, "apikey.create", target);
    printf("%s\n", key);
    fprintf(stderr, "gfcloud: API key %lld created; it is shown only once\n",
            (long long)id);
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
        printf("%lld\tcreated=%lld\t%s\n",
               (long long)json_integer_value(json_object_get(k, "id")),
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
        return apikey_create(c);
    if (strcmp(argv[0], "list") == 0)
        return apikey_list(c);
    if (strcmp(argv[0], "revoke") == 0)
        return apikey_revoke(c, argc - 1, argv + 1);
    fprintf(stderr, "gfcloud: unknown apikey command '%s'\n", argv[0]);
    return 2;
}

/* cli_webhook.c - `gfcloud webhook add|list|remove|deliveries`: where the
 * service POSTs what happened (webhook.h, docs/cloud.md "Webhooks").
 *
 * `add` prints the new webhook's id and its signing secret, once: the
 * secret is kept to sign with, but no command shows it again. Like the
 * other commands these work on the data directory of a running service;
 * it sees a new webhook at the next event. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "cli.h"
#include "webhook.h"

static void audit_hook(cloud *c, const char *what, int64_t id)
{
    char target[40];
    snprintf(target, sizeof(target), "webhook:%" PRId64, id);
    audit_cli(c, what, target);
}

static int cmd_add(cloud *c, int argc, char **argv)
{
    const char *url = NULL, *events_in = NULL;
    char events[256], err[256], secret[65];
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--events") == 0 && i + 1 < argc)
            events_in = argv[++i];
        else if (strncmp(argv[i], "--events=", 9) == 0)
            events_in = argv[i] + 9;
        else if (!url && argv[i][0] != '-')
            url = argv[i];
        else {
            fprintf(stderr, "usage: gfcloud webhook add URL --events "
                            "a,b,... [--data DIR]\n");
            return 2;
        }
    }
    if (!url || !events_in) {
        fprintf(stderr, "usage: gfcloud webhook add URL --events a,b,... "
                        "[--data DIR]\n");
        return 2;
    }
    if (webhook_check(url, events_in, events, sizeof(events), err,
                      sizeof(err)) != 0) {
        fprintf(stderr, "gfcloud: %s\n", err);
        return 2;
    }
    int64_t id = 0;
    if (webhook_create(c, url, events, &id, secret) != 0) {
        fprintf(stderr, "gfcloud: cannot store the webhook (database "
                        "error)\n");
        return 1;
    }
    audit_hook(c, "webhook.add", id);
    printf("%" PRId64 " %s\n", id, secret);
    fprintf(stderr,
            "gfcloud: webhook %" PRId64 " for %s; its signing secret is "
            "shown only once\n",
            id, events);
    return 0;
}

static int cmd_list(cloud *c)
{
    json_t *arr = store_webhook_list(c->store, 0);
    if (!arr)
        return 1;
    size_t i;
    json_t *w;
    json_array_foreach(arr, i, w)
    {
        printf("%" JSON_INTEGER_FORMAT
               "\t%s\tevents=%s\tcreated=%" JSON_INTEGER_FORMAT "\n",
               json_integer_value(json_object_get(w, "id")),
               json_string_value(json_object_get(w, "url")),
               json_string_value(json_object_get(w, "events")),
               json_integer_value(json_object_get(w, "created")));
    }
    json_decref(arr);
    return 0;
}

static int parse_id(int argc, char **argv, int64_t *id)
{
    char *end = NULL;
    long long v = argc >= 1 ? strtoll(argv[0], &end, 10) : 0;
    if (argc != 1 || !end || *end || v <= 0)
        return -1;
    *id = v;
    return 0;
}

static int cmd_remove(cloud *c, int argc, char **argv)
{
    int64_t id = 0;
    if (parse_id(argc, argv, &id) != 0) {
        fprintf(stderr, "usage: gfcloud webhook remove ID [--data DIR]\n");
        return 2;
    }
    store_rc rc = webhook_remove(c, id);
    if (rc == STORE_NOT_FOUND) {
        fprintf(stderr, "gfcloud: no webhook %" PRId64 "\n", id);
        return 1;
    }
    if (rc != STORE_OK)
        return 1;
    audit_hook(c, "webhook.remove", id);
    printf("removed %" PRId64 "\n", id);
    return 0;
}

/* One line per delivery, newest first, then one indented line per
 * attempt (times are Unix milliseconds). */
static int cmd_deliveries(cloud *c, int argc, char **argv)
{
    int64_t id = 0;
    if (argc > 0 && parse_id(argc, argv, &id) != 0) {
        fprintf(stderr,
                "usage: gfcloud webhook deliveries [ID] [--data DIR]\n");
        return 2;
    }
    json_t *arr = store_delivery_list(c->store, id, 100);
    if (!arr)
        return 1;
    size_t i, j;
    json_t *d, *a;
    json_array_foreach(arr, i, d)
    {
        json_t *tries = json_object_get(d, "attempts");
        printf("%" JSON_INTEGER_FORMAT "\twebhook=%" JSON_INTEGER_FORMAT
               "\t%s\t%s\tattempts=%zu\n",
               json_integer_value(json_object_get(d, "id")),
               json_integer_value(json_object_get(d, "webhook")),
               json_string_value(json_object_get(d, "event")),
               json_string_value(json_object_get(d, "state")),
               json_array_size(tries));
        json_array_foreach(tries, j, a)
        {
            const char *e = json_string_value(json_object_get(a, "error"));
            printf("\tat=%" JSON_INTEGER_FORMAT "\tstatus=%" JSON_INTEGER_FORMAT
                   "\ttook_ms=%" JSON_INTEGER_FORMAT "%s%s\n",
                   json_integer_value(json_object_get(a, "at")),
                   json_integer_value(json_object_get(a, "status")),
                   json_integer_value(json_object_get(a, "took_ms")),
                   e && *e ? "\terror=" : "", e && *e ? e : "");
        }
    }
    json_decref(arr);
    return 0;
}

int cli_webhook(cloud *c, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: gfcloud webhook add|list|remove|deliveries "
                        "[--data DIR] (try gfcloud webhook --help)\n");
        return 2;
    }
    if (strcmp(argv[0], "add") == 0)
        return cmd_add(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0 && argc == 1)
        return cmd_list(c);
    if (strcmp(argv[0], "remove") == 0)
        return cmd_remove(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "deliveries") == 0)
        return cmd_deliveries(c, argc - 1, argv + 1);
    fprintf(stderr, "gfcloud: unknown webhook command '%s'\n", argv[0]);
    return 2;
}

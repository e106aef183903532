/* cli_machine.c - `gfcloud machine add|list|remove`: the machine registry.
 *
 * `add` stores only the keyed hash of the password; when no --password is
 * given it makes one and prints it, once, because nothing can show it again.
 * These commands open the same SQLite file as a running server (WAL mode
 * lets both work at once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "cli.h"

static const char *opt(int argc, char **argv, const char *name)
{
    for (int i = 0; i + 1 < argc; i++) {
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    }
    return NULL;
}

/* The --serial of `machine add|remove`: 0, or 2 (usage) after saying
 * what is wrong with it. */
static int serial_arg(int argc, char **argv, const char *cmd, uint64_t *out)
{
    const char *text = opt(argc, argv, "--serial");
    if (cloud_parse_serial(text, out) == 0)
        return 0;
    const char *digits =
        text && (*text == 'S' || *text == 's') ? text + 1 : text;
    if (!text)
        fprintf(stderr, "gfcloud: machine %s needs --serial N\n", cmd);
    else if (strlen(digits) > 18 &&
             strspn(digits, "0123456789") == strlen(digits))
        fprintf(stderr,
                "gfcloud: --serial %s is too large (a serial has at most 18 "
                "digits)\n",
                text);
    else
        fprintf(stderr,
                "gfcloud: --serial %s is not a serial (digits, not all "
                "zero, an S in front is allowed)\n",
                text);
    return 2;
}

/* `--count K` registers serials S..S+K-1 with one --password, in one
 * transaction: a fleet for load tests in a second rather than K runs. */
static int machine_add_range(cloud *c, uint64_t serial, const char *count,
                             const char *pw)
{
    char *end;
    long n = strtol(count, &end, 10);
    if (*end || n < 1 || n > 1000000 || !pw) {
        fprintf(stderr, "gfcloud: --count needs 1..1000000 and --password\n");
        return 2;
    }
    uint8_t h[AUTH_HASH_LEN];
    auth_hash_secret(c->auth, pw, h);
    long added = 0, rc = 0;
    store_begin(c->store);
    for (long k = 0; k < n && rc != STORE_ERROR; k++) {
        rc = store_machine_add(c->store, serial + (uint64_t)k, h, cloud_now());
        added += rc == STORE_OK;
    }
    if (rc == STORE_ERROR || store_commit(c->store) != STORE_OK) {
        fprintf(stderr, "gfcloud: cannot add machines (database error)\n");
        return 1;
    }
    printf("added %ld of S%llu..S%llu\n", added, (unsigned long long)serial,
           (unsigned long long)(serial + (uint64_t)n - 1));
    return 0;
}

static int machine_add(cloud *c, int argc, char **argv)
{
    uint64_t serial;
    char made[65];
    const char *pw = opt(argc, argv, "--password");
    const char *count = opt(argc, argv, "--count");
    if (serial_arg(argc, argv, "add", &serial) != 0)
        return 2;
    if (pw && !auth_is_password(pw)) {
        fprintf(stderr, "gfcloud: --password must be 64 hex characters\n");
        return 2;
    }
    if (count)
        return machine_add_range(c, serial, count, pw);
    if (!pw) {
        auth_random_hex(made);
        pw = made;
    }
    uint8_t h[AUTH_HASH_LEN];
    auth_hash_secret(c->auth, pw, h);
    store_rc rc = store_machine_add(c->store, serial, h, cloud_now());
    if (rc == STORE_ALREADY) {
        fprintf(stderr, "gfcloud: machine S%llu already exists\n",
                (unsigned long long)serial);
        return 1;
    }
    if (rc != STORE_OK) {
        fprintf(stderr, "gfcloud: cannot add machine (database error)\n");
        return 1;
    }
    char target[32];
    snprintf(target, sizeof(target), "machine:S%llu",
             (unsigned long long)serial);
    audit_cli(c, "machine.add", target);
    if (pw == made)
        printf("%s\n", made);
    else
        printf("added S%llu\n", (unsigned long long)serial);
    return 0;
}

void cli_utc(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int machine_list(cloud *c)
{
    json_t *arr = store_machine_list(c->store);
    if (!arr) {
        fprintf(stderr, "gfcloud: cannot list machines\n");
        return 1;
    }
    size_t i;
    json_t *m;
    json_array_foreach(arr, i, m)
    {
        char when[32] = "never";
        json_t *seen = json_object_get(m, "last_seen");
        if (json_is_integer(seen))
            cli_utc(json_integer_value(seen), when);
        printf("%s\tlast_seen=%s\thead=%s\n",
               json_string_value(json_object_get(m, "serial")), when,
               json_string_value(json_object_get(m, "head_position")));
    }
    json_decref(arr);
    return 0;
}

static int machine_remove(cloud *c, int argc, char **argv)
{
    uint64_t serial;
    if (serial_arg(argc, argv, "remove", &serial) != 0)
        return 2;
    store_rc rc = store_machine_remove(c->store, serial);
    if (rc == STORE_NOT_FOUND) {
        fprintf(stderr, "gfcloud: no machine S%llu\n",
                (unsigned long long)serial);
        return 1;
    }
    if (rc != STORE_OK)
        return 1;
    char target[32];
    snprintf(target, sizeof(target), "machine:S%llu",
             (unsigned long long)serial);
    audit_cli(c, "machine.remove", target);
    printf("removed S%llu\n", (unsigned long long)serial);
    return 0;
}

int cli_machine(cloud *c, int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "usage: gfcloud machine add|list|remove ... "
                        "[--data DIR] (try gfcloud machine --help)\n");
        return 2;
    }
    if (strcmp(argv[0], "add") == 0)
        return machine_add(c, argc - 1, argv + 1);
    if (strcmp(argv[0], "list") == 0)
        return machine_list(c);
    if (strcmp(argv[0], "remove") == 0)
        return machine_remove(c, argc - 1, argv + 1);
    fprintf(stderr, "gfcloud: unknown machine command '%s'\n", argv[0]);
    return 2;
}

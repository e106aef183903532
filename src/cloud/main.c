/* main.c - the gfcloud command line: `serve`, `init`, `machine ...`,
 * `apikey ...`, `user ...`.
 *
 * Every command reads the same settings (INI file + flags, config.c), so
 * `gfcloud machine add --data DIR` works on the data directory a running
 * `gfcloud serve --data DIR` uses. Only `serve` and `init` make a data
 * directory; the others refuse one that does not exist, so a mistyped
 * --data cannot quietly start an empty registry. Everything gfcloud
 * writes is for its own user only (umask 077). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "cloud.h"
#include "gf/version.h"
#include "log.h"
#include "server.h"

static const char usage_lines[] =
    "usage: gfcloud serve [--config FILE] [--data DIR] [--listen HOST:PORT] "
    "[--KEY VALUE ...]\n"
    "       gfcloud init [--config FILE] [--data DIR]\n"
    "       gfcloud machine add --serial N [--password HEX] [--data DIR]\n"
    "       gfcloud machine add --serial N --count K --password HEX "
    "[--data DIR]\n"
    "       gfcloud machine list | remove --serial N [--data DIR]\n"
    "       gfcloud apikey create [--user NAME [--role R]] | list | revoke ID "
    "[--data DIR]\n"
    "       gfcloud user add NAME --role viewer|operator|admin [--data DIR]\n"
    "       gfcloud user list | remove NAME | passwd NAME [--data DIR]\n"
    "       gfcloud webhook add URL --events a,b | list | remove ID | "
    "deliveries [ID] [--data DIR]\n"
    "       gfcloud COMMAND --help | --help | --version\n";

static void usage(FILE *out)
{
    fprintf(out, "%s\n", usage_lines);
    cfg_print_help(out);
}

static const char init_help[] =
    "usage: gfcloud init [--config FILE] [--data DIR]\n\n"
    "Makes the data directory (gfcloud.db, blobs/, server.key; default "
    "./gfcloud-data)\nif it is missing; `gfcloud serve` does the same. "
    "Every other command needs\nit to exist already. Running it again "
    "changes nothing.\n";

static const char machine_help[] =
    "usage: gfcloud machine add --serial N [--password HEX] [--data DIR]\n"
    "       gfcloud machine list [--data DIR]\n"
    "       gfcloud machine remove --serial N [--data DIR]\n\n"
    "add       register a machine; without --password one is made and "
    "printed, once\n"
    "list      one line per machine: serial, when it was last seen, head "
    "position\n"
    "remove    unregister it: its tokens stop working, its session ends\n\n"
    "--serial N      1 to 18 digits, an S in front is allowed\n"
    "--password HEX  64 hex characters\n"
    "--data DIR      the data directory (default ./gfcloud-data); it must "
    "exist\n"
    "--config FILE   read --data from an INI file\n"
    "These work while `gfcloud serve` runs on the same data directory.\n";

static const char apikey_help[] =
    "usage: gfcloud apikey create [--user NAME [--role R]] [--data DIR]\n"
    "       gfcloud apikey list [--data DIR]\n"
    "       gfcloud apikey revoke ID [--data DIR]\n\n"
    "create    make an API key for the REST API and print it, once; with "
    "--user\n"
    "          the key is that user's, with its role or the narrower --role "
    "R\n"
    "          (viewer, operator, admin); without, it acts as an admin\n"
    "list      id, owner, role, creation time and state of every key\n"
    "revoke    the key with that id stops working at once\n\n"
    "--data DIR      the data directory (default ./gfcloud-data); it must "
    "exist\n"
    "--config FILE   read --data from an INI file\n";

static const char webhook_help[] =
    "usage: gfcloud webhook add URL --events EVENT,... [--data DIR]\n"
    "       gfcloud webhook list [--data DIR]\n"
    "       gfcloud webhook remove ID [--data DIR]\n"
    "       gfcloud webhook deliveries [ID] [--data DIR]\n\n"
    "add         POST these events to URL (http:// or https://); prints the "
    "id and\n            the signing secret, once\n"
    "list        id, URL, events and creation time of every webhook\n"
    "remove      stop sending to it (deliveries still pending are dropped)\n"
    "deliveries  the delivery log, newest first: each delivery and its "
    "attempts\n\n"
    "events: job.completed, job.failed, job.cancelled, machine.online, "
    "machine.offline\n"
    "Each POST carries X-Gfcloud-Signature: sha256=HMAC-SHA256(secret, "
    "body).\n"
    "--data DIR      the data directory (default ./gfcloud-data); it must "
    "exist\n"
    "--config FILE   read --data from an INI file\n";

static const char user_help[] =
    "usage: gfcloud user add NAME --role viewer|operator|admin [--data DIR]\n"
    "       gfcloud user list [--data DIR]\n"
    "       gfcloud user remove NAME [--data DIR]\n"
    "       gfcloud user passwd NAME [--data DIR]\n\n"
    "add       a user of the API and the dashboard; prints the password it "
    "made, once\n"
    "list      name, role and creation time of every user\n"
    "remove    the user's sessions end and its API keys stop working at "
    "once\n"
    "passwd    make a new password and print it, once (sessions stay)\n\n"
    "NAME            1 to 32 of A-Z a-z 0-9 . _ -\n"
    "--role R        viewer (looks), operator (also runs jobs and "
    "actions),\n"
    "                admin (also machines, users, keys, settings)\n"
    "--data DIR      the data directory (default ./gfcloud-data); it must "
    "exist\n"
    "--config FILE   read --data from an INI file\n";

/* `gfcloud [COMMAND] ... --help`: the help of the command named, if any. */
static void help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "init") == 0) {
            fputs(init_help, stdout);
            return;
        }
        if (strcmp(argv[i], "machine") == 0) {
            fputs(machine_help, stdout);
            return;
        }
        if (strcmp(argv[i], "apikey") == 0) {
            fputs(apikey_help, stdout);
            return;
        }
        if (strcmp(argv[i], "webhook") == 0) {
            fputs(webhook_help, stdout);
            return;
        }
        if (strcmp(argv[i], "user") == 0) {
            fputs(user_help, stdout);
            return;
        }
        if (strcmp(argv[i], "serve") == 0)
            break;
    }
    usage(stdout);
}

static int no_more_args(int nrest, char **rest)
{
    if (nrest <= 1)
        return 0;
    fprintf(stderr, "gfcloud: unknown option '%s' for %s (try %s --help)\n",
            rest[1], rest[0], rest[0]);
    return 2;
}

static int init(cloud *c)
{
    char err[512];
    if (cloud_open_data(c, err, sizeof(err)) != 0) {
        fprintf(stderr, "gfcloud: %s\n", err);
        return 1;
    }
    cloud_close_data(c);
    printf("%s: ready\n", c->cfg.data_dir);
    return 0;
}

static int run(cloud *c, int nrest, char **rest)
{
    char err[512];
    const char *cmd = rest[0];
    if (strcmp(cmd, "serve") == 0 || strcmp(cmd, "init") == 0) {
        int rc = no_more_args(nrest, rest);
        if (rc)
            return rc;
        return strcmp(cmd, "serve") == 0 ? server_run(c) : init(c);
    }
    if (strcmp(cmd, "machine") != 0 && strcmp(cmd, "apikey") != 0 &&
        strcmp(cmd, "webhook") != 0 && strcmp(cmd, "user") != 0) {
        fprintf(stderr, "gfcloud: unknown command '%s' (try --help)\n", cmd);
        return 2;
    }
    if (cloud_open_existing_data(c, err, sizeof(err)) != 0) {
        fprintf(stderr, "gfcloud: %s\n", err);
        return 1;
    }
    int rc = strcmp(cmd, "machine") == 0   ? cli_machine(c, nrest - 1, rest + 1)
             : strcmp(cmd, "webhook") == 0 ? cli_webhook(c, nrest - 1, rest + 1)
             : strcmp(cmd, "user") == 0    ? cli_user(c, nrest - 1, rest + 1)
                                           : cli_apikey(c, nrest - 1, rest + 1);
    cloud_close_data(c);
    return rc;
}

int main(int argc, char **argv)
{
    static cloud c;
    char err[512];
    char *rest[64];
    int nrest = 0;
    umask(077);
    if (argc > 64) {
        fprintf(stderr, "gfcloud: too many arguments\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            help(argc, argv);
            return 0;
        }
        if (strcmp(argv[i], "--version") == 0) {
            printf("gfcloud %s\n", GF_VERSION);
            return 0;
        }
    }
    cfg_defaults(&c.cfg);
    if (cfg_parse_args(&c.cfg, argc, argv, rest, &nrest, err, sizeof(err)) !=
        0) {
        fprintf(stderr, "gfcloud: %s\n", err);
        return 2;
    }
    log_set_level(c.cfg.log_level);
    if (nrest < 1) {
        fprintf(stderr, "%s", usage_lines);
        return 2;
    }
    return run(&c, nrest, rest);
}

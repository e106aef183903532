/* main.c - the gfcloud command line: `serve`, `machine ...`, `apikey ...`.
 *
 * Every command reads the same settings (INI file + flags, config.c), so
 * `gfcloud machine add --data DIR` works on the data directory a running
 * `gfcloud serve --data DIR` uses. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cloud.h"
#include "gf/version.h"
#include "log.h"
#include "server.h"

static void usage(FILE *out)
{
    fprintf(out, "usage: gfcloud serve [--config FILE] [--listen HOST:PORT] "
                 "[--data DIR] [--public-url URL] ...\n"
                 "       gfcloud machine add --serial N [--password HEX]\n"
                 "       gfcloud machine list | remove --serial N\n"
                 "       gfcloud apikey create | list | revoke ID\n"
                 "       gfcloud --help | --version\n\n");
    cfg_print_help(out);
}

static int run(cloud *c, int nrest, char **rest)
{
    char err[512];
    const char *cmd = rest[0];
    if (strcmp(cmd, "serve") == 0) {
        if (nrest > 1) {
            fprintf(stderr, "gfcloud: unknown option '%s'\n", rest[1]);
            return 2;
        }
        return server_run(c);
    }
    if (strcmp(cmd, "machine") != 0 && strcmp(cmd, "apikey") != 0) {
        fprintf(stderr, "gfcloud: unknown command '%s' (try --help)\n", cmd);
        return 2;
    }
    if (cloud_open_data(c, err, sizeof(err)) != 0) {
        fprintf(stderr, "gfcloud: %s\n", err);
        return 1;
    }
    int rc = strcmp(cmd, "machine") == 0 ? cli_machine(c, nrest - 1, rest + 1)
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
    if (argc > 64) {
        fprintf(stderr, "gfcloud: too many arguments\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
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
        usage(stderr);
        return 2;
    }
    return run(&c, nrest, rest);
}

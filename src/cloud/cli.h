/* cli.h - the operator commands that work on the data directory. */
#ifndef CLOUD_CLI_H
#define CLOUD_CLI_H

#include "cloud.h"

/* argv: what follows `machine` / `apikey` / `user` (config flags already
 * taken). */
int cli_machine(cloud *c, int argc, char **argv);
int cli_apikey(cloud *c, int argc, char **argv);
int cli_webhook(cloud *c, int argc, char **argv);
int cli_user(cloud *c, int argc, char **argv);

/* A Unix time as the listings print it: 2026-12-03T05:39:33Z. */
void cli_utc(int64_t t, char out[32]);

#endif

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

#endif

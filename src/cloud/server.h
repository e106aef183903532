/* server.h - `gfcloud serve`: the event loop. */
#ifndef CLOUD_SERVER_H
#define CLOUD_SERVER_H

#include "cloud.h"

/* Run until SIGTERM/SIGINT. Returns the process exit code. */
int server_run(cloud *c);

#endif

/* audit.h - the record of every state-changing call: who, what, when, from
 * where (GET /api/v1/audit, docs/api.md "Audit"). */
#ifndef CLOUD_AUDIT_H
#define CLOUD_AUDIT_H

#include <jansson.h>

#include "cloud.h"

struct http_req;

/* Record `what` ("job.create", "machine.remove", ...) on `target` by
 * `who` ("apikey:3", "cli") from `from` (a peer address, "local").
 * `detail` (may be NULL) is taken. A failed write is logged, never fatal:
 * the call it records has happened. */
void audit_record(cloud *c, const char *who, const char *from, const char *what,
                  const char *target, json_t *detail);
/* The same for an API request: its key and peer. */
void audit_api(cloud *c, const struct http_req *r, const char *what,
               const char *target, json_t *detail);
/* The same for a CLI command: "cli" (with the uid) from "local". */
void audit_cli(cloud *c, const char *what, const char *target);

#endif

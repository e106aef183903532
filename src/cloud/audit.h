/* audit.h - the record of every state-changing call: who, what, when, from
 * where (GET /api/v1/audit, docs/api.md "Audit"). */
#ifndef CLOUD_AUDIT_H
#define CLOUD_AUDIT_H

#include <jansson.h>
#include <stddef.h>

#include "cloud.h"

struct http_req;

/* Record `what` ("job.create", "machine.remove", ...) on `target` by
 * `who` ("user:alice", "apikey:3", "cli") from `from` (a peer address,
 * "local"). `detail` (may be NULL) is taken. A failed write is logged, never
 * fatal: the call it records has happened. */
void audit_record(cloud *c, const char *who, const char *from, const char *what,
                  const char *target, json_t *detail);
/* Who made an API request, as the audit and a job's created_by name it:
 * "user:alice" (a session), "user:alice (key 3)" (a user's API key),
 * "apikey:3" (a key without an owner). Fits in 64 bytes. */
void audit_who(const struct http_req *r, char *out, size_t outlen);
/* The same for an API request: its caller (audit_who) and peer. */
void audit_api(cloud *c, const struct http_req *r, const char *what,
               const char *target, json_t *detail);
/* The same for a CLI command: "cli" (with the uid) from "local". */
void audit_cli(cloud *c, const char *what, const char *target);

#endif

/* audit.c - one row per state-changing call (audit.h), kept in the store
 * with the time, the caller (the user and the API key's id, or the CLI
 * and its uid),
 * the peer address and what was done to what. The detail is a small JSON
 * object (an action's type, a job's machine); secrets never go in it. */
#include "audit.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "http.h"
#include "log.h"

void audit_record(cloud *c, const char *who, const char *from, const char *what,
                  const char *target, json_t *detail)
{
    char *text = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    if (store_audit_add(c->store, cloud_now(), who, from, what, target, text) !=
        STORE_OK)
        log_msg(LOG_WARN, "audit: %s on %s by %s not recorded", what, target,
                who);
    free(text);
}

void audit_who(const http_req *r, char *out, size_t outlen)
{
    if (r->user[0] && r->api_key_id)
        snprintf(out, outlen, "user:%s (key %" PRId64 ")", r->user,
                 r->api_key_id);
    else if (r->user[0])
        snprintf(out, outlen, "user:%s", r->user);
    else
        snprintf(out, outlen, "apikey:%" PRId64, r->api_key_id);
}

void audit_api(cloud *c, const http_req *r, const char *what,
               const char *target, json_t *detail)
{
    char who[96];
    audit_who(r, who, sizeof(who));
    audit_record(c, who, r->peer, what, target, detail);
}

void audit_cli(cloud *c, const char *what, const char *target)
{
    char who[32];
    snprintf(who, sizeof(who), "cli (uid %u)", (unsigned)getuid());
    audit_record(c, who, "local", what, target, NULL);
}

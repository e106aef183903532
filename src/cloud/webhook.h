/* webhook.h - telling other systems what happened: a signed JSON POST to
 * each webhook that asked for the event, retried with back-off, every
 * attempt in the store's delivery log (docs/cloud.md "Webhooks").
 *
 * The sender listens on the event bus (events.h) for the events a webhook
 * may name (job.completed, job.failed, job.cancelled, machine.online,
 * machine.offline), records a delivery per webhook that wants it, and hands
 * the POSTs to threads of its own (libcurl), so that a slow or dead
 * receiver never holds the event loop, nor the worker pool uploads use. */
#ifndef CLOUD_WEBHOOK_H
#define CLOUD_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>

#include "cloud.h"

typedef struct webhooks webhooks;

/* The event names a webhook may ask for, NULL-terminated. */
extern const char *const webhook_event_names[];

/* HMAC-SHA256 of `body` keyed with the secret's text (the 64 characters
 * as shown), in lowercase hex: the X-Gfcloud-Signature header's value
 * after "sha256=". */
void webhook_sign(const char *secret, const void *body, size_t len,
                  char hex[65]);

/* Check a webhook's URL (http:// or https://, a host, printable ASCII,
 * under 1 KiB) and its event list ("a,b" with spaces allowed, known names,
 * each once), normalised into `list` ("a,b"). 0, or -1 and why. */
int webhook_check(const char *url, const char *events_in, char *list,
                  size_t listlen, char *err, size_t errlen);
/* Store a checked webhook with a new secret: 0 with *id and `secret`
 * (shown to the caller once), -1 on a database error. */
int webhook_create(cloud *c, const char *url, const char *list, int64_t *id,
                   char secret[65]);
/* Remove webhook `id` (its delivery log stays): what
 * store_webhook_remove() says. */
store_rc webhook_remove(cloud *c, int64_t id);

/* `gfcloud serve`: start listening and sending (deliveries left pending
 * by an earlier run are sent again); NULL on failure. */
webhooks *webhooks_start(cloud *c);
/* On the loop, when woken (EVENT_WAIT_CANCELLED): attempts that ended. */
void webhooks_poll(webhooks *h);
/* Abort what is being sent (it is tried again at the next start), stop,
 * and free; before the event loop goes. */
void webhooks_free(webhooks *h);

#endif

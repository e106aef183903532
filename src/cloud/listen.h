/* listen.h - the `listen` setting: parsed, resolved into addresses, and
 * each address tried before the event loop is asked to bind it. */
#ifndef CLOUD_LISTEN_H
#define CLOUD_LISTEN_H

#include <stddef.h>

#define LISTEN_MAX_ADDRS 8

typedef struct listen_addr {
    char host[64]; /* numeric address; "" = every interface */
} listen_addr;

typedef struct listen_plan {
    char host[256]; /* as written, without brackets ("" = any) */
    int port;
    int n;
    listen_addr addr[LISTEN_MAX_ADDRS];
} listen_plan;

/* "HOST:PORT", "[IPv6]:PORT" or ":PORT" (every interface) into host and
 * port. 0 or -1 with a message in `err`, which the caller prefixes with
 * the setting's name (listen, status-listen). */
int listen_parse(const char *text, char *host, size_t hostlen, int *port,
                 char *err, size_t errlen);

/* Parse and resolve `text` (a name gives every address it resolves to,
 * duplicates dropped). 0 or -1 with a message in `err`. */
int listen_resolve(const char *text, listen_plan *p, char *err, size_t errlen);

/* Try binding a socket to `a` and `port` (closed again at once): 0, or the
 * errno the bind failed with, so that the reason can be said plainly. */
int listen_probe(const listen_addr *a, int port);

/* "127.0.0.1:8080", "[::1]:8080", "*:8080": an address for messages. */
void listen_name(const char *host, int port, char *out, size_t outlen);

#endif

/* gfnet_target.h - where a libwebsockets client connection goes.
 *
 * gfmachine and gfload both open HTTP(S) calls and the status WebSocket
 * from a configured URL. Each connection needs the same pieces from it: the
 * address and port, whether TLS is on, the request path (for the WebSocket,
 * the base path plus the single-use ws_token as its last segment, PROTOCOL.md
 * §4.1), and the Host/Origin header (the address, with the port unless it
 * is the scheme's default). This module works them out once. */
#ifndef GFNET_TARGET_H
#define GFNET_TARGET_H

#include <libwebsockets.h>

typedef enum gfnet_kind {
    GFNET_HTTP = 1, /* http:// or https:// */
    GFNET_WS,       /* ws:// or wss:// */
} gfnet_kind;

typedef struct gfnet_target {
    char buf[2048]; /* the URL, split in place by lws_parse_uri */
    const char *addr;
    int port;
    int tls;
    char path[8192]; /* room for a base path and a 4 KiB token */
    char host[300];
} gfnet_target;

/* Parse `url`, which must have a scheme of `kind`; append `suffix` (may be
 * NULL) as a last path segment. Returns 0, or -1 for a URL that is not of
 * that kind or does not fit. */
int gfnet_target_parse(gfnet_target *t, const char *url, gfnet_kind kind,
                       const char *suffix);

/* Fill the address, port, path, host and origin of `i` (pointing into `t`,
 * which must outlive the connect call) and set LCCSCF_USE_SSL for TLS;
 * other fields are left as they are. */
void gfnet_target_fill(const gfnet_target *t,
                       struct lws_client_connect_info *i);

#endif

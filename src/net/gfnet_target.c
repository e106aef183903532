/* gfnet_target.c - a client connection's address, path and Host header from
 * a configured URL (see gfnet_target.h). */
#include "gfnet_target.h"

#include <stdio.h>
#include <string.h>

static int scheme_ok(const char *prot, gfnet_kind kind, int *tls)
{
    const char *plain = kind == GFNET_WS ? "ws" : "http";
    const char *secure = kind == GFNET_WS ? "wss" : "https";
    *tls = strcmp(prot, secure) == 0;
    return *tls || strcmp(prot, plain) == 0;
}

int gfnet_target_parse(gfnet_target *t, const char *url, gfnet_kind kind,
                       const char *suffix)
{
    const char *prot, *p;
    size_t n = strlen(url);
    if (n >= sizeof(t->buf))
        return -1;
    memcpy(t->buf, url, n + 1);
    if (lws_parse_uri(t->buf, &prot, &t->addr, &t->port, &p) != 0 ||
        !scheme_ok(prot, kind, &t->tls))
        return -1;
    while (*p == '/') /* lws gives "/" for a URL with no path */
        p++;
    size_t pl = strlen(p);
    const char *sep = suffix && pl && p[pl - 1] != '/' ? "/" : "";
    int w = snprintf(t->path, sizeof(t->path), "/%s%s%s", p, sep,
                     suffix ? suffix : "");
    if (w < 0 || (size_t)w >= sizeof(t->path))
        return -1;
    if (t->port == (t->tls ? 443 : 80))
        w = snprintf(t->host, sizeof(t->host), "%s", t->addr);
    else
        w = snprintf(t->host, sizeof(t->host), "%s:%d", t->addr, t->port);
    return w < 0 || (size_t)w >= sizeof(t->host) ? -1 : 0;
}

void gfnet_target_fill(const gfnet_target *t, struct lws_client_connect_info *i)
{
    i->address = t->addr;
    i->port = t->port;
    i->path = t->path;
    i->host = t->host;
    i->origin = t->host;
    if (t->tls)
        i->ssl_connection |= LCCSCF_USE_SSL;
}

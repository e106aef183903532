/* listen.c - what `listen` means: which addresses to bind, and why one
 * cannot be bound.
 *
 * libwebsockets takes an interface name or a numeric address per vhost
 * and, given anything else (a host name such as "localhost"), quietly
 * defers the bind forever: the service would say it listens and hold no
 * socket. So names are resolved here (getaddrinfo), and every address is
 * handed over numerically. Each one is first bound once by us, with the
 * same SO_REUSEADDR libwebsockets uses, and closed again: the errno of
 * that bind ("address already in use", "cannot assign requested address")
 * is what an operator needs to read, and libwebsockets does not return it. */
#include "listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_port(const char *text, int *port)
{
    char *end = NULL;
    if (*text < '0' || *text > '9')
        return -1;
    long p = strtol(text, &end, 10);
    if (*end || p < 0 || p > 65535)
        return -1;
    *port = (int)p;
    return 0;
}

int listen_parse(const char *text, char *host, size_t hostlen, int *port,
                 char *err, size_t errlen)
{
    const char *h = text, *colon;
    size_t n;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            goto bad;
        h = text + 1;
        n = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon)
            goto bad;
        n = (size_t)(colon - text);
        if (memchr(text, ':', n)) {
            snprintf(err, errlen,
                     "an IPv6 address goes in brackets, as in "
                     "[::1]:8080");
            return -1;
        }
    }
    if (n >= hostlen || parse_port(colon + 1, port) != 0)
        goto bad;
    memcpy(host, h, n);
    host[n] = '\0';
    return 0;
bad:
    snprintf(err, errlen,
             "expected HOST:PORT, [IPv6]:PORT or :PORT with a port "
             "of 0..65535");
    return -1;
}

static void add_addr(listen_plan *p, const char *numeric)
{
    for (int i = 0; i < p->n; i++) {
        if (strcmp(p->addr[i].host, numeric) == 0)
            return;
    }
    if (p->n < LISTEN_MAX_ADDRS)
        snprintf(p->addr[p->n++].host, sizeof(p->addr[0].host), "%s", numeric);
}

int listen_resolve(const char *text, listen_plan *p, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(p, 0, sizeof(*p));
    if (listen_parse(text, p->host, sizeof(p->host), &p->port, err, errlen) !=
        0)
        return -1;
    if (!p->host[0]) {
        p->n = 1; /* every interface: libwebsockets' own default */
        return 0;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(p->host, NULL, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", p->host,
                 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
        return -1;
    }
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char numeric[64];
        if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
            getnameinfo(ai->ai_addr, ai->ai_addrlen, numeric, sizeof(numeric),
                        NULL, 0, NI_NUMERICHOST) == 0)
            add_addr(p, numeric);
    }
    freeaddrinfo(res);
    if (p->n == 0) {
        snprintf(err, errlen, "%s has no IPv4 or IPv6 address", p->host);
        return -1;
    }
    return 0;
}

/* Fill `ss` for `a` and `port`; the empty host is IPv6's any address
 * (dual stack, as libwebsockets binds it). Returns the length or 0. */
static socklen_t to_sockaddr(const listen_addr *a, int port,
                             struct sockaddr_storage *ss)
{
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    memset(ss, 0, sizeof(*ss));
    if (a->host[0] && inet_pton(AF_INET, a->host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        return sizeof(*v4);
    }
    if (!a->host[0] || inet_pton(AF_INET6, a->host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        return sizeof(*v6);
    }
    return 0;
}

int listen_probe(const listen_addr *a, int port)
{
    struct sockaddr_storage ss;
    socklen_t len = to_sockaddr(a, port, &ss);
    int one = 1, rc = 0;
    if (!len)
        return EINVAL;
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return errno;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) != 0)
        rc = errno;
    close(fd);
    return rc;
}

void listen_name(const char *host, int port, char *out, size_t outlen)
{
    if (!host[0])
        snprintf(out, outlen, "*:%d", port);
    else if (strchr(host, ':'))
        snprintf(out, outlen, "[%s]:%d", host, port);
    else
        snprintf(out, outlen, "%s:%d", host, port);
}

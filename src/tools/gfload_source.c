/* gfload_source.c - the local addresses gfload's connections come from.
 *
 * One source address has about 28,000 ephemeral ports towards one service
 * address and port (net.ipv4.ip_local_port_range), so one host cannot hold
 * more sessions than that from one address. `--source 127.0.0.2-127.0.0.9`
 * (a range of IPv4 addresses, or a comma-separated list) spreads the
 * machines over several: machine k binds its sockets to address k mod n.
 * On Linux all of 127.0.0.0/8 is loopback, so no set-up is needed there;
 * other addresses must be configured on the host. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "gfload.h"

static int add_one(gl_sources *s, uint32_t host_order)
{
    struct in_addr a = {.s_addr = htonl(host_order)};
    if (s->n >= GL_MAX_SOURCES)
        return -1;
    if (!inet_ntop(AF_INET, &a, s->addr[s->n], sizeof(s->addr[0])))
        return -1;
    s->n++;
    return 0;
}

/* One item: "A" or "A-B" with A <= B, both dotted IPv4. */
static int add_item(gl_sources *s, const char *item)
{
    char lo[32], hi[32];
    struct in_addr a, b;
    const char *dash = strchr(item, '-');
    size_t n = dash ? (size_t)(dash - item) : strlen(item);
    if (n == 0 || n >= sizeof(lo))
        return -1;
    memcpy(lo, item, n);
    lo[n] = '\0';
    snprintf(hi, sizeof(hi), "%s", dash ? dash + 1 : lo);
    if (inet_pton(AF_INET, lo, &a) != 1 || inet_pton(AF_INET, hi, &b) != 1)
        return -1;
    uint32_t first = ntohl(a.s_addr), last = ntohl(b.s_addr);
    if (last < first || last - first >= GL_MAX_SOURCES)
        return -1;
    for (uint32_t k = first;; k++) {
        if (add_one(s, k) != 0)
            return -1;
        if (k == last)
            return 0;
    }
}

int gl_sources_parse(gl_sources *s, const char *spec)
{
    char buf[1024], *save = NULL;
    memset(s, 0, sizeof(*s));
    if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf))
        return -1;
    for (char *it = strtok_r(buf, ",", &save); it;
         it = strtok_r(NULL, ",", &save))
        if (add_item(s, it) != 0)
            return -1;
    return s->n > 0 ? 0 : -1;
}

const char *gl_source_for(const gl_machine *m)
{
    if (gl_w.src.n == 0)
        return NULL;
    return gl_w.src.addr[(size_t)(m - gl_w.m) % gl_w.src.n];
}

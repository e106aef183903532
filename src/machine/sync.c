/* sync.c - the actions answered at once, on the event loop.
 *
 * settings: the report from libgf's settings catalog with this machine's
 * identity and the clock filled in; the full form for the first request in
 * the process's life, the empty form after that (PROTOCOL.md §12.2), which
 * is what tells the service it may keep its head position. update_check is
 * acknowledged (this machine has no updater to start); factory_reset and
 * head_firmware_update are refused with :failed, as §9.1 recommends. None
 * of this touches the network or the disk. */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "act.h"
#include "frames.h"
#include "gf/settings.h"
#include "log.h"

/* The first IPv4 address that is up and not loopback, for MCip. */
static int sync_local_ip(char *out, size_t outlen)
{
    struct ifaddrs *ifs = NULL;
    int found = 0;
    if (getifaddrs(&ifs) != 0)
        return 0;
    for (struct ifaddrs *i = ifs; i && !found; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET ||
            (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
            continue;
        const struct sockaddr_in *sin = (const void *)i->ifa_addr;
        found =
            inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)outlen) != NULL;
    }
    freeifaddrs(ifs);
    return found;
}

static void sync_settings(act_ctx *ctx, const gf_msg *m)
{
    const cfg *c = ctx->cfg;
    char ip[INET_ADDRSTRLEN];
    json_t *report;
    if (ctx->settings_reported) {
        report = json_object();
    } else {
        gf_identity id = {
            .serial = c->serial,
            .fw_version = c->fw_version,
            .app_version = c->app_version,
            .head_fw = c->head_fw,
            .head_id = c->head_id,
            .head_serial = c->head_serial,
            .ip = c->ip ? c->ip : (sync_local_ip(ip, sizeof(ip)) ? ip : NULL),
            .mac = c->mac,
        };
        report = gf_settings_report(&id, (int64_t)time(NULL), m->id);
    }
    if (!report) {
        mlog(MLOG_ERROR, "settings %lld: cannot build the report",
             (long long)m->id);
        frm_event(m->id, "settings:failed", NULL, NULL);
        return;
    }
    frm_event(m->id, "settings:completed", NULL, report);
    if (!ctx->settings_reported) {
        mlog(MLOG_INFO, "settings %lld: sent the full report",
             (long long)m->id);
        if (ctx->full_report_sent)
            ctx->full_report_sent(ctx->full_report_ud);
    }
    ctx->settings_reported = 1;
    json_decref(report);
}

void sync_answer(act_ctx *ctx, const gf_msg *m, const gf_action_spec *spec)
{
    char ev[96];
    if (strcmp(spec->name, "settings") == 0) {
        sync_settings(ctx, m);
        return;
    }
    if (strcmp(spec->name, "update_check") == 0) {
        mlog(MLOG_INFO,
             "update_check %lld: no updater on this machine, "
             "nothing to do",
             (long long)m->id);
        frm_event(m->id, "update_check:completed", NULL, NULL);
        return;
    }
    mlog(MLOG_WARNING, "%s %lld: refused, not supported by gfmachine",
         spec->name, (long long)m->id);
    snprintf(ev, sizeof(ev), "%s:failed", spec->name);
    frm_event(m->id, ev, NULL, NULL);
}

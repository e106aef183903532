/* server.c - `gfcloud serve`: one process, one libwebsockets event loop.
 *
 * One vhost serves both HTTP (protocol "http", http.c) and the machines'
 * WebSocket (protocol "glowforge", ws.c), with TLS when a certificate and
 * key are configured. Start-up opens the data directory, reconciles actions
 * that were in flight when the last process died (they become interrupted,
 * to be cancelled on the machine's return), and imports the bundled hunt
 * file. SIGTERM/SIGINT stop the loop; everything is closed in order. */
#include "server.h"

#include <libwebsockets.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "gf/data.h"
#include "gf/error.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "scheduler.h"
#include "throttle.h"
#include "ws.h"

static cloud *g_cloud; /* for the signal handler only */

static void on_signal(int sig)
{
    (void)sig;
    if (g_cloud) {
        g_cloud->stop = 1;
        if (g_cloud->lws)
            lws_cancel_service(g_cloud->lws);
    }
}

static struct lws_protocols protocols[] = {
    {"http", http_callback, sizeof(http_req), 0, 0, NULL, 0},
    {"glowforge", ws_callback, 0 /* set from max-frame */, 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* Find the hunt file: config, else the bundled one (next to the binary,
 * else ../share/gfcloud: gf/data.h). */
static int find_hunt(cloud *c, char *out, size_t outlen)
{
    if (c->cfg.hunt_file[0]) {
        snprintf(out, outlen, "%s", c->cfg.hunt_file);
        return access(out, R_OK);
    }
    if (gf_data_path("hunt.puls", out, outlen) != GF_OK)
        return -1;
    return access(out, R_OK);
}

static void load_hunt(cloud *c)
{
    char path[PATH_MAX];
    files_result res;
    if (find_hunt(c, path, sizeof(path)) != 0) {
        log_msg(LOG_WARN, "no hunt file found; hunt actions need a file");
        return;
    }
    if (files_ingest(c, path, &res) != 0) {
        log_msg(LOG_WARN, "hunt file %s refused: %s", path, res.err);
        return;
    }
    memcpy(c->hunt_file_id, res.id, sizeof(c->hunt_file_id));
    log_msg(LOG_INFO, "hunt file %s loaded", path);
}

static int write_port_file(const cloud *c, int port)
{
    if (!c->cfg.port_file[0])
        return 0;
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", c->cfg.port_file);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, c->cfg.port_file);
}

static int make_context(cloud *c, const char *host, int port)
{
    static lws_retry_bo_t retry;
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    /* Per-session rx buffer: messages bigger than this arrive in pieces and
     * are reassembled in ws.c, so keep it small (memory per session). */
    protocols[1].rx_buffer_size = 4096;
    protocols[1].per_session_data_size = ws_session_size();
    retry.secs_since_valid_ping = (uint16_t)c->cfg.ping_interval;
    retry.secs_since_valid_hangup = (uint16_t)(c->cfg.ping_interval * 2 + 10);
    info.port = port;
    info.iface = host[0] ? host : NULL;
    info.protocols = protocols;
    info.user = c;
    info.max_http_header_data = (unsigned short)c->cfg.max_header;
    info.retry_and_idle_policy = &retry;
    if (c->cfg.tls_cert[0] && c->cfg.tls_key[0]) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = c->cfg.tls_cert;
        info.ssl_private_key_filepath = c->cfg.tls_key;
    }
    c->lws = lws_create_context(&info);
    if (!c->lws)
        return -1;
    c->vhost = lws_get_vhost_by_name(c->lws, "default");
    return 0;
}

static int start(cloud *c)
{
    char host[256], err[512];
    int port = 0;
    if (cfg_listen_split(&c->cfg, host, sizeof(host), &port) != 0) {
        log_msg(LOG_ERR, "listen: expected HOST:PORT with a port of 0..65535");
        return -1;
    }
    if (cloud_open_data(c, err, sizeof(err)) != 0) {
        log_msg(LOG_ERR, "%s", err);
        return -1;
    }
    c->throttle = throttle_new(c->cfg.throttle_window);
    c->sched = sched_new(c);
    c->ingest = ingest_new(c);
    if (!c->throttle || !c->sched || !c->ingest)
        return -1;
    int n = store_action_reconcile(c->store, cloud_now());
    if (n > 0)
        log_msg(LOG_INFO,
                "%d action(s) in flight at the last stop are now "
                "interrupted",
                n);
    load_hunt(c);
    if (make_context(c, host, port) != 0) {
        log_msg(LOG_ERR, "cannot listen on %s", c->cfg.listen);
        return -1;
    }
    port = c->vhost ? lws_get_vhost_listen_port(c->vhost) : port;
    if (c->cfg.public_url[0])
        snprintf(c->public_url, sizeof(c->public_url), "%s", c->cfg.public_url);
    else
        snprintf(c->public_url, sizeof(c->public_url), "%s://%s:%d",
                 c->cfg.tls_cert[0] ? "https" : "http",
                 host[0] ? host : "127.0.0.1", port);
    if (write_port_file(c, port) != 0)
        log_msg(LOG_WARN, "cannot write %s", c->cfg.port_file);
    log_msg(LOG_INFO, "listening on %s:%d", host, port);
    return 0;
}

int server_run(cloud *c)
{
    int rc = 1;
    g_cloud = c;
    signal(SIGPIPE, SIG_IGN);
    /* Under a file-size limit a write fails with EFBIG (answered 507) rather
     * than killing the service. */
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    lws_set_log_level(LLL_ERR, NULL);
    if (start(c) == 0) {
        rc = 0;
        while (!c->stop) {
            if (lws_service(c->lws, 0) < 0)
                break;
        }
        log_msg(LOG_INFO, "shutting down");
    }
    if (c->sched)
        sched_stop(c->sched);
    ingest_drain(c->ingest);
    if (c->lws)
        lws_context_destroy(c->lws);
    c->lws = NULL;
    ingest_free(c->ingest);
    sched_free(c->sched);
    throttle_free(c->throttle);
    cloud_close_data(c);
    g_cloud = NULL;
    return rc;
}

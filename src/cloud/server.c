/* server.c - `gfcloud serve`: one process, one libwebsockets event loop.
 *
 * One vhost serves both HTTP (protocol "http", http.c) and the machines'
 * WebSocket (protocol "glowforge", ws.c), with TLS when a certificate and
 * key are configured. Start-up opens the data directory, reconciles actions
 * that were in flight when the last process died (they become interrupted,
 * to be cancelled on the machine's return), and imports the bundled hunt
 * file. SIGTERM/SIGINT stop the loop; everything is closed in order.
 * SIGHUP reopens the --log-file (logrotate). */
#include "server.h"

#include <errno.h>
#include <libwebsockets.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conns.h"
#include "events.h"
#include "files.h"
#include "gf/data.h"
#include "gf/error.h"
#include "gf/logfile.h"
#include "gfnet_loop.h"
#include "http.h"
#include "jobs.h"
#include "lifecycle.h"
#include "listen.h"
#include "locator.h"
#include "log.h"
#include "lwslog.h"
#include "materials.h"
#include "metrics.h"
#include "nodes.h"
#include "scheduler.h"
#include "throttle.h"
#include "tick.h"
#include "webhook.h"
#include "work.h"
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

/* The worker pool: two threads (the machine has few cores and the loop
 * needs one), at most 32 items queued or running (more get 503 busy). */
#define NWORKERS 2
#define MAX_WORK 32

/* From a worker: make the loop run work_poll (EVENT_WAIT_CANCELLED). */
static void wake_loop(void *ctx)
{
    cloud *c = ctx;
    if (c->lws)
        lws_cancel_service(c->lws);
}

static struct lws_protocols protocols[] = {
    {"http", http_callback, sizeof(http_req), 0, 0, NULL, 0},
    {"glowforge", ws_callback, 0 /* set from max-frame */, 0, 0, NULL, 0},
    {"gfcloud-nodes", nodes_callback, 0, 0, 0, NULL, 0},
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

/* The bundled hunt file is a convenience: without it hunts need a file.
 * One named by hunt-file is the operator's choice, so its refusal stops
 * the start (-1) rather than going by as a warning. */
static int load_hunt(cloud *c)
{
    char path[PATH_MAX];
    files_result res;
    int named = c->cfg.hunt_file[0] != '\0';
    if (find_hunt(c, path, sizeof(path)) != 0) {
        if (named) {
            log_msg(LOG_ERR, "hunt-file %s cannot be read", c->cfg.hunt_file);
            return -1;
        }
        log_msg(LOG_WARN, "no hunt file found; hunt actions need a file");
        return 0;
    }
    if (files_ingest(c, path, &res) != 0) {
        log_msg(named ? LOG_ERR : LOG_WARN, "hunt file %s refused: %s", path,
                res.err);
        return named ? -1 : 0;
    }
    memcpy(c->hunt_file_id, res.id, sizeof(c->hunt_file_id));
    log_msg(LOG_INFO, "hunt file %s loaded", path);
    return 0;
}

/* The dashboard's folder: web-root, else the bundled web/ (gf/data.h),
 * resolved once so that every request is checked against the real path
 * (http_static.c). A web-root the operator named must be a folder we can
 * read, or the start stops; without the bundled one the API still works
 * and "/" is a 404. */
static int find_web(cloud *c)
{
    char path[PATH_MAX];
    int named = c->cfg.web_root[0] != '\0';
    c->web_root[0] = '\0';
    if (named)
        snprintf(path, sizeof(path), "%s", c->cfg.web_root);
    else if (gf_data_path("web", path, sizeof(path)) != GF_OK)
        path[0] = '\0';
    struct stat st;
    if (!path[0] || !realpath(path, c->web_root) || stat(c->web_root, &st) ||
        !S_ISDIR(st.st_mode) || access(c->web_root, R_OK | X_OK) != 0) {
        c->web_root[0] = '\0';
        if (named) {
            log_msg(LOG_ERR, "web-root %s is not a readable folder",
                    c->cfg.web_root);
            return -1;
        }
        log_msg(LOG_WARN, "no dashboard files found (web/); / is a 404");
        return 0;
    }
    log_msg(LOG_INFO, "dashboard files in %s", c->web_root);
    return 0;
}

static int write_port_file(const char *path, int port)
{
    if (!path[0])
        return 0;
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0)
        return -1;
    return rename(tmp, path);
}

/* A context carries no vhost of its own: one is made per address the
 * listen setting resolves to (bind_all). Both contexts (status-listen)
 * are made alike and wait in the one loop. */
static struct lws_context *new_context(cloud *c)
{
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    /* Per-session rx buffer, allocated by lws for the session's life:
     * messages bigger than this arrive in pieces and are reassembled in
     * ws.c. A machine's lines are a few hundred bytes; 512 B instead of
     * 4 KiB is 3.5 KiB less per session (docs/cloud.md). */
    protocols[1].rx_buffer_size = 512;
    protocols[1].per_session_data_size = ws_session_size();
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
    if (c->cfg.tls_cert[0])
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.user = c;
    /* max-header is enforced in http.c (431); lws's own buffer is as big
     * as it goes, since lws drops an overflowing request unanswered. */
    info.max_http_header_data = 65535;
    gfnet_loop_prepare(c->loop, &info);
    return lws_create_context(&info);
}

static int make_context(cloud *c)
{
    int kind = gfnet_loop_parse(c->cfg.event_loop);
    c->loop =
        gfnet_loop_new(kind < 0 ? GFNET_LOOP_POLL : (gfnet_loop_kind)kind);
    if (!c->loop) {
        log_msg(LOG_ERR, "event-loop %s: not available here",
                c->cfg.event_loop);
        return -1;
    }
    c->lws = new_context(c);
    if (!c->lws && kind == GFNET_LOOP_EPOLL)
        log_msg(LOG_ERR,
                "event-loop epoll: libwebsockets could not load its libev "
                "plugin (Debian package libwebsockets-evlib-ev); "
                "event-loop = poll needs none");
    if (!c->lws)
        return -1;
    /* status-listen: the sessions in a connection table of their own.
     * Debian's libwebsockets (built with _DEBUG) reads its context's whole
     * table on every connect and close; a sign-in's or a download's close
     * then reads the few requests in flight, not every session held. */
    if (c->cfg.status_listen[0] && !(c->lws_status = new_context(c)))
        return -1;
    return 0;
}

/* One vhost of `ctx` listening on `a`; its bound port, or -1. */
static int add_vhost(cloud *c, struct lws_context *ctx, const listen_addr *a,
                     int port, int idx)
{
    static lws_retry_bo_t retry;
    struct lws_context_creation_info info;
    char name[32];
    memset(&info, 0, sizeof(info));
    /* No libwebsockets validity timer: it is one lws_sul per session,
     * re-armed on every frame at O(N). ws.c keeps sessions alive on the
     * wheel instead (tick.c); a zero hang-up time turns lws' off. */
    retry.secs_since_valid_ping = 0;
    retry.secs_since_valid_hangup = 0;
    if (ctx == c->lws_status)
        snprintf(name, sizeof(name), "status%d", idx);
    else
        snprintf(name, sizeof(name), idx ? "listen%d" : "default", idx);
    info.vhost_name = name;
    info.port = port;
    info.iface = a->host[0] ? a->host : NULL;
    /* An IPv4 address gets an IPv4 socket, not a v4-mapped IPv6 one. */
    if (a->host[0] && !strchr(a->host, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.protocols = protocols;
    info.retry_and_idle_policy = &retry;
    if (c->cfg.tls_cert[0]) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = c->cfg.tls_cert;
        info.ssl_private_key_filepath = c->cfg.tls_key;
    }
    struct lws_vhost *vh = lws_create_vhost(ctx, &info);
    if (!vh)
        return -1;
    if (!c->vhost && ctx == c->lws)
        c->vhost = vh;
    int bound = lws_get_vhost_listen_port(vh);
    return bound > 0 ? bound : -1;
}

/* Why `a` could not be bound, for the one line that says so. */
static void why_not(const cloud *c, const listen_plan *p, const listen_addr *a,
                    int port, int e, char *out, size_t outlen)
{
    char name[300] = "";
    if (p->n > 1) {
        listen_name(a->host, port, name, sizeof(name));
        strcat(name, ": ");
    }
    if (e)
        snprintf(out, outlen, "%s%s", name, strerror(e));
    else if (c->cfg.tls_cert[0])
        snprintf(out, outlen,
                 "%stls-cert %s with tls-key %s refused (not a PEM "
                 "certificate and its key?)",
                 name, c->cfg.tls_cert, c->cfg.tls_key);
    else
        snprintf(out, outlen, "%slibwebsockets could not listen there", name);
    /* "Address already in use" reads better mid-sentence in lower case. */
    if (p->n == 1 && out[0] >= 'A' && out[0] <= 'Z')
        out[0] = (char)(out[0] - 'A' + 'a');
}

/* Bind every address of the plan in `ctx` (port 0: the first picks the
 * port, the others take the same). An address that cannot be bound is
 * logged and skipped; none at all is an error (one line naming each
 * reason). `what` leads messages ("" for listen). Returns the bound
 * port, or -1. */
static int bind_all(cloud *c, struct lws_context *ctx, const listen_plan *p,
                    const char *what, const char *value)
{
    char why[2 * PATH_MAX + 1024] = "", one[2 * PATH_MAX + 400], name[300];
    int port = p->port, bound = 0;
    size_t used = 0;
    for (int i = 0; i < p->n; i++) {
        const listen_addr *a = &p->addr[i];
        int e = listen_probe(a, port);
        int got = e ? -1 : add_vhost(c, ctx, a, port, bound);
        if (got < 0) {
            why_not(c, p, a, port, e, one, sizeof(one));
            int w = snprintf(why + used, sizeof(why) - used, "%s%s",
                             used ? "; " : "", one);
            if (w > 0 && (size_t)w < sizeof(why) - used)
                used += (size_t)w;
            continue;
        }
        port = got;
        bound++;
        listen_name(a->host, port, name, sizeof(name));
        log_msg(LOG_INFO, "%s on %s",
                ctx == c->lws_status ? "status WebSocket listening"
                                     : "listening",
                name);
    }
    if (!bound) {
        log_msg(LOG_ERR, "%scannot listen on %s: %s", what, value, why);
        return -1;
    }
    if (used)
        log_msg(LOG_WARN, "%snot listening on %s", what, why);
    return port;
}

static void set_public_url(cloud *c, const listen_plan *p, int port)
{
    char where[300];
    if (c->cfg.public_url[0]) {
        snprintf(c->public_url, sizeof(c->public_url), "%s", c->cfg.public_url);
        return;
    }
    listen_name(p->host[0] ? p->host : "127.0.0.1", port, where, sizeof(where));
    snprintf(c->public_url, sizeof(c->public_url), "%s://%s",
             c->cfg.tls_cert[0] ? "https" : "http", where);
}

/* Resolve the address setting `name`; a failure is logged under it. */
static int resolve(const char *name, const char *value, listen_plan *p)
{
    char err[512];
    if (listen_resolve(value, p, err, sizeof(err)) == 0)
        return 0;
    log_msg(LOG_ERR, "%s: %s", name, err);
    return -1;
}

/* 0 serving, 2 a setting is wrong or nothing could be bound, 1 otherwise. */
static int start(cloud *c)
{
    char err[512];
    listen_plan plan, status_plan;
    if (cfg_check_serve(&c->cfg, err, sizeof(err)) != 0) {
        log_msg(LOG_ERR, "%s", err);
        return 2;
    }
    if (resolve("listen", c->cfg.listen, &plan) != 0 ||
        (c->cfg.status_listen[0] &&
         resolve("status-listen", c->cfg.status_listen, &status_plan) != 0))
        return 2;
    if (!locator_find(c->cfg.locator)) {
        log_msg(LOG_ERR, "locator: unknown method %s (known: manual, camera)",
                c->cfg.locator);
        return 2;
    }
    if (cloud_open_data(c, err, sizeof(err)) != 0 ||
        cloud_lock_data(c, err, sizeof(err)) != 0) {
        log_msg(LOG_ERR, "%s", err);
        return 1;
    }
    c->throttle = throttle_new(c->cfg.throttle_window, c->cfg.throttle_max);
    c->throttle_addr =
        throttle_new(c->cfg.throttle_window, c->cfg.throttle_address_max);
    c->throttle_user =
        throttle_new(c->cfg.throttle_window, c->cfg.throttle_max);
    c->sched = sched_new(c);
    c->life = lifecycle_new(c);
    c->work = work_new(NWORKERS, MAX_WORK, wake_loop, c);
    /* Event ids from the start time: never those of an earlier run. */
    c->events = events_new(cloud_now() * 1000);
    c->conns = conns_new(&c->cfg);
    if (!c->throttle || !c->throttle_addr || !c->throttle_user || !c->sched ||
        !c->life || !c->work || !c->events || !c->conns)
        return 1;
    int jn = store_job_reconcile(c->store, cloud_now());
    if (jn > 0)
        log_msg(LOG_INFO, "%d job(s) under way at the last stop failed", jn);
    int n = store_action_reconcile(c->store, cloud_now());
    if (n > 0)
        log_msg(LOG_INFO,
                "%d action(s) in flight at the last stop are now "
                "interrupted",
                n);
    if (load_hunt(c) != 0 || find_web(c) != 0)
        return 2;
    materials_seed(c);
    if (make_context(c) != 0) {
        log_msg(LOG_ERR, "cannot start the event loop");
        return 1;
    }
    if (tick_start(c) != 0)
        return 1;
    int port = bind_all(c, c->lws, &plan, "", c->cfg.listen);
    if (port < 0)
        return 2;
    int status_port = port; /* without status-listen, sessions are here */
    if (c->lws_status &&
        (status_port = bind_all(c, c->lws_status, &status_plan,
                                "status-listen: ", c->cfg.status_listen)) < 0)
        return 2;
    conns_start(c->conns, c->lws);
    if (nodes_start(c) != 0)
        return 1;
    c->hooks = webhooks_start(c);
    if (!c->hooks) {
        log_msg(LOG_ERR, "cannot start the webhooks' sender");
        return 1;
    }
    set_public_url(c, &plan, port);
    /* The status port first: whoever waits for port-file finds both. */
    if (write_port_file(c->cfg.status_port_file, status_port) != 0)
        log_msg(LOG_WARN, "cannot write %s", c->cfg.status_port_file);
    if (write_port_file(c->cfg.port_file, port) != 0)
        log_msg(LOG_WARN, "cannot write %s", c->cfg.port_file);
    return 0;
}

/* --log-file: from here on stderr is that file (gf/logfile.h), so
 * libwebsockets' own lines land there too; SIGHUP reopens it. */
static int open_log(const cloud *c)
{
    if (c->cfg.log_file[0] && gf_logfile_open(c->cfg.log_file) != GF_OK) {
        log_msg(LOG_ERR, "log-file %s: %s", c->cfg.log_file, strerror(errno));
        return -1;
    }
    return gf_logfile_reopen_on_sighup() == GF_OK ? 0 : -1;
}

int server_run(cloud *c)
{
    int rc;
    if (open_log(c) != 0)
        return 2;
    g_cloud = c;
    signal(SIGPIPE, SIG_IGN);
    /* Under a file-size limit a write fails with EFBIG (answered 507) rather
     * than killing the service. */
    signal(SIGXFSZ, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    lwslog_install();
    rc = start(c);
    if (rc == 0) {
        while (!c->stop) {
            int pass = gfnet_loop_run_once(c->loop, c->lws);
            c->upgrade_checked.wsi = NULL; /* good for one pass only */
            /* One commit for the frames of a pass (store_batch_join). */
            store_batch_flush(c->store);
            long long woke = gfnet_loop_woke_us(c->loop);
            if (woke)
                metrics_loop_pass(metrics_clock_us() - woke);
            if (pass < 0)
                break;
        }
        log_msg(LOG_INFO, "shutting down");
    }
    if (c->sched)
        sched_stop(c->sched);
    nodes_stop(c);
    webhooks_free(c->hooks); /* aborts what it is sending */
    c->hooks = NULL;
    work_drain(c->work);
    tick_stop(c);
    if (c->lws_status)
        lws_context_destroy(c->lws_status);
    c->lws_status = NULL;
    if (c->lws)
        lws_context_destroy(c->lws); /* sessions close: timers cancelled */
    c->lws = NULL;
    gfnet_loop_free(c->loop);
    c->loop = NULL;
    tick_free(c);
    conns_free(c->conns);
    nodes_free(c);
    work_free(c->work);
    c->work = NULL;
    jobs_stop(c);
    events_free(c->events);
    c->events = NULL;
    sched_free(c->sched);
    lifecycle_free(c->life);
    c->life = NULL;
    throttle_free(c->throttle);
    throttle_free(c->throttle_addr);
    throttle_free(c->throttle_user);
    cloud_close_data(c);
    g_cloud = NULL;
    return rc;
}

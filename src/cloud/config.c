/* config.c - gfcloud configuration.
 *
 * Every setting is one row of `keys` below: its name (the INI key and the
 * --flag), its type, where it lives in struct cfg, its default and a line of
 * help. Keeping one table means the INI file, the flags and --help cannot
 * drift apart. The INI file may use sections; they are ignored so that
 * `[server]` and `[limits]` can group keys for humans. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"

enum key_type { K_STR, K_LONG, K_DOUBLE };

struct key {
    const char *name;
    enum key_type type;
    size_t off;
    size_t size; /* for strings */
    const char *def;
    const char *help;
};

#define S(f) K_STR, offsetof(cfg, f), sizeof(((cfg *)0)->f)
#define L(f) K_LONG, offsetof(cfg, f), 0
#define D(f) K_DOUBLE, offsetof(cfg, f), 0

static const struct key keys[] = {
    {"listen", S(listen), "127.0.0.1:8080",
     "HOST:PORT, [IPv6]:PORT or :PORT (every interface); a name binds "
     "each address it has; port 0 = any free port"},
    {"data", S(data_dir), "gfcloud-data",
     "data directory (SQLite database, blobs, server key); only serve and "
     "init make it"},
    {"public-url", S(public_url), "",
     "base URL machines reach us at (default http://LISTEN)"},
    {"port-file", S(port_file), "",
     "write the port actually bound to this file once listening"},
    {"status-listen", S(status_listen), "",
     "HOST:PORT for the status WebSocket in a connection table of its own "
     "(large fleets: sign-ins and downloads then cost less; needs "
     "event-loop epoll); empty = on listen"},
    {"status-port-file", S(status_port_file), "",
     "write the status WebSocket's port to this file (status-listen's, or "
     "listen's without it)"},
    {"tls-cert", S(tls_cert), "", "PEM certificate; enables TLS with tls-key"},
    {"tls-key", S(tls_key), "", "PEM private key for tls-cert"},
    {"firmware-version", S(firmware_version), "",
     "version GET /update/current advertises (empty = none)"},
    {"firmware-url", S(firmware_url), "",
     "download_url GET /update/current advertises"},
    {"hunt-file", S(hunt_file), "",
     "pulse file sent with a hunt that names no file "
     "(default: hunt.puls next to the binary or in ../share/gfcloud)"},
    {"log-level", S(log_level), "info", "error | warn | info | debug"},
    {"log-file", S(log_file), "",
     "serve: append the log to this file, not stderr; SIGHUP reopens it "
     "(logrotate)"},
    {"sync", S(sync), "normal",
     "SQLite synchronous mode: normal (survives kill -9) or full (also "
     "power loss)"},
    /* the store's backend */
    {"store", S(store), "sqlite",
     "sqlite (one file in the data directory) or postgresql (database-url; "
     "several nodes may share it)"},
    {"database-url", S(database_url), "",
     "PostgreSQL connection: a postgresql:// URL or libpq key=value words"},
    {"node-name", S(node_name), "",
     "this node's name among those sharing a database; distinct per node "
     "(default: the host name)"},
    {"node-dead-after", L(node_dead_after), "30",
     "seconds without a heartbeat after which the other nodes take a node "
     "for dead and end its actions in flight (several nodes only)"},
    {"ws-token-ttl", L(ws_token_ttl), "30", "ws_token lifetime, seconds"},
    {"auth-token-ttl", L(auth_token_ttl), "21600",
     "auth_token lifetime, seconds"},
    {"upload-url-ttl", L(upload_url_ttl), "600",
     "signed image upload URL lifetime, seconds"},
    {"queue-ttl", L(queue_ttl), "3600",
     "how long an action may wait for an offline machine, seconds"},
    {"cancel-grace", L(cancel_grace), "60",
     "after an API cancel, how long to wait for the terminal event"},
    {"deadline-scale", D(deadline_scale), "1.0",
     "multiply every action deadline (PROTOCOL.md §10) by this"},
    {"deadline-seconds", D(deadline_seconds), "0",
     "if > 0, every action deadline is this many seconds (tests)"},
    {"max-json-body", L(max_json_body), "65536",
     "cap on JSON request bodies, bytes"},
    {"max-image-body", L(max_image_body), "16777216",
     "cap on an uploaded JPEG, bytes"},
    {"max-file-body", L(max_file_body), "134217728",
     "cap on an uploaded pulse file, bytes (§15.6: 128 MiB)"},
    {"max-frame", L(max_frame), "1048576",
     "cap on one WebSocket message; larger closes with 1009"},
    {"max-header", L(max_header), "8192", "cap on HTTP header bytes"},
    {"ping-interval", L(ping_interval), "30",
     "seconds of WebSocket silence before the service pings"},
    {"machine-recheck", L(machine_recheck), "10",
     "seconds between checks that connected machines are still registered "
     "and open event streams' sessions and keys still good"},
    {"throttle-max", L(throttle_max), "5",
     "failed sign-ins per serial before 429"},
    {"throttle-address-max", L(throttle_address_max), "30",
     "failed sign-ins per client address before 429"},
    {"throttle-window", L(throttle_window), "60",
     "seconds a throttle counts failures over"},
    /* Limits against hostile clients (docs/cloud.md, "Limits"). */
    {"max-inflated", L(max_inflated), "1073741824",
     "cap on a job file once inflated, bytes (422 inflated_too_large)"},
    {"max-unknown-connections", L(max_unknown_connections), "1024",
     "connections open at once that are not machine sessions"},
    {"max-address-connections", L(max_address_connections), "128",
     "of those, from one client address (IPv6: per /64)"},
    {"header-timeout", L(header_timeout), "10",
     "seconds from accept for a request's headers to be complete"},
    {"body-timeout", L(body_timeout), "300",
     "seconds from the headers for a request's body to be complete"},
    {"fd-reserve", L(fd_reserve), "32",
     "file descriptors kept free of connections (database, uploads)"},
    {"event-loop", S(event_loop), "epoll",
     "what the loop waits in: epoll (libev, a wake-up costs the ready "
     "sockets) or poll (libwebsockets' own, costs every open socket)"},
    /* the machine lifecycle (lifecycle.c) */
    {"locator", S(locator), "camera",
     "how homing finds the head after the hunt: camera (the lid camera, "
     "once the machine is calibrated; until then as manual) or manual "
     "(the operator confirms)"},
    /* users and their sessions (http_session.c) */
    {"session-ttl", L(session_ttl), "604800",
     "seconds a dashboard session lasts unused (7 days); every use starts "
     "it again"},
    /* The dashboard (docs/dashboard.md). */
    {"web-root", S(web_root), "",
     "folder of the dashboard's files served at / (default: web/ next to "
     "the binary or in ../share/gfcloud)"},
    /* GET /metrics and the webhooks (docs/cloud.md "Metrics"). */
    {"metrics-public", S(metrics_public), "no",
     "yes: GET /metrics is served without an API key (to anyone who can "
     "reach the port); no: it needs one like the API"},
    {"webhook-tries", L(webhook_tries), "8",
     "attempts at a webhook delivery before it is failed"},
    {"webhook-retry-base", D(webhook_retry_base), "1",
     "seconds before a webhook delivery's first retry; each next waits "
     "twice as long (at most an hour)"},
    {"webhook-timeout", L(webhook_timeout), "10",
     "seconds a webhook delivery attempt may take (connect and answer)"},
};

#define N_KEYS (sizeof(keys) / sizeof(keys[0]))

/* Settings whose text has a shape beyond its type: checked when set, so a
 * wrong value stops the command (naming the file and line when it came
 * from one) instead of quietly meaning something else. */
static int one_of(const char *v, const char *const *names, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(v, names[i]) == 0)
            return 1;
    }
    return 0;
}

static int check_log_level(const char *v, char *err, size_t errlen)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (one_of(v, names, 4))
        return 0;
    snprintf(err, errlen, "log-level: expected error, warn, info or debug");
    return -1;
}

static int check_sync(const char *v, char *err, size_t errlen)
{
    static const char *const names[] = {"normal", "full"};
    if (one_of(v, names, 2))
        return 0;
    snprintf(err, errlen, "sync: expected normal or full");
    return -1;
}

static int check_store(const char *v, char *err, size_t errlen)
{
    static const char *const names[] = {"sqlite", "postgresql"};
    if (one_of(v, names, 2))
        return 0;
    snprintf(err, errlen, "store: expected sqlite or postgresql");
    return -1;
}

static int check_yes_no(const char *v, char *err, size_t errlen)
{
    static const char *const names[] = {"yes", "no"};
    if (one_of(v, names, 2))
        return 0;
    snprintf(err, errlen, "metrics-public: expected yes or no");
    return -1;
}

static int check_event_loop(const char *v, char *err, size_t errlen)
{
    static const char *const names[] = {"epoll", "poll"};
    if (one_of(v, names, 2))
        return 0;
    snprintf(err, errlen, "event-loop: expected epoll or poll");
    return -1;
}

/* An address setting (listen.h); its name leads the message. */
static int check_address(const char *name, const char *v, char *err,
                         size_t errlen)
{
    char host[256], why[256];
    int port;
    if (listen_parse(v, host, sizeof(host), &port, why, sizeof(why)) == 0)
        return 0;
    snprintf(err, errlen, "%s: %s", name, why);
    return -1;
}

static int check_listen(const char *v, char *err, size_t errlen)
{
    return check_address("listen", v, err, errlen);
}

static int check_status_listen(const char *v, char *err, size_t errlen)
{
    return *v ? check_address("status-listen", v, err, errlen) : 0;
}

static int check_public_url(const char *v, char *err, size_t errlen)
{
    if (!*v || strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
        return 0;
    snprintf(err, errlen, "public-url: expected an http:// or https:// URL");
    return -1;
}

static const struct {
    const char *name;
    int (*check)(const char *value, char *err, size_t errlen);
} checks[] = {
    {"listen", check_listen},
    {"status-listen", check_status_listen}, /* as listen, or empty */
    {"log-level", check_log_level},
    {"sync", check_sync},
    {"store", check_store},
    {"public-url", check_public_url},
    {"metrics-public", check_yes_no},
    {"event-loop", check_event_loop},
};

static int check_value(const struct key *k, const char *value, char *err,
                       size_t errlen)
{
    for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
        if (strcmp(checks[i].name, k->name) == 0)
            return checks[i].check(value, err, errlen);
    }
    return 0;
}

static const struct key *key_find(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(keys[i].name, name) == 0)
            return &keys[i];
    }
    /* INI files may spell keys with underscores. */
    char alt[64];
    size_t n = strlen(name);
    if (n >= sizeof(alt))
        return NULL;
    for (size_t i = 0; i <= n; i++)
        alt[i] = name[i] == '_' ? '-' : name[i];
    for (size_t i = 0; i < N_KEYS; i++) {
        if (strcmp(keys[i].name, alt) == 0)
            return &keys[i];
    }
    return NULL;
}

static int set_key(cfg *c, const struct key *k, const char *value, char *err,
                   size_t errlen)
{
    char *base = (char *)c + k->off;
    char *end = NULL;
    errno = 0;
    switch (k->type) {
    case K_STR:
        if (strlen(value) >= k->size) {
            snprintf(err, errlen, "%s: value too long", k->name);
            return -1;
        }
        if (check_value(k, value, err, errlen) != 0)
            return -1;
        memcpy(base, value, strlen(value) + 1);
        return 0;
    case K_LONG: {
        long v = strtol(value, &end, 10);
        if (errno || end == value || *end || v < 0) {
            snprintf(err, errlen, "%s: expected a non-negative integer",
                     k->name);
            return -1;
        }
        *(long *)(void *)base = v;
        return 0;
    }
    case K_DOUBLE: {
        double v = strtod(value, &end);
        if (errno || end == value || *end || v < 0) {
            snprintf(err, errlen, "%s: expected a non-negative number",
                     k->name);
            return -1;
        }
        *(double *)(void *)base = v;
        return 0;
    }
    }
    return -1;
}

int cfg_set(cfg *c, const char *key, const char *value, char *err,
            size_t errlen)
{
    const struct key *k = key_find(key);
    if (!k) {
        snprintf(err, errlen, "unknown setting '%s'", key);
        return -1;
    }
    return set_key(c, k, value, err, errlen);
}

void cfg_defaults(cfg *c)
{
    char err[128];
    memset(c, 0, sizeof(*c));
    for (size_t i = 0; i < N_KEYS; i++)
        (void)set_key(c, &keys[i], keys[i].def, err, sizeof(err));
}

struct ini_ctx {
    cfg *c;
    char *err;
    size_t errlen;
    int failed;
};

/* Returning 0 makes inih report this line's number as the first error. */
static int on_ini_line(void *user, const char *section, const char *name,
                       const char *value)
{
    struct ini_ctx *x = user;
    (void)section;
    if (x->failed)
        return 1;
    if (cfg_set(x->c, name, value, x->err, x->errlen) != 0) {
        x->failed = 1;
        return 0;
    }
    return 1;
}

int cfg_load_file(cfg *c, const char *path, char *err, size_t errlen)
{
    char why[256] = "";
    struct ini_ctx x = {c, why, sizeof(why), 0};
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    int line = ini_parse_file(f, on_ini_line, &x);
    fclose(f);
    if (line == 0)
        return 0;
    if (x.failed)
        snprintf(err, errlen, "%s:%d: %s", path, line, why);
    else
        snprintf(err, errlen, "%s:%d: syntax error (expected key = value)",
                 path, line);
    return -1;
}

/* "--key=value" or "--key value": find the key name and value. */
static const struct key *flag_key(const char *arg, const char **inline_val,
                                  char *name, size_t namelen)
{
    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    const char *eq = strchr(arg, '=');
    size_t n = eq ? (size_t)(eq - arg - 2) : strlen(arg + 2);
    if (n >= namelen)
        return NULL;
    memcpy(name, arg + 2, n);
    name[n] = '\0';
    *inline_val = eq ? eq + 1 : NULL;
    return key_find(name);
}

static int find_config_flag(cfg *c, int argc, char **argv, char *err,
                            size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 >= argc) {
            snprintf(err, errlen, "--config needs a value");
            return -1;
        }
        if (strcmp(argv[i], "--config") == 0)
            return cfg_load_file(c, argv[i + 1], err, errlen);
        if (strncmp(argv[i], "--config=", 9) == 0)
            return cfg_load_file(c, argv[i] + 9, err, errlen);
    }
    return 0;
}

int cfg_parse_args(cfg *c, int argc, char **argv, char **rest, int *nrest,
                   char *err, size_t errlen)
{
    *nrest = 0;
    if (find_config_flag(c, argc, argv, err, errlen) != 0)
        return -1;
    for (int i = 1; i < argc; i++) {
        const char *val = NULL;
        char name[64];
        if (strcmp(argv[i], "--config") == 0) {
            i++;
            continue;
        }
        if (strncmp(argv[i], "--config=", 9) == 0)
            continue;
        const struct key *k = flag_key(argv[i], &val, name, sizeof(name));
        if (!k) {
            rest[(*nrest)++] = argv[i];
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                snprintf(err, errlen, "--%s needs a value", k->name);
                return -1;
            }
            val = argv[++i];
        }
        if (set_key(c, k, val, err, errlen) != 0)
            return -1;
    }
    return 0;
}

void cfg_print_help(FILE *out)
{
    fprintf(out,
            "settings (INI key = flag name; flags override the file):\n"
            "  --%-20s %s\n",
            "config FILE", "INI file to read first");
    for (size_t i = 0; i < N_KEYS; i++) {
        /* A help text that already says its default needs no second one. */
        int says_default = strstr(keys[i].help, "(default") != NULL;
        fprintf(out, "  --%-20s %s", keys[i].name, keys[i].help);
        if (!says_default)
            fprintf(out, " (default: %s)", *keys[i].def ? keys[i].def : "none");
        fputc('\n', out);
    }
}

/* A file setting names a file we can read: say which and why not. */
static int readable(const char *key, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s %s: %s", key, path, strerror(errno));
        return -1;
    }
    fclose(f);
    return 0;
}

int cfg_check_serve(const cfg *c, char *err, size_t errlen)
{
    if (!c->tls_cert[0] != !c->tls_key[0]) {
        snprintf(err, errlen,
                 "%s is set without %s: TLS needs both (or neither, for "
                 "plain HTTP)",
                 c->tls_cert[0] ? "tls-cert" : "tls-key",
                 c->tls_cert[0] ? "tls-key" : "tls-cert");
        return -1;
    }
    if (c->tls_cert[0] && (readable("tls-cert", c->tls_cert, err, errlen) ||
                           readable("tls-key", c->tls_key, err, errlen)))
        return -1;
    if (c->hunt_file[0] && readable("hunt-file", c->hunt_file, err, errlen))
        return -1;
    if (c->status_listen[0] && strcmp(c->event_loop, "epoll") != 0) {
        snprintf(err, errlen,
                 "status-listen needs event-loop = epoll (a poll loop serves "
                 "one connection table)");
        return -1;
    }
    return 0;
}

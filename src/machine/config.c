/* config.c - gfmachine's settings from defaults, an INI file and flags.
 *
 * One table lists every key once: its name (the INI key and, with dashes,
 * the flag), its type, where it lives in `cfg` and its help line, so the
 * INI file, the flags and --help can never disagree. INI sections are only
 * for the reader's benefit: keys are unique across sections. The password
 * may be given but is never printed, not even in errors. */
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gf/data.h"
#include "gf/version.h"
#include "lidcam.h"

typedef enum cfg_kind { K_STR, K_SERIAL, K_I64, K_DBL, K_INT } cfg_kind;

typedef struct cfg_key {
    const char *name;
    cfg_kind kind;
    size_t off;
    const char *help;
} cfg_key;

#define KEY(n, k, f, h)                                                        \
    {                                                                          \
        n, k, offsetof(cfg, f), h                                              \
    }
static const cfg_key cfg_keys[] = {
    KEY("server", K_STR, server,
        "app server URL (sign-in, downloads); a comma-separated list "
        "fails over to the next when one cannot be reached"),
    KEY("status", K_STR, status,
        "status WebSocket URL, or a list matching --server (default: from "
        "each server)"),
    KEY("serial", K_SERIAL, serial, "machine serial, decimal (S prefix ok)"),
    KEY("password", K_STR, password, "machine password, 64 hex characters"),
    KEY("user_agent", K_STR, user_agent, "User-Agent sent to the service"),
    KEY("ca_file", K_STR, ca_file,
        "PEM CA certificates trusted for https/wss (default: the system's)"),
    KEY("fw_version", K_STR, fw_version, "factory firmware version (MCov)"),
    KEY("app_version", K_STR, app_version, "app build hash (MCdv)"),
    KEY("ip", K_STR, ip, "IP address reported (MCip)"),
    KEY("mac", K_STR, mac, "MAC address reported (NIma)"),
    KEY("head_id", K_I64, head_id, "head hardware id (HEid)"),
    KEY("head_serial", K_I64, head_serial, "head serial (HEsn)"),
    KEY("head_fw", K_I64, head_fw, "head firmware version (HEfv)"),
    KEY("images", K_STR, images,
        "folder with the emulated camera JPEGs (default: images next to the "
        "binary or in ../share/gfcloud)"),
    KEY("lid_image", K_STR, lid_image,
        "lid camera file in the images folder: the head's look (composed) "
        "or the picture (file)"),
    KEY("head_image", K_STR, head_image, "head camera file in the folder"),
    KEY("head_start", K_STR, head_start,
        "X,Y: where the emulated head sits at power-on, mm from home"),
    KEY("lid_camera", K_STR, lid_camera,
        "composed: the lid camera shows the head where it truly is; file: "
        "lid_image as it is"),
    KEY("bed_image", K_STR, bed_image, "the bare bed, for the composed camera"),
    KEY("lid_focal_px", K_DBL, lid_focal_px, "lid camera focal length, px"),
    KEY("lid_height_mm", K_DBL, lid_height_mm,
        "lid camera height above the head's top, mm"),
    KEY("lid_k1", K_DBL, lid_k1, "lid camera radial distortion, r^2 term"),
    KEY("lid_k2", K_DBL, lid_k2, "lid camera radial distortion, r^4 term"),
    KEY("lid_axis_x", K_DBL, lid_axis_x,
        "where the lid camera's axis meets the head plane, X mm"),
    KEY("lid_axis_y", K_DBL, lid_axis_y, "the same, Y mm"),
    KEY("lid_ref_x", K_DBL, lid_ref_x,
        "the head's X in lid_image (its look), mm from home"),
    KEY("lid_ref_y", K_DBL, lid_ref_y, "the same, Y mm"),
    KEY("lid_noise", K_DBL, lid_noise, "lid picture noise, +- grey levels"),
    KEY("lid_flicker", K_DBL, lid_flicker,
        "lid picture brightness change per frame, +- fraction"),
    KEY("lid_dark", K_DBL, lid_dark,
        "lid picture brightness factor (1 lamp on; 0.02 a dark room)"),
    KEY("lid_hide_head", K_INT, lid_hide_head,
        "1: the lid camera shows the bed only (head out of view)"),
    KEY("speed", K_DBL, speed,
        "playback speed: 1 real time, 100 = 1 h in 36 s, 0 as fast as "
        "possible"),
    KEY("auto_button", K_DBL, auto_button,
        "press the button after this many seconds (< 0: gfmachine press)"),
    KEY("control", K_STR, control, "local control socket path"),
    KEY("work_dir", K_STR, work_dir, "folder for downloaded jobs"),
    KEY("retry_min_ms", K_I64, retry_min_ms, "first sign-in retry delay"),
    KEY("retry_max_ms", K_I64, retry_max_ms, "largest sign-in retry delay"),
    KEY("retry_auth_ms", K_I64, retry_auth_ms,
        "delay after a refused password (401)"),
    KEY("reconnect_ms", K_I64, reconnect_ms,
        "delay before reconnecting after a drop"),
    KEY("warmup_ms", K_I64, warmup_ms, "print warm-up (divided by speed)"),
    KEY("rest_ms", K_I64, rest_ms, "rest after a print (divided by speed)"),
    KEY("button_timeout_ms", K_I64, button_timeout_ms, "button wait limit"),
    KEY("progress_interval_ms", K_I64, progress_interval_ms,
        "progress cadence"),
    KEY("http_timeout_ms", K_I64, http_timeout_ms, "HTTP call limit"),
    KEY("watchdog_ms", K_I64, watchdog_ms,
        "reconnect if no action follows a full settings report (0 off)"),
    KEY("ping_s", K_INT, ping_s, "WebSocket ping interval, seconds"),
    KEY("update_probe", K_INT, update_probe,
        "1: ask /update/current once after sign-in and log it"),
    KEY("queue_max", K_I64, queue_max, "frames kept while the socket is down"),
    KEY("max_job_bytes", K_I64, max_job_bytes, "largest job download"),
    KEY("chunk", K_I64, chunk, "playback slice in bytes (cancel latency)"),
    KEY("verbose", K_INT, verbose, "1: debug log lines too"),
    KEY("log_file", K_STR, log_file,
        "append the log to this file, not stderr; SIGHUP reopens it "
        "(logrotate)"),
};
#define N_KEYS (sizeof(cfg_keys) / sizeof(cfg_keys[0]))

static void cfg_err(char *err, size_t errlen, const char *a, const char *b)
{
    snprintf(err, errlen, "%s%s", a, b);
}

void cfg_defaults(cfg *c)
{
    memset(c, 0, sizeof(*c));
    c->server = strdup("http://127.0.0.1:8080");
    c->user_agent = strdup("gfmachine/0.1");
    c->fw_version = strdup("2.6.0-2228");
    c->app_version = strdup("0000000000000000000000000000000000000000");
    c->head_id = c->head_serial = c->head_fw = -1;
    char images[PATH_MAX];
    /* Not found: keep the install path, so the start-up error names it. */
    gf_data_path("images", images, sizeof(images));
    c->images = strdup(images);
    c->lid_image = strdup("HOME_1.jpg");
    c->head_image = strdup("HEAD_NO_LASER_.230.jpg");
    c->head_start = strdup("0,0");
    c->lid_camera = strdup("composed");
    c->bed_image = strdup("HOME_4.jpg");
    lidcam_opts lo;
    lidcam_opts_default(&lo);
    c->lid_focal_px = lo.model.focal_px;
    c->lid_height_mm = lo.model.height_mm;
    c->lid_k1 = lo.model.k1;
    c->lid_k2 = lo.model.k2;
    c->lid_axis_x = lo.model.axis_x;
    c->lid_axis_y = lo.model.axis_y;
    c->lid_ref_x = lo.model.ref_x;
    c->lid_ref_y = lo.model.ref_y;
    c->lid_noise = lo.noise;
    c->lid_flicker = lo.flicker;
    c->lid_dark = lo.dark;
    c->speed = 1;
    c->auto_button = -1;
    const char *tmp = getenv("TMPDIR");
    c->work_dir = strdup(tmp && *tmp ? tmp : "/tmp");
    c->retry_min_ms = 5000;
    c->retry_max_ms = 30000;
    c->retry_auth_ms = 30000;
    c->reconnect_ms = 5000;
    c->warmup_ms = 3000;
    c->rest_ms = 10000;
    c->button_timeout_ms = 300000;
    c->progress_interval_ms = 30000;
    c->http_timeout_ms = 30000;
    c->watchdog_ms = 120000;
    c->update_probe = 1;
    c->ping_s = 30;
    c->queue_max = 1000;
    c->max_job_bytes = 128LL * 1024 * 1024;
    c->chunk = 4096;
}

static const cfg_key *cfg_find(const char *name)
{
    char norm[64];
    size_t i;
    for (i = 0; name[i] && i < sizeof(norm) - 1; i++)
        norm[i] = name[i] == '-' ? '_' : name[i];
    norm[i] = '\0';
    for (size_t k = 0; k < N_KEYS; k++)
        if (strcmp(cfg_keys[k].name, norm) == 0)
            return &cfg_keys[k];
    return NULL;
}

static int cfg_parse_serial(const char *v, uint64_t *out)
{
    char *end;
    if (*v == 'S' || *v == 's')
        v++;
    if (!isdigit((unsigned char)*v))
        return -1;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || *end || n == 0)
        return -1;
    *out = n;
    return 0;
}

static int cfg_parse_num(const cfg_key *k, void *field, const char *v)
{
    char *end;
    errno = 0;
    if (k->kind == K_DBL) {
        double d = strtod(v, &end);
        if (errno || end == v || *end)
            return -1;
        *(double *)field = d;
        return 0;
    }
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return -1;
    if (k->kind == K_INT)
        *(int *)field = (int)n;
    else
        *(int64_t *)field = n;
    return 0;
}

int cfg_set(cfg *c, const char *key, const char *value, char *err,
            size_t errlen)
{
    const cfg_key *k = cfg_find(key);
    void *field;
    if (!k) {
        cfg_err(err, errlen, "unknown setting: ", key);
        return -1;
    }
    field = (char *)c + k->off;
    switch (k->kind) {
    case K_STR: {
        char *dup = strdup(value);
        if (!dup) {
            cfg_err(err, errlen, "out of memory", "");
            return -1;
        }
        free(*(char **)field);
        *(char **)field = dup;
        return 0;
    }
    case K_SERIAL:
        if (cfg_parse_serial(value, field) == 0)
            return 0;
        break;
    default:
        if (cfg_parse_num(k, field, value) == 0)
            return 0;
        break;
    }
    /* Never echo the value: the key could be anything a user mistyped. */
    cfg_err(err, errlen, "bad value for setting: ", k->name);
    return -1;
}

typedef struct cfg_ini_ctx {
    cfg *c;
    char *err;
    size_t errlen;
    int failed;
} cfg_ini_ctx;

static int cfg_ini_handler(void *user, const char *section, const char *name,
                           const char *value)
{
    cfg_ini_ctx *x = user;
    if (x->failed)
        return 1;
    if (cfg_set(x->c, name, value, x->err, x->errlen) != 0)
        x->failed = 1;
    return 1;
}

int cfg_load_ini(cfg *c, const char *path, char *err, size_t errlen)
{
    cfg_ini_ctx x = {c, err, errlen, 0};
    int rc = ini_parse(path, cfg_ini_handler, &x);
    if (rc < 0) {
        cfg_err(err, errlen, "cannot read config file ", path);
        return -1;
    }
    if (rc > 0) {
        snprintf(err, errlen, "%s:%d: syntax error", path, rc);
        return -1;
    }
    if (x.failed) {
        char tmp[256];
        snprintf(tmp, sizeof(tmp), "%s: %s", path, err);
        snprintf(err, errlen, "%s", tmp);
        return -1;
    }
    return 0;
}

void cfg_usage(FILE *out)
{
    fprintf(out,
            "usage: gfmachine [--config FILE] --server URL [--status URL] "
            "--serial N --password HEX [--KEY VALUE ...]\n       gfmachine "
            "press [--control PATH | --serial N]\n       gfmachine lid "
            "open|close [--control PATH | --serial N]\n       gfmachine "
            "where [--control PATH | --serial N]   (tests only: the emulated "
            "head's\n                 true position, X Y mm from home)\n"
            "       gfmachine --help | --version\n\nEvery key below can "
            "be set in the INI file (key_name = VALUE, any section)\nor as "
            "--key-name VALUE (dashes or underscores):\n");
    for (size_t k = 0; k < N_KEYS; k++) {
        char flag[64];
        size_t i;
        for (i = 0; cfg_keys[k].name[i] && i < sizeof(flag) - 1; i++)
            flag[i] = cfg_keys[k].name[i] == '_' ? '-' : cfg_keys[k].name[i];
        flag[i] = '\0';
        fprintf(out, "  --%-22s %s\n", flag, cfg_keys[k].help);
    }
    fprintf(out, "\nThe password may also come from the environment variable "
                 "GFMACHINE_PASSWORD\n(keeps it out of `ps`).\n");
}

/* Find --config first so that flags override the file whatever the order. */
static const char *cfg_config_path(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--config") == 0)
            return argv[i + 1];
    return NULL;
}

static int cfg_flags(cfg *c, int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cfg_usage(stdout);
            return 1;
        }
        if (strcmp(a, "--version") == 0) {
            printf("gfmachine %s\n", GF_VERSION);
            return 1;
        }
        if (strncmp(a, "--", 2) != 0) {
            cfg_err(err, errlen, "unexpected argument: ", a);
            return -1;
        }
        if (i + 1 >= argc) {
            cfg_err(err, errlen, "missing value for ", a);
            return -1;
        }
        if (strcmp(a, "--config") != 0 &&
            cfg_set(c, a + 2, argv[i + 1], err, errlen) != 0)
            return -1;
    }
    return 0;
}

static char *cfg_status_from_server(const char *server)
{
    const char *rest = server;
    const char *scheme = "ws://";
    char *out;
    if (strncmp(server, "https://", 8) == 0) {
        rest = server + 8;
        scheme = "wss://";
    } else if (strncmp(server, "http://", 7) == 0) {
        rest = server + 7;
    }
    size_t n = strlen(scheme) + strlen(rest) + 1;
    out = malloc(n);
    if (out)
        snprintf(out, n, "%s%s", scheme, rest);
    return out;
}

static int cfg_is_hex64(const char *p)
{
    size_t n = 0;
    for (; p[n]; n++)
        if (!isxdigit((unsigned char)p[n]))
            return 0;
    return n == 64;
}

int cfg_head_start(const cfg *c, double *x, double *y)
{
    char *end;
    const char *p = c->head_start ? c->head_start : "0,0";
    errno = 0;
    *x = strtod(p, &end);
    if (end == p || *end != ',' || errno)
        return -1;
    p = end + 1;
    *y = strtod(p, &end);
    if (end == p || *end || errno || !(fabs(*x) < 1000) || !(fabs(*y) < 1000))
        return -1;
    return 0;
}

int cfg_fill_control(cfg *c)
{
    char buf[128];
    if (c->control)
        return 0;
    snprintf(buf, sizeof(buf), "/tmp/gfmachine-%llu.sock",
             (unsigned long long)c->serial);
    c->control = strdup(buf);
    return c->control ? 0 : -1;
}

/* The next comma-separated item of *list as a new string, "" past the end
 * (trailing slashes dropped). NULL: out of memory. */
static char *cfg_next_item(const char **list)
{
    const char *p = *list, *end = strchr(p, ',');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    *list = end ? end + 1 : p + n;
    while (n > 0 && p[n - 1] == '/')
        n--;
    char *out = malloc(n + 1);
    if (out) {
        memcpy(out, p, n);
        out[n] = '\0';
    }
    return out;
}

static int cfg_services_fail(char *err, size_t errlen, const char *why)
{
    cfg_err(err, errlen, why, "");
    return -1;
}

/* --server (and --status) into one URL per node, checked. */
static void cfg_free_services(cfg *c)
{
    for (int i = 0; i < c->n_services; i++) {
        free(c->services[i]);
        free(c->statuses[i]);
        c->services[i] = c->statuses[i] = NULL;
    }
    c->n_services = 0;
}

static int cfg_split_services(cfg *c, char *err, size_t errlen)
{
    const char *sv = c->server, *st = c->status;
    cfg_free_services(c); /* checked again after a change */
    while (*sv) {
        if (c->n_services == CFG_MAX_SERVICES)
            return cfg_services_fail(err, errlen, "too many --server URLs");
        char *s = cfg_next_item(&sv);
        char *w = s && st && *st ? cfg_next_item(&st)
                  : s            ? cfg_status_from_server(s)
                                 : NULL;
        c->services[c->n_services] = s;
        c->statuses[c->n_services++] = w;
        if (!s || !w)
            return cfg_services_fail(err, errlen, "out of memory");
        if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
            return cfg_services_fail(
                err, errlen, "--server must be an http:// or https:// URL");
        if (strncmp(w, "ws://", 5) != 0 && strncmp(w, "wss://", 6) != 0)
            return cfg_services_fail(err, errlen,
                                     "--status must be a ws:// or wss:// URL");
    }
    if (c->n_services == 0)
        return cfg_services_fail(err, errlen,
                                 "--server must be an http:// or https:// URL");
    if (st && *st)
        return cfg_services_fail(err, errlen,
                                 "--status lists more URLs than --server");
    if (!c->in_use && !(c->in_use = calloc(1, sizeof(*c->in_use))))
        return cfg_services_fail(err, errlen, "out of memory");
    return 0;
}

const char *cfg_server(const cfg *c)
{
    return c->services[c->in_use ? atomic_load(c->in_use) : 0];
}

const char *cfg_status(const cfg *c)
{
    return c->statuses[c->in_use ? atomic_load(c->in_use) : 0];
}

const char *cfg_next_service(const cfg *c)
{
    if (c->n_services > 1)
        atomic_store(c->in_use, (atomic_load(c->in_use) + 1) % c->n_services);
    return cfg_server(c);
}

int cfg_check(cfg *c, char *err, size_t errlen)
{
    if (!c->serial) {
        cfg_err(err, errlen, "missing --serial", "");
        return -1;
    }
    if (cfg_fill_control(c) != 0) {
        cfg_err(err, errlen, "out of memory", "");
        return -1;
    }
    const char *env = getenv("GFMACHINE_PASSWORD");
    if (!c->password && env && *env && !(c->password = strdup(env))) {
        cfg_err(err, errlen, "out of memory", "");
        return -1;
    }
    if (!c->password || !cfg_is_hex64(c->password)) {
        cfg_err(err, errlen, "--password must be 64 hex characters", "");
        return -1;
    }
    if (cfg_split_services(c, err, errlen) != 0)
        return -1;
    double hx, hy;
    if (cfg_head_start(c, &hx, &hy) != 0) {
        cfg_err(err, errlen, "--head-start must be X,Y in mm (e.g. 3.5,-2)",
                "");
        return -1;
    }
    if (strcmp(c->lid_camera, "composed") != 0 &&
        strcmp(c->lid_camera, "file") != 0) {
        cfg_err(err, errlen, "--lid-camera must be composed or file", "");
        return -1;
    }
    if (!(c->lid_focal_px > 0) || !(c->lid_height_mm > 0) ||
        !(c->lid_noise >= 0) || !(c->lid_flicker >= 0 && c->lid_flicker < 1) ||
        !(c->lid_dark >= 0)) {
        cfg_err(err, errlen, "a lid camera setting is out of range", "");
        return -1;
    }
    if (c->chunk < 1 || c->chunk > 1 << 20 || c->queue_max < 1 ||
        c->queue_max > 1000000 || c->http_timeout_ms < 1 ||
        c->button_timeout_ms < 0 || c->progress_interval_ms < 0 ||
        c->max_job_bytes < 64 || c->retry_min_ms < 0 ||
        c->retry_max_ms < c->retry_min_ms || c->ping_s < 0) {
        cfg_err(err, errlen, "a timing or limit is out of range", "");
        return -1;
    }
    return 0;
}

int cfg_load(cfg *c, int argc, char **argv, char *err, size_t errlen)
{
    const char *path = cfg_config_path(argc, argv);
    cfg_defaults(c);
    if (path && cfg_load_ini(c, path, err, errlen) != 0)
        return -1;
    return cfg_flags(c, argc, argv, err, errlen);
}

void cfg_free(cfg *c)
{
    cfg_free_services(c);
    free(c->in_use);
    c->in_use = NULL;
    for (size_t k = 0; k < N_KEYS; k++)
        if (cfg_keys[k].kind == K_STR) {
            char **p = (char **)((char *)c + cfg_keys[k].off);
            free(*p);
            *p = NULL;
        }
}

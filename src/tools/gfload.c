/* gfload.c - thousands of emulated machines in one process, for loading
 * gfcloud (or any service speaking the protocol).
 *
 * This file reads the options and the passwords, raises the open-files
 * limit (each machine needs one socket, two while it downloads or
 * uploads), makes the one libwebsockets context, ramps the sign-ins at
 * --rate per second, runs the loop until --duration or SIGINT/SIGTERM,
 * closes every session with a close frame, and prints the summary. The
 * machines themselves are in gfload_machine.c and gfload_act.c. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "gf/version.h"
#include "gfload.h"
#include "gfload_settings.h"
#include "gfnet_loop.h"

#define GL_TICK_MS      10 /* the wheel's tick: sign-in pacing */
#define GL_WHEEL_LOG2   12 /* 4096 slots of 10 ms: 41 s a turn */
#define GL_CLOSE_WAIT_S 5.0
#define GL_MAX_MACHINES 100000

gl_world gl_w;
static lws_sorted_usec_list_t gl_tick_sul;

/* Given to the context and to every client connection: libwebsockets 4.1
 * does not take a client connection's policy from its context, and without
 * one it arms the validity timer per connection. */
const lws_retry_bo_t gl_no_validity = {.secs_since_valid_ping = 0,
                                       .secs_since_valid_hangup = 0};
static double gl_next_progress;

int64_t gl_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

double gl_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void gl_on_signal(int sig)
{
    (void)sig;
    gl_w.stop = 1;
}

static void gl_usage(FILE *f)
{
    fprintf(f, "usage: gfload --server URL[,URL...] [--status URL[,...]] "
               "--machines N\n"
               "              --serial-base S (--password-file FILE | "
               "--password HEX)\n"
               "              [--rate PER_S] [--max-opening N] [--duration S]\n"
               "              [--play-delay MS] [--source A[-B][,...]]\n"
               "              [--processes P] [--progress S]\n"
               "              [--image FILE.jpg] [--ca-file PEM] [--insecure]\n"
               "              [--event-loop epoll|poll]\n"
               "              [--json] [--verbose]\n"
               "       gfload --help | --version\n"
               "Machines are serials S..S+N-1; FILE holds `serial password` "
               "lines\n(the serial with or without its S). --duration 0 runs "
               "until SIGINT.\nSeveral --server URLs are the nodes of one "
               "service: machines spread over\nthem by serial and move to "
               "the next node when one fails.\n");
}

static int gl_num(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* One option; 1 for an unknown one, -1 for a bad value. */
static int gl_parse_one(gl_opts *o, int c, const char *a)
{
    double v = 0;
    switch (c) {
    case 's':
        o->server = a;
        return 0;
    case 'S':
        o->status = a;
        return 0;
    case 'f':
        o->password_file = a;
        return 0;
    case 'p':
        o->password = a;
        return 0;
    case 'i':
        o->image_file = a;
        return 0;
    case 'c':
        o->ca_file = a;
        return 0;
    case 'k':
        o->insecure = 1;
        return 0;
    case 'g':
        return gl_num(a, 0.05, 3600, &o->progress_s);
    case 'P':
        if (gl_num(a, 1, 64, &v))
            return -1;
        o->processes = (int)v;
        return 0;
    case 'a':
        o->source = a;
        return gl_sources_parse(&gl_w.src, a) == 0 ? 0 : -1;
    case 'j':
        o->json = 1;
        return 0;
    case 'e':
        o->event_loop = gfnet_loop_parse(a);
        return o->event_loop < 0 ? -1 : 0;
    case 'v':
        o->verbose = 1;
        return 0;
    case 'r':
        return gl_num(a, 0.1, 1e6, &o->rate);
    case 'd':
        return gl_num(a, 0, 1e7, &o->duration);
    case 'n':
        if (gl_num(a, 1, GL_MAX_MACHINES, &v))
            return -1;
        o->machines = (long)v;
        return 0;
    case 'b':
        if (gl_num(a[0] == 'S' ? a + 1 : a, 1, 4e9, &v))
            return -1;
        o->serial_base = (uint64_t)v;
        return 0;
    case 'o':
        if (gl_num(a, 1, GL_MAX_MACHINES, &v))
            return -1;
        o->max_opening = (long)v;
        return 0;
    case 'D':
        if (gl_num(a, 0, 3.6e6, &v))
            return -1;
        o->play_delay_ms = (long)v;
        return 0;
    default:
        return 1;
    }
}

static int gl_parse(int argc, char **argv, gl_opts *o)
{
    static const struct option lo[] = {{"server", 1, 0, 's'},
                                       {"status", 1, 0, 'S'},
                                       {"machines", 1, 0, 'n'},
                                       {"serial-base", 1, 0, 'b'},
                                       {"password-file", 1, 0, 'f'},
                                       {"password", 1, 0, 'p'},
                                       {"rate", 1, 0, 'r'},
                                       {"duration", 1, 0, 'd'},
                                       {"max-opening", 1, 0, 'o'},
                                       {"source", 1, 0, 'a'},
                                       {"processes", 1, 0, 'P'},
                                       {"progress", 1, 0, 'g'},
                                       {"play-delay", 1, 0, 'D'},
                                       {"image", 1, 0, 'i'},
                                       {"ca-file", 1, 0, 'c'},
                                       {"insecure", 0, 0, 'k'},
                                       {"json", 0, 0, 'j'},
                                       {"verbose", 0, 0, 'v'},
                                       {"event-loop", 1, 0, 'e'},
                                       {"help", 0, 0, 'h'},
                                       {0, 0, 0, 0}};
    int c, rc = 0;
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("gfload %s\n", GF_VERSION);
        exit(0);
    }
    o->rate = 200;
    o->max_opening = 256;
    o->progress_s = 1.0;
    o->machines = -1;
    o->event_loop = GFNET_LOOP_EPOLL;
    while (rc == 0 && (c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (c == 'h') {
            gl_usage(stdout);
            exit(0);
        }
        rc = gl_parse_one(o, c, optarg);
        for (int k = 0; rc < 0 && lo[k].name; k++)
            if (lo[k].val == c)
                fprintf(stderr, "gfload: bad value for --%s: %s\n", lo[k].name,
                        optarg);
    }
    if (rc == 0 && (optind != argc || !o->server || o->machines < 1 ||
                    !o->serial_base || (!o->password_file == !o->password)))
        rc = 1;
    if (rc > 0)
        gl_usage(stderr);
    return rc ? -1 : 0;
}

/* One comma-separated list into `out` (each without a trailing '/');
 * the count, or -1 if there are too many or one is too long or empty. */
static int gl_split(const char *list, char out[][512])
{
    int n = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        while (len > 0 && p[len - 1] == '/')
            len--; /* paths are appended with their own '/' */
        if (n == GL_MAX_NODES || len == 0 || len >= sizeof(out[0]))
            return -1;
        memcpy(out[n], p, len);
        out[n++][len] = '\0';
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return n;
}

/* --server's nodes, and their status URLs: --status's (as many), or
 * ws(s):// from each http(s):// one. 0, or -1 with a message. */
static int gl_nodes(gl_opts *o)
{
    int n = gl_split(o->server, gl_w.servers);
    if (n <= 0) {
        fprintf(stderr,
                "gfload: --server takes 1 to %d http(s) URLs, "
                "separated by commas\n",
                GL_MAX_NODES);
        return -1;
    }
    gl_w.nodes = n;
    for (int i = 0; i < n; i++) {
        const char *s = gl_w.servers[i];
        if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
            fprintf(stderr, "gfload: --server must be http(s) URLs\n");
            return -1;
        }
    }
    if (o->status) {
        if (gl_split(o->status, gl_w.statuses) != n) {
            fprintf(stderr, "gfload: --status needs one URL per --server "
                            "URL\n");
            return -1;
        }
        return 0;
    }
    for (int i = 0; i < n; i++) {
        const char *s = gl_w.servers[i];
        int tls = strncmp(s, "https://", 8) == 0;
        snprintf(gl_w.statuses[i], sizeof(gl_w.statuses[i]), "%s://%s",
                 tls ? "wss" : "ws", s + (tls ? 8 : 7));
    }
    return 0;
}

static int gl_password_ok(const char *p)
{
    size_t n = strlen(p);
    if (n == 0 || n > 128)
        return 0;
    return strspn(p, "0123456789abcdefABCDEF") == n;
}

static int gl_passwords_file(const char *path)
{
    /* pw is the size of gl_machine.password: a longer word is cut, and the
     * cut word is still longer than gl_password_ok() allows. */
    char line[512], serial[64], pw[132];
    long found = 0, lineno = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "gfload: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        if (sscanf(line, "%63s %131s", serial, pw) != 2)
            continue;
        const char *s = serial[0] == 'S' ? serial + 1 : serial;
        uint64_t n = strtoull(s, NULL, 10);
        if (!gl_password_ok(pw)) {
            fprintf(stderr, "gfload: %s:%ld: bad password\n", path, lineno);
            continue;
        }
        if (n < gl_w.opt.serial_base ||
            n - gl_w.opt.serial_base >= (uint64_t)gl_w.opt.machines)
            continue;
        gl_machine *m = &gl_w.m[n - gl_w.opt.serial_base];
        if (!m->password[0])
            found++;
        snprintf(m->password, sizeof(m->password), "%s", pw);
    }
    fclose(f);
    if (found != gl_w.opt.machines) {
        fprintf(stderr,
                "gfload: %s has passwords for %ld of the %ld "
                "machines\n",
                path, found, gl_w.opt.machines);
        return -1;
    }
    return 0;
}

static int gl_machines_init(void)
{
    gl_w.m = calloc((size_t)gl_w.opt.machines, sizeof(*gl_w.m));
    if (!gl_w.m)
        return -1;
    for (long k = 0; k < gl_w.opt.machines; k++) {
        gl_w.m[k].serial = gl_w.opt.serial_base + (uint64_t)k;
        /* By serial, so that --processes children spread alike. */
        gl_w.m[k].node = (int)(gl_w.m[k].serial % (uint64_t)gl_w.nodes);
        gl_w.m[k].backoff_ms = 1000;
        gl_w.m[k].seq = 32;
        if (gl_w.opt.password)
            snprintf(gl_w.m[k].password, sizeof(gl_w.m[k].password), "%s",
                     gl_w.opt.password);
    }
    if (gl_w.opt.password && !gl_password_ok(gl_w.opt.password)) {
        fprintf(stderr, "gfload: --password must be hex\n");
        return -1;
    }
    return gl_w.opt.password_file ? gl_passwords_file(gl_w.opt.password_file)
                                  : 0;
}

/* Room for every machine's socket and a spare HTTP one each. */
static void gl_raise_nofile(void)
{
    struct rlimit r;
    rlim_t want = (rlim_t)gl_w.opt.machines * 2 + 64;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= want)
        return;
    r.rlim_cur = want < r.rlim_max ? want : r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur < want)
        fprintf(stderr,
                "gfload: warning: open-files limit %llu is below "
                "the %llu wanted\n",
                (unsigned long long)r.rlim_cur, (unsigned long long)want);
}

static const struct lws_protocols gl_protocols[] = {
    {"gfload-http", gl_callback, 0, 0, 0, NULL, 0},
    {"glowforge", gl_callback, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static int gl_context(void)
{
    struct lws_context_creation_info info;
    struct rlimit r;
    memset(&info, 0, sizeof(info));
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = gl_protocols;
    int tls = 0;
    for (int i = 0; i < gl_w.nodes; i++)
        tls |= strncmp(gl_w.servers[i], "https://", 8) == 0 ||
               strncmp(gl_w.statuses[i], "wss://", 6) == 0;
    if (tls) {
        info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.client_ssl_ca_filepath = gl_w.opt.ca_file;
    }
    if (getrlimit(RLIMIT_NOFILE, &r) == 0)
        info.fd_limit_per_thread = (unsigned int)r.rlim_cur;
    info.timeout_secs = 15; /* handshake limit (§4.3) */
    /* No validity timer per connection: libwebsockets re-arms it on every
     * frame, an O(N) insert into its sorted timer list (issue 11). The
     * service pings idle sessions (§4.3) and lws answers with pongs; a
     * dead service shows as a closed socket. */
    info.retry_and_idle_policy = &gl_no_validity;
    /* libwebsockets' own lines may quote the WebSocket path, which is a
     * token: never logged. --verbose prints gfload's own lines instead. */
    lws_set_log_level(0, NULL);
    gl_w.loop = gfnet_loop_new((gfnet_loop_kind)gl_w.opt.event_loop);
    if (!gl_w.loop)
        return -1;
    gfnet_loop_prepare(gl_w.loop, &info);
    gl_w.ctx = lws_create_context(&info);
    if (!gl_w.ctx)
        return -1;
    if ((gfnet_loop_kind)gl_w.opt.event_loop != GFNET_LOOP_EPOLL) {
        gl_w.http_ctx = gl_w.ctx; /* one poll(2) loop serves one context */
        return 0;
    }
    gl_w.http_ctx = lws_create_context(&info);
    return gl_w.http_ctx ? 0 : -1;
}

/* One pass of the loop, then the wake-ups a pass owes (gl_world). */
static int gl_pass(void)
{
    if (gfnet_loop_run_once(gl_w.loop, gl_w.ctx) < 0)
        return -1;
    if (gl_w.http_wake)
        lws_cancel_service(gl_w.http_ctx);
    if (gl_w.ws_wake)
        lws_cancel_service(gl_w.ctx);
    gl_w.http_wake = gl_w.ws_wake = 0;
    return 0;
}

/* Every tick: the machines' timers, the stop flag, the duration, the
 * progress line. */
static void gl_tick(lws_sorted_usec_list_t *sul)
{
    double now = gl_now();
    gfnet_wheel_run(gl_w.wheel, gl_now_ms());
    if (gl_w.opt.duration > 0 && now - gl_w.st.start_s >= gl_w.opt.duration)
        gl_w.stop = 1;
    if (now >= gl_next_progress) {
        gl_report_progress();
        gl_next_progress = now + gl_w.opt.progress_s;
    }
    /* Always again: a flag set in a timer is only seen once a pass of the
     * loop returns, and it returns at the next timer or socket event. */
    lws_sul_schedule(gl_w.ctx, 0, sul, gl_tick,
                     (lws_usec_t)GL_TICK_MS * LWS_US_PER_MS);
}

static long gl_run(void)
{
    gl_w.st.start_s = gl_now();
    gl_next_progress = gl_w.st.start_s + gl_w.opt.progress_s;
    for (long k = 0; k < gl_w.opt.machines; k++)
        gl_machine_schedule(&gl_w.m[k],
                            (int64_t)((double)k * 1000.0 / gl_w.opt.rate));
    lws_sul_schedule(gl_w.ctx, 0, &gl_tick_sul, gl_tick,
                     (lws_usec_t)GL_TICK_MS * LWS_US_PER_MS);
    while (!gl_w.stop)
        if (gl_pass() < 0)
            break;
    for (long k = 0; k < gl_w.opt.machines; k++)
        if (gl_w.m[k].up)
            gl_w.held_node[gl_w.m[k].node]++;
    return gl_w.st.connected;
}

static void gl_close(void)
{
    double until = gl_now() + GL_CLOSE_WAIT_S;
    gl_w.stop = 1;
    gl_machine_close_all();
    while (gl_w.st.connected > 0 && gl_now() < until)
        if (gl_pass() < 0)
            break;
    lws_sul_cancel(&gl_tick_sul);
}

int main(int argc, char **argv)
{
    int rc = 1;
    if (gl_parse(argc, argv, &gl_w.opt) != 0)
        return 2;
    if (gl_nodes(&gl_w.opt) != 0)
        return 2;
    snprintf(gl_w.tag, sizeof(gl_w.tag), "gfload");
    if (gl_w.opt.processes > 1) {
        int child = 0;
        int prc = gl_fleet_run(&child);
        if (!child)
            return prc;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, gl_on_signal);
    signal(SIGTERM, gl_on_signal);
    gl_raise_nofile();
    if (gl_machines_init() != 0 ||
        gl_jpeg_load(gl_w.opt.image_file, &gl_w.jpeg, &gl_w.jpeg_len) != 0)
        goto out;
    gl_w.wheel = gfnet_wheel_new(GL_WHEEL_LOG2, GL_TICK_MS, gl_now_ms());
    if (!gl_w.wheel || gl_context() != 0) {
        fprintf(stderr, "gfload: cannot create the libwebsockets context\n");
        goto out;
    }
    long rss_base = gl_rss_kib();
    long held = gl_run();
    long rss_end = gl_rss_kib();
    gl_close();
    gl_report_progress();
    gl_report_summary(rss_base, rss_end, held);
    rc = 0;
out:
    if (gl_w.http_ctx && gl_w.http_ctx != gl_w.ctx)
        lws_context_destroy(gl_w.http_ctx);
    if (gl_w.ctx)
        lws_context_destroy(gl_w.ctx);
    gfnet_loop_free(gl_w.loop);
    for (long k = 0; gl_w.m && k < gl_w.opt.machines; k++)
        gl_machine_free(&gl_w.m[k]);
    free(gl_w.m);
    gfnet_wheel_free(gl_w.wheel);
    free(gl_w.jpeg);
    free(gl_w.txbuf);
    gl_settings_tpl_free(gl_w.settings_tpl);
    return rc;
}

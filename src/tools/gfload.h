/* gfload.h - internals shared by the gfload files (not a public API).
 *
 * gfload holds thousands of emulated machines on ONE libwebsockets event
 * loop in one thread: every machine is a small struct with a state, timers
 * (on one timer wheel: libwebsockets' own timers cost O(N) to arm) and at most
 * one WebSocket plus two HTTP client connections (its sign-in and its current
 * action's download or upload). Nothing blocks; every step is a callback.
 * Modules: gfload.c (options, loop, signals), gfload_machine.c (sign-in, the
 * WebSocket, reconnects), gfload_act.c (the answers to actions), gfload_http.c
 * (an HTTP request on the shared loop), gfload_report.c (progress, summary,
 * RSS), gfload_jpeg.c (the image the image actions upload). */
#ifndef GFLOAD_H
#define GFLOAD_H

#include <jansson.h>
#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

#include "gf/message.h"
#include "gfnet_wheel.h"

/* Caps on what the network may hand us. */
#define GL_MAX_SIGNIN_BODY (16 * 1024)   /* two tokens of a few hundred bytes */
#define GL_MAX_TOKEN       4096          /* §2.2: no limit below 4 KiB */
#define GL_MAX_JOB         (128L << 20)  /* a pulse file (gfcloud's own cap) */
#define GL_MAX_UPLOAD_BODY (64 * 1024)   /* answer to an image PUT */
#define GL_MAX_MESSAGE     (1024 * 1024) /* one WebSocket message */
#define GL_TXQ_MAX         256           /* queued lines per machine */
#define GL_RECENT_IDS      64            /* finished ids remembered (§11) */

#define GL_MAX_SOURCES 256 /* --source addresses */
#define GL_MAX_NODES   16  /* --server URLs (service nodes) */

typedef struct gl_sources {
    char addr[GL_MAX_SOURCES][16]; /* dotted IPv4 */
    size_t n;
} gl_sources;

typedef struct gl_opts {
    const char *server; /* http(s)://host:port[,...], one per node */
    const char *status; /* ws(s)://host:port[,...]; derived when NULL */
    long machines;
    uint64_t serial_base;
    const char *password_file; /* "serial password" lines */
    const char *password;      /* one password for all */
    double rate;               /* sign-ins started per second */
    long max_opening;          /* sign-in + upgrade handshakes at once */
    int processes;             /* --processes: split over this many */
    double progress_s;         /* seconds between progress lines */
    double duration;           /* seconds; <= 0 means until SIGINT */
    long play_delay_ms;        /* pretend playback of a job */
    const char *image_file;    /* JPEG to upload; built-in when NULL */
    const char *ca_file;
    const char *source; /* --source, parsed into gl_w.src */
    int insecure;       /* accept any TLS certificate (tests) */
    int event_loop;     /* gfnet_loop_kind: epoll (default) or poll */
    int json;
    int verbose;
} gl_opts;

/* Action types gfload knows, for the per-type figures. */
typedef enum gl_type {
    GL_T_SETTINGS = 0,
    GL_T_UPDATE_CHECK,
    GL_T_FACTORY_RESET,
    GL_T_HEAD_FW,
    GL_T_HUNT,
    GL_T_MOTION,
    GL_T_PRINT,
    GL_T_LID_IMAGE,
    GL_T_HEAD_IMAGE,
    GL_T_LIDAR_IMAGE,
    GL_T_USER_IMAGE,
    GL_T_OTHER,
    GL_NTYPES
} gl_type;

typedef struct gl_type_stats {
    uint64_t received, completed, failed, cancelled, busy;
    double rt_sum_ms, rt_max_ms;
} gl_type_stats;

typedef struct gl_stats {
    uint64_t sign_ins, sign_in_failures, connects, connect_failures, drops;
    uint64_t bad_lines, tx_dropped, bytes_down, bytes_up;
    uint64_t failovers; /* moves to the next node after a failure */
    long connected, peak_connected, ever_connected;
    double start_s, last_first_connect_s;
    gl_type_stats types[GL_NTYPES];
} gl_stats;

typedef struct gl_machine gl_machine;

/* -- gfload_http.c: one HTTP request, owned by a machine ----------------- */
typedef void (*gl_http_done)(gl_machine *m, long status, const char *body,
                             size_t len, const char *err);

typedef struct gl_http {
    struct lws *wsi; /* NULL when idle */
    const char *method;
    const char *ctype;
    char *bearer; /* "Bearer <token>" or NULL, owned */
    const unsigned char *body;
    size_t body_len, sent;
    int keep; /* keep the body (else only count it) */
    int64_t cap, got, declared;
    long status;
    int finished;
    char *resp;
    size_t resp_len, resp_cap;
    char err[128];
    gl_http_done done;
} gl_http;

int gl_http_start(gl_machine *m, gl_http *h, const char *method,
                  const char *url, const char *bearer_token, const char *ctype,
                  const void *body, size_t body_len, int64_t cap, int keep,
                  gl_http_done done);
/* The lws callback's share for an HTTP client connection. */
int gl_http_callback(gl_machine *m, gl_http *h, struct lws *wsi,
                     enum lws_callback_reasons reason, void *in, size_t len);
void gl_http_free(gl_http *h);

/* -- gfload_machine.c ------------------------------------------------------ */
typedef struct gl_line {
    struct gl_line *next;
    size_t len;
    char text[]; /* one JSON line ending "\n" */
} gl_line;

typedef struct gl_action {
    int active;
    int cancelled;
    gl_type type;
    const char *name; /* action_type */
    int64_t id;
    double t0_s;
    char *url; /* motion_url or endpoint, owned */
    gfnet_timer play;
} gl_action;

struct gl_machine {
    uint64_t serial;
    int node; /* the service node it uses now (gl_w.servers) */
    char password[132];
    struct lws *ws;
    int up, closing, ever_connected, reported_full, connect_failed;
    int opening, waiting; /* counted in gl_w.opening; in the wait queue */
    gl_machine *wait_next;
    char *signin_body;
    int64_t seq;
    int64_t backoff_ms;
    gfnet_timer timer; /* next sign-in */
    gl_http signin, job;
    char *auth_token;
    gl_line *tx_head, *tx_tail;
    int tx_len;
    char *rx; /* only for messages split over fragments */
    size_t rx_len;
    int rx_skip;
    gl_action act;
    int64_t recent[GL_RECENT_IDS];
    int recent_n;
};

typedef struct gl_world {
    gl_opts opt;
    struct lws_context *ctx; /* the WebSocket sessions */
    /* The HTTP requests (sign-in, downloads, uploads): a context of their
     * own on the epoll loop, the same one as ctx on the poll loop. Debian's
     * libwebsockets walks its context's whole connection table on every
     * connect and close; kept apart from thousands of sessions, the walk
     * for a short request touches only the few requests in flight. */
    struct lws_context *http_ctx;
    /* A connection was made in a context from the other's callbacks:
     * libwebsockets' libev glue re-arms a context's timer only after an
     * event of that context, so its new connection's timeouts wait for a
     * wake-up (gl_pass). */
    int http_wake, ws_wake;
    struct gfnet_loop *loop; /* what both wait in (gfnet_loop.h) */
    gfnet_wheel *wheel;      /* every machine's timers (gfnet_wheel.h) */
    gl_machine *m;
    int tls;
    volatile int stop;
    long opening; /* machines between sign-in and session */
    gl_machine *wait_head, *wait_tail; /* waiting for an opening slot */
    gl_http *connecting;       /* the request being connected right now */
    gl_machine *ws_connecting; /* the WebSocket being connected right now */
    gl_stats st;
    gl_sources src; /* empty: the kernel picks the source address */
    /* The service's nodes, from --server (and --status): a machine starts
     * on node serial % nodes and moves to the next one when a sign-in or
     * a connection fails or its session drops (PostgreSQL: every node
     * serves every machine; docs/cloud.md "Several nodes"). */
    char servers[GL_MAX_NODES][512];
    char statuses[GL_MAX_NODES][512];
    int nodes;
    long held_node[GL_MAX_NODES]; /* sessions per node when the run ended */
    char tag[32]; /* "gfload", or "gfload[k]" in a --processes child */
    unsigned char *jpeg;
    size_t jpeg_len;
    unsigned char *txbuf;
    size_t txbuf_cap;
    /* the full settings report, rendered once (gfload_settings.h); built on
     * the first settings action, NULL until then or when it cannot be */
    struct gl_settings_tpl *settings_tpl;
    int settings_tpl_tried;
} gl_world;

extern gl_world gl_w;
/* The retry policy of every connection: no validity timer (gfload.c). */
extern const lws_retry_bo_t gl_no_validity;

/* The machine's current node: its http(s) base and its status URL. */
#define gl_server(m) (gl_w.servers[(m)->node])
#define gl_status(m) (gl_w.statuses[(m)->node])

double gl_now(void);     /* monotonic seconds */
int64_t gl_now_ms(void); /* the same, in ms, for the wheel */
void gl_machine_schedule(gl_machine *m, int64_t delay_ms);
void gl_machine_send(gl_machine *m, char *line); /* takes the line */
void gl_machine_close_all(void);
int gl_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                void *in, size_t len);
void gl_machine_free(gl_machine *m);

/* -- gfload_act.c ------------------------------------------------------------
 */
void gl_act_on_message(gl_machine *m, const gf_msg *msg);
const char *gl_type_name(gl_type t);

/* -- gfload_report.c ----------------------------------------------------- */
long gl_rss_kib(void);
void gl_report_progress(void);
void gl_report_summary(long rss_base_kib, long rss_end_kib, long held);
/* A summary object as text, or one JSON line with --json. */
void gl_report_print(const json_t *summary);

/* -- gfload_fleet.c: --processes ----------------------------------------- */
/* Fork the children and, in the parent, wait and print the sum; returns
 * the parent's exit code. In a child it returns 0 at once with *is_child
 * set and gl_w.opt narrowed to the child's slice. */
int gl_fleet_run(int *is_child);

/* -- gfload_source.c: --source addresses ------------------------------- */
/* "127.0.0.2-127.0.0.9" or "10.0.0.1,10.0.0.5-10.0.0.6": 0, or -1 for a
 * malformed spec, a reversed range or more than GL_MAX_SOURCES. */
int gl_sources_parse(gl_sources *s, const char *spec);
/* The address machine m's sockets bind to; NULL when there is none. */
const char *gl_source_for(const gl_machine *m);

/* -- gfload_jpeg.c ----------------------------------------------------------
 */
int gl_jpeg_load(const char *path, unsigned char **out, size_t *len);

#endif

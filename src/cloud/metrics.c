/* metrics.c - the counters behind GET /metrics and their text (metrics.h).
 *
 * Everything is a plain integer bumped on the event loop; a scrape reads
 * them there too, so nothing needs a lock. Actions are counted per (type,
 * outcome) pair in a small table: the catalog has a few dozen types and an
 * action ends in one of a handful of ways, so the table stays small and a
 * linear search over it costs nothing next to the store write beside it.
 * The text follows the Prometheus exposition format 0.0.4: every family
 * has its # HELP and # TYPE, counters end in _total, histogram buckets are
 * cumulative and end with le="+Inf", then _sum and _count. */
#include "metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "heap_trim.h"

#define MAX_ACTION_KINDS 128

static const char *const signin_names[METRICS_SIGNIN_N] = {
    "ok", "bad_password", "unknown", "throttled", "bad_request", "error"};

/* Upper bounds of the histograms (a store write, a loop pass), in
 * microseconds, and the same in seconds as the text's le labels. */
static const int64_t bucket_us[] = {100,    250,    500,     1000,   2500,
                                    5000,   10000,  25000,   50000,  100000,
                                    250000, 500000, 1000000, 2500000};
static const char *const bucket_le[] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
    "0.025",  "0.05",    "0.1",    "0.25",  "0.5",    "1",     "2.5"};
#define N_BUCKETS (sizeof(bucket_us) / sizeof(bucket_us[0]))

struct hist {
    uint64_t buckets[N_BUCKETS]; /* not cumulative: one per bound */
    uint64_t count;
    uint64_t sum_us;
};

struct action_kind {
    char type[32];
    char outcome[24];
    uint64_t n;
};

static struct {
    uint64_t signins[METRICS_SIGNIN_N];
    int64_t sessions;
    struct action_kind actions[MAX_ACTION_KINDS];
    int n_actions;
    uint64_t deadlines_missed;
    struct hist write;            /* one database write */
    struct hist pass;             /* the work of one loop pass */
    uint64_t bytes[2][2];         /* [transport][in] */
    uint64_t webhook_attempts[2]; /* [ok] */
} m;

void metrics_signin_count(metrics_signin outcome)
{
    if (outcome >= 0 && outcome < METRICS_SIGNIN_N)
        m.signins[outcome]++;
}

void metrics_session(int delta)
{
    m.sessions += delta;
    if (m.sessions < 0)
        m.sessions = 0;
}

void metrics_action(const char *type, const char *outcome)
{
    type = type && *type ? type : "unknown";
    outcome = outcome && *outcome ? outcome : "unknown";
    for (int i = 0; i < m.n_actions; i++) {
        struct action_kind *k = &m.actions[i];
        if (strcmp(k->type, type) == 0 && strcmp(k->outcome, outcome) == 0) {
            k->n++;
            return;
        }
    }
    /* A full table (it cannot fill from the catalog) counts the rest in
     * its last slot rather than losing them. */
    int i =
        m.n_actions < MAX_ACTION_KINDS ? m.n_actions++ : MAX_ACTION_KINDS - 1;
    struct action_kind *k = &m.actions[i];
    if (k->n == 0 || i < MAX_ACTION_KINDS - 1) {
        snprintf(k->type, sizeof(k->type), "%s",
                 i < MAX_ACTION_KINDS - 1 ? type : "other");
        snprintf(k->outcome, sizeof(k->outcome), "%s",
                 i < MAX_ACTION_KINDS - 1 ? outcome : "other");
    }
    k->n++;
}

void metrics_deadline_missed(void)
{
    m.deadlines_missed++;
}

int64_t metrics_clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void hist_add(struct hist *h, int64_t us)
{
    if (us < 0)
        us = 0;
    h->count++;
    h->sum_us += (uint64_t)us;
    for (size_t i = 0; i < N_BUCKETS; i++) {
        if (us <= bucket_us[i]) {
            h->buckets[i]++;
            return;
        }
    }
    /* Slower than the last bound: only +Inf (the count) holds it. */
}

void metrics_store_write(int64_t start_us)
{
    hist_add(&m.write, metrics_clock_us() - start_us);
}

void metrics_loop_pass(int64_t busy_us)
{
    hist_add(&m.pass, busy_us);
}

void metrics_bytes(enum metrics_transport t, int in, size_t n)
{
    m.bytes[t == METRICS_WS][in != 0] += n;
}

void metrics_webhook_attempt(int ok)
{
    m.webhook_attempts[ok != 0]++;
}

void metrics_reset(void)
{
    memset(&m, 0, sizeof(m));
}

/* A label value as the format wants it: \, " and newline escaped. */
static void label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fprintf(f, "\\%c", *v);
        else if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static void family(FILE *f, const char *name, const char *type,
                   const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_actions(FILE *f)
{
    family(f, "gfcloud_actions_total", "counter",
           "Actions sent to machines that ended, by type and outcome.");
    for (int i = 0; i < m.n_actions; i++) {
        fputs("gfcloud_actions_total{type=\"", f);
        label(f, m.actions[i].type);
        fputs("\",outcome=\"", f);
        label(f, m.actions[i].outcome);
        fprintf(f, "\"} %" PRIu64 "\n", m.actions[i].n);
    }
}

static void render_jobs(FILE *f, const json_t *jobs)
{
    /* Every state a job can be in, so a state with no jobs reads 0 rather
     * than vanishing from the graph; any other state the store holds is
     * listed after them. */
    static const char *const states[] = {
        "compiling",          "queued",  "waiting_for_home", "sending",
        "waiting_for_button", "running", "completed",        "failed",
        "cancelled"};
    const size_t n = sizeof(states) / sizeof(states[0]);
    if (!jobs)
        return;
    family(f, "gfcloud_jobs", "gauge", "Jobs in the store, by state.");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "gfcloud_jobs{state=\"%s\"} %" JSON_INTEGER_FORMAT "\n",
                states[i],
                json_integer_value(json_object_get(jobs, states[i])));
    const char *key;
    const json_t *v;
    json_object_foreach((json_t *)jobs, key, v)
    {
        size_t i = 0;
        while (i < n && strcmp(states[i], key) != 0)
            i++;
        if (i < n)
            continue;
        fputs("gfcloud_jobs{state=\"", f);
        label(f, key);
        fprintf(f, "\"} %" JSON_INTEGER_FORMAT "\n", json_integer_value(v));
    }
}

static void render_hist(FILE *f, const char *name, const char *help,
                        const struct hist *h)
{
    uint64_t cum = 0;
    family(f, name, "histogram", help);
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cum += h->buckets[i];
        fprintf(f, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, bucket_le[i],
                cum);
    }
    fprintf(f,
            "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n"
            "%s_sum %" PRIu64 ".%06" PRIu64 "\n"
            "%s_count %" PRIu64 "\n",
            name, h->count, name, h->sum_us / 1000000, h->sum_us % 1000000,
            name, h->count);
}

static void render_store(FILE *f)
{
    render_hist(f, "gfcloud_store_write_seconds",
                "Time of one database write: a statement or a transaction's "
                "commit.",
                &m.write);
}

static void render_loop(FILE *f)
{
    /* Only where the loop says when it woke (event-loop = epoll). */
    if (m.pass.count)
        render_hist(f, "gfcloud_loop_pass_seconds",
                    "Work of one pass of the event loop, from the wake-up to "
                    "its group commit: how long any request or frame can "
                    "wait behind others.",
                    &m.pass);
}

/* The heap beside the RSS an operator sees: what the sessions and requests
 * hold, and what the allocator keeps free (docs/cloud.md, memory). */
static void render_heap(FILE *f)
{
    size_t in_use, unused;
    if (heap_usage(&in_use, &unused) != 0)
        return;
    family(f, "gfcloud_heap_bytes", "gauge",
           "The allocator's heap: bytes in use, and bytes it keeps free.");
    fprintf(f,
            "gfcloud_heap_bytes{state=\"in_use\"} %zu\n"
            "gfcloud_heap_bytes{state=\"free\"} %zu\n",
            in_use, unused);
}

static void render_bytes(FILE *f)
{
    static const char *const tr[2] = {"http", "ws"};
    family(f, "gfcloud_received_bytes_total", "counter",
           "Bytes received from clients: HTTP request headers and bodies, "
           "machines' WebSocket messages.");
    for (int t = 0; t < 2; t++)
        fprintf(f,
                "gfcloud_received_bytes_total{transport=\"%s\"} %" PRIu64 "\n",
                tr[t], m.bytes[t][1]);
    family(f, "gfcloud_sent_bytes_total", "counter",
           "Bytes sent to clients: HTTP answers (headers and bodies, files "
           "by their size), WebSocket messages to machines.");
    for (int t = 0; t < 2; t++)
        fprintf(f, "gfcloud_sent_bytes_total{transport=\"%s\"} %" PRIu64 "\n",
                tr[t], m.bytes[t][0]);
}

char *metrics_render(const json_t *jobs, int queue_depth, size_t *len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    if (!f)
        return NULL;
    family(f, "gfcloud_sessions", "gauge",
           "Machine WebSocket sessions open now.");
    fprintf(f, "gfcloud_sessions %" PRId64 "\n", m.sessions);
    family(f, "gfcloud_sign_ins_total", "counter",
           "Machine sign-ins (POST /machines/sign_in), by outcome.");
    for (int i = 0; i < METRICS_SIGNIN_N; i++)
        fprintf(f, "gfcloud_sign_ins_total{outcome=\"%s\"} %" PRIu64 "\n",
                signin_names[i], m.signins[i]);
    render_actions(f);
    family(f, "gfcloud_deadlines_missed_total", "counter",
           "Action deadlines that ran out (a stage's, or the grace after a "
           "cancel).");
    fprintf(f, "gfcloud_deadlines_missed_total %" PRIu64 "\n",
            m.deadlines_missed);
    render_jobs(f, jobs);
    render_store(f);
    render_loop(f);
    render_bytes(f);
    render_heap(f);
    family(f, "gfcloud_worker_queue_depth", "gauge",
           "Work items queued or running on the worker pool.");
    fprintf(f, "gfcloud_worker_queue_depth %d\n",
            queue_depth < 0 ? 0 : queue_depth);
    family(f, "gfcloud_webhook_attempts_total", "counter",
           "Webhook delivery attempts, by outcome (ok: a 2xx answer).");
    fprintf(f,
            "gfcloud_webhook_attempts_total{outcome=\"ok\"} %" PRIu64 "\n"
            "gfcloud_webhook_attempts_total{outcome=\"failed\"} %" PRIu64 "\n",
            m.webhook_attempts[1], m.webhook_attempts[0]);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    *len = n;
    return text;
}

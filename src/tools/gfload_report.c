/* gfload_report.c - what gfload tells its user: a progress line every
 * second on stderr while it runs, and the final summary on stdout (text,
 * or one JSON object with --json for scripts and the bench). Its own RSS
 * comes from /proc/self/status, so the memory per held session is a
 * difference of two readings (before the first sign-in, before closing). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfload.h"

long gl_rss_kib(void)
{
    char line[256];
    long kib = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0 &&
            sscanf(line + 6, "%ld", &kib) == 1)
            break;
    fclose(f);
    return kib;
}

static uint64_t gl_actions_done(uint64_t *failures)
{
    uint64_t done = 0, bad = 0;
    for (int t = 0; t < GL_NTYPES; t++) {
        done += gl_w.st.types[t].completed + gl_w.st.types[t].failed +
                gl_w.st.types[t].cancelled;
        bad += gl_w.st.types[t].failed;
    }
    *failures = bad;
    return done;
}

void gl_report_progress(void)
{
    const gl_stats *s = &gl_w.st;
    uint64_t failed, done = gl_actions_done(&failed);
    fprintf(stderr,
            "%s: %5.1fs signed-in %llu connected %ld/%ld actions %llu "
            "failures %llu (sign-in %llu, connect %llu, drops %llu, "
            "actions %llu)\n",
            gl_w.tag, gl_now() - s->start_s, (unsigned long long)s->sign_ins,
            s->connected, gl_w.opt.machines, (unsigned long long)done,
            (unsigned long long)(s->sign_in_failures + s->connect_failures +
                                 failed),
            (unsigned long long)s->sign_in_failures,
            (unsigned long long)s->connect_failures,
            (unsigned long long)s->drops, (unsigned long long)failed);
}

static json_t *gl_types_json(void)
{
    json_t *o = json_object();
    for (int t = 0; t < GL_NTYPES; t++) {
        const gl_type_stats *s = &gl_w.st.types[t];
        uint64_t ends = s->completed + s->failed + s->cancelled;
        if (!s->received && !ends)
            continue;
        json_object_set_new(o, gl_type_name((gl_type)t),
                            json_pack("{sI sI sI sI sI sf sf}", "received",
                                      (json_int_t)s->received, "completed",
                                      (json_int_t)s->completed, "failed",
                                      (json_int_t)s->failed, "cancelled",
                                      (json_int_t)s->cancelled, "busy_dropped",
                                      (json_int_t)s->busy, "rt_avg_ms",
                                      ends ? s->rt_sum_ms / (double)ends : 0.0,
                                      "rt_max_ms", s->rt_max_ms));
    }
    return o;
}

/* Sessions held on each node when the run ended (one entry per --server
 * URL), as sessions_held counts them all. */
static json_t *gl_per_node_json(void)
{
    json_t *a = json_array();
    for (int i = 0; i < gl_w.nodes; i++)
        json_array_append_new(a, json_integer(gl_w.held_node[i]));
    return a;
}

static json_t *gl_summary_json(long rss_base, long rss_end, long held)
{
    const gl_stats *s = &gl_w.st;
    uint64_t failed, done = gl_actions_done(&failed);
    double ramp = s->last_first_connect_s - s->start_s;
    json_t *o = json_pack(
        "{sI sI sI sI sI sI sI sI sI sI sI sI sI sf}", "machines",
        (json_int_t)gl_w.opt.machines, "sessions_held", (json_int_t)held,
        "peak_sessions", (json_int_t)s->peak_connected, "ever_connected",
        (json_int_t)s->ever_connected, "sign_ins", (json_int_t)s->sign_ins,
        "sign_in_failures", (json_int_t)s->sign_in_failures, "connect_failures",
        (json_int_t)s->connect_failures, "drops", (json_int_t)s->drops,
        "actions_done", (json_int_t)done, "action_failures", (json_int_t)failed,
        "bad_lines", (json_int_t)s->bad_lines, "tx_dropped",
        (json_int_t)s->tx_dropped, "bytes_down", (json_int_t)s->bytes_down,
        "elapsed_s", gl_now() - s->start_s);
    if (!o)
        return NULL;
    json_object_set_new(o, "bytes_up", json_integer((json_int_t)s->bytes_up));
    json_object_set_new(o, "seconds_to_all_connected",
                        s->ever_connected == gl_w.opt.machines ? json_real(ramp)
                                                               : json_null());
    json_object_set_new(o, "connect_rate_per_s",
                        ramp > 0 ? json_real((double)s->ever_connected / ramp)
                                 : json_null());
    json_object_set_new(o, "rss_kib", json_integer(rss_end));
    json_object_set_new(o, "rss_base_kib", json_integer(rss_base));
    json_object_set_new(
        o, "rss_per_session_kib",
        held > 0 ? json_real((double)(rss_end - rss_base) / (double)held)
                 : json_null());
    json_object_set_new(o, "actions", gl_types_json());
    json_object_set_new(o, "failovers", json_integer((json_int_t)s->failovers));
    json_object_set_new(o, "sessions_held_per_node", gl_per_node_json());
    return o;
}

static void gl_summary_text(const json_t *o)
{
    const char *key;
    json_t *v;
    printf("gfload summary\n");
    json_object_foreach((json_t *)o, key, v)
    {
        if (json_is_object(v))
            continue;
        char *txt = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
        printf("  %-26s %s\n", key, txt ? txt : "?");
        free(txt);
    }
    json_object_foreach(json_object_get(o, "actions"), key, v)
    {
        printf(
            "  action %-19s received %lld completed %lld failed %lld "
            "cancelled %lld busy %lld rt avg %.2f ms max %.2f ms\n",
            key, (long long)json_integer_value(json_object_get(v, "received")),
            (long long)json_integer_value(json_object_get(v, "completed")),
            (long long)json_integer_value(json_object_get(v, "failed")),
            (long long)json_integer_value(json_object_get(v, "cancelled")),
            (long long)json_integer_value(json_object_get(v, "busy_dropped")),
            json_real_value(json_object_get(v, "rt_avg_ms")),
            json_real_value(json_object_get(v, "rt_max_ms")));
    }
}

void gl_report_summary(long rss_base_kib, long rss_end_kib, long held)
{
    json_t *o = gl_summary_json(rss_base_kib, rss_end_kib, held);
    if (!o) {
        fprintf(stderr, "gfload: out of memory for the summary\n");
        return;
    }
    gl_report_print(o);
    json_decref(o);
}

void gl_report_print(const json_t *o)
{
    if (gl_w.opt.json) {
        char *txt = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(6));
        if (txt)
            printf("%s\n", txt);
        free(txt);
    } else {
        gl_summary_text(o);
    }
    fflush(stdout);
}

/* gfload_fleet.c - `--processes P`: one gfload split over P processes.
 *
 * A process may hold only as many sockets as its open-files hard limit
 * allows (20,000 on some hosts), and one event loop is one core. With
 * --processes the parent forks P children before anything else exists;
 * child k takes machines [k*N/P, (k+1)*N/P) (its own serial range, the
 * same options otherwise) and writes its JSON summary into a pipe. The
 * parent forwards SIGINT/SIGTERM, waits for all, and prints one summary
 * that adds them up: counts are summed, times to all connected and elapsed
 * times are the slowest child's, RSS is the sum, per-type round-trip
 * averages are weighted by their counts. */
#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gfload.h"

#define GL_MAX_PROCESSES 64

static pid_t gl_kids[GL_MAX_PROCESSES];
static int gl_nkids;
static volatile sig_atomic_t gl_forward;

static void gl_parent_signal(int sig)
{
    gl_forward = sig;
}

static void gl_forward_signal(void)
{
    int sig = gl_forward;
    gl_forward = 0;
    for (int k = 0; k < gl_nkids; k++)
        if (gl_kids[k] > 0)
            kill(gl_kids[k], sig);
}

static char *gl_read_all(int fd)
{
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    while (buf) {
        if (len + 1024 > cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR) {
            if (gl_forward)
                gl_forward_signal();
            continue;
        }
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    if (buf)
        buf[len] = '\0';
    close(fd);
    return buf;
}

static void gl_add_int(json_t *sum, json_t *one, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(sum, key)) +
                   json_integer_value(json_object_get(one, key));
    json_object_set_new(sum, key, json_integer(v));
}

/* Arrays of counts, added entry by entry. */
static void gl_add_array(json_t *sum, json_t *one, const char *key)
{
    json_t *a = json_object_get(sum, key), *b = json_object_get(one, key);
    if (!json_is_array(b))
        return;
    if (!json_is_array(a)) {
        json_object_set_new(sum, key, json_deep_copy(b));
        return;
    }
    for (size_t i = 0; i < json_array_size(a) && i < json_array_size(b); i++)
        json_array_set_new(
            a, i,
            json_integer(json_integer_value(json_array_get(a, i)) +
                         json_integer_value(json_array_get(b, i))));
}

static void gl_max_real(json_t *sum, json_t *one, const char *key)
{
    json_t *a = json_object_get(sum, key), *b = json_object_get(one, key);
    if (json_is_null(a) || json_is_null(b))
        json_object_set_new(sum, key, json_null());
    else if (!a || json_number_value(b) > json_number_value(a))
        json_object_set_new(sum, key, json_real(json_number_value(b)));
}

static void gl_add_types(json_t *sum, json_t *one)
{
    const char *type, *key;
    json_t *t, *v;
    json_t *all = json_object_get(sum, "actions");
    json_object_foreach(json_object_get(one, "actions"), type, t)
    {
        json_t *acc = json_object_get(all, type);
        if (!acc) {
            json_object_set(all, type, t);
            continue;
        }
        double ends_a = 0, ends_b = 0;
        for (int k = 0; k < 2; k++) {
            json_t *o = k ? t : acc;
            double e =
                (double)(json_integer_value(json_object_get(o, "completed")) +
                         json_integer_value(json_object_get(o, "failed")) +
                         json_integer_value(json_object_get(o, "cancelled")));
            *(k ? &ends_b : &ends_a) = e;
        }
        double avg_a = json_number_value(json_object_get(acc, "rt_avg_ms"));
        double avg_b = json_number_value(json_object_get(t, "rt_avg_ms"));
        json_object_foreach(t, key, v)
        {
            if (json_is_integer(v))
                gl_add_int(acc, t, key);
        }
        gl_max_real(acc, t, "rt_max_ms");
        json_object_set_new(acc, "rt_avg_ms",
                            json_real(ends_a + ends_b > 0
                                          ? (avg_a * ends_a + avg_b * ends_b) /
                                                (ends_a + ends_b)
                                          : 0.0));
    }
}

/* The children's summaries, added up. */
static json_t *gl_sum(json_t *parts)
{
    static const char *const ints[] = {
        "machines",         "sessions_held", "peak_sessions",
        "ever_connected",   "sign_ins",      "sign_in_failures",
        "connect_failures", "drops",         "actions_done",
        "action_failures",  "bad_lines",     "tx_dropped",
        "bytes_down",       "bytes_up",      "rss_kib",
        "rss_base_kib",     "failovers",     NULL};
    json_t *sum = json_object();
    size_t i;
    json_t *one;
    json_object_set_new(sum, "actions", json_object());
    json_array_foreach(parts, i, one)
    {
        for (int k = 0; ints[k]; k++)
            gl_add_int(sum, one, ints[k]);
        gl_max_real(sum, one, "elapsed_s");
        gl_max_real(sum, one, "seconds_to_all_connected");
        gl_add_types(sum, one);
        gl_add_array(sum, one, "sessions_held_per_node");
    }
    json_int_t held = json_integer_value(json_object_get(sum, "sessions_held"));
    json_int_t ever =
        json_integer_value(json_object_get(sum, "ever_connected"));
    json_int_t rss = json_integer_value(json_object_get(sum, "rss_kib")) -
                     json_integer_value(json_object_get(sum, "rss_base_kib"));
    json_t *all = json_object_get(sum, "seconds_to_all_connected");
    json_object_set_new(sum, "processes",
                        json_integer((json_int_t)json_array_size(parts)));
    json_object_set_new(sum, "connect_rate_per_s",
                        json_is_number(all) && json_number_value(all) > 0
                            ? json_real((double)ever / json_number_value(all))
                            : json_null());
    json_object_set_new(sum, "rss_per_session_kib",
                        held > 0 ? json_real((double)rss / (double)held)
                                 : json_null());
    return sum;
}

static pid_t gl_spawn(int k, int procs, int *fd)
{
    int p[2];
    if (pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid != 0) {
        close(p[1]);
        *fd = p[0];
        if (pid < 0)
            close(p[0]);
        return pid;
    }
    /* The child: its slice of the machines, its summary into the pipe. */
    long n = gl_w.opt.machines;
    long first = n * k / procs, last = n * (k + 1) / procs;
    close(p[0]);
    dup2(p[1], STDOUT_FILENO);
    close(p[1]);
    signal(SIGINT, SIG_DFL); /* gl_run sets its own */
    gl_w.opt.machines = last - first;
    gl_w.opt.serial_base += (uint64_t)first;
    gl_w.opt.rate /= procs; /* the ramp rate is the whole fleet's */
    gl_w.opt.max_opening = gl_w.opt.max_opening / procs + 1;
    gl_w.opt.json = 1;
    gl_w.opt.processes = 1;
    snprintf(gl_w.tag, sizeof(gl_w.tag), "gfload[%d]", k);
    return 0;
}

int gl_fleet_run(int *is_child)
{
    int procs = gl_w.opt.processes, fds[GL_MAX_PROCESSES];
    *is_child = 0;
    if (procs > gl_w.opt.machines)
        procs = (int)gl_w.opt.machines;
    /* Without SA_RESTART, so a signal interrupts the blocking read. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = gl_parent_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fflush(stdout);
    for (int k = 0; k < procs; k++) {
        pid_t pid = gl_spawn(k, procs, &fds[k]);
        if (pid == 0) {
            *is_child = 1;
            return 0;
        }
        if (pid < 0) {
            fprintf(stderr, "gfload: cannot start process %d: %s\n", k,
                    strerror(errno));
            gl_forward = SIGTERM;
            gl_forward_signal();
            procs = k;
            break;
        }
        gl_kids[gl_nkids++] = pid;
    }
    json_t *parts = json_array();
    int rc = 0;
    for (int k = 0; k < gl_nkids; k++) {
        char *txt = gl_read_all(fds[k]);
        json_t *o = NULL;
        /* The summary is the child's only stdout line: one JSON object. */
        if (txt)
            o = json_loads(txt, JSON_DISABLE_EOF_CHECK, NULL);
        if (o)
            json_array_append_new(parts, o);
        free(txt);
    }
    for (int k = 0; k < gl_nkids; k++) {
        int st = 0;
        while (waitpid(gl_kids[k], &st, 0) < 0 && errno == EINTR)
            if (gl_forward)
                gl_forward_signal();
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "gfload: process %d failed (status %d)\n", k, st);
            rc = 1;
        }
    }
    if (json_array_size(parts) != (size_t)gl_nkids || gl_nkids != procs)
        rc = 1;
    json_t *sum = gl_sum(parts);
    gl_report_print(sum);
    json_decref(sum);
    json_decref(parts);
    return rc;
}

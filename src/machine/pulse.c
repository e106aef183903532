/* pulse.c - the pulse actions: hunt, motion and print (PROTOCOL.md §9.3,
 * §15).
 *
 * Download `motion_url` with the Bearer token into a spool file, validate
 * the WHOLE file with libgf before a single byte plays (§15.6: header
 * checks, gzip integrity, size caps, power before laser), then feed the
 * payload to the backend in slices of `chunk` bytes, which both paces the
 * job at its tick rate and bounds how late a cancel can bite. A refused
 * file ends the action with :cancelled and "refusing the job: <reason>" in
 * the log, never :completed; a job that cannot be spooled (a full disk)
 * ends :failed with the reason in the log. A print also waits for the button,
 * warms up, reports progress at every phase change and every progress interval,
 * parks the head where it started (even after a cancel) and rests. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "act.h"
#include "auth.h"
#include "frames.h"
#include "gf/puls.h"
#include "http.h"
#include "log.h"
#include "pause.h"
#include "spool.h"

enum { PLS_OK = 0, PLS_REFUSE = 1, PLS_FAIL = 2 };

typedef struct pls_run_state {
    act_job *j;
    int print;
    gf_puls_reader *r;
    int64_t total; /* payload length, -1 unknown */
    hw_state start;
    struct timespec last_progress;
    uint64_t played;       /* payload bytes fed (not backtrack/replay) */
    uint64_t presses_seen; /* button presses already acted on */
    pau_hist hist;         /* for a pause: the last 2000 bytes */
} pls_run_state;

static int64_t pls_ms_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)(now.tv_sec - t0->tv_sec) * 1000 +
           (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static int pls_abort(void *ud)
{
    return act_cancelled(ud);
}

static int pls_download(act_job *j, FILE *f, char *why, size_t whylen)
{
    const cfg *c = j->ctx->cfg;
    char err[256];
    long status = 0;
    mhttp_req r = {.method = "GET",
                   .url = j->motion_url,
                   .sink = f,
                   .max_bytes = c->max_job_bytes,
                   .timeout_ms = c->http_timeout_ms * 10,
                   .user_agent = c->user_agent,
                   .ca_file = c->ca_file,
                   .abort_cb = pls_abort,
                   .abort_ud = j};
    int rc = auth_request(&r, &status, err, sizeof(err));
    if (rc == MHTTP_ETOOBIG || rc == MHTTP_EPARTIAL) {
        snprintf(why, whylen, "%s", err);
        return PLS_REFUSE;
    }
    if (rc != MHTTP_OK) {
        snprintf(why, whylen, "download failed: %s", err);
        return PLS_FAIL;
    }
    if (status != 200) {
        snprintf(why, whylen, "download failed: HTTP %ld", status);
        return PLS_FAIL;
    }
    if (fflush(f) != 0) {
        snprintf(why, whylen, "cannot write the spooled job: %s",
                 strerror(errno));
        return PLS_FAIL;
    }
    return PLS_OK;
}

/* Whole-file validation; the reason never names a serial (§15.6). */
static int pls_validate(act_job *j, const char *path, char *why, size_t whylen)
{
    gf_puls_limits lim = {.max_body = (uint64_t)j->ctx->cfg->max_job_bytes};
    char msg[256] = "";
    int err = gf_puls_validate_file(path, j->ctx->cfg->serial, &lim, msg,
                                    sizeof(msg));
    if (err == GF_OK)
        return PLS_OK;
    if (err == GF_EPULS_SERIAL || !msg[0])
        snprintf(why, whylen, "%s", gf_strerror(err));
    else
        snprintf(why, whylen, "%s", msg);
    return PLS_REFUSE;
}

static void pls_progress(pls_run_state *s)
{
    hw_state st;
    hw_state_read(s->j->ctx->hw, &st);
    json_t *v =
        json_pack("{s:I, s:I, s:i, s:I, s:I}", "CAid", (json_int_t)s->j->id,
                  "CCbp", (json_int_t)s->played, "CCst", st.running ? 1 : 0,
                  "CCxp", (json_int_t)st.x, "CCyp", (json_int_t)st.y);
    frm_progress(s->j->id, "print:progress", (int64_t)s->played, "steps",
                 s->total, v);
    json_decref(v);
    clock_gettime(CLOCK_MONOTONIC, &s->last_progress);
}

/* Tell the service the print waits for the button, then wait. The press
 * count is read before the event goes out: an operator who presses as soon
 * as the event arrives may beat the wait itself, and that press counts. */
static int pls_wait_button(act_job *j, const char *event, const char *note)
{
    hw_state st;
    hw_state_read(j->ctx->hw, &st);
    act_event(j, event, note);
    return hw_wait_button(j->ctx->hw, st.button_presses,
                          j->ctx->cfg->button_timeout_ms);
}

/* The button paused the print: back up, wait for the next press, replay.
 * 0 when resumed, 1 when stopped meanwhile. */
static int pls_pause(pls_run_state *s)
{
    act_job *j = s->j;
    hw_dev *hw = j->ctx->hw;
    const uint8_t *bytes;
    hw_state st;
    size_t n = pau_backward(&s->hist, &bytes);
    if (hw_play(hw, bytes, n) == HW_ESTOPPED)
        return 1;
    int rc = pls_wait_button(j, "paused", NULL);
    if (rc == HW_ETIMEDOUT)
        mlog(MLOG_WARNING, "print %lld: not resumed within %lld s",
             (long long)j->id,
             (long long)(j->ctx->cfg->button_timeout_ms / 1000));
    if (rc != HW_OK || act_cancelled(j))
        return 1;
    hw_state_read(hw, &st);
    s->presses_seen = st.button_presses;
    n = pau_forward(&s->hist, &bytes);
    if (hw_play(hw, bytes, n) == HW_ESTOPPED)
        return 1;
    act_event(j, "resumed", NULL);
    return 0;
}

/* Between slices of a print: a button press pauses it (§9.3 step 6). */
static int pls_inputs(pls_run_state *s)
{
    hw_state st;
    hw_state_read(s->j->ctx->hw, &st);
    if (st.button_presses == s->presses_seen)
        return 0;
    s->presses_seen = st.button_presses;
    return pls_pause(s);
}

/* Play one slice. 0 to go on, 1 when stopped. */
static int pls_slice(pls_run_state *s, const uint8_t *buf, size_t len)
{
    act_job *j = s->j;
    if (act_cancelled(j) || (s->print && pls_inputs(s) != 0) ||
        hw_play(j->ctx->hw, buf, len) == HW_ESTOPPED)
        return 1;
    s->played += len;
    if (s->print) {
        pau_record(&s->hist, buf, len);
        if (pls_ms_since(&s->last_progress) >=
            j->ctx->cfg->progress_interval_ms)
            pls_progress(s);
    }
    return 0;
}

/* Feed the payload. Returns 0 at the end, 1 when stopped, -1 on error. */
static int pls_feed(pls_run_state *s)
{
    act_job *j = s->j;
    size_t slice = (size_t)j->ctx->cfg->chunk;
    const uint8_t *buf;
    ssize_t n;
    while ((n = gf_puls_read(s->r, &buf)) > 0) {
        for (size_t off = 0; off < (size_t)n; off += slice) {
            size_t len = (size_t)n - off < slice ? (size_t)n - off : slice;
            if (pls_slice(s, buf + off, len) != 0)
                return 1;
        }
    }
    if (n < 0)
        mlog(MLOG_ERROR, "%s %lld: reading the job failed: %s", j->type,
             (long long)j->id, gf_strerror((int)n));
    return n < 0 ? -1 : 0;
}

static uint32_t pls_stfr(gf_puls_reader *r)
{
    uint32_t v = 10000;
    gf_puls_tag_get(r, "STfr", &v);
    return v < 1000 ? 1000 : v > 200000 ? 200000 : v;
}

static void pls_log_end(pls_run_state *s, const char *how)
{
    hw_state st;
    hw_state_read(s->j->ctx->hw, &st);
    mlog(MLOG_INFO,
         "%s %lld: playback %s after %llu bytes, %llu ticks, laser on %llu "
         "ticks; moved dx=%lld dy=%lld dz=%lld steps; head at x=%lld y=%lld "
         "z=%lld steps",
         s->j->type, (long long)s->j->id, how, (unsigned long long)s->played,
         (unsigned long long)st.ticks, (unsigned long long)st.laser_ticks,
         (long long)(st.x - s->start.x), (long long)(st.y - s->start.y),
         (long long)(st.z - s->start.z), (long long)st.x, (long long)st.y,
         (long long)st.z);
}

/* Button, warm-up. 0 to go on, else the job is over (cancelled). */
static int pls_print_prelude(act_job *j)
{
    const cfg *c = j->ctx->cfg;
    int rc = pls_wait_button(j, "waiting", "waiting for button press");
    if (rc == HW_ETIMEDOUT) {
        mlog(MLOG_WARNING,
             "print %lld: the button was not pressed within "
             "%lld s",
             (long long)j->id, (long long)(c->button_timeout_ms / 1000));
        return -1;
    }
    if (rc != HW_OK || act_cancelled(j))
        return -1;
    if (act_lid_open(j)) {
        mlog(MLOG_WARNING, "print %lld: the lid is open, not starting",
             (long long)j->id);
        return -1;
    }
    act_event(j, "warmup:starting", NULL);
    return act_wait(j, c->warmup_ms);
}

/* Play the file; returns the outcome. */
static gf_outcome pls_play(pls_run_state *s)
{
    act_job *j = s->j;
    hw_dev *hw = j->ctx->hw;
    s->total = gf_puls_payload_length(s->r);
    hw_state_read(hw, &s->start);
    s->presses_seen = s->start.button_presses;
    pau_reset(&s->hist);
    act_event(j, "running", NULL);
    if (hw_play_begin(hw, pls_stfr(s->r)) != HW_OK) {
        mlog(MLOG_ERROR, "%s %lld: the step engine refused the run", j->type,
             (long long)j->id);
        return GF_OUTCOME_FAILED;
    }
    if (s->print)
        pls_progress(s);
    int rc = pls_feed(s);
    hw_play_end(hw);
    pls_log_end(s, rc == 0 ? "finished" : rc > 0 ? "stopped" : "failed");
    if (s->print) {
        pls_progress(s);
        /* Park at the start, even after a cancel (§9.3 step 7). */
        if (hw_park(hw, s->start.x, s->start.y, s->start.z) == HW_OK)
            act_event(j, "return_to_home:succeeded", NULL);
        act_wait(j, j->ctx->cfg->rest_ms);
    }
    if (rc < 0)
        return GF_OUTCOME_FAILED;
    return rc > 0 || act_cancelled(j) ? GF_OUTCOME_CANCELLED
                                      : GF_OUTCOME_COMPLETED;
}

/* Download and validate into `path`; PLS_OK or why not. */
static int pls_fetch(act_job *j, const char *path, FILE *f, char *why,
                     size_t whylen)
{
    int rc = pls_download(j, f, why, whylen);
    if (rc == PLS_OK && act_cancelled(j))
        return PLS_REFUSE;
    if (rc == PLS_OK)
        rc = pls_validate(j, path, why, whylen);
    return rc;
}

/* Log why the fetch failed; a refusal (§15.6) or a cancel ends the action
 * :cancelled, a download error :failed. */
static gf_outcome pls_fetch_failed(act_job *j, int rc, const char *why)
{
    if (act_cancelled(j))
        return GF_OUTCOME_CANCELLED;
    if (rc == PLS_REFUSE) {
        mlog(MLOG_WARNING, "refusing the job: %s", why);
        return GF_OUTCOME_CANCELLED;
    }
    mlog(MLOG_ERROR, "%s %lld: %s", j->type, (long long)j->id, why);
    return GF_OUTCOME_FAILED;
}

gf_outcome pls_run(act_job *j)
{
    pls_run_state s = {.j = j, .print = strcmp(j->type, "print") == 0};
    char path[1024], why[300] = "";
    gf_outcome o = GF_OUTCOME_FAILED;
    FILE *f = NULL;
    act_event(j, "starting", NULL);
    if (!s.print && strcmp(j->type, "motion") == 0 && act_lid_open(j)) {
        /* A motion is gated by the lid (§9.1); a hunt is not. */
        mlog(MLOG_WARNING, "motion %lld: refused, the lid is open",
             (long long)j->id);
        return o;
    }
    if (!j->motion_url) {
        mlog(MLOG_ERROR, "%s %lld: the action has no motion_url", j->type,
             (long long)j->id);
        return o;
    }
    if (s.print)
        frm_progress(j->id, "print:download", 0, "bytes", -1, NULL);
    if (!(f = spool_open(j->ctx->cfg->work_dir, path, sizeof(path)))) {
        mlog(MLOG_ERROR, "%s %lld: cannot create a spool file in %s: %s",
             j->type, (long long)j->id, j->ctx->cfg->work_dir, strerror(errno));
        return o;
    }
    int rc = pls_fetch(j, path, f, why, sizeof(why));
    if (rc != PLS_OK) {
        o = pls_fetch_failed(j, rc, why);
        goto out;
    }
    char msg[256];
    gf_puls_limits lim = {.max_body = (uint64_t)j->ctx->cfg->max_job_bytes};
    if (gf_puls_open_file(&s.r, path, &lim, msg, sizeof(msg)) != GF_OK) {
        mlog(MLOG_ERROR, "%s %lld: cannot reopen the job: %s", j->type,
             (long long)j->id, msg);
        goto out;
    }
    if (strcmp(j->type, "hunt") != 0)
        act_event(j, "download:completed", NULL);
    if (s.print && pls_print_prelude(j) != 0) {
        o = GF_OUTCOME_CANCELLED;
        goto out;
    }
    o = pls_play(&s);
out:
    if (s.r)
        gf_puls_close(s.r);
    fclose(f);
    unlink(path);
    return o;
}

/* frames.c - builds and numbers every frame gfmachine sends.
 *
 * The reference client numbers events, progress and log frames with one
 * process-wide counter starting at 32 and stamps them with hundredths of a
 * second since start plus 3800 (PROTOCOL.md §5.2). The number is taken and
 * the frame queued under one lock so that ids reach the wire in order, even
 * though workers, the logger and the event loop all send frames. The JSON
 * itself comes from libgf's message model. */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "frames.h"
#include "gf/message.h"

static pthread_mutex_t frm_mu = PTHREAD_MUTEX_INITIALIZER;
static txq *frm_q;
static int64_t frm_seq = 32;
static struct timespec frm_start;

void frm_init(txq *q)
{
    pthread_mutex_lock(&frm_mu);
    frm_q = q;
    frm_seq = 32;
    clock_gettime(CLOCK_MONOTONIC, &frm_start);
    pthread_mutex_unlock(&frm_mu);
}

int64_t frm_timestamp(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t cs = (int64_t)(now.tv_sec - frm_start.tv_sec) * 100 +
                 (now.tv_nsec - frm_start.tv_nsec) / 10000000;
    return cs + 3800;
}

/* kind: 0 event, 1 progress, 2 log. */
typedef struct frm_args {
    int kind;
    int64_t action_id;
    const char *a, *b, *units;
    int64_t current, total;
    json_t *json;
} frm_args;

static char *frm_build(const frm_args *x, int64_t seq, int64_t ts)
{
    switch (x->kind) {
    case 0:
        return gf_emit_event(seq, ts, x->action_id, x->a, x->b, x->json);
    case 1: /* libgf wraps the values in {"values": ...} */
        return gf_emit_progress(seq, ts, x->action_id, x->a, x->current,
                                x->units, x->total, x->json);
    default:
        return gf_emit_log(seq, ts, x->a, x->b);
    }
}

static void frm_send(const frm_args *x)
{
    pthread_mutex_lock(&frm_mu);
    char *line = frm_build(x, frm_seq, frm_timestamp());
    if (line) {
        frm_seq++;
        if (frm_q)
            txq_push(frm_q, line, x->kind == 1);
        else
            free(line);
    }
    pthread_mutex_unlock(&frm_mu);
}

void frm_event(int64_t action_id, const char *event, const char *log,
               json_t *settings)
{
    frm_args x = {0, action_id, event, log, NULL, 0, -1, settings};
    frm_send(&x);
}

void frm_progress(int64_t action_id, const char *phase, int64_t current,
                  const char *units, int64_t total, json_t *values)
{
    frm_args x = {1, action_id, phase, NULL, units, current, total, values};
    frm_send(&x);
}

void frm_log(const char *level, const char *text)
{
    frm_args x = {2, -1, level, text, NULL, 0, -1, NULL};
    frm_send(&x);
}

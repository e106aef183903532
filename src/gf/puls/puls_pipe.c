/* puls_pipe.c - gf_puls_stats_read: a whole body's statistics, with
 * inflating and counting overlapped on gzip bodies.
 *
 * On a gzip body the reader spends most of its time in zlib's inflate, and
 * counting afterwards would add the statistics pass on top (PROTOCOL.md
 * §15.1: long jobs are hundreds of MB inflated). So a worker thread counts
 * block k while this thread inflates block k+1; the source inflates into
 * two buffers in turn (puls_source.h), so block k stays intact until block
 * k+2 is made, and this thread waits for the worker to finish block k
 * before it hands over k+1 (and so before k+2 overwrites k's buffer). The
 * statistics are only touched by the worker until it is joined.
 *
 * Plain bodies, small bodies, and any failure to start the thread take the
 * plain loop: the result is the same either way, only the time differs. */
#include <pthread.h>

#include "gf/puls.h"

#define PIPE_MIN_PAYLOAD (4ll << 20) /* below this a thread is not worth it */

typedef struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    gf_puls_stats *stats;
    const uint8_t *job;
    size_t len;
    int busy, done;
} pipe_t;

static void *worker(void *arg)
{
    pipe_t *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->busy && !p->done)
            pthread_cond_wait(&p->cv, &p->mu);
        if (!p->busy)
            break;
        const uint8_t *job = p->job;
        size_t len = p->len;
        pthread_mutex_unlock(&p->mu);
        gf_puls_stats_feed(p->stats, job, len);
        pthread_mutex_lock(&p->mu);
        p->busy = 0;
        pthread_cond_broadcast(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Wait until the worker is idle; then hand it a block, or tell it to stop
 * when `chunk` is NULL. */
static void hand_over(pipe_t *p, const uint8_t *chunk, size_t len)
{
    pthread_mutex_lock(&p->mu);
    while (p->busy)
        pthread_cond_wait(&p->cv, &p->mu);
    if (chunk) {
        p->job = chunk, p->len = len, p->busy = 1;
    } else {
        p->done = 1;
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static ssize_t read_serial(gf_puls_reader *r, gf_puls_stats *stats)
{
    const uint8_t *chunk;
    ssize_t n;
    while ((n = gf_puls_read(r, &chunk)) > 0)
        gf_puls_stats_feed(stats, chunk, (size_t)n);
    return n;
}

static ssize_t read_piped(gf_puls_reader *r, gf_puls_stats *stats)
{
    pipe_t p = {.stats = stats};
    pthread_t th;
    if (pthread_mutex_init(&p.mu, NULL) != 0)
        return read_serial(r, stats);
    if (pthread_cond_init(&p.cv, NULL) != 0) {
        pthread_mutex_destroy(&p.mu);
        return read_serial(r, stats);
    }
    ssize_t n;
    if (pthread_create(&th, NULL, worker, &p) != 0) {
        n = read_serial(r, stats);
    } else {
        const uint8_t *chunk;
        while ((n = gf_puls_read(r, &chunk)) > 0)
            hand_over(&p, chunk, (size_t)n);
        hand_over(&p, NULL, 0);
        pthread_join(th, NULL);
    }
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    return n;
}

int gf_puls_stats_read(gf_puls_reader *r, gf_puls_stats *stats)
{
    int64_t want = gf_puls_payload_length(r);
    gf_puls_stats_init(stats);
    int piped = gf_puls_is_gzip(r) && (want < 0 || want >= PIPE_MIN_PAYLOAD);
    ssize_t n = piped ? read_piped(r, stats) : read_serial(r, stats);
    if (n < 0)
        return (int)n;
    if (!gf_puls_is_gzip(r) && want >= 0 &&
        (uint64_t)want != stats->payload_bytes)
        return GF_EIO; /* the file changed size while it was read */
    return GF_OK;
}

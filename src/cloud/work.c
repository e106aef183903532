/* work.c - the worker pool (work.h).
 *
 * DESIGN.md: nothing blocks the event loop. Blocking work (inflating and
 * checking a job file, writing and fsyncing an upload, compiling a design)
 * is queued here; a fixed set of threads takes items in FIFO order, at most
 * `max_pending` queued or running, so memory and scratch space stay
 * bounded. A finished item goes on a done list and the loop is woken; the
 * loop then runs the item's after step, which records results in the store
 * and answers whoever waits. Items are never cancelled once queued: a
 * caller that loses interest says so in its own ctx. */
#include "work.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

#define MAX_THREADS 8

struct item {
    struct item *next;
    work_fn work;
    after_work_fn after;
    void *ctx;
};

struct work_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t th[MAX_THREADS];
    int nth;
    int quit;
    int max_pending;
    struct item *q_head, *q_tail; /* waiting for a worker */
    struct item *done;            /* finished, waiting for the loop */
    int pending;                  /* queued + running */
    void (*wake)(void *);
    void *wake_ctx;
    char gate[1024]; /* test hook, see wait_gate() */
};

/* Test hook (GFCLOUD_TEST_WORKER_GATE=path): workers hold each item until
 * that file exists, at most a minute. It lets an integration test keep
 * work on a worker and prove the loop still serves everyone else, with no
 * timing in the test. Unset in production: no cost. */
static void wait_gate(const work_pool *p)
{
    for (int i = 0; p->gate[0] && i < 6000 && access(p->gate, F_OK) != 0; i++)
        usleep(10000);
}

static struct item *take(work_pool *p)
{
    while (!p->q_head && !p->quit)
        pthread_cond_wait(&p->cv, &p->mu);
    struct item *it = p->q_head;
    if (it) {
        p->q_head = it->next;
        if (!p->q_head)
            p->q_tail = NULL;
    }
    return it;
}

static void *worker(void *arg)
{
    work_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct item *it = take(p);
        if (!it)
            break;
        pthread_mutex_unlock(&p->mu);
        wait_gate(p);
        it->work(it->ctx);
        pthread_mutex_lock(&p->mu);
        it->next = p->done;
        p->done = it;
        p->pending--;
        /* Wake the loop while still holding the lock: work_drain() cannot
         * see this item gone, and let the loop be destroyed, before. */
        p->wake(p->wake_ctx);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

work_pool *work_new(int threads, int max_pending, void (*wake)(void *),
                    void *wake_ctx)
{
    work_pool *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->max_pending = max_pending;
    p->wake = wake;
    p->wake_ctx = wake_ctx;
    const char *gate = getenv("GFCLOUD_TEST_WORKER_GATE");
    snprintf(p->gate, sizeof(p->gate), "%s", gate ? gate : "");
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    for (int i = 0; i < threads && i < MAX_THREADS; i++) {
        if (pthread_create(&p->th[i], NULL, worker, p) != 0)
            break;
        p->nth++;
    }
    if (p->nth == 0) {
        work_free(p);
        return NULL;
    }
    return p;
}

int work_queue(work_pool *p, work_fn work, after_work_fn after, void *ctx)
{
    struct item *it = calloc(1, sizeof(*it));
    if (!it)
        return -1;
    it->work = work;
    it->after = after;
    it->ctx = ctx;
    pthread_mutex_lock(&p->mu);
    int full = p->pending >= p->max_pending;
    if (!full) {
        p->pending++;
        log_msg(LOG_DEBUG, "worker job queued (%d pending)", p->pending);
        if (p->q_tail)
            p->q_tail->next = it;
        else
            p->q_head = it;
        p->q_tail = it;
        pthread_cond_signal(&p->cv);
    }
    pthread_mutex_unlock(&p->mu);
    if (full)
        free(it);
    return full ? -1 : 0;
}

int work_depth(work_pool *p)
{
    if (!p)
        return 0;
    pthread_mutex_lock(&p->mu);
    int n = p->pending;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void work_poll(work_pool *p)
{
    pthread_mutex_lock(&p->mu);
    struct item *list = p->done;
    p->done = NULL;
    pthread_mutex_unlock(&p->mu);
    /* The done list is newest first: run them in the order they ended. */
    struct item *rev = NULL;
    while (list) {
        struct item *it = list;
        list = it->next;
        it->next = rev;
        rev = it;
    }
    while (rev) {
        struct item *it = rev;
        rev = it->next;
        it->after(it->ctx, 0);
        free(it);
    }
}

void work_drain(work_pool *p)
{
    if (!p)
        return;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        int left = p->pending;
        pthread_mutex_unlock(&p->mu);
        if (left <= 0)
            break;
        usleep(10000); /* shutdown only: let running work finish */
    }
}

void work_free(work_pool *p)
{
    if (!p)
        return;
    work_drain(p);
    pthread_mutex_lock(&p->mu);
    p->quit = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nth; i++)
        pthread_join(p->th[i], NULL);
    while (p->done) {
        struct item *it = p->done;
        p->done = it->next;
        it->after(it->ctx, 1);
        free(it);
    }
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p);
}

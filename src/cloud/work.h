/* work.h - the worker pool: blocking work done off the event loop, and a
 * step that runs back on the loop when it is done (the shape of libuv's
 * uv_queue_work). It knows nothing of HTTP: ingest.c puts request bodies
 * on it. */
#ifndef CLOUD_WORK_H
#define CLOUD_WORK_H

typedef struct work_pool work_pool;

/* On a worker thread: may touch only ctx (and what ctx says it may). */
typedef void (*work_fn)(void *ctx);
/* On the loop, from work_poll(), once `work` has run: `dropped` is 0. Or
 * from work_free(), for work the loop never collected (shutdown):
 * `dropped` is 1. Called exactly once per queued item; frees ctx. */
typedef void (*after_work_fn)(void *ctx, int dropped);

/* `threads` workers taking items in FIFO order, at most `max_pending`
 * queued or running. `wake(wake_ctx)` is called from a worker when an item
 * is done, to make the loop call work_poll() (lws_cancel_service). */
work_pool *work_new(int threads, int max_pending, void (*wake)(void *),
                    void *wake_ctx);
/* Queue an item. 0 queued; -1 the pool is full (nothing was called). */
int work_queue(work_pool *p, work_fn work, after_work_fn after, void *ctx);
/* Items queued or running now (GET /metrics' worker queue depth). */
int work_depth(work_pool *p);
/* On the loop: run the after step of every item done since the last call. */
void work_poll(work_pool *p);
/* Wait for queued and running items (before the event loop goes away). */
void work_drain(work_pool *p);
/* Drain, stop the workers, then drop what the loop did not collect. */
void work_free(work_pool *p);

#endif

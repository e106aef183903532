/* txq.c - a bounded, thread-safe queue of outgoing frames.
 *
 * Workers and the logger push frames from any thread; the event loop pops
 * them when the WebSocket is writeable. While the socket is down the queue
 * fills, and it must never grow without bound (PROTOCOL.md §4.3): when it
 * is full the frame given up is a progress frame if there is one (progress
 * is advisory and superseded by the next one), else the oldest frame. The
 * warning goes to stderr only, since logging to the service would push
 * another frame into the full queue. Dropping from the middle is O(n) in
 * the queue size; that is paid only when the queue overflows. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "txq.h"

typedef struct txq_item {
    char *line;
    int progress;
} txq_item;

struct txq {
    pthread_mutex_t mu;
    txq_item *items; /* ring of `cap` */
    size_t cap, head, len, dropped;
    void (*wake)(void *);
    void *wake_ud;
};

txq *txq_new(size_t cap, void (*wake)(void *), void *wake_ud)
{
    txq *q = calloc(1, sizeof(*q));
    if (!q)
        return NULL;
    q->items = calloc(cap ? cap : 1, sizeof(*q->items));
    if (!q->items) {
        free(q);
        return NULL;
    }
    q->cap = cap ? cap : 1;
    q->wake = wake;
    q->wake_ud = wake_ud;
    pthread_mutex_init(&q->mu, NULL);
    return q;
}

void txq_free(txq *q)
{
    if (!q)
        return;
    for (size_t i = 0; i < q->len; i++)
        free(q->items[(q->head + i) % q->cap].line);
    pthread_mutex_destroy(&q->mu);
    free(q->items);
    free(q);
}

void txq_set_wake(txq *q, void (*wake)(void *), void *wake_ud)
{
    pthread_mutex_lock(&q->mu);
    q->wake = wake;
    q->wake_ud = wake_ud;
    pthread_mutex_unlock(&q->mu);
}

/* Remove the item at logical index `i`, closing the gap. Lock held. */
static void txq_remove_at(txq *q, size_t i)
{
    free(q->items[(q->head + i) % q->cap].line);
    for (size_t j = i; j + 1 < q->len; j++)
        q->items[(q->head + j) % q->cap] = q->items[(q->head + j + 1) % q->cap];
    q->len--;
}

/* Make room for one more frame. Lock held. */
static void txq_make_room(txq *q)
{
    for (size_t i = 0; i < q->len; i++)
        if (q->items[(q->head + i) % q->cap].progress) {
            txq_remove_at(q, i);
            return;
        }
    txq_remove_at(q, 0);
}

int txq_push(txq *q, char *line, int is_progress)
{
    int dropped = 0;
    void (*wake)(void *);
    void *ud;
    pthread_mutex_lock(&q->mu);
    if (q->len == q->cap) {
        dropped = 1;
        q->dropped++;
        if (is_progress) {
            free(line);
            line = NULL;
        } else {
            txq_make_room(q);
        }
    }
    if (line) {
        q->items[(q->head + q->len) % q->cap] = (txq_item){line, is_progress};
        q->len++;
    }
    wake = q->wake;
    ud = q->wake_ud;
    pthread_mutex_unlock(&q->mu);
    if (dropped)
        fprintf(stderr,
                "gfmachine WARNING: transmit queue full (%zu frames),"
                " dropped one\n",
                q->cap);
    if (wake)
        wake(ud);
    return dropped;
}

char *txq_pop(txq *q)
{
    char *line = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->len) {
        line = q->items[q->head].line;
        q->head = (q->head + 1) % q->cap;
        q->len--;
    }
    pthread_mutex_unlock(&q->mu);
    return line;
}

size_t txq_len(txq *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}

size_t txq_dropped(txq *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->dropped;
    pthread_mutex_unlock(&q->mu);
    return n;
}

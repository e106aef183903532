/* txq.h - the bounded queue of frames waiting for the status WebSocket. */
#ifndef GFM_TXQ_H
#define GFM_TXQ_H

#include <stddef.h>

typedef struct txq txq;

/* `wake` is called (outside the lock) after every push so the event loop
 * can ask for a writeable callback; it may be NULL. */
txq *txq_new(size_t cap, void (*wake)(void *), void *wake_ud);
void txq_free(txq *q);
void txq_set_wake(txq *q, void (*wake)(void *), void *wake_ud);
/* Takes ownership of `line` (malloc'd). When full: a new progress frame is
 * dropped; otherwise the oldest progress frame, or else the oldest frame,
 * makes room. Returns the number of frames dropped (0 or 1). */
int txq_push(txq *q, char *line, int is_progress);
/* The oldest frame (caller frees), or NULL when empty. */
char *txq_pop(txq *q);
size_t txq_len(txq *q);
/* Frames dropped since the queue was made. */
size_t txq_dropped(txq *q);

#endif

/* store_sqlite_ckpt.h - WAL checkpoints of the SQLite store, off the event
 * loop's thread. */
#ifndef CLOUD_STORE_SQLITE_CKPT_H
#define CLOUD_STORE_SQLITE_CKPT_H

#include <sqlite3.h>
#include <stdint.h>

typedef struct sq_ckpt sq_ckpt;

/* Take the checkpoints of `db` (the file `path`, in WAL mode) over: its
 * automatic checkpoint is turned off, and a thread with a connection of
 * its own copies the WAL back into the database once a commit leaves it
 * `pages` frames long or longer. NULL when the thread or its connection
 * cannot be had: `db` then keeps SQLite's automatic checkpoint, as
 * before. */
sq_ckpt *sq_ckpt_start(sqlite3 *db, const char *path, int pages);

/* Stop the thread (waiting out a checkpoint it runs) and close its
 * connection. Before `db` is closed; NULL is fine. */
void sq_ckpt_stop(sq_ckpt *k);

/* Checkpoints the thread ran to the end so far (tests). */
uint64_t sq_ckpt_count(sq_ckpt *k);

/* Checkpoints the committing connection ran itself because the WAL had
 * grown to four steps while the thread lagged behind the commits (tests;
 * only on the committing thread). */
uint64_t sq_ckpt_caught_up(const sq_ckpt *k);

#endif

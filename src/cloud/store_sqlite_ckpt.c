/* store_sqlite_ckpt.c - WAL checkpoints of the SQLite store, off the event
 * loop's thread.
 *
 * In WAL mode a commit appends pages to the -wal file, and a checkpoint
 * copies them back into the database: with synchronous=NORMAL that is
 * where the fsyncs are (the WAL, then the database). SQLite runs it by
 * itself inside the COMMIT that makes the WAL 1,000 pages long, on the
 * thread that commits: gfcloud's event loop. Under a steady stream of
 * actions that is about once a second, and its two fsyncs stalled the
 * loop for 11-16 ms each time: every request and frame arriving meanwhile
 * waited, the 1% of action round trips that made the p99 (issue 11).
 *
 * So the loop's connection has its automatic checkpoint turned off, and
 * its WAL hook (called after each commit, with the WAL's length) wakes
 * this thread, which runs a PASSIVE checkpoint on a connection of its own.
 * A passive checkpoint takes no writer lock and never waits: the loop goes
 * on committing into the WAL while the pages are copied and synced, and
 * the next commit after a complete checkpoint starts the WAL over from its
 * beginning. What a commit makes durable does not change: a committed
 * transaction is in the WAL before COMMIT returns, whoever checkpoints.
 *
 * A passive checkpoint copies what was committed when it began; under a
 * steady stream of commits the loop has always added more by the time it
 * ends, and the WAL starts over only after a checkpoint that left nothing
 * behind: with the thread alone, it grew without end (920 MiB in a
 * 5,000-machine benchmark). The rest must be copied by the writer itself,
 * between two of its commits, and cheaply: the fsyncs are the cost (11-60
 * ms on the benchmark's disk with a second's pages dirty, under 2 ms with
 * a few). So after each run the thread syncs the WAL again itself,
 * through a descriptor of its own, and says it is ready; once the WAL is
 * CATCH_UP steps long, the next commit that finds it ready runs the passive
 * checkpoint on the loop's connection, with only the pages since that sync
 * to copy and flush, and the WAL starts over at the next transaction. A
 * thread that is ready is not woken again, so the two do not contend (a
 * checkpoint in progress makes the loop's attempt return at once, to be
 * tried after the next commit). */
#include "store_sqlite_ckpt.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CATCH_UP 4

struct sq_ckpt {
    sqlite3 *loop_db; /* the event loop's connection (not ours) */
    sqlite3 *db;      /* this thread's own */
    char *path;       /* the database file; its WAL is path + "-wal" */
    int pages;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int wanted; /* a commit left the WAL long: checkpoint */
    int ready;  /* a run and its sync ended: the loop may finish the copy */
    int stop;
    uint64_t done;
    uint64_t caught_up; /* loop checkpoints (only the loop's thread) */
};

/* The commit that made the WAL this long finishes the checkpoint the
 * thread made cheap: 1 when it did (the WAL starts over at the next
 * transaction), 0 when the thread has not got there yet. */
static int loop_catch_up(sq_ckpt *k, sqlite3 *db)
{
    pthread_mutex_lock(&k->mu);
    int ready = k->ready;
    if (!ready) { /* the run in progress, or one to come, gets there */
        k->wanted = 1;
        pthread_cond_signal(&k->cv);
    }
    pthread_mutex_unlock(&k->mu);
    if (!ready || sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                            NULL, NULL) != SQLITE_OK)
        return 0;
    pthread_mutex_lock(&k->mu);
    k->ready = 0;
    pthread_mutex_unlock(&k->mu);
    k->caught_up++;
    return 1;
}

/* On the loop's thread, after every commit: a flag and a signal, and once
 * every few steps the end of a checkpoint. */
static int on_wal_commit(void *ud, sqlite3 *db, const char *name, int frames)
{
    sq_ckpt *k = ud;
    (void)name;
    if (frames < k->pages)
        return SQLITE_OK;
    if (frames >= CATCH_UP * k->pages) {
        loop_catch_up(k, db);
        return SQLITE_OK;
    }
    pthread_mutex_lock(&k->mu);
    k->ready = 0; /* the next run's sync is the one that counts */
    k->wanted = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    return SQLITE_OK;
}

/* fdatasync the WAL, whatever descriptor SQLite writes it by: the pages
 * are the file's, not the descriptor's. Never the database file itself:
 * closing any descriptor of it drops every POSIX lock this process holds
 * on it, and another process (a `gfcloud machine` command) that then
 * closes its connection believes it is the last, checkpoints and deletes
 * the WAL under the service's feet. The -wal file carries no locks; the
 * database's own fsync is the passive checkpoint's. */
static void sync_wal(const char *path)
{
    char name[4096];
    if (snprintf(name, sizeof(name), "%s-wal", path) >= (int)sizeof(name))
        return;
    int fd = open(name, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)fdatasync(fd);
    close(fd);
}

/* One run: the passive checkpoint (the bulk of the copy and its fsyncs),
 * then a sync of the WAL pages committed meanwhile. */
static void run_once(sq_ckpt *k)
{
    /* SQLITE_BUSY (another checkpointer, such as a `gfcloud` command's
     * connection closing) leaves the pages for the next one. */
    int rc = sqlite3_wal_checkpoint_v2(k->db, NULL, SQLITE_CHECKPOINT_PASSIVE,
                                       NULL, NULL);
    sync_wal(k->path);
    pthread_mutex_lock(&k->mu);
    if (rc == SQLITE_OK)
        k->done++;
    k->ready = 1;
    pthread_mutex_unlock(&k->mu);
}

static void *ckpt_main(void *arg)
{
    sq_ckpt *k = arg;
    pthread_mutex_lock(&k->mu);
    for (;;) {
        while (!k->wanted && !k->stop)
            pthread_cond_wait(&k->cv, &k->mu);
        if (k->stop)
            break;
        k->wanted = 0;
        pthread_mutex_unlock(&k->mu);
        run_once(k);
        pthread_mutex_lock(&k->mu);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

static int in_wal_mode(sqlite3 *db)
{
    sqlite3_stmt *st;
    int wal = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *mode = sqlite3_column_text(st, 0);
        wal = mode && strcmp((const char *)mode, "wal") == 0;
    }
    sqlite3_finalize(st);
    return wal;
}

sq_ckpt *sq_ckpt_start(sqlite3 *db, const char *path, int pages)
{
    sq_ckpt *k = calloc(1, sizeof(*k));
    if (!k)
        return NULL;
    k->loop_db = db;
    k->pages = pages > 0 ? pages : 1000;
    if (!(k->path = strdup(path)) ||
        sqlite3_open_v2(path, &k->db, SQLITE_OPEN_READWRITE, NULL) !=
            SQLITE_OK) {
        sqlite3_close(k->db);
        free(k->path);
        free(k);
        return NULL;
    }
    /* A connection reads the WAL index from its first transaction on;
     * until then a checkpoint on it does nothing (not in WAL mode, as far
     * as it knows). */
    if (!in_wal_mode(k->db)) {
        sqlite3_close(k->db);
        free(k->path);
        free(k);
        return NULL;
    }
    pthread_mutex_init(&k->mu, NULL);
    pthread_cond_init(&k->cv, NULL);
    if (pthread_create(&k->thread, NULL, ckpt_main, k) != 0) {
        pthread_cond_destroy(&k->cv);
        pthread_mutex_destroy(&k->mu);
        sqlite3_close(k->db);
        free(k->path);
        free(k);
        return NULL;
    }
    /* Replaces the automatic checkpoint, which is a WAL hook itself. */
    sqlite3_wal_hook(db, on_wal_commit, k);
    return k;
}

void sq_ckpt_stop(sq_ckpt *k)
{
    if (!k)
        return;
    /* The loop's connection checkpoints by itself again: the last commits
     * before it closes, and its close, need no thread. */
    sqlite3_wal_autocheckpoint(k->loop_db, 1000);
    pthread_mutex_lock(&k->mu);
    k->stop = 1;
    pthread_cond_signal(&k->cv);
    pthread_mutex_unlock(&k->mu);
    pthread_join(k->thread, NULL);
    pthread_cond_destroy(&k->cv);
    pthread_mutex_destroy(&k->mu);
    sqlite3_close(k->db);
    free(k->path);
    free(k);
}

uint64_t sq_ckpt_count(sq_ckpt *k)
{
    if (!k)
        return 0;
    pthread_mutex_lock(&k->mu);
    uint64_t n = k->done;
    pthread_mutex_unlock(&k->mu);
    return n;
}

uint64_t sq_ckpt_caught_up(const sq_ckpt *k)
{
    return k ? k->caught_up : 0;
}

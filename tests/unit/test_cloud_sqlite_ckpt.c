/* test_cloud_sqlite_ckpt.c - the SQLite store's WAL checkpoints run on
 * their own thread: commits on the loop's connection wake it once the WAL
 * is long, it copies every committed page back into the database, and
 * nothing committed is lost on the way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "store_sqlite_ckpt.h"

static char dir[64], path[96];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/gf-ckpt-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/t.db", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static sqlite3 *open_wal(void)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "PRAGMA journal_mode=WAL;"
                                  "PRAGMA synchronous=NORMAL;"
                                  "CREATE TABLE IF NOT EXISTS t(v BLOB);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return db;
}

/* `n` commits of one 4 KiB row each: at least one WAL frame apiece. */
static void commit_rows(sqlite3 *db, int n)
{
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?)", -1, &st, NULL),
        SQLITE_OK);
    static char blob[4096];
    for (int i = 0; i < n; i++) {
        sqlite3_bind_blob(st, 1, blob, sizeof(blob), SQLITE_STATIC);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
}

static int64_t count_rows(void)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

/* The size of the database file (suffix "") or of its WAL ("-wal"). */
static long file_bytes(const char *suffix)
{
    char name[128];
    snprintf(name, sizeof(name), "%s%s", path, suffix);
    FILE *f = fopen(name, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void long_wal_wakes_the_thread_which_checkpoints(void **state)
{
    (void)state;
    sqlite3 *db = open_wal();
    sq_ckpt *k = sq_ckpt_start(db, path, 100);
    assert_non_null(k);
    commit_rows(db, 10); /* 20-30 frames: short of 100 */
    usleep(100000);
    assert_int_equal(sq_ckpt_count(k), 0);
    assert_in_range(file_bytes(""), 0, 3 * 4096); /* the rows: WAL only */
    commit_rows(db, 100); /* 250 frames or so: past one step, short of 4 */
    for (int i = 0; i < 200 && sq_ckpt_count(k) == 0; i++)
        usleep(25000);
    assert_true(sq_ckpt_count(k) >= 1);
    assert_int_equal(sq_ckpt_caught_up(k), 0);
    /* The thread copied into the database file what was committed when it
     * began: at least the 100 frames that woke it (each row is a page of
     * its own, and a commit writes two or three), all 110 rows if the
     * thread was slower than the commits, which it usually is. */
    assert_true(file_bytes("") >= 30 * 4096);
    assert_int_equal(count_rows(), 110);
    sq_ckpt_stop(k);
    sqlite3_close(db);
    assert_int_equal(count_rows(), 110);
}

/* A writer that never pauses: the thread's checkpoints always end behind
 * the last commit, and the WAL would only grow (it starts over only after
 * a checkpoint that left nothing to copy): all 15,000 frames or so, 64 MB.
 * At four steps the committing connection finishes the copy the thread
 * prepared, so the WAL file stays a few thread runs long: what this writer
 * commits during one run's fsyncs, a few thousand frames at most. */
static void wal_stays_bounded_under_commits_without_a_pause(void **state)
{
    (void)state;
    sqlite3 *db = open_wal();
    int64_t before = count_rows();
    sq_ckpt *k = sq_ckpt_start(db, path, 50);
    assert_non_null(k);
    commit_rows(db, 5000);
    long max_bytes = 6000L * (4096 + 24) + 32;
    assert_in_range(file_bytes("-wal"), 0, max_bytes);
    assert_true(sq_ckpt_caught_up(k) >= 1);
    sq_ckpt_stop(k);
    sqlite3_close(db);
    assert_int_equal(count_rows(), before + 5000);
}

/* After the thread stops, the connection checkpoints by itself again: a
 * long WAL does not stay long. */
static void stop_gives_the_checkpoint_back_to_sqlite(void **state)
{
    (void)state;
    sqlite3 *db = open_wal();
    int64_t before = count_rows();
    sq_ckpt_stop(sq_ckpt_start(db, path, 1000000));
    commit_rows(db, 1500); /* two or three frames each */
    int log = -1, done = -1;
    /* SQLite's own checkpoint restarted the WAL at every 1,000 frames or
     * so: what it holds now is less than one step, not the 3,000 and more
     * that 1,500 commits wrote. */
    assert_int_equal(sqlite3_wal_checkpoint_v2(
                         db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done),
                     SQLITE_OK);
    assert_in_range(log, 0, 1010);
    sqlite3_close(db);
    assert_int_equal(count_rows(), before + 1500);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(long_wal_wakes_the_thread_which_checkpoints),
        cmocka_unit_test(wal_stays_bounded_under_commits_without_a_pause),
        cmocka_unit_test(stop_gives_the_checkpoint_back_to_sqlite),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

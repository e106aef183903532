/* store_sqlite.c - the embedded store backend: one SQLite file in WAL mode.
 *
 * WAL with synchronous=NORMAL makes every committed transaction survive a
 * kill -9 of the process (the OS still holds the WAL pages); "sync = full"
 * also survives power loss at the cost of an fsync per commit. Hot-path
 * writes (one WebSocket frame's events, logs and progress) are grouped by
 * the caller with store_begin/store_commit, and the frames of one pass of
 * the event loop share one transaction (store_batch_join: one commit's
 * page writes and locks for many frames). Anything the service answers
 * for over HTTP is committed before the answer goes out.
 *
 * Statements are prepared once and cached by their SQL text's address.
 *
 * A full disk (SQLITE_FULL, or an I/O error) is survivable: the failed call
 * returns -1 like any database error, the write is counted as lost and
 * logged with the running count (an event or log line from a machine has
 * nobody to answer to, so this is the only trace), a transaction whose
 * COMMIT failed is rolled back so the next one can start, and once space
 * returns writes simply succeed again. */
#include "store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "store_impl.h"
#include "store_sqlite_ckpt.h"

#define MAX_STMTS      128
#define ACTION_ID_BASE 1600000000LL /* ids look like the vendor's */

struct sq_store {
    struct store base; /* first: a store * points here */
    sqlite3 *db;
    struct {
        const char *sql;
        sqlite3_stmt *st;
    } cache[MAX_STMTS];
    int n_cache;
    int in_tx;
    int batch;     /* store_batch_join()'s transaction is open */
    sq_ckpt *ckpt; /* WAL checkpoints on their own thread; NULL: SQLite's */
};

#define SQ(s) ((struct sq_store *)(s))

/* A write failed with `rc`: count it, with whether the disk was full. */
static void write_failed(store *s, int rc, const char *what)
{
    /* EFBIG: a file size limit (RLIMIT_FSIZE) is a full disk too, but
     * SQLite reports it as an I/O error, and sqlite3_exec() clears the
     * system errno it kept; the C errno of the failed write tells. */
    int e = sqlite3_system_errno(SQ(s)->db);
    if (e == 0)
        e = errno;
    store_write_failed(s,
                       (rc & 0xff) == SQLITE_FULL || e == ENOSPC ||
                           e == EDQUOT || e == EFBIG,
                       what);
}

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS machines("
    " serial INTEGER PRIMARY KEY, pw_hash BLOB NOT NULL, created INTEGER,"
    " last_seen INTEGER, progress TEXT, settings_form TEXT,"
    " head TEXT NOT NULL DEFAULT 'unknown', malformed INTEGER DEFAULT 0,"
    " reg INTEGER, home_dx INTEGER DEFAULT 0, home_dy INTEGER DEFAULT 0);"
    /* The full settings report (about 6 KB) in a table of its own: inside
     * a machines row it spilled onto overflow pages, which every read of a
     * later column (reg at each sign-in, head at each connect) walked, and
     * every write of the row (last_seen, head) copied into the WAL. */
    "CREATE TABLE IF NOT EXISTS machine_settings("
    " serial INTEGER PRIMARY KEY, settings TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS apikeys("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, hash BLOB UNIQUE NOT NULL,"
    " created INTEGER, revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS actions("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, serial INTEGER NOT NULL,"
    " type TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER DEFAULT 0,"
    " stage INTEGER DEFAULT -1, reason TEXT, file TEXT, params TEXT,"
    " created INTEGER, sent_at INTEGER, finished_at INTEGER,"
    " expires_at INTEGER, cancel_pending INTEGER DEFAULT 0,"
    " upload_used INTEGER DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS actions_queue ON actions(serial, state);"
    /* the cancels owed on connect: a handful among a machine's thousands */
    "CREATE INDEX IF NOT EXISTS actions_cancel_owed ON actions(serial) "
    "WHERE cancel_pending = 1;"
    "CREATE TABLE IF NOT EXISTS events("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, serial INTEGER, action_id "
    "INTEGER,"
    " seq INTEGER, ts INTEGER, event TEXT, level TEXT, log TEXT,"
    " received INTEGER);"
    "CREATE INDEX IF NOT EXISTS events_action ON events(action_id);"
    "CREATE INDEX IF NOT EXISTS events_serial ON events(serial, id);"
    "CREATE TABLE IF NOT EXISTS logs("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, serial INTEGER, seq INTEGER,"
    " ts INTEGER, level TEXT, text TEXT, received INTEGER);"
    "CREATE INDEX IF NOT EXISTS logs_serial ON logs(serial, id);"
    "CREATE TABLE IF NOT EXISTS files("
    " id TEXT PRIMARY KEY, size INTEGER, payload INTEGER, stfr INTEGER,"
    " mcsn INTEGER DEFAULT 0, created INTEGER, net_x INTEGER DEFAULT 0,"
    " net_y INTEGER DEFAULT 0, min_x INTEGER DEFAULT 0, max_x INTEGER "
    "DEFAULT 0, min_y INTEGER DEFAULT 0, max_y INTEGER DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS file_locks("
    " file TEXT NOT NULL, serial INTEGER NOT NULL, blob TEXT NOT NULL,"
    " created INTEGER, PRIMARY KEY(file, serial));"
    "CREATE TABLE IF NOT EXISTS images("
    " action_id INTEGER PRIMARY KEY, serial INTEGER, type TEXT, blob TEXT,"
    " size INTEGER, received INTEGER);"
    "CREATE INDEX IF NOT EXISTS images_latest ON images(serial, type, "
    "received);"
    "CREATE TABLE IF NOT EXISTS jobs("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, serial INTEGER NOT NULL,"
    " name TEXT, state TEXT NOT NULL, reason TEXT, created_by TEXT, file TEXT,"
    " preview TEXT, params TEXT, stats TEXT, actions TEXT,"
    " print_action INTEGER DEFAULT 0, progress INTEGER DEFAULT 0,"
    " created INTEGER, queued_at INTEGER, started INTEGER, finished INTEGER,"
    " button_at INTEGER);"
    "CREATE INDEX IF NOT EXISTS jobs_serial ON jobs(serial, state, id);"
    "CREATE INDEX IF NOT EXISTS jobs_action ON jobs(print_action);"
    "CREATE TABLE IF NOT EXISTS materials("
    " name TEXT PRIMARY KEY, doc TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS flags(name TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS audit("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER, who TEXT,"
    " peer TEXT, what TEXT, target TEXT, detail TEXT);"
    "CREATE TABLE IF NOT EXISTS cameras("
    " serial INTEGER PRIMARY KEY, ref_x INTEGER, ref_y INTEGER,"
    " calibrated INTEGER, figures TEXT, blob BLOB NOT NULL);";

/* Tables and indexes of GET /metrics and the webhooks (webhook.c). */
static const char hooks_schema[] =
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);"
    "CREATE TABLE IF NOT EXISTS webhooks("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL,"
    " events TEXT NOT NULL, secret TEXT NOT NULL, created INTEGER);"
    "CREATE TABLE IF NOT EXISTS webhook_deliveries("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, webhook_id INTEGER NOT NULL,"
    " event TEXT NOT NULL, body TEXT NOT NULL, state TEXT NOT NULL,"
    " attempts INTEGER NOT NULL DEFAULT 0, created INTEGER, next_try "
    "INTEGER, sending INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS webhook_due ON webhook_deliveries(state, "
    "next_try);"
    "CREATE INDEX IF NOT EXISTS webhook_log ON webhook_deliveries(webhook_id, "
    "id);"
    "CREATE TABLE IF NOT EXISTS webhook_attempts("
    " id INTEGER PRIMARY KEY AUTOINCREMENT, delivery_id INTEGER NOT NULL,"
    " at INTEGER, status INTEGER, error TEXT, took_ms INTEGER);"
    "CREATE INDEX IF NOT EXISTS webhook_attempts_of ON "
    "webhook_attempts(delivery_id, id);";

/* Users, the owners of API keys and sign-in sessions. A key made before
 * users existed has no owner and no role, and is taken for an admin's. */
static const char users_schema[] =
    "CREATE TABLE IF NOT EXISTS users("
    " name TEXT PRIMARY KEY, role TEXT NOT NULL, pw_hash TEXT NOT NULL,"
    " created INTEGER);"
    "CREATE TABLE IF NOT EXISTS sessions("
    " hash BLOB PRIMARY KEY, owner TEXT NOT NULL, csrf TEXT NOT NULL,"
    " created INTEGER, used INTEGER);"
    "CREATE INDEX IF NOT EXISTS sessions_owner ON sessions(owner);";

static const char *const users_columns[] = {
    "ALTER TABLE apikeys ADD COLUMN owner TEXT",
    "ALTER TABLE apikeys ADD COLUMN role TEXT",
};

/* Columns added after the first release: a database made before them
 * gets them here ("duplicate column" means it has them already). */
static const char *const added_columns[] = {
    "ALTER TABLE machines ADD COLUMN home_dx INTEGER DEFAULT 0",
    "ALTER TABLE machines ADD COLUMN home_dy INTEGER DEFAULT 0",
    "ALTER TABLE files ADD COLUMN net_x INTEGER DEFAULT 0",
    "ALTER TABLE files ADD COLUMN net_y INTEGER DEFAULT 0",
    "ALTER TABLE files ADD COLUMN min_x INTEGER DEFAULT 0",
    "ALTER TABLE files ADD COLUMN max_x INTEGER DEFAULT 0",
    "ALTER TABLE files ADD COLUMN min_y INTEGER DEFAULT 0",
    "ALTER TABLE files ADD COLUMN max_y INTEGER DEFAULT 0",
};

static int add_column_list(store *s, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *msg = NULL;
        int rc = sqlite3_exec(SQ(s)->db, cols[i], NULL, NULL, &msg);
        int dup = msg && strstr(msg, "duplicate column") != NULL;
        sqlite3_free(msg);
        if (rc != SQLITE_OK && !dup)
            return -1;
    }
    return 0;
}

static int add_columns(store *s)
{
    return add_column_list(s, added_columns,
                           sizeof(added_columns) / sizeof(added_columns[0])) ||
           sqlite3_exec(SQ(s)->db, users_schema, NULL, NULL, NULL) !=
               SQLITE_OK ||
           add_column_list(s, users_columns,
                           sizeof(users_columns) / sizeof(users_columns[0]));
}

static sqlite3_stmt *stmt(store *s, const char *sql)
{
    for (int i = 0; i < SQ(s)->n_cache; i++) {
        if (SQ(s)->cache[i].sql == sql) {
            sqlite3_reset(SQ(s)->cache[i].st);
            sqlite3_clear_bindings(SQ(s)->cache[i].st);
            return SQ(s)->cache[i].st;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(SQ(s)->db, sql, -1, &st, NULL) != SQLITE_OK) {
        log_msg(LOG_ERR, "store: prepare failed: %s",
                sqlite3_errmsg(SQ(s)->db));
        return NULL;
    }
    if (SQ(s)->n_cache < MAX_STMTS) {
        SQ(s)->cache[SQ(s)->n_cache].sql = sql;
        SQ(s)->cache[SQ(s)->n_cache].st = st;
        SQ(s)->n_cache++;
    } else {
        log_msg(LOG_ERR, "store: statement cache full");
    }
    return st;
}

/* Run a statement that returns no rows; STORE_OK or STORE_ERROR. */
static store_rc done(store *s, sqlite3_stmt *st)
{
    int64_t t0 = metrics_clock_us();
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    metrics_store_write(t0);
    if (rc != SQLITE_DONE) {
        write_failed(s, rc, sqlite3_errmsg(SQ(s)->db));
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* Run `q` (one parameter, `key`) that changes at most one row: STORE_OK
 * changed, `miss` when no row changed (none, or already so), STORE_ERROR. */
static store_rc change_one(store *s, const char *q, int64_t key, store_rc miss)
{
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, key);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db) == 1 ? STORE_OK : miss;
}

/* "UPDATE ... SET col = ?1 WHERE key = ?2" for one row of machines or
 * actions: the value first, the key (serial or id) second. */
static store_rc set_int(store *s, const char *q, int64_t key, int64_t v)
{
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, v);
    sqlite3_bind_int64(st, 2, key);
    return done(s, st);
}

static store_rc set_text(store *s, const char *q, int64_t key, const char *v)
{
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, v, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, key);
    return done(s, st);
}

static store_rc exec(store *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(SQ(s)->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        write_failed(s, rc, msg ? msg : "error");
        sqlite3_free(msg);
        return STORE_ERROR;
    }
    return STORE_OK;
}

/* Every registration of a machine gets its own random id (`reg`), which
 * the service's tokens are bound to (auth.c): a machine removed and added
 * again is a new registration, and tokens issued to the old one stop
 * working. A database from before `reg` gets the column, and ids for the
 * machines it holds. */
#define NEW_REG "(random() & 9223372036854775807)"

/* 1 when the machines table has a column `col`, 0 when not, -1 when it
 * cannot be told. */
static int machines_has(store *s, const char *col)
{
    sqlite3_stmt *st = NULL;
    int have = 0;
    if (sqlite3_prepare_v2(SQ(s)->db, "PRAGMA table_info(machines)", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if (name && strcmp(name, col) == 0)
            have = 1;
    }
    sqlite3_finalize(st);
    return have;
}

static store_rc add_reg_column(store *s)
{
    int have = machines_has(s, "reg");
    if (have < 0)
        return STORE_ERROR;
    if (!have && exec(s, "ALTER TABLE machines ADD COLUMN reg INTEGER") != 0)
        return STORE_ERROR;
    return exec(s, "UPDATE machines SET reg = " NEW_REG " WHERE reg IS NULL");
}

/* A database from before machine_settings keeps each report in a
 * machines column: it moves to its table and the column goes. */
static store_rc move_settings_out(store *s)
{
    int have = machines_has(s, "settings");
    if (have <= 0)
        return have < 0 ? STORE_ERROR : STORE_OK;
    log_msg(LOG_INFO, "store: moving the settings reports out of machines");
    return exec(s, "INSERT OR REPLACE INTO machine_settings(serial, settings) "
                   "SELECT serial, settings FROM machines WHERE settings IS "
                   "NOT NULL; ALTER TABLE machines DROP COLUMN settings");
}

static int seed_action_ids(store *s)
{
    static const char q[] = "INSERT INTO sqlite_sequence(name, seq) SELECT "
                            "'actions', ? WHERE NOT EXISTS (SELECT 1 FROM "
                            "sqlite_sequence WHERE name = 'actions')";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(SQ(s)->db, q, -1, &st, NULL) != SQLITE_OK)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, ACTION_ID_BASE);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    sqlite3_finalize(st);
    return rc;
}

static const store_ops sq_ops;

store_rc store_open_sqlite(store **out, const char *path, int sync_full,
                           char *err, size_t errlen)
{
    *out = NULL;
    struct sq_store *sq = calloc(1, sizeof(*sq));
    store *s = &sq->base;
    if (!sq) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    s->ops = &sq_ops;
    if (sqlite3_open(path, &SQ(s)->db) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(SQ(s)->db));
        goto fail;
    }
    sqlite3_busy_timeout(SQ(s)->db, 5000);
    if (exec(s, "PRAGMA journal_mode=WAL") != 0 ||
        exec(s, sync_full ? "PRAGMA synchronous=FULL"
                          : "PRAGMA synchronous=NORMAL") != 0 ||
        exec(s, "BEGIN IMMEDIATE") != 0 || exec(s, schema) != 0 ||
        exec(s, hooks_schema) != 0 || add_reg_column(s) != 0 ||
        add_columns(s) != 0 || move_settings_out(s) != 0 ||
        seed_action_ids(s) != 0 || exec(s, "COMMIT") != 0) {
        snprintf(err, errlen, "%s: cannot set up the database: %s", path,
                 sqlite3_errmsg(SQ(s)->db));
        goto fail;
    }
    /* A database in a file (not ":memory:"): its checkpoints' fsyncs stay
     * off the event loop (store_sqlite_ckpt.c). */
    const char *file = sqlite3_db_filename(SQ(s)->db, "main");
    if (file && *file)
        SQ(s)->ckpt = sq_ckpt_start(SQ(s)->db, file, 1000);
    *out = s;
    return STORE_OK;
fail:
    store_close(s);
    return STORE_ERROR;
}

static void sq_close(store *s)
{
    if (!s)
        return;
    sq_ckpt_stop(SQ(s)->ckpt);
    for (int i = 0; i < SQ(s)->n_cache; i++)
        sqlite3_finalize(SQ(s)->cache[i].st);
    sqlite3_close(SQ(s)->db);
    free(SQ(s));
}

static store_rc sq_begin(store *s)
{
    if (SQ(s)->in_tx++ > 0)
        return STORE_OK;
    return exec(s, "BEGIN");
}

static store_rc sq_commit(store *s)
{
    if (SQ(s)->in_tx == 0 || --SQ(s)->in_tx > 0)
        return STORE_OK;
    int64_t t0 = metrics_clock_us();
    store_rc committed = exec(s, "COMMIT");
    metrics_store_write(t0);
    if (committed == STORE_OK)
        return STORE_OK;
    /* SQLite may leave the transaction open after a failed COMMIT (a full
     * disk): end it, or every later BEGIN fails and nothing recovers. */
    if (!sqlite3_get_autocommit(SQ(s)->db) &&
        sqlite3_exec(SQ(s)->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
        log_msg(LOG_ERR, "store: rollback failed: %s",
                sqlite3_errmsg(SQ(s)->db));
    return STORE_ERROR;
}

/* IMMEDIATE: the batch takes the write lock at once (waiting out another
 * writer, such as a `gfcloud machine` command, in the busy handler) rather
 * than at its first write, where a snapshot older than that writer's
 * commit could not be upgraded and the whole pass would fail. */
static store_rc sq_batch_join(store *s)
{
    if (SQ(s)->batch)
        return STORE_OK;
    SQ(s)->batch = 1; /* counted even when BEGIN fails: flush ends it */
    if (SQ(s)->in_tx++ > 0)
        return STORE_OK;
    return exec(s, "BEGIN IMMEDIATE");
}

static store_rc sq_batch_flush(store *s)
{
    if (!SQ(s)->batch)
        return STORE_OK;
    SQ(s)->batch = 0;
    return sq_commit(s);
}

/* One process owns an SQLite file: there are no other nodes to tell. */
static store_rc sq_notify(store *s, const char *msg)
{
    (void)s;
    (void)msg;
    return STORE_OK;
}

static int sq_notify_fd(store *s)
{
    (void)s;
    return -1;
}

static int sq_notify_poll(store *s, store_notify_cb cb, void *ud)
{
    (void)s;
    (void)cb;
    (void)ud;
    return 0;
}

/* ---- machines ---------------------------------------------------------- */

static store_rc sq_machine_add(store *s, uint64_t serial,
                               const uint8_t hash[32], int64_t now)
{
    static const char q[] = "INSERT OR IGNORE INTO machines(serial, pw_hash, "
                            "created, reg) VALUES(?, ?, ?, " NEW_REG ")";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db) == 1 ? STORE_OK : STORE_ALREADY;
}

static store_rc sq_machine_get_reg(store *s, uint64_t serial, uint64_t *reg)
{
    static const char q[] = "SELECT reg FROM machines WHERE serial = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *reg = (uint64_t)sqlite3_column_int64(st, 0);
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_machine_get_login(store *s, uint64_t serial,
                                     uint8_t hash[32], uint64_t *reg)
{
    static const char q[] =
        "SELECT pw_hash, reg FROM machines WHERE serial = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32) {
        memcpy(hash, sqlite3_column_blob(st, 0), 32);
        *reg = (uint64_t)sqlite3_column_int64(st, 1);
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

static long sq_machine_each_reg(store *s, store_reg_cb cb, void *ud)
{
    static const char q[] = "SELECT serial, reg FROM machines";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    long n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cb(ud, (uint64_t)sqlite3_column_int64(st, 0),
           (uint64_t)sqlite3_column_int64(st, 1));
        n++;
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? n : STORE_ERROR;
}

static store_rc sq_machine_remove(store *s, uint64_t serial)
{
    static const char q[] = "DELETE FROM machines WHERE serial = ?";
    static const char cam[] = "DELETE FROM cameras WHERE serial = ?";
    static const char set[] = "DELETE FROM machine_settings WHERE serial = ?";
    if (change_one(s, cam, (int64_t)serial, STORE_OK) == STORE_ERROR ||
        change_one(s, set, (int64_t)serial, STORE_OK) == STORE_ERROR)
        return STORE_ERROR;
    return change_one(s, q, (int64_t)serial, STORE_NOT_FOUND);
}

static json_t *col_json(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (!t)
        return json_null();
    json_t *v = json_loads(t, 0, NULL);
    return v ? v : json_null();
}

static json_t *col_text(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? json_string(t) : json_null();
}

static json_t *col_int(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) == SQLITE_NULL)
        return json_null();
    return json_integer(sqlite3_column_int64(st, i));
}

/* Every row left in `st` as a JSON object, column i under names[i]:
 * integers and text as they are, NULL as null, or left out when the name
 * starts with '?'. The statement is reset. One helper for the row lists of
 * the API (logs, events, an action's events), which differ only in their
 * query and names. */
static json_t *rows_json(sqlite3_stmt *st, const char *const *names)
{
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *e = json_object();
        for (int i = 0; names[i]; i++) {
            const char *name = names[i] + (names[i][0] == '?');
            int type = sqlite3_column_type(st, i);
            if (type == SQLITE_NULL && names[i][0] == '?')
                continue;
            json_object_set_new(e, name,
                                type == SQLITE_INTEGER ? col_int(st, i)
                                                       : col_text(st, i));
        }
        json_array_append_new(arr, e);
    }
    sqlite3_reset(st);
    return arr;
}

/* A page of a machine's rows after cursor `since` (query binds serial,
 * since, limit in that order). */
static json_t *page_json(store *s, const char *q, uint64_t serial,
                         int64_t since, int limit, const char *const *names)
{
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    sqlite3_bind_int64(st, 2, since);
    sqlite3_bind_int(st, 3, limit);
    return rows_json(st, names);
}

#define MACHINE_COLS                                                           \
    "m.serial, m.created, m.last_seen, m.progress, m.settings_form, m.head,"   \
    " m.malformed"

static json_t *machine_row(sqlite3_stmt *st, int full)
{
    json_t *o = json_object();
    char serial[32];
    snprintf(serial, sizeof(serial), "S%lld",
             (long long)sqlite3_column_int64(st, 0));
    json_object_set_new(o, "serial", json_string(serial));
    json_object_set_new(o, "created", col_int(st, 1));
    json_object_set_new(o, "last_seen", col_int(st, 2));
    json_object_set_new(o, "settings_form", col_text(st, 4));
    json_object_set_new(o, "head_position", col_text(st, 5));
    json_object_set_new(o, "malformed_messages", col_int(st, 6));
    if (full) {
        json_object_set_new(o, "progress", col_json(st, 3));
        json_object_set_new(o, "settings", col_json(st, 7));
    }
    return o;
}

static json_t *sq_machine_list(store *s)
{
    static const char q[] =
        "SELECT " MACHINE_COLS " FROM machines m ORDER BY serial";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, machine_row(st, 0));
    sqlite3_reset(st);
    return arr;
}

static json_t *sq_machine_get(store *s, uint64_t serial)
{
    static const char q[] =
        "SELECT " MACHINE_COLS ", s.settings FROM machines m LEFT JOIN "
        "machine_settings s ON s.serial = m.serial WHERE m.serial = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        o = machine_row(st, 1);
    sqlite3_reset(st);
    return o;
}

static store_rc sq_machine_set_seen(store *s, uint64_t serial, int64_t now)
{
    static const char q[] = "UPDATE machines SET last_seen = ? WHERE serial "
                            "= ?";
    return set_int(s, q, (int64_t)serial, now);
}

static store_rc sq_machine_set_progress(store *s, uint64_t serial,
                                        const char *json)
{
    static const char q[] = "UPDATE machines SET progress = ? WHERE serial "
                            "= ?";
    return set_text(s, q, (int64_t)serial, json);
}

static store_rc sq_machine_set_settings(store *s, uint64_t serial,
                                        const char *values, const char *form)
{
    static const char q[] = "UPDATE machines SET settings_form = ? WHERE "
                            "serial = ?";
    /* Only a machine on record gets a report; the empty form (values
     * NULL) keeps the last full one and writes nothing here. */
    static const char put[] =
        "INSERT INTO machine_settings(serial, settings) SELECT ?1, ?2 WHERE "
        "EXISTS (SELECT 1 FROM machines WHERE serial = ?1) ON CONFLICT(serial) "
        "DO UPDATE SET settings = excluded.settings";
    if (values) {
        sqlite3_stmt *st = stmt(s, put);
        if (!st)
            return STORE_ERROR;
        sqlite3_bind_int64(st, 1, (int64_t)serial);
        sqlite3_bind_text(st, 2, values, -1, SQLITE_STATIC);
        if (done(s, st) != STORE_OK)
            return STORE_ERROR;
    }
    return set_text(s, q, (int64_t)serial, form);
}

static store_rc sq_machine_set_head(store *s, uint64_t serial, const char *head)
{
    static const char q[] = "UPDATE machines SET head = ? WHERE serial = ?";
    return set_text(s, q, (int64_t)serial, head);
}

static store_rc sq_machine_get_head(store *s, uint64_t serial, char *out,
                                    size_t outlen)
{
    static const char q[] = "SELECT head FROM machines WHERE serial = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(out, outlen, "%s", t ? t : "unknown");
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_machine_set_home_offset(store *s, uint64_t serial,
                                           int64_t dx, int64_t dy)
{
    static const char q[] = "UPDATE machines SET home_dx = ?, home_dy = ? "
                            "WHERE serial = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, dx);
    sqlite3_bind_int64(st, 2, dy);
    sqlite3_bind_int64(st, 3, (int64_t)serial);
    if (done(s, st) != 0)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

static store_rc sq_machine_get_home_offset(store *s, uint64_t serial,
                                           int64_t *dx, int64_t *dy)
{
    static const char q[] = "SELECT home_dx, home_dy FROM machines WHERE "
                            "serial = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *dx = sqlite3_column_int64(st, 0);
        *dy = sqlite3_column_int64(st, 1);
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_machine_count_malformed(store *s, uint64_t serial)
{
    static const char q[] = "UPDATE machines SET malformed = malformed + ? "
                            "WHERE serial = ?";
    return set_int(s, q, (int64_t)serial, 1);
}

/* ---- API keys ---------------------------------------------------------- */

static store_rc sq_apikey_add_owned(store *s, const uint8_t hash[32],
                                    const char *user, const char *role,
                                    int64_t now, int64_t *id);

/* A key without an owner: one with no user and no role (an admin's). */
static store_rc sq_apikey_add(store *s, const uint8_t hash[32], int64_t now,
                              int64_t *id)
{
    return sq_apikey_add_owned(s, hash, NULL, NULL, now, id);
}

static store_rc sq_apikey_check(store *s, const uint8_t hash[32])
{
    /* An equality lookup on a keyed hash of a 256-bit secret: the timing of
     * the index search reveals nothing usable about the key itself. */
    static const char q[] = "SELECT 1 FROM apikeys WHERE hash = ? AND "
                            "revoked = 0";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    store_rc rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_apikey_find(store *s, const uint8_t hash[32], int64_t *id)
{
    static const char q[] = "SELECT id FROM apikeys WHERE hash = ? AND "
                            "revoked = 0";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    int ok = sqlite3_step(st) == SQLITE_ROW;
    if (ok)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return ok ? STORE_OK : STORE_NOT_FOUND;
}

static json_t *sq_apikey_list(store *s)
{
    static const char q[] = "SELECT id, created, revoked, owner, "
                            "COALESCE(role, 'admin') FROM apikeys ORDER BY id";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_array_append_new(
            arr, json_pack("{s:I, s:I, s:b, s:o, s:o}", "id",
                           (json_int_t)sqlite3_column_int64(st, 0), "created",
                           (json_int_t)sqlite3_column_int64(st, 1), "revoked",
                           sqlite3_column_int(st, 2), "user", col_text(st, 3),
                           "role", col_text(st, 4)));
    }
    sqlite3_reset(st);
    return arr;
}

static store_rc sq_apikey_revoke(store *s, int64_t id)
{
    static const char q[] = "UPDATE apikeys SET revoked = 1 WHERE id = ?";
    return change_one(s, q, id, STORE_NOT_FOUND);
}

/* ---- actions ----------------------------------------------------------- */

static store_rc sq_action_add(store *s, store_action *a)
{
    static const char q[] =
        "INSERT INTO actions(serial, type, state, priority, file, params, "
        "created, expires_at) VALUES(?, ?, 'queued', ?, ?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)a->serial);
    sqlite3_bind_text(st, 2, a->type, -1, SQLITE_STATIC);
    /* Settings first, always (§17): whatever else waits. */
    sqlite3_bind_int(
        st, 3, strcmp(a->type, "settings") == 0 ? INT32_MAX : a->priority);
    if (a->file[0])
        sqlite3_bind_text(st, 4, a->file, -1, SQLITE_STATIC);
    if (a->params)
        sqlite3_bind_text(st, 5, a->params, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, a->created);
    sqlite3_bind_int64(st, 7, a->expires_at);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    a->id = sqlite3_last_insert_rowid(SQ(s)->db);
    snprintf(a->state, sizeof(a->state), "queued");
    return STORE_OK;
}

#define ACTION_COLS                                                            \
    "id, serial, type, state, stage, file, params, created, sent_at,"          \
    " expires_at"

static void action_from_row(sqlite3_stmt *st, store_action *a)
{
    const char *t;
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(st, 0);
    a->serial = (uint64_t)sqlite3_column_int64(st, 1);
    snprintf(a->type, sizeof(a->type), "%s",
             (const char *)sqlite3_column_text(st, 2));
    snprintf(a->state, sizeof(a->state), "%s",
             (const char *)sqlite3_column_text(st, 3));
    a->stage = sqlite3_column_int(st, 4);
    t = (const char *)sqlite3_column_text(st, 5);
    snprintf(a->file, sizeof(a->file), "%s", t ? t : "");
    t = (const char *)sqlite3_column_text(st, 6);
    a->params = t ? strdup(t) : NULL;
    a->created = sqlite3_column_int64(st, 7);
    a->sent_at = sqlite3_column_int64(st, 8);
    a->expires_at = sqlite3_column_int64(st, 9);
}

static store_rc sq_action_get(store *s, int64_t id, store_action *out)
{
    static const char q[] = "SELECT " ACTION_COLS " FROM actions WHERE id = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        action_from_row(st, out);
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_action_next(store *s, uint64_t serial, store_action *out)
{
    static const char q[] =
        "SELECT " ACTION_COLS " FROM actions WHERE serial = ? AND state = "
        "'queued' ORDER BY priority DESC, id LIMIT 1";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        action_from_row(st, out);
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_action_mark_sent(store *s, int64_t id, int64_t now)
{
    static const char q[] = "UPDATE actions SET state = 'sent', stage = 0, "
                            "sent_at = ? WHERE id = ?";
    return set_int(s, q, id, now);
}

static store_rc sq_action_set_stage(store *s, int64_t id, int stage)
{
    static const char q[] = "UPDATE actions SET stage = ? WHERE id = ?";
    return set_int(s, q, id, stage);
}

static store_rc sq_action_set_cancel_pending(store *s, int64_t id, int pending)
{
    static const char q[] = "UPDATE actions SET cancel_pending = ? WHERE id "
                            "= ?";
    return set_int(s, q, id, pending);
}

static store_rc sq_action_set_state(store *s, int64_t id, const char *state)
{
    static const char q[] = "UPDATE actions SET state = ? WHERE id = ?";
    return set_text(s, q, id, state);
}

static store_rc sq_action_finish(store *s, int64_t id, const char *state,
                                 const char *reason, int64_t now)
{
    static const char q[] = "UPDATE actions SET state = ?, reason = ?, "
                            "finished_at = ? WHERE id = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    if (reason)
        sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, id);
    return done(s, st);
}

/* Each (id, type) row `q` selects for `serial` (at most 64), to `cb`.
 * Collected first: the callback writes to the same table. */
static int each_id_type(store *s, const char *q, uint64_t serial,
                        store_action_cb cb, void *ud)
{
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    int64_t ids[64];
    char types[64][32];
    int n = 0;
    while (n < 64 && sqlite3_step(st) == SQLITE_ROW) {
        ids[n] = sqlite3_column_int64(st, 0);
        snprintf(types[n], sizeof(types[n]), "%s",
                 (const char *)sqlite3_column_text(st, 1));
        n++;
    }
    sqlite3_reset(st);
    for (int i = 0; i < n; i++)
        cb(ud, ids[i], types[i]);
    return n;
}

static int sq_action_each_cancel_pending(store *s, uint64_t serial,
                                         store_action_cb cb, void *ud)
{
    static const char q[] = "SELECT id, type FROM actions WHERE serial = ? "
                            "AND cancel_pending = 1 ORDER BY id";
    return each_id_type(s, q, serial, cb, ud);
}

static int sq_action_reconcile(store *s, int64_t now)
{
    /* A move that was under way when the service stopped may have ended
     * anywhere: its machine's head position is unknown (lifecycle.c). */
    static const char lost[] =
        "UPDATE machines SET head = 'unknown' WHERE serial IN (SELECT serial "
        "FROM actions WHERE state IN ('sent', 'cancelling') AND type IN "
        "('hunt', 'motion', 'print'))";
    if (exec(s, lost) != 0)
        return -1;
    static const char q[] =
        "UPDATE actions SET state = 'interrupted', cancel_pending = 1, "
        "reason = 'service restarted', finished_at = ? WHERE state IN "
        "('sent', 'cancelling')";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, now);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db);
}

static int sq_action_each_inflight(store *s, uint64_t serial,
                                   store_action_cb cb, void *ud)
{
    static const char q[] = "SELECT id, type FROM actions WHERE serial = ? "
                            "AND state IN ('sent', 'cancelling') ORDER BY id";
    return each_id_type(s, q, serial, cb, ud);
}

static store_rc sq_action_upload_use(store *s, int64_t id)
{
    static const char q[] = "UPDATE actions SET upload_used = 1 WHERE id = ? "
                            "AND upload_used = 0";
    return change_one(s, q, id, STORE_ALREADY);
}

static json_t *action_events(store *s, int64_t id)
{
    static const char q[] = "SELECT event, seq, ts, level, log, received FROM "
                            "events WHERE action_id = ? ORDER BY id";
    static const char *const names[] = {
        "event", "id", "timestamp", "level", "?log", "received", NULL};
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return json_array();
    sqlite3_bind_int64(st, 1, id);
    return rows_json(st, names);
}

static json_t *action_obj(sqlite3_stmt *st)
{
    json_t *o = json_object();
    char serial[32];
    snprintf(serial, sizeof(serial), "S%lld",
             (long long)sqlite3_column_int64(st, 1));
    json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
    json_object_set_new(o, "machine_serial", json_string(serial));
    json_object_set_new(o, "action_type", col_text(st, 2));
    json_object_set_new(o, "state", col_text(st, 3));
    json_object_set_new(o, "stage", col_int(st, 4));
    json_object_set_new(o, "file", col_text(st, 5));
    json_object_set_new(o, "params", col_json(st, 6));
    json_object_set_new(o, "created", col_int(st, 7));
    json_object_set_new(o, "sent_at", col_int(st, 8));
    json_object_set_new(o, "finished_at", col_int(st, 9));
    json_object_set_new(o, "reason", col_text(st, 10));
    json_object_set_new(o, "cancel_pending",
                        json_boolean(sqlite3_column_int(st, 11)));
    return o;
}

#define ACTION_JSON_COLS                                                       \
    "id, serial, type, state, stage, file, params, created, sent_at,"          \
    " finished_at, reason, cancel_pending"

static json_t *sq_action_json(store *s, int64_t id)
{
    static const char q[] =
        "SELECT " ACTION_JSON_COLS " FROM actions WHERE id = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    json_t *o = NULL;
    if (sqlite3_step(st) == SQLITE_ROW)
        o = action_obj(st);
    sqlite3_reset(st);
    if (o)
        json_object_set_new(o, "events", action_events(s, id));
    return o;
}

static json_t *sq_action_list(store *s, uint64_t serial, int limit)
{
    static const char q[] = "SELECT " ACTION_JSON_COLS
                            " FROM actions WHERE serial = ? ORDER BY id DESC "
                            "LIMIT ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    sqlite3_bind_int(st, 2, limit);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, action_obj(st));
    sqlite3_reset(st);
    size_t i;
    json_t *a;
    json_array_foreach(arr, i, a)
    {
        json_object_set_new(
            a, "events",
            action_events(s, json_integer_value(json_object_get(a, "id"))));
    }
    return arr;
}

/* ---- what machines send ------------------------------------------------ */

static store_rc sq_event_add(store *s, uint64_t serial, int has_action,
                             int64_t action_id, int64_t seq, int64_t ts,
                             const char *event, const char *level,
                             const char *log, int64_t now)
{
    static const char q[] =
        "INSERT INTO events(serial, action_id, seq, ts, event, level, log, "
        "received) VALUES(?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    if (has_action)
        sqlite3_bind_int64(st, 2, action_id);
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_int64(st, 4, ts);
    sqlite3_bind_text(st, 5, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, level, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, log, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, now);
    return done(s, st);
}

static store_rc sq_log_add(store *s, uint64_t serial, int64_t seq, int64_t ts,
                           const char *level, const char *text, int64_t now)
{
    static const char q[] = "INSERT INTO logs(serial, seq, ts, level, text, "
                            "received) VALUES(?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    sqlite3_bind_int64(st, 2, seq);
    sqlite3_bind_int64(st, 3, ts);
    sqlite3_bind_text(st, 4, level, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    return done(s, st);
}

static json_t *sq_log_list(store *s, uint64_t serial, int64_t since, int limit)
{
    static const char q[] = "SELECT id, seq, ts, level, text, received FROM "
                            "logs WHERE serial = ? AND id > ? ORDER BY id "
                            "LIMIT ?";
    static const char *const names[] = {
        "cursor", "id", "timestamp", "level", "log", "received", NULL};
    return page_json(s, q, serial, since, limit, names);
}

static json_t *sq_event_list(store *s, uint64_t serial, int64_t since,
                             int limit)
{
    static const char q[] = "SELECT id, action_id, event, seq, ts, level, "
                            "log, received FROM events WHERE serial = ? AND "
                            "id > ? ORDER BY id LIMIT ?";
    static const char *const names[] = {"cursor", "action_id", "event",
                                        "id",     "timestamp", "level",
                                        "?log",   "received",  NULL};
    return page_json(s, q, serial, since, limit, names);
}

/* ---- job files and images ---------------------------------------------- */

static store_rc sq_file_add(store *s, const char *id, const store_file *f,
                            int64_t now)
{
    static const char q[] =
        "INSERT OR IGNORE INTO files(id, size, payload, stfr, mcsn, created, "
        "net_x, net_y, min_x, max_x, min_y, max_y) VALUES(?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, f->size);
    sqlite3_bind_int64(st, 3, f->payload);
    sqlite3_bind_int64(st, 4, f->stfr);
    sqlite3_bind_int64(st, 5, (int64_t)f->mcsn);
    sqlite3_bind_int64(st, 6, now);
    const int64_t ext[6] = {f->net_x, f->net_y, f->min_x,
                            f->max_x, f->min_y, f->max_y};
    for (int i = 0; i < 6; i++)
        sqlite3_bind_int64(st, 7 + i, ext[i]);
    return done(s, st);
}

static store_rc sq_file_get(store *s, const char *id, store_file *out)
{
    static const char q[] = "SELECT size, payload, stfr, mcsn, net_x, net_y, "
                            "min_x, max_x, min_y, max_y FROM files WHERE id "
                            "= ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->size = sqlite3_column_int64(st, 0);
        out->payload = sqlite3_column_int64(st, 1);
        out->stfr = sqlite3_column_int64(st, 2);
        out->mcsn = (uint64_t)sqlite3_column_int64(st, 3);
        int64_t *ext[6] = {&out->net_x, &out->net_y, &out->min_x,
                           &out->max_x, &out->min_y, &out->max_y};
        for (int i = 0; i < 6; i++)
            *ext[i] = sqlite3_column_int64(st, 4 + i);
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

/* The blob id in the first column of the only row: STORE_OK, or
 * STORE_NOT_FOUND for no row. */
static store_rc one_blob(sqlite3_stmt *st, char blob[65])
{
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(blob, 65, "%s", t ? t : "");
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_file_lock_add(store *s, const char *file, uint64_t serial,
                                 const char *blob, int64_t now)
{
    static const char q[] = "INSERT OR REPLACE INTO file_locks(file, serial, "
                            "blob, created) VALUES(?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)serial);
    sqlite3_bind_text(st, 3, blob, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    return done(s, st);
}

static store_rc sq_file_lock_get(store *s, const char *file, uint64_t serial,
                                 char blob[65])
{
    static const char q[] = "SELECT blob FROM file_locks WHERE file = ? AND "
                            "serial = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, file, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (int64_t)serial);
    return one_blob(st, blob);
}

static store_rc sq_image_add(store *s, int64_t action_id, uint64_t serial,
                             const char *type, const char *blob, int64_t size,
                             int64_t now)
{
    static const char q[] = "INSERT OR REPLACE INTO images(action_id, serial, "
                            "type, blob, size, received) VALUES(?, ?, ?, ?, "
                            "?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, action_id);
    sqlite3_bind_int64(st, 2, (int64_t)serial);
    sqlite3_bind_text(st, 3, type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, blob, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, size);
    sqlite3_bind_int64(st, 6, now);
    return done(s, st);
}

static store_rc sq_image_latest(store *s, uint64_t serial, const char *type,
                                char blob[65])
{
    static const char q[] = "SELECT blob FROM images WHERE serial = ? AND "
                            "type = ? ORDER BY received DESC, action_id DESC "
                            "LIMIT 1";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    sqlite3_bind_text(st, 2, type, -1, SQLITE_STATIC);
    return one_blob(st, blob);
}

/* ---- jobs -------------------------------------------------------------- */

#define JOB_COLS                                                               \
    "id, serial, name, state, reason, created_by, file, preview, params,"      \
    " stats, actions, print_action, progress, created, queued_at, started,"    \
    " finished, button_at"

static void text_col(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    snprintf(out, outlen, "%s", t ? t : "");
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t ? strdup(t) : NULL;
}

static void job_from_row(sqlite3_stmt *st, store_job *j)
{
    memset(j, 0, sizeof(*j));
    j->id = sqlite3_column_int64(st, 0);
    j->serial = (uint64_t)sqlite3_column_int64(st, 1);
    text_col(st, 2, j->name, sizeof(j->name));
    text_col(st, 3, j->state, sizeof(j->state));
    text_col(st, 4, j->reason, sizeof(j->reason));
    text_col(st, 5, j->created_by, sizeof(j->created_by));
    text_col(st, 6, j->file, sizeof(j->file));
    text_col(st, 7, j->preview, sizeof(j->preview));
    j->params = dup_col(st, 8);
    j->stats = dup_col(st, 9);
    j->actions = dup_col(st, 10);
    int64_t *ints[] = {&j->print_action, &j->progress, &j->created,
                       &j->queued_at,    &j->started,  &j->finished,
                       &j->button_at};
    for (int i = 0; i < 7; i++)
        *ints[i] = sqlite3_column_int64(st, 11 + i);
}

/* Binds every column but id, from ?1 on: the same order as JOB_COLS. */
static void job_bind(sqlite3_stmt *st, const store_job *j)
{
    sqlite3_bind_int64(st, 1, (int64_t)j->serial);
    const char *texts[] = {j->name,       j->state, j->reason,
                           j->created_by, j->file,  j->preview};
    for (int i = 0; i < 6; i++)
        sqlite3_bind_text(st, 2 + i, texts[i], -1, SQLITE_STATIC);
    const char *json[] = {j->params, j->stats, j->actions};
    for (int i = 0; i < 3; i++)
        sqlite3_bind_text(st, 8 + i, json[i], -1, SQLITE_STATIC);
    const int64_t ints[] = {j->print_action, j->progress, j->created,
                            j->queued_at,    j->started,  j->finished,
                            j->button_at};
    for (int i = 0; i < 7; i++)
        sqlite3_bind_int64(st, 11 + i, ints[i]);
}

static store_rc sq_job_add(store *s, store_job *j)
{
    static const char q[] =
        "INSERT INTO jobs(serial, name, state, reason, created_by, file, "
        "preview, params, stats, actions, print_action, progress, created, "
        "queued_at, started, finished, button_at) VALUES(?, ?, ?, ?, ?, ?, ?, "
        "?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    job_bind(st, j);
    if (done(s, st) != 0)
        return STORE_ERROR;
    j->id = sqlite3_last_insert_rowid(SQ(s)->db);
    return STORE_OK;
}

static store_rc sq_job_put(store *s, const store_job *j)
{
    static const char q[] =
        "UPDATE jobs SET serial = ?1, name = ?2, state = ?3, reason = ?4, "
        "created_by = ?5, file = ?6, preview = ?7, params = ?8, stats = ?9, "
        "actions = ?10, print_action = ?11, progress = ?12, created = ?13, "
        "queued_at = ?14, started = ?15, finished = ?16, button_at = ?17 "
        "WHERE id = ?18";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    job_bind(st, j);
    sqlite3_bind_int64(st, 18, j->id);
    if (done(s, st) != 0)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

static store_rc one_job(sqlite3_stmt *st, store_job *out)
{
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        job_from_row(st, out);
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_job_get(store *s, int64_t id, store_job *out)
{
    static const char q[] = "SELECT " JOB_COLS " FROM jobs WHERE id = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    return one_job(st, out);
}

static store_rc sq_job_by_action(store *s, int64_t action_id, store_job *out)
{
    static const char q[] = "SELECT " JOB_COLS " FROM jobs WHERE "
                            "print_action = ? AND print_action != 0";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, action_id);
    return one_job(st, out);
}

static store_rc sq_job_first(store *s, uint64_t serial, store_job *out)
{
    static const char q[] =
        "SELECT " JOB_COLS " FROM jobs WHERE serial = ? AND state IN "
        "('sending', 'waiting_for_button', 'running', 'queued', "
        "'waiting_for_home') ORDER BY state IN ('queued', "
        "'waiting_for_home'), id LIMIT 1";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    return one_job(st, out);
}

static json_t *sq_job_list(store *s, uint64_t serial, const char *state,
                           int64_t since, int limit)
{
    static const char q[] =
        "SELECT id, serial, name, state, reason, created_by, created, "
        "started, finished FROM jobs WHERE (?1 = 0 OR serial = ?1) AND "
        "(?2 IS NULL OR state = ?2) AND created >= ?3 ORDER BY id DESC "
        "LIMIT ?4";
    static const char *const names[] = {
        "id",         "serial",  "name",    "state",    "reason",
        "created_by", "created", "started", "finished", NULL};
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    if (state)
        sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, since);
    sqlite3_bind_int(st, 4, limit);
    return rows_json(st, names);
}

static int sq_job_reconcile(store *s, int64_t now)
{
    static const char q[] =
        "UPDATE jobs SET state = 'failed', reason = 'service restarted "
        "while the job was ' || replace(state, '_', ' '), finished = ? WHERE "
        "state IN ('compiling', 'sending', 'waiting_for_button', 'running')";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, now);
    if (done(s, st) != 0)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db);
}

static store_rc sq_job_active(store *s, uint64_t serial, store_job *out)
{
    static const char q[] =
        "SELECT " JOB_COLS " FROM jobs WHERE serial = ? AND state IN "
        "('sending', 'waiting_for_button', 'running') ORDER BY id LIMIT 1";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    return one_job(st, out);
}

static store_rc sq_log_find(store *s, uint64_t serial, const char *needle,
                            char *out, size_t outlen)
{
    static const char q[] = "SELECT text FROM logs WHERE serial = ? AND "
                            "instr(text, ?) > 0 ORDER BY id DESC LIMIT 1";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, (int64_t)serial);
    sqlite3_bind_text(st, 2, needle, -1, SQLITE_STATIC);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        text_col(st, 0, out, outlen);
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

/* ---- audit ------------------------------------------------------------- */

static store_rc sq_audit_add(store *s, int64_t at, const char *who,
                             const char *from, const char *what,
                             const char *target, const char *detail)
{
    static const char q[] = "INSERT INTO audit(at, who, peer, what, target, "
                            "detail) VALUES(?, ?, ?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, at);
    const char *texts[] = {who, from, what, target, detail};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_text(st, 2 + i, texts[i], -1, SQLITE_STATIC);
    return done(s, st);
}

static json_t *sq_audit_list(store *s, int64_t since, int limit)
{
    static const char q[] = "SELECT id, at, who, peer, what, target, detail "
                            "FROM audit WHERE id > ? ORDER BY id LIMIT ?";
    static const char *const names[] = {"cursor", "at",     "who", "from",
                                        "what",   "target", NULL};
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int(st, 2, limit);
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *e = json_object();
        for (int i = 0; names[i]; i++)
            json_object_set_new(e, names[i],
                                sqlite3_column_type(st, i) == SQLITE_INTEGER
                                    ? col_int(st, i)
                                    : col_text(st, i));
        json_object_set_new(e, "detail", col_json(st, 6));
        json_array_append_new(arr, e);
    }
    sqlite3_reset(st);
    return arr;
}

/* ---- materials and flags ----------------------------------------------- */

static store_rc sq_material_put(store *s, const char *name, const json_t *doc,
                                int create_only)
{
    static const char ins[] = "INSERT OR IGNORE INTO materials(name, doc) "
                              "VALUES(?, ?)";
    static const char rep[] = "INSERT OR REPLACE INTO materials(name, doc) "
                              "VALUES(?, ?)";
    char *text = json_dumps(doc, JSON_COMPACT);
    sqlite3_stmt *st = text ? stmt(s, create_only ? ins : rep) : NULL;
    if (!st) {
        free(text);
        return STORE_ERROR;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    store_rc rc = done(s, st);
    free(text);
    if (rc != STORE_OK)
        return rc;
    return sqlite3_changes(SQ(s)->db) == 1 ? STORE_OK : STORE_ALREADY;
}

static store_rc sq_material_get(store *s, const char *name, json_t **doc)
{
    static const char q[] = "SELECT doc FROM materials WHERE name = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *doc = col_json(st, 0);
        rc = STORE_OK;
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_material_delete(store *s, const char *name)
{
    static const char q[] = "DELETE FROM materials WHERE name = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

static json_t *sq_material_list(store *s)
{
    static const char q[] = "SELECT doc FROM materials ORDER BY name";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    json_t *arr = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(arr, col_json(st, 0));
    sqlite3_reset(st);
    return arr;
}

static store_rc sq_flag_get(store *s, const char *name)
{
    static const char q[] = "SELECT 1 FROM flags WHERE name = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    store_rc rc = sqlite3_step(st) == SQLITE_ROW ? STORE_OK : STORE_NOT_FOUND;
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_flag_set(store *s, const char *name)
{
    static const char q[] = "INSERT OR IGNORE INTO flags(name) VALUES(?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    return done(s, st);
}

/* One node: no heartbeats to keep, none to reap. */
static store_rc sq_node_beat(store *s, int64_t now)
{
    (void)s;
    (void)now;
    return STORE_OK;
}

static int sq_node_reap(store *s, int64_t dead_before, int64_t now)
{
    (void)s;
    (void)dead_before;
    (void)now;
    return 0;
}

/* ---- the lid camera's calibration ------------------------------------- */

static store_rc sq_camera_put(store *s, uint64_t serial, const store_camera *c)
{
    static const char q[] =
        "INSERT OR REPLACE INTO cameras(serial, ref_x, ref_y, calibrated, "
        "figures, blob) SELECT serial, ?, ?, ?, ?, ? FROM machines WHERE "
        "serial = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, c->ref_x);
    sqlite3_bind_int64(st, 2, c->ref_y);
    sqlite3_bind_int64(st, 3, c->calibrated);
    sqlite3_bind_text(st, 4, c->figures, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 5, c->blob, c->len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (int64_t)serial);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

static store_rc sq_camera_get(store *s, uint64_t serial, store_camera *out,
                              int with_blob)
{
    static const char q[] = "SELECT ref_x, ref_y, calibrated, figures, "
                            "CASE WHEN ? THEN blob END FROM cameras WHERE "
                            "serial = ?";
    sqlite3_stmt *st = stmt(s, q);
    store_rc rc = STORE_ERROR;
    memset(out, 0, sizeof(*out));
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int(st, 1, with_blob != 0);
    sqlite3_bind_int64(st, 2, (int64_t)serial);
    int step = sqlite3_step(st);
    if (step == SQLITE_DONE)
        rc = STORE_NOT_FOUND;
    if (step != SQLITE_ROW)
        goto out;
    out->ref_x = sqlite3_column_int64(st, 0);
    out->ref_y = sqlite3_column_int64(st, 1);
    out->calibrated = sqlite3_column_int64(st, 2);
    const char *fig = (const char *)sqlite3_column_text(st, 3);
    snprintf(out->figures, sizeof(out->figures), "%s", fig ? fig : "{}");
    rc = STORE_OK;
    if (with_blob) {
        int n = sqlite3_column_bytes(st, 4);
        const void *b = sqlite3_column_blob(st, 4);
        out->blob = n > 0 ? malloc((size_t)n) : NULL;
        if (!out->blob) {
            rc = STORE_ERROR;
            goto out;
        }
        memcpy(out->blob, b, (size_t)n);
        out->len = (size_t)n;
    }
out:
    sqlite3_reset(st);
    return rc;
}

/* ---- metrics and webhooks --------------------------------------------- */

static json_t *sq_job_counts(store *s)
{
    static const char q[] = "SELECT state, count(*) FROM jobs GROUP BY state";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    json_t *o = json_object();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(st, 0);
        if (state)
            json_object_set_new(o, state,
                                json_integer(sqlite3_column_int64(st, 1)));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static store_rc sq_webhook_add(store *s, const char *url, const char *events,
                               const char *secret, int64_t now, int64_t *id)
{
    static const char q[] = "INSERT INTO webhooks(url, events, secret, "
                            "created) VALUES(?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, url, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, events, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, secret, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    *id = sqlite3_last_insert_rowid(SQ(s)->db);
    return STORE_OK;
}

static json_t *sq_webhook_list(store *s, int with_secret)
{
    static const char q[] = "SELECT id, url, events, created, secret FROM "
                            "webhooks ORDER BY id";
    static const char *const names[] = {"id",      "url",    "events",
                                        "created", "secret", NULL};
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    json_t *arr = rows_json(st, names);
    size_t i;
    json_t *w;
    json_array_foreach(arr, i, w)
    {
        if (!with_secret)
            json_object_del(w, "secret");
    }
    return arr;
}

static store_rc sq_webhook_remove(store *s, int64_t id)
{
    static const char q[] = "DELETE FROM webhooks WHERE id = ?";
    static const char drop[] = "UPDATE webhook_deliveries SET state = "
                               "'dropped' WHERE webhook_id = ? AND state = "
                               "'pending'";
    store_rc rc = change_one(s, q, id, STORE_NOT_FOUND);
    if (rc != STORE_OK)
        return rc;
    sqlite3_stmt *st = stmt(s, drop);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    return done(s, st);
}

static store_rc sq_delivery_add(store *s, int64_t webhook_id, const char *event,
                                const char *body, int64_t now_ms, int64_t *id)
{
    static const char q[] = "INSERT INTO webhook_deliveries(webhook_id, event, "
                            "body, state, created, next_try) VALUES(?, ?, ?, "
                            "'pending', ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, webhook_id);
    sqlite3_bind_text(st, 2, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, body, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_ms);
    sqlite3_bind_int64(st, 5, now_ms);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    *id = sqlite3_last_insert_rowid(SQ(s)->db);
    return STORE_OK;
}

static store_rc sq_delivery_take(store *s, int64_t now_ms, int64_t lease_ms,
                                 store_delivery *out, int64_t *next_ms)
{
    static const char q[] =
        "SELECT d.id, d.webhook_id, w.url, w.secret, d.event, d.body, "
        "d.attempts FROM webhook_deliveries d JOIN webhooks w ON w.id = "
        "d.webhook_id WHERE d.state = 'pending' AND d.next_try <= ?1 AND NOT "
        "EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.webhook_id = "
        "d.webhook_id AND x.state = 'pending' AND x.sending = 1 AND "
        "x.next_try > ?1) ORDER BY d.next_try, d.id LIMIT 1";
    static const char lease[] = "UPDATE webhook_deliveries SET next_try = ?, "
                                "sending = 1 WHERE id = ?";
    static const char next[] = "SELECT min(next_try) FROM webhook_deliveries "
                               "WHERE state = 'pending'";
    memset(out, 0, sizeof(*out));
    *next_ms = 0;
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, now_ms);
    store_rc rc = STORE_NOT_FOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t;
        out->id = sqlite3_column_int64(st, 0);
        out->webhook_id = sqlite3_column_int64(st, 1);
        t = (const char *)sqlite3_column_text(st, 2);
        snprintf(out->url, sizeof(out->url), "%s", t ? t : "");
        t = (const char *)sqlite3_column_text(st, 3);
        snprintf(out->secret, sizeof(out->secret), "%s", t ? t : "");
        t = (const char *)sqlite3_column_text(st, 4);
        snprintf(out->event, sizeof(out->event), "%s", t ? t : "");
        t = (const char *)sqlite3_column_text(st, 5);
        out->body = strdup(t ? t : "");
        out->attempts = sqlite3_column_int(st, 6);
        rc = out->body ? STORE_OK : STORE_ERROR;
    }
    sqlite3_reset(st);
    if (rc == STORE_OK && set_int(s, lease, out->id, lease_ms) != STORE_OK)
        rc = STORE_ERROR;
    if (rc == STORE_ERROR)
        store_delivery_free(out);
    st = stmt(s, next);
    if (st && sqlite3_step(st) == SQLITE_ROW)
        *next_ms = sqlite3_column_int64(st, 0);
    if (st)
        sqlite3_reset(st);
    return rc;
}

static store_rc sq_delivery_attempt(store *s, int64_t id, int64_t at_ms,
                                    int status, const char *error,
                                    int64_t took_ms, const char *state,
                                    int64_t next_ms)
{
    static const char upd[] = "UPDATE webhook_deliveries SET attempts = "
                              "attempts + 1, state = ?, next_try = ?, "
                              "sending = 0 WHERE id = ?";
    static const char q[] = "INSERT INTO webhook_attempts(delivery_id, at, "
                            "status, error, took_ms) VALUES(?, ?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, upd);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, next_ms);
    sqlite3_bind_int64(st, 3, id);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    if (sqlite3_changes(SQ(s)->db) != 1)
        return STORE_NOT_FOUND;
    st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at_ms);
    sqlite3_bind_int(st, 3, status);
    sqlite3_bind_text(st, 4, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, took_ms);
    return done(s, st);
}

static json_t *sq_delivery_list(store *s, int64_t webhook_id, int limit)
{
    static const char q[] =
        "SELECT id, webhook_id, event, state, created, next_try FROM "
        "webhook_deliveries WHERE (?1 = 0 OR webhook_id = ?1) ORDER BY id "
        "DESC LIMIT ?2";
    static const char tries[] = "SELECT at, status, error, took_ms FROM "
                                "webhook_attempts WHERE delivery_id = ? "
                                "ORDER BY id";
    static const char *const names[] = {"id",      "webhook",  "event", "state",
                                        "created", "next_try", NULL};
    static const char *const tnames[] = {"at", "status", "error", "took_ms",
                                         NULL};
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, webhook_id);
    sqlite3_bind_int(st, 2, limit);
    json_t *arr = rows_json(st, names);
    size_t i;
    json_t *d;
    json_array_foreach(arr, i, d)
    {
        st = stmt(s, tries);
        if (!st) {
            json_decref(arr);
            return NULL;
        }
        sqlite3_bind_int64(st, 1, json_integer_value(json_object_get(d, "id")));
        json_object_set_new(d, "attempts", rows_json(st, tnames));
    }
    return arr;
}

/* ---- users, key owners, sessions ------------------------------------- */

static void copy_col(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    snprintf(out, outlen, "%s", t ? t : "");
}

static store_rc sq_user_add(store *s, const char *name, const char *role,
                            const char *pwhash, int64_t now)
{
    static const char q[] = "INSERT OR IGNORE INTO users(name, role, "
                            "pw_hash, created) VALUES(?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, role, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, pwhash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db) == 1 ? STORE_OK : STORE_ALREADY;
}

static store_rc sq_user_get(store *s, const char *name, char role[16],
                            char pwhash[128])
{
    static const char q[] = "SELECT role, pw_hash FROM users WHERE name = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    store_rc rc = step == SQLITE_ROW    ? STORE_OK
                  : step == SQLITE_DONE ? STORE_NOT_FOUND
                                        : STORE_ERROR;
    if (rc == STORE_OK) {
        copy_col(st, 0, role, 16);
        copy_col(st, 1, pwhash, 128);
    }
    sqlite3_reset(st);
    return rc;
}

/* A statement binding text values `v` (n of them) that changes rows:
 * STORE_OK if it changed any, `miss` if none. */
static store_rc change_texts(store *s, const char *q, const char *const *v,
                             int n, store_rc miss)
{
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_STATIC);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db) > 0 ? STORE_OK : miss;
}

static store_rc sq_user_set_password(store *s, const char *name,
                                     const char *pwhash)
{
    static const char q[] = "UPDATE users SET pw_hash = ? WHERE name = ?";
    const char *v[] = {pwhash, name};
    return change_texts(s, q, v, 2, STORE_NOT_FOUND);
}

static store_rc sq_user_remove(store *s, const char *name)
{
    static const char keys[] = "UPDATE apikeys SET revoked = 1 WHERE owner "
                               "= ?";
    static const char sess[] = "DELETE FROM sessions WHERE owner = ?";
    static const char user[] = "DELETE FROM users WHERE name = ?";
    const char *v[] = {name};
    /* Committed (or ended) even when BEGIN failed: it counts itself. */
    store_rc rc = sq_begin(s);
    if (rc == STORE_OK)
        rc = change_texts(s, keys, v, 1, STORE_OK);
    if (rc == STORE_OK)
        rc = change_texts(s, sess, v, 1, STORE_OK);
    if (rc == STORE_OK)
        rc = change_texts(s, user, v, 1, STORE_NOT_FOUND);
    if (sq_commit(s) != STORE_OK)
        return STORE_ERROR;
    return rc;
}

static json_t *sq_user_list(store *s)
{
    static const char q[] = "SELECT name, role, created FROM users ORDER BY "
                            "name";
    static const char *const names[] = {"name", "role", "created", NULL};
    sqlite3_stmt *st = stmt(s, q);
    return st ? rows_json(st, names) : NULL;
}

static store_rc sq_apikey_add_owned(store *s, const uint8_t hash[32],
                                    const char *user, const char *role,
                                    int64_t now, int64_t *id)
{
    static const char q[] = "INSERT INTO apikeys(hash, created, owner, role) "
                            "VALUES(?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, role, -1, SQLITE_STATIC);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    *id = sqlite3_last_insert_rowid(SQ(s)->db);
    return STORE_OK;
}

static store_rc sq_apikey_principal(store *s, const uint8_t hash[32],
                                    store_principal *out)
{
    static const char q[] =
        "SELECT k.id, k.owner, k.role, u.role FROM apikeys k LEFT JOIN users "
        "u ON u.name = k.owner WHERE k.hash = ? AND k.revoked = 0 AND "
        "(k.owner IS NULL OR u.name IS NOT NULL)";
    sqlite3_stmt *st = stmt(s, q);
    memset(out, 0, sizeof(*out));
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    int step = sqlite3_step(st);
    store_rc rc = step == SQLITE_ROW    ? STORE_OK
                  : step == SQLITE_DONE ? STORE_NOT_FOUND
                                        : STORE_ERROR;
    if (rc == STORE_OK) {
        out->key_id = sqlite3_column_int64(st, 0);
        copy_col(st, 1, out->user, sizeof(out->user));
        copy_col(st, 2, out->role, sizeof(out->role));
        copy_col(st, 3, out->user_role, sizeof(out->user_role));
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_session_add(store *s, const uint8_t hash[32],
                               const char *user, const char *csrf, int64_t now)
{
    static const char q[] = "INSERT INTO sessions(hash, owner, csrf, "
                            "created, used) VALUES(?, ?, ?, ?, ?)";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, csrf, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, now);
    return done(s, st);
}

static store_rc sq_session_get(store *s, const uint8_t hash[32],
                               int64_t used_since, store_principal *out)
{
    static const char q[] =
        "SELECT s.owner, u.role, s.csrf, s.used FROM sessions s JOIN users u "
        "ON u.name = s.owner WHERE s.hash = ? AND s.used >= ?";
    sqlite3_stmt *st = stmt(s, q);
    memset(out, 0, sizeof(*out));
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, used_since);
    int step = sqlite3_step(st);
    store_rc rc = step == SQLITE_ROW    ? STORE_OK
                  : step == SQLITE_DONE ? STORE_NOT_FOUND
                                        : STORE_ERROR;
    if (rc == STORE_OK) {
        copy_col(st, 0, out->user, sizeof(out->user));
        copy_col(st, 1, out->user_role, sizeof(out->user_role));
        copy_col(st, 1, out->role, sizeof(out->role));
        copy_col(st, 2, out->csrf, sizeof(out->csrf));
        out->used = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    return rc;
}

static store_rc sq_session_touch(store *s, const uint8_t hash[32], int64_t now)
{
    static const char q[] = "UPDATE sessions SET used = ? WHERE hash = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
    return done(s, st);
}

static store_rc sq_session_remove(store *s, const uint8_t hash[32])
{
    static const char q[] = "DELETE FROM sessions WHERE hash = ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db) == 1 ? STORE_OK : STORE_NOT_FOUND;
}

static int sq_session_prune(store *s, int64_t used_before)
{
    static const char q[] = "DELETE FROM sessions WHERE used < ?";
    sqlite3_stmt *st = stmt(s, q);
    if (!st)
        return STORE_ERROR;
    sqlite3_bind_int64(st, 1, used_before);
    if (done(s, st) != STORE_OK)
        return STORE_ERROR;
    return sqlite3_changes(SQ(s)->db);
}

static const store_ops sq_ops = {
    .close = sq_close,
#define STORE_OP(ret, name, params, args) .name = sq_##name,
#include "store_ops.h"
#undef STORE_OP
};

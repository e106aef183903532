/* store_pg.c - the shared store backend: a PostgreSQL database through
 * libpq, so that several gfcloud nodes can serve one fleet.
 *
 * The tables and the answers are the same as store_sqlite.c's (the unit
 * tests run every store test against both): same columns, same ids (the
 * action ids start where the vendor's do), same JSON out. Where SQLite says
 * INSERT OR IGNORE / OR REPLACE, this says ON CONFLICT DO NOTHING / DO
 * UPDATE.
 *
 * Calls are synchronous, on the event loop, like SQLite's: a statement on
 * a local server is a round trip of some tens of microseconds, and the
 * hot path (one WebSocket frame's events, logs and progress) is already
 * grouped by the caller into one transaction with store_begin/
 * store_commit, so one frame costs its statements plus BEGIN and COMMIT.
 * What that costs and the better way (libpq's pipeline mode: queue a
 * frame's writes and read their results at COMMIT, one round trip per
 * frame) is noted for the scale work; nothing here needs it yet.
 *
 * Statements are prepared once per connection, named after their slot in
 * a cache keyed by the SQL text's address (as store_sqlite.c does). Every
 * parameter goes as text; the server infers its type from the column.
 *
 * Failures. A statement that fails inside a transaction aborts it in
 * PostgreSQL (SQLite would carry on): the transaction is marked failed,
 * store_commit() rolls it back and returns STORE_ERROR, and each failed
 * write is counted as lost like SQLite's. A broken connection (the server
 * restarted) is reset before the next statement outside a transaction;
 * its prepared statements are gone with it, so the cache is emptied.
 * SQLSTATE 53100 (disk_full) sets store_last_full() for the 507 answer. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "metrics.h"
#include "store.h"
#include "store_impl.h"

#define MAX_STMTS      128
#define MAX_PARAMS     20
#define ACTION_ID_BASE 1600000000LL /* ids look like the vendor's */

/* Type OIDs of integer columns (fixed since PostgreSQL 7; pg_type.h is a
 * server header, not libpq's). */
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23

struct pg_store {
    struct store base; /* first: a store * points here */
    PGconn *conn;
    PGconn *listen; /* LISTEN gfcloud: the other nodes' notifications */
    const char *prepared[MAX_STMTS]; /* SQL text of statement "s<i>" */
    int n_prepared;
    int in_tx;
    int tx_failed; /* a statement failed since BEGIN: COMMIT rolls back */
};

#define PG(s) ((struct pg_store *)(s))

/* Text parameters for one statement; NULL is SQL NULL. */
struct params {
    const char *v[MAX_PARAMS];
    char buf[MAX_PARAMS][72];
    int n;
};

static void p_int(struct params *p, int64_t x)
{
    snprintf(p->buf[p->n], sizeof(p->buf[0]), "%lld", (long long)x);
    p->v[p->n] = p->buf[p->n];
    p->n++;
}

static void p_text(struct params *p, const char *t)
{
    p->v[p->n++] = t;
}

/* A 32-byte hash as bytea's hex input form, \x followed by 64 digits. */
static void p_hash(struct params *p, const uint8_t h[32])
{
    char *b = p->buf[p->n];
    b[0] = '\\';
    b[1] = 'x';
    for (int i = 0; i < 32; i++)
        snprintf(b + 2 + 2 * i, 3, "%02x", h[i]);
    p->v[p->n] = b;
    p->n++;
}

static int is_sqlstate(const PGresult *r, const char *code)
{
    const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    return st && strcmp(st, code) == 0;
}

/* The server's message for a failed statement, on one line. */
static void failed(store *s, const PGresult *r, int write)
{
    char msg[256];
    const char *m = r ? PQresultErrorMessage(r) : "";
    if (!m || !*m)
        m = PQerrorMessage(PG(s)->conn);
    snprintf(msg, sizeof(msg), "%s", m);
    msg[strcspn(msg, "\n")] = '\0';
    if (PG(s)->in_tx)
        PG(s)->tx_failed = 1;
    if (write)
        store_write_failed(s, is_sqlstate(r, "53100"), msg);
    else
        log_msg(LOG_ERR, "store: %s", msg);
}

/* Outside a transaction, a connection the server dropped is made again. */
static void reconnect_if_broken(store *s)
{
    struct pg_store *p = PG(s);
    if (p->in_tx || PQstatus(p->conn) == CONNECTION_OK)
        return;
    log_msg(LOG_WARN, "store: connection to PostgreSQL lost; reconnecting");
    PQreset(p->conn);
    p->n_prepared = 0;
}

/* The name of `sql`'s prepared statement, preparing it on first use; NULL
 * on an error, with the failed result in *bad (NULL: the cache is full). */
static const char *prepared(store *s, const char *sql, int nparams,
                            char name[16], PGresult **bad)
{
    struct pg_store *p = PG(s);
    for (int i = 0; i < p->n_prepared; i++) {
        if (p->prepared[i] == sql) {
            snprintf(name, 16, "s%d", i);
            return name;
        }
    }
    if (p->n_prepared == MAX_STMTS) {
        log_msg(LOG_ERR, "store: statement cache full");
        return NULL;
    }
    snprintf(name, 16, "s%d", p->n_prepared);
    PGresult *r = PQprepare(p->conn, name, sql, nparams, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        *bad = r;
        return NULL;
    }
    PQclear(r);
    p->prepared[p->n_prepared++] = sql;
    return name;
}

/* One try of `sql`: its result, or NULL with the failed one in *bad. */
static PGresult *try_run(store *s, const char *sql, const struct params *pa,
                         PGresult **bad)
{
    char name[16];
    *bad = NULL;
    if (!prepared(s, sql, pa->n, name, bad))
        return NULL;
    PGresult *r =
        PQexecPrepared(PG(s)->conn, name, pa->n, pa->v, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    *bad = r;
    return NULL;
}

/* Run `sql` with `pa`'s parameters. Returns the result (the caller clears
 * it) or NULL on an error, which is logged, and counted when `write`.
 * A read that finds the connection broken (the server restarted since
 * the last call) is tried once more on a new one; a write is not, since
 * the server may have done it before the connection broke, and doing it
 * twice could queue an action twice. */
static PGresult *run(store *s, const char *sql, const struct params *pa,
                     int write)
{
    PGresult *bad = NULL;
    reconnect_if_broken(s);
    int64_t t0 = metrics_clock_us();
    PGresult *r = try_run(s, sql, pa, &bad);
    if (write)
        metrics_store_write(t0);
    if (!r && !write && !PG(s)->in_tx &&
        PQstatus(PG(s)->conn) == CONNECTION_BAD) {
        PQclear(bad);
        reconnect_if_broken(s);
        r = try_run(s, sql, pa, &bad);
    }
    if (!r) {
        failed(s, bad, write);
        PQclear(bad);
    }
    return r;
}

/* A write that returns no rows; `changed` (if not NULL) gets the number
 * of rows it changed. */
static store_rc write_rows(store *s, const char *sql, const struct params *pa,
                           long *changed)
{
    PGresult *r = run(s, sql, pa, 1);
    if (!r)
        return STORE_ERROR;
    if (changed)
        *changed = atol(PQcmdTuples(r));
    PQclear(r);
    return STORE_OK;
}

/* A write of at most one row: STORE_OK if it changed one, `miss` if none. */
static store_rc change_one(store *s, const char *sql, const struct params *pa,
                           store_rc miss)
{
    long n = 0;
    if (write_rows(s, sql, pa, &n) != STORE_OK)
        return STORE_ERROR;
    return n == 1 ? STORE_OK : miss;
}

/* "UPDATE ... SET col = $1 WHERE key = $2": value first, key second. */
static store_rc set_int(store *s, const char *sql, int64_t key, int64_t v)
{
    struct params pa = {0};
    p_int(&pa, v);
    p_int(&pa, key);
    return write_rows(s, sql, &pa, NULL);
}

static store_rc set_text(store *s, const char *sql, int64_t key, const char *v)
{
    struct params pa = {0};
    p_text(&pa, v);
    p_int(&pa, key);
    return write_rows(s, sql, &pa, NULL);
}

/* Statements without parameters (transactions, the schema). */
static store_rc exec(store *s, const char *sql)
{
    PGresult *r = PQexec(PG(s)->conn, sql);
    ExecStatusType st = PQresultStatus(r);
    store_rc rc = STORE_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        failed(s, r, 1);
        rc = STORE_ERROR;
    }
    PQclear(r);
    return rc;
}

static int64_t val_int(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static json_t *col_int(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return json_null();
    return json_integer(val_int(r, row, col));
}

static json_t *col_text(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return json_null();
    return json_string(PQgetvalue(r, row, col));
}

static json_t *col_json(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return json_null();
    json_t *v = json_loads(PQgetvalue(r, row, col), 0, NULL);
    return v ? v : json_null();
}

static int col_is_int(const PGresult *r, int col)
{
    Oid t = PQftype(r, col);
    return t == OID_INT8 || t == OID_INT4 || t == OID_INT2;
}

/* Every row of `r` as a JSON object, column i under names[i]: integers and
 * text as they are, NULL as null, or left out when the name starts with
 * '?' (store_sqlite.c's rows_json, for the same lists). Clears `r`. */
static json_t *rows_json(PGresult *r, const char *const *names)
{
    json_t *arr = json_array();
    for (int row = 0; row < PQntuples(r); row++) {
        json_t *e = json_object();
        for (int i = 0; names[i]; i++) {
            const char *name = names[i] + (names[i][0] == '?');
            if (PQgetisnull(r, row, i) && names[i][0] == '?')
                continue;
            json_object_set_new(e, name,
                                col_is_int(r, i) ? col_int(r, row, i)
                                                 : col_text(r, row, i));
        }
        json_array_append_new(arr, e);
    }
    PQclear(r);
    return arr;
}

/* A page of a machine's rows after cursor `since` (the query's parameters
 * are serial, since, limit). */
static json_t *page_json(store *s, const char *sql, uint64_t serial,
                         int64_t since, int limit, const char *const *names)
{
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    p_int(&pa, since);
    p_int(&pa, limit);
    PGresult *r = run(s, sql, &pa, 0);
    return r ? rows_json(r, names) : NULL;
}

/* The first row's first column as a blob id: STORE_OK, or NOT_FOUND. */
static store_rc one_blob(store *s, const char *sql, const struct params *pa,
                         char blob[65])
{
    PGresult *r = run(s, sql, pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        snprintf(blob, 65, "%s", PQgetvalue(r, 0, 0));
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

/* ---- opening ----------------------------------------------------------- */

/* Several nodes may start at once on an empty database: the advisory lock
 * makes them create the schema one after the other (CREATE ... IF NOT
 * EXISTS alone races on the catalog). On a database that has it already
 * the DDL is not run at all (has_relation): CREATE INDEX IF NOT EXISTS
 * still locks its table, and next to a running node's transactions that
 * deadlocks (`gfcloud apikey create` while the service writes). */
static const char schema[] =
    "BEGIN;"
    "SELECT pg_advisory_xact_lock(7710001);"
    "CREATE TABLE IF NOT EXISTS machines("
    " serial BIGINT PRIMARY KEY, pw_hash BYTEA NOT NULL, created BIGINT,"
    " last_seen BIGINT, progress TEXT, settings TEXT, settings_form TEXT,"
    " head TEXT NOT NULL DEFAULT 'unknown', malformed BIGINT DEFAULT 0,"
    " reg BIGINT, home_dx BIGINT DEFAULT 0, home_dy BIGINT DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS apikeys("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " hash BYTEA UNIQUE NOT NULL, created BIGINT,"
    " revoked INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS actions("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY (START WITH 1600000001)"
    " PRIMARY KEY, serial BIGINT NOT NULL,"
    " type TEXT NOT NULL, state TEXT NOT NULL, priority INTEGER DEFAULT 0,"
    " stage INTEGER DEFAULT -1, reason TEXT, file TEXT, params TEXT,"
    " created BIGINT, sent_at BIGINT, finished_at BIGINT,"
    " expires_at BIGINT, cancel_pending INTEGER DEFAULT 0,"
    " upload_used INTEGER DEFAULT 0, sent_by TEXT);"
    "CREATE INDEX IF NOT EXISTS actions_queue ON actions(serial, state);"
    /* the cancels owed on connect: a handful among a machine's thousands */
    "CREATE INDEX IF NOT EXISTS actions_cancel_owed ON actions(serial) "
    "WHERE cancel_pending = 1;"
    "CREATE TABLE IF NOT EXISTS events("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, serial BIGINT,"
    " action_id BIGINT, seq BIGINT, ts BIGINT, event TEXT, level TEXT,"
    " log TEXT, received BIGINT);"
    "CREATE INDEX IF NOT EXISTS events_action ON events(action_id);"
    "CREATE INDEX IF NOT EXISTS events_serial ON events(serial, id);"
    "CREATE TABLE IF NOT EXISTS logs("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, serial BIGINT,"
    " seq BIGINT, ts BIGINT, level TEXT, text TEXT, received BIGINT);"
    "CREATE INDEX IF NOT EXISTS logs_serial ON logs(serial, id);"
    "CREATE TABLE IF NOT EXISTS files("
    " id TEXT PRIMARY KEY, size BIGINT, payload BIGINT, stfr BIGINT,"
    " mcsn BIGINT DEFAULT 0, created BIGINT, net_x BIGINT DEFAULT 0,"
    " net_y BIGINT DEFAULT 0, min_x BIGINT DEFAULT 0, max_x BIGINT DEFAULT 0,"
    " min_y BIGINT DEFAULT 0, max_y BIGINT DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS file_locks("
    " file TEXT NOT NULL, serial BIGINT NOT NULL, blob TEXT NOT NULL,"
    " created BIGINT, PRIMARY KEY(file, serial));"
    "CREATE TABLE IF NOT EXISTS images("
    " action_id BIGINT PRIMARY KEY, serial BIGINT, type TEXT, blob TEXT,"
    " size BIGINT, received BIGINT);"
    "CREATE INDEX IF NOT EXISTS images_latest ON images(serial, type, "
    "received);"
    /* Columns added since the first schema (a database made before). */
    "ALTER TABLE machines ADD COLUMN IF NOT EXISTS home_dx BIGINT DEFAULT 0;"
    "ALTER TABLE machines ADD COLUMN IF NOT EXISTS home_dy BIGINT DEFAULT 0;"
    "ALTER TABLE files ADD COLUMN IF NOT EXISTS net_x BIGINT DEFAULT 0;"
    "ALTER TABLE files ADD COLUMN IF NOT EXISTS net_y BIGINT DEFAULT 0;"
    "ALTER TABLE files ADD COLUMN IF NOT EXISTS min_x BIGINT DEFAULT 0;"
    "ALTER TABLE files ADD COLUMN IF NOT EXISTS max_x BIGINT DEFAULT 0;"
    "ALTER TABLE files ADD COLUMN IF NOT EXISTS min_y BIGINT DEFAULT 0;"
    "ALTER TABLE files ADD COLUMN IF NOT EXISTS max_y BIGINT DEFAULT 0;"
    "CREATE TABLE IF NOT EXISTS jobs("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " serial BIGINT NOT NULL, name TEXT, state TEXT NOT NULL, reason TEXT,"
    " created_by TEXT, file TEXT, preview TEXT, params TEXT, stats TEXT,"
    " actions TEXT, print_action BIGINT DEFAULT 0, progress BIGINT DEFAULT 0,"
    " created BIGINT, queued_at BIGINT, started BIGINT, finished BIGINT,"
    " button_at BIGINT);"
    "CREATE INDEX IF NOT EXISTS jobs_serial ON jobs(serial, state, id);"
    "CREATE INDEX IF NOT EXISTS jobs_action ON jobs(print_action);"
    "CREATE TABLE IF NOT EXISTS materials(name TEXT PRIMARY KEY,"
    " doc TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS flags(name TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS audit("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at BIGINT,"
    " who TEXT, peer TEXT, what TEXT, target TEXT, detail TEXT);"
    "CREATE INDEX IF NOT EXISTS audit_last ON audit(id);"
    "CREATE TABLE IF NOT EXISTS nodes(name TEXT PRIMARY KEY, beat BIGINT);"
    "CREATE TABLE IF NOT EXISTS cameras("
    " serial BIGINT PRIMARY KEY, ref_x BIGINT, ref_y BIGINT,"
    " calibrated BIGINT, figures TEXT, blob BYTEA NOT NULL);"
    "COMMIT;";

/* Tables and indexes of GET /metrics and the webhooks (webhook.c), made
 * when the last of them is missing (has_relation), under the same lock as
 * the main schema. */
static const char hooks_schema[] =
    "BEGIN;"
    "SELECT pg_advisory_xact_lock(7710001);"
    "CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);"
    "CREATE TABLE IF NOT EXISTS webhooks("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " url TEXT NOT NULL, events TEXT NOT NULL, secret TEXT NOT NULL,"
    " created BIGINT);"
    "CREATE TABLE IF NOT EXISTS webhook_deliveries("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " webhook_id BIGINT NOT NULL, event TEXT NOT NULL, body TEXT NOT NULL,"
    " state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
    " created BIGINT, next_try BIGINT, sending INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS webhook_due ON webhook_deliveries(state, "
    "next_try);"
    "CREATE INDEX IF NOT EXISTS webhook_log ON webhook_deliveries(webhook_id, "
    "id);"
    "CREATE TABLE IF NOT EXISTS webhook_attempts("
    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
    " delivery_id BIGINT NOT NULL, at BIGINT, status INTEGER, error TEXT,"
    " took_ms BIGINT);"
    "CREATE INDEX IF NOT EXISTS webhook_attempts_of ON "
    "webhook_attempts(delivery_id, id);"
    "COMMIT;";

/* Users, the owners of API keys and sign-in sessions: set up on its own
 * (has_relation), so a database made before them gets them. A key made
 * before users existed has no owner and no role: an admin's. */
static const char users_schema[] =
    "BEGIN;"
    "SELECT pg_advisory_xact_lock(7710001);"
    "CREATE TABLE IF NOT EXISTS users("
    " name TEXT PRIMARY KEY, role TEXT NOT NULL, pw_hash TEXT NOT NULL,"
    " created BIGINT);"
    "ALTER TABLE apikeys ADD COLUMN IF NOT EXISTS owner TEXT;"
    "ALTER TABLE apikeys ADD COLUMN IF NOT EXISTS role TEXT;"
    "CREATE TABLE IF NOT EXISTS sessions("
    " hash BYTEA PRIMARY KEY, owner TEXT NOT NULL, csrf TEXT NOT NULL,"
    " created BIGINT, used BIGINT);"
    "CREATE INDEX IF NOT EXISTS sessions_owner ON sessions(owner);"
    "COMMIT;";

/* The server's notices (such as "relation already exists, skipping") go
 * to the debug log, not to stderr as libpq would print them. */
static void on_notice(void *ud, const char *msg)
{
    (void)ud;
    log_msg(LOG_DEBUG, "store: postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

static const store_ops pg_ops;

/* Whether relation `name` (a table or an index) exists: 1, 0, or -1 on an
 * error. A database made by an older gfcloud lacks a schema's last object
 * and gets that schema again, which adds what it lacks (IF NOT EXISTS
 * throughout). */
static int has_relation(struct pg_store *p, const char *name)
{
    const char *v[1] = {name};
    PGresult *r = PQexecParams(p->conn, "SELECT to_regclass($1) IS NOT NULL", 1,
                               NULL, v, NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
        rc = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return rc;
}

static int listen_start(PGconn *c)
{
    PGresult *r = PQexec(c, "LISTEN gfcloud");
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    return ok ? 0 : -1;
}

/* A second connection that only listens, so that its socket is readable
 * exactly when a notification waits (the main connection's replies would
 * swallow them into libpq's buffer unseen). */
static int listen_open(struct pg_store *p, const char *conninfo)
{
    p->listen = PQconnectdb(conninfo);
    if (!p->listen || PQstatus(p->listen) != CONNECTION_OK)
        return -1;
    PQsetNoticeProcessor(p->listen, on_notice, NULL);
    return listen_start(p->listen);
}

store_rc store_open_pg(store **out, const char *conninfo, char *err,
                       size_t errlen)
{
    *out = NULL;
    struct pg_store *p = calloc(1, sizeof(*p));
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return STORE_ERROR;
    }
    p->base.ops = &pg_ops;
    /* The message names the server, never the conninfo: it may hold a
     * password. */
    p->conn = PQconnectdb(conninfo);
    if (!p->conn || PQstatus(p->conn) != CONNECTION_OK) {
        const char *m = p->conn ? PQerrorMessage(p->conn) : "out of memory";
        snprintf(err, errlen, "cannot connect to PostgreSQL: %.*s",
                 (int)strcspn(m, "\n"), m);
        goto fail;
    }
    PQsetNoticeProcessor(p->conn, on_notice, NULL);
    int ready = has_relation(p, "cameras");
    if (ready < 0 || (!ready && exec(&p->base, schema) != STORE_OK) ||
        (ready = has_relation(p, "webhook_attempts_of")) < 0 ||
        (!ready && exec(&p->base, hooks_schema) != STORE_OK) ||
        (ready = has_relation(p, "sessions")) < 0 ||
        (!ready && exec(&p->base, users_schema) != STORE_OK)) {
        snprintf(err, errlen, "PostgreSQL: cannot set up the database: %.*s",
                 (int)strcspn(PQerrorMessage(p->conn), "\n"),
                 PQerrorMessage(p->conn));
        goto fail;
    }
    if (listen_open(p, conninfo) != 0) {
        snprintf(err, errlen, "PostgreSQL: cannot LISTEN: %.*s",
                 (int)strcspn(PQerrorMessage(p->listen), "\n"),
                 PQerrorMessage(p->listen));
        goto fail;
    }
    *out = &p->base;
    return STORE_OK;
fail:
    store_close(&p->base);
    return STORE_ERROR;
}

static void pg_close(store *s)
{
    PQfinish(PG(s)->listen);
    PQfinish(PG(s)->conn);
    free(PG(s));
}

static store_rc pg_begin(store *s)
{
    struct pg_store *p = PG(s);
    if (p->in_tx > 0) {
        p->in_tx++;
        return STORE_OK;
    }
    reconnect_if_broken(s);
    p->tx_failed = 0;
    store_rc rc = exec(s, "BEGIN");
    /* Counted even when BEGIN failed: store_commit() ends it either way. */
    p->in_tx = 1;
    p->tx_failed = rc != STORE_OK;
    return rc;
}

/* No group commit: in PostgreSQL one failed statement aborts the whole
 * transaction, so a pass's frames from many machines would stand or fall
 * together (store.h). Each frame commits on its own. */
static store_rc pg_batch_join(store *s)
{
    (void)s;
    return STORE_OK;
}

static store_rc pg_batch_flush(store *s)
{
    (void)s;
    return STORE_OK;
}

static store_rc pg_commit(store *s)
{
    struct pg_store *p = PG(s);
    if (p->in_tx == 0 || --p->in_tx > 0)
        return STORE_OK;
    if (!p->tx_failed) {
        int64_t t0 = metrics_clock_us();
        PGresult *r = PQexec(p->conn, "COMMIT");
        metrics_store_write(t0);
        /* COMMIT of an aborted transaction "succeeds" as ROLLBACK. */
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK &&
                 strcmp(PQcmdStatus(r), "COMMIT") == 0;
        if (!ok)
            failed(s, r, 1);
        PQclear(r);
        if (ok)
            return STORE_OK;
    }
    PQclear(PQexec(p->conn, "ROLLBACK"));
    p->tx_failed = 0;
    return STORE_ERROR;
}

/* ---- the other nodes --------------------------------------------------- */

static store_rc pg_notify(store *s, const char *msg)
{
    static const char q[] = "SELECT pg_notify('gfcloud', $1)";
    struct params pa = {0};
    p_text(&pa, msg);
    PGresult *r = run(s, q, &pa, 1);
    PQclear(r);
    return r ? STORE_OK : STORE_ERROR;
}

/* A listening connection that failed is made again here. */
static int pg_notify_fd(store *s)
{
    PGconn *c = PG(s)->listen;
    if (PQstatus(c) != CONNECTION_OK) {
        PQreset(c);
        if (PQstatus(c) != CONNECTION_OK || listen_start(c) != 0)
            return -1;
    }
    return PQsocket(c);
}

static int pg_notify_poll(store *s, store_notify_cb cb, void *ud)
{
    struct pg_store *p = PG(s);
    if (!PQconsumeInput(p->listen)) {
        log_msg(LOG_ERR, "store: the LISTEN connection failed: %.*s",
                (int)strcspn(PQerrorMessage(p->listen), "\n"),
                PQerrorMessage(p->listen));
        return STORE_ERROR;
    }
    int n = 0, self = PQbackendPID(p->conn);
    PGnotify *note;
    while ((note = PQnotifies(p->listen)) != NULL) {
        if (note->be_pid != self) /* our own come back too */
            cb(ud, note->extra);
        PQfreemem(note);
        n++;
    }
    return n;
}

/* ---- heartbeats -------------------------------------------------------- */

static store_rc pg_node_beat(store *s, int64_t now)
{
    static const char q[] = "INSERT INTO nodes(name, beat) VALUES($1, $2) ON "
                            "CONFLICT (name) DO UPDATE SET beat = "
                            "excluded.beat";
    struct params pa = {0};
    p_text(&pa, s->node);
    p_int(&pa, now);
    return write_rows(s, q, &pa, NULL);
}

/* One statement, so the dead nodes, their actions, those machines' head
 * positions and their jobs change together (every part of a data-changing
 * WITH sees the same snapshot: the actions as they were). */
static int pg_node_reap(store *s, int64_t dead_before, int64_t now)
{
    static const char q[] =
        "WITH dead AS (DELETE FROM nodes WHERE beat < $1 AND name <> $2 "
        "RETURNING name), "
        "lost AS (SELECT id, serial, type FROM actions WHERE sent_by IN "
        "(SELECT name FROM dead) AND state IN ('sent', 'cancelling')), "
        "heads AS (UPDATE machines SET head = 'unknown' WHERE serial IN "
        "(SELECT serial FROM lost WHERE type IN ('hunt', 'motion', "
        "'print'))), "
        "jobs_failed AS (UPDATE jobs SET state = 'failed', reason = 'the "
        "service node serving the machine stopped while the job was ' || "
        "replace(state, '_', ' '), finished = $3 WHERE state IN ('sending', "
        "'waiting_for_button', 'running') AND print_action IN (SELECT id "
        "FROM lost)) "
        "UPDATE actions SET state = 'interrupted', cancel_pending = 1, "
        "reason = 'its service node stopped', finished_at = $3 WHERE id IN "
        "(SELECT id FROM lost)";
    struct params pa = {0};
    long n = 0;
    p_int(&pa, dead_before);
    p_text(&pa, s->node);
    p_int(&pa, now);
    if (write_rows(s, q, &pa, &n) != STORE_OK)
        return STORE_ERROR;
    return (int)n;
}

/* ---- machines ---------------------------------------------------------- */

static store_rc pg_machine_add(store *s, uint64_t serial,
                               const uint8_t hash[32], int64_t now)
{
    /* A new registration id each time (store.h: tokens are bound to it). */
    static const char q[] =
        "INSERT INTO machines(serial, pw_hash, created, reg) VALUES($1, $2, "
        "$3, floor(random() * 9223372036854775807)::bigint) ON CONFLICT DO "
        "NOTHING";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    p_hash(&pa, hash);
    p_int(&pa, now);
    return change_one(s, q, &pa, STORE_ALREADY);
}

/* 64 hex digits into 32 bytes; -1 if they are not. */
static int unhex32(const char *t, uint8_t out[32])
{
    if (strlen(t) != 64)
        return -1;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(t + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (uint8_t)v;
    }
    return 0;
}

static store_rc pg_machine_get_reg(store *s, uint64_t serial, uint64_t *reg)
{
    static const char q[] = "SELECT reg FROM machines WHERE serial = $1";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) == 1) {
        *reg = (uint64_t)val_int(r, 0, 0);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_machine_get_login(store *s, uint64_t serial,
                                     uint8_t hash[32], uint64_t *reg)
{
    static const char q[] = "SELECT encode(pw_hash, 'hex'), reg FROM "
                            "machines WHERE serial = $1";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) == 1 && unhex32(PQgetvalue(r, 0, 0), hash) == 0) {
        *reg = (uint64_t)val_int(r, 0, 1);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static long pg_machine_each_reg(store *s, store_reg_cb cb, void *ud)
{
    static const char q[] = "SELECT serial, reg FROM machines";
    struct params pa = {0};
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    long n = PQntuples(r);
    for (long i = 0; i < n; i++)
        cb(ud, (uint64_t)val_int(r, (int)i, 0),
           (uint64_t)val_int(r, (int)i, 1));
    PQclear(r);
    return n;
}

static store_rc pg_machine_remove(store *s, uint64_t serial)
{
    static const char q[] = "WITH cam AS (DELETE FROM cameras WHERE serial = "
                            "$1) DELETE FROM machines WHERE serial = $1";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    return change_one(s, q, &pa, STORE_NOT_FOUND);
}

#define MACHINE_COLS                                                           \
    "serial, created, last_seen, progress, settings, settings_form, head,"     \
    " malformed"

static json_t *machine_row(const PGresult *r, int row, int full)
{
    json_t *o = json_object();
    char serial[32];
    snprintf(serial, sizeof(serial), "S%s", PQgetvalue(r, row, 0));
    json_object_set_new(o, "serial", json_string(serial));
    json_object_set_new(o, "created", col_int(r, row, 1));
    json_object_set_new(o, "last_seen", col_int(r, row, 2));
    json_object_set_new(o, "settings_form", col_text(r, row, 5));
    json_object_set_new(o, "head_position", col_text(r, row, 6));
    json_object_set_new(o, "malformed_messages", col_int(r, row, 7));
    if (full) {
        json_object_set_new(o, "progress", col_json(r, row, 3));
        json_object_set_new(o, "settings", col_json(r, row, 4));
    }
    return o;
}

static json_t *pg_machine_list(store *s)
{
    static const char q[] =
        "SELECT " MACHINE_COLS " FROM machines ORDER BY serial";
    struct params pa = {0};
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return NULL;
    json_t *arr = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(arr, machine_row(r, i, 0));
    PQclear(r);
    return arr;
}

static json_t *pg_machine_get(store *s, uint64_t serial)
{
    static const char q[] =
        "SELECT " MACHINE_COLS " FROM machines WHERE serial = $1";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return NULL;
    json_t *o = PQntuples(r) == 1 ? machine_row(r, 0, 1) : NULL;
    PQclear(r);
    return o;
}

static store_rc pg_machine_set_seen(store *s, uint64_t serial, int64_t now)
{
    static const char q[] = "UPDATE machines SET last_seen = $1 WHERE "
                            "serial = $2";
    return set_int(s, q, (int64_t)serial, now);
}

static store_rc pg_machine_set_progress(store *s, uint64_t serial,
                                        const char *json)
{
    static const char q[] = "UPDATE machines SET progress = $1 WHERE "
                            "serial = $2";
    return set_text(s, q, (int64_t)serial, json);
}

static store_rc pg_machine_set_settings(store *s, uint64_t serial,
                                        const char *values, const char *form)
{
    static const char q[] = "UPDATE machines SET settings = coalesce($1, "
                            "settings), settings_form = $2 WHERE serial = $3";
    struct params pa = {0};
    p_text(&pa, values);
    p_text(&pa, form);
    p_int(&pa, (int64_t)serial);
    return write_rows(s, q, &pa, NULL);
}

static store_rc pg_machine_set_head(store *s, uint64_t serial, const char *head)
{
    static const char q[] = "UPDATE machines SET head = $1 WHERE serial = $2";
    return set_text(s, q, (int64_t)serial, head);
}

static store_rc pg_machine_count_malformed(store *s, uint64_t serial)
{
    static const char q[] = "UPDATE machines SET malformed = malformed + $1 "
                            "WHERE serial = $2";
    return set_int(s, q, (int64_t)serial, 1);
}

/* ---- API keys ---------------------------------------------------------- */

static store_rc pg_apikey_add_owned(store *s, const uint8_t hash[32],
                                    const char *user, const char *role,
                                    int64_t now, int64_t *id);

/* A key without an owner: one with no user and no role (an admin's). */
static store_rc pg_apikey_add(store *s, const uint8_t hash[32], int64_t now,
                              int64_t *id)
{
    return pg_apikey_add_owned(s, hash, NULL, NULL, now, id);
}

static store_rc pg_apikey_check(store *s, const uint8_t hash[32])
{
    /* An equality lookup on a keyed hash of a 256-bit secret: the timing of
     * the index search reveals nothing usable about the key itself. */
    static const char q[] = "SELECT 1 FROM apikeys WHERE hash = $1 AND "
                            "revoked = 0";
    struct params pa = {0};
    p_hash(&pa, hash);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = PQntuples(r) > 0 ? STORE_OK : STORE_NOT_FOUND;
    PQclear(r);
    return rc;
}

static json_t *pg_apikey_list(store *s)
{
    static const char q[] = "SELECT id, created, revoked, owner, "
                            "COALESCE(role, 'admin') FROM apikeys ORDER BY id";
    struct params pa = {0};
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return NULL;
    json_t *arr = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_array_append_new(
            arr, json_pack("{s:I, s:I, s:b, s:o, s:o}", "id",
                           (json_int_t)val_int(r, i, 0), "created",
                           (json_int_t)val_int(r, i, 1), "revoked",
                           (int)val_int(r, i, 2), "user", col_text(r, i, 3),
                           "role", col_text(r, i, 4)));
    }
    PQclear(r);
    return arr;
}

static store_rc pg_apikey_revoke(store *s, int64_t id)
{
    static const char q[] = "UPDATE apikeys SET revoked = 1 WHERE id = $1";
    struct params pa = {0};
    p_int(&pa, id);
    return change_one(s, q, &pa, STORE_NOT_FOUND);
}

/* ---- actions ----------------------------------------------------------- */

static store_rc pg_action_add(store *s, store_action *a)
{
    static const char q[] =
        "INSERT INTO actions(serial, type, state, priority, file, params, "
        "created, expires_at) VALUES($1, $2, 'queued', $3, $4, $5, $6, $7) "
        "RETURNING id";
    struct params pa = {0};
    p_int(&pa, (int64_t)a->serial);
    p_text(&pa, a->type);
    /* Settings first, always (§17): whatever else waits. */
    p_int(&pa, strcmp(a->type, "settings") == 0 ? INT32_MAX : a->priority);
    p_text(&pa, a->file[0] ? a->file : NULL);
    p_text(&pa, a->params);
    p_int(&pa, a->created);
    p_int(&pa, a->expires_at);
    PGresult *r = run(s, q, &pa, 1);
    if (!r)
        return STORE_ERROR;
    a->id = val_int(r, 0, 0);
    PQclear(r);
    snprintf(a->state, sizeof(a->state), "queued");
    return STORE_OK;
}

#define ACTION_COLS                                                            \
    "id, serial, type, state, stage, file, params, created, sent_at,"          \
    " expires_at"

static void action_from_row(const PGresult *r, store_action *a)
{
    memset(a, 0, sizeof(*a));
    a->id = val_int(r, 0, 0);
    a->serial = (uint64_t)val_int(r, 0, 1);
    snprintf(a->type, sizeof(a->type), "%s", PQgetvalue(r, 0, 2));
    snprintf(a->state, sizeof(a->state), "%s", PQgetvalue(r, 0, 3));
    a->stage = (int)val_int(r, 0, 4);
    snprintf(a->file, sizeof(a->file), "%s", PQgetvalue(r, 0, 5));
    a->params = PQgetisnull(r, 0, 6) ? NULL : strdup(PQgetvalue(r, 0, 6));
    a->created = val_int(r, 0, 7);
    a->sent_at = val_int(r, 0, 8);
    a->expires_at = val_int(r, 0, 9);
}

/* The one action `sql` selects by its single parameter `key`. */
static store_rc one_action(store *s, const char *sql, int64_t key,
                           store_action *out)
{
    struct params pa = {0};
    p_int(&pa, key);
    PGresult *r = run(s, sql, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        action_from_row(r, out);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_action_get(store *s, int64_t id, store_action *out)
{
    static const char q[] = "SELECT " ACTION_COLS " FROM actions WHERE id = $1";
    return one_action(s, q, id, out);
}

static store_rc pg_action_next(store *s, uint64_t serial, store_action *out)
{
    static const char q[] =
        "SELECT " ACTION_COLS " FROM actions WHERE serial = $1 AND state = "
        "'queued' ORDER BY priority DESC, id LIMIT 1";
    return one_action(s, q, (int64_t)serial, out);
}

static store_rc pg_action_mark_sent(store *s, int64_t id, int64_t now)
{
    static const char q[] = "UPDATE actions SET state = 'sent', stage = 0, "
                            "sent_at = $1, sent_by = $3 WHERE id = $2";
    struct params pa = {0};
    p_int(&pa, now);
    p_int(&pa, id);
    p_text(&pa, s->node);
    return write_rows(s, q, &pa, NULL);
}

static store_rc pg_action_set_stage(store *s, int64_t id, int stage)
{
    static const char q[] = "UPDATE actions SET stage = $1 WHERE id = $2";
    return set_int(s, q, id, stage);
}

static store_rc pg_action_set_cancel_pending(store *s, int64_t id, int pending)
{
    static const char q[] = "UPDATE actions SET cancel_pending = $1 WHERE "
                            "id = $2";
    return set_int(s, q, id, pending);
}

static store_rc pg_action_set_state(store *s, int64_t id, const char *state)
{
    static const char q[] = "UPDATE actions SET state = $1 WHERE id = $2";
    return set_text(s, q, id, state);
}

static store_rc pg_action_finish(store *s, int64_t id, const char *state,
                                 const char *reason, int64_t now)
{
    static const char q[] = "UPDATE actions SET state = $1, reason = $2, "
                            "finished_at = $3 WHERE id = $4";
    struct params pa = {0};
    p_text(&pa, state);
    p_text(&pa, reason);
    p_int(&pa, now);
    p_int(&pa, id);
    return write_rows(s, q, &pa, NULL);
}

/* Each (id, type) row `sql` selects for `serial`, to `cb`. The result is
 * a copy: the callback may write to the same table. */
static int each_id_type(store *s, const char *sql, uint64_t serial,
                        store_action_cb cb, void *ud)
{
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    PGresult *r = run(s, sql, &pa, 0);
    if (!r)
        return STORE_ERROR;
    int n = PQntuples(r);
    for (int i = 0; i < n; i++)
        cb(ud, val_int(r, i, 0), PQgetvalue(r, i, 1));
    PQclear(r);
    return n;
}

static int pg_action_each_cancel_pending(store *s, uint64_t serial,
                                         store_action_cb cb, void *ud)
{
    static const char q[] = "SELECT id, type FROM actions WHERE serial = $1 "
                            "AND cancel_pending = 1 ORDER BY id LIMIT 64";
    return each_id_type(s, q, serial, cb, ud);
}

static int pg_action_each_inflight(store *s, uint64_t serial,
                                   store_action_cb cb, void *ud)
{
    static const char q[] = "SELECT id, type FROM actions WHERE serial = $1 "
                            "AND state IN ('sent', 'cancelling') ORDER BY id "
                            "LIMIT 64";
    return each_id_type(s, q, serial, cb, ud);
}

static int pg_action_reconcile(store *s, int64_t now)
{
    /* A move under way when this node stopped may have ended anywhere: its
     * machine's head position is unknown (lifecycle.c). */
    static const char lost[] =
        "UPDATE machines SET head = 'unknown' WHERE serial IN (SELECT serial "
        "FROM actions WHERE state IN ('sent', 'cancelling') AND type IN "
        "('hunt', 'motion', 'print') AND sent_by IS NOT DISTINCT FROM $1)";
    struct params pl = {0};
    p_text(&pl, s->node);
    if (write_rows(s, lost, &pl, NULL) != STORE_OK)
        return STORE_ERROR;
    static const char q[] =
        "UPDATE actions SET state = 'interrupted', cancel_pending = 1, "
        "reason = 'service restarted', finished_at = $1 WHERE state IN "
        "('sent', 'cancelling') AND sent_by IS NOT DISTINCT FROM $2";
    struct params pa = {0};
    long n = 0;
    p_int(&pa, now);
    p_text(&pa, s->node);
    if (write_rows(s, q, &pa, &n) != STORE_OK)
        return STORE_ERROR;
    return (int)n;
}

static store_rc pg_action_upload_use(store *s, int64_t id)
{
    static const char q[] = "UPDATE actions SET upload_used = 1 WHERE id = $1 "
                            "AND upload_used = 0";
    struct params pa = {0};
    p_int(&pa, id);
    return change_one(s, q, &pa, STORE_ALREADY);
}

static json_t *action_events(store *s, int64_t id)
{
    static const char q[] = "SELECT event, seq, ts, level, log, received FROM "
                            "events WHERE action_id = $1 ORDER BY id";
    static const char *const names[] = {
        "event", "id", "timestamp", "level", "?log", "received", NULL};
    struct params pa = {0};
    p_int(&pa, id);
    PGresult *r = run(s, q, &pa, 0);
    return r ? rows_json(r, names) : json_array();
}

static json_t *action_obj(const PGresult *r, int row)
{
    json_t *o = json_object();
    char serial[32];
    snprintf(serial, sizeof(serial), "S%s", PQgetvalue(r, row, 1));
    json_object_set_new(o, "id", json_integer(val_int(r, row, 0)));
    json_object_set_new(o, "machine_serial", json_string(serial));
    json_object_set_new(o, "action_type", col_text(r, row, 2));
    json_object_set_new(o, "state", col_text(r, row, 3));
    json_object_set_new(o, "stage", col_int(r, row, 4));
    json_object_set_new(o, "file", col_text(r, row, 5));
    json_object_set_new(o, "params", col_json(r, row, 6));
    json_object_set_new(o, "created", col_int(r, row, 7));
    json_object_set_new(o, "sent_at", col_int(r, row, 8));
    json_object_set_new(o, "finished_at", col_int(r, row, 9));
    json_object_set_new(o, "reason", col_text(r, row, 10));
    json_object_set_new(o, "cancel_pending", json_boolean(val_int(r, row, 11)));
    return o;
}

#define ACTION_JSON_COLS                                                       \
    "id, serial, type, state, stage, file, params, created, sent_at,"          \
    " finished_at, reason, cancel_pending"

/* The actions `sql` selects, each with its events. */
static json_t *actions_json(store *s, const char *sql, const struct params *pa)
{
    PGresult *r = run(s, sql, pa, 0);
    if (!r)
        return NULL;
    json_t *arr = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(arr, action_obj(r, i));
    PQclear(r);
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

static json_t *pg_action_json(store *s, int64_t id)
{
    static const char q[] =
        "SELECT " ACTION_JSON_COLS " FROM actions WHERE id = $1";
    struct params pa = {0};
    p_int(&pa, id);
    json_t *arr = actions_json(s, q, &pa);
    json_t *o = json_incref(json_array_get(arr, 0));
    json_decref(arr);
    return o;
}

static json_t *pg_action_list(store *s, uint64_t serial, int limit)
{
    static const char q[] = "SELECT " ACTION_JSON_COLS
                            " FROM actions WHERE serial = $1 ORDER BY id DESC "
                            "LIMIT $2";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    p_int(&pa, limit);
    return actions_json(s, q, &pa);
}

/* ---- what machines send ------------------------------------------------ */

static store_rc pg_event_add(store *s, uint64_t serial, int has_action,
                             int64_t action_id, int64_t seq, int64_t ts,
                             const char *event, const char *level,
                             const char *log, int64_t now)
{
    static const char q[] =
        "INSERT INTO events(serial, action_id, seq, ts, event, level, log, "
        "received) VALUES($1, $2, $3, $4, $5, $6, $7, $8)";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    if (has_action)
        p_int(&pa, action_id);
    else
        p_text(&pa, NULL);
    p_int(&pa, seq);
    p_int(&pa, ts);
    p_text(&pa, event);
    p_text(&pa, level);
    p_text(&pa, log);
    p_int(&pa, now);
    return write_rows(s, q, &pa, NULL);
}

static store_rc pg_log_add(store *s, uint64_t serial, int64_t seq, int64_t ts,
                           const char *level, const char *text, int64_t now)
{
    static const char q[] = "INSERT INTO logs(serial, seq, ts, level, text, "
                            "received) VALUES($1, $2, $3, $4, $5, $6)";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    p_int(&pa, seq);
    p_int(&pa, ts);
    p_text(&pa, level);
    p_text(&pa, text);
    p_int(&pa, now);
    return write_rows(s, q, &pa, NULL);
}

static json_t *pg_log_list(store *s, uint64_t serial, int64_t since, int limit)
{
    static const char q[] = "SELECT id, seq, ts, level, text, received FROM "
                            "logs WHERE serial = $1 AND id > $2 ORDER BY id "
                            "LIMIT $3";
    static const char *const names[] = {
        "cursor", "id", "timestamp", "level", "log", "received", NULL};
    return page_json(s, q, serial, since, limit, names);
}

static json_t *pg_event_list(store *s, uint64_t serial, int64_t since,
                             int limit)
{
    static const char q[] = "SELECT id, action_id, event, seq, ts, level, "
                            "log, received FROM events WHERE serial = $1 AND "
                            "id > $2 ORDER BY id LIMIT $3";
    static const char *const names[] = {"cursor", "action_id", "event",
                                        "id",     "timestamp", "level",
                                        "?log",   "received",  NULL};
    return page_json(s, q, serial, since, limit, names);
}

/* ---- job files and images ---------------------------------------------- */

static store_rc pg_file_add(store *s, const char *id, const store_file *f,
                            int64_t now)
{
    static const char q[] =
        "INSERT INTO files(id, size, payload, stfr, mcsn, created, net_x, "
        "net_y, min_x, max_x, min_y, max_y) VALUES($1, $2, $3, $4, $5, $6, $7, "
        "$8, $9, $10, $11, $12) ON CONFLICT DO NOTHING";
    struct params pa = {0};
    p_text(&pa, id);
    p_int(&pa, f->size);
    p_int(&pa, f->payload);
    p_int(&pa, f->stfr);
    p_int(&pa, (int64_t)f->mcsn);
    p_int(&pa, now);
    const int64_t ext[6] = {f->net_x, f->net_y, f->min_x,
                            f->max_x, f->min_y, f->max_y};
    for (int i = 0; i < 6; i++)
        p_int(&pa, ext[i]);
    return write_rows(s, q, &pa, NULL);
}

static store_rc pg_file_get(store *s, const char *id, store_file *out)
{
    static const char q[] = "SELECT size, payload, stfr, mcsn, net_x, net_y, "
                            "min_x, max_x, min_y, max_y FROM files WHERE id "
                            "= $1";
    struct params pa = {0};
    p_text(&pa, id);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        out->size = val_int(r, 0, 0);
        out->payload = val_int(r, 0, 1);
        out->stfr = val_int(r, 0, 2);
        out->mcsn = (uint64_t)val_int(r, 0, 3);
        int64_t *ext[6] = {&out->net_x, &out->net_y, &out->min_x,
                           &out->max_x, &out->min_y, &out->max_y};
        for (int i = 0; i < 6; i++)
            *ext[i] = val_int(r, 0, 4 + i);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_file_lock_add(store *s, const char *file, uint64_t serial,
                                 const char *blob, int64_t now)
{
    static const char q[] =
        "INSERT INTO file_locks(file, serial, blob, created) VALUES($1, $2, "
        "$3, $4) ON CONFLICT (file, serial) DO UPDATE SET blob = "
        "excluded.blob, created = excluded.created";
    struct params pa = {0};
    p_text(&pa, file);
    p_int(&pa, (int64_t)serial);
    p_text(&pa, blob);
    p_int(&pa, now);
    return write_rows(s, q, &pa, NULL);
}

static store_rc pg_file_lock_get(store *s, const char *file, uint64_t serial,
                                 char blob[65])
{
    static const char q[] = "SELECT blob FROM file_locks WHERE file = $1 AND "
                            "serial = $2";
    struct params pa = {0};
    p_text(&pa, file);
    p_int(&pa, (int64_t)serial);
    return one_blob(s, q, &pa, blob);
}

static store_rc pg_image_add(store *s, int64_t action_id, uint64_t serial,
                             const char *type, const char *blob, int64_t size,
                             int64_t now)
{
    static const char q[] =
        "INSERT INTO images(action_id, serial, type, blob, size, received) "
        "VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT (action_id) DO UPDATE "
        "SET serial = excluded.serial, type = excluded.type, blob = "
        "excluded.blob, size = excluded.size, received = excluded.received";
    struct params pa = {0};
    p_int(&pa, action_id);
    p_int(&pa, (int64_t)serial);
    p_text(&pa, type);
    p_text(&pa, blob);
    p_int(&pa, size);
    p_int(&pa, now);
    return write_rows(s, q, &pa, NULL);
}

static store_rc pg_image_latest(store *s, uint64_t serial, const char *type,
                                char blob[65])
{
    static const char q[] = "SELECT blob FROM images WHERE serial = $1 AND "
                            "type = $2 ORDER BY received DESC, action_id "
                            "DESC LIMIT 1";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    p_text(&pa, type);
    return one_blob(s, q, &pa, blob);
}

/* ---- the lifecycle's machine columns ----------------------------------- */

static store_rc pg_machine_get_head(store *s, uint64_t serial, char *out,
                                    size_t outlen)
{
    static const char q[] = "SELECT head FROM machines WHERE serial = $1";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) == 1) {
        snprintf(out, outlen, "%s",
                 PQgetisnull(r, 0, 0) ? "unknown" : PQgetvalue(r, 0, 0));
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_machine_set_home_offset(store *s, uint64_t serial,
                                           int64_t dx, int64_t dy)
{
    static const char q[] = "UPDATE machines SET home_dx = $1, home_dy = $2 "
                            "WHERE serial = $3";
    struct params pa = {0};
    p_int(&pa, dx);
    p_int(&pa, dy);
    p_int(&pa, (int64_t)serial);
    return change_one(s, q, &pa, STORE_NOT_FOUND);
}

static store_rc pg_machine_get_home_offset(store *s, uint64_t serial,
                                           int64_t *dx, int64_t *dy)
{
    static const char q[] = "SELECT home_dx, home_dy FROM machines WHERE "
                            "serial = $1";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) == 1) {
        *dx = val_int(r, 0, 0);
        *dy = val_int(r, 0, 1);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_apikey_find(store *s, const uint8_t hash[32], int64_t *id)
{
    static const char q[] = "SELECT id FROM apikeys WHERE hash = $1 AND "
                            "revoked = 0";
    struct params pa = {0};
    p_hash(&pa, hash);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        *id = val_int(r, 0, 0);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_log_find(store *s, uint64_t serial, const char *needle,
                            char *out, size_t outlen)
{
    static const char q[] = "SELECT text FROM logs WHERE serial = $1 AND "
                            "strpos(text, $2) > 0 ORDER BY id DESC LIMIT 1";
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    p_text(&pa, needle);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        snprintf(out, outlen, "%s", PQgetvalue(r, 0, 0));
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

/* ---- jobs -------------------------------------------------------------- */

#define JOB_COLS                                                               \
    "id, serial, name, state, reason, created_by, file, preview, params,"      \
    " stats, actions, print_action, progress, created, queued_at, started,"    \
    " finished, button_at"

static char *dup_val(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : strdup(PQgetvalue(r, row, col));
}

static void job_from_row(const PGresult *r, store_job *j)
{
    memset(j, 0, sizeof(*j));
    j->id = val_int(r, 0, 0);
    j->serial = (uint64_t)val_int(r, 0, 1);
    struct {
        char *out;
        size_t len;
    } texts[] = {
        {j->name, sizeof(j->name)},     {j->state, sizeof(j->state)},
        {j->reason, sizeof(j->reason)}, {j->created_by, sizeof(j->created_by)},
        {j->file, sizeof(j->file)},     {j->preview, sizeof(j->preview)}};
    for (int i = 0; i < 6; i++)
        snprintf(texts[i].out, texts[i].len, "%s", PQgetvalue(r, 0, 2 + i));
    j->params = dup_val(r, 0, 8);
    j->stats = dup_val(r, 0, 9);
    j->actions = dup_val(r, 0, 10);
    int64_t *ints[] = {&j->print_action, &j->progress, &j->created,
                       &j->queued_at,    &j->started,  &j->finished,
                       &j->button_at};
    for (int i = 0; i < 7; i++)
        *ints[i] = val_int(r, 0, 11 + i);
}

/* Every column but id, as $1..$17 in JOB_COLS's order. */
static void job_params(struct params *pa, const store_job *j)
{
    p_int(pa, (int64_t)j->serial);
    const char *texts[] = {j->name,       j->state, j->reason,
                           j->created_by, j->file,  j->preview,
                           j->params,     j->stats, j->actions};
    for (int i = 0; i < 9; i++)
        p_text(pa, texts[i]);
    const int64_t ints[] = {j->print_action, j->progress, j->created,
                            j->queued_at,    j->started,  j->finished,
                            j->button_at};
    for (int i = 0; i < 7; i++)
        p_int(pa, ints[i]);
}

static store_rc pg_job_add(store *s, store_job *j)
{
    static const char q[] =
        "INSERT INTO jobs(serial, name, state, reason, created_by, file, "
        "preview, params, stats, actions, print_action, progress, created, "
        "queued_at, started, finished, button_at) VALUES($1, $2, $3, $4, $5, "
        "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id";
    struct params pa = {0};
    job_params(&pa, j);
    PGresult *r = run(s, q, &pa, 1);
    if (!r)
        return STORE_ERROR;
    j->id = val_int(r, 0, 0);
    PQclear(r);
    return STORE_OK;
}

static store_rc pg_job_put(store *s, const store_job *j)
{
    static const char q[] =
        "UPDATE jobs SET serial = $1, name = $2, state = $3, reason = $4, "
        "created_by = $5, file = $6, preview = $7, params = $8, stats = $9, "
        "actions = $10, print_action = $11, progress = $12, created = $13, "
        "queued_at = $14, started = $15, finished = $16, button_at = $17 "
        "WHERE id = $18";
    struct params pa = {0};
    job_params(&pa, j);
    p_int(&pa, j->id);
    return change_one(s, q, &pa, STORE_NOT_FOUND);
}

/* The first job `sql` selects by its one integer parameter. */
static store_rc one_job(store *s, const char *sql, int64_t key, store_job *out)
{
    struct params pa = {0};
    p_int(&pa, key);
    PGresult *r = run(s, sql, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        job_from_row(r, out);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_job_get(store *s, int64_t id, store_job *out)
{
    static const char q[] = "SELECT " JOB_COLS " FROM jobs WHERE id = $1";
    return one_job(s, q, id, out);
}

static store_rc pg_job_by_action(store *s, int64_t action_id, store_job *out)
{
    static const char q[] = "SELECT " JOB_COLS " FROM jobs WHERE "
                            "print_action = $1 AND print_action != 0";
    return one_job(s, q, action_id, out);
}

static store_rc pg_job_first(store *s, uint64_t serial, store_job *out)
{
    static const char q[] =
        "SELECT " JOB_COLS " FROM jobs WHERE serial = $1 AND state IN "
        "('sending', 'waiting_for_button', 'running', 'queued', "
        "'waiting_for_home') ORDER BY state IN ('queued', "
        "'waiting_for_home'), id LIMIT 1";
    return one_job(s, q, (int64_t)serial, out);
}

static store_rc pg_job_active(store *s, uint64_t serial, store_job *out)
{
    static const char q[] =
        "SELECT " JOB_COLS " FROM jobs WHERE serial = $1 AND state IN "
        "('sending', 'waiting_for_button', 'running') ORDER BY id LIMIT 1";
    return one_job(s, q, (int64_t)serial, out);
}

static json_t *pg_job_list(store *s, uint64_t serial, const char *state,
                           int64_t since, int limit)
{
    static const char q[] =
        "SELECT id, serial, name, state, reason, created_by, created, "
        "started, finished FROM jobs WHERE ($1::bigint = 0 OR serial = "
        "$1::bigint) AND ($2::text IS NULL OR state = $2::text) AND created "
        ">= $3 ORDER BY id DESC LIMIT $4";
    static const char *const names[] = {
        "id",         "serial",  "name",    "state",    "reason",
        "created_by", "created", "started", "finished", NULL};
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    p_text(&pa, state);
    p_int(&pa, since);
    p_int(&pa, limit);
    PGresult *r = run(s, q, &pa, 0);
    return r ? rows_json(r, names) : NULL;
}

static int pg_job_reconcile(store *s, int64_t now)
{
    /* Jobs are shared by every node: only what no node can carry on (the
     * same restart rule as store_sqlite.c's, for a single node). */
    static const char q[] =
        "UPDATE jobs SET state = 'failed', reason = 'service restarted "
        "while the job was ' || replace(state, '_', ' '), finished = $1 WHERE "
        "state IN ('compiling', 'sending', 'waiting_for_button', 'running')";
    struct params pa = {0};
    long n = 0;
    p_int(&pa, now);
    if (write_rows(s, q, &pa, &n) != STORE_OK)
        return STORE_ERROR;
    return (int)n;
}

/* ---- audit ------------------------------------------------------------- */

static store_rc pg_audit_add(store *s, int64_t at, const char *who,
                             const char *from, const char *what,
                             const char *target, const char *detail)
{
    static const char q[] = "INSERT INTO audit(at, who, peer, what, target, "
                            "detail) VALUES($1, $2, $3, $4, $5, $6)";
    struct params pa = {0};
    p_int(&pa, at);
    const char *texts[] = {who, from, what, target, detail};
    for (int i = 0; i < 5; i++)
        p_text(&pa, texts[i]);
    return write_rows(s, q, &pa, NULL);
}

static json_t *pg_audit_list(store *s, int64_t since, int limit)
{
    static const char q[] = "SELECT id, at, who, peer, what, target, detail "
                            "FROM audit WHERE id > $1 ORDER BY id LIMIT $2";
    static const char *const names[] = {"cursor", "at",     "who", "from",
                                        "what",   "target", NULL};
    struct params pa = {0};
    p_int(&pa, since);
    p_int(&pa, limit);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return NULL;
    json_t *arr = json_array();
    for (int row = 0; row < PQntuples(r); row++) {
        json_t *e = json_object();
        for (int i = 0; names[i]; i++)
            json_object_set_new(e, names[i],
                                col_is_int(r, i) ? col_int(r, row, i)
                                                 : col_text(r, row, i));
        json_object_set_new(e, "detail", col_json(r, row, 6));
        json_array_append_new(arr, e);
    }
    PQclear(r);
    return arr;
}

/* ---- materials and flags ----------------------------------------------- */

static store_rc pg_material_put(store *s, const char *name, const json_t *doc,
                                int create_only)
{
    static const char ins[] = "INSERT INTO materials(name, doc) VALUES($1, "
                              "$2) ON CONFLICT DO NOTHING";
    static const char rep[] = "INSERT INTO materials(name, doc) VALUES($1, "
                              "$2) ON CONFLICT (name) DO UPDATE SET doc = "
                              "excluded.doc";
    char *text = json_dumps(doc, JSON_COMPACT);
    if (!text)
        return STORE_ERROR;
    struct params pa = {0};
    p_text(&pa, name);
    p_text(&pa, text);
    store_rc rc = change_one(s, create_only ? ins : rep, &pa, STORE_ALREADY);
    free(text);
    return rc;
}

static store_rc pg_material_get(store *s, const char *name, json_t **doc)
{
    static const char q[] = "SELECT doc FROM materials WHERE name = $1";
    struct params pa = {0};
    p_text(&pa, name);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        *doc = col_json(r, 0, 0);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_material_delete(store *s, const char *name)
{
    static const char q[] = "DELETE FROM materials WHERE name = $1";
    struct params pa = {0};
    p_text(&pa, name);
    return change_one(s, q, &pa, STORE_NOT_FOUND);
}

static json_t *pg_material_list(store *s)
{
    static const char q[] = "SELECT doc FROM materials ORDER BY name";
    struct params pa = {0};
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return NULL;
    json_t *arr = json_array();
    for (int i = 0; i < PQntuples(r); i++)
        json_array_append_new(arr, col_json(r, i, 0));
    PQclear(r);
    return arr;
}

static store_rc pg_flag_get(store *s, const char *name)
{
    static const char q[] = "SELECT 1 FROM flags WHERE name = $1";
    struct params pa = {0};
    p_text(&pa, name);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = PQntuples(r) > 0 ? STORE_OK : STORE_NOT_FOUND;
    PQclear(r);
    return rc;
}

static store_rc pg_flag_set(store *s, const char *name)
{
    static const char q[] = "INSERT INTO flags(name) VALUES($1) ON CONFLICT "
                            "DO NOTHING";
    struct params pa = {0};
    p_text(&pa, name);
    return write_rows(s, q, &pa, NULL);
}

/* ---- the lid camera's calibration ------------------------------------- */

/* `len` bytes as bytea's hex input form (\x and two digits a byte), in a
 * malloc'd string: the parameters are text, and a calibration is about
 * 140 kB. */
static char *bytea_hex(const uint8_t *b, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    char *t = malloc(2 * len + 3);
    if (!t)
        return NULL;
    t[0] = '\\';
    t[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        t[2 + 2 * i] = digits[b[i] >> 4];
        t[3 + 2 * i] = digits[b[i] & 15];
    }
    t[2 + 2 * len] = '\0';
    return t;
}

static store_rc pg_camera_put(store *s, uint64_t serial, const store_camera *c)
{
    static const char q[] =
        "INSERT INTO cameras(serial, ref_x, ref_y, calibrated, figures, blob) "
        "SELECT serial, $2, $3, $4, $5, $6::bytea FROM machines WHERE serial "
        "= $1 ON CONFLICT (serial) DO UPDATE SET ref_x = excluded.ref_x, "
        "ref_y = excluded.ref_y, calibrated = excluded.calibrated, figures = "
        "excluded.figures, blob = excluded.blob";
    char *hex = bytea_hex(c->blob, c->len);
    if (!hex)
        return STORE_ERROR;
    struct params pa = {0};
    p_int(&pa, (int64_t)serial);
    p_int(&pa, c->ref_x);
    p_int(&pa, c->ref_y);
    p_int(&pa, c->calibrated);
    p_text(&pa, c->figures);
    p_text(&pa, hex);
    store_rc rc = change_one(s, q, &pa, STORE_NOT_FOUND);
    free(hex);
    return rc;
}

static store_rc pg_camera_get(store *s, uint64_t serial, store_camera *out,
                              int with_blob)
{
    static const char q[] = "SELECT ref_x, ref_y, calibrated, figures, CASE "
                            "WHEN $2 THEN blob END FROM cameras WHERE serial "
                            "= $1";
    struct params pa = {0};
    memset(out, 0, sizeof(*out));
    p_int(&pa, (int64_t)serial);
    p_text(&pa, with_blob ? "true" : "false");
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) == 1) {
        out->ref_x = val_int(r, 0, 0);
        out->ref_y = val_int(r, 0, 1);
        out->calibrated = val_int(r, 0, 2);
        snprintf(out->figures, sizeof(out->figures), "%s",
                 PQgetisnull(r, 0, 3) ? "{}" : PQgetvalue(r, 0, 3));
        rc = STORE_OK;
    }
    if (rc == STORE_OK && with_blob) {
        size_t n = 0;
        unsigned char *b =
            PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 4), &n);
        out->blob = b && n ? malloc(n) : NULL;
        if (out->blob) {
            memcpy(out->blob, b, n);
            out->len = n;
        } else {
            rc = STORE_ERROR;
        }
        PQfreemem(b);
    }
    PQclear(r);
    return rc;
}

/* ---- metrics and webhooks --------------------------------------------- */

static json_t *pg_job_counts(store *s)
{
    static const char q[] = "SELECT state, count(*) FROM jobs GROUP BY state";
    struct params pa = {0};
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return NULL;
    json_t *o = json_object();
    for (int i = 0; i < PQntuples(r); i++)
        json_object_set_new(o, PQgetvalue(r, i, 0),
                            json_integer(val_int(r, i, 1)));
    PQclear(r);
    return o;
}

/* An INSERT ... RETURNING id: STORE_OK with *id, or STORE_ERROR. */
static store_rc insert_id(store *s, const char *sql, const struct params *pa,
                          int64_t *id)
{
    PGresult *r = run(s, sql, pa, 1);
    if (!r)
        return STORE_ERROR;
    store_rc rc = PQntuples(r) == 1 ? STORE_OK : STORE_ERROR;
    if (rc == STORE_OK)
        *id = val_int(r, 0, 0);
    PQclear(r);
    return rc;
}

static store_rc pg_webhook_add(store *s, const char *url, const char *events,
                               const char *secret, int64_t now, int64_t *id)
{
    static const char q[] = "INSERT INTO webhooks(url, events, secret, "
                            "created) VALUES($1, $2, $3, $4) RETURNING id";
    struct params pa = {0};
    p_text(&pa, url);
    p_text(&pa, events);
    p_text(&pa, secret);
    p_int(&pa, now);
    return insert_id(s, q, &pa, id);
}

static json_t *pg_webhook_list(store *s, int with_secret)
{
    static const char q[] = "SELECT id, url, events, created, CASE WHEN $1 "
                            "THEN secret END FROM webhooks ORDER BY id";
    static const char *const names[] = {"id",      "url",     "events",
                                        "created", "?secret", NULL};
    struct params pa = {0};
    p_text(&pa, with_secret ? "true" : "false");
    PGresult *r = run(s, q, &pa, 0);
    return r ? rows_json(r, names) : NULL;
}

static store_rc pg_webhook_remove(store *s, int64_t id)
{
    static const char q[] = "DELETE FROM webhooks WHERE id = $1";
    static const char drop[] = "UPDATE webhook_deliveries SET state = "
                               "'dropped' WHERE webhook_id = $1 AND state = "
                               "'pending'";
    struct params pa = {0};
    p_int(&pa, id);
    store_rc rc = change_one(s, q, &pa, STORE_NOT_FOUND);
    if (rc != STORE_OK)
        return rc;
    return write_rows(s, drop, &pa, NULL);
}

static store_rc pg_delivery_add(store *s, int64_t webhook_id, const char *event,
                                const char *body, int64_t now_ms, int64_t *id)
{
    static const char q[] = "INSERT INTO webhook_deliveries(webhook_id, event, "
                            "body, state, created, next_try) VALUES($1, $2, "
                            "$3, 'pending', $4, $4) RETURNING id";
    struct params pa = {0};
    p_int(&pa, webhook_id);
    p_text(&pa, event);
    p_text(&pa, body);
    p_int(&pa, now_ms);
    return insert_id(s, q, &pa, id);
}

/* One statement takes the delivery, so that two nodes never take the same
 * one (SKIP LOCKED: the other takes the next). */
static store_rc pg_delivery_take(store *s, int64_t now_ms, int64_t lease_ms,
                                 store_delivery *out, int64_t *next_ms)
{
    static const char q[] =
        "UPDATE webhook_deliveries d SET next_try = $2, sending = 1 FROM "
        "webhooks w WHERE w.id = d.webhook_id AND d.id = (SELECT y.id FROM "
        "webhook_deliveries y WHERE y.state = 'pending' AND y.next_try <= $1 "
        "AND NOT EXISTS (SELECT 1 FROM webhook_deliveries x WHERE "
        "x.webhook_id = y.webhook_id AND x.state = 'pending' AND x.sending = "
        "1 AND x.next_try > $1) ORDER BY y.next_try, y.id LIMIT 1 FOR UPDATE "
        "SKIP LOCKED) RETURNING d.id, d.webhook_id, w.url, w.secret, d.event, "
        "d.body, d.attempts";
    static const char next[] = "SELECT coalesce(min(next_try), 0) FROM "
                               "webhook_deliveries WHERE state = 'pending'";
    struct params pa = {0};
    memset(out, 0, sizeof(*out));
    *next_ms = 0;
    p_int(&pa, now_ms);
    p_int(&pa, lease_ms);
    PGresult *r = run(s, q, &pa, 1);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) == 1) {
        out->id = val_int(r, 0, 0);
        out->webhook_id = val_int(r, 0, 1);
        snprintf(out->url, sizeof(out->url), "%s", PQgetvalue(r, 0, 2));
        snprintf(out->secret, sizeof(out->secret), "%s", PQgetvalue(r, 0, 3));
        snprintf(out->event, sizeof(out->event), "%s", PQgetvalue(r, 0, 4));
        out->body = strdup(PQgetvalue(r, 0, 5));
        out->attempts = (int)val_int(r, 0, 6);
        rc = out->body ? STORE_OK : STORE_ERROR;
    }
    PQclear(r);
    struct params none = {0};
    r = run(s, next, &none, 0);
    if (r && PQntuples(r) == 1)
        *next_ms = val_int(r, 0, 0);
    PQclear(r);
    return rc;
}

static store_rc pg_delivery_attempt(store *s, int64_t id, int64_t at_ms,
                                    int status, const char *error,
                                    int64_t took_ms, const char *state,
                                    int64_t next_ms)
{
    static const char q[] = "INSERT INTO webhook_attempts(delivery_id, at, "
                            "status, error, took_ms) VALUES($1, $2, $3, $4, "
                            "$5)";
    static const char upd[] = "UPDATE webhook_deliveries SET attempts = "
                              "attempts + 1, state = $1, next_try = $2, "
                              "sending = 0 WHERE id = $3";
    struct params pa = {0}, pu = {0};
    p_int(&pa, id);
    p_int(&pa, at_ms);
    p_int(&pa, status);
    p_text(&pa, error);
    p_int(&pa, took_ms);
    p_text(&pu, state);
    p_int(&pu, next_ms);
    p_int(&pu, id);
    store_rc rc = change_one(s, upd, &pu, STORE_NOT_FOUND);
    return rc == STORE_OK ? write_rows(s, q, &pa, NULL) : rc;
}

static json_t *pg_delivery_list(store *s, int64_t webhook_id, int limit)
{
    static const char q[] =
        "SELECT id, webhook_id, event, state, created, next_try FROM "
        "webhook_deliveries WHERE ($1 = 0 OR webhook_id = $1) ORDER BY id "
        "DESC LIMIT $2";
    static const char tries[] = "SELECT at, status, error, took_ms FROM "
                                "webhook_attempts WHERE delivery_id = $1 "
                                "ORDER BY id";
    static const char *const names[] = {"id",      "webhook",  "event", "state",
                                        "created", "next_try", NULL};
    static const char *const tnames[] = {"at", "status", "error", "took_ms",
                                         NULL};
    struct params pa = {0};
    p_int(&pa, webhook_id);
    p_int(&pa, limit);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return NULL;
    json_t *arr = rows_json(r, names);
    size_t i;
    json_t *d;
    json_array_foreach(arr, i, d)
    {
        struct params pt = {0};
        p_int(&pt, json_integer_value(json_object_get(d, "id")));
        r = run(s, tries, &pt, 0);
        if (!r) {
            json_decref(arr);
            return NULL;
        }
        json_object_set_new(d, "attempts", rows_json(r, tnames));
    }
    return arr;
}

/* ---- users, key owners, sessions ------------------------------------- */

static void copy_val(const PGresult *r, int row, int col, char *out,
                     size_t outlen)
{
    snprintf(out, outlen, "%s",
             PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

static store_rc pg_user_add(store *s, const char *name, const char *role,
                            const char *pwhash, int64_t now)
{
    static const char q[] = "INSERT INTO users(name, role, pw_hash, created) "
                            "VALUES($1, $2, $3, $4) ON CONFLICT DO NOTHING";
    struct params pa = {0};
    p_text(&pa, name);
    p_text(&pa, role);
    p_text(&pa, pwhash);
    p_int(&pa, now);
    return change_one(s, q, &pa, STORE_ALREADY);
}

static store_rc pg_user_get(store *s, const char *name, char role[16],
                            char pwhash[128])
{
    static const char q[] = "SELECT role, pw_hash FROM users WHERE name = $1";
    struct params pa = {0};
    p_text(&pa, name);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        copy_val(r, 0, 0, role, 16);
        copy_val(r, 0, 1, pwhash, 128);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_user_set_password(store *s, const char *name,
                                     const char *pwhash)
{
    static const char q[] = "UPDATE users SET pw_hash = $1 WHERE name = $2";
    struct params pa = {0};
    p_text(&pa, pwhash);
    p_text(&pa, name);
    return change_one(s, q, &pa, STORE_NOT_FOUND);
}

static store_rc pg_user_remove(store *s, const char *name)
{
    static const char keys[] = "UPDATE apikeys SET revoked = 1 WHERE owner "
                               "= $1";
    static const char sess[] = "DELETE FROM sessions WHERE owner = $1";
    static const char user[] = "DELETE FROM users WHERE name = $1";
    struct params pa = {0};
    p_text(&pa, name);
    /* Committed (or rolled back) even when BEGIN failed: it counts
     * itself. */
    store_rc rc = pg_begin(s);
    if (rc == STORE_OK)
        rc = write_rows(s, keys, &pa, NULL);
    if (rc == STORE_OK)
        rc = write_rows(s, sess, &pa, NULL);
    if (rc == STORE_OK)
        rc = change_one(s, user, &pa, STORE_NOT_FOUND);
    if (pg_commit(s) != STORE_OK)
        return STORE_ERROR;
    return rc;
}

static json_t *pg_user_list(store *s)
{
    static const char q[] = "SELECT name, role, created FROM users ORDER BY "
                            "name";
    static const char *const names[] = {"name", "role", "created", NULL};
    struct params pa = {0};
    PGresult *r = run(s, q, &pa, 0);
    return r ? rows_json(r, names) : NULL;
}

static store_rc pg_apikey_add_owned(store *s, const uint8_t hash[32],
                                    const char *user, const char *role,
                                    int64_t now, int64_t *id)
{
    static const char q[] = "INSERT INTO apikeys(hash, created, owner, role) "
                            "VALUES($1, $2, $3, $4) RETURNING id";
    struct params pa = {0};
    p_hash(&pa, hash);
    p_int(&pa, now);
    p_text(&pa, user);
    p_text(&pa, role);
    return insert_id(s, q, &pa, id);
}

static store_rc pg_apikey_principal(store *s, const uint8_t hash[32],
                                    store_principal *out)
{
    static const char q[] =
        "SELECT k.id, k.owner, k.role, u.role FROM apikeys k LEFT JOIN users "
        "u ON u.name = k.owner WHERE k.hash = $1 AND k.revoked = 0 AND "
        "(k.owner IS NULL OR u.name IS NOT NULL)";
    struct params pa = {0};
    memset(out, 0, sizeof(*out));
    p_hash(&pa, hash);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        out->key_id = val_int(r, 0, 0);
        copy_val(r, 0, 1, out->user, sizeof(out->user));
        copy_val(r, 0, 2, out->role, sizeof(out->role));
        copy_val(r, 0, 3, out->user_role, sizeof(out->user_role));
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_session_add(store *s, const uint8_t hash[32],
                               const char *user, const char *csrf, int64_t now)
{
    static const char q[] = "INSERT INTO sessions(hash, owner, csrf, "
                            "created, used) VALUES($1, $2, $3, $4, $4)";
    struct params pa = {0};
    p_hash(&pa, hash);
    p_text(&pa, user);
    p_text(&pa, csrf);
    p_int(&pa, now);
    return write_rows(s, q, &pa, NULL);
}

static store_rc pg_session_get(store *s, const uint8_t hash[32],
                               int64_t used_since, store_principal *out)
{
    static const char q[] =
        "SELECT s.owner, u.role, s.csrf, s.used FROM sessions s JOIN users u "
        "ON u.name = s.owner WHERE s.hash = $1 AND s.used >= $2";
    struct params pa = {0};
    memset(out, 0, sizeof(*out));
    p_hash(&pa, hash);
    p_int(&pa, used_since);
    PGresult *r = run(s, q, &pa, 0);
    if (!r)
        return STORE_ERROR;
    store_rc rc = STORE_NOT_FOUND;
    if (PQntuples(r) > 0) {
        copy_val(r, 0, 0, out->user, sizeof(out->user));
        copy_val(r, 0, 1, out->user_role, sizeof(out->user_role));
        copy_val(r, 0, 1, out->role, sizeof(out->role));
        copy_val(r, 0, 2, out->csrf, sizeof(out->csrf));
        out->used = val_int(r, 0, 3);
        rc = STORE_OK;
    }
    PQclear(r);
    return rc;
}

static store_rc pg_session_touch(store *s, const uint8_t hash[32], int64_t now)
{
    static const char q[] = "UPDATE sessions SET used = $1 WHERE hash = $2";
    struct params pa = {0};
    p_int(&pa, now);
    p_hash(&pa, hash);
    return write_rows(s, q, &pa, NULL);
}

static store_rc pg_session_remove(store *s, const uint8_t hash[32])
{
    static const char q[] = "DELETE FROM sessions WHERE hash = $1";
    struct params pa = {0};
    p_hash(&pa, hash);
    return change_one(s, q, &pa, STORE_NOT_FOUND);
}

static int pg_session_prune(store *s, int64_t used_before)
{
    static const char q[] = "DELETE FROM sessions WHERE used < $1";
    struct params pa = {0};
    long n = 0;
    p_int(&pa, used_before);
    if (write_rows(s, q, &pa, &n) != STORE_OK)
        return STORE_ERROR;
    return (int)n;
}

static const store_ops pg_ops = {
    .close = pg_close,
#define STORE_OP(ret, name, params, args) .name = pg_##name,
#include "store_ops.h"
#undef STORE_OP
};

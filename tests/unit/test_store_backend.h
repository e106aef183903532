/* test_store_backend.h - open the store a test runs against: SQLite in a
 * temporary folder, or, when GF_TEST_STORE=postgresql, a fresh database on
 * the throwaway server scripts/pg-test-server.sh started (its state file
 * in GF_TEST_PG_STATE; ctest's fixture "pg" sets both). One test binary
 * thus runs as test_cloud_store and as test_cloud_store_pg. */
#ifndef TEST_STORE_BACKEND_H
#define TEST_STORE_BACKEND_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"

struct test_store {
    char where[900]; /* the SQLite path, or the database's conninfo */
    char dbname[64]; /* PostgreSQL only */
    int pg;
};

/* The conninfo line of the server's state file, or "" (and a message). */
static inline void test_pg_admin(char *out, size_t len)
{
    const char *state = getenv("GF_TEST_PG_STATE");
    FILE *f = state ? fopen(state, "r") : NULL;
    char line[768];
    out[0] = '\0';
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "conninfo=", 9) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, len, "%s", line + 9);
        }
    }
    if (f)
        fclose(f);
    if (!out[0])
        fprintf(stderr, "no PostgreSQL test server (GF_TEST_PG_STATE=%s)\n",
                state ? state : "(unset)");
}

/* Run one statement on the server's admin database; 0 or -1. */
static inline int test_pg_admin_exec(const char *sql)
{
    char admin[768];
    test_pg_admin(admin, sizeof(admin));
    if (!admin[0])
        return -1;
    PGconn *c = PQconnectdb(admin);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    return ok ? 0 : -1;
}

static inline int test_store_is_pg(void)
{
    const char *b = getenv("GF_TEST_STORE");
    return b && strcmp(b, "postgresql") == 0;
}

/* Choose where the store lives (a fresh, empty one); 0 or -1. */
static inline int test_store_make(struct test_store *t, const char *dir)
{
    static int n;
    memset(t, 0, sizeof(*t));
    t->pg = test_store_is_pg();
    if (!t->pg) {
        snprintf(t->where, sizeof(t->where), "%s/db", dir);
        return 0;
    }
    char admin[768], sql[128];
    test_pg_admin(admin, sizeof(admin));
    snprintf(t->dbname, sizeof(t->dbname), "gfunit_%ld_%d", (long)getpid(),
             n++);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", t->dbname);
    if (!admin[0] || test_pg_admin_exec(sql) != 0)
        return -1;
    snprintf(t->where, sizeof(t->where), "%s dbname=%s", admin, t->dbname);
    return 0;
}

static inline store_rc test_store_open(const struct test_store *t, store **out)
{
    char err[256];
    store_rc rc = t->pg ? store_open_pg(out, t->where, err, sizeof(err))
                        : store_open_sqlite(out, t->where, 0, err, sizeof(err));
    if (rc != STORE_OK)
        fprintf(stderr, "store_open: %s\n", err);
    return rc;
}

/* After the stores on it are closed: drop the database. */
static inline void test_store_drop(struct test_store *t)
{
    char sql[128];
    if (!t->pg)
        return;
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
             t->dbname);
    test_pg_admin_exec(sql);
}

#endif

/* store.h - gfcloud's durable state, behind a narrow interface so that a
 * second backend (PostgreSQL, store_pg.c) can sit beside store_sqlite.c.
 *
 * Calls return 0 on success, 1 for "not found" / "already" where noted, and
 * -1 on a database error (logged). Lists come back as jansson values ready
 * for the REST API (new references). */
#ifndef CLOUD_STORE_H
#define CLOUD_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct store store;

typedef struct store_action {
    int64_t id;
    uint64_t serial;
    char type[32];
    char state[16]; /* queued sent cancelling completed cancelled failed
                       interrupted expired */
    int stage;
    char file[65]; /* job file id, or "" */
    char *params;  /* JSON object text of extra action fields, or NULL */
    int64_t created, sent_at, expires_at;
} store_action;

void store_action_free(store_action *a); /* frees params only */

int store_open(store **out, const char *path, int sync_full, char *err,
               size_t errlen);
void store_close(store *s);
/* Group hot-path writes (one WebSocket frame) into one transaction. */
int store_begin(store *s);
int store_commit(store *s);
/* Writes that failed since the store opened (each one is also logged), and
 * whether the last failure was a full disk (SQLITE_FULL or an I/O error):
 * an HTTP caller answers 507 "disk_full" then, 500 otherwise. */
uint64_t store_lost_writes(const store *s);
int store_last_full(const store *s);

/* machines */
int store_machine_add(store *s, uint64_t serial, const uint8_t hash[32],
                      int64_t now); /* 1: exists */
int store_machine_hash(store *s, uint64_t serial, uint8_t hash[32]); /* 1 */
int store_machine_remove(store *s, uint64_t serial);                 /* 1 */
json_t *store_machine_list(store *s);
json_t *store_machine_get(store *s, uint64_t serial); /* NULL: none */
int store_machine_seen(store *s, uint64_t serial, int64_t now);
int store_machine_progress(store *s, uint64_t serial, const char *json);
int store_machine_settings(store *s, uint64_t serial, const char *values,
                           const char *form);
int store_machine_head(store *s, uint64_t serial, const char *head);
int store_machine_malformed(store *s, uint64_t serial);

/* API keys */
int store_apikey_add(store *s, const uint8_t hash[32], int64_t now,
                     int64_t *id);
int store_apikey_valid(store *s, const uint8_t hash[32]); /* 1 valid */
json_t *store_apikey_list(store *s);
int store_apikey_revoke(store *s, int64_t id); /* 1: no such key */

/* actions */
int store_action_add(store *s, store_action *a);               /* sets a->id */
int store_action_get(store *s, int64_t id, store_action *out); /* 1 */
/* Oldest queued action for `serial` (higher priority first). 1: none. */
int store_action_next(store *s, uint64_t serial, store_action *out);
int store_action_sent(store *s, int64_t id, int64_t now);
int store_action_stage(store *s, int64_t id, int stage);
int store_action_state(store *s, int64_t id, const char *state);
int store_action_finish(store *s, int64_t id, const char *state,
                        const char *reason, int64_t now);
int store_action_cancel_pending(store *s, int64_t id, int pending);
typedef void (*store_action_cb)(void *ud, int64_t id, const char *type);
int store_action_each_cancel_pending(store *s, uint64_t serial,
                                     store_action_cb cb, void *ud);
/* After a restart: every sent/cancelling action becomes interrupted with a
 * cancel pending. Returns the count or -1. */
int store_action_reconcile(store *s, int64_t now);
/* The signed upload URL is single use: 0 first time, 1 used already. */
int store_action_upload_use(store *s, int64_t id);
json_t *store_action_json(store *s, int64_t id); /* with events; NULL */
json_t *store_action_list(store *s, uint64_t serial, int limit);

/* what machines send */
int store_event_add(store *s, uint64_t serial, int has_action,
                    int64_t action_id, int64_t seq, int64_t ts,
                    const char *event, const char *level, const char *log,
                    int64_t now);
int store_log_add(store *s, uint64_t serial, int64_t seq, int64_t ts,
                  const char *level, const char *text, int64_t now);
json_t *store_logs(store *s, uint64_t serial, int64_t since, int limit);
/* Every event of a machine (with or without an action), oldest first. */
json_t *store_events(store *s, uint64_t serial, int64_t since, int limit);

/* job files and images */
typedef struct store_file {
    int64_t size;    /* stored (gzip) bytes */
    int64_t payload; /* ticks */
    int64_t stfr;
    uint64_t mcsn; /* the serial the job is locked to, 0 = any */
} store_file;
int store_file_add(store *s, const char *id, const store_file *f, int64_t now);
int store_file_get(store *s, const char *id, store_file *out); /* 1 */
/* The copy of unlocked job file `file` locked to machine `serial`
 * (files_lock_copy): made once per (file, serial), then reused. */
int store_file_lock_add(store *s, const char *file, uint64_t serial,
                        const char *blob, int64_t now);
int store_file_lock_get(store *s, const char *file, uint64_t serial,
                        char blob[65]); /* 1: none yet */
int store_image_add(store *s, int64_t action_id, uint64_t serial,
                    const char *type, const char *blob, int64_t size,
                    int64_t now);
int store_image_latest(store *s, uint64_t serial, const char *type,
                       char blob[65]); /* 1 */

#endif

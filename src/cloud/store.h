/* store.h - gfcloud's durable state, behind a narrow interface with two
 * backends: SQLite (store_sqlite.c, the embedded default) and PostgreSQL
 * (store_pg.c, shared by several nodes). A call added here is also added to
 * store_ops.h, and then every backend must implement it.
 *
 * Calls return a store_rc: STORE_OK, one of the two named misses where a
 * call's comment says so, or STORE_ERROR on a database error (logged).
 * Counts (reconcile, each_cancel_pending) are >= 0 or STORE_ERROR. Lists
 * come back as jansson values ready for the REST API (new references),
 * NULL on a database error. Setters are named for what they do
 * (set_, mark_, count_). */
#ifndef CLOUD_STORE_H
#define CLOUD_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct store store;

/* Like libgf's gf_err, negative is an error; the misses are positive
 * because they are answers, not failures (a 404, a 409, "already there"). */
typedef enum store_rc {
    STORE_ERROR = -1,    /* database error (logged, counted if a write) */
    STORE_OK = 0,        /* done, or found */
    STORE_NOT_FOUND = 1, /* no such row */
    STORE_ALREADY = 2,   /* already there, or already so: nothing changed */
} store_rc;

typedef struct store_action {
    int64_t id;
    uint64_t serial;
    char type[32];
    char state[16]; /* queued sent cancelling completed cancelled failed
                       interrupted expired */
    int stage;
    char file[65]; /* job file id, or "" */
    char *params;  /* JSON object text of extra action fields, or NULL */
    int priority;  /* queue order: higher first; settings always first */
    int64_t created, sent_at, expires_at;
} store_action;

void store_action_free(store_action *a); /* frees params only */

/* The embedded backend: the SQLite file at `path` (store_sqlite.c). */
store_rc store_open_sqlite(store **out, const char *path, int sync_full,
                           char *err, size_t errlen);
/* The shared backend: the PostgreSQL database libpq's `conninfo` names
 * (a "postgresql://" URL or "key=value" words; store_pg.c). Several
 * gfcloud nodes may open the same database. */
store_rc store_open_pg(store **out, const char *conninfo, char *err,
                       size_t errlen);
void store_close(store *s);
/* Group hot-path writes (one WebSocket frame) into one transaction. */
store_rc store_begin(store *s);
store_rc store_commit(store *s);
/* Group commit across frames. store_batch_join() opens one transaction
 * that the WebSocket frames read after it share (their own begin/commit
 * pairs nest inside it) until store_batch_flush() commits it. The service
 * flushes after every pass of its event loop and before anything goes out
 * to a peer (an HTTP answer, a WebSocket message, a webhook), so nothing
 * it answers for or tells anyone about is uncommitted; what a kill -9 can
 * lose is what arrived in the pass it interrupts, as before a frame's own
 * commit. A backend that cannot group (PostgreSQL: one failed statement
 * aborts the whole transaction, so one machine's bad write would void the
 * pass) does nothing, and each frame commits on its own. */
store_rc store_batch_join(store *s);
store_rc store_batch_flush(store *s);
/* Writes that failed since the store opened (each one is also logged), and
 * whether the last failure was a full disk (SQLITE_FULL or an I/O error):
 * an HTTP caller answers 507 "disk_full" then, 500 otherwise. */
uint64_t store_lost_writes(const store *s);
int store_last_full(const store *s);

/* Several nodes on one database (PostgreSQL). `node` names this node
 * (node-name): store_action_mark_sent() records it, and reconcile touches
 * only its actions. A node tells the others something with
 * store_notify() (delivered at the commit of the transaction it is in,
 * to every other node: LISTEN/NOTIFY); store_notify_fd() is the socket to
 * watch for theirs (-1: a store no other node shares, such as SQLite,
 * where store_notify() does nothing), and store_notify_poll() hands each
 * waiting message to `cb` without blocking, returning how many or
 * STORE_ERROR (the connection is lost: watch no more). */
void store_set_node(store *s, const char *node);
const char *store_node(const store *s);
typedef void (*store_notify_cb)(void *ud, const char *msg);
store_rc store_notify(store *s, const char *msg);
int store_notify_fd(store *s);
int store_notify_poll(store *s, store_notify_cb cb, void *ud);
/* Node heartbeats: store_node_beat() says this node is alive at `now`;
 * store_node_reap() takes every other node last heard of before
 * `dead_before` for dead, forgets it, and ends what it had in flight as a
 * restart would (interrupted with a cancel pending, the head position of
 * a machine it was moving unknown, a job it was running failed). Returns
 * how many actions it ended, or STORE_ERROR. A store no other node shares
 * (SQLite) has nothing to do: STORE_OK and 0. */
store_rc store_node_beat(store *s, int64_t now);
int store_node_reap(store *s, int64_t dead_before, int64_t now);

/* machines */
store_rc store_machine_add(store *s, uint64_t serial, const uint8_t hash[32],
                           int64_t now); /* ALREADY: exists */
store_rc store_machine_get_hash(store *s, uint64_t serial,
                                uint8_t hash[32]); /* NOT_FOUND */
/* The id of the machine's current registration (a new one every time it
 * is added); tokens are bound to it. */
store_rc store_machine_get_reg(store *s, uint64_t serial,
                               uint64_t *reg); /* NOT_FOUND */
/* Both of the above in one read (a sign-in needs the two). */
store_rc store_machine_get_login(store *s, uint64_t serial, uint8_t hash[32],
                                 uint64_t *reg); /* NOT_FOUND */
/* Every registered machine's serial and registration, in one statement
 * (the scheduler's recheck of all connected machines: one read for the
 * fleet, not one per machine). How many, or STORE_ERROR. */
typedef void (*store_reg_cb)(void *ud, uint64_t serial, uint64_t reg);
long store_machine_each_reg(store *s, store_reg_cb cb, void *ud);
store_rc store_machine_remove(store *s, uint64_t serial); /* NOT_FOUND */
json_t *store_machine_list(store *s);
json_t *store_machine_get(store *s, uint64_t serial); /* NULL: none */
store_rc store_machine_set_seen(store *s, uint64_t serial, int64_t now);
store_rc store_machine_set_progress(store *s, uint64_t serial,
                                    const char *json);
store_rc store_machine_set_settings(store *s, uint64_t serial,
                                    const char *values, const char *form);
/* The head position: "unknown" or a JSON object (lifecycle.c). */
store_rc store_machine_set_head(store *s, uint64_t serial, const char *head);
store_rc store_machine_get_head(store *s, uint64_t serial, char *out,
                                size_t outlen); /* NOT_FOUND */
/* Where the head is after a manual home, in steps from the rear-left
 * corner (PROTOCOL.md §17; default 0, 0). */
store_rc store_machine_set_home_offset(store *s, uint64_t serial, int64_t dx,
                                       int64_t dy); /* NOT_FOUND */
store_rc store_machine_get_home_offset(store *s, uint64_t serial, int64_t *dx,
                                       int64_t *dy); /* NOT_FOUND */
store_rc store_machine_count_malformed(store *s, uint64_t serial);

/* API keys */
store_rc store_apikey_add(store *s, const uint8_t hash[32], int64_t now,
                          int64_t *id);
store_rc
store_apikey_check(store *s,
                   const uint8_t hash[32]); /* NOT_FOUND: unknown or revoked */
/* The same, and the key's id in *id (who made a job, the audit). */
store_rc store_apikey_find(store *s, const uint8_t hash[32],
                           int64_t *id); /* NOT_FOUND: unknown or revoked */
json_t *store_apikey_list(store *s);
store_rc store_apikey_revoke(store *s, int64_t id); /* NOT_FOUND */

/* actions */
store_rc store_action_add(store *s, store_action *a); /* sets a->id */
store_rc store_action_get(store *s, int64_t id,
                          store_action *out); /* NOT_FOUND */
/* Oldest queued action for `serial` (higher priority first). NOT_FOUND:
 * none. */
store_rc store_action_next(store *s, uint64_t serial, store_action *out);
store_rc store_action_mark_sent(store *s, int64_t id, int64_t now);
store_rc store_action_set_stage(store *s, int64_t id, int stage);
store_rc store_action_set_state(store *s, int64_t id, const char *state);
store_rc store_action_finish(store *s, int64_t id, const char *state,
                             const char *reason, int64_t now);
store_rc store_action_set_cancel_pending(store *s, int64_t id, int pending);
typedef void (*store_action_cb)(void *ud, int64_t id, const char *type);
int store_action_each_cancel_pending(store *s, uint64_t serial,
                                     store_action_cb cb, void *ud);
/* After a restart: every sent/cancelling action this node sent becomes
 * interrupted with a cancel pending (on SQLite, every one: there is one
 * node; on PostgreSQL, those marked sent by this node's name, so other
 * nodes' actions in flight are left alone), and a machine that had a move
 * among them loses its head position. Returns the count or STORE_ERROR. */
int store_action_reconcile(store *s, int64_t now);
/* Every action of `serial` that is sent or cancelling: what another node
 * (or an earlier session) left in flight when the machine connects here.
 * Returns the count or STORE_ERROR. */
int store_action_each_inflight(store *s, uint64_t serial, store_action_cb cb,
                               void *ud);
/* The signed upload URL is single use: OK the first time, ALREADY once
 * used (or for no such action). */
store_rc store_action_upload_use(store *s, int64_t id);
json_t *store_action_json(store *s, int64_t id); /* with events; NULL */
json_t *store_action_list(store *s, uint64_t serial, int limit);

/* what machines send */
store_rc store_event_add(store *s, uint64_t serial, int has_action,
                         int64_t action_id, int64_t seq, int64_t ts,
                         const char *event, const char *level, const char *log,
                         int64_t now);
store_rc store_log_add(store *s, uint64_t serial, int64_t seq, int64_t ts,
                       const char *level, const char *text, int64_t now);
json_t *store_log_list(store *s, uint64_t serial, int64_t since, int limit);
/* Every event of a machine (with or without an action), oldest first. */
json_t *store_event_list(store *s, uint64_t serial, int64_t since, int limit);

/* job files and images */
typedef struct store_file {
    int64_t size;    /* stored (gzip) bytes */
    int64_t payload; /* ticks */
    int64_t stfr;
    uint64_t mcsn; /* the serial the job is locked to, 0 = any */
    /* X/Y steps from where the job starts: where it ends (dead reckoning)
     * and how far it reaches (the bed check). */
    int64_t net_x, net_y, min_x, max_x, min_y, max_y;
} store_file;
store_rc store_file_add(store *s, const char *id, const store_file *f,
                        int64_t now);
store_rc store_file_get(store *s, const char *id,
                        store_file *out); /* NOT_FOUND */
/* The copy of unlocked job file `file` locked to machine `serial`
 * (files_lock_copy): made once per (file, serial), then reused. */
store_rc store_file_lock_add(store *s, const char *file, uint64_t serial,
                             const char *blob, int64_t now);
store_rc store_file_lock_get(store *s, const char *file, uint64_t serial,
                             char blob[65]); /* NOT_FOUND: none yet */
store_rc store_image_add(store *s, int64_t action_id, uint64_t serial,
                         const char *type, const char *blob, int64_t size,
                         int64_t now);
store_rc store_image_latest(store *s, uint64_t serial, const char *type,
                            char blob[65]); /* NOT_FOUND */
/* The newest log line of `serial` that contains `needle` (a job's reason
 * from the machine). NOT_FOUND: none. */
store_rc store_log_find(store *s, uint64_t serial, const char *needle,
                        char *out, size_t outlen);

/* jobs: designs compiled into a job file and run through actions (jobs.c) */
typedef struct store_job {
    int64_t id;
    uint64_t serial;
    char name[128];
    char state[24]; /* compiling queued waiting_for_home sending
                       waiting_for_button running completed failed
                       cancelled */
    char reason[512];
    char created_by[64];
    char file[65];    /* the compiled job file, "" while compiling */
    char preview[65]; /* its picture (PNG blob), "" none */
    char *params;     /* JSON object: placement, material, ops, kind */
    char *stats;      /* JSON object: what the compile found */
    char *actions;    /* JSON array of the action ids it used */
    int64_t print_action;
    int64_t progress; /* ticks played */
    int64_t created, queued_at, started, finished, button_at;
} store_job;

void store_job_free(store_job *j);              /* frees the JSON texts only */
store_rc store_job_add(store *s, store_job *j); /* sets j->id */
store_rc store_job_get(store *s, int64_t id, store_job *out); /* NOT_FOUND */
store_rc store_job_put(store *s, const store_job *j);         /* NOT_FOUND */
store_rc store_job_by_action(store *s, int64_t action_id,
                             store_job *out); /* NOT_FOUND */
/* What decides `serial`'s next step, in one read: its job under way
 * (sending, waiting_for_button, running) if it has one, else its oldest
 * waiting to be sent (queued, waiting_for_home). NOT_FOUND: neither. */
store_rc store_job_first(store *s, uint64_t serial, store_job *out);
/* The job of `serial` under way (sending, waiting_for_button, running).
 * NOT_FOUND: none. */
store_rc store_job_active(store *s, uint64_t serial, store_job *out);
/* History, newest first; serial 0 / state NULL: any. */
json_t *store_job_list(store *s, uint64_t serial, const char *state,
                       int64_t since, int limit);
/* After a restart: a job compiling or under way cannot go on. Count. */
int store_job_reconcile(store *s, int64_t now);

/* materials (materials.c): a JSON document per name */
/* Insert or replace (`create_only`: ALREADY if it exists). */
store_rc store_material_put(store *s, const char *name, const json_t *doc,
                            int create_only);
store_rc store_material_get(store *s, const char *name,
                            json_t **doc);                  /* NOT_FOUND */
store_rc store_material_delete(store *s, const char *name); /* NOT_FOUND */
json_t *store_material_list(store *s);
/* One-time markers (materials seeded): OK set, NOT_FOUND not. */
store_rc store_flag_get(store *s, const char *name);
store_rc store_flag_set(store *s, const char *name);

/* the audit trail (audit.c): `detail` is JSON object text or NULL */
store_rc store_audit_add(store *s, int64_t at, const char *who,
                         const char *from, const char *what, const char *target,
                         const char *detail);
/* Oldest first from cursor `since` (exclusive), at most `limit`. */
json_t *store_audit_list(store *s, int64_t since, int limit);

/* the lid camera's calibration, one per machine (locator_camera.c):
 * libgf's locator as gf_locate_save() wrote it, where its reference place
 * is, and the figures the API shows. Removed with its machine. */
typedef struct store_camera {
    int64_t ref_x, ref_y; /* the reference place: steps from the rear-left
                             corner */
    int64_t calibrated;   /* when, Unix seconds */
    char figures[512];    /* JSON object text (GET machine's "camera") */
    uint8_t *blob;        /* malloc'd by store_camera_get(with_blob) */
    size_t len;
} store_camera;

void store_camera_free(store_camera *c); /* frees the blob only */
/* Insert or replace. NOT_FOUND: no such machine. */
store_rc store_camera_put(store *s, uint64_t serial, const store_camera *c);
/* `with_blob` 0 leaves blob NULL (the figures are all the API needs).
 * NOT_FOUND: the machine has no calibration. */
store_rc store_camera_get(store *s, uint64_t serial, store_camera *out,
                          int with_blob);

/* metrics (GET /metrics): how many jobs are in each state, {"state": n},
 * by one grouped query over an index on the state. */
json_t *store_job_counts(store *s);

/* webhooks (webhook.c): where to POST which events, and the delivery log,
 * every delivery with each of its attempts. A delivery's times (next_try,
 * an attempt's at) are Unix milliseconds; the retry schedule needs more
 * than seconds. */
typedef struct store_delivery {
    int64_t id;
    int64_t webhook_id;
    char url[1024];
    char secret[65];
    char event[32];
    char *body;   /* the JSON text signed and sent (malloc'd) */
    int attempts; /* made so far */
} store_delivery;

void store_delivery_free(store_delivery *d); /* frees the body only */
/* `events` is the names, comma-separated. */
store_rc store_webhook_add(store *s, const char *url, const char *events,
                           const char *secret, int64_t now, int64_t *id);
/* Oldest first: [{"id", "url", "events" (text), "created"}], with
 * "secret" when `with_secret`. */
json_t *store_webhook_list(store *s, int with_secret);
/* NOT_FOUND. Its deliveries still pending are given up (state
 * "dropped"); the log of what was sent stays. */
store_rc store_webhook_remove(store *s, int64_t id);
/* A delivery to make, pending from `now_ms`. */
store_rc store_delivery_add(store *s, int64_t webhook_id, const char *event,
                            const char *body, int64_t now_ms, int64_t *id);
/* The pending delivery due first by `now_ms` of a webhook that has none
 * being sent, taken until `lease_ms` (its next try moves there, so no one
 * takes it again meanwhile and it comes back if its attempt is never
 * recorded): OK and *out, or NOT_FOUND. One at a time per webhook: a slow
 * receiver holds up only its own deliveries, in order. Either
 * way *next_ms is the earliest next try still pending afterwards (0:
 * none). */
store_rc store_delivery_take(store *s, int64_t now_ms, int64_t lease_ms,
                             store_delivery *out, int64_t *next_ms);
/* Record an attempt (when, the HTTP status or 0, an error or "", how
 * long it took) and make the delivery's state `state` ("pending" with its
 * next try at `next_ms`, "delivered", "failed"). */
store_rc store_delivery_attempt(store *s, int64_t id, int64_t at_ms, int status,
                                const char *error, int64_t took_ms,
                                const char *state, int64_t next_ms);
/* Newest first, of webhook `webhook_id` (0: every one), at most `limit`:
 * [{"id", "webhook", "event", "state", "created", "next_try",
 *   "attempts": [{"at", "status", "error", "took_ms"}, ...]}]. */
json_t *store_delivery_list(store *s, int64_t webhook_id, int limit);

/* users (users.c): a name (1 to 32 of A-Z a-z 0-9 . _ -), a role
 * ("viewer", "operator", "admin"), libsodium's argon2id hash string and
 * when it was made. Removing a user revokes its API keys and ends its
 * sessions. */
store_rc store_user_add(store *s, const char *name, const char *role,
                        const char *pwhash, int64_t now); /* ALREADY */
store_rc store_user_get(store *s, const char *name, char role[16],
                        char pwhash[128]); /* NOT_FOUND */
store_rc store_user_set_password(store *s, const char *name,
                                 const char *pwhash);   /* NOT_FOUND */
store_rc store_user_remove(store *s, const char *name); /* NOT_FOUND */
/* [{"name", "role", "created"}] by name. */
json_t *store_user_list(store *s);

/* Who a request is: an API key (key_id, its owner and roles) or a
 * session (its user, the user's role, its CSRF token, its last use). */
typedef struct store_principal {
    int64_t key_id;     /* the API key's id; 0 for a session */
    char user[64];      /* the owner; "" for a key made without one */
    char role[16];      /* the key's own role; "" for a key without owner */
    char user_role[16]; /* the owner's role now */
    char csrf[65];      /* session_get: the session's CSRF token */
    int64_t used;       /* session_get: when it was last used */
} store_principal;

/* An API key owned by `user` with `role` (the caller checks it is not
 * wider than the owner's). The key list gains "user" (null for a key
 * without one) and "role" ("admin" for those). */
store_rc store_apikey_add_owned(store *s, const uint8_t hash[32],
                                const char *user, const char *role, int64_t now,
                                int64_t *id);
/* The key with this hash, if not revoked and its owner (if any) exists.
 * NOT_FOUND otherwise. */
store_rc store_apikey_principal(store *s, const uint8_t hash[32],
                                store_principal *out);

/* Sessions of signed-in users (http_session.c), by the keyed hash of the
 * cookie's token, so the store never holds a usable token. */
store_rc store_session_add(store *s, const uint8_t hash[32], const char *user,
                           const char *csrf, int64_t now);
/* A session last used at or after `used_since` whose user exists; fills
 * user, user_role (also as role), csrf and used. NOT_FOUND otherwise. */
store_rc store_session_get(store *s, const uint8_t hash[32], int64_t used_since,
                           store_principal *out);
store_rc store_session_touch(store *s, const uint8_t hash[32], int64_t now);
store_rc store_session_remove(store *s, const uint8_t hash[32]); /* NOT_FOUND */
/* Forget sessions last used before `used_before`; their count. */
int store_session_prune(store *s, int64_t used_before);

#endif

/* store_ops.h - every backend call of the store, listed once.
 *
 * Each line is STORE_OP(result, name, (parameters), (arguments)). store.c
 * expands the list into the public store_<name>() functions, which call
 * through the backend's table; each backend expands it into that table of
 * its own <prefix>_<name> functions. So a call added here and to store.h
 * does not compile until every backend implements it (SQLite and
 * PostgreSQL alike). The first parameter is always the store. */
/* clang-format off */
STORE_OP(store_rc, begin, (store *s), (s))
STORE_OP(store_rc, commit, (store *s), (s))
STORE_OP(store_rc, notify, (store *s, const char *msg), (s, msg))
STORE_OP(int, notify_fd, (store *s), (s))
STORE_OP(int, notify_poll, (store *s, store_notify_cb cb, void *ud), (s, cb, ud))
STORE_OP(store_rc, node_beat, (store *s, int64_t now), (s, now))
STORE_OP(int, node_reap, (store *s, int64_t dead_before, int64_t now), (s, dead_before, now))

STORE_OP(store_rc, machine_add, (store *s, uint64_t serial, const uint8_t hash[32], int64_t now), (s, serial, hash, now))
STORE_OP(store_rc, machine_get_hash, (store *s, uint64_t serial, uint8_t hash[32]), (s, serial, hash))
STORE_OP(store_rc, machine_get_reg, (store *s, uint64_t serial, uint64_t *reg), (s, serial, reg))
STORE_OP(store_rc, machine_remove, (store *s, uint64_t serial), (s, serial))
STORE_OP(json_t *, machine_list, (store *s), (s))
STORE_OP(json_t *, machine_get, (store *s, uint64_t serial), (s, serial))
STORE_OP(store_rc, machine_set_seen, (store *s, uint64_t serial, int64_t now), (s, serial, now))
STORE_OP(store_rc, machine_set_progress, (store *s, uint64_t serial, const char *json), (s, serial, json))
STORE_OP(store_rc, machine_set_settings, (store *s, uint64_t serial, const char *values, const char *form), (s, serial, values, form))
STORE_OP(store_rc, machine_set_head, (store *s, uint64_t serial, const char *head), (s, serial, head))
STORE_OP(store_rc, machine_get_head, (store *s, uint64_t serial, char *out, size_t outlen), (s, serial, out, outlen))
STORE_OP(store_rc, machine_set_home_offset, (store *s, uint64_t serial, int64_t dx, int64_t dy), (s, serial, dx, dy))
STORE_OP(store_rc, machine_get_home_offset, (store *s, uint64_t serial, int64_t *dx, int64_t *dy), (s, serial, dx, dy))
STORE_OP(store_rc, machine_count_malformed, (store *s, uint64_t serial), (s, serial))

STORE_OP(store_rc, apikey_add, (store *s, const uint8_t hash[32], int64_t now, int64_t *id), (s, hash, now, id))
STORE_OP(store_rc, apikey_check, (store *s, const uint8_t hash[32]), (s, hash))
STORE_OP(store_rc, apikey_find, (store *s, const uint8_t hash[32], int64_t *id), (s, hash, id))
STORE_OP(json_t *, apikey_list, (store *s), (s))
STORE_OP(store_rc, apikey_revoke, (store *s, int64_t id), (s, id))

STORE_OP(store_rc, action_add, (store *s, store_action *a), (s, a))
STORE_OP(store_rc, action_get, (store *s, int64_t id, store_action *out), (s, id, out))
STORE_OP(store_rc, action_next, (store *s, uint64_t serial, store_action *out), (s, serial, out))
STORE_OP(store_rc, action_mark_sent, (store *s, int64_t id, int64_t now), (s, id, now))
STORE_OP(store_rc, action_set_stage, (store *s, int64_t id, int stage), (s, id, stage))
STORE_OP(store_rc, action_set_state, (store *s, int64_t id, const char *state), (s, id, state))
STORE_OP(store_rc, action_finish, (store *s, int64_t id, const char *state, const char *reason, int64_t now), (s, id, state, reason, now))
STORE_OP(store_rc, action_set_cancel_pending, (store *s, int64_t id, int pending), (s, id, pending))
STORE_OP(int, action_each_cancel_pending, (store *s, uint64_t serial, store_action_cb cb, void *ud), (s, serial, cb, ud))
STORE_OP(int, action_reconcile, (store *s, int64_t now), (s, now))
STORE_OP(int, action_each_inflight, (store *s, uint64_t serial, store_action_cb cb, void *ud), (s, serial, cb, ud))
STORE_OP(store_rc, action_upload_use, (store *s, int64_t id), (s, id))
STORE_OP(json_t *, action_json, (store *s, int64_t id), (s, id))
STORE_OP(json_t *, action_list, (store *s, uint64_t serial, int limit), (s, serial, limit))

STORE_OP(store_rc, event_add, (store *s, uint64_t serial, int has_action, int64_t action_id, int64_t seq, int64_t ts, const char *event, const char *level, const char *log, int64_t now), (s, serial, has_action, action_id, seq, ts, event, level, log, now))
STORE_OP(store_rc, log_add, (store *s, uint64_t serial, int64_t seq, int64_t ts, const char *level, const char *text, int64_t now), (s, serial, seq, ts, level, text, now))
STORE_OP(json_t *, log_list, (store *s, uint64_t serial, int64_t since, int limit), (s, serial, since, limit))
STORE_OP(store_rc, log_find, (store *s, uint64_t serial, const char *needle, char *out, size_t outlen), (s, serial, needle, out, outlen))
STORE_OP(json_t *, event_list, (store *s, uint64_t serial, int64_t since, int limit), (s, serial, since, limit))

STORE_OP(store_rc, file_add, (store *s, const char *id, const store_file *f, int64_t now), (s, id, f, now))
STORE_OP(store_rc, file_get, (store *s, const char *id, store_file *out), (s, id, out))
STORE_OP(store_rc, file_lock_add, (store *s, const char *file, uint64_t serial, const char *blob, int64_t now), (s, file, serial, blob, now))
STORE_OP(store_rc, file_lock_get, (store *s, const char *file, uint64_t serial, char blob[65]), (s, file, serial, blob))
STORE_OP(store_rc, image_add, (store *s, int64_t action_id, uint64_t serial, const char *type, const char *blob, int64_t size, int64_t now), (s, action_id, serial, type, blob, size, now))
STORE_OP(store_rc, image_latest, (store *s, uint64_t serial, const char *type, char blob[65]), (s, serial, type, blob))
STORE_OP(store_rc, job_add, (store *s, store_job *j), (s, j))
STORE_OP(store_rc, job_get, (store *s, int64_t id, store_job *out), (s, id, out))
STORE_OP(store_rc, job_put, (store *s, const store_job *j), (s, j))
STORE_OP(store_rc, job_by_action, (store *s, int64_t action_id, store_job *out), (s, action_id, out))
STORE_OP(store_rc, job_next, (store *s, uint64_t serial, store_job *out), (s, serial, out))
STORE_OP(store_rc, job_active, (store *s, uint64_t serial, store_job *out), (s, serial, out))
STORE_OP(json_t *, job_list, (store *s, uint64_t serial, const char *state, int64_t since, int limit), (s, serial, state, since, limit))
STORE_OP(int, job_reconcile, (store *s, int64_t now), (s, now))

STORE_OP(store_rc, material_put, (store *s, const char *name, const json_t *doc, int create_only), (s, name, doc, create_only))
STORE_OP(store_rc, material_get, (store *s, const char *name, json_t **doc), (s, name, doc))
STORE_OP(store_rc, material_delete, (store *s, const char *name), (s, name))
STORE_OP(json_t *, material_list, (store *s), (s))
STORE_OP(store_rc, flag_get, (store *s, const char *name), (s, name))
STORE_OP(store_rc, flag_set, (store *s, const char *name), (s, name))

STORE_OP(store_rc, audit_add, (store *s, int64_t at, const char *who, const char *from, const char *what, const char *target, const char *detail), (s, at, who, from, what, target, detail))
STORE_OP(json_t *, audit_list, (store *s, int64_t since, int limit), (s, since, limit))

STORE_OP(store_rc, camera_put, (store *s, uint64_t serial, const store_camera *c), (s, serial, c))
STORE_OP(store_rc, camera_get, (store *s, uint64_t serial, store_camera *out, int with_blob), (s, serial, out, with_blob))

STORE_OP(json_t *, job_counts, (store *s), (s))
STORE_OP(store_rc, webhook_add, (store *s, const char *url, const char *events, const char *secret, int64_t now, int64_t *id), (s, url, events, secret, now, id))
STORE_OP(json_t *, webhook_list, (store *s, int with_secret), (s, with_secret))
STORE_OP(store_rc, webhook_remove, (store *s, int64_t id), (s, id))
STORE_OP(store_rc, delivery_add, (store *s, int64_t webhook_id, const char *event, const char *body, int64_t now_ms, int64_t *id), (s, webhook_id, event, body, now_ms, id))
STORE_OP(store_rc, delivery_take, (store *s, int64_t now_ms, int64_t lease_ms, store_delivery *out, int64_t *next_ms), (s, now_ms, lease_ms, out, next_ms))
STORE_OP(store_rc, delivery_attempt, (store *s, int64_t id, int64_t at_ms, int status, const char *error, int64_t took_ms, const char *state, int64_t next_ms), (s, id, at_ms, status, error, took_ms, state, next_ms))
STORE_OP(json_t *, delivery_list, (store *s, int64_t webhook_id, int limit), (s, webhook_id, limit))
/* clang-format on */

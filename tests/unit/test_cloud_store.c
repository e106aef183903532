/* test_cloud_store.c - the store, on either backend: machines, keys, the
 * action queue (settings first, FIFO), state changes, reconcile after a
 * restart, events and logs paging, files and images, the lid camera's
 * calibration per machine, that data survives
 * reopening, that two stores on one database see each other's writes,
 * and the lifecycle's tables (head position, jobs, audit, materials),
 * users with their keys and sessions. ctest
 * runs it as test_cloud_store (SQLite) and as test_cloud_store_pg (PostgreSQL,
 * GF_TEST_STORE=postgresql). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>
#include <poll.h>
#include <sqlite3.h>

#include "store.h"
#include "test_cloud_tmp.h"
#include "test_store_backend.h"

struct fx {
    char *dir;
    struct test_store db;
    store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->dir = tmp_dir_make();
    if (!f->dir || test_store_make(&f->db, f->dir) != 0 ||
        test_store_open(&f->db, &f->s) != STORE_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    test_store_drop(&f->db);
    tmp_dir_remove(f->dir);
    free(f);
    return 0;
}

static void reopen(struct fx *f)
{
    store_close(f->s);
    assert_int_equal(test_store_open(&f->db, &f->s), STORE_OK);
}

static int64_t add(store *s, uint64_t serial, const char *type)
{
    store_action a = {0};
    a.serial = serial;
    snprintf(a.type, sizeof(a.type), "%s", type);
    a.created = 100;
    a.expires_at = 1000;
    assert_int_equal(store_action_add(s, &a), STORE_OK);
    return a.id;
}

static void machines_and_keys(void **state)
{
    struct fx *f = *state;
    uint8_t h[32], got[32];
    memset(h, 7, sizeof(h));
    assert_int_equal(store_machine_add(f->s, 42, h, 1), STORE_OK);
    assert_int_equal(store_machine_add(f->s, 42, h, 1), STORE_ALREADY);
    assert_int_equal(store_machine_get_hash(f->s, 42, got), STORE_OK);
    assert_memory_equal(h, got, 32);
    assert_int_equal(store_machine_get_hash(f->s, 43, got), STORE_NOT_FOUND);
    uint64_t reg = 0;
    assert_int_equal(store_machine_get_login(f->s, 43, got, &reg),
                     STORE_NOT_FOUND);
    int64_t id = 0;
    assert_int_equal(store_apikey_add(f->s, h, 1, &id), STORE_OK);
    assert_int_equal(store_apikey_check(f->s, h), STORE_OK);
    reopen(f);
    assert_int_equal(store_apikey_check(f->s, h), STORE_OK);
    assert_int_equal(store_apikey_revoke(f->s, id), STORE_OK);
    assert_int_equal(store_apikey_check(f->s, h), STORE_NOT_FOUND);
    assert_int_equal(store_apikey_revoke(f->s, id + 5), STORE_NOT_FOUND);
    json_t *m = store_machine_get(f->s, 42);
    assert_string_equal(json_string_value(json_object_get(m, "serial")), "S42");
    json_decref(m);
    assert_int_equal(store_machine_remove(f->s, 42), STORE_OK);
    assert_int_equal(store_machine_remove(f->s, 42), STORE_NOT_FOUND);
    assert_null(store_machine_get(f->s, 42));
}

struct regs {
    uint64_t serial[8], reg[8];
    int n;
};

static void regs_collect(void *ud, uint64_t serial, uint64_t reg)
{
    struct regs *r = ud;
    if (r->n < 8) {
        r->serial[r->n] = serial;
        r->reg[r->n] = reg;
    }
    r->n++;
}

static uint64_t regs_of(const struct regs *r, uint64_t serial)
{
    for (int i = 0; i < r->n && i < 8; i++)
        if (r->serial[i] == serial)
            return r->reg[i];
    return 0;
}

/* One read lists every registered machine with its registration, the
 * same one machine_get_reg gives; a machine added again has a new one. */
static void registrations_listed_in_one_read(void **state)
{
    struct fx *f = *state;
    uint8_t h[32];
    memset(h, 3, sizeof(h));
    struct regs r = {0};
    assert_int_equal(store_machine_each_reg(f->s, regs_collect, &r), 0);
    assert_int_equal(r.n, 0);
    for (uint64_t serial = 100; serial < 103; serial++)
        assert_int_equal(store_machine_add(f->s, serial, h, 1), STORE_OK);
    assert_int_equal(store_machine_each_reg(f->s, regs_collect, &r), 3);
    assert_int_equal(r.n, 3);
    for (uint64_t serial = 100; serial < 103; serial++) {
        uint64_t reg = 0;
        assert_int_equal(store_machine_get_reg(f->s, serial, &reg), STORE_OK);
        assert_true(reg != 0);
        assert_true(regs_of(&r, serial) == reg);
        uint8_t got[32];
        uint64_t login_reg = 0;
        assert_int_equal(store_machine_get_login(f->s, serial, got, &login_reg),
                         STORE_OK);
        assert_memory_equal(h, got, 32);
        assert_true(login_reg == reg);
    }
    uint64_t old = regs_of(&r, 101);
    assert_int_equal(store_machine_remove(f->s, 101), STORE_OK);
    assert_int_equal(store_machine_remove(f->s, 102), STORE_OK);
    assert_int_equal(store_machine_add(f->s, 102, h, 2), STORE_OK);
    uint64_t old102 = regs_of(&r, 102);
    memset(&r, 0, sizeof(r));
    assert_int_equal(store_machine_each_reg(f->s, regs_collect, &r), 2);
    assert_true(regs_of(&r, 101) == 0);
    assert_true(regs_of(&r, 102) != 0 && regs_of(&r, 102) != old102);
    assert_true(old != 0);
}

static void queue_order_and_states(void **state)
{
    struct fx *f = *state;
    store_action a;
    int64_t a1 = add(f->s, 42, "lid_image");
    int64_t a2 = add(f->s, 42, "hunt");
    int64_t st = add(f->s, 42, "settings");
    add(f->s, 43, "hunt");
    assert_true(a1 >= 1600000000);
    assert_true(a2 > a1);
    assert_int_equal(store_action_next(f->s, 42, &a), STORE_OK);
    assert_int_equal(a.id, st); /* settings first */
    store_action_free(&a);
    assert_int_equal(store_action_mark_sent(f->s, st, 5), STORE_OK);
    assert_int_equal(store_action_finish(f->s, st, "completed", NULL, 6),
                     STORE_OK);
    assert_int_equal(store_action_next(f->s, 42, &a), STORE_OK);
    assert_int_equal(a.id, a1); /* then FIFO */
    store_action_free(&a);
    assert_int_equal(store_action_mark_sent(f->s, a1, 7), STORE_OK);
    assert_int_equal(store_action_next(f->s, 42, &a), STORE_OK);
    assert_int_equal(a.id, a2);
    store_action_free(&a);
    /* A restart: the sent one becomes interrupted with a cancel pending. */
    reopen(f);
    assert_int_equal(store_action_reconcile(f->s, 9), 1);
    assert_int_equal(store_action_get(f->s, a1, &a), STORE_OK);
    assert_string_equal(a.state, "interrupted");
    store_action_free(&a);
    json_t *j = store_action_json(f->s, a1);
    assert_true(json_is_true(json_object_get(j, "cancel_pending")));
    json_decref(j);
    assert_int_equal(store_action_upload_use(f->s, a1), STORE_OK);
    assert_int_equal(store_action_upload_use(f->s, a1), STORE_ALREADY);
    assert_int_equal(store_action_get(f->s, 1, &a), STORE_NOT_FOUND);
}

static void events_logs_files_images(void **state)
{
    struct fx *f = *state;
    int64_t id = add(f->s, 42, "print");
    store_begin(f->s);
    assert_int_equal(store_event_add(f->s, 42, 1, id, 33, 3833,
                                     "print:starting", "INFO", NULL, 1),
                     0);
    assert_int_equal(
        store_event_add(f->s, 42, 0, 0, 34, 3834, "lid:opened", "INFO", "x", 1),
        0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(store_log_add(f->s, 42, i, i, "INFO", "l", 1),
                         STORE_OK);
    assert_int_equal(store_commit(f->s), STORE_OK);
    json_t *a = store_action_json(f->s, id);
    json_t *ev = json_object_get(a, "events");
    assert_int_equal(json_array_size(ev), 1);
    json_decref(a);
    json_t *logs = store_log_list(f->s, 42, 0, 3);
    assert_int_equal(json_array_size(logs), 3);
    json_int_t next =
        json_integer_value(json_object_get(json_array_get(logs, 2), "cursor"));
    json_decref(logs);
    logs = store_log_list(f->s, 42, next, 100);
    assert_int_equal(json_array_size(logs), 2);
    json_decref(logs);
    store_file in = {10, 19894, 10000, 42, -5, 7, -9, 3, 0, 8}, out;
    assert_int_equal(store_file_add(f->s, "ab", &in, 1), 0);
    assert_int_equal(store_file_get(f->s, "ab", &out), 0);
    assert_int_equal(out.payload, 19894);
    /* Where the job ends and how far it reaches (lifecycle.c, jobs). */
    assert_int_equal(out.net_x, -5);
    assert_int_equal(out.net_y, 7);
    assert_int_equal(out.min_x, -9);
    assert_int_equal(out.max_x, 3);
    assert_int_equal(out.min_y, 0);
    assert_int_equal(out.max_y, 8);
    assert_int_equal(out.stfr, 10000);
    assert_int_equal(out.mcsn, 42);
    assert_int_equal(store_file_get(f->s, "cd", &out), STORE_NOT_FOUND);
    char blob[65];
    assert_int_equal(store_image_latest(f->s, 42, "lid_image", blob),
                     STORE_NOT_FOUND);
    assert_int_equal(store_image_add(f->s, id, 42, "lid_image", "b1", 3, 5),
                     STORE_OK);
    assert_int_equal(store_image_add(f->s, id + 1, 42, "lid_image", "b2", 3, 6),
                     0);
    assert_int_equal(store_image_latest(f->s, 42, "lid_image", blob), STORE_OK);
    assert_string_equal(blob, "b2");
}

/* The JSON rows of events and logs (rows_json): every column under its
 * name, an absent log text left out, cursors paging; the lock copies of a
 * job file per serial survive a reopen. */
static void rows_and_file_locks(void **state)
{
    struct fx *f = *state;
    int64_t id = add(f->s, 42, "print");
    assert_int_equal(store_event_add(f->s, 42, 1, id, 7, 700, "print:starting",
                                     "INFO", NULL, 9),
                     0);
    assert_int_equal(store_event_add(f->s, 42, 0, 0, 8, 800, "lid:opened",
                                     "WARN", "lid", 10),
                     0);
    json_t *ev = store_event_list(f->s, 42, 0, 10);
    assert_int_equal(json_array_size(ev), 2);
    json_t *e0 = json_array_get(ev, 0), *e1 = json_array_get(ev, 1);
    assert_int_equal(json_integer_value(json_object_get(e0, "action_id")), id);
    assert_string_equal(json_string_value(json_object_get(e0, "event")),
                        "print:starting");
    assert_int_equal(json_integer_value(json_object_get(e0, "id")), 7);
    assert_int_equal(json_integer_value(json_object_get(e0, "timestamp")), 700);
    assert_null(json_object_get(e0, "log"));
    assert_true(json_is_null(json_object_get(e1, "action_id")));
    assert_string_equal(json_string_value(json_object_get(e1, "log")), "lid");
    assert_string_equal(json_string_value(json_object_get(e1, "level")),
                        "WARN");
    json_int_t cur = json_integer_value(json_object_get(e0, "cursor"));
    json_decref(ev);
    ev = store_event_list(f->s, 42, cur, 10);
    assert_int_equal(json_array_size(ev), 1);
    json_decref(ev);
    assert_int_equal(store_log_add(f->s, 42, 3, 300, "INFO", "hello", 11),
                     STORE_OK);
    json_t *logs = store_log_list(f->s, 42, 0, 10);
    json_t *l0 = json_array_get(logs, 0);
    assert_string_equal(json_string_value(json_object_get(l0, "log")), "hello");
    assert_int_equal(json_integer_value(json_object_get(l0, "received")), 11);
    json_decref(logs);
    char blob[65];
    assert_int_equal(store_file_lock_get(f->s, "src", 42, blob),
                     STORE_NOT_FOUND);
    assert_int_equal(store_file_lock_add(f->s, "src", 42, "copy42", 1),
                     STORE_OK);
    assert_int_equal(store_file_lock_add(f->s, "src", 43, "copy43", 1),
                     STORE_OK);
    reopen(f);
    assert_int_equal(store_file_lock_get(f->s, "src", 42, blob), STORE_OK);
    assert_string_equal(blob, "copy42");
    assert_int_equal(store_file_lock_get(f->s, "src", 43, blob), STORE_OK);
    assert_string_equal(blob, "copy43");
    assert_int_equal(store_file_lock_get(f->s, "other", 42, blob),
                     STORE_NOT_FOUND);
}

/* Two gfcloud nodes on one database: what one writes, the other reads, and
 * an action queued through one is sent through the other. */
static void two_stores_share_one_database(void **state)
{
    struct fx *f = *state;
    store *other = NULL;
    store_action a;
    assert_int_equal(test_store_open(&f->db, &other), STORE_OK);
    uint8_t h[32];
    memset(h, 9, sizeof(h));
    assert_int_equal(store_machine_add(f->s, 77, h, 1), STORE_OK);
    assert_int_equal(store_machine_add(other, 77, h, 1), STORE_ALREADY);
    int64_t id = add(f->s, 77, "hunt");
    assert_int_equal(store_action_next(other, 77, &a), STORE_OK);
    assert_int_equal(a.id, id);
    store_action_free(&a);
    assert_int_equal(store_begin(other), STORE_OK);
    assert_int_equal(store_action_mark_sent(other, id, 5), STORE_OK);
    assert_int_equal(store_event_add(other, 77, 1, id, 1, 10, "hunt:started",
                                     "INFO", NULL, 5),
                     STORE_OK);
    assert_int_equal(store_commit(other), STORE_OK);
    assert_int_equal(store_action_get(f->s, id, &a), STORE_OK);
    assert_string_equal(a.state, "sent");
    assert_int_equal(a.sent_at, 5);
    store_action_free(&a);
    assert_int_equal(store_action_next(f->s, 77, &a), STORE_NOT_FOUND);
    json_t *j = store_action_json(f->s, id);
    assert_int_equal(json_array_size(json_object_get(j, "events")), 1);
    json_decref(j);
    store_close(other);
}

/* Events of an action as another connection to the database sees them. */
static size_t events_seen(store *other, int64_t id)
{
    json_t *j = store_action_json(other, id);
    size_t n = json_array_size(json_object_get(j, "events"));
    json_decref(j);
    return n;
}

/* Group commit: frames stored after store_batch_join() share one
 * transaction, their own begin/commit pairs nested in it, until the flush;
 * another connection sees none of them before it and all after. A backend
 * that does not group (PostgreSQL) commits each pair as it ends. */
static void a_batch_commits_its_frames_at_the_flush(void **state)
{
    struct fx *f = *state;
    store *other = NULL;
    assert_int_equal(test_store_open(&f->db, &other), STORE_OK);
    int64_t id = add(f->s, 42, "hunt");
    int groups = !test_store_is_pg();
    assert_int_equal(store_batch_flush(f->s), STORE_OK); /* none open */
    assert_int_equal(store_batch_join(f->s), STORE_OK);
    assert_int_equal(store_batch_join(f->s), STORE_OK); /* joins the same */
    for (int frame = 0; frame < 3; frame++) {
        assert_int_equal(store_begin(f->s), STORE_OK);
        assert_int_equal(store_event_add(f->s, 42, 1, id, frame, 10 + frame,
                                         "hunt:started", "INFO", NULL, 5),
                         STORE_OK);
        assert_int_equal(store_commit(f->s), STORE_OK);
        assert_int_equal(events_seen(other, id), groups ? 0 : frame + 1);
    }
    /* The writing connection reads its own batch. */
    assert_int_equal(events_seen(f->s, id), 3);
    assert_int_equal(store_batch_flush(f->s), STORE_OK);
    assert_int_equal(events_seen(other, id), 3);
    /* After the flush a pair commits on its own again. */
    assert_int_equal(store_begin(f->s), STORE_OK);
    assert_int_equal(store_event_add(f->s, 42, 1, id, 9, 19, "hunt:completed",
                                     "INFO", NULL, 6),
                     STORE_OK);
    assert_int_equal(store_commit(f->s), STORE_OK);
    assert_int_equal(events_seen(other, id), 4);
    /* A new batch after a flush groups again. */
    assert_int_equal(store_batch_join(f->s), STORE_OK);
    assert_int_equal(
        store_event_add(f->s, 42, 1, id, 10, 20, "hunt:x", "INFO", NULL, 7),
        STORE_OK);
    assert_int_equal(events_seen(other, id), groups ? 4 : 5);
    assert_int_equal(store_batch_flush(f->s), STORE_OK);
    assert_int_equal(events_seen(other, id), 5);
    store_close(other);
}

static void cancel_pending_collected(void *ud, int64_t id, const char *type)
{
    int64_t *seen = ud;
    assert_string_equal(type, "lid_image");
    seen[seen[0]++ + 1] = id;
}

/* The API's JSON is the same on every backend: types, nulls, booleans. */
static void action_and_machine_json_shapes(void **state)
{
    struct fx *f = *state;
    uint8_t h[32];
    memset(h, 3, sizeof(h));
    assert_int_equal(store_machine_add(f->s, 9, h, 100), STORE_OK);
    store_action a = {0};
    a.serial = 9;
    snprintf(a.type, sizeof(a.type), "print");
    snprintf(a.file, sizeof(a.file), "f00d");
    a.params = strdup("{\"copies\":2}");
    a.created = 100;
    a.expires_at = 200;
    assert_int_equal(store_action_add(f->s, &a), STORE_OK);
    store_action_free(&a);
    assert_true(a.id > 1600000000LL);
    json_t *j = store_action_json(f->s, a.id);
    assert_string_equal(json_string_value(json_object_get(j, "state")),
                        "queued");
    assert_string_equal(json_string_value(json_object_get(j, "file")), "f00d");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(j, "params"), "copies")),
                     2);
    assert_int_equal(json_integer_value(json_object_get(j, "stage")), -1);
    assert_true(json_is_null(json_object_get(j, "sent_at")));
    assert_true(json_is_null(json_object_get(j, "reason")));
    assert_true(json_is_false(json_object_get(j, "cancel_pending")));
    json_decref(j);
    assert_int_equal(store_action_mark_sent(f->s, a.id, 150), STORE_OK);
    assert_int_equal(store_action_set_stage(f->s, a.id, 2), STORE_OK);
    assert_int_equal(store_action_set_state(f->s, a.id, "cancelling"),
                     STORE_OK);
    assert_int_equal(store_action_set_cancel_pending(f->s, a.id, 1), STORE_OK);
    j = store_action_list(f->s, 9, 10);
    json_t *o = json_array_get(j, 0);
    assert_int_equal(json_integer_value(json_object_get(o, "stage")), 2);
    assert_int_equal(json_integer_value(json_object_get(o, "sent_at")), 150);
    assert_string_equal(json_string_value(json_object_get(o, "state")),
                        "cancelling");
    assert_true(json_is_true(json_object_get(o, "cancel_pending")));
    assert_string_equal(json_string_value(json_object_get(o, "machine_serial")),
                        "S9");
    json_decref(j);
    int64_t l1 = add(f->s, 9, "lid_image"), l2 = add(f->s, 9, "lid_image");
    assert_int_equal(store_action_set_cancel_pending(f->s, l1, 1), STORE_OK);
    assert_int_equal(store_action_set_cancel_pending(f->s, l2, 1), STORE_OK);
    assert_int_equal(store_action_set_cancel_pending(f->s, a.id, 0), STORE_OK);
    int64_t seen[4] = {0};
    assert_int_equal(store_action_each_cancel_pending(
                         f->s, 9, cancel_pending_collected, seen),
                     2);
    assert_int_equal(seen[1], l1);
    assert_int_equal(seen[2], l2);
    assert_int_equal(store_action_finish(f->s, a.id, "failed", "lost", 160),
                     STORE_OK);
    j = store_action_json(f->s, a.id);
    assert_string_equal(json_string_value(json_object_get(j, "reason")),
                        "lost");
    assert_int_equal(json_integer_value(json_object_get(j, "finished_at")),
                     160);
    json_decref(j);

    assert_int_equal(store_machine_set_seen(f->s, 9, 300), STORE_OK);
    assert_int_equal(store_machine_set_progress(f->s, 9, "{\"p\":0.5}"),
                     STORE_OK);
    assert_int_equal(store_machine_set_settings(f->s, 9, "{\"a\":1}", "full"),
                     STORE_OK);
    assert_int_equal(store_machine_set_settings(f->s, 9, NULL, "empty"),
                     STORE_OK);
    assert_int_equal(store_machine_set_head(f->s, 9, "home"), STORE_OK);
    assert_int_equal(store_machine_count_malformed(f->s, 9), STORE_OK);
    assert_int_equal(store_machine_count_malformed(f->s, 9), STORE_OK);
    json_t *m = store_machine_get(f->s, 9);
    assert_int_equal(json_integer_value(json_object_get(m, "created")), 100);
    assert_int_equal(json_integer_value(json_object_get(m, "last_seen")), 300);
    assert_int_equal(
        json_integer_value(json_object_get(m, "malformed_messages")), 2);
    assert_string_equal(json_string_value(json_object_get(m, "head_position")),
                        "home");
    assert_string_equal(json_string_value(json_object_get(m, "settings_form")),
                        "empty");
    assert_int_equal(json_integer_value(
                         json_object_get(json_object_get(m, "settings"), "a")),
                     1);
    assert_true(
        json_is_real(json_object_get(json_object_get(m, "progress"), "p")));
    json_decref(m);
    m = store_machine_list(f->s);
    assert_int_equal(json_array_size(m), 1);
    assert_null(json_object_get(json_array_get(m, 0), "settings"));
    json_decref(m);

    int64_t k1 = 0, k2 = 0;
    assert_int_equal(store_apikey_add(f->s, h, 1, &k1), STORE_OK);
    memset(h, 4, sizeof(h));
    assert_int_equal(store_apikey_add(f->s, h, 2, &k2), STORE_OK);
    assert_int_equal(k2, k1 + 1);
    assert_int_equal(store_apikey_revoke(f->s, k1), STORE_OK);
    json_t *keys = store_apikey_list(f->s);
    assert_int_equal(json_array_size(keys), 2);
    assert_true(
        json_is_true(json_object_get(json_array_get(keys, 0), "revoked")));
    assert_true(
        json_is_false(json_object_get(json_array_get(keys, 1), "revoked")));
    json_decref(keys);
}

struct notes {
    int n;
    char msg[4][32];
};

static void notes_collect(void *ud, const char *msg)
{
    struct notes *n = ud;
    assert_non_null(n);
    assert_true(n->n < 4);
    snprintf(n->msg[n->n++], sizeof(n->msg[0]), "%s", msg);
}

static void collect_ids(void *ud, int64_t id, const char *type)
{
    int64_t *seen = ud;
    (void)type;
    seen[seen[0]++ + 1] = id;
}

/* What is in flight for a machine, whoever sent it; after a restart a
 * node reconciles only what it sent itself (PostgreSQL: nodes share the
 * table; SQLite has one node, so it reconciles everything). */
static void inflight_and_reconcile_per_node(void **state)
{
    struct fx *f = *state;
    store *other = NULL;
    assert_int_equal(test_store_open(&f->db, &other), STORE_OK);
    store_set_node(f->s, "node-a");
    store_set_node(other, "node-b");
    assert_string_equal(store_node(other), "node-b");
    int64_t a = add(f->s, 5, "hunt"), b = add(f->s, 5, "print");
    int64_t q = add(f->s, 5, "lid_image");
    assert_int_equal(store_action_mark_sent(f->s, a, 1), STORE_OK);
    assert_int_equal(store_action_mark_sent(other, b, 1), STORE_OK);
    assert_int_equal(store_action_set_state(other, b, "cancelling"), STORE_OK);
    int64_t seen[8] = {0};
    assert_int_equal(store_action_each_inflight(other, 5, collect_ids, seen),
                     2);
    assert_int_equal(seen[1], a);
    assert_int_equal(seen[2], b);
    store_action act;
    if (test_store_is_pg()) {
        assert_int_equal(store_action_reconcile(other, 2), 1);
        assert_int_equal(store_action_get(f->s, a, &act), STORE_OK);
        assert_string_equal(act.state, "sent");
        store_action_free(&act);
        assert_int_equal(store_action_reconcile(f->s, 3), 1);
    } else {
        assert_int_equal(store_action_reconcile(f->s, 3), 2);
    }
    assert_int_equal(store_action_get(other, a, &act), STORE_OK);
    assert_string_equal(act.state, "interrupted");
    store_action_free(&act);
    assert_int_equal(store_action_get(other, q, &act), STORE_OK);
    assert_string_equal(act.state, "queued");
    store_action_free(&act);
    memset(seen, 0, sizeof(seen));
    assert_int_equal(store_action_each_inflight(f->s, 5, collect_ids, seen), 0);
    store_close(other);
}

/* A message one node sends reaches the other at COMMIT, not before, and
 * not the sender itself; SQLite has no other node and says so. */
static void notify_reaches_the_other_node(void **state)
{
    struct fx *f = *state;
    store *other = NULL;
    assert_int_equal(test_store_open(&f->db, &other), STORE_OK);
    if (!test_store_is_pg()) {
        assert_int_equal(store_notify_fd(f->s), -1);
        assert_int_equal(store_notify(f->s, "kick 1"), STORE_OK);
        assert_int_equal(store_notify_poll(other, notes_collect, NULL), 0);
        store_close(other);
        return;
    }
    assert_true(store_notify_fd(other) >= 0);
    struct notes got = {0};
    assert_int_equal(store_begin(f->s), STORE_OK);
    assert_int_equal(store_notify(f->s, "kick 42"), STORE_OK);
    usleep(100000);
    assert_int_equal(store_notify_poll(other, notes_collect, &got), 0);
    assert_int_equal(store_commit(f->s), STORE_OK);
    assert_int_equal(store_notify(f->s, "cancel 7"), STORE_OK);
    for (int i = 0; i < 100 && got.n < 2; i++) {
        struct pollfd pfd = {store_notify_fd(other), POLLIN, 0};
        poll(&pfd, 1, 50);
        assert_true(store_notify_poll(other, notes_collect, &got) >= 0);
    }
    assert_int_equal(got.n, 2);
    assert_string_equal(got.msg[0], "kick 42");
    assert_string_equal(got.msg[1], "cancel 7");
    struct notes mine = {0};
    assert_true(store_notify_poll(f->s, notes_collect, &mine) >= 0);
    assert_int_equal(mine.n, 0);
    store_close(other);
}

/* The lifecycle's columns: the head position text, the home offset, a job
 * file's extents, a move under way at a restart making the head unknown,
 * and the log search a refusal's reason comes from. */
static void head_offset_extents_and_log_search(void **state)
{
    struct fx *f = *state;
    uint8_t h[32];
    char head[128], text[256];
    memset(h, 3, sizeof(h));
    assert_int_equal(store_machine_add(f->s, 9, h, 1), STORE_OK);
    assert_int_equal(store_machine_get_head(f->s, 9, head, sizeof(head)),
                     STORE_OK);
    assert_string_equal(head, "unknown");
    assert_int_equal(store_machine_set_head(f->s, 9, "{\"x\":5}"), STORE_OK);
    assert_int_equal(store_machine_get_head(f->s, 9, head, sizeof(head)),
                     STORE_OK);
    assert_string_equal(head, "{\"x\":5}");
    assert_int_equal(store_machine_get_head(f->s, 10, head, sizeof(head)),
                     STORE_NOT_FOUND);
    int64_t dx = 1, dy = 1;
    assert_int_equal(store_machine_get_home_offset(f->s, 9, &dx, &dy),
                     STORE_OK);
    assert_int_equal(dx, 0);
    assert_int_equal(dy, 0);
    assert_int_equal(store_machine_set_home_offset(f->s, 9, -40, 25), STORE_OK);
    assert_int_equal(store_machine_set_home_offset(f->s, 10, 1, 1),
                     STORE_NOT_FOUND);
    reopen(f);
    assert_int_equal(store_machine_get_home_offset(f->s, 9, &dx, &dy),
                     STORE_OK);
    assert_int_equal(dx, -40);
    assert_int_equal(dy, 25);

    store_file in = {0}, out = {0};
    in.size = 10;
    in.net_x = -7;
    in.net_y = 8;
    in.min_x = -9;
    in.max_x = 100;
    in.min_y = -1;
    in.max_y = 50;
    assert_int_equal(store_file_add(f->s, "abc", &in, 1), STORE_OK);
    assert_int_equal(store_file_get(f->s, "abc", &out), STORE_OK);
    assert_int_equal(out.net_x, -7);
    assert_int_equal(out.net_y, 8);
    assert_int_equal(out.min_x, -9);
    assert_int_equal(out.max_x, 100);
    assert_int_equal(out.min_y, -1);
    assert_int_equal(out.max_y, 50);

    int64_t mv = add(f->s, 9, "motion");
    assert_int_equal(store_action_mark_sent(f->s, mv, 2), STORE_OK);
    assert_true(store_action_reconcile(f->s, 3) >= 1);
    assert_int_equal(store_machine_get_head(f->s, 9, head, sizeof(head)),
                     STORE_OK);
    assert_string_equal(head, "unknown");

    assert_int_equal(store_log_add(f->s, 9, 1, 1, "INFO", "motor ok", 1),
                     STORE_OK);
    assert_int_equal(store_log_add(f->s, 9, 2, 2, "ERROR", "lid open: no", 2),
                     STORE_OK);
    assert_int_equal(
        store_log_add(f->s, 9, 3, 3, "ERROR", "lid open: again", 3), STORE_OK);
    assert_int_equal(store_log_find(f->s, 9, "lid open", text, sizeof(text)),
                     STORE_OK);
    assert_string_equal(text, "lid open: again"); /* the newest */
    assert_int_equal(store_log_find(f->s, 9, "nothing", text, sizeof(text)),
                     STORE_NOT_FOUND);
    int64_t key = 0, found = 0;
    assert_int_equal(store_apikey_add(f->s, h, 1, &key), STORE_OK);
    assert_int_equal(store_apikey_find(f->s, h, &found), STORE_OK);
    assert_int_equal(found, key);
    assert_int_equal(store_apikey_revoke(f->s, key), STORE_OK);
    assert_int_equal(store_apikey_find(f->s, h, &found), STORE_NOT_FOUND);
}

static store_job job_of(uint64_t serial, const char *state, int64_t created)
{
    store_job j = {0};
    j.serial = serial;
    snprintf(j.name, sizeof(j.name), "box");
    snprintf(j.state, sizeof(j.state), "%s", state);
    snprintf(j.created_by, sizeof(j.created_by), "key:1");
    j.params = strdup("{\"x_mm\":10}");
    j.created = created;
    return j;
}

/* Jobs: add, read back whole, update, the queue order per machine, the
 * active one, the print action's job, the history list (newest first,
 * filtered) and the restart rule. */
static void jobs_queue_history_and_restart(void **state)
{
    struct fx *f = *state;
    store_job a = job_of(5, "queued", 100),
              b = job_of(5, "waiting_for_home", 101),
              c = job_of(6, "running", 102), got;
    assert_int_equal(store_job_add(f->s, &a), STORE_OK);
    assert_int_equal(store_job_add(f->s, &b), STORE_OK);
    assert_int_equal(store_job_add(f->s, &c), STORE_OK);
    assert_true(a.id > 0 && b.id > a.id && c.id > b.id);
    assert_int_equal(store_job_get(f->s, a.id, &got), STORE_OK);
    assert_string_equal(got.name, "box");
    assert_string_equal(got.params, "{\"x_mm\":10}");
    assert_null(got.stats);
    assert_int_equal(got.created, 100);
    store_job_free(&got);
    assert_int_equal(store_job_get(f->s, c.id + 9, &got), STORE_NOT_FOUND);

    assert_int_equal(store_job_first(f->s, 5, &got), STORE_OK);
    assert_int_equal(got.id, a.id); /* the oldest waiting */
    store_job_free(&got);
    assert_int_equal(store_job_first(f->s, 7, &got), STORE_NOT_FOUND);
    snprintf(a.state, sizeof(a.state), "sending");
    a.print_action = 1600000123;
    a.stats = strdup("{\"run_s\":3}");
    snprintf(a.reason, sizeof(a.reason), "it's \"quoted\"");
    assert_int_equal(store_job_put(f->s, &a), STORE_OK);
    /* Under way comes before waiting, though b is the only one waiting. */
    assert_int_equal(store_job_first(f->s, 5, &got), STORE_OK);
    assert_int_equal(got.id, a.id);
    assert_string_equal(got.state, "sending");
    store_job_free(&got);
    assert_int_equal(store_job_active(f->s, 5, &got), STORE_OK);
    assert_int_equal(got.id, a.id);
    assert_string_equal(got.stats, "{\"run_s\":3}");
    assert_string_equal(got.reason, "it's \"quoted\"");
    store_job_free(&got);
    assert_int_equal(store_job_by_action(f->s, 1600000123, &got), STORE_OK);
    assert_int_equal(got.id, a.id);
    store_job_free(&got);
    assert_int_equal(store_job_by_action(f->s, 0, &got), STORE_NOT_FOUND);

    json_t *all = store_job_list(f->s, 0, NULL, 0, 10);
    assert_int_equal(json_array_size(all), 3);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(all, 0), "id")),
        c.id); /* newest first */
    json_decref(all);
    json_t *five = store_job_list(f->s, 5, "waiting_for_home", 0, 10);
    assert_int_equal(json_array_size(five), 1);
    json_decref(five);
    json_t *late = store_job_list(f->s, 0, NULL, 102, 10);
    assert_int_equal(json_array_size(late), 1);
    json_decref(late);

    assert_int_equal(store_job_reconcile(f->s, 200), 2); /* a and c */
    assert_int_equal(store_job_get(f->s, c.id, &got), STORE_OK);
    assert_string_equal(got.state, "failed");
    assert_string_equal(got.reason, "service restarted while the job was "
                                    "running");
    assert_int_equal(got.finished, 200);
    store_job_free(&got);
    /* a has ended: the one waiting is next. */
    assert_int_equal(store_job_first(f->s, 5, &got), STORE_OK);
    assert_int_equal(got.id, b.id);
    store_job_free(&got);
    store_job_free(&a);
    store_job_free(&b);
    store_job_free(&c);
}

/* Audit entries page by cursor with their JSON detail; materials are
 * created once or replaced, listed by name, deleted; flags are set once. */
static void audit_materials_and_flags(void **state)
{
    struct fx *f = *state;
    assert_int_equal(store_audit_add(f->s, 10, "key:1", "127.0.0.1",
                                     "job.create", "job:1", "{\"n\":1}"),
                     STORE_OK);
    assert_int_equal(
        store_audit_add(f->s, 11, "key:2", "::1", "job.cancel", "job:1", NULL),
        STORE_OK);
    json_t *all = store_audit_list(f->s, 0, 10);
    assert_int_equal(json_array_size(all), 2);
    json_t *first = json_array_get(all, 0);
    assert_string_equal(json_string_value(json_object_get(first, "what")),
                        "job.create");
    assert_string_equal(json_string_value(json_object_get(first, "from")),
                        "127.0.0.1");
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(first, "detail"), "n")),
                     1);
    assert_true(
        json_is_null(json_object_get(json_array_get(all, 1), "detail")));
    json_int_t cursor = json_integer_value(json_object_get(first, "cursor"));
    json_decref(all);
    json_t *rest = store_audit_list(f->s, cursor, 10);
    assert_int_equal(json_array_size(rest), 1);
    json_decref(rest);

    json_t *oak = json_pack("{s:s, s:f}", "name", "oak", "thickness_mm", 3.0);
    json_t *oak2 = json_pack("{s:s, s:f}", "name", "oak", "thickness_mm", 6.0);
    json_t *ash = json_pack("{s:s}", "name", "ash");
    assert_int_equal(store_material_put(f->s, "oak", oak, 1), STORE_OK);
    assert_int_equal(store_material_put(f->s, "oak", oak2, 1), STORE_ALREADY);
    assert_int_equal(store_material_put(f->s, "oak", oak2, 0), STORE_OK);
    assert_int_equal(store_material_put(f->s, "ash", ash, 1), STORE_OK);
    json_t *doc = NULL;
    assert_int_equal(store_material_get(f->s, "oak", &doc), STORE_OK);
    assert_true(json_real_value(json_object_get(doc, "thickness_mm")) == 6.0);
    json_decref(doc);
    json_t *list = store_material_list(f->s);
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(list, 0), "name")),
        "ash");
    json_decref(list);
    assert_int_equal(store_material_delete(f->s, "ash"), STORE_OK);
    assert_int_equal(store_material_delete(f->s, "ash"), STORE_NOT_FOUND);
    assert_int_equal(store_material_get(f->s, "ash", &doc), STORE_NOT_FOUND);
    json_decref(oak);
    json_decref(oak2);
    json_decref(ash);

    assert_int_equal(store_flag_get(f->s, "seeded"), STORE_NOT_FOUND);
    assert_int_equal(store_flag_set(f->s, "seeded"), STORE_OK);
    assert_int_equal(store_flag_set(f->s, "seeded"), STORE_OK);
    assert_int_equal(store_flag_get(f->s, "seeded"), STORE_OK);
}

/* Heartbeats: a node another node has heard of lately keeps its actions
 * in flight; one silent past the limit has them ended, once, and the
 * machine's head position with them if it was a move. SQLite, one node,
 * has nothing to reap. */
static void dead_nodes_are_reaped_once(void **state)
{
    struct fx *f = *state;
    store *other = NULL;
    uint8_t h[32];
    char head[64];
    memset(h, 1, sizeof(h));
    assert_int_equal(test_store_open(&f->db, &other), STORE_OK);
    store_set_node(f->s, "node-a");
    store_set_node(other, "node-b");
    assert_int_equal(store_machine_add(f->s, 77, h, 1), STORE_OK);
    assert_int_equal(store_machine_set_head(f->s, 77, "{\"x\":1}"), STORE_OK);
    int64_t mv = add(f->s, 77, "motion");
    assert_int_equal(store_action_mark_sent(f->s, mv, 100), STORE_OK);
    assert_int_equal(store_node_beat(f->s, 100), STORE_OK);
    assert_int_equal(store_node_beat(other, 100), STORE_OK);
    if (!test_store_is_pg()) {
        assert_int_equal(store_node_reap(other, 1000, 1000), 0);
        store_close(other);
        return;
    }
    assert_int_equal(store_node_reap(other, 50, 110), 0); /* alive */
    assert_int_equal(store_node_reap(other, 200, 210), 1);
    assert_int_equal(store_node_reap(other, 200, 211), 0); /* once */
    store_action a;
    assert_int_equal(store_action_get(other, mv, &a), STORE_OK);
    assert_string_equal(a.state, "interrupted");
    store_action_free(&a);
    assert_int_equal(store_machine_get_head(other, 77, head, sizeof(head)),
                     STORE_OK);
    assert_string_equal(head, "unknown");
    /* A node never takes itself for dead, however old its own beat. */
    int64_t mine = add(other, 77, "update_check");
    assert_int_equal(store_action_mark_sent(other, mine, 300), STORE_OK);
    assert_int_equal(store_node_reap(other, 100000, 100000), 0);
    assert_int_equal(store_action_get(other, mine, &a), STORE_OK);
    assert_string_equal(a.state, "sent");
    store_action_free(&a);
    store_close(other);
}

/* A calibration blob survives byte for byte (every byte value, at the
 * size a real one has), is replaced by a new one, is only read when
 * asked for, needs its machine, and goes with it. */
static void camera_calibration_per_machine(void **state)
{
    struct fx *f = *state;
    uint8_t h[32];
    memset(h, 3, sizeof(h));
    assert_int_equal(store_machine_add(f->s, 42, h, 1), STORE_OK);
    store_camera c = {.ref_x = 12939, .ref_y = -7403, .calibrated = 77};
    snprintf(c.figures, sizeof(c.figures), "{\"px_per_mm\":21.9}");
    c.len = 140000;
    c.blob = malloc(c.len);
    for (size_t i = 0; i < c.len; i++)
        c.blob[i] = (uint8_t)(i * 7 + (i >> 8));
    store_camera got;
    assert_int_equal(store_camera_get(f->s, 42, &got, 1), STORE_NOT_FOUND);
    assert_int_equal(store_camera_put(f->s, 43, &c), STORE_NOT_FOUND);
    assert_int_equal(store_camera_put(f->s, 42, &c), STORE_OK);
    reopen(f);
    assert_int_equal(store_camera_get(f->s, 42, &got, 1), STORE_OK);
    assert_int_equal(got.ref_x, 12939);
    assert_int_equal(got.ref_y, -7403);
    assert_int_equal(got.calibrated, 77);
    assert_string_equal(got.figures, c.figures);
    assert_int_equal(got.len, c.len);
    assert_memory_equal(got.blob, c.blob, c.len);
    store_camera_free(&got);
    assert_null(got.blob);
    c.blob[0] ^= 0xff;
    c.len = 1000;
    c.calibrated = 78;
    assert_int_equal(store_camera_put(f->s, 42, &c), STORE_OK);
    assert_int_equal(store_camera_get(f->s, 42, &got, 0), STORE_OK);
    assert_null(got.blob);
    assert_int_equal(got.calibrated, 78);
    assert_int_equal(store_camera_get(f->s, 42, &got, 1), STORE_OK);
    assert_int_equal(got.len, 1000);
    assert_memory_equal(got.blob, c.blob, 1000);
    store_camera_free(&got);
    assert_int_equal(store_machine_remove(f->s, 42), STORE_OK);
    assert_int_equal(store_machine_add(f->s, 42, h, 2), STORE_OK);
    assert_int_equal(store_camera_get(f->s, 42, &got, 1), STORE_NOT_FOUND);
    free(c.blob);
}

/* GET /metrics' jobs by state: one count per state the store holds. */
static void job_counts_by_state(void **state)
{
    struct fx *f = *state;
    json_t *o = store_job_counts(f->s);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 0);
    json_decref(o);
    store_job a = job_of(5, "queued", 100), b = job_of(5, "queued", 101),
              c = job_of(6, "completed", 102);
    assert_int_equal(store_job_add(f->s, &a), STORE_OK);
    assert_int_equal(store_job_add(f->s, &b), STORE_OK);
    assert_int_equal(store_job_add(f->s, &c), STORE_OK);
    snprintf(b.state, sizeof(b.state), "running");
    assert_int_equal(store_job_put(f->s, &b), STORE_OK);
    o = store_job_counts(f->s);
    assert_non_null(o);
    assert_int_equal(json_object_size(o), 3);
    assert_int_equal(json_integer_value(json_object_get(o, "queued")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "running")), 1);
    assert_int_equal(json_integer_value(json_object_get(o, "completed")), 1);
    json_decref(o);
    store_job_free(&a);
    store_job_free(&b);
    store_job_free(&c);
}

/* Webhooks and their delivery log: add, list (the secret only when asked
 * for), a delivery taken once under its lease and again after it, attempts
 * recorded in order, the next try, removal dropping what is pending, and
 * that it all survives reopening. */
static void webhooks_and_deliveries(void **state)
{
    struct fx *f = *state;
    int64_t w1 = 0, w2 = 0, d1 = 0, d2 = 0, next = -1;
    store_delivery d;
    assert_int_equal(
        store_webhook_add(f->s, "http://a/", "job.failed", "s1", 10, &w1),
        STORE_OK);
    assert_int_equal(store_webhook_add(f->s, "http://b/",
                                       "machine.online,machine.offline", "s2",
                                       11, &w2),
                     STORE_OK);
    assert_true(w2 > w1);
    json_t *l = store_webhook_list(f->s, 0);
    assert_int_equal(json_array_size(l), 2);
    json_t *e = json_array_get(l, 1);
    assert_string_equal(json_string_value(json_object_get(e, "url")),
                        "http://b/");
    assert_string_equal(json_string_value(json_object_get(e, "events")),
                        "machine.online,machine.offline");
    assert_int_equal(json_integer_value(json_object_get(e, "created")), 11);
    assert_null(json_object_get(e, "secret"));
    json_decref(l);
    l = store_webhook_list(f->s, 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(l, 0), "secret")),
        "s1");
    json_decref(l);

    /* Nothing due yet; then two, the older first. */
    assert_int_equal(store_delivery_take(f->s, 1000, 2000, &d, &next),
                     STORE_NOT_FOUND);
    assert_int_equal(next, 0);
    assert_int_equal(
        store_delivery_add(f->s, w1, "job.failed", "{\"a\":1}", 5000, &d1),
        STORE_OK);
    assert_int_equal(
        store_delivery_add(f->s, w2, "machine.online", "{}", 5001, &d2),
        STORE_OK);
    assert_int_equal(store_delivery_take(f->s, 4999, 9000, &d, &next),
                     STORE_NOT_FOUND);
    assert_int_equal(next, 5000);
    assert_int_equal(store_delivery_take(f->s, 6000, 9000, &d, &next),
                     STORE_OK);
    assert_int_equal(d.id, d1);
    assert_int_equal(d.webhook_id, w1);
    assert_string_equal(d.url, "http://a/");
    assert_string_equal(d.secret, "s1");
    assert_string_equal(d.event, "job.failed");
    assert_string_equal(d.body, "{\"a\":1}");
    assert_int_equal(d.attempts, 0);
    store_delivery_free(&d);
    assert_int_equal(next, 5001); /* d2; d1 is leased until 9000 */
    assert_int_equal(store_delivery_take(f->s, 6000, 9000, &d, &next),
                     STORE_OK);
    assert_int_equal(d.id, d2);
    store_delivery_free(&d);
    /* One at a time per webhook: w1's next waits while d1 is out. */
    int64_t d3 = 0;
    assert_int_equal(
        store_delivery_add(f->s, w1, "job.failed", "{}", 5002, &d3), STORE_OK);
    assert_int_equal(store_delivery_take(f->s, 6000, 9000, &d, &next),
                     STORE_NOT_FOUND);
    assert_int_equal(next, 5002);
    /* A failed attempt, a later try; the lease ran out for d2. */
    assert_int_equal(store_delivery_attempt(f->s, d1, 6100, 500, "HTTP 500", 12,
                                            "pending", 7000),
                     STORE_OK);
    reopen(f);
    assert_int_equal(store_delivery_take(f->s, 7000, 20000, &d, &next),
                     STORE_OK);
    assert_int_equal(d.id, d3); /* due first, now that w1 has none out */
    store_delivery_free(&d);
    assert_int_equal(
        store_delivery_attempt(f->s, d3, 7010, 204, "", 1, "delivered", 0),
        STORE_OK);
    assert_int_equal(store_delivery_take(f->s, 7000, 20000, &d, &next),
                     STORE_OK);
    assert_int_equal(d.id, d1);
    assert_int_equal(d.attempts, 1);
    store_delivery_free(&d);
    assert_int_equal(
        store_delivery_attempt(f->s, d1, 7050, 200, "", 3, "delivered", 0),
        STORE_OK);
    assert_int_equal(store_delivery_take(f->s, 9000, 20000, &d, &next),
                     STORE_OK);
    assert_int_equal(d.id, d2);
    store_delivery_free(&d);
    assert_int_equal(
        store_delivery_attempt(f->s, 424242, 1, 0, "x", 0, "failed", 0),
        STORE_NOT_FOUND);

    /* The log: newest first, each with its attempts in order. */
    l = store_delivery_list(f->s, 0, 10);
    assert_int_equal(json_array_size(l), 3);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(l, 0), "id")), d3);
    json_decref(l);
    l = store_delivery_list(f->s, w1, 10);
    assert_int_equal(json_array_size(l), 2);
    e = json_array_get(l, 1);
    assert_string_equal(json_string_value(json_object_get(e, "state")),
                        "delivered");
    assert_string_equal(json_string_value(json_object_get(e, "event")),
                        "job.failed");
    assert_int_equal(json_integer_value(json_object_get(e, "webhook")), w1);
    json_t *tries = json_object_get(e, "attempts");
    assert_int_equal(json_array_size(tries), 2);
    json_t *t0 = json_array_get(tries, 0), *t1 = json_array_get(tries, 1);
    assert_int_equal(json_integer_value(json_object_get(t0, "at")), 6100);
    assert_int_equal(json_integer_value(json_object_get(t0, "status")), 500);
    assert_string_equal(json_string_value(json_object_get(t0, "error")),
                        "HTTP 500");
    assert_int_equal(json_integer_value(json_object_get(t0, "took_ms")), 12);
    assert_int_equal(json_integer_value(json_object_get(t1, "status")), 200);
    json_decref(l);

    /* Removing a webhook drops what it still had pending. */
    assert_int_equal(store_webhook_remove(f->s, w2), STORE_OK);
    assert_int_equal(store_webhook_remove(f->s, w2), STORE_NOT_FOUND);
    assert_int_equal(store_delivery_take(f->s, 99999, 100000, &d, &next),
                     STORE_NOT_FOUND);
    assert_int_equal(next, 0);
    l = store_delivery_list(f->s, w2, 10);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(l, 0), "state")),
        "dropped");
    json_decref(l);
    l = store_webhook_list(f->s, 0);
    assert_int_equal(json_array_size(l), 1);
    json_decref(l);
}

/* Users, the keys they own and their sessions: a removed user's keys and
 * sessions stop working; a key made before users has no owner; a
 * session's last use decides whether it is still good; all of it
 * survives reopening. */
static void users_keys_and_sessions(void **state)
{
    struct fx *f = *state;
    char role[16], hash[128];
    uint8_t k_old[32], k_ann[32], k_bob[32], sess[32], other[32];
    store_principal p;
    memset(k_old, 1, 32);
    memset(k_ann, 2, 32);
    memset(k_bob, 3, 32);
    memset(sess, 4, 32);
    memset(other, 5, 32);

    assert_int_equal(store_user_add(f->s, "ann", "admin", "$argon2id$a", 10),
                     STORE_OK);
    assert_int_equal(store_user_add(f->s, "ann", "viewer", "$argon2id$x", 11),
                     STORE_ALREADY);
    assert_int_equal(store_user_add(f->s, "bob", "viewer", "$argon2id$b", 12),
                     STORE_OK);
    assert_int_equal(store_user_get(f->s, "ann", role, hash), STORE_OK);
    assert_string_equal(role, "admin");
    assert_string_equal(hash, "$argon2id$a");
    assert_int_equal(store_user_get(f->s, "nobody", role, hash),
                     STORE_NOT_FOUND);
    assert_int_equal(store_user_set_password(f->s, "bob", "$argon2id$c"),
                     STORE_OK);
    assert_int_equal(store_user_set_password(f->s, "nobody", "$argon2id$c"),
                     STORE_NOT_FOUND);
    json_t *users = store_user_list(f->s);
    assert_int_equal(json_array_size(users), 2);
    json_t *u0 = json_array_get(users, 0);
    assert_string_equal(json_string_value(json_object_get(u0, "name")), "ann");
    assert_string_equal(json_string_value(json_object_get(u0, "role")),
                        "admin");
    assert_int_equal(json_integer_value(json_object_get(u0, "created")), 10);
    assert_null(json_object_get(u0, "pw_hash"));
    json_decref(users);

    int64_t id_old = 0, id_ann = 0, id_bob = 0;
    assert_int_equal(store_apikey_add(f->s, k_old, 1, &id_old), STORE_OK);
    assert_int_equal(
        store_apikey_add_owned(f->s, k_ann, "ann", "operator", 2, &id_ann),
        STORE_OK);
    assert_int_equal(
        store_apikey_add_owned(f->s, k_bob, "bob", "viewer", 3, &id_bob),
        STORE_OK);
    assert_int_equal(store_apikey_principal(f->s, k_old, &p), STORE_OK);
    assert_int_equal(p.key_id, id_old);
    assert_string_equal(p.user, "");
    assert_string_equal(p.role, "");
    assert_int_equal(store_apikey_principal(f->s, k_ann, &p), STORE_OK);
    assert_int_equal(p.key_id, id_ann);
    assert_string_equal(p.user, "ann");
    assert_string_equal(p.role, "operator");
    assert_string_equal(p.user_role, "admin");
    json_t *keys = store_apikey_list(f->s);
    assert_int_equal(json_array_size(keys), 3);
    json_t *k0 = json_array_get(keys, 0), *k1 = json_array_get(keys, 1);
    assert_true(json_is_null(json_object_get(k0, "user")));
    assert_string_equal(json_string_value(json_object_get(k0, "role")),
                        "admin");
    assert_string_equal(json_string_value(json_object_get(k1, "user")), "ann");
    assert_string_equal(json_string_value(json_object_get(k1, "role")),
                        "operator");
    json_decref(keys);

    assert_int_equal(store_session_add(f->s, sess, "bob", "c5rf", 100),
                     STORE_OK);
    assert_int_equal(store_session_add(f->s, other, "ann", "t0k", 100),
                     STORE_OK);
    assert_int_equal(store_session_get(f->s, sess, 100, &p), STORE_OK);
    assert_string_equal(p.user, "bob");
    assert_string_equal(p.user_role, "viewer");
    assert_string_equal(p.csrf, "c5rf");
    assert_int_equal(p.used, 100);
    assert_int_equal(p.key_id, 0);
    /* last used at 100: not good for a caller that wants a use since 101 */
    assert_int_equal(store_session_get(f->s, sess, 101, &p), STORE_NOT_FOUND);
    assert_int_equal(store_session_touch(f->s, sess, 150), STORE_OK);
    reopen(f);
    assert_int_equal(store_session_get(f->s, sess, 101, &p), STORE_OK);
    assert_int_equal(p.used, 150);
    assert_int_equal(store_session_prune(f->s, 120), 1); /* ann's */
    assert_int_equal(store_session_get(f->s, other, 0, &p), STORE_NOT_FOUND);
    assert_int_equal(store_session_remove(f->s, other), STORE_NOT_FOUND);

    /* bob goes: his key and his session with him, ann's stay */
    assert_int_equal(store_user_remove(f->s, "bob"), STORE_OK);
    assert_int_equal(store_user_remove(f->s, "bob"), STORE_NOT_FOUND);
    assert_int_equal(store_apikey_principal(f->s, k_bob, &p), STORE_NOT_FOUND);
    assert_int_equal(store_session_get(f->s, sess, 0, &p), STORE_NOT_FOUND);
    /* a user of the same name later does not bring the old key back */
    assert_int_equal(store_user_add(f->s, "bob", "admin", "$argon2id$d", 20),
                     STORE_OK);
    assert_int_equal(store_apikey_principal(f->s, k_bob, &p), STORE_NOT_FOUND);
    assert_int_equal(store_apikey_principal(f->s, k_ann, &p), STORE_OK);
    assert_int_equal(store_session_add(f->s, sess, "ann", "c", 200), STORE_OK);
    assert_int_equal(store_session_remove(f->s, sess), STORE_OK);
    assert_int_equal(store_session_get(f->s, sess, 0, &p), STORE_NOT_FOUND);
}

/* Raw SQL on the test's database, behind the store's back (a database
 * made by an older gfcloud). */
static void raw_sql(struct fx *f, const char *sql)
{
    if (f->db.pg) {
        PGconn *c = PQconnectdb(f->db.where);
        PGresult *r = PQexec(c, sql);
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            fail_msg("%s: %s", sql, PQerrorMessage(c));
        PQclear(r);
        PQfinish(c);
        return;
    }
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->db.where, &db), SQLITE_OK);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
    sqlite3_close(db);
}

/* A database from before users: no users or sessions tables, keys
 * without owner or role. Opening it adds them, and its keys are the
 * admin keys they were. */
static void a_database_from_before_users_gains_them(void **state)
{
    struct fx *f = *state;
    uint8_t k[32], sess[32];
    int64_t id = 0;
    store_principal p;
    memset(k, 7, 32);
    memset(sess, 8, 32);
    assert_int_equal(store_apikey_add(f->s, k, 1, &id), STORE_OK);
    store_close(f->s);
    f->s = NULL;
    raw_sql(f, "DROP TABLE sessions; DROP TABLE users; ALTER TABLE apikeys "
               "DROP COLUMN owner; ALTER TABLE apikeys DROP COLUMN role");
    assert_int_equal(test_store_open(&f->db, &f->s), STORE_OK);
    assert_int_equal(store_apikey_principal(f->s, k, &p), STORE_OK);
    assert_int_equal(p.key_id, id);
    assert_string_equal(p.user, "");
    assert_int_equal(store_user_add(f->s, "ann", "viewer", "$argon2id$", 2),
                     STORE_OK);
    assert_int_equal(store_session_add(f->s, sess, "ann", "c", 3), STORE_OK);
    assert_int_equal(store_session_get(f->s, sess, 3, &p), STORE_OK);
}

/* The integer at settings.<key> of machine `serial` (-1 without one). */
static json_int_t report_value(store *s, uint64_t serial, const char *key)
{
    json_t *m = store_machine_get(s, serial);
    json_t *v = json_object_get(json_object_get(m, "settings"), key);
    json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(m);
    return n;
}

/* A machine's settings report outlives an empty report, goes with the
 * machine when it is removed, and comes back only with a new full one. A
 * SQLite database from before machine_settings (the report a machines
 * column) has it moved out on opening. */
static void settings_reports_kept_apart_from_the_machine_row(void **state)
{
    struct fx *f = *state;
    uint8_t h[32];
    memset(h, 1, sizeof(h));
    assert_int_equal(store_machine_add(f->s, 7, h, 1), STORE_OK);
    assert_int_equal(store_machine_add(f->s, 8, h, 1), STORE_OK);
    assert_int_equal(store_machine_set_settings(f->s, 7, "{\"a\":1}", "full"),
                     STORE_OK);
    assert_int_equal(store_machine_set_settings(f->s, 7, "{\"a\":2}", "full"),
                     STORE_OK);
    assert_int_equal(store_machine_set_settings(f->s, 7, NULL, "empty"),
                     STORE_OK);
    assert_int_equal(report_value(f->s, 7, "a"), 2);
    json_t *m = store_machine_get(f->s, 8); /* never reported */
    assert_true(json_is_null(json_object_get(m, "settings")));
    json_decref(m);
    /* No report is kept for a machine not on record. */
    assert_int_equal(store_machine_set_settings(f->s, 99, "{}", "full"),
                     STORE_OK);
    assert_null(store_machine_get(f->s, 99));
    assert_int_equal(store_machine_remove(f->s, 7), STORE_OK);
    assert_int_equal(store_machine_add(f->s, 7, h, 2), STORE_OK);
    m = store_machine_get(f->s, 7);
    assert_true(json_is_null(json_object_get(m, "settings")));
    json_decref(m);
    if (f->db.pg)
        return;
    store_close(f->s);
    f->s = NULL;
    raw_sql(f, "ALTER TABLE machines ADD COLUMN settings TEXT; "
               "UPDATE machines SET settings = '{\"b\":3}' WHERE serial = 8; "
               "DELETE FROM machine_settings");
    assert_int_equal(test_store_open(&f->db, &f->s), STORE_OK);
    assert_int_equal(report_value(f->s, 8, "b"), 3);
    /* The column is gone: a second opening finds nothing to move. */
    store_close(f->s);
    f->s = NULL;
    raw_sql(f, "UPDATE machine_settings SET settings = '{\"b\":4}'");
    assert_int_equal(test_store_open(&f->db, &f->s), STORE_OK);
    assert_int_equal(report_value(f->s, 8, "b"), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(machines_and_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(registrations_listed_in_one_read, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(queue_order_and_states, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(events_logs_files_images, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rows_and_file_locks, setup, teardown),
        cmocka_unit_test_setup_teardown(two_stores_share_one_database, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(action_and_machine_json_shapes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(inflight_and_reconcile_per_node, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(notify_reaches_the_other_node, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(head_offset_extents_and_log_search,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(jobs_queue_history_and_restart, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(audit_materials_and_flags, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(dead_nodes_are_reaped_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(camera_calibration_per_machine, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(job_counts_by_state, setup, teardown),
        cmocka_unit_test_setup_teardown(a_batch_commits_its_frames_at_the_flush,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(webhooks_and_deliveries, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            settings_reports_kept_apart_from_the_machine_row, setup, teardown),
        cmocka_unit_test_setup_teardown(users_keys_and_sessions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_database_from_before_users_gains_them,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

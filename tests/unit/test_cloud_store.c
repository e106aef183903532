/* test_cloud_store.c - the SQLite store: machines, keys, the action queue
 * (settings first, FIFO), state changes, reconcile after a restart, events
 * and logs paging, files and images, and that data survives reopening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

/* cmocka needs the headers above first. */
#include <cmocka.h>

#include "store.h"
#include "test_cloud_tmp.h"

struct fx {
    char *dir;
    char path[256];
    store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    char err[256];
    f->dir = tmp_dir_make();
    snprintf(f->path, sizeof(f->path), "%s/db", f->dir);
    if (store_open(&f->s, f->path, 0, err, sizeof(err)) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    tmp_dir_remove(f->dir);
    free(f);
    return 0;
}

static void reopen(struct fx *f)
{
    char err[256];
    store_close(f->s);
    assert_int_equal(store_open(&f->s, f->path, 0, err, sizeof(err)), STORE_OK);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(machines_and_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(queue_order_and_states, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(events_logs_files_images, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(rows_and_file_locks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

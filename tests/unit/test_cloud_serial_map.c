/* test_cloud_serial_map.c - machines by serial: every entry found after
 * the table's doublings, a serial never added not found, iteration visits
 * each entry once, the chains stay short at any size, and clearing hands
 * every entry back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "serial_map.h"

struct entry {
    serial_node node;
    int seen;
};

static int dropped;

static void drop(serial_node *n)
{
    dropped++;
    free(n);
}

/* Serials as a fleet has them: a run from --count, and scattered ones. */
static uint64_t serial_at(size_t i)
{
    return i % 2 ? 40000000 + i : (uint64_t)i * 2654435761u + 7;
}

static void found_after_growth_and_each_once(void **state)
{
    (void)state;
    enum { N = 100000 };
    serial_map m = {0};
    assert_null(serial_map_find(&m, 1));
    assert_null(serial_map_first(&m));
    for (size_t i = 0; i < N; i++) {
        struct entry *e = calloc(1, sizeof(*e));
        assert_non_null(e);
        e->node.serial = serial_at(i);
        assert_int_equal(serial_map_add(&m, &e->node), 0);
    }
    assert_int_equal(m.n, N);
    /* At most one entry per chain on average: a lookup is a short walk. */
    assert_true(((size_t)1 << m.bits) >= N);
    for (size_t i = 0; i < N; i++) {
        serial_node *n = serial_map_find(&m, serial_at(i));
        assert_non_null(n);
        assert_int_equal(n->serial, serial_at(i));
    }
    assert_null(serial_map_find(&m, 39999999)); /* never added */
    size_t visited = 0;
    for (serial_node *n = serial_map_first(&m); n; n = serial_map_next(&m, n)) {
        struct entry *e = (struct entry *)n;
        assert_int_equal(e->seen, 0);
        e->seen = 1;
        visited++;
    }
    assert_int_equal(visited, N);
    /* The longest chain: a few entries, not N / 1,024. */
    size_t longest = 0;
    for (size_t c = 0; c < (size_t)1 << m.bits; c++) {
        size_t len = 0;
        for (serial_node *n = m.chains[c]; n; n = n->next)
            len++;
        if (len > longest)
            longest = len;
    }
    assert_true(longest <= 12);
    dropped = 0;
    serial_map_clear(&m, drop);
    assert_int_equal(dropped, N);
    assert_int_equal(m.n, 0);
    assert_null(serial_map_first(&m));
    assert_null(serial_map_find(&m, serial_at(0)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(found_after_growth_and_each_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

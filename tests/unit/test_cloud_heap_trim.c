/* test_cloud_heap_trim.c - after a burst of allocations is freed, the tick's
 * heap trim gives the free pages back (the process's RSS falls), and a heap
 * with little unused is left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "heap_trim.h"

#include "test_asan.h"

static void threshold_needs_8_mib_and_a_quarter_of_use(void **state)
{
    (void)state;
    size_t mib = (size_t)1 << 20;
    assert_false(heap_trim_worth(7 * mib, 0));        /* too little */
    assert_true(heap_trim_worth(8 * mib, 0));         /* enough */
    assert_true(heap_trim_worth(9 * mib, 32 * mib));  /* > a quarter */
    assert_false(heap_trim_worth(8 * mib, 32 * mib)); /* exactly a quarter */
    assert_false(heap_trim_worth(20 * mib, 100 * mib));
}

#ifndef UNDER_ASAN
static long rss_kib(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}
#endif

/* A burst: connections every 100 ms for 5 s, then none. No look while it
 * lasts (less than 10 s), one 2 s after it ends, then every 10 s. */
static void looks_2_s_after_a_burst_then_every_10_s(void **state)
{
    (void)state;
    heap_trim_clock k = {0};
    uint64_t n = 0;
    int64_t t = 0;
    assert_false(heap_trim_due(&k, t, n));
    for (; t < 5000; t += 100)
        assert_false(heap_trim_due(&k, t, ++n));
    for (; t < 6900; t += 100)
        assert_false(heap_trim_due(&k, t, n));
    assert_true(heap_trim_due(&k, 6900, n)); /* 2 s after the last */
    for (t = 7000; t < 16900; t += 100)
        assert_false(heap_trim_due(&k, t, n));
    assert_true(heap_trim_due(&k, 16900, n));
}

/* Connections that never stop: a look every 10 s, as a steady trickle
 * never leaves 2 s quiet. */
static void looks_every_10_s_while_connections_keep_coming(void **state)
{
    (void)state;
    heap_trim_clock k = {0};
    uint64_t n = 0;
    int looks = 0;
    for (int64_t t = 0; t <= 60000; t += 500)
        looks += heap_trim_due(&k, t, ++n);
    assert_int_equal(looks, 6); /* at 10, 20, ... 60 s */
}

/* 40 MiB in 16 KiB blocks, each followed by a small block that stays: the
 * freed blocks are holes below the top of the heap, which free() alone
 * never returns. */
#define BLOCKS 2560
static void burst_freed_is_given_back(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip(); /* the sanitizer's allocator is not glibc's */
#else
    static char *big[BLOCKS], *keep[BLOCKS];
    for (int i = 0; i < BLOCKS; i++) {
        big[i] = malloc(16 * 1024);
        keep[i] = malloc(64);
        assert_non_null(big[i]);
        assert_non_null(keep[i]);
        memset(big[i], 1, 16 * 1024); /* resident */
    }
    for (int i = 0; i < BLOCKS; i++)
        free(big[i]);
    long before = rss_kib();
    /* First poll starts the clock; one connection more, then 2 s quiet. */
    assert_int_equal(heap_trim_poll(1000, 1), 0);
    assert_int_equal(heap_trim_poll(1100, 2), 0);
    size_t unused = heap_trim_poll(3100, 2);
    long after = rss_kib();
    assert_true(unused >= (size_t)32 << 20);
    assert_true(before - after >= 24 * 1024); /* most of the 40 MiB */
    /* 10 s on, nothing allocated or freed since: no second trim. */
    assert_int_equal(heap_trim_poll(13100, 2), 0);
    assert_int_equal(heap_trim_poll(23100, 2), 0);
    for (int i = 0; i < BLOCKS; i++)
        free(keep[i]);
#endif
}

/* The figures /metrics shows: 8 MiB more in use while a block of it is
 * held, and back once it is freed. */
static void usage_follows_what_is_held(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip(); /* the sanitizer's allocator is not glibc's */
#else
    size_t used0, free0, used1, free1, used2, free2;
    assert_int_equal(heap_usage(&used0, &free0), 0);
    char *block = malloc((size_t)8 << 20);
    assert_non_null(block);
    memset(block, 1, (size_t)8 << 20);
    assert_int_equal(heap_usage(&used1, &free1), 0);
    assert_true(used1 >= used0 + ((size_t)8 << 20));
    free(block);
    assert_int_equal(heap_usage(&used2, &free2), 0);
    assert_true(used2 + ((size_t)8 << 20) <= used1);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(threshold_needs_8_mib_and_a_quarter_of_use),
        cmocka_unit_test(looks_2_s_after_a_burst_then_every_10_s),
        cmocka_unit_test(looks_every_10_s_while_connections_keep_coming),
        cmocka_unit_test(burst_freed_is_given_back),
        cmocka_unit_test(usage_follows_what_is_held),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* heap_trim.c - giving freed heap back to the system after a burst.
 *
 * A sign-in ramp or a reconnect storm allocates per connection in flight
 * (header buffers, request bodies, the parsed settings report) and frees
 * it a moment later. glibc keeps freed memory inside its heap unless it
 * lies at the very top, so after a storm of 15,000 the RSS stayed about
 * 8 KiB per session above what the sessions hold (docs/cloud.md, "Large
 * fleets"). Every 10 s, and 2 s after a burst of connections ends, the
 * tick asks the allocator how much it holds unused and, past a threshold,
 * has malloc_trim() return the free pages (madvise: the addresses stay,
 * the pages go). Off glibc this does nothing. */
#include "heap_trim.h"

#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
#include <malloc.h>
#define HAVE_MALLINFO2 1
#endif

#include "log.h"

#define POLL_MS  10000 /* a look at least this often */
#define QUIET_MS 2000  /* none for this long: the burst is over */
#define MIN_FREE ((size_t)8 << 20)

int heap_trim_worth(size_t free_bytes, size_t used_bytes)
{
    return free_bytes >= MIN_FREE && free_bytes > used_bytes / 4;
}

int heap_usage(size_t *in_use, size_t *unused)
{
#ifdef HAVE_MALLINFO2
    struct mallinfo2 mi = mallinfo2();
    *in_use = mi.uordblks + mi.hblkhd;
    *unused = mi.fordblks;
    return 0;
#else
    *in_use = *unused = 0;
    return -1;
#endif
}

int heap_trim_due(heap_trim_clock *k, int64_t now_ms, uint64_t activity)
{
    if (!k->started) {
        k->started = 1;
        k->moved_ms = k->looked_ms = now_ms;
        k->seen = activity;
        k->burst_looked = 1;
        return 0;
    }
    if (activity != k->seen) {
        k->seen = activity;
        k->moved_ms = now_ms;
        k->burst_looked = 0;
    }
    if (!k->burst_looked && now_ms - k->moved_ms >= QUIET_MS) {
        k->burst_looked = 1;
        k->looked_ms = now_ms;
        return 1;
    }
    if (now_ms - k->looked_ms >= POLL_MS) {
        k->looked_ms = now_ms;
        return 1;
    }
    return 0;
}

size_t heap_trim_poll(int64_t now_ms, uint64_t activity)
{
    static heap_trim_clock clock;
    static size_t last_used, last_unused;
    if (!heap_trim_due(&clock, now_ms, activity))
        return 0;
    size_t used, unused;
    if (heap_usage(&used, &unused) != 0)
        return 0;
    int same = used == last_used && unused == last_unused;
    last_used = used;
    last_unused = unused;
    if (same || !heap_trim_worth(unused, used))
        return 0;
#ifdef HAVE_MALLINFO2
    malloc_trim(0);
#endif
    /* The figures as the trim left them (it may shrink the heap's top):
     * the next look compares with these. */
    heap_usage(&last_used, &last_unused);
    log_msg(LOG_DEBUG, "heap: trimmed (%zu KiB unused, %zu KiB in use)",
            unused / 1024, used / 1024);
    return unused;
}

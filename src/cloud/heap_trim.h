/* heap_trim.h - giving freed heap back to the system after a burst. */
#ifndef CLOUD_HEAP_TRIM_H
#define CLOUD_HEAP_TRIM_H

#include <stddef.h>
#include <stdint.h>

/* Whether a heap holding `free_bytes` unused beside `used_bytes` in use is
 * worth trimming: at least 8 MiB unused, and more than a quarter of what is
 * in use (the steady churn of a loaded service stays below that). */
int heap_trim_worth(size_t free_bytes, size_t used_bytes);

/* When to look at the allocator's figures: every 10 s, and once 2 s after
 * a burst ends. `activity` is a count that grows with what makes the heap
 * churn (connections accepted); when it has stood still for 2 s the burst
 * is over, and its leftovers are given back then rather than up to 10 s
 * later (and not in the middle of it). */
typedef struct {
    int64_t moved_ms;  /* when `activity` last changed */
    int64_t looked_ms; /* the last look */
    uint64_t seen;     /* `activity` as last seen */
    int burst_looked;  /* looked since it last changed */
    int started;
} heap_trim_clock;

int heap_trim_due(heap_trim_clock *k, int64_t now_ms, uint64_t activity);

/* Called from the tick: when heap_trim_due() says so it looks at the
 * allocator's figures and trims when heap_trim_worth() does, unless they
 * are what they were at the last look (nothing allocated or freed since:
 * nothing more to give back). Returns the bytes the heap held unused
 * before a trim it made, 0 when it made none. */
size_t heap_trim_poll(int64_t now_ms, uint64_t activity);

/* What the allocator holds now: bytes in use (blocks handed out, the large
 * mapped ones too) and bytes it keeps unused inside its heap. 0 with both
 * set, or -1 where the allocator does not tell (not glibc 2.33 or later;
 * another malloc preloaded reports glibc's own, near-empty heap). */
int heap_usage(size_t *in_use, size_t *unused);

#endif

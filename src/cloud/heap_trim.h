/* heap_trim.h - giving freed heap back to the system after a burst. */
#ifndef CLOUD_HEAP_TRIM_H
#define CLOUD_HEAP_TRIM_H

#include <stddef.h>
#include <stdint.h>

/* Whether a heap holding `free_bytes` unused beside `used_bytes` in use is
 * worth trimming: at least 8 MiB unused, and more than a quarter of what is
 * in use (the steady churn of a loaded service stays below that). */
int heap_trim_worth(size_t free_bytes, size_t used_bytes);

/* When to look at the allocator's figures. `activity` is a count that
 * grows with whatever makes the heap churn (connections accepted): a
 * look is due once the count has stood still for 2 s (a burst is over:
 * trim then, not 10 s later, and not in the middle of it), or, while it
 * keeps moving, every 10 s as before; never twice for the same count
 * (nothing has been freed since the last look that a trim could give). */
typedef struct {
    int64_t moved_ms;   /* when `activity` last changed */
    int64_t looked_ms;  /* the last look */
    uint64_t seen;      /* `activity` as last seen */
    uint64_t looked_at; /* `activity` at the last look */
    int started;
} heap_trim_clock;

int heap_trim_due(heap_trim_clock *k, int64_t now_ms, uint64_t activity);

/* Called from the tick: when heap_trim_due() says so it looks at the
 * allocator's figures and trims when heap_trim_worth() does. Returns the
 * bytes the heap held unused before a trim it made, 0 when it made none. */
size_t heap_trim_poll(int64_t now_ms, uint64_t activity);

/* What the allocator holds now: bytes in use (blocks handed out, the large
 * mapped ones too) and bytes it keeps unused inside its heap. 0 with both
 * set, or -1 where the allocator does not tell (not glibc 2.33 or later;
 * another malloc preloaded reports glibc's own, near-empty heap). */
int heap_usage(size_t *in_use, size_t *unused);

#endif

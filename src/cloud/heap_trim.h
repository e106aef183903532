/* heap_trim.h - giving freed heap back to the system after a burst. */
#ifndef CLOUD_HEAP_TRIM_H
#define CLOUD_HEAP_TRIM_H

#include <stddef.h>
#include <stdint.h>

/* Whether a heap holding `free_bytes` unused beside `used_bytes` in use is
 * worth trimming: at least 8 MiB unused, and more than a quarter of what is
 * in use (the steady churn of a loaded service stays below that). */
int heap_trim_worth(size_t free_bytes, size_t used_bytes);

/* Called from the tick; at most every 10 s it looks at the allocator's
 * figures and trims when heap_trim_worth() says so. Returns the bytes the
 * heap held unused before a trim it made, 0 when it made none. */
size_t heap_trim_poll(int64_t now_ms);

/* What the allocator holds now: bytes in use (blocks handed out, the large
 * mapped ones too) and bytes it keeps unused inside its heap. 0 with both
 * set, or -1 where the allocator does not tell (not glibc 2.33 or later;
 * another malloc preloaded reports glibc's own, near-empty heap). */
int heap_usage(size_t *in_use, size_t *unused);

#endif

/* gf/grow.h - growing an array by doubling, up to a cap.
 *
 * libgf keeps its variable-length tables (design points and polylines,
 * colour rules, style-sheet rules, images) as plain arrays with a count and
 * a capacity; this is the one place that grows them, so the cap and the
 * failure codes are the same everywhere. */
#ifndef GF_GROW_H
#define GF_GROW_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Grows the array whose pointer is at `itemsp` (a `T **`, elements of
 * `size` bytes) from *cap elements to twice that (`first` when empty),
 * never past `max` elements (SIZE_MAX: no cap of its own). Returns GF_OK (with
 * *cap updated), GF_ETOOBIG when *cap is already `max`, GF_ENOMEM when memory
 * runs out (the array and *cap are left as they were). */
int gf_grow(void *itemsp, size_t *cap, size_t size, size_t first, size_t max);

#ifdef __cplusplus
}
#endif
#endif

/* gf/grow.h - growing an array by doubling, up to a cap.
 *
 * libgf keeps its variable-length tables (design points and polylines,
 * colour rules, style-sheet rules, images) as plain arrays with a count and
 * a capacity; this is the one place that grows them, so the cap and the
 * failure codes are the same everywhere. gf_buf_append() does the same for
 * byte buffers that collect a network body or message in pieces. */
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

/* Appends `n` bytes at `p` to the byte buffer *bufp, which holds *len bytes
 * in *cap, and keeps it NUL-terminated (so a text body can be read in
 * place). The buffer doubles from `first` bytes and never grows past `max`
 * bytes, the NUL included (SIZE_MAX: no cap of its own). Returns GF_OK,
 * GF_ETOOBIG when the bytes would not fit under `max`, GF_ENOMEM when memory
 * runs out; on an error nothing is appended and the buffer is as it was. */
int gf_buf_append(char **bufp, size_t *len, size_t *cap, const void *p,
                  size_t n, size_t first, size_t max);

#ifdef __cplusplus
}
#endif
#endif

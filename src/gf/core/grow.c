/* grow.c - doubling growth of libgf's arrays, up to a cap (gf/grow.h).
 *
 * The array's pointer is read and written through memcpy so that one
 * function serves every element type without casting a `T **` to
 * `void **`. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gf/error.h"
#include "gf/grow.h"

int gf_grow(void *itemsp, size_t *cap, size_t size, size_t first, size_t max)
{
    void *items;
    if (*cap >= max)
        return GF_ETOOBIG;
    size_t n = *cap ? *cap * 2 : first;
    if (n > max || n < *cap)
        n = max;
    if (size && n > SIZE_MAX / size)
        return GF_ENOMEM;
    memcpy(&items, itemsp, sizeof items);
    items = realloc(items, n * size);
    if (!items)
        return GF_ENOMEM;
    memcpy(itemsp, &items, sizeof items);
    *cap = n;
    return GF_OK;
}

/* grow.c - doubling growth of arrays and byte buffers, up to a cap
 * (gf/grow.h).
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

int gf_buf_append(char **bufp, size_t *len, size_t *cap, const void *p,
                  size_t n, size_t first, size_t max)
{
    if (n >= SIZE_MAX - *len || *len + n + 1 > max)
        return GF_ETOOBIG;
    size_t need = *len + n + 1;
    if (need > *cap) {
        size_t want = *cap ? *cap : (first ? first : 1);
        if (want > max)
            want = max;
        while (want < need)
            want = want > max / 2 ? max : want * 2;
        char *b = realloc(*bufp, want);
        if (!b)
            return GF_ENOMEM;
        *bufp = b;
        *cap = want;
    }
    if (n)
        memcpy(*bufp + *len, p, n);
    *len += n;
    (*bufp)[*len] = '\0';
    return GF_OK;
}

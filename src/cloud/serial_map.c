/* serial_map.c - machines by serial (serial_map.h). */
#include "serial_map.h"

#include <stdlib.h>

#define FIRST_BITS 8 /* 256 chains */

/* Fibonacci hashing: serials are often consecutive (a fleet registered
 * with --count); the multiply spreads them over the top bits. */
static size_t chain_of(uint64_t serial, unsigned bits)
{
    return (size_t)((serial * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits));
}

serial_node *serial_map_find(const serial_map *m, uint64_t serial)
{
    if (!m->bits)
        return NULL;
    serial_node *e = m->chains[chain_of(serial, m->bits)];
    while (e && e->serial != serial)
        e = e->next;
    return e;
}

/* Twice the chains, every entry relinked: O(N), once per doubling. */
static void grow(serial_map *m)
{
    unsigned bits = m->bits + 1;
    serial_node **chains = calloc((size_t)1 << bits, sizeof(*chains));
    if (!chains)
        return;
    for (size_t i = 0; i < (size_t)1 << m->bits; i++) {
        serial_node *e = m->chains[i];
        while (e) {
            serial_node *next = e->next;
            size_t c = chain_of(e->serial, bits);
            e->next = chains[c];
            chains[c] = e;
            e = next;
        }
    }
    free(m->chains);
    m->chains = chains;
    m->bits = bits;
}

int serial_map_add(serial_map *m, serial_node *node)
{
    if (!m->bits) {
        m->chains = calloc((size_t)1 << FIRST_BITS, sizeof(*m->chains));
        if (!m->chains)
            return -1;
        m->bits = FIRST_BITS;
    }
    if (m->n >= (size_t)1 << m->bits)
        grow(m);
    size_t c = chain_of(node->serial, m->bits);
    node->next = m->chains[c];
    m->chains[c] = node;
    m->n++;
    return 0;
}

static serial_node *from_chain(const serial_map *m, size_t c)
{
    size_t n_chains = m->bits ? (size_t)1 << m->bits : 0;
    for (; c < n_chains; c++) {
        if (m->chains[c])
            return m->chains[c];
    }
    return NULL;
}

serial_node *serial_map_first(const serial_map *m)
{
    return from_chain(m, 0);
}

serial_node *serial_map_next(const serial_map *m, const serial_node *node)
{
    if (node->next)
        return node->next;
    return from_chain(m, chain_of(node->serial, m->bits) + 1);
}

void serial_map_clear(serial_map *m, void (*drop)(serial_node *))
{
    for (size_t i = 0; m->bits && i < (size_t)1 << m->bits; i++) {
        serial_node *e = m->chains[i];
        while (e) {
            serial_node *next = e->next;
            drop(e);
            e = next;
        }
    }
    free(m->chains);
    m->chains = NULL;
    m->bits = 0;
    m->n = 0;
}

/* serial_map.h - machines by serial: an intrusive hash table that grows.
 *
 * The scheduler and the lifecycle each keep one entry per machine they
 * have seen, and look one up for every frame, action and connect. A
 * table of a fixed size would make that a walk of N / size entries (100
 * at 100,000 machines on 1,024 chains): this one doubles its chains when
 * it holds more entries than chains, so a lookup stays a chain of about
 * one entry at any N. The entry embeds a serial_node (the caller owns the
 * memory; the map only links it). Entries are never removed one by one:
 * the owners keep a machine's entry for the process's life. */
#ifndef CLOUD_SERIAL_MAP_H
#define CLOUD_SERIAL_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct serial_node {
    struct serial_node *next;
    uint64_t serial;
} serial_node;

typedef struct {
    serial_node **chains;
    unsigned bits; /* 1 << bits chains; 0 bits: none allocated yet */
    size_t n;      /* entries held */
} serial_map;

/* An empty map: all zero (no allocation until the first add). */

/* The entry for `serial`, NULL if none. */
serial_node *serial_map_find(const serial_map *m, uint64_t serial);
/* Links `node` (its serial set, not in the map yet). 0, or -1 when the
 * first chains cannot be allocated (nothing linked); a growth that cannot
 * be allocated leaves the map as it was, only slower. */
int serial_map_add(serial_map *m, serial_node *node);
/* Iteration in no particular order; the map must not change meanwhile.
 * `first` NULL when empty, `next` NULL after the last. */
serial_node *serial_map_first(const serial_map *m);
serial_node *serial_map_next(const serial_map *m, const serial_node *node);
/* Empties the map: `drop(node)` for each entry (it may free it), then the
 * chains are freed. */
void serial_map_clear(serial_map *m, void (*drop)(serial_node *));

#endif

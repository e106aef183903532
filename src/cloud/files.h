/* files.h - job files: a pulse file validated with libgf and kept as a
 * gzip blob, plus its row in the store. */
#ifndef CLOUD_FILES_H
#define CLOUD_FILES_H

#include <jansson.h>
#include <stdint.h>

#include "cloud.h"

typedef struct files_result {
    char id[65];
    uint64_t size; /* stored (gzip) size */
    int64_t payload;
    uint32_t stfr;
    uint32_t mcsn; /* 0: not locked to a machine */
    /* X/Y steps from the start: the end (net) and the reach (min/max) */
    int64_t net_x, net_y, min_x, max_x, min_y, max_y;
    uint64_t laser_ticks; /* ticks with the laser on */
    char err[256];
    const char *code; /* gf_errname() or "internal" on failure */
} files_result;

/* Validate `path` completely and store it as a gzip blob. Touches no shared
 * state but the blob directory, so it may run on a worker thread. Caps:
 * max_body bytes as sent, max_inflated once inflated (0: libgf's default);
 * past the second res->code is "inflated_too_large".
 * 0, or -1 with res->err / res->code set. */
int files_prepare(blobs *b, long max_body, long max_inflated, const char *path,
                  files_result *res);
/* Record a prepared file in the store; returns its JSON description (new
 * reference) or NULL on a database error. Event loop only. */
json_t *files_record(cloud *c, const files_result *res);
/* The copy of job blob `src_path` locked to machine `serial`: the same
 * header tags with every MCsn set to `serial`, the same payload, gzip kept
 * (PROTOCOL.md §19: the service writes the real serial). Stored as a blob;
 * res gets its id, size, payload, stfr and mcsn. Blocking (reads, deflates
 * and fsyncs the whole file, at most max_inflated bytes of it): a worker's
 * job. 0, or -1 with res->err / res->code. */
int files_lock_copy(blobs *b, const char *src_path, uint32_t serial,
                    long max_inflated, files_result *res);
/* Both, at once (start-up: the bundled hunt file). */
int files_ingest(cloud *c, const char *path, files_result *res);

#endif

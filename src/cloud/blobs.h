/* blobs.h - content-addressed files on disk (images, job files). */
#ifndef CLOUD_BLOBS_H
#define CLOUD_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#define BLOB_ID_LEN 64 /* hex BLAKE2b-256 */

typedef struct blobs blobs;
typedef struct blob_writer blob_writer;

int blobs_open(blobs **out, const char *dir, char *err, size_t errlen);

/* Whether errno value `e` means the disk (or a quota, or a file size
 * limit) is full: ENOSPC, EDQUOT, EFBIG. Such a failure is the operator's
 * to fix, not a bug, so callers answer 507 "disk_full" rather than 500. */
int blobs_is_full(int e);
/* Write all `len` bytes to `fd`, retrying short writes. 0, or -1 with
 * errno set (a write that makes no progress reports ENOSPC). */
int blobs_write_all(int fd, const void *buf, size_t len);
/* The JSON error for a failed write with errno `e`: the HTTP status (507 or
 * 500) and a stable code ("disk_full" or "internal"). */
int blobs_err_status(int e, const char **code);
void blobs_close(blobs *b);

/* Path of blob `id` (no check that it exists). Returns -1 on a bad id. */
int blobs_path(const blobs *b, const char *id, char *out, size_t outlen);

/* A temporary file under the blob dir for scratch use (e.g. a body being
 * validated before it becomes a blob); caller unlinks it. Returns fd. */
int blobs_scratch(const blobs *b, char *path, size_t pathlen);

/* Stream a new blob: written to a temp file, hashed as it goes, and on
 * commit fsynced and renamed into place, so a blob either exists whole or
 * not at all. Every call that fails returns -1 with errno kept from the
 * failing system call (blobs_is_full() tells a full disk), and a failed
 * or aborted writer leaves no file behind. */
int blob_writer_open(blobs *b, blob_writer **out);
int blob_writer_write(blob_writer *w, const void *buf, size_t len);
uint64_t blob_writer_size(const blob_writer *w);
/* Commit and free `w`; `id` gets the content address. */
int blob_writer_commit(blob_writer *w, char id[BLOB_ID_LEN + 1]);
void blob_writer_abort(blob_writer *w);

/* Turn a finished file under the blob dir (a blobs_scratch() file) into a
 * blob without copying it: hash it, fsync, rename into place. On success
 * the file is gone from `path` and `id` names it. Blocking: run it on a
 * worker (ingest.c), never on the event loop. */
int blobs_adopt(blobs *b, const char *path, char id[BLOB_ID_LEN + 1]);

#endif

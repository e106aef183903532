/* blobs.h - content-addressed files on disk (images, job files). */
#ifndef CLOUD_BLOBS_H
#define CLOUD_BLOBS_H

#include <stddef.h>
#include <stdint.h>

#define BLOB_ID_LEN 64 /* hex BLAKE2b-256 */

typedef struct blobs blobs;
typedef struct blob_writer blob_writer;

int blobs_open(blobs **out, const char *dir, char *err, size_t errlen);
void blobs_close(blobs *b);

/* Path of blob `id` (no check that it exists). Returns -1 on a bad id. */
int blobs_path(const blobs *b, const char *id, char *out, size_t outlen);

/* A temporary file under the blob dir for scratch use (e.g. a body being
 * validated before it becomes a blob); caller unlinks it. Returns fd. */
int blobs_scratch(const blobs *b, char *path, size_t pathlen);

/* Stream a new blob: written to a temp file, hashed as it goes, and on
 * commit fsynced and renamed into place, so a blob either exists whole or
 * not at all. */
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

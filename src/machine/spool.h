/* spool.h - the folder where downloaded jobs wait while they play
 * (--work-dir). */
#ifndef GFM_SPOOL_H
#define GFM_SPOOL_H

#include <stddef.h>
#include <stdio.h>

/* Make `dir` and any missing parents (mode 0700). 0, or -1 with errno. */
int spool_ensure_dir(const char *dir);

/* A new, empty spool file in `dir` (made first if it is missing), open for
 * reading and writing; `path` gets its name and the caller unlinks it.
 * NULL with errno set when it cannot be made. */
FILE *spool_open(const char *dir, char *path, size_t pathlen);

#endif

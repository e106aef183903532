/* webpath.h - the dashboard's file names: a request path turned into a
 * file name under the web root, and the content type a name is served as.
 * Pure (no lws, no file system), so unit tests and a fuzz target feed it
 * any bytes (fuzz/fuzz_cloud_webpath.c). */
#ifndef CLOUD_WEBPATH_H
#define CLOUD_WEBPATH_H

#include <stddef.h>

/* "/" -> "index.html", "/a/b.js" -> "a/b.js". Every segment must be
 * non-empty, made of [A-Za-z0-9_.-] and not start with a dot (no "..",
 * no hidden files); a trailing slash is refused (there is no directory
 * listing). 0 with `out` filled, or -1. */
int webpath_rel(const char *path, char *out, size_t outlen);

/* The Content-Type for a file name, by its extension; NULL for one the
 * dashboard does not serve (a file of another kind is a 404, never a
 * guess). */
const char *webpath_ctype(const char *name);

#endif

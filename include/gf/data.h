/* gf/data.h - where the files shipped beside the binaries are found.
 *
 * gfcloud and gfmachine ship data (the bundled hunt pulse file, the
 * emulated camera's pictures). In a build tree it sits next to the binary;
 * in an installed tree it is in share/gfcloud, which is ../share/gfcloud
 * from the binary whatever the prefix (a package, a test's temporary
 * prefix, /usr/local). So no binary ever points into the source tree. */
#ifndef GF_DATA_H
#define GF_DATA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Fills `out` with the first that exists of: `name` next to the running
 * binary, `name` in ../share/gfcloud from it, `name` in the data folder of
 * the configured install prefix (GF_DATADIR). Returns GF_OK, GF_ENOTFOUND
 * (then `out` holds the last, the install prefix's path, for messages),
 * GF_ETOOBIG if a path does not fit in `outlen`. */
int gf_data_path(const char *name, char *out, size_t outlen);

#ifdef __cplusplus
}
#endif
#endif

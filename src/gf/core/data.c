/* data.c - finding the data files shipped beside the binaries (gf/data.h).
 *
 * The running binary's own path (/proc/self/exe, links resolved) anchors
 * the search, so a build tree, an installed prefix and an unpacked package
 * all find their own copy without configuration. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gf/data.h"
#include "gf/error.h"

#ifndef GF_DATADIR
#define GF_DATADIR "/usr/local/share/gfcloud"
#endif

/* out = a + b; GF_ETOOBIG when it does not fit. */
static int data_join(char *out, size_t outlen, const char *a, const char *b)
{
    int n = snprintf(out, outlen, "%s%s", a, b);
    return n < 0 || (size_t)n >= outlen ? GF_ETOOBIG : GF_OK;
}

int gf_data_path(const char *name, char *out, size_t outlen)
{
    char dir[PATH_MAX], rel[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
    if (n > 0) {
        dir[n] = '\0';
        char *slash = strrchr(dir, '/');
        if (slash)
            slash[1] = '\0';
        const char *tries[] = {"", "../share/gfcloud/"};
        for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
            if (data_join(rel, sizeof(rel), tries[i], name) != GF_OK ||
                data_join(out, outlen, dir, rel) != GF_OK)
                return GF_ETOOBIG;
            if (access(out, F_OK) == 0)
                return GF_OK;
        }
    }
    if (data_join(out, outlen, GF_DATADIR "/", name) != GF_OK)
        return GF_ETOOBIG;
    return access(out, F_OK) == 0 ? GF_OK : GF_ENOTFOUND;
}

/* fuzz_cloud_webpath.c - libFuzzer target for the dashboard's request
 * paths (src/cloud/webpath.c).
 *
 * The input is the path as a client sends it. Invariants: a name that is
 * accepted is relative, fits its buffer, has no empty segment, no segment
 * that starts with a dot (so no ".." and no hidden file) and no byte
 * outside [A-Za-z0-9/_.-]; it is the path without its leading slash, or
 * index.html for "/"; a content type, when there is one, is one of the
 * few the dashboard serves. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *path, const char *rel)
{
    size_t n = strlen(rel);
    if (!n || rel[0] == '/' || rel[n - 1] == '/' || strstr(rel, "//"))
        abort();
    if (strspn(rel, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789/_-.") != n)
        abort();
    if (rel[0] == '.' || strstr(rel, "/."))
        abort();
    if (strcmp(path, "/") == 0 ? strcmp(rel, "index.html") != 0
                               : strcmp(path + 1, rel) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *path = malloc(size + 1);
    char rel[64];
    if (!path)
        return 0;
    memcpy(path, data, size);
    path[size] = '\0';
    if (webpath_rel(path, rel, sizeof(rel)) == 0) {
        check_name(path, rel);
        const char *t = webpath_ctype(rel);
        if (t && strncmp(t, "text/", 5) != 0 && strncmp(t, "image/", 6) != 0 &&
            strncmp(t, "application/json", 16) != 0 &&
            strncmp(t, "font/", 5) != 0)
            abort();
    }
    free(path);
    return 0;
}

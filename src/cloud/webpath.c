/* webpath.c - request paths to dashboard file names (webpath.h).
 *
 * The rules are strict on purpose: the dashboard is a handful of files we
 * ship, so there is no reason to accept anything that could name a file
 * outside it or one that is not ours to show. A name that passes here is
 * still resolved against the real web root (http_static.c), which catches
 * a symbolic link that leads out of it. */
#include "webpath.h"

#include <string.h>

static int name_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.';
}

int webpath_rel(const char *path, char *out, size_t outlen)
{
    if (!path || path[0] != '/' || outlen == 0)
        return -1;
    const char *p = path + 1;
    if (!*p)
        p = "index.html";
    size_t n = strlen(p);
    if (n >= outlen)
        return -1;
    int seg_start = 1;
    for (size_t i = 0; i < n; i++) {
        char ch = p[i];
        if (ch == '/') {
            if (seg_start) /* "//" or a leading "/" */
                return -1;
            seg_start = 1;
            continue;
        }
        if (!name_char(ch) || (seg_start && ch == '.'))
            return -1;
        seg_start = 0;
    }
    if (seg_start) /* ends with "/" */
        return -1;
    memcpy(out, p, n + 1);
    return 0;
}

static const struct {
    const char *ext;
    const char *ctype;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".mjs", "text/javascript; charset=utf-8"},
    {".json", "application/json; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".ico", "image/x-icon"},
    {".txt", "text/plain; charset=utf-8"},
    {".woff2", "font/woff2"},
};

const char *webpath_ctype(const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (!dot || strchr(dot, '/'))
        return NULL;
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].ctype;
    }
    return NULL;
}

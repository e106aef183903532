/* api_path.c - the request line's parsers, kept pure (no lws, no store) so
 * that unit tests and a fuzz target (fuzz/fuzz_cloud_path.c) can feed them
 * any bytes: the router's path check (http.c), the REST API's segments and
 * ids (http_api.c), the upload URL's action id and expiry (http_upload.c)
 * numeric query values and the media type of a Content-Type header. */
#include "api_path.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Paths are ASCII names and ids: anything else (.., //, %, control bytes)
 * is refused before any handler sees it. */
int api_path_ok(const char *p)
{
    if (p[0] != '/' || strstr(p, "..") || strstr(p, "//"))
        return 0;
    for (; *p; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' ||
                 ch == '-' || ch == '.';
        if (!ok)
            return 0;
    }
    return 1;
}

void api_split(const char *path, api_segs *g)
{
    snprintf(g->buf, sizeof(g->buf), "%s", path);
    g->n = 0;
    char *save = NULL;
    for (char *t = strtok_r(g->buf, "/", &save); t && g->n < API_MAX_SEGS;
         t = strtok_r(NULL, "/", &save))
        g->s[g->n++] = t;
}

int api_name_ok(const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
            return 0;
    }
    return 1;
}

/* Only digits: strtoll alone would take " 12", "+12" and overflow. */
static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
    }
    return 1;
}

int api_parse_id(const char *s, int64_t *out)
{
    if (!s || !all_digits(s))
        return -1;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE || v <= 0)
        return -1;
    *out = v;
    return 0;
}

long api_query_long(const char *v, long def, long max)
{
    if (!v)
        return def;
    if (!all_digits(v))
        return -1;
    errno = 0;
    long n = strtol(v, NULL, 10);
    if (errno == ERANGE)
        return max; /* a huge number is still "as many as you have" */
    return n > max ? max : n;
}

int api_media_type_is(const char *value, const char *type)
{
    if (!value)
        return 0;
    size_t n = strlen(type);
    while (*value == ' ' || *value == '\t')
        value++;
    if (strncasecmp(value, type, n) != 0)
        return 0;
    value += n;
    while (*value == ' ' || *value == '\t')
        value++;
    return *value == '\0' || *value == ';';
}

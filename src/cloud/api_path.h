/* api_path.h - what a client puts in a request line, checked and taken
 * apart without a network: the path's shape, its segments, numeric ids and
 * query values (since=, limit=, exp=). */
#ifndef CLOUD_API_PATH_H
#define CLOUD_API_PATH_H

#include <stddef.h>
#include <stdint.h>

#define API_MAX_SEGS 8

typedef struct api_segs {
    char buf[512];
    char *s[API_MAX_SEGS];
    int n;
} api_segs;

/* Whether `p` is an ASCII path of names and ids: starts with '/', only
 * [A-Za-z0-9/_.-], no "..", no "//". 1 good, 0 refused. */
int api_path_ok(const char *p);
/* Split `path` on '/' into at most API_MAX_SEGS segments (copied into
 * g->buf; a longer path is cut at 511 bytes, more segments are dropped). */
void api_split(const char *path, api_segs *g);
/* A name that goes in a path (a material's, a user's): 1 to `max` of
 * A-Z a-z 0-9 . _ - : 1 good, 0 refused. */
int api_name_ok(const char *s, size_t max);
/* A positive decimal id with nothing after it: 0 and *out, or -1. */
int api_parse_id(const char *s, int64_t *out);
/* A query value: `def` when absent (NULL), capped at `max`, -1 when it is
 * not a non-negative decimal number. */
long api_query_long(const char *v, long def, long max);

/* Whether a Content-Type value names media type `type` ("type/subtype",
 * lowercase): compared without regard to case (RFC 9110 §8.3.1), with
 * optional parameters after ';' and whitespace around. NULL is no. */
int api_media_type_is(const char *value, const char *type);

#endif

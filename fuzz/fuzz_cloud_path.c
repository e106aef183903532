/* fuzz_cloud_path.c - libFuzzer target for what a client puts in a request
 * line (src/cloud/api_path.c, cloud_parse_serial): the router's path check,
 * the REST API's segments, serials and ids, the upload URL's id and expiry,
 * the since=/limit= query values, and Content-Type media types.
 *
 * The input is "path\nquery-value". Invariants: a path the router accepts
 * has no "..", "//" or byte outside [A-Za-z0-9/_.-]; split segments are
 * non-empty and slash-free, at most API_MAX_SEGS; a parsed serial or id is
 * positive and made of the digits it was given; a query value is -1 or
 * within [0, max]; a value that names application/json starts, after
 * blanks, with those 16 letters in some case; any bytes escaped for the
 * log are printable ASCII. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api_path.h"
#include "cloud.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_segment(const char *seg)
{
    uint64_t serial = 0;
    int64_t id = 0;
    char back[32];
    if (!seg[0] || strchr(seg, '/'))
        abort();
    if (cloud_parse_serial(seg, &serial) == 0) {
        if (serial == 0)
            abort();
        snprintf(back, sizeof(back), "%" PRIu64, serial);
        const char *digits = seg + (seg[0] == 'S' || seg[0] == 's');
        while (digits[0] == '0' && digits[1])
            digits++;
        if (strcmp(back, digits) != 0)
            abort();
    }
    if (api_parse_id(seg, &id) == 0) {
        if (id <= 0)
            abort();
        snprintf(back, sizeof(back), "%" PRId64, id);
        while (seg[0] == '0' && seg[1])
            seg++;
        if (strcmp(back, seg) != 0)
            abort();
    }
}

static void check_path(const char *path)
{
    api_segs g;
    if (api_path_ok(path) &&
        (strstr(path, "..") || strstr(path, "//") ||
         strspn(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789/_-.") != strlen(path)))
        abort();
    api_split(path, &g);
    if (g.n < 0 || g.n > API_MAX_SEGS)
        abort();
    for (int i = 0; i < g.n; i++)
        check_segment(g.s[i]);
}

static void check_query(const char *v)
{
    long n = api_query_long(v, 100, 1000);
    if (n < -1 || n > 1000)
        abort();
    n = api_query_long(v, 0, 0x7fffffffffffffffL);
    if (n < -1)
        abort();
}

static void check_media_type(const char *v)
{
    if (!api_media_type_is(v, "application/json"))
        return;
    v += strspn(v, " \t");
    if (strncasecmp(v, "application/json", 16) != 0)
        abort();
}

/* Whatever a client sends, its escaped form is printable ASCII only (no
 * newline to forge a log line, no escape sequence) and fits its buffer. */
static void check_escape(const uint8_t *data, size_t size)
{
    char out[256];
    size_t n = log_escape(out, sizeof(out), (const char *)data, size);
    if (n >= sizeof(out) || out[n] != '\0')
        abort();
    for (size_t i = 0; i < n; i++) {
        if (out[i] < 0x20 || out[i] > 0x7e)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    check_escape(data, size);
    check_path(text);
    if (nl) {
        check_query(nl + 1);
        check_media_type(nl + 1);
    }
    check_query(NULL);
    free(text);
    return 0;
}

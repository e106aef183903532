/* signin_body.c - decoding the sign-in body (PROTOCOL.md §2, §3), apart from
 * the request handler so that unit tests and a fuzz target
 * (fuzz/fuzz_cloud_signin.c) can feed it any bytes a client might send.
 *
 * JSON goes to jansson. Form encoding keeps a small decoder of its own:
 * libwebsockets 4.1.6 offers lws_urldecode() and lws_spa, but lws_spa needs
 * a live connection and lws_urldecode() does not fit untrusted input: it
 * truncates a too-long value without saying so (and writes its NUL one byte
 * past `len`), accepts a value cut off in the middle of an escape ("ab%4"),
 * lets "%00" end the string early, and leaves the output unterminated on
 * error. Here every one of those is an error, and the input is a
 * (pointer, length) pair, not a C string. */
#include "signin_body.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Decode one form value from [s, e) into out; -1 if too long or bad. */
static int form_decode(const char *s, const char *e, char *out, size_t outlen)
{
    size_t n = 0;
    while (s < e) {
        char ch = *s++;
        if (ch == '+') {
            ch = ' ';
        } else if (ch == '%') {
            if (e - s < 2 || hexval(s[0]) < 0 || hexval(s[1]) < 0)
                return -1;
            ch = (char)(hexval(s[0]) * 16 + hexval(s[1]));
            s += 2;
        }
        if (n + 1 >= outlen || ch == '\0')
            return -1;
        out[n++] = ch;
    }
    out[n] = '\0';
    return 0;
}

/* key=value pairs split on '&'; unknown keys are ignored, a repeated key
 * takes the last value. A raw NUL anywhere makes the body unreadable. */
static int parse_form(const char *body, size_t len, signin_creds *cr)
{
    const char *p = body, *stop = body + len;
    if (memchr(body, '\0', len))
        return -1;
    while (p < stop) {
        const char *amp = memchr(p, '&', (size_t)(stop - p));
        const char *end = amp ? amp : stop;
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (eq) {
            size_t klen = (size_t)(eq - p);
            if (klen == 6 && memcmp(p, "serial", 6) == 0 &&
                form_decode(eq + 1, end, cr->serial, sizeof(cr->serial)))
                return -1;
            if (klen == 8 && memcmp(p, "password", 8) == 0 &&
                form_decode(eq + 1, end, cr->password, sizeof(cr->password)))
                return -1;
        }
        p = amp ? amp + 1 : end;
    }
    return 0;
}

static int copy_field(json_t *o, const char *k, char *out, size_t outlen)
{
    json_t *v = json_object_get(o, k);
    if (json_is_integer(v)) { /* serial sent as a number */
        snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
        return 0;
    }
    if (!json_is_string(v))
        return 0;
    if (json_string_length(v) >= outlen)
        return -1;
    snprintf(out, outlen, "%s", json_string_value(v));
    return 0;
}

static int parse_json(const char *body, size_t len, signin_creds *cr)
{
    json_t *o = json_loadb(body, len, 0, NULL);
    int rc = -1;
    if (json_is_object(o) &&
        copy_field(o, "serial", cr->serial, sizeof(cr->serial)) == 0 &&
        copy_field(o, "password", cr->password, sizeof(cr->password)) == 0)
        rc = 0;
    json_decref(o);
    return rc;
}

int signin_parse_body(const char *body, size_t len, int json, signin_creds *out)
{
    memset(out, 0, sizeof(*out));
    if (!body)
        return -1;
    int rc = json ? parse_json(body, len, out) : parse_form(body, len, out);
    if (rc != 0)
        memset(out, 0, sizeof(*out));
    return rc;
}

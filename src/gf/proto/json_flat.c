/* json_flat.c - a settings report's values checked and found as text (see
 * json_flat.h for why).
 *
 * Two readers over one cursor. The validating one (gf_json_flat_object)
 * follows RFC 8259 and jansson's own limits for strings and numbers; it
 * gives up, rather than guess, on anything it does not know to be
 * accepted. The skipping one (gf_json_find_values) only walks the line's
 * top-level and `settings` members to find where `values` is: it knows
 * strings and brackets, and leaves every other check to jansson, which
 * reads the rest of the line afterwards. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json_flat.h"

typedef struct cur {
    const unsigned char *p;
    size_t n, i;
} cur;

static int more(const cur *c)
{
    return c->i < c->n;
}

static unsigned char at(const cur *c)
{
    return c->i < c->n ? c->p[c->i] : 0;
}

static void skip_ws(cur *c)
{
    while (more(c) &&
           (at(c) == ' ' || at(c) == '\t' || at(c) == '\n' || at(c) == '\r'))
        c->i++;
}

/* -- validating -------------------------------------------------------- */

static int hex4(cur *c, unsigned *out)
{
    unsigned v = 0;
    if (c->n - c->i < 4)
        return 0;
    for (int k = 0; k < 4; k++) {
        unsigned char h = c->p[c->i++];
        v <<= 4;
        if (h >= '0' && h <= '9')
            v |= (unsigned)(h - '0');
        else if (h >= 'a' && h <= 'f')
            v |= (unsigned)(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
            v |= (unsigned)(h - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

/* After a backslash: one escape. \u0000 and lone surrogates are refused,
 * as jansson refuses them. */
static int escape(cur *c)
{
    unsigned u, lo;
    if (!more(c))
        return 0;
    switch (c->p[c->i++]) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
        return 1;
    case 'u':
        if (!hex4(c, &u) || u == 0 || (u >= 0xDC00 && u <= 0xDFFF))
            return 0;
        if (u < 0xD800 || u > 0xDBFF)
            return 1;
        if (c->n - c->i < 2 || c->p[c->i] != '\\' || c->p[c->i + 1] != 'u')
            return 0;
        c->i += 2;
        return hex4(c, &lo) && lo >= 0xDC00 && lo <= 0xDFFF;
    default:
        return 0;
    }
}

/* One UTF-8 sequence of two to four bytes: no overlong forms, no
 * surrogates, nothing past U+10FFFF. */
static int utf8_seq(cur *c)
{
    unsigned char b = c->p[c->i];
    size_t len;
    uint32_t v, min;
    if (b >= 0xC2 && b <= 0xDF)
        len = 2, v = b & 0x1F, min = 0x80;
    else if (b >= 0xE0 && b <= 0xEF)
        len = 3, v = b & 0x0F, min = 0x800;
    else if (b >= 0xF0 && b <= 0xF4)
        len = 4, v = b & 0x07, min = 0x10000;
    else
        return 0;
    if (c->n - c->i < len)
        return 0;
    for (size_t k = 1; k < len; k++) {
        unsigned char x = c->p[c->i + k];
        if ((x & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (x & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    c->i += len;
    return 1;
}

/* A string, the cursor on its opening quote. */
static int string_valid(cur *c)
{
    c->i++;
    while (more(c)) {
        unsigned char b = at(c);
        if (b == '"') {
            c->i++;
            return 1;
        }
        if (b < 0x20)
            return 0;
        if (b == '\\') {
            c->i++;
            if (!escape(c))
                return 0;
        } else if (b < 0x80) {
            c->i++;
        } else if (!utf8_seq(c)) {
            return 0;
        }
    }
    return 0;
}

static size_t digits(cur *c)
{
    size_t from = c->i;
    while (more(c) && at(c) >= '0' && at(c) <= '9')
        c->i++;
    return c->i - from;
}

/* A number. Integers of up to 18 digits always fit in int64; longer ones,
 * and reals that do not read back finite, are left to jansson. */
static int number_valid(cur *c)
{
    size_t from = c->i;
    int real = 0;
    if (at(c) == '-')
        c->i++;
    if (at(c) == '0') {
        c->i++;
    } else if (at(c) >= '1' && at(c) <= '9') {
        if (digits(c) > 18)
            return 0;
    } else {
        return 0;
    }
    if (at(c) == '.') {
        c->i++;
        real = 1;
        if (digits(c) == 0)
            return 0;
    }
    if (at(c) == 'e' || at(c) == 'E') {
        c->i++;
        real = 1;
        if (at(c) == '+' || at(c) == '-')
            c->i++;
        if (digits(c) == 0)
            return 0;
    }
    if (!real)
        return 1;
    char buf[64];
    size_t len = c->i - from;
    if (len >= sizeof(buf))
        return 0;
    memcpy(buf, c->p + from, len);
    buf[len] = '\0';
    char *end;
    double d = strtod(buf, &end);
    return *end == '\0' && isfinite(d);
}

int gf_json_flat_object(const char *p, size_t len, size_t *end, size_t *count)
{
    cur c = {(const unsigned char *)p, len, 0};
    size_t members = 0;
    if (!p || at(&c) != '{')
        return 0;
    c.i++;
    skip_ws(&c);
    if (at(&c) == '}') {
        c.i++;
        goto done;
    }
    for (;;) {
        if (at(&c) != '"' || !string_valid(&c))
            return 0;
        skip_ws(&c);
        if (at(&c) != ':')
            return 0;
        c.i++;
        skip_ws(&c);
        if (at(&c) == '"') {
            if (!string_valid(&c))
                return 0;
        } else if (!number_valid(&c)) {
            return 0;
        }
        members++;
        skip_ws(&c);
        if (at(&c) == '}') {
            c.i++;
            break;
        }
        if (at(&c) != ',')
            return 0;
        c.i++;
        skip_ws(&c);
    }
done:
    if (end)
        *end = c.i;
    if (count)
        *count = members;
    return 1;
}

/* -- skipping ---------------------------------------------------------- */

/* A string, the cursor on its opening quote; *plain is 0 when it holds an
 * escape (its bytes are then not its value). */
static int string_skip(cur *c, int *plain)
{
    *plain = 1;
    c->i++;
    while (more(c)) {
        unsigned char b = c->p[c->i++];
        if (b == '"')
            return 1;
        if (b == '\\') {
            *plain = 0;
            if (!more(c))
                return 0;
            c->i++;
        }
    }
    return 0;
}

/* Any value, without checking it (jansson does, afterwards). */
static int value_skip(cur *c)
{
    int plain;
    long depth = 0;
    if (at(c) == '"')
        return string_skip(c, &plain);
    if (at(c) != '{' && at(c) != '[') {
        size_t from = c->i;
        while (more(c) && !strchr(",}] \t\r\n", at(c)))
            c->i++;
        return c->i > from;
    }
    while (more(c)) {
        unsigned char b = at(c);
        if (b == '"') {
            if (!string_skip(c, &plain))
                return 0;
            continue;
        }
        c->i++;
        if (b == '{' || b == '[')
            depth++;
        else if ((b == '}' || b == ']') && --depth == 0)
            return 1;
    }
    return 0;
}

typedef struct key {
    const unsigned char *p;
    size_t n;
} key;

static int key_is(key k, const char *name)
{
    return k.n == strlen(name) && memcmp(k.p, name, k.n) == 0;
}

/* A plain string (no escapes) at the cursor, its bytes in *k. */
static int plain_string(cur *c, key *k)
{
    int plain;
    size_t from = c->i;
    if (at(c) != '"' || !string_skip(c, &plain) || !plain)
        return 0;
    k->p = c->p + from + 1;
    k->n = c->i - from - 2;
    return 1;
}

/* The members of the object the cursor is on (its opening brace), each
 * key handed to `member` with the cursor on its value; the callback moves
 * the cursor past the value. 0 on an escaped key or anything unexpected. */
typedef int (*member_fn)(cur *c, key k, void *ud);

static int walk_object(cur *c, member_fn member, void *ud)
{
    c->i++;
    skip_ws(c);
    if (at(c) == '}') {
        c->i++;
        return 1;
    }
    for (;;) {
        key k;
        if (!plain_string(c, &k))
            return 0;
        skip_ws(c);
        if (at(c) != ':')
            return 0;
        c->i++;
        skip_ws(c);
        if (!member(c, k, ud))
            return 0;
        skip_ws(c);
        if (at(c) == '}') {
            c->i++;
            return 1;
        }
        if (at(c) != ',')
            return 0;
        c->i++;
        skip_ws(c);
    }
}

struct find {
    int settings_seen, values_seen, found;
    int is_event; /* the last top-level `type` is plainly "event" */
    size_t start, end, count;
};

static int settings_member(cur *c, key k, void *ud)
{
    struct find *f = ud;
    if (!key_is(k, "values"))
        return value_skip(c);
    if (f->values_seen++)
        return 0;
    if (at(c) == '{' && gf_json_flat_object((const char *)c->p + c->i,
                                            c->n - c->i, &f->end, &f->count)) {
        f->found = 1;
        f->start = c->i;
        f->end += c->i;
        c->i = f->end;
        return 1;
    }
    return value_skip(c);
}

static int top_member(cur *c, key k, void *ud)
{
    struct find *f = ud;
    if (key_is(k, "type")) {
        size_t from = c->i;
        key v;
        f->is_event = plain_string(c, &v) && key_is(v, "event");
        c->i = from; /* and past it, whatever it is */
        return value_skip(c);
    }
    if (!key_is(k, "settings"))
        return value_skip(c);
    if (f->settings_seen++)
        return 0;
    if (at(c) != '{')
        return value_skip(c);
    return walk_object(c, settings_member, f);
}

int gf_json_find_values(const char *line, size_t len, size_t *start,
                        size_t *end, size_t *count)
{
    cur c = {(const unsigned char *)line, len, 0};
    struct find f = {0};
    if (!line)
        return 0;
    skip_ws(&c);
    if (at(&c) != '{' || !walk_object(&c, top_member, &f) || !f.found ||
        !f.is_event || f.count == 0)
        return 0;
    *start = f.start;
    *end = f.end;
    *count = f.count;
    return 1;
}

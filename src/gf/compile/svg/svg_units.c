/* svg_units.c - numbers and physical lengths in SVG attributes.
 *
 * The number scanner follows the SVG grammar exactly (so "-.5.5" is two
 * numbers and "inf" or "0x10" are not numbers at all) instead of trusting
 * strtod, which accepts more than SVG does. Lengths become millimetres:
 * the laser cuts in real units, so a design must say how big it is. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "svg_geom.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static size_t scan_digits(const char *s)
{
    size_t n = 0;
    while (is_digit(s[n]))
        n++;
    return n;
}

size_t svg_scan_number(const char *s, double *out)
{
    char tmp[64];
    size_t i = 0, mant = 0;
    if (s[i] == '+' || s[i] == '-')
        i++;
    mant = scan_digits(s + i);
    i += mant;
    if (s[i] == '.') {
        size_t frac = scan_digits(s + i + 1);
        if (frac) {
            mant += frac;
            i += 1 + frac;
        } else if (mant) {
            i++; /* "5." */
        }
    }
    if (mant == 0)
        return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-')
            j++;
        size_t ex = scan_digits(s + j);
        if (ex) /* "2em" is 2 with a unit, not an exponent */
            i = j + ex;
    }
    if (i >= sizeof tmp)
        return 0;
    memcpy(tmp, s, i);
    tmp[i] = 0;
    *out = strtod(tmp, NULL);
    return isfinite(*out) ? i : 0; /* "1e999" is not a usable number */
}

const char *svg_skip_sep(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    if (*s == ',') {
        s++;
        while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
            s++;
    }
    return s;
}

int svg_numbers(const char *s, double *out, int max)
{
    int n = 0;
    s = svg_skip_sep(s);
    while (*s && n < max) {
        size_t used = svg_scan_number(s, &out[n]);
        if (used == 0)
            return -1;
        n++;
        s = svg_skip_sep(s + used);
    }
    return *s ? -1 : n;
}

typedef struct {
    const char *name;
    double mm;
} unit_entry;

static const unit_entry units[] = {
    {"", 25.4 / 96}, {"px", 25.4 / 96}, {"mm", 1},        {"cm", 10},
    {"in", 25.4},    {"pt", 25.4 / 72}, {"pc", 25.4 / 6},
};

int svg_length_mm(const char *s, double *mm, char *msg, size_t msglen)
{
    double v;
    const char *p = s;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    size_t used = svg_scan_number(p, &v);
    if (used == 0) {
        snprintf(msg, msglen, "\"%.40s\" is not a length", s);
        return GF_EINVAL;
    }
    char unit[16];
    size_t k = 0;
    for (p += used; *p && *p != ' ' && *p != '\t' && *p != '\n'; p++) {
        if (k + 1 >= sizeof unit)
            break;
        unit[k++] = *p;
    }
    unit[k] = 0;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    for (size_t i = 0; *p == 0 && i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(unit, units[i].name) == 0) {
            *mm = v * units[i].mm;
            return GF_OK;
        }
    }
    snprintf(msg, msglen,
             "unknown unit \"%s\" in length \"%.40s\" "
             "(use mm, cm, in, px, pt or pc)",
             unit, s);
    return GF_EINVAL;
}

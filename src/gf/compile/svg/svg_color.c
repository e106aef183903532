/* svg_color.c - stroke colours, the key that maps a shape to an operation.
 *
 * Designers pick colours by name, by #rgb or #rrggbb, or by rgb(); all map
 * to one 0xRRGGBB value so an operations file can name any of them. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "svg_geom.h"

typedef struct {
    const char *name;
    uint32_t rgb;
} named_color;

static const named_color names[] = {
    {"black", 0x000000},   {"white", 0xffffff},   {"red", 0xff0000},
    {"lime", 0x00ff00},    {"green", 0x008000},   {"blue", 0x0000ff},
    {"yellow", 0xffff00},  {"cyan", 0x00ffff},    {"aqua", 0x00ffff},
    {"magenta", 0xff00ff}, {"fuchsia", 0xff00ff}, {"gray", 0x808080},
    {"grey", 0x808080},    {"silver", 0xc0c0c0},  {"maroon", 0x800000},
    {"olive", 0x808000},   {"navy", 0x000080},    {"purple", 0x800080},
    {"teal", 0x008080},    {"orange", 0xffa500},
};

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_hex(const char *s, size_t n, uint32_t *rgb)
{
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        int h = hexval(s[i]);
        if (h < 0)
            return GF_EINVAL;
        v = v << 4 | (uint32_t)h;
        if (n == 3)
            v = v << 4 | (uint32_t)h; /* #abc = #aabbcc */
    }
    *rgb = v;
    return GF_OK;
}

static int parse_rgb_fn(const char *s, uint32_t *rgb)
{
    uint32_t v = 0;
    s += 4; /* "rgb(" */
    for (int i = 0; i < 3; i++) {
        double c;
        s = svg_skip_sep(s);
        size_t used = svg_scan_number(s, &c);
        if (!used)
            return GF_EINVAL;
        s += used;
        if (*s == '%') {
            c = c * 255 / 100;
            s++;
        }
        c = c < 0 ? 0 : c > 255 ? 255 : c;
        v = v << 8 | (uint32_t)(c + 0.5);
        s = svg_skip_sep(s);
    }
    if (*s != ')')
        return GF_EINVAL;
    *rgb = v;
    return GF_OK;
}

int svg_color_parse(const char *s, uint32_t *rgb)
{
    char buf[64];
    size_t n;
    while (isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (n == 0 || n >= sizeof buf)
        return GF_EINVAL;
    memcpy(buf, s, n);
    buf[n] = 0;
    if (strcasecmp(buf, "none") == 0 || strcasecmp(buf, "transparent") == 0)
        return 1;
    if (buf[0] == '#' && (n == 4 || n == 7))
        return parse_hex(buf + 1, n - 1, rgb);
    if (strncasecmp(buf, "rgb(", 4) == 0)
        return parse_rgb_fn(buf, rgb);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(buf, names[i].name) == 0) {
            *rgb = names[i].rgb;
            return GF_OK;
        }
    }
    return GF_EINVAL;
}

/* svg_css.c - the part of CSS that design tools put in SVG files.
 *
 * Illustrator (and others) export "internal CSS": a <style> sheet of
 * `.cls-1{fill:none;stroke:#ff0000}` rules and `class="cls-1"` on shapes,
 * so a compiler that ignored sheets would see no strokes at all. This reads
 * every <style> element's rules with simple class (`.name`) and type
 * (`rect`) selectors, comma lists included; any other selector (ids,
 * descendants, pseudo-classes, @-rules) is skipped. Class rules beat type
 * rules and a later rule beats an earlier one, as in CSS. */
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gf/grow.h"
#include "svg_int.h"

#define CSS_MAX_TEXT  (1024 * 1024)
#define CSS_MAX_RULES 10000

void svg_css_free(svg_css *css)
{
    for (size_t i = 0; i < css->count; i++)
        free(css->rules[i].decl);
    free(css->rules);
    css->rules = NULL;
    css->count = css->cap = 0;
}

static int is_ident(const char *s, size_t n)
{
    if (n == 0 || n >= sizeof(((svg_rule *)0)->sel))
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '-' || c == '_'))
            return 0;
    }
    return 1;
}

static int add_rule(svg_css *css, const char *sel, size_t n, int is_class,
                    const char *decl, size_t dlen)
{
    if (css->count == css->cap) {
        int rc = gf_grow(&css->rules, &css->cap, sizeof *css->rules, 16,
                         CSS_MAX_RULES);
        if (rc != GF_OK)
            return rc;
    }
    svg_rule *r = &css->rules[css->count];
    r->decl = malloc(dlen + 1);
    if (!r->decl)
        return GF_ENOMEM;
    memcpy(r->decl, decl, dlen);
    r->decl[dlen] = 0;
    memcpy(r->sel, sel, n);
    r->sel[n] = 0;
    r->is_class = is_class;
    css->count++;
    return GF_OK;
}

/* One selector list ("a, .b") with its declarations. */
static int add_selectors(svg_css *css, const char *s, const char *end,
                         const char *decl, size_t dlen)
{
    int rc = GF_OK;
    while (s < end && rc == GF_OK) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *e = comma ? comma : end, *b = s;
        while (b < e && strchr(" \t\r\n", *b))
            b++;
        while (e > b && strchr(" \t\r\n", e[-1]))
            e--;
        int cls = b < e && *b == '.';
        if (is_ident(b + cls, (size_t)(e - b - cls)))
            rc = add_rule(css, b + cls, (size_t)(e - b - cls), cls, decl, dlen);
        s = comma ? comma + 1 : end;
    }
    return rc;
}

/* Removes comments in place, in one pass. */
static void strip_comments(char *t)
{
    char *w = t;
    for (const char *r = t; *r;) {
        if (r[0] == '/' && r[1] == '*') {
            const char *e = strstr(r + 2, "*/");
            if (!e)
                break;
            r = e + 2;
        } else {
            *w++ = *r++;
        }
    }
    *w = 0;
}

static int parse_sheet(svg_css *css, char *t)
{
    strip_comments(t);
    int rc = GF_OK;
    char *s = t;
    while (rc == GF_OK) {
        char *open = strchr(s, '{');
        char *close = open ? strchr(open, '}') : NULL;
        if (!close)
            break;
        /* an @-rule with a block inside ("@media x { a{} }") is skipped
         * whole by skipping to the brace that closes it */
        char *at = memchr(s, '@', (size_t)(open - s));
        if (at) {
            int depth = 1;
            char *p = open + 1;
            for (; *p && depth; p++)
                depth += (*p == '{') - (*p == '}');
            s = p;
            continue;
        }
        rc = add_selectors(css, s, open, open + 1, (size_t)(close - open - 1));
        s = close + 1;
    }
    return rc;
}

/* Finds <style> elements anywhere under `root`, without recursion. */
int svg_css_load(svg_css *css, const xmlNode *root, char *msg, size_t msglen)
{
    const xmlNode *cur = root;
    size_t total = 0;
    int rc = GF_OK;
    while (cur && rc == GF_OK) {
        if (svg_is_name(cur, "style")) {
            xmlChar *text = xmlNodeGetContent(cur);
            total += text ? strlen((const char *)text) : 0;
            if (total > CSS_MAX_TEXT)
                rc = GF_ETOOBIG;
            else if (text)
                rc = parse_sheet(css, (char *)text);
            xmlFree(text);
        }
        if (cur->children && cur->type == XML_ELEMENT_NODE &&
            !svg_is_name(cur, "style")) {
            cur = cur->children;
            continue;
        }
        while (cur != root && !cur->next)
            cur = cur->parent;
        cur = cur == root ? NULL : cur->next;
    }
    if (rc == GF_ETOOBIG)
        snprintf(msg, msglen, "style sheets larger than %d bytes or %d rules",
                 CSS_MAX_TEXT, CSS_MAX_RULES);
    else if (rc != GF_OK)
        snprintf(msg, msglen, "out of memory reading style sheets");
    return rc;
}

/* Is `cls` one of the whitespace-separated names in `list`? */
static int has_class(const char *list, const char *cls)
{
    size_t n = strlen(cls);
    for (const char *s = list; *s;) {
        while (*s && strchr(" \t\r\n", *s))
            s++;
        size_t k = strcspn(s, " \t\r\n");
        if (k == n && strncmp(s, cls, n) == 0)
            return 1;
        s += k;
    }
    return 0;
}

int svg_css_get(const svg_css *css, const xmlNode *n, const char *prop,
                char *buf, size_t buflen)
{
    char classes[512];
    int have_class = svg_get_attr(n, "class", classes, sizeof classes) == 0;
    int found = -1; /* 0 type rule, 1 class rule */
    for (size_t i = 0; i < css->count; i++) {
        const svg_rule *r = &css->rules[i];
        int match = r->is_class ? have_class && has_class(classes, r->sel)
                                : strcmp((const char *)n->name, r->sel) == 0;
        if (!match || r->is_class < found)
            continue;
        char v[256];
        if (svg_style_get(r->decl, prop, v, sizeof v) == 0) {
            snprintf(buf, buflen, "%s", v);
            found = r->is_class;
        }
    }
    return found >= 0 ? 0 : -1;
}

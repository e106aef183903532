/* compile_ops.c - which operation each stroke colour (and each image) gets.
 *
 * A design says *what* to cut with colours; the operations file says *how*:
 *
 *     # key      mode     speed(mm/s)  power(%)  [passes]
 *     #ff0000    cut      10           100       2
 *     blue       score    80           30
 *     *          cut      12           90        (every other colour)
 *     image      engrave  100          40        (every raster input)
 *
 * Kept as a small table searched linearly: designs use a handful of
 * colours, so a hash would cost more than it saves. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compile_int.h"
#include "gf/grow.h"

#define CO_MAX_FILE  (1024 * 1024)
#define CO_MAX_RULES 4096

int co_check(const gf_op *op, char *msg, size_t msglen)
{
    if (!(op->speed >= CG_MIN_SPEED && op->speed <= CG_MAX_SPEED)) {
        snprintf(msg, msglen, "speed %g mm/s is outside %g..%g", op->speed,
                 CG_MIN_SPEED, CG_MAX_SPEED);
        return GF_ERANGE;
    }
    if (!(op->power >= 0 && op->power <= 100)) {
        snprintf(msg, msglen, "power %g%% is outside 0..100", op->power);
        return GF_ERANGE;
    }
    if (op->passes < 1 || op->passes > 100) {
        snprintf(msg, msglen, "passes %d is outside 1..100", op->passes);
        return GF_ERANGE;
    }
    return GF_OK;
}

int co_set(co_table *t, uint32_t rgb, const gf_op *op)
{
    for (size_t i = 0; i < t->count; i++) {
        if (t->rules[i].rgb == rgb) {
            t->rules[i].op = *op;
            return GF_OK;
        }
    }
    if (t->count == t->cap) {
        int rc = gf_grow(&t->rules, &t->cap, sizeof *t->rules, 8, CO_MAX_RULES);
        if (rc != GF_OK)
            return rc;
    }
    t->rules[t->count].rgb = rgb;
    t->rules[t->count].op = *op;
    t->count++;
    return GF_OK;
}

gf_op co_lookup(const co_table *t, uint32_t rgb, const gf_op *fallback)
{
    for (size_t i = 0; i < t->count; i++)
        if (t->rules[i].rgb == rgb)
            return t->rules[i].op;
    return t->have_star ? t->star : *fallback;
}

void co_free(co_table *t)
{
    free(t->rules);
    memset(t, 0, sizeof *t);
}

static int parse_mode(const char *s, gf_op_kind *k)
{
    if (strcasecmp(s, "cut") == 0)
        *k = GF_OP_CUT;
    else if (strcasecmp(s, "score") == 0)
        *k = GF_OP_SCORE;
    else if (strcasecmp(s, "engrave") == 0)
        *k = GF_OP_ENGRAVE;
    else
        return GF_EINVAL;
    return GF_OK;
}

/* One non-comment line: "key mode speed power [passes]". */
static int parse_line(co_table *t, char *line, char *msg, size_t msglen)
{
    char key[64], mode[16], extra[2];
    gf_op op = {GF_OP_CUT, 0, 0, 1};
    uint32_t rgb;
    int n = sscanf(line, "%63s %15s %lf %lf %d %1s", key, mode, &op.speed,
                   &op.power, &op.passes, extra);
    if (n < 4 || n > 5) {
        snprintf(msg, msglen,
                 "expected \"colour mode speed power "
                 "[passes]\"");
        return GF_EINVAL;
    }
    if (parse_mode(mode, &op.kind) != GF_OK) {
        snprintf(msg, msglen, "unknown mode \"%s\" (cut, score or engrave)",
                 mode);
        return GF_EINVAL;
    }
    int rc = co_check(&op, msg, msglen);
    if (rc != GF_OK)
        return rc;
    if (strcmp(key, "*") == 0) {
        t->star = op;
        t->have_star = 1;
    } else if (strcasecmp(key, "image") == 0) {
        t->image = op;
        t->have_image = 1;
    } else if (svg_color_parse(key, &rgb) != GF_OK) {
        snprintf(msg, msglen, "\"%s\" is not a colour", key);
        return GF_EINVAL;
    } else {
        return co_set(t, rgb, &op);
    }
    return GF_OK;
}

int co_parse_file(co_table *t, const char *path, char *msg, size_t msglen)
{
    char line[512], sub[200];
    int rc = GF_OK, lineno = 0;
    long total = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(msg, msglen, "%s: %s", path, strerror(errno));
        return GF_EIO;
    }
    while (rc == GF_OK && fgets(line, sizeof line, f)) {
        lineno++;
        total += (long)strlen(line);
        char *s = line + strspn(line, " \t\r\n");
        char *hash = strstr(s, " #"); /* a comment after the fields */
        if (hash)
            *hash = 0;
        if (total > CO_MAX_FILE) {
            snprintf(msg, msglen, "%s: larger than %d bytes", path,
                     CO_MAX_FILE);
            rc = GF_ETOOBIG;
        } else if (*s == 0 || (s[0] == '#' && strspn(s + 1, "0123456789abc"
                                                            "defABCDEF") < 3)) {
            continue; /* blank, or a comment rather than a #colour */
        } else if ((rc = parse_line(t, s, sub, sizeof sub)) != GF_OK) {
            snprintf(msg, msglen, "%s:%d: %s", path, lineno, sub);
        }
    }
    fclose(f);
    return rc;
}

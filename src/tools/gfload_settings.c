/* gfload_settings.c - the full settings report event, rendered once (see
 * gfload_settings.h for why).
 *
 * The template is built by rendering the real event through libgf with six
 * stand-in integers, 19 digits each and not otherwise in the catalog, then
 * cutting the line at each one: seven constant pieces around six holes,
 * each hole naming the field that fills it. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gf/message.h"
#include "gf/settings.h"
#include "gfload_settings.h"

enum {
    GL_F_SEQ,
    GL_F_TS,
    GL_F_ACTION,
    GL_F_SERIAL,
    GL_F_NOW,
    GL_F_SAID,
    GL_F_N
};

#define GL_STANDIN_BASE INT64_C(7316000000000000000)

struct gl_settings_tpl {
    char *line; /* the rendered line; holes cut out */
    size_t piece_at[GL_F_N + 1];
    size_t piece_len[GL_F_N + 1];
    int hole[GL_F_N]; /* the field that fills hole k */
};

static int64_t standin(int f)
{
    return GL_STANDIN_BASE + f * 1111;
}

/* The one place `text` holds `needle`; SIZE_MAX if none or several. */
static size_t find_once(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    if (!at || strstr(at + 1, needle))
        return SIZE_MAX;
    return (size_t)(at - text);
}

static char *render(const char *fw_version, const int64_t v[GL_F_N])
{
    gf_identity ident = {
        (uint64_t)v[GL_F_SERIAL], fw_version, NULL, -1, -1, -1, NULL, NULL};
    json_t *report = gf_settings_report(&ident, v[GL_F_NOW], v[GL_F_SAID]);
    if (!report)
        return NULL;
    char *line = gf_emit_event(v[GL_F_SEQ], v[GL_F_TS], v[GL_F_ACTION],
                               "settings:completed", NULL, report);
    json_decref(report);
    return line;
}

/* Orders the holes by where they are in the line and records the pieces
 * between them; -1 when a stand-in is missing or repeated. */
static int cut(gl_settings_tpl *t)
{
    size_t at[GL_F_N];
    char digits[32];
    for (int f = 0; f < GL_F_N; f++) {
        snprintf(digits, sizeof(digits), "%" PRId64, standin(f));
        at[f] = find_once(t->line, digits);
        if (at[f] == SIZE_MAX)
            return -1;
        t->hole[f] = f;
    }
    for (int i = 1; i < GL_F_N; i++) /* insertion sort of six */
        for (int k = i; k > 0 && at[t->hole[k]] < at[t->hole[k - 1]]; k--) {
            int x = t->hole[k];
            t->hole[k] = t->hole[k - 1];
            t->hole[k - 1] = x;
        }
    size_t from = 0, width = strlen(digits);
    for (int k = 0; k < GL_F_N; k++) {
        t->piece_at[k] = from;
        t->piece_len[k] = at[t->hole[k]] - from;
        from = at[t->hole[k]] + width;
    }
    t->piece_at[GL_F_N] = from;
    t->piece_len[GL_F_N] = strlen(t->line) - from;
    return 0;
}

gl_settings_tpl *gl_settings_tpl_new(const char *fw_version)
{
    int64_t v[GL_F_N];
    gl_settings_tpl *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    for (int f = 0; f < GL_F_N; f++)
        v[f] = standin(f);
    t->line = render(fw_version, v);
    if (!t->line || cut(t) != 0) {
        gl_settings_tpl_free(t);
        return NULL;
    }
    return t;
}

void gl_settings_tpl_free(gl_settings_tpl *t)
{
    if (!t)
        return;
    free(t->line);
    free(t);
}

char *gl_settings_tpl_event(const gl_settings_tpl *t, int64_t seq,
                            int64_t timestamp, int64_t action_id,
                            uint64_t serial, int64_t now)
{
    char num[GL_F_N][24];
    size_t nlen[GL_F_N], total = 1;
    int64_t v[GL_F_N] = {seq, timestamp, action_id, (int64_t)serial,
                         now, action_id};
    if (serial > (uint64_t)INT64_MAX || action_id < 0)
        return NULL;
    for (int f = 0; f < GL_F_N; f++) {
        nlen[f] = (size_t)snprintf(num[f], sizeof(num[f]), "%" PRId64, v[f]);
        total += nlen[f];
    }
    for (int k = 0; k <= GL_F_N; k++)
        total += t->piece_len[k];
    char *out = malloc(total), *p = out;
    if (!out)
        return NULL;
    for (int k = 0; k <= GL_F_N; k++) {
        memcpy(p, t->line + t->piece_at[k], t->piece_len[k]);
        p += t->piece_len[k];
        if (k < GL_F_N) {
            memcpy(p, num[t->hole[k]], nlen[t->hole[k]]);
            p += nlen[t->hole[k]];
        }
    }
    *p = '\0';
    return out;
}

/* svg_path.c - the SVG path data grammar (the `d` attribute).
 *
 * Every command of SVG 1.1 in both absolute and relative forms, implicit
 * repeats, the reflected control points of S/s and T/t, and arc flags
 * written without separators ("a5 5 0 0110 10"). A malformed path is
 * refused with the offset of the first bad character instead of being
 * half-drawn, because a half-cut part is worse than a clear error. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "svg_geom.h"

typedef struct path_state {
    cg_builder *b;
    const char *s;
    cg_pt ctrl; /* last control point, for S/s and T/t */
    char last;  /* previous command, upper case */
} path_state;

static int arg_count(char up)
{
    switch (up) {
    case 'M':
    case 'L':
    case 'T':
        return 2;
    case 'H':
    case 'V':
        return 1;
    case 'C':
        return 6;
    case 'S':
    case 'Q':
        return 4;
    case 'A':
        return 7;
    default:
        return 0;
    }
}

/* Reads one argument; arc flags (index 3 and 4 of A) are a single 0 or 1. */
static int read_arg(path_state *ps, char up, int i, double *v)
{
    ps->s = svg_skip_sep(ps->s);
    if (up == 'A' && (i == 3 || i == 4)) {
        if (*ps->s != '0' && *ps->s != '1')
            return -1;
        *v = *ps->s++ - '0';
        return 0;
    }
    size_t used = svg_scan_number(ps->s, v);
    if (used == 0)
        return -1;
    ps->s += used;
    return 0;
}

static cg_pt reflect(path_state *ps, char want1, char want2)
{
    cg_pt cur = ps->b->cur;
    if (ps->last != want1 && ps->last != want2)
        return cur;
    cg_pt r = {2 * cur.x - ps->ctrl.x, 2 * cur.y - ps->ctrl.y};
    return r;
}

static void run_command(path_state *ps, char cmd, const double *v)
{
    cg_builder *b = ps->b;
    int rel = islower((unsigned char)cmd);
    char up = (char)toupper((unsigned char)cmd);
    cg_pt o = rel ? b->cur : (cg_pt){0, 0};
    cg_pt p = {o.x + v[0], o.y + v[1]};
    cg_pt c1, c2;
    switch (up) {
    case 'M':
        cgb_move(b, p);
        break;
    case 'L':
        cgb_line(b, p);
        break;
    case 'H':
        cgb_line(b, (cg_pt){o.x + v[0], b->cur.y});
        break;
    case 'V':
        cgb_line(b, (cg_pt){b->cur.x, (rel ? b->cur.y : 0) + v[0]});
        break;
    case 'C':
        c1 = (cg_pt){o.x + v[0], o.y + v[1]};
        c2 = (cg_pt){o.x + v[2], o.y + v[3]};
        cgb_cubic(b, c1, c2, (cg_pt){o.x + v[4], o.y + v[5]});
        ps->ctrl = c2;
        break;
    case 'S':
        c1 = reflect(ps, 'C', 'S');
        c2 = (cg_pt){o.x + v[0], o.y + v[1]};
        cgb_cubic(b, c1, c2, (cg_pt){o.x + v[2], o.y + v[3]});
        ps->ctrl = c2;
        break;
    case 'Q':
        c1 = (cg_pt){o.x + v[0], o.y + v[1]};
        cgb_quad(b, c1, (cg_pt){o.x + v[2], o.y + v[3]});
        ps->ctrl = c1;
        break;
    case 'T':
        c1 = reflect(ps, 'Q', 'T');
        cgb_quad(b, c1, p);
        ps->ctrl = c1;
        break;
    case 'A':
        cgb_arc(b, v[0], v[1], v[2], v[3] != 0, v[4] != 0,
                (cg_pt){o.x + v[5], o.y + v[6]});
        break;
    }
    ps->last = up;
}

static int bad(path_state *ps, const char *d, const char *what, char *msg,
               size_t msglen)
{
    snprintf(msg, msglen, "path data: %s at offset %d (\"%.20s\")", what,
             (int)(ps->s - d), ps->s);
    return GF_EINVAL;
}

int svg_path_parse(cg_builder *b, const char *d, char *msg, size_t msglen)
{
    path_state ps = {b, d, {0, 0}, 0};
    char cmd = 0;
    b->cur = b->start = (cg_pt){0, 0};
    for (;;) {
        double v[7] = {0};
        ps.s = svg_skip_sep(ps.s);
        if (!*ps.s)
            break;
        if (isalpha((unsigned char)*ps.s)) {
            cmd = *ps.s++;
            if (!strchr("MmLlHhVvCcSsQqTtAaZz", cmd))
                return bad(&ps, d, "unknown command", msg, msglen);
        } else if (!cmd) {
            return bad(&ps, d, "path must start with a moveto", msg, msglen);
        } else if (cmd == 'Z' || cmd == 'z') {
            return bad(&ps, d, "number after closepath", msg, msglen);
        }
        if (ps.last == 0 && cmd != 'M' && cmd != 'm')
            return bad(&ps, d, "path must start with a moveto", msg, msglen);
        if (cmd == 'Z' || cmd == 'z') {
            cgb_close(b);
            ps.last = 'Z';
            continue;
        }
        char up = (char)toupper((unsigned char)cmd);
        for (int i = 0; i < arg_count(up); i++)
            if (read_arg(&ps, up, i, &v[i]) < 0)
                return bad(&ps, d, "expected a number", msg, msglen);
        run_command(&ps, cmd, v);
        if (up == 'M') /* later pairs are implicit linetos */
            cmd = cmd == 'M' ? 'L' : 'l';
        if (b->err)
            break;
    }
    return b->err;
}

/* compile_order.c - the order in which vector shapes are lasered.
 *
 * Two rules, the first one a matter of safety for the part:
 *   1. inner before outer: a closed shape is not cut while a shape inside
 *      its bounding box is still waiting (a part cut free can drop or shift,
 *      and then its holes land in the wrong place);
 *   2. among the shapes allowed next, the one whose start (or, for an open
 *      path, either end) is nearest the head, to cut travel.
 * This is greedy and O(n^2), so designs with more than CORD_MAX shapes of
 * one kind keep their design order (as does opts.keep_order); a spatial
 * index would lift that limit when someone needs it. Ties go to the
 * earlier shape, so the order is deterministic. */
#include <math.h>
#include <stdlib.h>

#include "compile_job.h"

#define CORD_MAX 4000

typedef struct cord_box {
    double x0, y0, x1, y1;
    int closed;
} cord_box;

static cord_box poly_box(const cg_design *d, size_t p)
{
    const cg_poly *pl = &d->polys[p];
    const cg_pt *pt = &d->pts[pl->first];
    cord_box b = {pt[0].x, pt[0].y, pt[0].x, pt[0].y, 0};
    for (size_t i = 1; i < pl->count; i++) {
        b.x0 = fmin(b.x0, pt[i].x);
        b.y0 = fmin(b.y0, pt[i].y);
        b.x1 = fmax(b.x1, pt[i].x);
        b.y1 = fmax(b.y1, pt[i].y);
    }
    const cg_pt *last = &pt[pl->count - 1];
    b.closed = fabs(last->x - pt[0].x) < 1e-9 && fabs(last->y - pt[0].y) < 1e-9;
    return b;
}

/* Is `in` inside the closed shape box `out` (and not the same box)? */
static int inside(const cord_box *in, const cord_box *out)
{
    return out->closed && in->x0 >= out->x0 && in->x1 <= out->x1 &&
           in->y0 >= out->y0 && in->y1 <= out->y1 &&
           !(in->x0 == out->x0 && in->x1 == out->x1 && in->y0 == out->y0 &&
             in->y1 == out->y1);
}

static cg_pt end_point(const cg_design *d, const cord_step *s)
{
    const cg_poly *pl = &d->polys[s->poly];
    return d->pts[pl->first + (s->reverse ? 0 : pl->count - 1)];
}

static void keep_order(const cg_design *d, const size_t *idx, size_t n,
                       cg_pt *head, cord_step *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (cord_step){idx[i], 0};
    if (n)
        *head = end_point(d, &out[n - 1]);
}

/* The nearest allowed shape to `head`; n when none is allowed. */
static size_t nearest(const cg_design *d, const size_t *idx, size_t n,
                      const unsigned char *done, const size_t *blockers,
                      const cord_box *box, cg_pt head, int *reverse)
{
    size_t best = n;
    double best_d = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (done[i] || blockers[i])
            continue;
        const cg_poly *pl = &d->polys[idx[i]];
        cg_pt a = d->pts[pl->first], b = d->pts[pl->first + pl->count - 1];
        double da = hypot(a.x - head.x, a.y - head.y);
        double db =
            box[i].closed ? INFINITY : hypot(b.x - head.x, b.y - head.y);
        if (da < best_d || db < best_d) {
            best = i;
            best_d = fmin(da, db);
            *reverse = db < da;
        }
    }
    return best;
}

int cord_plan(const cg_design *d, const size_t *idx, size_t n, int keep,
              cg_pt *head, cord_step *out)
{
    if (keep || n > CORD_MAX || n < 2) {
        keep_order(d, idx, n, head, out);
        return GF_OK;
    }
    int rc = GF_ENOMEM;
    cord_box *box = malloc(n * sizeof *box);
    size_t *blockers = calloc(n, sizeof *blockers);
    unsigned char *done = calloc(n, 1);
    if (!box || !blockers || !done)
        goto out;
    for (size_t i = 0; i < n; i++)
        box[i] = poly_box(d, idx[i]);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < n; k++)
            blockers[i] += k != i && inside(&box[k], &box[i]);
    for (size_t step = 0; step < n; step++) {
        int rev = 0;
        size_t b = nearest(d, idx, n, done, blockers, box, *head, &rev);
        if (b == n) { /* cannot happen: containment has no cycles */
            rc = GF_EINVAL;
            goto out;
        }
        done[b] = 1;
        out[step] = (cord_step){idx[b], rev};
        *head = end_point(d, &out[step]);
        for (size_t i = 0; i < n; i++)
            if (!done[i] && blockers[i] && inside(&box[b], &box[i]))
                blockers[i]--;
    }
    rc = GF_OK;
out:
    free(box);
    free(blockers);
    free(done);
    return rc;
}

/* compile_run.c - plan a job and write it as a pulse file.
 *
 * Order of work: engraves first, then scores, then cuts (a part that is cut
 * free can shift, so it is cut last), shapes ordered by compile_order.c
 * (inner before outer, then nearest), each with its passes back to back. The
 * stream starts and ends with the head at the origin and ends dark.
 *
 * The plan runs twice: once counting only, to learn the payload length the
 * header's PDct needs, then for real into the writer. Planning is
 * deterministic, so the two runs agree byte for byte (checked). That costs
 * a second planning pass instead of buffering a payload that can reach
 * hundreds of megabytes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_job.h"

#define CR_MAX_TAGS 96

typedef struct cr_ctx {
    gf_job *j;
    pe_emit e;
    pm_cfg cfg;
    pm_scratch s;
    pm_stats st;
    pm_pt *run;
    size_t runcap;
    cord_step *order; /* every vector shape: scores first, then cuts */
} cr_ctx;

static int64_t q(double mm)
{
    return llround(mm / CG_STEP);
}

static gf_op vector_op(const gf_job *j, uint32_t rgb)
{
    return co_lookup(&j->ops, rgb, &j->o.cut);
}

static gf_op image_op(const gf_job *j)
{
    return j->ops.have_image ? j->ops.image : j->o.engrave;
}

static void image_place(const gf_job *j, const cj_image *im, ra_place *pl)
{
    gf_op op = image_op(j);
    long period = lround(CG_STEP * CG_STFR / op.speed);
    pl->x = j->o.origin_x + im->x;
    pl->y = j->o.origin_y + im->y;
    pl->pitch = j->pitch;
    pl->period = period < 1 ? 1 : (unsigned)period;
    pl->power = op.power;
}

static int run_poly(cr_ctx *c, const cg_poly *p, int reverse, const gf_op *op)
{
    const gf_job *j = c->j;
    if (p->count > c->runcap) {
        pm_pt *n = realloc(c->run, p->count * sizeof *n);
        if (!n)
            return GF_ENOMEM;
        c->run = n;
        c->runcap = p->count;
    }
    for (size_t i = 0; i < p->count; i++) {
        cg_pt mm = j->d.pts[p->first + (reverse ? p->count - 1 - i : i)];
        double x = j->o.origin_x + mm.x, y = j->o.origin_y + mm.y;
        c->run[i] = (pm_pt){q(x), q(y), x, y};
    }
    int rc = GF_OK;
    for (int pass = 0; pass < op->passes && rc == GF_OK; pass++) {
        rc = pm_travel(&c->e, &c->cfg, &c->s, c->run[0].x, c->run[0].y, &c->st);
        pe_set_power(&c->e, op->power);
        if (rc == GF_OK)
            rc = pm_run(&c->e, &c->cfg, &c->s, c->run, p->count, op->speed, 0,
                        0, 1, &c->st);
    }
    return rc;
}

/* Vector shapes in the planned order (scores, then cuts). */
static int run_vectors(cr_ctx *c)
{
    const gf_job *j = c->j;
    int rc = GF_OK;
    for (size_t i = 0; i < j->d.npolys && rc == GF_OK; i++) {
        const cg_poly *p = &j->d.polys[c->order[i].poly];
        gf_op op = vector_op(j, p->rgb);
        rc = run_poly(c, p, c->order[i].reverse, &op);
    }
    return rc;
}

/* Scores (and engrave-mode strokes: a stroke has no area to engrave) come
 * before cuts; within each, compile_order.c decides. */
static int plan_order(cr_ctx *c)
{
    const gf_job *j = c->j;
    size_t n = j->d.npolys, k = 0;
    cg_pt head = {0, 0};
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    c->order = malloc((n ? n : 1) * sizeof *c->order);
    if (!idx || !c->order) {
        free(idx);
        return GF_ENOMEM;
    }
    int rc = GF_OK;
    for (int cuts = 0; cuts < 2 && rc == GF_OK; cuts++) {
        size_t first = k, m = 0;
        for (size_t i = 0; i < n; i++)
            if ((vector_op(j, j->d.polys[i].rgb).kind == GF_OP_CUT) == cuts)
                idx[m++] = i;
        rc = cord_plan(&j->d, idx, m, j->o.keep_order, &head, c->order + first);
        k += m;
    }
    free(idx);
    return rc;
}

static int run_all(cr_ctx *c)
{
    const gf_job *j = c->j;
    int rc = GF_OK;
    int passes = image_op(j).passes;
    for (size_t i = 0; i < j->nimg && rc == GF_OK; i++) {
        ra_place pl;
        image_place(j, &j->img[i], &pl);
        for (int p = 0; p < passes && rc == GF_OK; p++)
            rc = ra_engrave(&c->e, &c->cfg, &c->s, &j->img[i].bm, &pl, &c->st);
    }
    if (rc == GF_OK)
        rc = run_vectors(c);
    if (rc == GF_OK)
        rc = pm_travel(&c->e, &c->cfg, &c->s, q(j->o.origin_x),
                       q(j->o.origin_y), &c->st);
    if (rc == GF_OK && (c->e.bytes == 0 || c->e.last_laser))
        pe_tick(&c->e, 0, 0, 0); /* end dark */
    return rc ? rc : pe_flush(&c->e);
}

typedef struct cr_box {
    double x0, y0, x1, y1;
    int bad; /* a coordinate is not a finite number */
} cr_box;

static void box_add(cr_box *b, double x, double y)
{
    if (!isfinite(x) || !isfinite(y)) {
        b->bad = 1;
        return;
    }
    b->x0 = fmin(b->x0, x);
    b->y0 = fmin(b->y0, y);
    b->x1 = fmax(b->x1, x);
    b->y1 = fmax(b->y1, y);
}

/* Everything the head will visit, in work-area mm. */
static cr_box job_box(const gf_job *j)
{
    cr_box b = {j->o.origin_x, j->o.origin_y, j->o.origin_x, j->o.origin_y, 0};
    for (size_t i = 0; i < j->d.npts; i++)
        box_add(&b, j->o.origin_x + j->d.pts[i].x,
                j->o.origin_y + j->d.pts[i].y);
    for (size_t i = 0; i < j->nimg; i++) {
        ra_place pl;
        image_place(j, &j->img[i], &pl);
        double over =
            (double)(ra_overscan_steps(pl.period, j->o.accel) + pl.pitch) *
            CG_STEP;
        double cell = pl.pitch * CG_STEP;
        box_add(&b, pl.x - over, pl.y);
        box_add(&b, pl.x + j->img[i].bm.cols * cell + over,
                pl.y + (j->img[i].bm.rows - 1) * cell);
    }
    return b;
}

static int check_bed(const gf_job *j, char *msg, size_t msglen)
{
    cr_box b = job_box(j);
    const double eps = CG_STEP / 2;
    const char *why = j->nimg ? " (engrave overscan included)" : "";
    if (b.bad) {
        snprintf(msg, msglen,
                 "design has coordinates that are not finite numbers");
        return GF_ERANGE;
    }
    /* The first edge crossed names the overflow: axis, reach, distance. */
    char axis = 0;
    const char *edge = NULL;
    double at = 0, past = 0;
    if (!(b.x0 >= -eps))
        axis = 'x', edge = "left", at = b.x0, past = -b.x0;
    else if (!(b.x1 <= GF_BED_W_MM + eps))
        axis = 'x', edge = "right", at = b.x1, past = b.x1 - GF_BED_W_MM;
    else if (!(b.y0 >= -eps))
        axis = 'y', edge = "rear", at = b.y0, past = -b.y0;
    else if (!(b.y1 <= GF_BED_H_MM + eps))
        axis = 'y', edge = "front", at = b.y1, past = b.y1 - GF_BED_H_MM;
    else
        return GF_OK;
    snprintf(msg, msglen,
             "design leaves the %gx%g mm work area: it reaches %c = %.2f mm, "
             "%.2f mm past the %s edge%s",
             GF_BED_W_MM, GF_BED_H_MM, axis, at, past, edge, why);
    return GF_ERANGE;
}

static void set_tag(gf_puls_tag *t, size_t *n, const char *name, uint32_t v)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp(t[i].name, name) == 0) {
            t[i].value = v;
            return;
        }
    }
    if (*n < CR_MAX_TAGS) {
        snprintf(t[*n].name, sizeof t[*n].name, "%s", name);
        t[(*n)++].value = v;
    }
}

/* A captured print header: the motion header's tags with the fans of a
 * cut in the run phase and the print lifecycle keys (PROTOCOL.md §15.3). */
static size_t make_tags(const gf_job *j, uint64_t payload, gf_puls_tag *t)
{
    size_t n = gf_puls_default_tags(t, CR_MAX_TAGS, CG_STFR, j->o.serial);
    set_tag(t, &n, "AArd", 1023);
    set_tag(t, &n, "EFrd", 65535);
    set_tag(t, &n, "IFrd", 43278);
    set_tag(t, &n, "PDfm", 0);
    set_tag(t, &n, "PDct", (uint32_t)(payload / CG_STFR));
    set_tag(t, &n, "CCwp", 5000);
    set_tag(t, &n, "CCrp", 10000);
    return n;
}

static int plan_pass(cr_ctx *c, gf_puls_writer *w, uint64_t total)
{
    const gf_job *j = c->j;
    memset(&c->st, 0, sizeof c->st);
    int rc = pe_init(&c->e, w, q(j->o.origin_x), q(j->o.origin_y));
    if (rc != GF_OK)
        return rc;
    c->e.total = total;
    c->e.progress = j->o.progress;
    c->e.progress_ctx = j->o.progress_ctx;
    return run_all(c);
}

static void fill_result(const cr_ctx *c, gf_compile_result *r)
{
    const pe_emit *e = &c->e;
    r->ticks = e->ticks;
    r->payload_bytes = e->bytes;
    r->laser_ticks = e->laser_ticks;
    r->power_bytes = e->power_bytes;
    r->run_time = (double)e->ticks / CG_STFR;
    r->cut_mm = c->st.cut_mm;
    r->travel_mm = c->st.travel_mm;
    r->segments = c->st.segments;
    r->min_x = e->min_x * CG_STEP;
    r->max_x = e->max_x * CG_STEP;
    r->min_y = e->min_y * CG_STEP;
    r->max_y = e->max_y * CG_STEP;
    r->skipped = c->j->d.skipped;
}

static int write_file(cr_ctx *c, const char *path, char *msg, size_t msglen)
{
    gf_puls_tag tags[CR_MAX_TAGS];
    gf_puls_writer *w = NULL;
    uint64_t total = c->e.bytes;
    size_t n = make_tags(c->j, total, tags);
    pe_free(&c->e);
    int rc = gf_puls_writer_open(&w, path, tags, n, c->j->o.gzip);
    if (rc != GF_OK) {
        snprintf(msg, msglen, "%s: cannot write: %s", path, gf_strerror(rc));
        return rc;
    }
    rc = plan_pass(c, w, total);
    if (rc == GF_OK && c->e.bytes != total) {
        snprintf(msg, msglen, "internal error: planning is not repeatable");
        rc = GF_EIO;
    } else if (rc != GF_OK) {
        snprintf(msg, msglen, "%s: planning or writing failed: %s", path,
                 gf_strerror(rc));
    }
    if (rc != GF_OK) {
        gf_puls_writer_abort(w);
        return rc;
    }
    rc = gf_puls_writer_close(w);
    if (rc != GF_OK)
        snprintf(msg, msglen, "%s: cannot finish the file: %s", path,
                 gf_strerror(rc));
    return rc;
}

int gf_job_write(gf_job *j, const char *path, gf_compile_result *res, char *msg,
                 size_t msglen)
{
    cr_ctx c;
    memset(&c, 0, sizeof c);
    c.j = j;
    c.cfg.accel = j->o.accel;
    c.cfg.travel_speed = j->o.travel_speed;
    if (j->d.npolys == 0 && j->nimg == 0) {
        snprintf(msg, msglen,
                 "the design is empty: no stroked shape and no "
                 "image (%zu shapes without a stroke or hidden were skipped)",
                 j->d.skipped);
        return GF_EINVAL;
    }
    int rc = check_bed(j, msg, msglen);
    if (rc == GF_OK && (rc = plan_order(&c)) != GF_OK)
        snprintf(msg, msglen, "ordering the shapes failed: %s",
                 gf_strerror(rc));
    if (rc == GF_OK) {
        rc = plan_pass(&c, NULL, 0);
        if (rc == GF_ETOOBIG)
            snprintf(msg, msglen, "job too long: over %llu ticks (%.0f hours)",
                     (unsigned long long)PE_MAX_PAYLOAD,
                     PE_MAX_PAYLOAD / 3.6e7);
        else if (rc != GF_OK)
            snprintf(msg, msglen, "planning failed: %s", gf_strerror(rc));
    }
    if (rc == GF_OK)
        rc = write_file(&c, path, msg, msglen);
    if (rc == GF_OK && res)
        fill_result(&c, res);
    pe_free(&c.e);
    pm_scratch_free(&c.s);
    free(c.run);
    free(c.order);
    return rc;
}

/* locate_ncc.c - normalised cross-correlation of a template with a picture.
 *
 * NCC is the correlation coefficient between the template and the window
 * of the picture under it: 1 for the same pattern whatever the picture's
 * brightness and contrast (the lid lamp and the room change both), near 0
 * for something unrelated. The templates are stored with their mean taken
 * out, so the numerator is one multiply-add per pixel; the windows' sums
 * and sums of squares come from integral images in the exhaustive search.
 *
 * Cost: the exhaustive search at the coarsest level is (W - w)(H - h) w h
 * multiply-adds, about 19 million for a 2592 × 1944 frame (a 54 × 40
 * template over 162 × 121): milliseconds. A search by FFT would be cheaper
 * for large templates but is not needed at these sizes. */
#include <math.h>
#include <stdlib.h>

#include "gf/error.h"
#include "locate_int.h"

/* Σ t over the template (zero-mean) times the picture window. */
static double loc_dot(const loc_plane *img, const loc_plane *t, int x, int y)
{
    double s = 0;
    for (int r = 0; r < t->h; r++) {
        const float *a = img->px + (size_t)(y + r) * (size_t)img->w + x;
        const float *b = t->px + (size_t)r * (size_t)t->w;
        float acc = 0;
        for (int i = 0; i < t->w; i++)
            acc += a[i] * b[i];
        s += acc;
    }
    return s;
}

static double loc_norm(const loc_plane *t)
{
    double s = 0;
    size_t n = (size_t)t->w * (size_t)t->h;
    for (size_t i = 0; i < n; i++)
        s += (double)t->px[i] * t->px[i];
    return sqrt(s);
}

static double loc_score(double dot, double tnorm, double sum, double sum2,
                        double n)
{
    double var = sum2 - sum * sum / n;
    if (var <= 1e-9 || tnorm <= 1e-9)
        return 0;
    return dot / (tnorm * sqrt(var));
}

double gf_loc_ncc_at(const loc_plane *img, const loc_plane *t, int x, int y)
{
    double sum = 0, sum2 = 0;
    for (int r = 0; r < t->h; r++) {
        const float *a = img->px + (size_t)(y + r) * (size_t)img->w + x;
        for (int i = 0; i < t->w; i++) {
            sum += a[i];
            sum2 += (double)a[i] * a[i];
        }
    }
    return loc_score(loc_dot(img, t, x, y), loc_norm(t), sum, sum2,
                     (double)t->w * t->h);
}

/* Integral images of the picture and its square, (w + 1) × (h + 1). */
static int loc_integrals(const loc_plane *img, double **s1, double **s2)
{
    size_t W = (size_t)img->w + 1, H = (size_t)img->h + 1;
    *s1 = calloc(W * H, sizeof(double));
    *s2 = calloc(W * H, sizeof(double));
    if (!*s1 || !*s2)
        return GF_ENOMEM;
    for (size_t y = 1; y < H; y++) {
        double r1 = 0, r2 = 0;
        for (size_t x = 1; x < W; x++) {
            double v = img->px[(y - 1) * (size_t)img->w + (x - 1)];
            r1 += v;
            r2 += v * v;
            (*s1)[y * W + x] = (*s1)[(y - 1) * W + x] + r1;
            (*s2)[y * W + x] = (*s2)[(y - 1) * W + x] + r2;
        }
    }
    return GF_OK;
}

static double loc_box(const double *s, size_t W, int x, int y, int w, int h)
{
    size_t x0 = (size_t)x, y0 = (size_t)y, x1 = x0 + (size_t)w,
           y1 = y0 + (size_t)h;
    return s[y1 * W + x1] - s[y0 * W + x1] - s[y1 * W + x0] + s[y0 * W + x0];
}

int gf_loc_ncc_search(const loc_plane *img, const loc_plane *t, int excl,
                      loc_hit *best, loc_hit *second)
{
    double *s1 = NULL, *s2 = NULL, *map = NULL;
    int rc = loc_integrals(img, &s1, &s2);
    int nx = img->w - t->w + 1, ny = img->h - t->h + 1;
    size_t W = (size_t)img->w + 1;
    double n = (double)t->w * t->h, tn = loc_norm(t);
    best->score = second->score = -2;
    best->x = best->y = second->x = second->y = 0;
    if (rc != GF_OK)
        goto out;
    if (nx < 1 || ny < 1) {
        rc = GF_EINVAL;
        goto out;
    }
    if (!(map = malloc((size_t)nx * (size_t)ny * sizeof(double)))) {
        rc = GF_ENOMEM;
        goto out;
    }
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
            double v = loc_score(loc_dot(img, t, x, y), tn,
                                 loc_box(s1, W, x, y, t->w, t->h),
                                 loc_box(s2, W, x, y, t->w, t->h), n);
            map[(size_t)y * (size_t)nx + (size_t)x] = v;
            if (v > best->score)
                *best = (loc_hit){x, y, v};
        }
    /* The runner-up is the best score far enough from the peak that it is
     * another place, not the peak's own shoulder. */
    for (int y = 0; y < ny; y++)
        for (int x = 0; x < nx; x++) {
            double v = map[(size_t)y * (size_t)nx + (size_t)x];
            if ((abs(x - best->x) >= excl || abs(y - best->y) >= excl) &&
                v > second->score)
                *second = (loc_hit){x, y, v};
        }
out:
    free(map);
    free(s1);
    free(s2);
    return rc;
}

loc_hit gf_loc_ncc_refine(const loc_plane *img, const loc_plane *t, int cx,
                          int cy, int radius)
{
    loc_hit h = {cx, cy, -2};
    for (int y = cy - radius; y <= cy + radius; y++)
        for (int x = cx - radius; x <= cx + radius; x++) {
            if (x < 0 || y < 0 || x + t->w > img->w || y + t->h > img->h)
                continue;
            double v = gf_loc_ncc_at(img, t, x, y);
            if (v > h.score)
                h = (loc_hit){x, y, v};
        }
    return h;
}

double gf_loc_parabola(double left, double mid, double right)
{
    double den = left - 2 * mid + right;
    if (den >= -1e-12)
        return 0; /* not a maximum: keep the integer position */
    double off = 0.5 * (left - right) / den;
    return off < -0.5 ? -0.5 : off > 0.5 ? 0.5 : off;
}

/* locate_bench.c - the camera locator's cost and accuracy on the emulated
 * lid camera's frames (issue 13's figures; never pass/fail).
 *
 *   locate_bench [RUNS]
 *
 * 1. One 2592 × 1944 JPEG: decode + locate, RUNS times on this thread
 *    (one core); prints the median and the range (goal: under 150 ms).
 * 2. The vendor's homing loop over 50 random start offsets within ±20 mm
 *    (fixed seed): the error of the first look (before any correction, where
 *    the lens's distortion shows) and of the final estimate, as
 *    percentiles, with the corrections used. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gf/error.h"
#include "gf/locate.h"
#include "lidcam.h"

#define IMG     GF_SOURCE_DIR "/tests/fixtures/img/"
#define REF_X   242.6
#define REF_Y   138.8
#define STEP_MM 0.01875

static double bn_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int bn_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static gf_locate_image *bn_frame(const lidcam *c, double x, double y,
                                 uint32_t n)
{
    uint8_t *j = NULL;
    size_t len = 0;
    gf_locate_image *img = NULL;
    if (lidcam_jpeg(c, x, y, n, &j, &len) == 0)
        gf_locate_image_jpeg(j, len, &img);
    free(j);
    return img;
}

static gf_locate *bn_calibrate(const lidcam *c)
{
    static const double mv[4][2] = {{5, 0}, {-5, 0}, {0, 5}, {0, -5}};
    gf_locate_sample s[4];
    gf_locate *l = NULL;
    gf_locate_image *ref = bn_frame(c, REF_X, REF_Y, 1);
    if (!ref || gf_locate_new(ref, NULL, &l) != GF_OK)
        return NULL;
    gf_locate_image_free(ref);
    for (int i = 0; i < 4; i++) {
        gf_locate_result r;
        gf_locate_image *img =
            bn_frame(c, REF_X + mv[i][0], REF_Y + mv[i][1], 2 + i);
        gf_locate_measure(l, img, &r);
        s[i] = (gf_locate_sample){mv[i][0], mv[i][1], r.px, r.py};
        gf_locate_image_free(img);
    }
    if (gf_locate_calibrate(l, s, 4) != GF_OK) {
        gf_locate_free(l);
        return NULL;
    }
    return l;
}

static void bn_timing(const lidcam *c, const gf_locate *l, int runs)
{
    uint8_t *j = NULL;
    size_t len = 0;
    double *t = calloc((size_t)runs, sizeof(double));
    lidcam_jpeg(c, REF_X + 12.3, REF_Y - 7.7, 77, &j, &len);
    for (int i = 0; i < runs; i++) {
        gf_locate_image *img = NULL;
        gf_locate_result r;
        double t0 = bn_now();
        gf_locate_image_jpeg(j, len, &img);
        gf_locate_find(l, img, &r);
        t[i] = (bn_now() - t0) * 1e3;
        gf_locate_image_free(img);
    }
    qsort(t, (size_t)runs, sizeof(double), bn_cmp);
    printf("locate one 2592x1944 JPEG (%zu bytes), one core, %d runs:\n"
           "  median %.1f ms  min %.1f  max %.1f  (goal < 150 ms: %.2fx)\n",
           len, runs, t[runs / 2], t[0], t[runs - 1], 150.0 / t[runs / 2]);
    free(t);
    free(j);
}

static double bn_rand(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static double bn_q(double mm)
{
    return round(mm / STEP_MM) * STEP_MM;
}

static void bn_pct(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), bn_cmp);
    printf("  %-28s p50 %.3f  p90 %.3f  p96 %.3f  max %.3f mm\n", what,
           v[n / 2], v[n * 9 / 10], v[n * 96 / 100], v[n - 1]);
}

static void bn_servo(const lidcam *c, const gf_locate *l)
{
    enum { N = 50 };
    double first[N], final[N];
    int good = 0, refused = 0, corr = 0, nfinal = 0, nfirst = 0;
    uint64_t seed = 20261202;
    uint32_t frame = 100;
    for (int i = 0; i < N; i++) {
        double sx = bn_rand(&seed) * 40 - 20, sy = bn_rand(&seed) * 40 - 20;
        double tx = sx + bn_q(REF_X), ty = sy + bn_q(REF_Y);
        gf_locate_servo sv;
        gf_locate_result r;
        int rc;
        gf_locate_servo_init(&sv, 0.25, 4);
        for (;;) {
            gf_locate_image *img = bn_frame(c, tx, ty, frame++);
            rc = img ? gf_locate_find(l, img, &r) : GF_EJPEG;
            gf_locate_image_free(img);
            if (rc != GF_OK)
                break;
            if (sv.corrections == 0)
                first[nfirst++] =
                    hypot(REF_X + r.dx_mm - tx, REF_Y + r.dy_mm - ty);
            if ((rc = gf_locate_servo_step(&sv, &r)) != GF_LOCATE_MOVE)
                break;
            tx += bn_q(sv.move_dx_mm);
            ty += bn_q(sv.move_dy_mm);
        }
        if (rc == GF_LOCATE_DONE) {
            final[nfinal] = hypot(REF_X + r.dx_mm - tx, REF_Y + r.dy_mm - ty);
            good += final[nfinal++] < 0.5;
            corr += sv.corrections;
        } else {
            refused++;
            printf("  start %.2f,%.2f refused: %s\n", sx, sy, gf_strerror(rc));
        }
    }
    printf("homing by camera, %d random starts within +-20 mm (seed "
           "20261202):\n  within 0.5 mm: %d  refused: %d  corrections: "
           "%.2f on average\n",
           N, good, refused, nfinal ? (double)corr / nfinal : 0);
    if (nfirst)
        bn_pct("first look (no correction)", first, nfirst);
    if (nfinal)
        bn_pct("final estimate", final, nfinal);
}

int main(int argc, char **argv)
{
    lidcam_opts o;
    lidcam *c = NULL;
    char err[256];
    int runs = argc > 1 ? atoi(argv[1]) : 21;
    lidcam_opts_default(&o);
    if (runs < 1 || lidcam_open(&c, IMG "HOME_4.jpg", IMG "HOME_1.jpg", &o, err,
                                sizeof(err)) != 0) {
        fprintf(stderr, "locate_bench: %s\n", runs < 1 ? "bad RUNS" : err);
        return 1;
    }
    gf_locate *l = bn_calibrate(c);
    if (!l) {
        fprintf(stderr, "locate_bench: calibration failed\n");
        lidcam_free(c);
        return 1;
    }
    bn_timing(c, l, runs);
    bn_servo(c, l);
    gf_locate_free(l);
    lidcam_free(c);
    return 0;
}

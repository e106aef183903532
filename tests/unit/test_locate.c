/* test_locate.c - the camera locator (gf/locate.h) on frames composed by
 * gfmachine's emulated lid camera (lidcam.c) and on the real lid frames
 * shipped in tests/fixtures/img: the head found where the camera model
 * put it, the calibration's pixels per mm, the vendor's servo loop over 50
 * random start offsets, and every refusal with its reason. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "gf/error.h"
#include "gf/locate.h"
#include "lidcam.h"

#define IMG     GF_SOURCE_DIR "/tests/fixtures/img/"
#define STEP_MM 0.01875 /* X/Y travel per step (PROTOCOL.md §15.5) */

static lidcam_opts opts;
static lidcam *cam;
static gf_locate *loc; /* reference and calibration from `cam` */

/* The reference place: where the emulator's head picture shows it. */
#define REF_X 242.6
#define REF_Y 138.8

static gf_locate_image *frame(double x, double y, uint32_t n)
{
    int w, h;
    gf_locate_image *img = NULL;
    lidcam_size(cam, &w, &h);
    uint8_t *g = malloc((size_t)w * (size_t)h);
    assert_non_null(g);
    assert_int_equal(lidcam_grey(cam, x, y, n, g), 0);
    assert_int_equal(gf_locate_image_grey(g, w, h, (size_t)w, &img), GF_OK);
    free(g);
    return img;
}

static gf_locate_image *frame_jpeg(const lidcam *c, double x, double y,
                                   uint32_t n)
{
    uint8_t *j = NULL;
    size_t len = 0;
    gf_locate_image *img = NULL;
    assert_int_equal(lidcam_jpeg(c, x, y, n, &j, &len), 0);
    assert_int_equal(gf_locate_image_jpeg(j, len, &img), GF_OK);
    free(j);
    return img;
}

static uint8_t *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static gf_locate_image *fixture(const char *name)
{
    size_t len;
    uint8_t *b = read_all(name, &len);
    gf_locate_image *img = NULL;
    assert_int_equal(gf_locate_image_jpeg(b, len, &img), GF_OK);
    free(b);
    return img;
}

/* Calibrate as the service would: reference at the centre, then ±5 mm in
 * X and in Y. */
static gf_locate *calibrated(void)
{
    static const double mv[4][2] = {{5, 0}, {-5, 0}, {0, 5}, {0, -5}};
    gf_locate_sample s[4];
    gf_locate *l = NULL;
    gf_locate_image *ref = frame_jpeg(cam, REF_X, REF_Y, 1000);
    assert_int_equal(gf_locate_new(ref, NULL, &l), GF_OK);
    gf_locate_image_free(ref);
    for (int i = 0; i < 4; i++) {
        gf_locate_result r;
        gf_locate_image *img =
            frame_jpeg(cam, REF_X + mv[i][0], REF_Y + mv[i][1], 1001 + i);
        assert_int_equal(gf_locate_measure(l, img, &r), GF_OK);
        s[i] = (gf_locate_sample){mv[i][0], mv[i][1], r.px, r.py};
        gf_locate_image_free(img);
    }
    assert_int_equal(gf_locate_calibrate(l, s, 4), GF_OK);
    return l;
}

static int setup(void **state)
{
    char err[256];
    (void)state;
    lidcam_opts_default(&opts);
    if (lidcam_open(&cam, IMG "HOME_4.jpg", IMG "HOME_1.jpg", &opts, err,
                    sizeof(err)) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    loc = calibrated();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    gf_locate_free(loc);
    lidcam_free(cam);
    return 0;
}

static void the_head_is_found_where_the_camera_model_puts_it(void **state)
{
    static const double off[][2] = {{0, 0}, {7, -3}, {-15, 12}, {18, 18}};
    (void)state;
    for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
        double u, v, u0, v0;
        gf_locate_result r;
        lidcam_project(&opts.model, REF_X + off[i][0], REF_Y + off[i][1], &u,
                       &v);
        lidcam_project(&opts.model, REF_X, REF_Y, &u0, &v0);
        gf_locate_image *img =
            frame_jpeg(cam, REF_X + off[i][0], REF_Y + off[i][1], 7 + i);
        assert_int_equal(gf_locate_find(loc, img, &r), GF_OK);
        /* The paste is to whole pixels: within a pixel and a half. */
        assert_true(fabs(r.px - (u - u0)) < 1.5);
        assert_true(fabs(r.py - (v - v0)) < 1.5);
        assert_true(r.peak > 0.9);
        assert_true(gf_locate_confidence(loc, &r) > 0.5);
        gf_locate_image_free(img);
    }
}

static void calibration_gives_the_lens_pixels_per_mm_and_axes(void **state)
{
    gf_locate_calib c;
    (void)state;
    assert_int_equal(gf_locate_calibration(loc, &c), GF_OK);
    /* Near the centre the model gives focal / height px per mm, X to the
     * right and Y down the picture. */
    double want = opts.model.focal_px / opts.model.height_mm;
    assert_true(fabs(c.x_px[0] - want) < 0.02 * want);
    assert_true(fabs(c.y_px[1] - want) < 0.02 * want);
    assert_true(fabs(c.x_px[1]) < 0.02 * want);
    assert_true(fabs(c.y_px[0]) < 0.02 * want);
    assert_true(c.residual_px < 1.0);
}

static double uniform(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static double quantise(double mm)
{
    return round(mm / STEP_MM) * STEP_MM;
}

/* One homing as the service runs it: the head starts at (sx, sy) from
 * home and is believed at home; GF_OK with the estimate's error, or the
 * reason it gave up. */
static int home_once(double sx, double sy, uint32_t *n, double *miss)
{
    double tx = sx + quantise(REF_X), ty = sy + quantise(REF_Y);
    gf_locate_servo sv;
    gf_locate_result r;
    gf_locate_servo_init(&sv, 0.25, 4);
    for (;;) {
        gf_locate_image *img = frame(tx, ty, (*n)++);
        int rc = gf_locate_find(loc, img, &r);
        gf_locate_image_free(img);
        if (rc != GF_OK)
            return rc;
        rc = gf_locate_servo_step(&sv, &r);
        if (rc == GF_LOCATE_DONE) {
            *miss = hypot(REF_X + r.dx_mm - tx, REF_Y + r.dy_mm - ty);
            return GF_OK;
        }
        if (rc != GF_LOCATE_MOVE)
            return rc;
        tx += quantise(sv.move_dx_mm);
        ty += quantise(sv.move_dy_mm);
    }
}

static void servo_homes_48_of_50_random_starts_within_half_a_mm(void **state)
{
    uint64_t seed = 20261202;
    uint32_t n = 100;
    int good = 0, refused = 0;
    double worst = 0;
    (void)state;
    for (int i = 0; i < 50; i++) {
        double sx = uniform(&seed) * 40 - 20, sy = uniform(&seed) * 40 - 20;
        double miss = 0;
        int rc = home_once(sx, sy, &n, &miss);
        if (rc == GF_OK && miss < 0.5) {
            good++;
            worst = miss > worst ? miss : worst;
            continue;
        }
        /* A miss must be a refusal with a reason, never a wrong answer. */
        assert_int_not_equal(rc, GF_OK);
        assert_string_not_equal(gf_errname(rc), "unknown");
        refused++;
        printf("start %.2f,%.2f: %s\n", sx, sy, gf_strerror(rc));
    }
    printf("homed %d of 50 (worst %.3f mm), %d refused\n", good, worst,
           refused);
    assert_true(good >= 48);
}

static void a_hidden_head_is_not_found(void **state)
{
    lidcam_opts o = opts;
    lidcam *c = NULL;
    char err[256];
    gf_locate_result r;
    (void)state;
    o.hide_head = 1;
    assert_int_equal(lidcam_open(&c, IMG "HOME_4.jpg", IMG "HOME_1.jpg", &o,
                                 err, sizeof(err)),
                     0);
    gf_locate_image *img = frame_jpeg(c, REF_X, REF_Y, 3);
    assert_int_equal(gf_locate_find(loc, img, &r), GF_ELOC_NOTFOUND);
    assert_true(r.peak < 0.6);
    assert_true(gf_locate_confidence(loc, &r) == 0);
    gf_locate_image_free(img);
    lidcam_free(c);
}

static void a_very_dark_frame_is_refused_as_dark(void **state)
{
    lidcam_opts o = opts;
    lidcam *c = NULL;
    char err[256];
    gf_locate_result r;
    (void)state;
    o.dark = 0.02;
    o.noise = 2;
    assert_int_equal(lidcam_open(&c, IMG "HOME_4.jpg", IMG "HOME_1.jpg", &o,
                                 err, sizeof(err)),
                     0);
    gf_locate_image *img = frame_jpeg(c, REF_X + 2, REF_Y, 4);
    assert_int_equal(gf_locate_find(loc, img, &r), GF_ELOC_DARK);
    assert_true(r.brightness < 12);
    gf_locate_image_free(img);
    lidcam_free(c);
}

static void a_head_far_off_centre_is_at_the_edge_or_not_found(void **state)
{
    gf_locate_result r;
    (void)state;
    /* 45 mm off: the logo leaves the searchable middle of the picture. */
    gf_locate_image *img = frame(REF_X + 45, REF_Y, 5);
    int rc = gf_locate_find(loc, img, &r);
    assert_true(rc == GF_ELOC_EDGE || rc == GF_ELOC_NOTFOUND);
    gf_locate_image_free(img);
}

static void real_frames_home1_matches_itself_and_home4_has_no_head(void **state)
{
    gf_locate *l = NULL;
    gf_locate_result r;
    (void)state;
    gf_locate_image *h1 = fixture(IMG "HOME_1.jpg");
    gf_locate_image *h4 = fixture(IMG "HOME_4.jpg");
    gf_locate_image *hd = fixture(IMG "HEAD_NO_LASER_.230.jpg");
    assert_int_equal(gf_locate_new(h1, NULL, &l), GF_OK);
    assert_int_equal(gf_locate_measure(l, h1, &r), GF_OK);
    assert_true(fabs(r.px) < 0.01 && fabs(r.py) < 0.01);
    assert_true(r.peak > 0.999);
    /* The bare bed, and a head-camera picture of the material: no head. */
    assert_int_equal(gf_locate_measure(l, h4, &r), GF_ELOC_NOTFOUND);
    assert_int_not_equal(gf_locate_measure(l, hd, &r), GF_OK);
    gf_locate_image_free(h1);
    gf_locate_image_free(h4);
    gf_locate_image_free(hd);
    gf_locate_free(l);
}

/* HOME_1 moved by whole pixels on a grey copy of HOME_4's bed. */
static void real_frame_shifted_is_found_by_its_shift(void **state)
{
    static const int shift[][2] = {{80, -40}, {-200, 120}, {333, 0}};
    int w, h;
    (void)state;
    lidcam_size(cam, &w, &h);
    uint8_t *g = malloc((size_t)w * (size_t)h);
    assert_non_null(g);
    gf_locate_image *h1 = fixture(IMG "HOME_1.jpg");
    gf_locate *l = NULL;
    assert_int_equal(gf_locate_new(h1, NULL, &l), GF_OK);
    lidcam_opts o = opts;
    o.noise = 0;
    o.flicker = 0;
    lidcam *c = NULL;
    char err[256];
    assert_int_equal(lidcam_open(&c, IMG "HOME_4.jpg", IMG "HOME_1.jpg", &o,
                                 err, sizeof(err)),
                     0);
    for (size_t i = 0; i < sizeof(shift) / sizeof(shift[0]); i++) {
        /* Find the head-plane move that shifts the picture by `shift`
         * using the camera's own centre scale, then check the locator
         * against the shift lidcam really made. */
        double f = o.model.focal_px / o.model.height_mm, u, v, u0, v0;
        double x = REF_X + shift[i][0] / f, y = REF_Y + shift[i][1] / f;
        lidcam_project(&o.model, x, y, &u, &v);
        lidcam_project(&o.model, REF_X, REF_Y, &u0, &v0);
        assert_int_equal(lidcam_grey(c, x, y, 0, g), 0);
        gf_locate_image *img = NULL;
        gf_locate_result r;
        assert_int_equal(gf_locate_image_grey(g, w, h, (size_t)w, &img), GF_OK);
        assert_int_equal(gf_locate_measure(l, img, &r), GF_OK);
        assert_true(fabs(r.px - round(u - u0)) < 1.0);
        assert_true(fabs(r.py - round(v - v0)) < 1.0);
        gf_locate_image_free(img);
    }
    lidcam_free(c);
    gf_locate_image_free(h1);
    gf_locate_free(l);
    free(g);
}

static void a_saved_locator_measures_the_same(void **state)
{
    uint8_t *blob = NULL;
    size_t len = 0;
    gf_locate *back = NULL;
    gf_locate_result a, b;
    gf_locate_calib c1, c2;
    (void)state;
    assert_int_equal(gf_locate_save(loc, &blob, &len), GF_OK);
    assert_int_equal(gf_locate_load(blob, len, &back), GF_OK);
    gf_locate_image *img = frame(REF_X + 3, REF_Y - 4, 9);
    assert_int_equal(gf_locate_find(loc, img, &a), GF_OK);
    assert_int_equal(gf_locate_find(back, img, &b), GF_OK);
    assert_true(fabs(a.dx_mm - b.dx_mm) < 1e-3);
    assert_true(fabs(a.dy_mm - b.dy_mm) < 1e-3);
    assert_true(fabs(a.peak - b.peak) < 1e-4);
    assert_int_equal(gf_locate_calibration(back, &c2), GF_OK);
    gf_locate_calibration(loc, &c1);
    assert_memory_equal(&c1, &c2, sizeof(c1));
    gf_locate_free(back);
    /* Cut short, bad magic, a NaN threshold: not a locator. */
    assert_int_equal(gf_locate_load(blob, len - 1, &back), GF_ELOC_BLOB);
    assert_null(back);
    blob[0] = 'X';
    assert_int_equal(gf_locate_load(blob, len, &back), GF_ELOC_BLOB);
    blob[0] = 'G';
    memset(blob + 20, 0xff, 8);
    assert_int_equal(gf_locate_load(blob, len, &back), GF_ELOC_BLOB);
    gf_locate_image_free(img);
    free(blob);
}

static void bad_pictures_get_named_errors(void **state)
{
    static const uint8_t junk[] = {0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5};
    gf_locate_image *img = NULL;
    gf_locate_result r;
    (void)state;
    assert_int_equal(gf_locate_image_jpeg(junk, sizeof(junk), &img), GF_EJPEG);
    assert_null(img);
    assert_int_equal(gf_locate_image_jpeg((const uint8_t *)"hello", 5, &img),
                     GF_EJPEG);
    /* A picture of another size than the reference. */
    uint8_t *g = calloc(640, 480);
    for (int i = 0; i < 640 * 480; i++)
        g[i] = (uint8_t)(i * 7);
    assert_int_equal(gf_locate_image_grey(g, 640, 480, 640, &img), GF_OK);
    assert_int_equal(gf_locate_find(loc, img, &r), GF_ELOC_SIZE);
    gf_locate_image_free(img);
    /* A flat picture cannot be a reference. */
    memset(g, 128, 640 * 480);
    assert_int_equal(gf_locate_image_grey(g, 640, 480, 640, &img), GF_OK);
    gf_locate *l = NULL;
    assert_int_equal(gf_locate_new(img, NULL, &l), GF_ELOC_FLAT);
    gf_locate_image_free(img);
    free(g);
}

static void calibration_refuses_moves_that_cannot_give_one(void **state)
{
    gf_locate *l = NULL;
    gf_locate_result r;
    (void)state;
    gf_locate_image *ref = frame(REF_X, REF_Y, 11);
    assert_int_equal(gf_locate_new(ref, NULL, &l), GF_OK);
    assert_int_equal(gf_locate_find(l, ref, &r), GF_ELOC_UNCALIBRATED);
    /* Only X moves: Y's scale is unknown. */
    gf_locate_sample onlyx[2] = {{5, 0, 109, 0}, {-5, 0, -109, 0}};
    assert_int_equal(gf_locate_calibrate(l, onlyx, 2), GF_ELOC_CALIB);
    /* Moves that disagree by far more than a measurement can. */
    gf_locate_sample wild[4] = {
        {5, 0, 109, 0}, {-5, 0, 30, 0}, {0, 5, 0, 109}, {0, -5, 0, -109}};
    assert_int_equal(gf_locate_calibrate(l, wild, 4), GF_ELOC_CALIB);
    gf_locate_calib c;
    assert_int_equal(gf_locate_calibration(l, &c), GF_ELOC_UNCALIBRATED);
    gf_locate_image_free(ref);
    gf_locate_free(l);
}

static void servo_stops_when_the_error_does_not_shrink(void **state)
{
    gf_locate_servo s;
    gf_locate_result r = {0};
    (void)state;
    gf_locate_servo_init(&s, 0.25, 4);
    r.dx_mm = 3;
    assert_int_equal(gf_locate_servo_step(&s, &r), GF_LOCATE_MOVE);
    assert_true(s.move_dx_mm == -3 && s.move_dy_mm == 0);
    r.dx_mm = 3.1; /* the move changed nothing */
    assert_int_equal(gf_locate_servo_step(&s, &r), GF_ELOC_DIVERGE);
    gf_locate_servo_init(&s, 0.25, 2);
    r.dx_mm = 4;
    assert_int_equal(gf_locate_servo_step(&s, &r), GF_LOCATE_MOVE);
    r.dx_mm = 2;
    assert_int_equal(gf_locate_servo_step(&s, &r), GF_LOCATE_MOVE);
    r.dx_mm = 1;
    assert_int_equal(gf_locate_servo_step(&s, &r), GF_ELOC_NOCONVERGE);
    r.dx_mm = 0.1;
    assert_int_equal(gf_locate_servo_step(&s, &r), GF_LOCATE_DONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_head_is_found_where_the_camera_model_puts_it),
        cmocka_unit_test(calibration_gives_the_lens_pixels_per_mm_and_axes),
        cmocka_unit_test(servo_homes_48_of_50_random_starts_within_half_a_mm),
        cmocka_unit_test(a_hidden_head_is_not_found),
        cmocka_unit_test(a_very_dark_frame_is_refused_as_dark),
        cmocka_unit_test(a_head_far_off_centre_is_at_the_edge_or_not_found),
        cmocka_unit_test(
            real_frames_home1_matches_itself_and_home4_has_no_head),
        cmocka_unit_test(real_frame_shifted_is_found_by_its_shift),
        cmocka_unit_test(a_saved_locator_measures_the_same),
        cmocka_unit_test(bad_pictures_get_named_errors),
        cmocka_unit_test(calibration_refuses_moves_that_cannot_give_one),
        cmocka_unit_test(servo_stops_when_the_error_does_not_shrink),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

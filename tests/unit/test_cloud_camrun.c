/* test_cloud_camrun.c - the camera's calibration and homing runs
 * (camrun.h) driven by a fake machine: gfmachine's emulated lid camera
 * (lidcam.c) composes each picture with the head where the fake's truth
 * says, and every move the run asks for moves that truth. Calibration
 * measures the camera model's pixels per mm and ends at home; homing from
 * random true offsets ends where the head really is; a hidden head, a dark
 * lid, a failed move, a missing picture and a bad blob all end without a
 * position and with the reason. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "camrun.h"
#include "gf/error.h"
#include "lidcam.h"

#define IMG     GF_SOURCE_DIR "/tests/fixtures/img/"
#define STEP_MM 0.01875
/* The bed centre where the emulated camera's head picture was taken. */
#define REF_X_MM 242.6
#define REF_Y_MM 138.8

struct fake {
    lidcam *cam;
    double tx, ty; /* where the head truly is, mm from home */
    uint32_t frame;
    int moves, images;
    int fail_move;  /* this move (1-based) fails */
    int drop_image; /* this picture (1-based) never arrives */
};

static uint8_t *blob;
static size_t blob_len;

static int64_t ref_x(void)
{
    return (int64_t)llround(REF_X_MM / STEP_MM);
}

static int64_t ref_y(void)
{
    return (int64_t)llround(REF_Y_MM / STEP_MM);
}

static void fake_open(struct fake *f, double dark, int hide)
{
    lidcam_opts o;
    char err[256];
    memset(f, 0, sizeof(*f));
    lidcam_opts_default(&o);
    o.dark = dark;
    o.hide_head = hide;
    assert_int_equal(lidcam_open(&f->cam, IMG "HOME_4.jpg", IMG "HOME_1.jpg",
                                 &o, err, sizeof(err)),
                     0);
    f->frame = 1;
}

/* Play the run to its end the way the machine would. */
static const camrun_outcome *drive(struct fake *f, camrun *r)
{
    for (int guard = 0; guard < 40; guard++) {
        camrun_step st = camrun_next(r);
        if (st.what == CAMRUN_END)
            return camrun_outcome_of(r);
        if (st.what == CAMRUN_MOVE) {
            int ok = ++f->moves != f->fail_move;
            if (ok) {
                f->tx += (double)st.dx * STEP_MM;
                f->ty += (double)st.dy * STEP_MM;
            }
            camrun_moved(r, ok);
            continue;
        }
        uint8_t *j = NULL;
        size_t len = 0;
        if (++f->images != f->drop_image)
            assert_int_equal(
                lidcam_jpeg(f->cam, f->tx, f->ty, f->frame++, &j, &len), 0);
        camrun_image(r, j, len);
        free(j);
    }
    fail_msg("the run did not end");
    return NULL;
}

static int group_setup(void **state)
{
    (void)state;
    struct fake f;
    fake_open(&f, 1, 0);
    camrun *r = camrun_calibrate(0, 0, ref_x(), ref_y());
    const camrun_outcome *o = drive(&f, r);
    int rc = o->ok && camrun_blob(r, &blob, &blob_len) == GF_OK ? 0 : -1;
    camrun_free(r);
    lidcam_free(f.cam);
    return rc;
}

static int group_teardown(void **state)
{
    (void)state;
    free(blob);
    return 0;
}

static void calibration_measures_the_camera_and_ends_at_home(void **state)
{
    (void)state;
    struct fake f;
    fake_open(&f, 1, 0);
    f.tx = 1.5; /* a manual home that is 1.5 mm off: the run trusts it */
    camrun *r = camrun_calibrate(0, 0, ref_x(), ref_y());
    const camrun_outcome *o = drive(&f, r);
    assert_true(o->ok);
    assert_true(o->known);
    assert_int_equal(o->rc, GF_OK);
    assert_int_equal(o->x, 0);
    assert_int_equal(o->y, 0);
    assert_true(fabs(f.tx - 1.5) < 1e-9 && fabs(f.ty) < 1e-9);
    /* 1 reference + 4 known moves; to the centre, four offsets, home. */
    assert_int_equal(f.images, 5);
    assert_int_equal(f.moves, 6);
    /* The camera model: focal 1400 px over 64 mm, X right, Y down. */
    double px = 1400.0 / 64.0;
    assert_true(fabs(o->calib.x_px[0] - px) < 0.5);
    assert_true(fabs(o->calib.x_px[1]) < 0.5);
    assert_true(fabs(o->calib.y_px[1] - px) < 0.5);
    assert_true(fabs(o->calib.y_px[0]) < 0.5);
    assert_true(o->calib.residual_px < 1.5);
    uint8_t *b = NULL;
    size_t n = 0;
    assert_int_equal(camrun_blob(r, &b, &n), GF_OK);
    assert_true(n > 1000);
    free(b);
    camrun_free(r);
    lidcam_free(f.cam);
}

static double lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (double)(*s >> 11) / 9007199254740992.0;
}

static void homing_ends_where_the_head_truly_is(void **state)
{
    (void)state;
    struct fake f;
    uint64_t seed = 13;
    fake_open(&f, 1, 0);
    for (int i = 0; i < 6; i++) {
        double sx = lcg(&seed) * 40 - 20, sy = lcg(&seed) * 40 - 20;
        f.tx = sx;
        f.ty = sy;
        camrun *r = camrun_home(blob, blob_len, 0, 0, ref_x(), ref_y());
        const camrun_outcome *o = drive(&f, r);
        assert_true(o->ok);
        assert_true(o->known);
        double ex = f.tx - (double)o->x * STEP_MM;
        double ey = f.ty - (double)o->y * STEP_MM;
        if (hypot(ex, ey) >= 0.5)
            fail_msg("start %.2f,%.2f: reported %lld,%lld steps, truly at "
                     "%.3f,%.3f mm",
                     sx, sy, (long long)o->x, (long long)o->y, f.tx, f.ty);
        assert_true(o->residual_mm < CAMRUN_TOLERANCE_MM);
        assert_true(o->confidence > 0.5 && o->confidence <= 1);
        assert_true(o->corrections >= 1 && o->corrections <= 4);
        camrun_free(r);
    }
    lidcam_free(f.cam);
}

/* From a known position away from home, the first move is the difference
 * (POST .../home {"method":"camera"} on a machine that knows its place). */
static void homing_from_a_believed_position(void **state)
{
    (void)state;
    struct fake f;
    fake_open(&f, 1, 0);
    f.tx = 100.0 + 0.7;
    f.ty = 50.0 - 1.1;
    int64_t bx = (int64_t)llround(100.0 / STEP_MM),
            by = (int64_t)llround(50.0 / STEP_MM);
    camrun *r = camrun_home(blob, blob_len, bx, by, ref_x(), ref_y());
    camrun_step st = camrun_next(r);
    assert_int_equal(st.what, CAMRUN_MOVE);
    assert_int_equal(st.dx, ref_x() - bx);
    assert_int_equal(st.dy, ref_y() - by);
    const camrun_outcome *o = drive(&f, r);
    assert_true(o->ok && o->known);
    assert_true(hypot(f.tx - (double)o->x * STEP_MM,
                      f.ty - (double)o->y * STEP_MM) < 0.5);
    camrun_free(r);
    lidcam_free(f.cam);
}

static void expect_refusal(double dark, int hide, int rc, const char *name)
{
    struct fake f;
    fake_open(&f, dark, hide);
    f.tx = 3;
    f.ty = -2;
    camrun *r = camrun_home(blob, blob_len, 0, 0, ref_x(), ref_y());
    const camrun_outcome *o = drive(&f, r);
    assert_false(o->ok);
    assert_false(o->known);
    assert_int_equal(o->rc, rc);
    assert_non_null(strstr(o->reason, name));
    assert_int_equal(f.images, 1);
    camrun_free(r);
    lidcam_free(f.cam);
}

static void
a_hidden_head_or_a_dark_lid_leaves_the_position_unknown(void **state)
{
    (void)state;
    expect_refusal(1, 1, GF_ELOC_NOTFOUND, "camera_not_found");
    expect_refusal(0.02, 0, GF_ELOC_DARK, "camera_dark");
}

static void a_failed_move_or_a_lost_picture_leaves_it_unknown(void **state)
{
    (void)state;
    struct fake f;
    fake_open(&f, 1, 0);
    f.fail_move = 1;
    camrun *r = camrun_home(blob, blob_len, 0, 0, ref_x(), ref_y());
    const camrun_outcome *o = drive(&f, r);
    assert_false(o->ok || o->known);
    assert_non_null(strstr(o->reason, "did not complete"));
    camrun_free(r);

    f.moves = f.images = 0;
    f.fail_move = 0;
    f.drop_image = 1;
    f.tx = f.ty = 0;
    r = camrun_home(blob, blob_len, 0, 0, ref_x(), ref_y());
    o = drive(&f, r);
    assert_false(o->ok || o->known);
    assert_non_null(strstr(o->reason, "did not arrive"));
    camrun_free(r);

    /* A calibration keeps the position through a refused picture but not
     * through a failed move. */
    f.moves = f.images = 0;
    f.drop_image = 0;
    f.fail_move = 3;
    r = camrun_calibrate(0, 0, ref_x(), ref_y());
    o = drive(&f, r);
    assert_false(o->ok || o->known);
    camrun_free(r);
    lidcam_free(f.cam);
}

static void a_dark_calibration_fails_but_keeps_the_position(void **state)
{
    (void)state;
    struct fake f;
    fake_open(&f, 0.02, 0);
    camrun *r = camrun_calibrate(0, 0, ref_x(), ref_y());
    const camrun_outcome *o = drive(&f, r);
    assert_false(o->ok);
    assert_true(o->known);
    assert_int_equal(o->x, 0);
    assert_int_equal(o->y, 0);
    assert_int_equal(o->rc, GF_ELOC_DARK);
    assert_non_null(strstr(o->reason, "reference picture"));
    assert_true(fabs(f.tx) < 1e-9 && fabs(f.ty) < 1e-9);
    uint8_t *b = NULL;
    size_t n = 0;
    assert_int_equal(camrun_blob(r, &b, &n), GF_ELOC_UNCALIBRATED);
    camrun_free(r);
    lidcam_free(f.cam);
}

static void a_bad_blob_ends_at_once(void **state)
{
    (void)state;
    uint8_t junk[64] = {1, 2, 3};
    camrun *r = camrun_home(junk, sizeof(junk), 0, 0, ref_x(), ref_y());
    assert_int_equal(camrun_next(r).what, CAMRUN_END);
    const camrun_outcome *o = camrun_outcome_of(r);
    assert_false(o->ok || o->known);
    assert_int_equal(o->rc, GF_ELOC_BLOB);
    assert_non_null(strstr(o->reason, "calibrate again"));
    camrun_free(r);
    r = camrun_home(blob, blob_len - 1, 0, 0, ref_x(), ref_y());
    assert_int_equal(camrun_outcome_of(r)->rc, GF_ELOC_BLOB);
    camrun_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(calibration_measures_the_camera_and_ends_at_home),
        cmocka_unit_test(homing_ends_where_the_head_truly_is),
        cmocka_unit_test(homing_from_a_believed_position),
        cmocka_unit_test(
            a_hidden_head_or_a_dark_lid_leaves_the_position_unknown),
        cmocka_unit_test(a_failed_move_or_a_lost_picture_leaves_it_unknown),
        cmocka_unit_test(a_dark_calibration_fails_but_keeps_the_position),
        cmocka_unit_test(a_bad_blob_ends_at_once),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

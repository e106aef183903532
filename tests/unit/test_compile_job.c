/* test_compile_job.c - the compile API end to end through the real pulse
 * codec: a job written by gf_job_write is read back with gf_puls_open_file
 * and gf_puls_stats_read, and passes gf_puls_validate_file (every check of
 * PROTOCOL.md §15.6). Also the API's refusals: empty design, off the bed,
 * bad settings. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <png.h>

#include "gf/compile.h"
#include "gf/puls.h"

#define STEP GF_PULS_MM_PER_STEP_XY

static char out_path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(out_path, sizeof out_path, "/tmp/gf-compile-job-%d.puls",
             (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(out_path);
    return 0;
}

static void test_square_through_codec(void **state)
{
    char msg[300];
    gf_job *j;
    gf_compile_opts o;
    gf_compile_result res;
    gf_puls_reader *r;
    gf_puls_stats st;
    uint32_t v;
    (void)state;
    gf_compile_opts_init(&o);
    o.cut.speed = 25;
    o.cut.power = 60;
    o.serial = 4242;
    o.origin_x = 100;
    o.origin_y = 50;
    assert_int_equal(gf_job_new(&j, &o, msg, sizeof msg), 0);
    assert_int_equal(gf_job_add_svg_file(
                         j, GF_SOURCE_DIR "/tests/fixtures/designs/square.svg",
                         msg, sizeof msg),
                     0);
    assert_int_equal(gf_job_write(j, out_path, &res, msg, sizeof msg), 0);
    gf_job_free(j);

    assert_int_equal(
        gf_puls_validate_file(out_path, 4242, NULL, msg, sizeof msg), 0);
    assert_int_equal(gf_puls_open_file(&r, out_path, NULL, msg, sizeof msg), 0);
    assert_true(gf_puls_is_gzip(r));
    assert_int_equal(gf_puls_tag_get(r, "MCsn", &v), 0);
    assert_int_equal(v, 4242);
    assert_int_equal(gf_puls_tag_get(r, "STfr", &v), 0);
    assert_int_equal(v, 10000);
    gf_puls_stats_init(&st);
    assert_int_equal(gf_puls_stats_read(r, &st), 0);
    assert_int_equal(gf_puls_tag_get(r, "PDct", &v), 0);
    assert_int_equal(v, st.payload_bytes / 10000);
    gf_puls_close(r);

    /* the square spans 10..60 mm from the origin: 533..3200 steps */
    assert_int_equal(st.x, 0);
    assert_int_equal(st.y, 0);
    assert_int_equal(st.x_min, 0);
    assert_int_equal(st.x_max, 3200);
    assert_int_equal(st.y_max, 3200);
    double expect = 4 * 2667 * STEP / 25 * 10000;
    assert_true(fabs((double)st.laser_on - expect) < 0.01 * expect);
    assert_int_equal(st.power_pairs, 0);
    assert_true(st.first_power >= 0 && st.first_power < st.first_laser);
    assert_int_equal(st.power_used[(int)(0.6 * 127 + 0.5)], st.power_bytes);
    assert_int_equal(st.laser_on, res.laser_ticks);
    assert_int_equal(gf_puls_stats_kernel_ticks(&st), res.ticks);
    assert_true(fabs(res.min_x - 100) < STEP && fabs(res.max_x - 160) < STEP);
}

static void test_refusals(void **state)
{
    char msg[300];
    gf_job *j;
    gf_compile_opts o;
    (void)state;
    unlink(out_path);
    gf_compile_opts_init(&o);
    assert_int_equal(gf_job_new(&j, &o, msg, sizeof msg), 0);
    assert_int_equal(gf_job_write(j, out_path, NULL, msg, sizeof msg),
                     GF_EINVAL);
    assert_non_null(strstr(msg, "empty"));
    const char *off = "<svg xmlns='http://www.w3.org/2000/svg' width='1in' "
                      "height='1in' viewBox='0 0 96 96'><circle cx='-2' "
                      "cy='40' r='5' stroke='black'/></svg>";
    assert_int_equal(gf_job_add_svg_mem(j, off, strlen(off), msg, sizeof msg),
                     0);
    assert_int_equal(gf_job_write(j, out_path, NULL, msg, sizeof msg),
                     GF_ERANGE);
    assert_non_null(strstr(msg, "past the left edge"));
    assert_int_equal(access(out_path, F_OK), -1);
    gf_job_free(j);

    o.cut.speed = 0;
    assert_int_equal(gf_job_new(&j, &o, msg, sizeof msg), GF_ERANGE);
    assert_null(j);
    assert_non_null(strstr(msg, "speed 0"));
    gf_compile_opts_init(&o);
    o.origin_x = 600;
    assert_int_equal(gf_job_new(&j, &o, msg, sizeof msg), GF_ERANGE);
}

/* An image from memory (as the service gets uploads): each dark pixel of a
 * PNG made here fires pitch * period ticks. */
static void test_image_from_memory(void **state)
{
    char msg[300];
    uint8_t px[4 * 8], png[4096];
    size_t png_len = sizeof png;
    png_image img;
    gf_job *j;
    gf_compile_opts o;
    gf_compile_result res;
    (void)state;
    for (int i = 0; i < 32; i++)
        px[i] = (i % 3 == 0) ? 0 : 255; /* 11 dark */
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = 8;
    img.height = 4;
    img.format = PNG_FORMAT_GRAY;
    assert_true(png_image_write_to_memory(&img, png, &png_len, 0, px, 0, NULL));
    gf_compile_opts_init(&o);
    o.line_spacing = 10 * STEP; /* pitch 10 steps */
    o.engrave.speed = 62.5;     /* one step every 3 ticks */
    assert_int_equal(gf_job_new(&j, &o, msg, sizeof msg), 0);
    assert_int_equal(gf_job_add_image_mem(j, png, png_len, 5, 5, 8 * 10 * STEP,
                                          0, msg, sizeof msg),
                     0);
    assert_int_equal(gf_job_write(j, out_path, &res, msg, sizeof msg), 0);
    assert_int_equal(res.laser_ticks, 11 * 10 * 3);
    assert_int_equal(
        gf_job_add_image_mem(j, "GIF89a", 6, 0, 0, 1, 1, msg, sizeof msg),
        GF_EINVAL);
    assert_non_null(strstr(msg, "not a PNG or JPEG"));
    gf_job_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_square_through_codec),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_image_from_memory),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

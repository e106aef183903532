/* test_machine_hw.c - the emulated hardware: its step decoder against
 * libgf's gf_puls_stats on the real fixtures (position, laser ticks, kernel
 * ticks), power-byte semantics, pacing and stop, the button and cameras. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "gf/puls.h"
#include "hw.h"

#define FIX GF_SOURCE_DIR "/tests/fixtures/"

static int presses, releases;

static void on_input(void *ud, hw_input in)
{
    if (in == HW_BUTTON_PRESSED)
        presses++;
    if (in == HW_BUTTON_RELEASED)
        releases++;
}

static hw_dev *emu(double speed, int64_t auto_ms)
{
    hw_emu_config c = {.images_dir = FIX "img",
                       .speed = speed,
                       .auto_button_ms = auto_ms,
                       .notify = on_input};
    hw_dev *d = hw_emu_new(&c);
    assert_non_null(d);
    return d;
}

/* Play a fixture through the emulator and libgf's stats side by side. */
static void check_fixture(const char *path)
{
    gf_puls_reader *r = NULL;
    gf_puls_stats st;
    char msg[256];
    const uint8_t *chunk;
    ssize_t n;
    hw_state hs;
    hw_dev *d = emu(0, -1);
    assert_int_equal(gf_puls_open_file(&r, path, NULL, msg, sizeof(msg)),
                     GF_OK);
    gf_puls_stats_init(&st);
    assert_int_equal(hw_play_begin(d, 10000), HW_OK);
    while ((n = gf_puls_read(r, &chunk)) > 0) {
        /* odd slices, to cross chunk edges mid power-pair */
        for (ssize_t off = 0; off < n; off += 777) {
            size_t len = (size_t)(n - off < 777 ? n - off : 777);
            assert_int_equal(hw_play(d, chunk + off, len), HW_OK);
        }
        gf_puls_stats_feed(&st, chunk, (size_t)n);
    }
    assert_int_equal(n, 0);
    hw_state_read(d, &hs);
    assert_int_equal(hs.x, st.x);
    assert_int_equal(hs.y, st.y);
    assert_int_equal(hs.z, st.z);
    assert_int_equal(hs.laser_ticks, st.laser_on);
    assert_int_equal(hs.bytes, st.payload_bytes);
    assert_int_equal(hs.ticks, gf_puls_stats_kernel_ticks(&st));
    assert_int_equal(hs.running, 1);
    hw_play_end(d);
    gf_puls_close(r);
    hw_destroy(d);
}

static void test_motion_fixture_matches_stats(void **state)
{
    check_fixture(FIX "puls/1234567890-nooptions-xxxxx.puls");
}

static void test_hunt_fixture_matches_stats(void **state)
{
    check_fixture(FIX "puls/hunt-signed-offset--8-step-size-0.35306.puls");
}

static void test_decoder_bits_and_power(void **state)
{
    hw_dev *d = emu(0, -1);
    hw_state s;
    /* 0x0D: X+ Y+; 0x20: Z-; 0x1D with laser; 0x03: X-; 0x04: Y-;
     * 0x60: Z+; a power byte (free) and a power pair (costs a tick). */
    const uint8_t buf[] = {0x0D, 0x20, 0x80 | 64, 0x1D,     0x03,
                           0x04, 0x60, 0x80 | 10, 0x80 | 20};
    hw_play_begin(d, 10000);
    hw_play(d, buf, sizeof(buf));
    hw_state_read(d, &s);
    assert_int_equal(s.x, 1);
    assert_int_equal(s.y, 1);
    assert_int_equal(s.z, 0);
    assert_int_equal(s.laser_ticks, 1);
    assert_int_equal(s.bytes, 9);
    assert_int_equal(s.ticks, 6 + 1); /* six step bytes, one pair */
    assert_int_equal(s.power, 10);    /* the second of a pair is not applied */
    hw_destroy(d);
}

static void *stop_later(void *arg)
{
    usleep(100000);
    hw_stop(arg);
    return NULL;
}

static void test_stop_interrupts_play_and_is_sticky(void **state)
{
    /* 100000 ticks at 10 kHz real time = 10 s unless stopped. */
    static uint8_t zeros[100000];
    hw_dev *d = emu(1, -1);
    pthread_t t;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    hw_play_begin(d, 10000);
    pthread_create(&t, NULL, stop_later, d);
    assert_int_equal(hw_play(d, zeros, sizeof(zeros)), HW_ESTOPPED);
    pthread_join(t, NULL);
    clock_gettime(CLOCK_MONOTONIC, &b);
    assert_true(b.tv_sec - a.tv_sec < 5);
    assert_int_equal(hw_play(d, zeros, 10), HW_ESTOPPED);
    assert_int_equal(hw_wait_button(d, 0, 1000), HW_ESTOPPED);
    /* park clears the stop, then make_safe ends the job clean */
    assert_int_equal(hw_park(d, 0, 0, 0), HW_OK);
    hw_make_safe(d);
    hw_play_begin(d, 10000);
    assert_int_equal(hw_play(d, zeros, 10), HW_OK);
    hw_destroy(d);
}

static void test_speed_paces_playback(void **state)
{
    /* 2000 ticks at 10 kHz x 100 = 2 ms: quick, but not zero. */
    static uint8_t zeros[2000];
    hw_dev *d = emu(100, -1);
    hw_play_begin(d, 10000);
    assert_int_equal(hw_play(d, zeros, sizeof(zeros)), HW_OK);
    hw_destroy(d);
}

static void test_button_auto_press_and_timeout(void **state)
{
    hw_dev *d = emu(0, 10);
    presses = releases = 0;
    assert_int_equal(hw_wait_button(d, 0, 5000), HW_OK);
    assert_int_equal(presses, 1);
    assert_int_equal(releases, 1);
    hw_destroy(d);
    d = emu(0, -1);
    assert_int_equal(hw_wait_button(d, 0, 20), HW_ETIMEDOUT);
    hw_destroy(d);
}

static void *press_later(void *arg)
{
    usleep(50000);
    hw_emu_press(arg);
    return NULL;
}

static void test_operator_press(void **state)
{
    hw_dev *d = emu(0, -1);
    pthread_t t;
    presses = 0;
    pthread_create(&t, NULL, press_later, d);
    assert_int_equal(hw_wait_button(d, 0, 10000), HW_OK);
    pthread_join(t, NULL);
    assert_int_equal(presses, 1);
    hw_destroy(d);
}

/* The wait counts presses after the count the caller read, not after the
 * call: an operator who answers the "waiting" event before the worker
 * thread reaches the wait is not ignored. */
static void test_press_before_the_wait_counts(void **state)
{
    hw_dev *d = emu(0, -1);
    hw_state st;
    hw_state_read(d, &st);
    uint64_t seen = st.button_presses;
    hw_emu_press(d);
    assert_int_equal(hw_wait_button(d, seen, 20), HW_OK);
    /* ...and a press before the count was read does not. */
    hw_state_read(d, &st);
    assert_int_equal(st.button_presses, seen + 1);
    assert_int_equal(hw_wait_button(d, st.button_presses, 20), HW_ETIMEDOUT);
    hw_destroy(d);
}

static void test_cameras_and_park(void **state)
{
    hw_dev *d = emu(0, -1);
    uint8_t *jpeg = NULL;
    size_t len = 0;
    hw_state s;
    assert_int_equal(hw_capture(d, HW_CAMERA_LID, NULL, &jpeg, &len), HW_OK);
    assert_int_equal(len, 263016);
    assert_int_equal(jpeg[0], 0xFF);
    assert_int_equal(jpeg[1], 0xD8);
    free(jpeg);
    assert_int_equal(hw_capture(d, HW_CAMERA_HEAD, NULL, &jpeg, &len), HW_OK);
    assert_int_equal(len, 430762);
    free(jpeg);
    assert_int_equal(hw_park(d, 5, -6, 7), HW_OK);
    hw_state_read(d, &s);
    assert_int_equal(s.x, 5);
    assert_int_equal(s.y, -6);
    assert_int_equal(s.z, 7);
    hw_destroy(d);
    hw_emu_config c = {.images_dir = "/nonexistent", .auto_button_ms = -1};
    d = hw_emu_new(&c);
    assert_int_equal(hw_capture(d, HW_CAMERA_LID, NULL, &jpeg, &len), HW_EIO);
    hw_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_motion_fixture_matches_stats),
        cmocka_unit_test(test_hunt_fixture_matches_stats),
        cmocka_unit_test(test_decoder_bits_and_power),
        cmocka_unit_test(test_stop_interrupts_play_and_is_sticky),
        cmocka_unit_test(test_speed_paces_playback),
        cmocka_unit_test(test_button_auto_press_and_timeout),
        cmocka_unit_test(test_operator_press),
        cmocka_unit_test(test_press_before_the_wait_counts),
        cmocka_unit_test(test_cameras_and_park),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

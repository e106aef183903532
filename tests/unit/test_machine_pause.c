/* test_machine_pause.c - what a paused print backs up over and replays
 * (PROTOCOL.md §9.3, §16): 2000 ticks newest first with the directions
 * flipped and the laser off, then forward with the laser back on for the
 * last 50; the head ends where it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw.h"
#include "pause.h"

static pau_hist h;

static void test_short_history(void **state)
{
    const uint8_t *out;
    const uint8_t in[] = {0x0D, 0x80 | 5, 0x1D, 0x61};
    pau_reset(&h);
    pau_record(&h, in, sizeof(in));
    size_t n = pau_backward(&h, &out);
    assert_int_equal(n, 3); /* the power byte is left out */
    assert_int_equal(out[0], 0x61 ^ 0x4A);
    assert_int_equal(out[1], (0x1D ^ 0x4A) & ~0x10); /* laser off */
    assert_int_equal(out[2], 0x0D ^ 0x4A);
    n = pau_forward(&h, &out);
    assert_int_equal(n, 4);
    assert_memory_equal(out, in, 4); /* all within the 50-tick lead */
}

static void test_long_history_keeps_last_2000(void **state)
{
    static uint8_t in[5000];
    const uint8_t *out;
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)(0x11 | ((i & 1) << 1)); /* laser, X+/X- */
    pau_reset(&h);
    pau_record(&h, in, 1234);
    pau_record(&h, in + 1234, sizeof(in) - 1234 - 7);
    pau_record(&h, in + sizeof(in) - 7, 7);
    size_t n = pau_forward(&h, &out);
    assert_int_equal(n, PAU_BACKTRACK);
    for (size_t i = 0; i < n; i++) {
        uint8_t want = in[sizeof(in) - PAU_BACKTRACK + i];
        if (i < PAU_BACKTRACK - PAU_LASER_LEAD)
            want &= (uint8_t)~0x10;
        assert_int_equal(out[i], want);
    }
}

static void test_backtrack_then_replay_returns_the_head(void **state)
{
    static uint8_t in[3000];
    const uint8_t *out;
    hw_emu_config c = {.images_dir = ".", .auto_button_ms = -1};
    hw_dev *d = hw_emu_new(&c);
    hw_state a, b;
    for (size_t i = 0; i < sizeof(in); i++)
        in[i] = (uint8_t)((i % 3 == 0 ? 0x0D : 0x26) | (i % 7 ? 0 : 0x10));
    hw_play_begin(d, 10000);
    pau_reset(&h);
    hw_play(d, in, sizeof(in));
    pau_record(&h, in, sizeof(in));
    hw_state_read(d, &a);
    size_t n = pau_backward(&h, &out);
    hw_play(d, out, n);
    hw_state_read(d, &b);
    assert_true(b.x != a.x || b.y != a.y || b.z != a.z); /* it moved back */
    assert_int_equal(b.laser_ticks, a.laser_ticks);      /* dark */
    n = pau_forward(&h, &out);
    hw_play(d, out, n);
    hw_state_read(d, &b);
    assert_int_equal(b.x, a.x);
    assert_int_equal(b.y, a.y);
    assert_int_equal(b.z, a.z);
    hw_destroy(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_history),
        cmocka_unit_test(test_long_history_keeps_last_2000),
        cmocka_unit_test(test_backtrack_then_replay_returns_the_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

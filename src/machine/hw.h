/* hw.h - the hardware interface of gfmachine.
 *
 * Everything gfmachine needs from a laser cutter goes through this one
 * table of functions, so that firmware developers can drop in a real backend
 * without touching the protocol code. The protocol side (actions.c) calls
 * these from its single worker thread, except hw_stop(), which may be called
 * from any thread to interrupt a running play/park/wait.
 *
 * Implementing a real backend (see docs/machine.md):
 *   - embed `hw_dev` as the first member of your own struct and point `ops`
 *     at a static hw_ops table;
 *   - capture: return a freshly malloc'd JPEG for the camera asked for;
 *   - play_begin/play/play_end: feed the pulse bytes to the step engine
 *     (on a Glowforge, the kernel ring written through /dev/glowforge) and
 *     block for as long as the hardware needs, so that play() paces the
 *     caller; return HW_ESTOPPED promptly once hw_stop() was called;
 *   - wait_button: block until the front button has been pressed since
 *     the press count the caller read, the timeout passes or hw_stop() is
 *     called;
 *   - park: move the head back to a position (the start of a print);
 *   - make_safe: laser latch locked, motion stopped; must never fail.
 *   - report edges of the button and lid through the hw_notify callback
 *     given when the backend was made, and count button presses and read
 *     the lid switch in hw_state (a print pauses on a press and stops when
 *     the lid opens).
 * All calls return 0 or a negative HW_E* code. */
#ifndef GFM_HW_H
#define GFM_HW_H

#include <jansson.h>

#include "lidcam.h"
#include <stddef.h>
#include <stdint.h>

enum {
    HW_OK = 0,
    HW_EIO = -1,       /* the hardware or a resource failed */
    HW_ESTOPPED = -2,  /* interrupted by hw_stop() */
    HW_ETIMEDOUT = -3, /* a wait ran out */
    HW_ENOMEM = -4,
};

typedef enum hw_camera {
    HW_CAMERA_LID = 0,
    HW_CAMERA_HEAD = 1,
} hw_camera;

/* Where the head is and what the step engine is doing: what the progress
 * frames and the settings report are made from. */
typedef struct hw_state {
    int64_t x, y, z;         /* absolute position in steps since power-on */
    uint64_t ticks;          /* kernel ticks played since play_begin */
    uint64_t bytes;          /* payload bytes played since play_begin */
    uint64_t laser_ticks;    /* ticks with the laser firing, since play_begin */
    int power;               /* current PWM duty, 0..127 */
    int running;             /* 1 while a job plays */
    uint64_t button_presses; /* front-button presses since power-on */
    int lid_open;            /* 1 while the lid switch reads open */
} hw_state;

/* Unsolicited inputs a backend reports. */
typedef enum hw_input {
    HW_BUTTON_PRESSED = 1,
    HW_BUTTON_RELEASED,
    HW_LID_OPENED,
    HW_LID_CLOSED,
} hw_input;

typedef void (*hw_notify)(void *ud, hw_input input);

typedef struct hw_dev hw_dev;

typedef struct hw_ops {
    /* A JPEG from `cam` into *jpeg (malloc'd, caller frees). `settings` is
     * the action's settings (object, array or NULL): lighting, exposure. */
    int (*capture)(hw_dev *d, hw_camera cam, const json_t *settings,
                   uint8_t **jpeg, size_t *len);
    /* Prepare a run at `stfr` ticks per second. */
    int (*play_begin)(hw_dev *d, uint32_t stfr);
    /* Play `len` payload bytes; returns when they have been played. */
    int (*play)(hw_dev *d, const uint8_t *buf, size_t len);
    /* The run is over (drained or stopped); laser off. */
    int (*play_end)(hw_dev *d);
    /* Interrupt play/park/wait_button from any thread. Sticky: every later
     * play/wait_button fails with HW_ESTOPPED until park (which is meant to
     * run after a stop) or make_safe (the end of a job) clears it. */
    void (*stop)(hw_dev *d);
    /* Block until hw_state's button_presses differs from `presses_seen`
     * (0), `timeout_ms` passes (HW_ETIMEDOUT) or hw_stop() (HW_ESTOPPED).
     * The caller reads the count before it tells the service it waits, so
     * a press that comes between the event and this call still counts. */
    int (*wait_button)(hw_dev *d, uint64_t presses_seen, int64_t timeout_ms);
    /* Move the head to absolute (x, y, z) steps with the laser off. */
    int (*park)(hw_dev *d, int64_t x, int64_t y, int64_t z);
    /* Read the sensors and counters. */
    void (*state)(hw_dev *d, hw_state *out);
    /* Laser latch locked, motion stopped, stop flag cleared: called at the
     * end of every job on every path. Never fails. */
    void (*make_safe)(hw_dev *d);
    void (*destroy)(hw_dev *d);
} hw_ops;

struct hw_dev {
    const hw_ops *ops;
};

/* Thin wrappers so callers read naturally. */
static inline int hw_capture(hw_dev *d, hw_camera c, const json_t *s,
                             uint8_t **jpeg, size_t *len)
{
    return d->ops->capture(d, c, s, jpeg, len);
}
static inline int hw_play_begin(hw_dev *d, uint32_t stfr)
{
    return d->ops->play_begin(d, stfr);
}
static inline int hw_play(hw_dev *d, const uint8_t *buf, size_t len)
{
    return d->ops->play(d, buf, len);
}
static inline int hw_play_end(hw_dev *d)
{
    return d->ops->play_end(d);
}
static inline void hw_stop(hw_dev *d)
{
    d->ops->stop(d);
}
static inline int hw_wait_button(hw_dev *d, uint64_t presses_seen,
                                 int64_t timeout_ms)
{
    return d->ops->wait_button(d, presses_seen, timeout_ms);
}
static inline int hw_park(hw_dev *d, int64_t x, int64_t y, int64_t z)
{
    return d->ops->park(d, x, y, z);
}
static inline void hw_state_read(hw_dev *d, hw_state *out)
{
    d->ops->state(d, out);
}
static inline void hw_make_safe(hw_dev *d)
{
    d->ops->make_safe(d);
}
static inline void hw_destroy(hw_dev *d)
{
    if (d)
        d->ops->destroy(d);
}

/* The emulated backend (hw_emulated.c). */
typedef struct hw_emu_config {
    const char *images_dir; /* folder holding the camera JPEGs */
    const char *lid_image;  /* file name in images_dir for the lid camera */
    const char *head_image; /* file name in images_dir for the head camera */
    double speed;           /* 1 = real time, 100 = 100x, 0 = no waiting */
    int64_t auto_button_ms; /* press the button this long after a wait
                               starts; < 0 = only by hw_emu_press() */
    hw_notify notify;
    void *notify_ud;
    /* The lid camera. 0: lid_image's file as it is. 1: composed from
     * bed_image and lid_image (the head's look) with the head where it
     * truly is (lidcam.h), through `lid`. */
    int lid_composed;
    const char *bed_image;
    lidcam_opts lid;
    /* Where a person left the head before power-on, mm from home. */
    double head_start_x, head_start_y;
} hw_emu_config;

hw_dev *hw_emu_new(const hw_emu_config *cfg);
/* The operator pressed (and released) the button (`gfmachine press`). */
void hw_emu_press(hw_dev *d);
/* The operator opened (1) or closed (0) the lid (`gfmachine lid open`). */
void hw_emu_lid(hw_dev *d, int open);
/* The head's true position in mm from home: where it started plus every
 * step played or parked since (the test-only `gfmachine where`). */
void hw_emu_where(hw_dev *d, double *x_mm, double *y_mm);
/* Decoding only: feed bytes to the emulator's step decoder with no pacing
 * (what play() does, minus the clock); used by tests. */
void hw_emu_decode(hw_dev *d, const uint8_t *buf, size_t len);

#endif

/* hw_emulated.c - the emulated hardware behind gfmachine.
 *
 * It lets a service be exercised with no laser attached: cameras return
 * JPEGs from a folder, and pulse playback decodes the stream the way the
 * factory kernel's SDMA script does (PROTOCOL.md §15.4: power bytes take no
 * tick unless they follow another power byte) to track the head position,
 * laser-on time and power, while pacing itself against the monotonic clock
 * at the job's tick rate times a speed factor. The front button is pressed
 * automatically after a delay, or by the operator (hw_emu_press).
 *
 * The head's true position is where it was left before power-on (the
 * machine cannot know it: no X/Y limit switches) plus the steps it really
 * played; the composed lid camera (lidcam.c) shows it there, so a service
 * homing by camera is tested against the truth (`gfmachine where`). */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gf/puls.h"
#include "hw.h"
#include "log.h"

#define EMU_MAX_IMAGE (32L * 1024 * 1024)
/* Top X/Y speed 200 mm/s at 53.333 steps/mm (§15.5), used to time parks. */
#define EMU_PARK_STEPS_PER_S 10667.0
/* 0.15 mm per full step at ×8 microstepping (§15.5). */
#define EMU_MM_PER_STEP 0.01875

typedef struct emu {
    hw_dev dev; /* first: hw_dev* and emu* are the same pointer */
    char *images_dir, *lid_image, *head_image;
    double speed;
    int64_t auto_button_ms;
    hw_notify notify;
    void *notify_ud;
    int lid_composed;
    char *bed_image;
    lidcam_opts lid;
    double head_start_x, head_start_y;
    lidcam *cam;        /* opened on the first composed picture */
    uint32_t lid_frame; /* picks each picture's noise and brightness */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stopped;
    uint64_t presses;
    hw_state st;
    int last_was_power;
    uint32_t stfr;
    struct timespec run_start;
    uint64_t paced_ticks;
} emu;

static emu *emu_of(hw_dev *d)
{
    return (emu *)d;
}

static struct timespec emu_deadline(const struct timespec *base, double secs)
{
    struct timespec t = *base;
    long long ns = (long long)(secs * 1e9);
    t.tv_sec += (time_t)(ns / 1000000000LL);
    t.tv_nsec += (long)(ns % 1000000000LL);
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static int emu_ts_before(const struct timespec *a, const struct timespec *b)
{
    return a->tv_sec < b->tv_sec ||
           (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Sleep until `until` unless stopped. Called with mu held. Returns
 * HW_ESTOPPED if hw_stop() came first. */
static int emu_sleep_locked(emu *e, const struct timespec *until)
{
    for (;;) {
        struct timespec now;
        if (e->stopped)
            return HW_ESTOPPED;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (!emu_ts_before(&now, until))
            return HW_OK;
        pthread_cond_timedwait(&e->cv, &e->mu, until);
    }
}

static char *emu_path(const emu *e, const char *name)
{
    size_t n = strlen(e->images_dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", e->images_dir, name);
    return p;
}

static int emu_read_file(const char *path, uint8_t **out, size_t *len)
{
    int rc = HW_EIO;
    uint8_t *buf = NULL;
    FILE *f = fopen(path, "rb");
    long size;
    if (!f)
        goto out;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0 ||
        size > EMU_MAX_IMAGE || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    buf = malloc((size_t)size);
    if (!buf) {
        rc = HW_ENOMEM;
        goto out;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto out;
    *out = buf;
    *len = (size_t)size;
    buf = NULL;
    rc = HW_OK;
out:
    free(buf);
    if (f)
        fclose(f);
    return rc;
}

/* The lid camera's picture of the head where it truly is. The capture
 * runs on the worker thread, the only caller of capture(). */
static int emu_compose(emu *e, uint8_t **jpeg, size_t *len)
{
    char err[256];
    double x, y;
    if (!e->cam) {
        char *bed = emu_path(e, e->bed_image),
             *head = emu_path(e, e->lid_image);
        int rc = -1;
        snprintf(err, sizeof(err), "out of memory");
        if (bed && head)
            rc = lidcam_open(&e->cam, bed, head, &e->lid, err, sizeof(err));
        free(bed);
        free(head);
        if (rc != 0) {
            mlog(MLOG_ERROR, "lid camera: %s", err);
            return HW_EIO;
        }
    }
    hw_emu_where(&e->dev, &x, &y);
    return lidcam_jpeg(e->cam, x, y, e->lid_frame++, jpeg, len) == 0
               ? HW_OK
               : HW_ENOMEM;
}

static int emu_capture(hw_dev *d, hw_camera cam, const json_t *settings,
                       uint8_t **jpeg, size_t *len)
{
    emu *e = emu_of(d);
    if (cam == HW_CAMERA_LID && e->lid_composed)
        return emu_compose(e, jpeg, len);
    /* Lighting and exposure settings (LCfl, HCil, HCex...) change nothing
     * in a stored picture; a real backend applies them here. */
    char *path =
        emu_path(e, cam == HW_CAMERA_HEAD ? e->head_image : e->lid_image);
    int rc = path ? emu_read_file(path, jpeg, len) : HW_ENOMEM;
    free(path);
    return rc;
}

static int emu_play_begin(hw_dev *d, uint32_t stfr)
{
    emu *e = emu_of(d);
    pthread_mutex_lock(&e->mu);
    e->stfr = stfr ? stfr : 10000;
    e->st.ticks = e->st.bytes = e->st.laser_ticks = 0;
    e->st.power = 127; /* a run resets the duty to about 100% (§15.4) */
    e->st.running = 1;
    e->last_was_power = 0;
    e->paced_ticks = 0;
    clock_gettime(CLOCK_MONOTONIC, &e->run_start);
    pthread_mutex_unlock(&e->mu);
    return HW_OK;
}

/* The kernel's byte semantics (§15.4), on the counters in e->st. */
static void emu_decode_locked(emu *e, const uint8_t *buf, size_t len)
{
    hw_state *s = &e->st;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = buf[i];
        if (b & GF_PULS_POWER) {
            if (e->last_was_power)
                s->ticks++; /* consumed unapplied, costs a tick */
            else
                s->power = b & 0x7f;
            e->last_was_power = 1;
            continue;
        }
        e->last_was_power = 0;
        s->ticks++;
        if (b & GF_PULS_X_STEP)
            s->x += (b & GF_PULS_X_NEG) ? -1 : 1;
        if (b & GF_PULS_Y_STEP)
            s->y += (b & GF_PULS_Y_POS) ? 1 : -1;
        if (b & GF_PULS_Z_STEP)
            s->z += (b & GF_PULS_Z_POS) ? 1 : -1;
        if (b & GF_PULS_LASER)
            s->laser_ticks++;
    }
    s->bytes += len;
}

static int emu_play(hw_dev *d, const uint8_t *buf, size_t len)
{
    emu *e = emu_of(d);
    int rc = HW_OK;
    pthread_mutex_lock(&e->mu);
    if (e->stopped) {
        rc = HW_ESTOPPED;
        goto out;
    }
    uint64_t before = e->st.ticks;
    emu_decode_locked(e, buf, len);
    e->paced_ticks += e->st.ticks - before;
    if (e->speed > 0) {
        double secs = (double)e->paced_ticks / e->stfr / e->speed;
        struct timespec until = emu_deadline(&e->run_start, secs);
        rc = emu_sleep_locked(e, &until);
    }
out:
    pthread_mutex_unlock(&e->mu);
    return rc;
}

static int emu_play_end(hw_dev *d)
{
    emu *e = emu_of(d);
    pthread_mutex_lock(&e->mu);
    e->st.running = 0;
    pthread_mutex_unlock(&e->mu);
    return HW_OK;
}

static void emu_stop(hw_dev *d)
{
    emu *e = emu_of(d);
    pthread_mutex_lock(&e->mu);
    e->stopped = 1;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

static void emu_notify_press(emu *e)
{
    if (e->notify) {
        e->notify(e->notify_ud, HW_BUTTON_PRESSED);
        e->notify(e->notify_ud, HW_BUTTON_RELEASED);
    }
}

static int emu_wait_button(hw_dev *d, uint64_t seen, int64_t timeout_ms)
{
    emu *e = emu_of(d);
    struct timespec now, until, autop;
    int rc = HW_OK, auto_pressed = 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    until = emu_deadline(&now, (double)timeout_ms / 1000.0);
    autop = emu_deadline(&now, (double)e->auto_button_ms / 1000.0);
    pthread_mutex_lock(&e->mu);
    for (;;) {
        if (e->presses != seen)
            break;
        if (e->stopped) {
            rc = HW_ESTOPPED;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (e->auto_button_ms >= 0 && !emu_ts_before(&now, &autop)) {
            auto_pressed = 1;
            e->presses++;
            e->st.button_presses = e->presses;
            break;
        }
        if (!emu_ts_before(&now, &until)) {
            rc = HW_ETIMEDOUT;
            break;
        }
        const struct timespec *next = &until;
        if (e->auto_button_ms >= 0 && emu_ts_before(&autop, &until))
            next = &autop;
        pthread_cond_timedwait(&e->cv, &e->mu, next);
    }
    pthread_mutex_unlock(&e->mu);
    if (auto_pressed)
        emu_notify_press(e);
    return rc;
}

static int64_t emu_abs(int64_t v)
{
    return v < 0 ? -v : v;
}

static int emu_park(hw_dev *d, int64_t x, int64_t y, int64_t z)
{
    emu *e = emu_of(d);
    int rc = HW_OK;
    pthread_mutex_lock(&e->mu);
    e->stopped = 0;
    int64_t dist = emu_abs(x - e->st.x);
    if (emu_abs(y - e->st.y) > dist)
        dist = emu_abs(y - e->st.y);
    if (e->speed > 0 && dist > 0) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double secs = (double)dist / EMU_PARK_STEPS_PER_S / e->speed;
        struct timespec until = emu_deadline(&now, secs);
        rc = emu_sleep_locked(e, &until);
    }
    if (rc == HW_OK) {
        e->st.x = x;
        e->st.y = y;
        e->st.z = z;
    }
    pthread_mutex_unlock(&e->mu);
    return rc;
}

static void emu_state(hw_dev *d, hw_state *out)
{
    emu *e = emu_of(d);
    pthread_mutex_lock(&e->mu);
    *out = e->st;
    pthread_mutex_unlock(&e->mu);
}

static void emu_make_safe(hw_dev *d)
{
    emu *e = emu_of(d);
    pthread_mutex_lock(&e->mu);
    e->st.running = 0;
    e->stopped = 0; /* the job is over: the next one starts clean */
    pthread_mutex_unlock(&e->mu);
}

static void emu_destroy(hw_dev *d)
{
    emu *e = emu_of(d);
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    free(e->images_dir);
    free(e->lid_image);
    free(e->head_image);
    free(e->bed_image);
    lidcam_free(e->cam);
    free(e);
}

static const hw_ops emu_ops = {
    .capture = emu_capture,
    .play_begin = emu_play_begin,
    .play = emu_play,
    .play_end = emu_play_end,
    .stop = emu_stop,
    .wait_button = emu_wait_button,
    .park = emu_park,
    .state = emu_state,
    .make_safe = emu_make_safe,
    .destroy = emu_destroy,
};

hw_dev *hw_emu_new(const hw_emu_config *cfg)
{
    emu *e = calloc(1, sizeof(*e));
    pthread_condattr_t ca;
    if (!e)
        return NULL;
    e->dev.ops = &emu_ops;
    e->images_dir = strdup(cfg->images_dir ? cfg->images_dir : ".");
    e->lid_image = strdup(cfg->lid_image ? cfg->lid_image : "HOME_1.jpg");
    e->head_image =
        strdup(cfg->head_image ? cfg->head_image : "HEAD_NO_LASER_.230.jpg");
    e->speed = cfg->speed < 0 ? 0 : cfg->speed;
    e->auto_button_ms = cfg->auto_button_ms;
    e->notify = cfg->notify;
    e->notify_ud = cfg->notify_ud;
    e->lid_composed = cfg->lid_composed;
    e->bed_image = strdup(cfg->bed_image ? cfg->bed_image : "HOME_4.jpg");
    e->lid = cfg->lid;
    e->head_start_x = cfg->head_start_x;
    e->head_start_y = cfg->head_start_y;
    e->stfr = 10000;
    pthread_mutex_init(&e->mu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!e->images_dir || !e->lid_image || !e->head_image || !e->bed_image) {
        emu_destroy(&e->dev);
        return NULL;
    }
    return &e->dev;
}

void hw_emu_press(hw_dev *d)
{
    emu *e = emu_of(d);
    pthread_mutex_lock(&e->mu);
    e->presses++;
    e->st.button_presses = e->presses;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    emu_notify_press(e);
}

void hw_emu_lid(hw_dev *d, int open)
{
    emu *e = emu_of(d);
    pthread_mutex_lock(&e->mu);
    int changed = e->st.lid_open != (open != 0);
    e->st.lid_open = open != 0;
    pthread_mutex_unlock(&e->mu);
    if (changed && e->notify)
        e->notify(e->notify_ud, open ? HW_LID_OPENED : HW_LID_CLOSED);
}

void hw_emu_where(hw_dev *d, double *x_mm, double *y_mm)
{
    emu *e = emu_of(d);
    pthread_mutex_lock(&e->mu);
    *x_mm = e->head_start_x + (double)e->st.x * EMU_MM_PER_STEP;
    *y_mm = e->head_start_y + (double)e->st.y * EMU_MM_PER_STEP;
    pthread_mutex_unlock(&e->mu);
}

void hw_emu_decode(hw_dev *d, const uint8_t *buf, size_t len)
{
    emu *e = emu_of(d);
    pthread_mutex_lock(&e->mu);
    emu_decode_locked(e, buf, len);
    pthread_mutex_unlock(&e->mu);
}

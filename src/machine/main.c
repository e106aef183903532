/* main.c - gfmachine: the device side of the Glowforge cloud protocol.
 *
 * `gfmachine [flags]` runs the daemon: it wires the configuration, the
 * emulated hardware, the dispatcher and its worker, the control socket and
 * the session together and runs the event loop until SIGINT/SIGTERM.
 * `gfmachine press [flags]` presses the button of a running daemon through
 * its control socket; `gfmachine lid open|close [flags]` moves its lid;
 * `gfmachine where [flags]` prints the emulated head's true position (for
 * tests). SIGHUP reopens the --log-file (logrotate). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "act.h"
#include "auth.h"
#include "config.h"
#include "control.h"
#include "frames.h"
#include "gf/error.h"
#include "gf/logfile.h"
#include "http.h"
#include "log.h"
#include "session.h"
#include "spool.h"

static sess *main_sess;
static wrk *main_wrk;

static void main_on_signal(int sig)
{
    (void)sig;
    if (main_sess)
        sess_stop(main_sess);
}

static void main_on_input(void *ud, hw_input input)
{
    static const char *const names[] = {"", "button:pressed", "button:released",
                                        "lid:opened", "lid:closed"};
    if (input >= HW_BUTTON_PRESSED && input <= HW_LID_CLOSED)
        frm_event(-1, names[input], NULL, NULL);
    if (input == HW_LID_OPENED && main_wrk)
        wrk_lid_opened(main_wrk);
}

static int main_start(void *ud, const gf_msg *m, const gf_action_spec *spec)
{
    return wrk_start(ud, m, spec);
}

static void main_cancel(void *ud, int64_t id)
{
    wrk_cancel(ud, id);
}

static act_ctx main_ctx;

static void main_answer(void *ud, const gf_msg *m, const gf_action_spec *spec)
{
    sync_answer(&main_ctx, m, spec);
}

static const disp_ops main_ops = {main_start, main_answer, main_cancel};

/* `gfmachine press` / `gfmachine lid open|close`: talk to the daemon. */
static int main_command(const char *command, int argc, char **argv)
{
    cfg c;
    char err[512];
    int rc = cfg_load(&c, argc, argv, err, sizeof(err));
    if (rc == 0 && !c.control && !c.serial) {
        snprintf(err, sizeof(err), "give --control PATH or --serial N");
        rc = -1;
    }
    if (rc == 0 && cfg_fill_control(&c) != 0) {
        snprintf(err, sizeof(err), "out of memory");
        rc = -1;
    }
    char answer[64] = "";
    if (rc == 0 &&
        ctl_ask(c.control, command, answer, sizeof(answer), err, sizeof(err)))
        rc = -1;
    if (rc == 0 && strcmp(command, "where") == 0)
        printf("%s", answer);
    if (rc < 0)
        fprintf(stderr, "gfmachine %s: %s\n", command, err);
    cfg_free(&c);
    return rc < 0 ? 1 : 0;
}

static void main_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = main_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* logrotate's SIGHUP reopens --log-file (ignored without one). */
    gf_logfile_reopen_on_sighup();
    signal(SIGPIPE, SIG_IGN);
    /* A file size limit (RLIMIT_FSIZE) must fail the spool write with EFBIG,
     * which ends the job :failed, rather than kill the daemon. */
    signal(SIGXFSZ, SIG_IGN);
}

static int main_daemon(cfg *c)
{
    int rc = 1;
    txq *q = txq_new((size_t)c->queue_max, NULL, NULL);
    hw_emu_config hc = {
        .images_dir = c->images,
        .lid_image = c->lid_image,
        .head_image = c->head_image,
        .speed = c->speed,
        .auto_button_ms =
            c->auto_button < 0 ? -1 : (int64_t)(c->auto_button * 1000),
        .notify = main_on_input,
    };
    double hx = 0, hy = 0;
    cfg_head_start(c, &hx, &hy); /* checked by cfg_check */
    hc.lid_composed = strcmp(c->lid_camera, "composed") == 0;
    hc.bed_image = c->bed_image;
    lidcam_opts_default(&hc.lid);
    hc.lid.model.focal_px = c->lid_focal_px;
    hc.lid.model.height_mm = c->lid_height_mm;
    hc.lid.model.k1 = c->lid_k1;
    hc.lid.model.k2 = c->lid_k2;
    hc.lid.model.axis_x = c->lid_axis_x;
    hc.lid.model.axis_y = c->lid_axis_y;
    hc.lid.model.ref_x = c->lid_ref_x;
    hc.lid.model.ref_y = c->lid_ref_y;
    hc.lid.noise = c->lid_noise;
    hc.lid.flicker = c->lid_flicker;
    hc.lid.dark = c->lid_dark;
    hc.lid.hide_head = c->lid_hide_head;
    hc.head_start_x = hx;
    hc.head_start_y = hy;
    hw_dev *hw = NULL;
    wrk *w = NULL;
    disp *d = NULL;
    ctl *control = NULL;
    if (!q || !(hw = hw_emu_new(&hc)))
        goto out;
    frm_init(q);
    mlog_init(c->verbose ? MLOG_DEBUG : MLOG_INFO, 1);
    auth_init(c);
    main_ctx = (act_ctx){.cfg = c, .hw = hw};
    if (!(w = wrk_new(&main_ctx)) || !(d = disp_new(&main_ops, w)))
        goto out;
    main_wrk = w;
    main_ctx.disp = d;
    if (!(main_sess = sess_new(c, q, d)))
        goto out;
    main_ctx.full_report_sent = sess_watch_full_report;
    main_ctx.full_report_ud = main_sess;
    txq_set_wake(q, sess_wake, main_sess);
    control = ctl_start(c->control, hw);
    main_signals();
    mlog(MLOG_INFO, "gfmachine S%llu starting (service %s, speed %g)",
         (unsigned long long)c->serial, cfg_server(c), c->speed);
    if (access(c->images, R_OK | X_OK) != 0)
        mlog(MLOG_WARNING,
             "the images folder %s cannot be read: camera "
             "actions will fail",
             c->images);
    if (spool_ensure_dir(c->work_dir) != 0)
        mlog(MLOG_WARNING,
             "the work folder %s cannot be made (%s): jobs will fail "
             "until it can",
             c->work_dir, strerror(errno));
    rc = sess_run(main_sess) == 0 ? 0 : 1;
    if (rc)
        fprintf(stderr, "gfmachine: the event loop could not start\n");
    mlog_local(MLOG_INFO, "shutting down");
    mhttp_shutdown(); /* a sign-in or download in flight ends now */
out:
    if (!main_sess)
        fprintf(stderr, "gfmachine: out of memory while starting\n");
    ctl_stop(control);
    main_wrk = NULL;
    wrk_free(w); /* cancels and joins a running action */
    sess_free(main_sess);
    main_sess = NULL;
    disp_free(d);
    hw_destroy(hw);
    frm_init(NULL);
    txq_free(q);
    auth_cleanup();
    return rc;
}

int main(int argc, char **argv)
{
    cfg c;
    char err[512];
    int rc;
    if (argc > 1 && strcmp(argv[1], "press") == 0)
        return main_command("press", argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "where") == 0)
        return main_command("where", argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "lid") == 0) {
        const char *how = argc > 2 ? argv[2] : "";
        if (strcmp(how, "open") == 0 || strcmp(how, "close") == 0)
            return main_command(strcmp(how, "open") == 0 ? "lid open"
                                                         : "lid close",
                                argc - 2, argv + 2);
        fprintf(stderr, "gfmachine lid: expected open or close%s%s%s\n",
                *how ? ", not '" : "", how, *how ? "'" : "");
        return 2;
    }
    /* A word where a flag should be is a mistyped command. */
    if (argc > 1 && strncmp(argv[1], "-", 1) != 0) {
        fprintf(stderr,
                "gfmachine: unknown command '%s' (commands: press, lid "
                "open|close, where; try --help)\n",
                argv[1]);
        return 2;
    }
    rc = cfg_load(&c, argc, argv, err, sizeof(err));
    if (rc == 1) {
        cfg_free(&c);
        return 0;
    }
    if (rc == 0)
        rc = cfg_check(&c, err, sizeof(err));
    /* From here on stderr is the log file, if one is named. */
    if (rc == 0 && c.log_file && gf_logfile_open(c.log_file) != GF_OK) {
        snprintf(err, sizeof(err), "log-file %s: %s", c.log_file,
                 strerror(errno));
        rc = -1;
    }
    if (rc != 0) {
        fprintf(stderr, "gfmachine: %s\n", err);
        cfg_free(&c);
        return 2;
    }
    rc = main_daemon(&c);
    cfg_free(&c);
    return rc;
}

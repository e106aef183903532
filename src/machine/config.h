/* config.h - gfmachine's configuration: an INI file (libinih) and flags. */
#ifndef GFM_CONFIG_H
#define GFM_CONFIG_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_MAX_SERVICES 8

typedef struct cfg {
    /* service: as configured, a comma-separated list of nodes to fail over
     * between; after cfg_check() one URL each in services/statuses, and
     * the one in use is cfg_server()/cfg_status() */
    char *server; /* app server base URL, e.g. http://127.0.0.1:8080 */
    char *status; /* status WebSocket base URL; derived from server */
    char *services[CFG_MAX_SERVICES], *statuses[CFG_MAX_SERVICES];
    int n_services;
    atomic_int *in_use; /* index into services: run-time state, not config */
    uint64_t serial;
    char *password; /* 64 hex characters; never logged */
    char *user_agent;
    char *ca_file; /* PEM CA bundle for https/wss; NULL: the system's */
    /* identity (settings report) */
    char *fw_version, *app_version, *ip, *mac;
    int64_t head_id, head_serial, head_fw;
    /* emulator */
    char *images, *lid_image, *head_image;
    /* emulated head and lid camera (lidcam.h) */
    char *head_start; /* "X,Y" mm from home where the head was left */
    char *lid_camera; /* "composed" or "file" */
    char *bed_image;  /* the bare bed, in the images folder */
    double lid_focal_px, lid_height_mm, lid_k1, lid_k2;
    double lid_axis_x, lid_axis_y, lid_ref_x, lid_ref_y;
    double lid_noise, lid_flicker, lid_dark;
    int lid_hide_head;
    double speed;
    double auto_button; /* seconds; < 0 = only `gfmachine press` */
    char *control;      /* local control socket path */
    char *work_dir;     /* where downloads are spooled */
    /* timings, in milliseconds */
    int64_t retry_min_ms, retry_max_ms, retry_auth_ms, reconnect_ms;
    int64_t warmup_ms, rest_ms, button_timeout_ms, progress_interval_ms;
    int64_t http_timeout_ms;
    int64_t watchdog_ms; /* reconnect if no action follows a full report */
    int ping_s;
    int update_probe; /* GET /update/current once after sign-in */
    /* limits */
    int64_t queue_max;
    int64_t max_job_bytes;
    int64_t chunk; /* playback slice in bytes: how fast a cancel bites */
    int verbose;
    char *log_file; /* NULL: the log stays on stderr */
} cfg;

/* Defaults, then the INI file named by --config (if any), then the flags.
 * argv[0] is skipped; a leading command word (e.g. "run") must be removed
 * by the caller. Returns 0, 1 if --help was printed, or -1 with a one-line
 * reason in `err`. */
int cfg_load(cfg *c, int argc, char **argv, char *err, size_t errlen);
/* Only the defaults (tests). */
void cfg_defaults(cfg *c);
/* Parse INI text from a file (tests); same errors as cfg_load. */
int cfg_load_ini(cfg *c, const char *path, char *err, size_t errlen);
/* Set one key by name ("serial", "speed", ...). */
int cfg_set(cfg *c, const char *key, const char *value, char *err,
            size_t errlen);
/* Checks that need every value: serial, password, URLs. */
int cfg_check(cfg *c, char *err, size_t errlen);
/* head_start as two numbers; -1 if it is not "X,Y". */
int cfg_head_start(const cfg *c, double *x, double *y);
/* The service in use (app server base URL, status WebSocket base URL). */
const char *cfg_server(const cfg *c);
const char *cfg_status(const cfg *c);
/* Move to the next service of the list (after a failed sign-in); returns
 * the new app server URL. Any thread may call the three. */
const char *cfg_next_service(const cfg *c);
/* Default the control socket path from the serial if it is unset. */
int cfg_fill_control(cfg *c);
void cfg_usage(FILE *out);
void cfg_free(cfg *c);

#endif

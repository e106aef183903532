/* config.h - gfcloud's settings: one table of keys, read from an INI file
 * (libinih) and overridable by command-line flags of the same name. */
#ifndef CLOUD_CONFIG_H
#define CLOUD_CONFIG_H

#include <limits.h>
#include <stdio.h>

typedef struct cfg {
    char config_file[PATH_MAX];
    char listen[256]; /* HOST:PORT; port 0 picks a free one */
    char data_dir[PATH_MAX];
    char public_url[512]; /* base of motion_url / endpoint URLs */
    char port_file[PATH_MAX];
    char status_listen[256]; /* "" = sessions on listen (server.c) */
    char status_port_file[PATH_MAX];
    char tls_cert[PATH_MAX];
    char tls_key[PATH_MAX];
    char firmware_version[128];
    char firmware_url[512];
    char hunt_file[PATH_MAX];
    char log_level[16];
    char log_file[PATH_MAX]; /* "" = stderr */
    char sync[16];           /* normal | full */
    char store[16];          /* sqlite | postgresql */
    char database_url[1024]; /* libpq conninfo; may hold a password */
    char node_name[64];      /* "" = the host name */
    long node_dead_after;    /* s without a heartbeat: a node is dead */
    long ws_token_ttl;
    long auth_token_ttl;
    long upload_url_ttl;
    long queue_ttl;
    long cancel_grace;
    double deadline_scale;
    double deadline_seconds;
    long max_json_body;
    long max_image_body;
    long max_file_body;
    long max_frame;
    long max_header;
    long ping_interval;
    long machine_recheck; /* seconds; a removed machine's session ends */
    long throttle_max;
    long throttle_address_max;
    long throttle_window;
    /* hostile clients (issue 8) */
    long max_inflated;
    long max_unknown_connections;
    long max_address_connections;
    long header_timeout;
    long body_timeout;
    long fd_reserve;
    char event_loop[8]; /* poll or epoll (gfnet_loop.h) */
    char locator[16];   /* lifecycle.c: the homing locator */
    long session_ttl;   /* idle seconds before a session ends */
    /* the dashboard (issue 12) */
    char web_root[PATH_MAX]; /* "" = web/ beside the binary or in share */
    /* metrics and webhooks (issue 12) */
    char metrics_public[8];    /* yes: GET /metrics needs no API key */
    long webhook_tries;        /* attempts per delivery */
    double webhook_retry_base; /* seconds before the first retry */
    long webhook_timeout;      /* seconds an attempt may take */
} cfg;

/* Defaults that work on loopback with ./gfcloud-data. */
void cfg_defaults(cfg *c);

/* Apply an INI file; returns 0 or -1 with a message in `err` that names
 * the file and, for a bad line, its number ("FILE:LINE: why"). */
int cfg_load_file(cfg *c, const char *path, char *err, size_t errlen);

/* Set one key by name from text (flags and INI share this). */
int cfg_set(cfg *c, const char *key, const char *value, char *err,
            size_t errlen);

/* Parse argv: --config FILE first, then every --KEY VALUE (or --key=value)
 * on top. Unknown flags that are not config keys are left to the caller
 * through `rest` (argv entries not consumed, in order). Returns 0 or -1. */
int cfg_parse_args(cfg *c, int argc, char **argv, char **rest, int *nrest,
                   char *err, size_t errlen);

/* Print every key with its default and meaning. */
void cfg_print_help(FILE *out);

/* What `serve` needs beyond each value's own shape: both halves of the TLS
 * pair or neither, and readable files where files are named. 0 or -1. */
int cfg_check_serve(const cfg *c, char *err, size_t errlen);

#endif

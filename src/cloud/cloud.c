/* cloud.c - the pieces every gfcloud command shares: opening the data
 * directory (database, blobs, server key), the clock and serial parsing.
 * The CLI commands and the server both start here, so `machine add` works
 * on the same files the running server uses. */
#include "cloud.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

int64_t cloud_now(void)
{
    return (int64_t)time(NULL);
}

int64_t cloud_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int cloud_parse_serial(const char *text, uint64_t *out)
{
    if (!text)
        return -1;
    if (*text == 'S' || *text == 's')
        text++;
    /* 18 digits at most: serials are stored as SQLite int64. */
    if (*text < '0' || *text > '9' || strlen(text) > 18)
        return -1;
    uint64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v == 0)
        return -1;
    *out = v;
    return 0;
}

int cloud_open_data(cloud *c, char *err, size_t errlen)
{
    char path[4200];
    if (mkdir(c->cfg.data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", c->cfg.data_dir,
                 strerror(errno));
        return -1;
    }
    snprintf(path, sizeof(path), "%s/gfcloud.db", c->cfg.data_dir);
    int sync_full = strcmp(c->cfg.sync, "full") == 0;
    if (store_open(&c->store, path, sync_full, err, errlen) != 0 ||
        blobs_open(&c->blobs, c->cfg.data_dir, err, errlen) != 0 ||
        auth_open(&c->auth, c->cfg.data_dir, err, errlen) != 0) {
        cloud_close_data(c);
        return -1;
    }
    return 0;
}

void cloud_close_data(cloud *c)
{
    store_close(c->store);
    blobs_close(c->blobs);
    auth_close(c->auth);
    c->store = NULL;
    c->blobs = NULL;
    c->auth = NULL;
}

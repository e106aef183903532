/* cloud.c - the pieces every gfcloud command shares: opening the data
 * directory (database, blobs, server key), the clock and serial parsing.
 * The CLI commands and the server both start here, so `machine add` works
 * on the same files the running server uses. */
#include "cloud.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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

int cloud_deadline_passed(int64_t deadline, int64_t now)
{
    return deadline < now;
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

/* The backend `store` names: SQLite in the data directory, or the
 * PostgreSQL database at database-url (blobs and the server key stay in the
 * data directory either way; nodes sharing a database share those too). */
static int open_store(cloud *c, const char *path, char *err, size_t errlen)
{
    if (strcmp(c->cfg.store, "postgresql") == 0) {
        if (!c->cfg.database_url[0]) {
            snprintf(err, errlen, "store = postgresql needs a database-url");
            return -1;
        }
        if (store_open_pg(&c->store, c->cfg.database_url, err, errlen) != 0)
            return -1;
        char host[64] = "";
        if (!c->cfg.node_name[0])
            gethostname(host, sizeof(host) - 1);
        store_set_node(c->store, c->cfg.node_name[0] ? c->cfg.node_name : host);
        return 0;
    }
    if (strcmp(c->cfg.store, "sqlite") != 0) {
        snprintf(err, errlen, "store: expected sqlite or postgresql, not '%s'",
                 c->cfg.store);
        return -1;
    }
    int sync_full = strcmp(c->cfg.sync, "full") == 0;
    if (store_open_sqlite(&c->store, path, sync_full, err, errlen) != 0)
        return -1;
    (void)chmod(path, 0600);
    return 0;
}

/* The files, in a directory that exists. Everything the service makes is
 * for its own user only: the process runs under umask 077 (main.c), and a
 * database left readable by an older version is tightened here. */
static int open_files(cloud *c, char *err, size_t errlen)
{
    char path[4200];
    snprintf(path, sizeof(path), "%s/gfcloud.db", c->cfg.data_dir);
    if (open_store(c, path, err, errlen) != 0 ||
        blobs_open(&c->blobs, c->cfg.data_dir, err, errlen) != 0 ||
        auth_open(&c->auth, c->cfg.data_dir, err, errlen) != 0) {
        cloud_close_data(c);
        return -1;
    }
    return 0;
}

int cloud_open_data(cloud *c, char *err, size_t errlen)
{
    if (mkdir(c->cfg.data_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "%s: cannot create: %s", c->cfg.data_dir,
                 strerror(errno));
        return -1;
    }
    return open_files(c, err, errlen);
}

int cloud_open_existing_data(cloud *c, char *err, size_t errlen)
{
    char path[4200];
    struct stat st;
    const char *dir = c->cfg.data_dir;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen,
                 "%s: no such data directory (gfcloud init --data %s or "
                 "gfcloud serve makes one)",
                 dir, dir);
        return -1;
    }
    /* With PostgreSQL the tables are elsewhere; the directory still holds
     * the blobs and the server key (made by init or serve). */
    int pg = strcmp(c->cfg.store, "postgresql") == 0;
    snprintf(path, sizeof(path), "%s/%s", dir,
             pg ? "server.key" : "gfcloud.db");
    if (access(path, F_OK) != 0) {
        snprintf(err, errlen,
                 "%s: not a gfcloud data directory (no %s; gfcloud "
                 "init --data %s makes one)",
                 dir, pg ? "server.key" : "gfcloud.db", dir);
        return -1;
    }
    return open_files(c, err, errlen);
}

int cloud_lock_data(cloud *c, char *err, size_t errlen)
{
    char path[4200], pid[32] = "";
    /* The lock guards the SQLite file. With PostgreSQL, nodes share the
     * data directory (blobs, server key) on purpose: docs/cloud.md. */
    if (strcmp(c->cfg.store, "postgresql") == 0)
        return 0;
    snprintf(path, sizeof(path), "%s/gfcloud.lock", c->cfg.data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        ssize_t n = read(fd, pid, sizeof(pid) - 1);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        if (e == EWOULDBLOCK)
            snprintf(err, errlen,
                     "%s is in use by another gfcloud serve%s%s%s; one "
                     "service per data directory",
                     c->cfg.data_dir, pid[0] ? " (pid " : "", pid,
                     pid[0] ? ")" : "");
        else
            snprintf(err, errlen, "%s: cannot lock: %s", path, strerror(e));
        return -1;
    }
    int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) != n) {
        /* The lock holds regardless; only the pid in messages is lost. */
    }
    c->lock_fd = fd + 1;
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
    if (c->lock_fd > 0)
        close(c->lock_fd - 1);
    c->lock_fd = 0;
}

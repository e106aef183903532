/* joblock.c - a captured download works only on its own machine.
 *
 * PROTOCOL.md §19 / §15.6: the service writes the real serial into a job's
 * MCsn; the machine accepts 0 or its own serial. So when a hunt, motion or
 * print action is created from an unlocked (MCsn 0) job file, the machine
 * is served a copy whose header carries its serial: same tags otherwise,
 * same payload bytes, gzip kept (files_lock_copy). The copy is made once
 * per (file, serial) on a worker (ingest.c: it inflates, deflates and
 * fsyncs the whole job), recorded in the store, and reused by every later
 * action. The action is accepted, and answered, only once its copy is
 * durable, so the download never waits for it. */
#include "joblock.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "files.h"
#include "ingest.h"
#include "log.h"

struct lock_job {
    char src[4300]; /* the unlocked job file's blob */
    store_action a; /* the action waiting for its copy */
    files_result res;
};

static int lock_work(cloud *c, void *ctx)
{
    struct lock_job *lj = ctx;
    return files_lock_copy(c->blobs, lj->src, (uint32_t)lj->a.serial,
                           c->cfg.max_inflated, &lj->res);
}

static void lock_reply(cloud *c, struct lws *wsi, http_req *r, void *ctx,
                       int rc)
{
    struct lock_job *lj = ctx;
    if (rc != 0 && lj->res.code &&
        strcmp(lj->res.code, "inflated_too_large") == 0) {
        http_error(wsi, r, 422, lj->res.code,
                   "the job file inflates past max-inflated");
        return;
    }
    if (rc != 0) {
        int full = lj->res.code && strcmp(lj->res.code, "disk_full") == 0;
        log_msg(LOG_ERR, "job file %.12s: %s", lj->a.file, lj->res.err);
        http_error(wsi, r, full ? 507 : 500, full ? "disk_full" : "internal",
                   full ? "the disk is full: cannot lock the job file"
                        : "cannot lock the job file");
        return;
    }
    if (store_file_lock_add(c->store, lj->a.file, lj->a.serial, lj->res.id,
                            cloud_now()) != 0) {
        int full = store_last_full(c->store);
        http_error(wsi, r, full ? 507 : 500, full ? "disk_full" : "internal",
                   full ? "the disk is full" : "database error");
        return;
    }
    log_msg(LOG_INFO, "job file %.12s locked to S%llu as %.12s", lj->a.file,
            (unsigned long long)lj->a.serial, lj->res.id);
    http_api_queue_action(c, wsi, r, &lj->a);
}

static void lock_drop(void *ctx)
{
    struct lock_job *lj = ctx;
    store_action_free(&lj->a);
    free(lj);
}

static const ingest_task lock_task = {lock_work, lock_reply, lock_drop};

int joblock_prepare(cloud *c, struct lws *wsi, http_req *r, store_action *a)
{
    store_file f;
    char blob[65];
    if (store_file_get(c->store, a->file, &f) != 0)
        return http_reject(wsi, r, 404, "no_file", "no such job file");
    if (f.mcsn == a->serial)
        return 0;
    if (f.mcsn != 0)
        return http_reject(wsi, r, 400, "serial_mismatch",
                           "the job file is locked to another machine");
    if (a->serial > UINT32_MAX)
        return http_reject(wsi, r, 400, "serial_too_large",
                           "MCsn holds 32 bits; cannot lock the job file");
    store_rc rc = store_file_lock_get(c->store, a->file, a->serial, blob);
    if (rc == STORE_OK)
        return 0;
    struct lock_job *lj = calloc(1, sizeof(*lj));
    if (rc == STORE_ERROR || !lj ||
        blobs_path(c->blobs, a->file, lj->src, sizeof(lj->src)) != 0) {
        free(lj);
        return http_reject(wsi, r, 500, "internal", "cannot lock the job file");
    }
    lj->a = *a;
    a->params = NULL; /* the job owns them now */
    int sub = ingest_submit(c, wsi, r, &lock_task, lj);
    return sub == HTTP_GO ? HTTP_ANSWERED : sub;
}

int joblock_blob(cloud *c, const char *file, uint64_t serial, char blob[65])
{
    store_file f;
    if (store_file_get(c->store, file, &f) != 0)
        return -1;
    if (f.mcsn == serial) {
        snprintf(blob, 65, "%s", file);
        return 0;
    }
    if (f.mcsn != 0)
        return -1;
    if (store_file_lock_get(c->store, file, serial, blob) == 0)
        return 0;
    /* The bundled hunt file goes out as it is when the service queued the
     * hunt itself (homing, after a print: no request to make a copy on).
     * It is public and moves only Z; MCsn 0 is good on any machine. */
    if (strcmp(file, c->hunt_file_id) == 0) {
        snprintf(blob, 65, "%s", file);
        return 0;
    }
    return -1;
}

/* fuzz_cloud_ws.c - libFuzzer target for the service's ingestion path: what
 * a signed-in machine sends on its WebSocket goes frame by frame through
 * ws_ingest() (src/cloud/ws.c) -> gf_frame_each -> handle_event /
 * handle_progress / handle_log -> the SQLite store and the scheduler's
 * tracker. "The service must never crash or leak because a client
 * misbehaves" (DESIGN.md): no frame may crash it, leak, or break the store.
 *
 * The service is real: a data directory in /tmp with its database, blobs
 * and server key (cloud_open_data) and a scheduler. Two machines exist,
 * each with actions the frames can name (queued, failed, interrupted, and
 * one of the other machine's); the first input byte picks the sender
 * (machine 1, machine 2, or a serial that does not exist). After each
 * frame the store must still answer for the machine. Every RESET_EVERY
 * inputs the data directory is thrown away and made again, so the
 * database stays small and runs stay fast. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloud.h"
#include "fuzz_cloud_tmp.h"
#include "lifecycle.h"
#include "log.h"
#include "scheduler.h"
#include "store.h"
#include "ws.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RESET_EVERY 2000

static cloud fz_cloud;
static long fz_runs;

static int64_t add_action(uint64_t serial, const char *type, const char *finish)
{
    store_action a;
    memset(&a, 0, sizeof(a));
    a.serial = serial;
    snprintf(a.type, sizeof(a.type), "%s", type);
    a.created = cloud_now();
    a.expires_at = a.created + 3600;
    if (store_action_add(fz_cloud.store, &a) != 0)
        abort();
    if (finish)
        store_action_finish(fz_cloud.store, a.id, finish, "fuzz", a.created);
    return a.id;
}

/* A fresh data directory with machines 1 and 2 and actions 1..6. */
static void fz_open(void)
{
    char err[256];
    uint8_t hash[AUTH_HASH_LEN] = {0};
    snprintf(fz_cloud.cfg.data_dir, sizeof(fz_cloud.cfg.data_dir), "%s",
             fuzz_tmp_make());
    if (cloud_open_data(&fz_cloud, err, sizeof(err)) != 0) {
        fprintf(stderr, "cloud_open_data: %s\n", err);
        abort();
    }
    fz_cloud.sched = sched_new(&fz_cloud);
    fz_cloud.life = lifecycle_new(&fz_cloud);
    if (!fz_cloud.sched || !fz_cloud.life ||
        store_machine_add(fz_cloud.store, 1, hash, 1) != 0 ||
        store_machine_add(fz_cloud.store, 2, hash, 1) != 0)
        abort();
    add_action(1, "print", NULL);
    add_action(1, "print", "failed");
    add_action(1, "motion", "interrupted");
    add_action(1, "settings", NULL);
    add_action(2, "print", "failed");
    add_action(1, "lid_image", NULL);
}

static void fz_close(void)
{
    sched_free(fz_cloud.sched);
    lifecycle_free(fz_cloud.life);
    fz_cloud.life = NULL;
    fz_cloud.sched = NULL;
    cloud_close_data(&fz_cloud);
    fuzz_tmp_remove();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    cfg_defaults(&fz_cloud.cfg);
    /* Every malformed line logs a warning; keep the fuzzer's output to
     * its own status lines. */
    log_set_level(getenv("GF_FUZZ_LOG") ? getenv("GF_FUZZ_LOG") : "error");
    fz_open();
    atexit(fz_close);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint64_t senders[] = {1, 2, 77};
    if (size < 1 || size > (size_t)fz_cloud.cfg.max_frame)
        return 0;
    if (++fz_runs % RESET_EVERY == 0) {
        fz_close();
        fz_open();
    }
    uint64_t serial = senders[data[0] % 3];
    ws_ingest(&fz_cloud, serial, (const char *)data + 1, size - 1);
    /* The frame's transaction is over and the store still works. */
    json_t *m = store_machine_get(fz_cloud.store, serial);
    if (serial != 77 && !m)
        abort();
    json_decref(m);
    json_decref(store_event_list(fz_cloud.store, serial, 0, 5));
    json_decref(store_log_list(fz_cloud.store, serial, 0, 5));
    return 0;
}

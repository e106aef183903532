/* image.c - the camera actions: lid_image, head_image, lidar_image,
 * user_image (PROTOCOL.md §9.2, §13).
 *
 * Capture from the backend, then upload: a PUT of the raw JPEG to the
 * action's presigned `endpoint` with no Authorization header (the storage
 * back end refuses a request that carries one), or, for older services
 * without `endpoint`, a POST to {server}/api/machines/<type>/<id> with the
 * Bearer token. The full sub-event set goes out in order; an upload failure
 * sends :upload:failed and the worker then ends the action with :failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "act.h"
#include "auth.h"
#include "http.h"
#include "log.h"

#define IMG_MAX_ANSWER (1024 * 1024)

static hw_camera img_camera(const char *type)
{
    /* The factory treats user_image like lid_image (§9.1). */
    if (strcmp(type, "head_image") == 0 || strcmp(type, "lidar_image") == 0)
        return HW_CAMERA_HEAD;
    return HW_CAMERA_LID;
}

static double img_seconds_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) +
           (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* 0 when the service took the image; else a reason in `why`. */
static int img_upload(act_job *j, const uint8_t *jpeg, size_t len, char *why,
                      size_t whylen)
{
    const cfg *c = j->ctx->cfg;
    char url[2048], err[256];
    long status = 0;
    int presigned = j->endpoint != NULL;
    if (presigned)
        snprintf(url, sizeof(url), "%s", j->endpoint);
    else
        snprintf(url, sizeof(url), "%s/api/machines/%s/%lld", cfg_server(c),
                 j->type, (long long)j->id);
    mhttp_req r = {.method = presigned ? "PUT" : "POST",
                   .url = url,
                   .content_type = "image/jpeg",
                   .body = jpeg,
                   .body_len = len,
                   .max_bytes = IMG_MAX_ANSWER,
                   .timeout_ms = c->http_timeout_ms,
                   .user_agent = c->user_agent,
                   .ca_file = c->ca_file};
    int rc = presigned ? mhttp_do(&r, &status, err, sizeof(err))
                       : auth_request(&r, &status, err, sizeof(err));
    if (rc != MHTTP_OK) {
        snprintf(why, whylen, "%s", err);
        return -1;
    }
    if (status == 200 || (presigned && (status == 201 || status == 204)))
        return 0;
    /* The URL is not logged: a presigned URL is a credential. */
    snprintf(why, whylen, "the service answered HTTP %ld", status);
    return -1;
}

gf_outcome img_run(act_job *j)
{
    uint8_t *jpeg = NULL;
    size_t len = 0;
    char why[300], note[64];
    struct timespec t0;
    gf_outcome o = GF_OUTCOME_FAILED;
    act_event(j, "starting", NULL);
    if (img_camera(j->type) == HW_CAMERA_LID && act_lid_open(j)) {
        /* The lid camera needs the lid closed (§9.1). */
        mlog(MLOG_WARNING, "%s %lld: capture refused, the lid is open", j->type,
             (long long)j->id);
        goto out;
    }
    act_event(j, "capture:starting", NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (hw_capture(j->ctx->hw, img_camera(j->type), j->settings, &jpeg, &len) !=
        HW_OK) {
        mlog(MLOG_ERROR, "%s %lld: camera capture failed", j->type,
             (long long)j->id);
        goto out;
    }
    snprintf(note, sizeof(note), "capture time: %.2f", img_seconds_since(&t0));
    act_event(j, "capture:completed", note);
    act_event(j, "upload:starting", NULL);
    if (img_upload(j, jpeg, len, why, sizeof(why)) != 0) {
        mlog(MLOG_ERROR, "%s %lld: upload failed: %s", j->type,
             (long long)j->id, why);
        act_event(j, "upload:failed", NULL);
        goto out;
    }
    act_event(j, "upload:completed", NULL);
    o = GF_OUTCOME_COMPLETED;
out:
    free(jpeg);
    return o;
}

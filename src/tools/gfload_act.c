/* gfload_act.c - how an emulated machine answers actions: a minimal but
 * protocol-true machine (PROTOCOL.md §8, §9, §11, §12, §13).
 *
 * One claim slot per machine (§11): a job or image action that arrives
 * while another runs is dropped silently, and so is a settings request;
 * update_check / factory_reset / head_firmware_update bypass the slot.
 * settings: the full report first in the machine's life, the empty form
 * after. Image actions: the full event sequence around a PUT of a JPEG to
 * the action's endpoint (or the legacy POST without one). hunt / motion /
 * print: download motion_url with the Bearer token, then the reduced event
 * sequence (print does not wait for a button), after an optional
 * --play-delay instead of playback. Round trips (action received ->
 * terminal event queued) are counted per type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gf/settings.h"
#include "gfload.h"
#include "gfload_settings.h"

static const char *const gl_names[GL_NTYPES] = {
    [GL_T_SETTINGS] = "settings",
    [GL_T_UPDATE_CHECK] = "update_check",
    [GL_T_FACTORY_RESET] = "factory_reset",
    [GL_T_HEAD_FW] = "head_firmware_update",
    [GL_T_HUNT] = "hunt",
    [GL_T_MOTION] = "motion",
    [GL_T_PRINT] = "print",
    [GL_T_LID_IMAGE] = "lid_image",
    [GL_T_HEAD_IMAGE] = "head_image",
    [GL_T_LIDAR_IMAGE] = "lidar_image",
    [GL_T_USER_IMAGE] = "user_image",
    [GL_T_OTHER] = "other",
};

const char *gl_type_name(gl_type t)
{
    return gl_names[t];
}

static gl_type gl_classify(const char *name)
{
    for (int t = 0; t < GL_T_OTHER; t++)
        if (strcmp(name, gl_names[t]) == 0)
            return (gl_type)t;
    return GL_T_OTHER;
}

static int gl_is_image(gl_type t)
{
    return t >= GL_T_LID_IMAGE && t <= GL_T_USER_IMAGE;
}

static int gl_is_job(gl_type t)
{
    return t == GL_T_HUNT || t == GL_T_MOTION || t == GL_T_PRINT;
}

static void gl_event(gl_machine *m, int64_t action_id, const char *name,
                     const char *suffix, json_t *settings)
{
    char ev[96];
    snprintf(ev, sizeof(ev), "%s:%s", name, suffix);
    m->seq++;
    gl_machine_send(m, gf_emit_event(m->seq, (int64_t)gl_now(), action_id, ev,
                                     NULL, settings));
}

static void gl_remember(gl_machine *m, int64_t id)
{
    m->recent[m->recent_n++ % GL_RECENT_IDS] = id;
}

static int gl_seen(const gl_machine *m, int64_t id)
{
    int n = m->recent_n < GL_RECENT_IDS ? m->recent_n : GL_RECENT_IDS;
    for (int k = 0; k < n; k++)
        if (m->recent[k] == id)
            return 1;
    return 0;
}

/* The terminal event; counts the round trip and frees the slot. */
static void gl_finish(gl_machine *m, gl_type t, const char *name, int64_t id,
                      double t0, const char *suffix)
{
    gl_type_stats *s = &gl_w.st.types[t];
    double ms = (gl_now() - t0) * 1000.0;
    gl_event(m, id, name, suffix, NULL);
    if (strcmp(suffix, "completed") == 0)
        s->completed++;
    else if (strcmp(suffix, "cancelled") == 0)
        s->cancelled++;
    else
        s->failed++;
    s->rt_sum_ms += ms;
    if (ms > s->rt_max_ms)
        s->rt_max_ms = ms;
    gl_remember(m, id);
}

static void gl_slot_end(gl_machine *m, const char *suffix)
{
    gl_action *a = &m->act;
    gfnet_timer_cancel(gl_w.wheel, &a->play);
    a->active = 0;
    free(a->url);
    a->url = NULL;
    gl_finish(m, a->type, a->name, a->id, a->t0_s,
              a->cancelled ? "cancelled" : suffix);
}

/* -- settings and the slot-free actions ---------------------------------- */

#define GL_FW_VERSION "2.6.0-2228"

/* The full report (§12.4): from the template when there is one, or built
 * and dumped by libgf. 0 when the event was queued. */
static int gl_settings_full(gl_machine *m, int64_t id)
{
    if (!gl_w.settings_tpl_tried) {
        gl_w.settings_tpl_tried = 1;
        gl_w.settings_tpl = gl_settings_tpl_new(GL_FW_VERSION);
    }
    if (gl_w.settings_tpl) {
        char *line = gl_settings_tpl_event(gl_w.settings_tpl, ++m->seq,
                                           (int64_t)gl_now(), id, m->serial,
                                           (int64_t)time(NULL));
        if (!line)
            return -1;
        gl_machine_send(m, line);
        return 0;
    }
    gf_identity ident = {m->serial, GL_FW_VERSION, NULL, -1, -1,
                         -1,        NULL,          NULL};
    json_t *report = gf_settings_report(&ident, (int64_t)time(NULL), id);
    if (!report)
        return -1;
    gl_event(m, id, "settings", "completed", report);
    json_decref(report);
    return 0;
}

/* The empty form (§12.2), once the full report has gone. */
static void gl_settings_empty(gl_machine *m, int64_t id)
{
    json_t *report = json_object();
    gl_event(m, id, "settings", "completed", report);
    json_decref(report);
}

static void gl_settings(gl_machine *m, int64_t id)
{
    double t0 = gl_now();
    if (!m->reported_full)
        m->reported_full = gl_settings_full(m, id) == 0;
    else
        gl_settings_empty(m, id);
    gl_type_stats *s = &gl_w.st.types[GL_T_SETTINGS];
    s->completed++;
    double ms = (gl_now() - t0) * 1000.0;
    s->rt_sum_ms += ms;
    if (ms > s->rt_max_ms)
        s->rt_max_ms = ms;
    gl_remember(m, id);
}

/* -- jobs --------------------------------------------------------------------
 */

static void gl_job_played(gfnet_timer *t)
{
    gl_machine *m = lws_container_of(t, gl_machine, act.play);
    if (!m->act.active)
        return;
    if (m->act.type == GL_T_PRINT && !m->act.cancelled)
        gl_event(m, m->act.id, "print", "return_to_home:succeeded", NULL);
    gl_slot_end(m, "completed");
}

static void gl_job_downloaded(gl_machine *m, long status, const char *body,
                              size_t len, const char *err)
{
    gl_action *a = &m->act;
    (void)body;
    (void)len;
    if (!a->active)
        return;
    if (a->cancelled || err || status != 200 || m->job.got == 0) {
        if (err && gl_w.opt.verbose)
            fprintf(stderr, "gfload: S%llu: download: %s\n",
                    (unsigned long long)m->serial, err);
        gl_slot_end(m, "failed");
        return;
    }
    if (a->type == GL_T_PRINT) {
        gl_event(m, a->id, "print", "download:completed", NULL);
        gl_event(m, a->id, "print", "warmup:starting", NULL);
        gl_event(m, a->id, "print", "running", NULL);
    }
    if (gl_w.opt.play_delay_ms > 0)
        gfnet_timer_arm(gl_w.wheel, &a->play,
                        gl_now_ms() + gl_w.opt.play_delay_ms, gl_job_played);
    else
        gl_job_played(&a->play);
}

static void gl_job_start(gl_machine *m)
{
    gl_action *a = &m->act;
    gl_event(m, a->id, a->name, "starting", NULL);
    if (!a->url || !m->auth_token ||
        gl_http_start(m, &m->job, "GET", a->url, m->auth_token, NULL, NULL, 0,
                      GL_MAX_JOB, 0, gl_job_downloaded) != 0)
        gl_slot_end(m, "failed");
}

/* -- images ------------------------------------------------------------------
 */

static void gl_image_uploaded(gl_machine *m, long status, const char *body,
                              size_t len, const char *err)
{
    gl_action *a = &m->act;
    (void)body;
    (void)len;
    if (!a->active)
        return;
    int ok = !err && (status == 200 || status == 201 || status == 204);
    gl_event(m, a->id, a->name, ok ? "upload:completed" : "upload:failed",
             NULL);
    gl_slot_end(m, ok ? "completed" : "failed");
}

static void gl_image_start(gl_machine *m)
{
    gl_action *a = &m->act;
    char legacy[2048];
    const char *url = a->url, *bearer = NULL, *method = "PUT";
    gl_event(m, a->id, a->name, "starting", NULL);
    gl_event(m, a->id, a->name, "capture:starting", NULL);
    gl_event(m, a->id, a->name, "capture:completed", NULL);
    gl_event(m, a->id, a->name, "upload:starting", NULL);
    if (!url) { /* §13.2: the legacy POST, with the Bearer header */
        snprintf(legacy, sizeof(legacy), "%s/api/machines/%s/%lld",
                 gl_server(m), a->name, (long long)a->id);
        url = legacy;
        bearer = m->auth_token;
        method = "POST";
    }
    if (gl_http_start(m, &m->job, method, url, bearer, "image/jpeg", gl_w.jpeg,
                      gl_w.jpeg_len, GL_MAX_UPLOAD_BODY, 0,
                      gl_image_uploaded) != 0)
        gl_image_uploaded(m, 0, NULL, 0, "cannot start the upload");
}

/* -- dispatch ----------------------------------------------------------------
 */

static void gl_take_slot(gl_machine *m, const gf_msg *msg, gl_type t)
{
    gl_action *a = &m->act;
    const char *url = gl_is_image(t) ? msg->endpoint : msg->motion_url;
    a->active = 1;
    a->cancelled = 0;
    a->type = t;
    a->name = gl_names[t];
    a->id = msg->id;
    a->t0_s = gl_now();
    free(a->url);
    a->url = url ? strdup(url) : NULL;
    if (gl_is_image(t))
        gl_image_start(m);
    else
        gl_job_start(m);
}

static void gl_cancel(gl_machine *m, int64_t id)
{
    gl_action *a = &m->act;
    if (!a->active || a->id != id)
        return; /* §8: not ours: nothing to say */
    a->cancelled = 1;
    if (!m->job.wsi) /* waiting out the play delay: stop now */
        gl_slot_end(m, "cancelled");
    /* else the download or upload in flight ends it */
}

static void gl_ready(gl_machine *m, const gf_msg *msg, gl_type t)
{
    gl_type_stats *s = &gl_w.st.types[t];
    if (gl_seen(m, msg->id) || (m->act.active && m->act.id == msg->id))
        return; /* §11: a repeated ready is not run twice */
    s->received++;
    switch (t) {
    case GL_T_UPDATE_CHECK:
        gl_finish(m, t, gl_names[t], msg->id, gl_now(), "completed");
        return;
    case GL_T_FACTORY_RESET:
    case GL_T_HEAD_FW: /* §9.1: our machine refuses */
        gl_finish(m, t, gl_names[t], msg->id, gl_now(), "failed");
        return;
    default:
        break;
    }
    if (m->act.active) { /* §11: busy: no reply at all */
        s->busy++;
        return;
    }
    if (t == GL_T_SETTINGS)
        gl_settings(m, msg->id);
    else
        gl_take_slot(m, msg, t);
}

void gl_act_on_message(gl_machine *m, const gf_msg *msg)
{
    gl_type t = gl_classify(msg->action_type);
    if (strcmp(msg->status, "cancelled") == 0 ||
        strcmp(msg->status, "cancel") == 0) {
        gl_cancel(m, msg->id);
        return;
    }
    if (strcmp(msg->status, "ready") != 0)
        return; /* §8: bookkeeping states never start work */
    if (t == GL_T_OTHER) {
        gl_w.st.types[t].received++;
        return; /* focus and unknown types: ignored */
    }
    if (gl_is_job(t) || gl_is_image(t) || t <= GL_T_HEAD_FW)
        gl_ready(m, msg, t);
}

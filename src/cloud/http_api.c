/* http_api.c - the operator REST API under /api/v1 (docs/api.md).
 *
 *   GET  /api/v1/machines
 *   POST /api/v1/machines, DELETE /api/v1/machines/{serial}
 *        (http_api_machines.c)
 *   GET  /api/v1/machines/{serial}
 *   GET  /api/v1/machines/{serial}/actions?limit=
 *   POST /api/v1/machines/{serial}/actions   {"action_type":..., "file":...}
 *   GET  /api/v1/machines/{serial}/logs?since=&limit=
 *   GET  /api/v1/machines/{serial}/events?since=&limit=
 *   GET  /api/v1/machines/{serial}/images/{type}/latest
 *   POST /api/v1/machines/{serial}/home      {"method":"manual"|"camera"}
 *   POST /api/v1/machines/{serial}/camera/calibrate
 *   PUT  /api/v1/machines/{serial}/home_offset {"x_mm":..., "y_mm":...}
 *   GET  /api/v1/actions/{id}
 *   POST /api/v1/actions/{id}/cancel
 *   POST /api/v1/files                        (http_api_files.c)
 *   .../api/v1/jobs...                        (http_api_jobs.c)
 *   GET  /api/v1/audit?since=&limit=
 *   GET  /api/v1/events/stream               (http_sse.c)
 *   .../api/v1/materials...                   (http_api_materials.c)
 *   .../api/v1/webhooks...                    (http_api_webhooks.c)
 *   GET/POST/DELETE /api/v1/session          (http_session.c)
 *   .../api/v1/users..., .../api/v1/keys...  (http_api_users.c)
 *
 * An API key as `Authorization: Bearer KEY`, or a session cookie; what
 * each role may call is the table in roles.c. JSON in and out; errors are
 * {"error": "...", "code": "..."} with stable codes. An accepted action is
 * committed before its id is returned. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_path.h"
#include "audit.h"
#include "gf/catalog.h"
#include "gf/compile.h"
#include "gf/puls.h"
#include "http.h"
#include "joblock.h"
#include "lifecycle.h"
#include "locator_camera.h"
#include "roles.h"
#include "scheduler.h"

#define LIST_MAX 1000

/* Query values (lws decodes them); parsed in api_path.c. */
static long urlarg_long(struct lws *wsi, const char *name, long def, long max)
{
    char buf[64];
    return api_query_long(lws_get_urlarg_by_name(wsi, name, buf, sizeof(buf)),
                          def, max);
}

/* What only the running service knows: the session, the action in
 * flight, the lifecycle and the head position (which it keeps). */
static void live_state(cloud *c, json_t *m, uint64_t serial)
{
    json_t *live = sched_state(c->sched, serial);
    json_object_update(m, live);
    json_decref(live);
    live = lifecycle_state(c->life, serial);
    json_object_update(m, live);
    json_decref(live);
}

static int machine_state(cloud *c, struct lws *wsi, http_req *r,
                         uint64_t serial)
{
    json_t *m = store_machine_get(c->store, serial);
    if (!m)
        return http_error(wsi, r, 404, "no_machine", "no such machine");
    live_state(c, m, serial);
    int64_t dx = 0, dy = 0;
    store_machine_get_home_offset(c->store, serial, &dx, &dy);
    json_object_set_new(m, "home_offset",
                        json_pack("{s:f, s:f}", "x_mm",
                                  (double)dx * GF_PULS_MM_PER_STEP_XY, "y_mm",
                                  (double)dy * GF_PULS_MM_PER_STEP_XY));
    locator_camera_json(c, serial, m);
    return http_reply_json(wsi, r, 200, m);
}

static int machines_list(cloud *c, struct lws *wsi, http_req *r)
{
    json_t *arr = store_machine_list(c->store);
    if (!arr)
        return http_error(wsi, r, 500, "internal", "database error");
    size_t i;
    json_t *m;
    json_array_foreach(arr, i, m)
    {
        uint64_t serial = 0;
        cloud_parse_serial(json_string_value(json_object_get(m, "serial")),
                           &serial);
        live_state(c, m, serial);
    }
    return http_reply_json(wsi, r, 200, json_pack("{s:o}", "machines", arr));
}

static const char *const reserved[] = {
    "action_type",    "file",       "id",      "status",
    "machine_serial", "motion_url", "endpoint"};

/* Validate an action request; fills `a`. HTTP_GO, or refused with
 * http_reject()'s result. */
static int action_from_body(cloud *c, struct lws *wsi, http_req *r, json_t *o,
                            store_action *a)
{
    const char *type = json_string_value(json_object_get(o, "action_type"));
    json_t *file = json_object_get(o, "file");
    const gf_action_spec *spec = type ? gf_action_lookup(type) : NULL;
    if (!type || strlen(type) >= sizeof(a->type))
        return http_reject(wsi, r, 400, "missing_field",
                           "action_type is required");
    if (!spec || spec->kind == GF_KIND_IGNORED)
        return http_reject(wsi, r, 400, "unknown_action_type",
                           "unknown action_type");
    if (file && !json_is_string(file))
        return http_reject(wsi, r, 400, "bad_field", "file must be a string");
    store_file f;
    if (file && store_file_get(c->store, json_string_value(file), &f) != 0)
        return http_reject(wsi, r, 404, "no_file", "no such job file");
    if (file && f.mcsn && f.mcsn != r->serial)
        return http_reject(wsi, r, 400, "serial_mismatch",
                           "the job file is locked to another machine");
    if (spec->kind == GF_KIND_PULSE && !file && strcmp(type, "hunt") != 0)
        return http_reject(wsi, r, 400, "file_required",
                           "motion and print need a job file");
    if (file && spec->kind != GF_KIND_PULSE)
        return http_reject(wsi, r, 400, "bad_field",
                           "only hunt, motion and print take a file");
    snprintf(a->type, sizeof(a->type), "%s", type);
    if (file)
        snprintf(a->file, sizeof(a->file), "%s", json_string_value(file));
    else if (spec->kind == GF_KIND_PULSE && c->hunt_file_id[0])
        /* Pin the bundled hunt now: the download serves what was queued. */
        snprintf(a->file, sizeof(a->file), "%s", c->hunt_file_id);
    else if (spec->kind == GF_KIND_PULSE)
        return http_reject(wsi, r, 400, "no_hunt_file",
                           "no file given and no bundled hunt file");
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        json_object_del(o, reserved[i]);
    a->params = json_object_size(o) ? json_dumps(o, JSON_COMPACT) : NULL;
    return 0;
}

int http_api_queue_action(cloud *c, struct lws *wsi, http_req *r,
                          store_action *a)
{
    /* Checked last, once the request is otherwise valid (a bad one gets
     * its 400 first): the service never moves a head it cannot place. */
    int64_t x, y;
    if ((strcmp(a->type, "motion") == 0 || strcmp(a->type, "print") == 0) &&
        lifecycle_position(c->life, a->serial, &x, &y) != 0) {
        store_action_free(a);
        return http_error(wsi, r, 409, "position_unknown",
                          "the head position is unknown: home the machine "
                          "first (POST .../home)");
    }
    int rc = store_action_add(c->store, a);
    store_action_free(a);
    if (rc != 0)
        return http_error(wsi, r, 500, "internal", "database error");
    char target[48], serial[32];
    snprintf(target, sizeof(target), "action:%" PRId64, a->id);
    snprintf(serial, sizeof(serial), "S%" PRIu64, a->serial);
    audit_api(
        c, r, "action.create", target,
        json_pack("{s:s, s:s}", "machine", serial, "action_type", a->type));
    sched_queued(c->sched, a->serial);
    return http_reply_json(
        wsi, r, 201,
        json_pack("{s:I, s:s}", "id", (json_int_t)a->id, "state", "queued"));
}

static int action_post_done(cloud *c, struct lws *wsi, http_req *r)
{
    store_action a;
    memset(&a, 0, sizeof(a));
    json_t *o = http_json_object(r);
    if (!o)
        return http_error(wsi, r, 400, "bad_json",
                          "body must be a JSON object");
    uint8_t h[AUTH_HASH_LEN];
    if (store_machine_get_hash(c->store, r->serial, h) != 0) {
        json_decref(o);
        return http_error(wsi, r, 404, "no_machine", "no such machine");
    }
    int rc = action_from_body(c, wsi, r, o, &a);
    json_decref(o);
    a.serial = r->serial;
    a.created = cloud_now();
    a.expires_at = a.created + c->cfg.queue_ttl;
    /* A job file goes to the machine locked to its serial (joblock.c). */
    if (rc == 0 && a.file[0])
        rc = joblock_prepare(c, wsi, r, &a);
    if (rc != HTTP_GO) {
        store_action_free(&a);
        return rc == HTTP_CLOSE ? -1 : 0;
    }
    return http_api_queue_action(c, wsi, r, &a);
}

/* A page of `rows` (taken; NULL: a database error) under `key`, with
 * `next`: the last row's cursor, or `since` again when there is none. */
static int reply_page(struct lws *wsi, http_req *r, const char *key,
                      json_t *rows, long since)
{
    if (!rows)
        return http_error(wsi, r, 500, "internal", "database error");
    size_t n = json_array_size(rows);
    json_int_t next = n ? json_integer_value(json_object_get(
                              json_array_get(rows, n - 1), "cursor"))
                        : since;
    return http_reply_json(wsi, r, 200,
                           json_pack("{s:o, s:I}", key, rows, "next", next));
}

/* GET .../logs and .../events: pages by cursor (`since`, `next`). */
static int machine_page(cloud *c, struct lws *wsi, http_req *r, uint64_t serial,
                        int events)
{
    long since = urlarg_long(wsi, "since=", 0, 0x7fffffffffffffffL);
    long limit = urlarg_long(wsi, "limit=", 100, LIST_MAX);
    if (since < 0 || limit < 0)
        return http_error(wsi, r, 400, "bad_query", "since/limit malformed");
    json_t *rows = events
                       ? store_event_list(c->store, serial, since, (int)limit)
                       : store_log_list(c->store, serial, since, (int)limit);
    return reply_page(wsi, r, events ? "events" : "logs", rows, since);
}

/* POST .../home {"method":"manual"}: the operator's part of homing;
 * {"method":"camera"}: home by the lid camera now. */
static int home_done(cloud *c, struct lws *wsi, http_req *r)
{
    json_t *o = http_json_object(r);
    if (!o)
        return http_error(wsi, r, 400, "bad_json",
                          "body must be a JSON object");
    const char *code = "internal";
    char err[256] = "";
    int status = lifecycle_home(c->life, r->serial, o, &code, err, sizeof(err));
    if (status != 0) {
        json_decref(o);
        return http_error(wsi, r, status, code, err);
    }
    char target[32];
    snprintf(target, sizeof(target), "machine:S%" PRIu64, r->serial);
    audit_api(c, r, "machine.home", target,
              json_pack("{s:s}", "method",
                        json_string_value(json_object_get(o, "method"))));
    json_decref(o);
    return machine_state(c, wsi, r, r->serial);
}

/* POST .../camera/calibrate: measure the lid camera (docs/cloud.md
 * "Homing by camera"); 202 with the machine, now locating, at once. */
static int calibrate_done(cloud *c, struct lws *wsi, http_req *r)
{
    const char *code = "internal";
    char err[256] = "", target[32];
    int status =
        lifecycle_calibrate(c->life, r->serial, &code, err, sizeof(err));
    if (status != 0)
        return http_error(wsi, r, status, code, err);
    snprintf(target, sizeof(target), "machine:S%" PRIu64, r->serial);
    audit_api(c, r, "machine.camera.calibrate", target, NULL);
    json_t *m = store_machine_get(c->store, r->serial);
    if (!m)
        return http_error(wsi, r, 500, "internal", "database error");
    live_state(c, m, r->serial);
    locator_camera_json(c, r->serial, m);
    return http_reply_json(wsi, r, 202, m);
}

/* PUT .../home_offset {"x_mm":X,"y_mm":Y}: where a manual home puts the
 * head, measured from the stops (the bed is 495 x 279 mm). */
static int home_offset_done(cloud *c, struct lws *wsi, http_req *r)
{
    json_t *o = http_json_object(r);
    json_t *x = json_object_get(o, "x_mm"), *y = json_object_get(o, "y_mm");
    double xv = json_number_value(x), yv = json_number_value(y);
    int ok = json_is_number(x) && json_is_number(y) && xv >= 0 && yv >= 0 &&
             xv <= GF_BED_W_MM && yv <= GF_BED_H_MM;
    json_decref(o);
    if (!ok)
        return http_error(wsi, r, 400, "bad_field",
                          "x_mm and y_mm must be numbers within the bed "
                          "(0..495, 0..279)");
    int64_t dx = (int64_t)llround(xv / GF_PULS_MM_PER_STEP_XY);
    int64_t dy = (int64_t)llround(yv / GF_PULS_MM_PER_STEP_XY);
    if (store_machine_set_home_offset(c->store, r->serial, dx, dy) != 0)
        return http_error(wsi, r, 500, "internal", "database error");
    char target[32];
    snprintf(target, sizeof(target), "machine:S%" PRIu64, r->serial);
    audit_api(c, r, "machine.home_offset", target,
              json_pack("{s:f, s:f}", "x_mm", xv, "y_mm", yv));
    return http_reply_json(
        wsi, r, 200,
        json_pack("{s:f, s:f}", "x_mm", (double)dx * GF_PULS_MM_PER_STEP_XY,
                  "y_mm", (double)dy * GF_PULS_MM_PER_STEP_XY));
}

/* GET /api/v1/audit?since=CURSOR&limit=N: oldest first, paged. */
static int audit_list(cloud *c, struct lws *wsi, http_req *r)
{
    long since = urlarg_long(wsi, "since=", 0, 0x7fffffffffffffffL);
    long limit = urlarg_long(wsi, "limit=", 100, LIST_MAX);
    if (since < 0 || limit < 0)
        return http_error(wsi, r, 400, "bad_query", "since/limit malformed");
    return reply_page(wsi, r, "audit",
                      store_audit_list(c->store, since, (int)limit), since);
}

static int machine_route(cloud *c, struct lws *wsi, http_req *r, api_segs *g)
{
    uint64_t serial;
    if (cloud_parse_serial(g->s[3], &serial) != 0)
        return http_error(wsi, r, 404, "no_machine", "no such machine");
    uint8_t h[AUTH_HASH_LEN];
    if (store_machine_get_hash(c->store, serial, h) != 0)
        return http_error(wsi, r, 404, "no_machine", "no such machine");
    if (g->n == 4)
        return r->method == LWSHUMETH_GET
                   ? machine_state(c, wsi, r, serial)
                   : http_error(wsi, r, 405, "method_not_allowed", "use GET");
    if (g->n == 5 && strcmp(g->s[4], "actions") == 0) {
        if (r->method == LWSHUMETH_POST) {
            r->serial = serial;
            return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                                  action_post_done);
        }
        if (r->method != LWSHUMETH_GET)
            return http_error(wsi, r, 405, "method_not_allowed",
                              "use GET or POST");
        long limit = urlarg_long(wsi, "limit=", 100, LIST_MAX);
        if (limit < 0)
            return http_error(wsi, r, 400, "bad_query", "limit malformed");
        json_t *arr = store_action_list(c->store, serial, (int)limit);
        return http_reply_json(wsi, r, 200, json_pack("{s:o}", "actions", arr));
    }
    if (g->n == 5 &&
        (strcmp(g->s[4], "logs") == 0 || strcmp(g->s[4], "events") == 0))
        return r->method == LWSHUMETH_GET
                   ? machine_page(c, wsi, r, serial,
                                  strcmp(g->s[4], "events") == 0)
                   : http_error(wsi, r, 405, "method_not_allowed", "use GET");
    if (g->n == 5 && strcmp(g->s[4], "home") == 0) {
        if (r->method != LWSHUMETH_POST)
            return http_error(wsi, r, 405, "method_not_allowed", "use POST");
        r->serial = serial;
        return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                              home_done);
    }
    if (g->n == 6 && strcmp(g->s[4], "camera") == 0 &&
        strcmp(g->s[5], "calibrate") == 0) {
        if (r->method != LWSHUMETH_POST)
            return http_error(wsi, r, 405, "method_not_allowed", "use POST");
        r->serial = serial;
        return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                              calibrate_done);
    }
    if (g->n == 5 && strcmp(g->s[4], "home_offset") == 0) {
        if (r->method != LWSHUMETH_PUT)
            return http_error(wsi, r, 405, "method_not_allowed", "use PUT");
        r->serial = serial;
        return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                              home_offset_done);
    }
    if (g->n == 7 && strcmp(g->s[4], "images") == 0 &&
        strcmp(g->s[6], "latest") == 0)
        return http_api_image(c, wsi, r, serial, g->s[5]);
    return http_error(wsi, r, 404, "not_found", "no such resource");
}

static int action_route(cloud *c, struct lws *wsi, http_req *r, api_segs *g)
{
    int64_t id = 0;
    if (api_parse_id(g->s[3], &id) != 0)
        return http_error(wsi, r, 404, "no_action", "no such action");
    if (g->n == 4) {
        if (r->method != LWSHUMETH_GET)
            return http_error(wsi, r, 405, "method_not_allowed", "use GET");
        json_t *a = store_action_json(c->store, id);
        if (!a)
            return http_error(wsi, r, 404, "no_action", "no such action");
        return http_reply_json(wsi, r, 200, a);
    }
    if (g->n == 5 && strcmp(g->s[4], "cancel") == 0) {
        if (r->method != LWSHUMETH_POST)
            return http_error(wsi, r, 405, "method_not_allowed", "use POST");
        store_rc rc = sched_cancel(c->sched, id);
        if (rc == STORE_NOT_FOUND)
            return http_error(wsi, r, 404, "no_action", "no such action");
        if (rc == STORE_ALREADY)
            return http_error(wsi, r, 409, "already_finished",
                              "the action has already finished");
        if (rc != STORE_OK)
            return http_error(wsi, r, 500, "internal", "database error");
        char target[48];
        snprintf(target, sizeof(target), "action:%" PRId64, id);
        audit_api(c, r, "action.cancel", target, NULL);
        return http_reply_json(wsi, r, 200, store_action_json(c->store, id));
    }
    return http_error(wsi, r, 404, "not_found", "no such resource");
}

/* Who may: the route table (roles.c) against the caller's role, and the
 * CSRF token of a cookie session on anything that changes state.
 * HTTP_GO, or refused with http_reject()'s result. */
static int may(struct lws *wsi, http_req *r)
{
    const char *method = http_method_name(r->method);
    int writes = strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
    if (r->via_cookie && writes && !http_csrf_ok(wsi, r))
        return http_reject(wsi, r, 403, "csrf",
                           "a session's request that changes state needs "
                           "its X-CSRF-Token");
    int need = roles_required(method, r->path);
    if (r->role < need) {
        char msg[96];
        snprintf(msg, sizeof(msg), "this needs the %s role; you are %s",
                 role_name(need), role_name(r->role));
        return http_reject(wsi, r, 403, "forbidden", msg);
    }
    return HTTP_GO;
}

int http_api(cloud *c, struct lws *wsi, http_req *r)
{
    api_segs g;
    api_split(r->path, &g); /* "api" "v1" ... */
    if (g.n == 3 && strcmp(g.s[2], "session") == 0)
        return http_session(c, wsi, r); /* signing in needs no key */
    int ok = http_api_auth(c, wsi, r);
    if (ok == HTTP_GO)
        ok = may(wsi, r);
    if (ok != HTTP_GO)
        return ok == HTTP_CLOSE ? -1 : 0;
    if (g.n >= 3 && strcmp(g.s[2], "users") == 0)
        return http_api_users(c, wsi, r, &g); /* http_api_users.c */
    if (g.n >= 3 && strcmp(g.s[2], "keys") == 0)
        return http_api_keys(c, wsi, r, &g);
    if (g.n == 3 && strcmp(g.s[2], "machines") == 0) {
        if (r->method == LWSHUMETH_POST)
            return http_api_machine_add(c, wsi, r); /* http_api_machines.c */
        return r->method == LWSHUMETH_GET
                   ? machines_list(c, wsi, r)
                   : http_error(wsi, r, 405, "method_not_allowed",
                                "use GET or POST");
    }
    if (g.n == 4 && strcmp(g.s[2], "machines") == 0 &&
        r->method == LWSHUMETH_DELETE)
        return http_api_machine_remove(c, wsi, r, g.s[3]);
    if (g.n >= 4 && strcmp(g.s[2], "machines") == 0)
        return machine_route(c, wsi, r, &g);
    if (g.n >= 4 && strcmp(g.s[2], "actions") == 0)
        return action_route(c, wsi, r, &g);
    if (g.n == 3 && strcmp(g.s[2], "files") == 0)
        return http_api_files(c, wsi, r);
    if (g.n >= 3 && strcmp(g.s[2], "jobs") == 0)
        return http_api_jobs(c, wsi, r, &g);
    if (g.n >= 3 && strcmp(g.s[2], "materials") == 0)
        return http_api_materials(c, wsi, r, &g);
    if (g.n >= 3 && strcmp(g.s[2], "webhooks") == 0)
        return http_api_webhooks(c, wsi, r, &g); /* http_api_webhooks.c */
    if (g.n == 4 && strcmp(g.s[2], "events") == 0 &&
        strcmp(g.s[3], "stream") == 0)
        return http_sse_start(c, wsi, r);
    if (g.n == 3 && strcmp(g.s[2], "audit") == 0)
        return r->method == LWSHUMETH_GET
                   ? audit_list(c, wsi, r)
                   : http_error(wsi, r, 405, "method_not_allowed", "use GET");
    return http_error(wsi, r, 404, "not_found", "no such resource");
}

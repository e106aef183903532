/* http_api.c - the operator REST API under /api/v1 (docs/api.md).
 *
 *   GET  /api/v1/machines
 *   GET  /api/v1/machines/{serial}
 *   GET  /api/v1/machines/{serial}/actions?limit=
 *   POST /api/v1/machines/{serial}/actions   {"action_type":..., "file":...}
 *   GET  /api/v1/machines/{serial}/logs?since=&limit=
 *   GET  /api/v1/machines/{serial}/events?since=&limit=
 *   GET  /api/v1/machines/{serial}/images/{type}/latest
 *   GET  /api/v1/actions/{id}
 *   POST /api/v1/actions/{id}/cancel
 *   POST /api/v1/files                        (http_api_files.c)
 *
 * API key as `Authorization: Bearer KEY`. JSON in and out; errors are
 * {"error": "...", "code": "..."} with stable codes. An accepted action is
 * committed before its id is returned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_path.h"
#include "gf/catalog.h"
#include "http.h"
#include "joblock.h"
#include "scheduler.h"

#define LIST_MAX 1000

/* Query values (lws decodes them); parsed in api_path.c. */
static long urlarg_long(struct lws *wsi, const char *name, long def, long max)
{
    char buf[64];
    return api_query_long(lws_get_urlarg_by_name(wsi, name, buf, sizeof(buf)),
                          def, max);
}

static int machine_state(cloud *c, struct lws *wsi, http_req *r,
                         uint64_t serial)
{
    json_t *m = store_machine_get(c->store, serial);
    if (!m)
        return http_error(wsi, r, 404, "no_machine", "no such machine");
    json_t *live = sched_state(c->sched, serial);
    json_object_update(m, live);
    json_decref(live);
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
        json_t *live = sched_state(c->sched, serial);
        json_object_update(m, live);
        json_decref(live);
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
    int rc = store_action_add(c->store, a);
    store_action_free(a);
    if (rc != 0)
        return http_error(wsi, r, 500, "internal", "database error");
    sched_queued(c->sched, a->serial);
    return http_reply_json(
        wsi, r, 201,
        json_pack("{s:I, s:s}", "id", (json_int_t)a->id, "state", "queued"));
}

static int action_post_done(cloud *c, struct lws *wsi, http_req *r)
{
    store_action a;
    memset(&a, 0, sizeof(a));
    json_t *o = json_loadb(r->body, r->body_len, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return http_error(wsi, r, 400, "bad_json",
                          "body must be a JSON object");
    }
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
    if (!rows)
        return http_error(wsi, r, 500, "internal", "database error");
    size_t n = json_array_size(rows);
    json_int_t next = n ? json_integer_value(json_object_get(
                              json_array_get(rows, n - 1), "cursor"))
                        : since;
    return http_reply_json(wsi, r, 200,
                           json_pack("{s:o, s:I}", events ? "events" : "logs",
                                     rows, "next", next));
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
        return http_reply_json(wsi, r, 200, store_action_json(c->store, id));
    }
    return http_error(wsi, r, 404, "not_found", "no such resource");
}

int http_api(cloud *c, struct lws *wsi, http_req *r)
{
    api_segs g;
    if (http_api_auth(c, wsi, r) != 0)
        return 0;
    api_split(r->path, &g); /* "api" "v1" ... */
    if (g.n == 3 && strcmp(g.s[2], "machines") == 0)
        return r->method == LWSHUMETH_GET
                   ? machines_list(c, wsi, r)
                   : http_error(wsi, r, 405, "method_not_allowed", "use GET");
    if (g.n >= 4 && strcmp(g.s[2], "machines") == 0)
        return machine_route(c, wsi, r, &g);
    if (g.n >= 4 && strcmp(g.s[2], "actions") == 0)
        return action_route(c, wsi, r, &g);
    if (g.n == 3 && strcmp(g.s[2], "files") == 0)
        return http_api_files(c, wsi, r);
    return http_error(wsi, r, 404, "not_found", "no such resource");
}

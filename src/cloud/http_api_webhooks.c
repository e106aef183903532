/* http_api_webhooks.c - the webhooks over the API (docs/api.md
 * "Webhooks"), the same as `gfcloud webhook ...` (cli_webhook.c):
 *
 *   GET    /api/v1/webhooks
 *   POST   /api/v1/webhooks                 {"url", "events": [...]}
 *   DELETE /api/v1/webhooks/{id}
 *   GET    /api/v1/webhooks/{id}/deliveries?limit=N
 *
 * A new webhook's signing secret is in the answer to its POST and never
 * again. Adding and removing are audited. With roles these are an
 * admin's calls. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "api_path.h"
#include "audit.h"
#include "http.h"
#include "webhook.h"

/* "events" as a list of names or one comma-separated string, as text. */
static int events_text(json_t *v, char *out, size_t outlen)
{
    size_t used = 0, i;
    json_t *e;
    out[0] = '\0';
    if (json_is_string(v)) {
        snprintf(out, outlen, "%s", json_string_value(v));
        return strlen(json_string_value(v)) < outlen ? 0 : -1;
    }
    if (!json_is_array(v))
        return -1;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e))
            return -1;
        int w = snprintf(out + used, outlen - used, "%s%s", i ? "," : "",
                         json_string_value(e));
        if (w < 0 || (size_t)w >= outlen - used)
            return -1;
        used += (size_t)w;
    }
    return 0;
}

/* A webhook's row as the API shows it: events as a list. */
static void events_as_list(json_t *w)
{
    const char *t = json_string_value(json_object_get(w, "events"));
    json_t *list = json_array();
    for (const char *p = t; p && *p;) {
        size_t n = strcspn(p, ",");
        json_array_append_new(list, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    json_object_set_new(w, "events", list);
}

static int add_done(cloud *c, struct lws *wsi, http_req *r)
{
    char in[512], events[256], err[256], secret[65], target[40];
    json_t *o = http_json_object(r);
    const char *url = json_string_value(json_object_get(o, "url"));
    int64_t id = 0;
    int rc;
    if (!o)
        rc = http_error(wsi, r, 400, "bad_json", "expected a JSON object");
    else if (events_text(json_object_get(o, "events"), in, sizeof(in)) != 0)
        rc = http_error(wsi, r, 400, "bad_field",
                        "events: a list of event names");
    else if (webhook_check(url, in, events, sizeof(events), err, sizeof(err)) !=
             0)
        rc = http_error(wsi, r, 400, "bad_field", err);
    else if (webhook_create(c, url, events, &id, secret) != 0)
        rc = http_error(wsi, r, 500, "internal", "database error");
    else {
        snprintf(target, sizeof(target), "webhook:%" PRId64, id);
        audit_api(c, r, "webhook.add", target,
                  json_pack("{s:s, s:s}", "url", url, "events", events));
        json_t *w = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)id,
                              "url", url, "events", events, "created",
                              (json_int_t)cloud_now(), "secret", secret);
        events_as_list(w);
        rc = http_reply_json(wsi, r, 201, w);
    }
    json_decref(o);
    return rc;
}

/* Whether webhook `id` exists. */
static int exists(cloud *c, int64_t id)
{
    json_t *arr = store_webhook_list(c->store, 0);
    size_t i;
    json_t *w;
    int found = 0;
    json_array_foreach(arr, i, w)
    {
        if (json_integer_value(json_object_get(w, "id")) == id)
            found = 1;
    }
    json_decref(arr);
    return found;
}

static int one_hook(cloud *c, struct lws *wsi, http_req *r, const api_segs *g)
{
    int64_t id = 0;
    char target[40];
    if (api_parse_id(g->s[3], &id) != 0)
        return http_error(wsi, r, 404, "no_webhook", "no such webhook");
    if (g->n == 4 && r->method == LWSHUMETH_DELETE) {
        store_rc rc = webhook_remove(c, id);
        if (rc == STORE_NOT_FOUND)
            return http_error(wsi, r, 404, "no_webhook", "no such webhook");
        if (rc != STORE_OK)
            return http_error(wsi, r, 500, "internal", "database error");
        snprintf(target, sizeof(target), "webhook:%" PRId64, id);
        audit_api(c, r, "webhook.remove", target, NULL);
        return http_reply_json(wsi, r, 200,
                               json_pack("{s:I}", "removed", (json_int_t)id));
    }
    if (g->n == 4)
        return http_error(wsi, r, 405, "method_not_allowed", "use DELETE");
    if (g->n != 5 || strcmp(g->s[4], "deliveries") != 0)
        return http_error(wsi, r, 404, "not_found", "no such resource");
    if (r->method != LWSHUMETH_GET)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET");
    char buf[32];
    long limit = api_query_long(
        lws_get_urlarg_by_name(wsi, "limit=", buf, sizeof(buf)), 100, 1000);
    if (limit < 0)
        return http_error(wsi, r, 400, "bad_query", "limit malformed");
    if (!exists(c, id))
        return http_error(wsi, r, 404, "no_webhook", "no such webhook");
    json_t *arr = store_delivery_list(c->store, id, (int)limit);
    if (!arr)
        return http_error(wsi, r, 500, "internal", "database error");
    return http_reply_json(wsi, r, 200, json_pack("{s:o}", "deliveries", arr));
}

int http_api_webhooks(cloud *c, struct lws *wsi, http_req *r, const api_segs *g)
{
    if (g->n >= 4)
        return one_hook(c, wsi, r, g);
    if (r->method == LWSHUMETH_POST)
        return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                              add_done);
    if (r->method != LWSHUMETH_GET)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET or POST");
    json_t *arr = store_webhook_list(c->store, 0);
    if (!arr)
        return http_error(wsi, r, 500, "internal", "database error");
    size_t i;
    json_t *w;
    json_array_foreach(arr, i, w) events_as_list(w);
    return http_reply_json(wsi, r, 200, json_pack("{s:o}", "webhooks", arr));
}

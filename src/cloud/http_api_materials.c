/* http_api_materials.c - the materials routes (docs/api.md "Materials").
 *
 *   GET    /api/v1/materials
 *   POST   /api/v1/materials          {"name", "thickness_mm", "cut", ...}
 *   GET    /api/v1/materials/{name}
 *   PUT    /api/v1/materials/{name}   (replaces it)
 *   DELETE /api/v1/materials/{name}
 *
 * Bodies are checked by materials.c; every change is audited. */
#include <stdio.h>
#include <string.h>

#include "api_path.h"
#include "audit.h"
#include "http.h"
#include "materials.h"

static void audit_material(cloud *c, http_req *r, const char *what,
                           const char *name)
{
    char target[96];
    snprintf(target, sizeof(target), "material:%s", name);
    audit_api(c, r, what, target, NULL);
}

/* POST (r->arg empty: the name is in the body) and PUT (r->arg). */
static int put_done(cloud *c, struct lws *wsi, http_req *r)
{
    char err[256] = "";
    json_t *body = json_loadb(r->body, r->body_len, 0, NULL);
    int create = r->arg[0] == '\0';
    const char *name =
        create ? json_string_value(json_object_get(body, "name")) : r->arg;
    const char *bname = json_string_value(json_object_get(body, "name"));
    if (!create && json_object_get(body, "name") &&
        (!bname || strcmp(bname, r->arg) != 0))
        snprintf(err, sizeof(err), "the body's name differs from the path's");
    json_t *doc = err[0] ? NULL : material_parse(name, body, err, sizeof(err));
    char saved[64];
    snprintf(saved, sizeof(saved), "%s", name ? name : "");
    json_decref(body);
    if (!doc)
        return http_error(wsi, r, 400, "bad_field", err);
    store_rc rc = store_material_put(c->store, saved, doc, create);
    if (rc == STORE_ALREADY) {
        json_decref(doc);
        return http_error(wsi, r, 409, "exists",
                          "a material of that name exists (PUT replaces it)");
    }
    if (rc != STORE_OK) {
        json_decref(doc);
        return http_error(wsi, r, 500, "internal", "database error");
    }
    audit_material(c, r, create ? "material.create" : "material.update", saved);
    return http_reply_json(wsi, r, create ? 201 : 200, doc);
}

static int one(cloud *c, struct lws *wsi, http_req *r, const char *name)
{
    json_t *doc = NULL;
    store_rc rc;
    if (r->method == LWSHUMETH_GET) {
        rc = store_material_get(c->store, name, &doc);
        if (rc == STORE_OK)
            return http_reply_json(wsi, r, 200, doc);
    } else if (r->method == LWSHUMETH_DELETE) {
        rc = store_material_delete(c->store, name);
        if (rc == STORE_OK) {
            audit_material(c, r, "material.delete", name);
            return http_reply_json(wsi, r, 200,
                                   json_pack("{s:s}", "deleted", name));
        }
    } else if (r->method == LWSHUMETH_PUT) {
        snprintf(r->arg, sizeof(r->arg), "%s", name);
        return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                              put_done);
    } else {
        return http_error(wsi, r, 405, "method_not_allowed",
                          "use GET, PUT or DELETE");
    }
    if (rc == STORE_NOT_FOUND)
        return http_error(wsi, r, 404, "no_material", "no such material");
    return http_error(wsi, r, 500, "internal", "database error");
}

int http_api_materials(cloud *c, struct lws *wsi, http_req *r,
                       const api_segs *g)
{
    if (g->n == 3 && r->method == LWSHUMETH_GET) {
        json_t *arr = store_material_list(c->store);
        if (!arr)
            return http_error(wsi, r, 500, "internal", "database error");
        return http_reply_json(wsi, r, 200,
                               json_pack("{s:o}", "materials", arr));
    }
    if (g->n == 3 && r->method == LWSHUMETH_POST) {
        r->arg[0] = '\0';
        return http_want_body(c, wsi, r, BODY_MEMORY, c->cfg.max_json_body,
                              put_done);
    }
    if (g->n == 3)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET or POST");
    if (g->n == 4 && material_name_ok(g->s[3]))
        return one(c, wsi, r, g->s[3]);
    return http_error(wsi, r, 404, "no_material", "no such material");
}

/* http_metrics.c - GET /metrics: the service's figures in the Prometheus
 * text format (metrics.h; docs/cloud.md "Metrics").
 *
 * It takes an API key like the API (Authorization: Bearer; Prometheus
 * sends one with `authorization: credentials_file:`), unless the operator
 * set metrics-public = yes. Loopback is not trusted on its own: a reverse
 * proxy on the same host would make every client look local. With roles,
 * reading the metrics is a viewer's right.
 *
 * A scrape costs one grouped query over an index (jobs by state), the pool's
 * queue depth and the text: no more than any other GET. */
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "metrics.h"
#include "work.h"

int http_metrics(cloud *c, struct lws *wsi, http_req *r)
{
    if (r->method != LWSHUMETH_GET)
        return http_error(wsi, r, 405, "method_not_allowed", "use GET");
    if (strcmp(c->cfg.metrics_public, "yes") != 0) {
        int rc = http_api_auth(c, wsi, r); /* any role: a viewer's right */
        if (rc != HTTP_GO)
            return rc == HTTP_CLOSE ? -1 : 0;
    }
    json_t *jobs = store_job_counts(c->store);
    size_t len = 0;
    char *text = metrics_render(jobs, work_depth(c->work), &len);
    json_decref(jobs);
    if (!text)
        return http_error(wsi, r, 500, "internal", "out of memory");
    int rc = http_reply(wsi, r, 200, "text/plain; version=0.0.4; charset=utf-8",
                        text, len);
    free(text);
    return rc;
}

/* webhook.c - the webhooks' sender (webhook.h).
 *
 * A delivery is a row in the store before anything is sent: the event, the
 * exact body that will be signed, its state (pending, delivered, failed)
 * and when to try next. Sending one takes it with a lease (its next try
 * moves past the attempt's timeout), so a delivery in flight is not taken
 * twice, and one whose attempt was cut short (the service stopped, or
 * crashed) is taken again once the lease runs out: a receiver may see a
 * delivery twice, never none (the X-Gfcloud-Delivery id tells them apart).
 *
 * The POST runs on a pool of its own (work.h, a thread per attempt in
 * flight, MAX_INFLIGHT), never on the event loop and never on the worker
 * pool that uploads and compiles use. A webhook has one attempt in flight
 * at a time (store_delivery_take), so a receiver that takes its time holds
 * one sender thread and its own deliveries, not the others'; the rest wait
 * in the store. The
 * loop records each attempt when it comes back and schedules the next try
 * on a libwebsockets timer: after the n-th failure (no connection, a
 * timeout, an answer outside 2xx) the next try is webhook-retry-base *
 * 2^(n-1) seconds later, capped at an hour, until webhook-tries attempts
 * have been made and the delivery is failed. */
#include "webhook.h"

#include <curl/curl.h>
#include <inttypes.h>
#include <libwebsockets.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "events.h"
#include "gf/version.h"
#include "log.h"
#include "metrics.h"
#include "tick.h"
#include "work.h"

#define MAX_INFLIGHT 4 /* attempts at once, each on its own sender thread */
#define MAX_DELAY_MS (3600LL * 1000)
#define LEASE_SLACK_MS                                                         \
    (60LL * 1000) /* past the attempt's timeout, before a retake */
/* How long the webhook list read for the bus's events is reused: a storm
 * of machines coming online is one read a second, not one per machine. A
 * change made through this node is seen at once (webhooks_changed); one
 * made on another node, or by the CLI, within this. */
#define LIST_TTL_MS 1000

const char *const webhook_event_names[] = {"job.completed",   "job.failed",
                                           "job.cancelled",   "machine.online",
                                           "machine.offline", NULL};

struct webhooks {
    cloud *c;
    events_sub *sub;
    work_pool *pool;
    lws_sorted_usec_list_t sul;
    json_t *list;         /* the webhooks, as last read; NULL: read again */
    int64_t list_read_ms; /* when (monotonic) */
    int inflight;
    int stopping;
    atomic_int abort; /* read by the senders: give up the transfer */
};

/* One attempt, handed to a sender thread and back. */
struct attempt {
    webhooks *h;
    store_delivery d;
    long timeout_ms;
    /* the outcome, written by the sender */
    long status; /* HTTP status, 0 when there was no answer */
    char error[CURL_ERROR_SIZE];
    int64_t took_ms;
};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void webhook_sign(const char *secret, const void *body, size_t len,
                  char hex[65])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret,
                                strlen(secret));
    crypto_auth_hmacsha256_update(&st, body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    sodium_bin2hex(hex, 65, mac, sizeof(mac));
    sodium_memzero(&st, sizeof(st));
}

static int known_event(const char *name, size_t n)
{
    for (int i = 0; webhook_event_names[i]; i++) {
        if (strlen(webhook_event_names[i]) == n &&
            strncmp(webhook_event_names[i], name, n) == 0)
            return i;
    }
    return -1;
}

static int check_url(const char *url, char *err, size_t errlen)
{
    size_t skip = strncmp(url, "http://", 7) == 0    ? 7
                  : strncmp(url, "https://", 8) == 0 ? 8
                                                     : 0;
    if (!skip || strlen(url) >= 1024 || !url[skip] || url[skip] == '/') {
        snprintf(err, errlen,
                 "url: expected http://HOST/... or https://HOST/... "
                 "(under 1024 bytes)");
        return -1;
    }
    for (const char *p = url; *p; p++) {
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f) {
            snprintf(err, errlen,
                     "url: spaces and control characters are "
                     "not allowed (percent-encode them)");
            return -1;
        }
    }
    return 0;
}

int webhook_check(const char *url, const char *events_in, char *list,
                  size_t listlen, char *err, size_t errlen)
{
    int seen[8] = {0}, any = 0;
    size_t used = 0;
    if (!url) {
        snprintf(err, errlen, "url is required");
        return -1;
    }
    if (check_url(url, err, errlen) != 0)
        return -1;
    list[0] = '\0';
    for (const char *p = events_in ? events_in : ""; *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        int i = known_event(p, n);
        if (i < 0) {
            snprintf(err, errlen,
                     "events: unknown event '%.*s' (known: job.completed, "
                     "job.failed, job.cancelled, machine.online, "
                     "machine.offline)",
                     (int)(n > 64 ? 64 : n), p);
            return -1;
        }
        if (!seen[i]++) {
            int w = snprintf(list + used, listlen - used, "%s%s",
                             any ? "," : "", webhook_event_names[i]);
            if (w < 0 || (size_t)w >= listlen - used) {
                snprintf(err, errlen, "events: too long");
                return -1;
            }
            used += (size_t)w;
            any = 1;
        }
        p += n;
    }
    if (!any) {
        snprintf(err, errlen,
                 "events: name at least one (job.completed, "
                 "job.failed, job.cancelled, machine.online, "
                 "machine.offline)");
        return -1;
    }
    return 0;
}

static void webhooks_changed(webhooks *h)
{
    if (!h)
        return;
    json_decref(h->list);
    h->list = NULL;
}

int webhook_create(cloud *c, const char *url, const char *list, int64_t *id,
                   char secret[65])
{
    auth_random_hex(secret);
    store_rc rc =
        store_webhook_add(c->store, url, list, secret, cloud_now(), id);
    webhooks_changed(c->hooks);
    return rc == STORE_OK ? 0 : -1;
}

store_rc webhook_remove(cloud *c, int64_t id)
{
    store_rc rc = store_webhook_remove(c->store, id);
    webhooks_changed(c->hooks);
    return rc;
}

/* The webhooks (borrowed), read again once LIST_TTL_MS old; NULL if the
 * store cannot say. */
static json_t *webhooks_list(webhooks *h)
{
    int64_t now = tick_now_ms();
    if (h->list && now - h->list_read_ms < LIST_TTL_MS)
        return h->list;
    json_decref(h->list);
    h->list = store_webhook_list(h->c->store, 0);
    h->list_read_ms = now;
    return h->list;
}

/* ---- sending (a sender thread) ----------------------------------------- */

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n; /* the answer's body is not kept */
}

static int progress(void *ud, curl_off_t a, curl_off_t b, curl_off_t c,
                    curl_off_t d)
{
    (void)a;
    (void)b;
    (void)c;
    (void)d;
    const webhooks *h = ud;
    return atomic_load(&h->abort) ? 1 : 0;
}

static void send_one(void *ctx)
{
    struct attempt *t = ctx;
    char sig[65], hdr[3][128];
    struct curl_slist *headers = NULL;
    int64_t t0 = metrics_clock_us();
    webhook_sign(t->d.secret, t->d.body, strlen(t->d.body), sig);
    snprintf(hdr[0], sizeof(hdr[0]), "X-Gfcloud-Signature: sha256=%s", sig);
    snprintf(hdr[1], sizeof(hdr[1]), "X-Gfcloud-Event: %s", t->d.event);
    snprintf(hdr[2], sizeof(hdr[2]), "X-Gfcloud-Delivery: %" PRId64, t->d.id);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    for (int i = 0; i < 3; i++)
        headers = curl_slist_append(headers, hdr[i]);
    /* No "Expect: 100-continue" round trip for a small body. */
    headers = curl_slist_append(headers, "Expect:");
    CURL *e = curl_easy_init();
    CURLcode rc = CURLE_OUT_OF_MEMORY;
    t->error[0] = '\0';
    if (e && headers) {
        curl_easy_setopt(e, CURLOPT_URL, t->d.url);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->d.body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(t->d.body));
        curl_easy_setopt(e, CURLOPT_USERAGENT, "gfcloud/" GF_VERSION);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, t->timeout_ms);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t->timeout_ms);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, progress);
        curl_easy_setopt(e, CURLOPT_XFERINFODATA, t->h);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->error);
        rc = curl_easy_perform(e);
        if (rc == CURLE_OK)
            curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &t->status);
    }
    if (rc != CURLE_OK && !t->error[0])
        snprintf(t->error, sizeof(t->error), "%s", curl_easy_strerror(rc));
    curl_easy_cleanup(e);
    curl_slist_free_all(headers);
    t->took_ms = (metrics_clock_us() - t0) / 1000;
}

/* ---- the loop's side ---------------------------------------------------- */

static void pump(webhooks *h);

static void on_timer(lws_sorted_usec_list_t *sul)
{
    webhooks *h = lws_container_of(sul, webhooks, sul);
    pump(h);
}

/* Wake up at `next_ms` (Unix ms; 0: nothing is pending). */
static void arm(webhooks *h, int64_t next_ms)
{
    lws_sul_cancel(&h->sul);
    if (!next_ms || h->stopping)
        return;
    int64_t wait = next_ms - wall_ms();
    if (wait < 0)
        wait = 0;
    lws_sul_schedule(h->c->lws, 0, &h->sul, on_timer,
                     (lws_usec_t)wait * LWS_US_PER_MS);
}

static void attempt_free(struct attempt *t)
{
    store_delivery_free(&t->d);
    free(t);
}

static int64_t retry_delay_ms(const cloud *c, int attempts)
{
    double ms = c->cfg.webhook_retry_base * 1000.0;
    for (int i = 1; i < attempts && ms < (double)MAX_DELAY_MS; i++)
        ms *= 2;
    return ms > (double)MAX_DELAY_MS ? MAX_DELAY_MS : (int64_t)ms;
}

static void after_one(void *ctx, int dropped)
{
    struct attempt *t = ctx;
    webhooks *h = t->h;
    if (dropped) { /* shutting down: the lease brings it back next start */
        attempt_free(t);
        return;
    }
    cloud *c = h->c;
    h->inflight--;
    int ok = t->status >= 200 && t->status < 300;
    int made = t->d.attempts + 1;
    int64_t now = wall_ms(), next = 0;
    const char *state = "delivered";
    if (!ok && t->status && !t->error[0])
        snprintf(t->error, sizeof(t->error), "HTTP %ld", t->status);
    if (!ok && made >= c->cfg.webhook_tries) {
        state = "failed";
    } else if (!ok) {
        state = "pending";
        next = now + retry_delay_ms(c, made);
    }
    metrics_webhook_attempt(ok);
    if (ok)
        log_msg(LOG_INFO,
                "webhook %" PRId64 ": %s delivered (delivery %" PRId64
                ", attempt %d)",
                t->d.webhook_id, t->d.event, t->d.id, made);
    else
        log_msg(LOG_WARN,
                "webhook %" PRId64 ": %s not delivered (delivery %" PRId64
                ", attempt %d): %s%s",
                t->d.webhook_id, t->d.event, t->d.id, made, t->error,
                next ? "; trying again later" : "; giving up");
    if (store_delivery_attempt(c->store, t->d.id, now, (int)t->status, t->error,
                               t->took_ms, state, next) != STORE_OK)
        log_msg(LOG_ERR, "webhook: delivery %" PRId64 ": attempt not recorded",
                t->d.id);
    attempt_free(t);
    pump(h);
}

/* Send what is due, up to MAX_INFLIGHT at once, and wake up for the next. */
static void pump(webhooks *h)
{
    cloud *c = h->c;
    if (h->stopping)
        return;
    /* A delivery tells of stored events: they are committed before it. */
    store_batch_flush(c->store);
    int64_t next = 0;
    while (h->inflight < MAX_INFLIGHT) {
        struct attempt *t = calloc(1, sizeof(*t));
        if (!t)
            break;
        t->h = h;
        /* 0 would be no limit at all to libcurl: a second at least. */
        t->timeout_ms =
            c->cfg.webhook_timeout > 0 ? c->cfg.webhook_timeout * 1000L : 1000L;
        int64_t now = wall_ms();
        store_rc rc = store_delivery_take(
            c->store, now, now + t->timeout_ms + LEASE_SLACK_MS, &t->d, &next);
        if (rc != STORE_OK) {
            attempt_free(t);
            break;
        }
        if (work_queue(h->pool, send_one, after_one, t) != 0) {
            attempt_free(t); /* taken again when its lease runs out */
            break;
        }
        h->inflight++;
    }
    arm(h, next);
}

/* Whether the comma-separated `list` holds `name`. */
static int has_event(const char *list, const char *name)
{
    size_t nl = strlen(name);
    for (const char *p = list; p && *p;) {
        size_t n = strcspn(p, ",");
        if (n == nl && strncmp(p, name, nl) == 0)
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

/* An event on the bus: "id: N\nevent: TYPE\ndata: JSON\n\n". */
static void on_event(webhooks *h, const char *text, size_t len)
{
    char type[32], name[40];
    const char *ev = memmem(text, len, "\nevent: ", 8);
    const char *data = memmem(text, len, "\ndata: ", 7);
    if (!ev || !data)
        return;
    ev += 8;
    data += 7;
    size_t n = strcspn(ev, "\n");
    if (n >= sizeof(type))
        return;
    memcpy(type, ev, n);
    type[n] = '\0';
    /* Cheap refusals first: most of the bus is logs and progress. */
    if (strcmp(type, "job.state") != 0 && strcmp(type, "machine.online") != 0 &&
        strcmp(type, "machine.offline") != 0)
        return;
    json_t *d = json_loadb(data, strcspn(data, "\n"), 0, NULL);
    if (!json_is_object(d)) {
        json_decref(d);
        return;
    }
    if (strcmp(type, "job.state") == 0) {
        const char *st = json_string_value(json_object_get(d, "state"));
        if (!st || (strcmp(st, "completed") && strcmp(st, "failed") &&
                    strcmp(st, "cancelled"))) {
            json_decref(d);
            return;
        }
        snprintf(name, sizeof(name), "job.%s", st);
    } else {
        snprintf(name, sizeof(name), "%s", type);
    }
    json_t *hooks = webhooks_list(h);
    if (!json_array_size(hooks)) {
        json_decref(d);
        return;
    }
    json_t *body = json_pack("{s:s, s:I, s:O}", "event", name, "at",
                             (json_int_t)cloud_now(), "data", d);
    char *text_body = body ? json_dumps(body, JSON_COMPACT) : NULL;
    size_t i;
    json_t *w;
    int added = 0;
    json_array_foreach(hooks, i, w)
    {
        int wants =
            has_event(json_string_value(json_object_get(w, "events")), name);
        int64_t id = 0;
        if (wants && text_body &&
            store_delivery_add(h->c->store,
                               json_integer_value(json_object_get(w, "id")),
                               name, text_body, wall_ms(), &id) == STORE_OK)
            added++;
    }
    free(text_body);
    json_decref(body);
    json_decref(d);
    if (added)
        pump(h);
}

static void on_wake(void *ctx)
{
    webhooks *h = ctx;
    const char *text;
    size_t len;
    /* Read at once, in the publisher's call: the sender never falls
     * behind the ring. */
    while (events_peek(h->c->events, h->sub, &text, &len) == 1) {
        events_advance(h->sub);
        on_event(h, text, len);
    }
}

static void on_lost(void *ctx)
{
    (void)ctx;
    log_msg(LOG_ERR, "webhook: fell behind the event bus; events missed");
}

static void wake_loop(void *ctx)
{
    cloud *c = ctx;
    if (c->lws)
        lws_cancel_service(c->lws);
}

webhooks *webhooks_start(cloud *c)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    webhooks *h = calloc(1, sizeof(*h));
    if (!h) {
        curl_global_cleanup();
        return NULL;
    }
    h->c = c;
    atomic_init(&h->abort, 0);
    h->pool = work_new(MAX_INFLIGHT, MAX_INFLIGHT, wake_loop, c);
    h->sub = events_subscribe(c->events, 0, on_wake, on_lost, h);
    if (!h->pool || !h->sub) {
        webhooks_free(h);
        return NULL;
    }
    pump(h); /* what an earlier run left pending */
    return h;
}

void webhooks_poll(webhooks *h)
{
    if (h)
        work_poll(h->pool);
}

void webhooks_free(webhooks *h)
{
    if (!h)
        return;
    h->stopping = 1;
    atomic_store(&h->abort, 1);
    lws_sul_cancel(&h->sul);
    if (h->sub)
        events_unsubscribe(h->c->events, h->sub);
    work_free(h->pool); /* waits for the aborted transfers */
    json_decref(h->list);
    free(h);
    curl_global_cleanup();
}

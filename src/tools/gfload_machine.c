/* gfload_machine.c - one emulated machine's connection life on the shared
 * loop: sign in (JSON body, as the factory sends it, PROTOCOL.md §2), open
 * {status}/{ws_token} with subprotocol glowforge (§4.1), read frames
 * (split with gf_frame_each, §4.2), send queued lines, and on any drop sign
 * in again after a back-off (§3.2, §4.3).
 *
 * The machine's state lives in gl_machine; the one lws callback below
 * routes each connection to its owner by comparing the wsi with the
 * machine's WebSocket and its two HTTP requests. Outgoing lines wait in a
 * bounded per-machine queue (GL_TXQ_MAX, like the reference's queue) and
 * are written from one shared buffer: the loop is single-threaded. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gfload.h"
#include "gfnet_target.h"

#define GL_BACKOFF_MIN_MS  1000
#define GL_BACKOFF_MAX_MS  30000
#define GL_BACKOFF_AUTH_MS 30000 /* §2.3: a refused password backs off */

static void gl_machine_connect(gl_machine *m, const char *ws_token);
static void gl_sign_in(gfnet_timer *t);

void gl_machine_send(gl_machine *m, char *line)
{
    if (!line)
        return;
    size_t n = strlen(line);
    gl_line *l = NULL;
    if (m->tx_len >= GL_TXQ_MAX || !(l = malloc(sizeof(*l) + n + 1))) {
        gl_w.st.tx_dropped++;
        free(line);
        return;
    }
    l->next = NULL;
    l->len = n;
    memcpy(l->text, line, n + 1);
    free(line);
    if (m->tx_tail)
        m->tx_tail->next = l;
    else
        m->tx_head = l;
    m->tx_tail = l;
    m->tx_len++;
    if (m->up)
        lws_callback_on_writable(m->ws);
}

static void gl_tx_clear(gl_machine *m)
{
    while (m->tx_head) {
        gl_line *l = m->tx_head;
        m->tx_head = l->next;
        free(l);
    }
    m->tx_tail = NULL;
    m->tx_len = 0;
}

/* -- sign-in ----------------------------------------------------------------
 */

static int gl_take_token(json_t *o, const char *key, char **out)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v || !v[0] || strlen(v) > GL_MAX_TOKEN)
        return -1;
    return (*out = strdup(v)) ? 0 : -1;
}

/* The node did not answer, or not well: the next attempt goes to the
 * next one (a wrong password is wrong on every node: not a reason). */
static void gl_failover(gl_machine *m)
{
    if (gl_w.nodes < 2 || gl_w.stop || m->closing)
        return;
    m->node = (m->node + 1) % gl_w.nodes;
    gl_w.st.failovers++;
}

static void gl_signin_done(gl_machine *m, long status, const char *body,
                           size_t len, const char *err)
{
    char *ws_token = NULL;
    json_t *o = NULL;
    if (gl_w.stop)
        return;
    if (err || status != 200) {
        gl_w.st.sign_in_failures++;
        if (err || status >= 500)
            gl_failover(m);
        if (gl_w.opt.verbose)
            fprintf(stderr, "gfload: S%llu: sign-in failed: %s (HTTP %ld)\n",
                    (unsigned long long)m->serial, err ? err : "refused",
                    status);
        gl_machine_schedule(m,
                            status == 401 ? GL_BACKOFF_AUTH_MS : m->backoff_ms);
        return;
    }
    o = json_loadb(body, len, 0, NULL);
    free(m->auth_token);
    m->auth_token = NULL;
    if (!o || gl_take_token(o, "ws_token", &ws_token) != 0 ||
        gl_take_token(o, "auth_token", &m->auth_token) != 0) {
        gl_w.st.sign_in_failures++;
        fprintf(stderr, "gfload: S%llu: sign-in answer without tokens\n",
                (unsigned long long)m->serial);
        gl_machine_schedule(m, m->backoff_ms);
    } else {
        gl_w.st.sign_ins++;
        gl_machine_connect(m, ws_token);
    }
    json_decref(o);
    free(ws_token); /* single use (§3) */
}

/* At most --max-opening machines between starting a sign-in and holding
 * a session: past that the service (and lws' timer list on both sides,
 * one handshake timeout per connection) only queue up, and every machine
 * waits longer. The rest wait their turn in FIFO order. */
static void gl_opening_done(gl_machine *m)
{
    if (!m->opening)
        return;
    m->opening = 0;
    gl_w.opening--;
    gl_machine *next = gl_w.wait_head;
    if (!next || gl_w.stop)
        return;
    gl_w.wait_head = next->wait_next;
    if (!gl_w.wait_head)
        gl_w.wait_tail = NULL;
    next->wait_next = NULL;
    next->waiting = 0;
    gfnet_timer_arm(gl_w.wheel, &next->timer, gl_now_ms(), gl_sign_in);
}

static int gl_opening_take(gl_machine *m)
{
    if (m->opening)
        return 0;
    if (gl_w.opening < gl_w.opt.max_opening) {
        m->opening = 1;
        gl_w.opening++;
        return 0;
    }
    if (!m->waiting) {
        m->waiting = 1;
        if (gl_w.wait_tail)
            gl_w.wait_tail->wait_next = m;
        else
            gl_w.wait_head = m;
        gl_w.wait_tail = m;
    }
    return -1;
}

static void gl_sign_in(gfnet_timer *t)
{
    gl_machine *m = lws_container_of(t, gl_machine, timer);
    char url[2048], body[300];
    if (gl_w.stop || m->ws || m->signin.wsi || gl_opening_take(m) != 0)
        return;
    snprintf(url, sizeof(url), "%s/machines/sign_in", gl_server(m));
    /* The factory's exact form: a space after each ':' and ',' (§2.1). */
    snprintf(body, sizeof(body),
             "{\"serial\": \"S%llu\", \"password\": \"%s\"}",
             (unsigned long long)m->serial, m->password);
    /* The body is sent from the loop later: it must outlive this call. */
    char *copy = strdup(body);
    if (!copy) {
        gl_machine_schedule(m, m->backoff_ms);
        return;
    }
    free(m->signin_body);
    m->signin_body = copy;
    if (gl_http_start(m, &m->signin, "POST", url, NULL, "application/json",
                      copy, strlen(copy), GL_MAX_SIGNIN_BODY, 1,
                      gl_signin_done) != 0) {
        gl_w.st.sign_in_failures++;
        gl_failover(m);
        gl_machine_schedule(m, m->backoff_ms);
    }
}

void gl_machine_schedule(gl_machine *m, int64_t delay_ms)
{
    gl_opening_done(m); /* a retry: this attempt is over */
    if (gl_w.stop)
        return;
    if (delay_ms == m->backoff_ms) {
        m->backoff_ms *= 2;
        if (m->backoff_ms > GL_BACKOFF_MAX_MS)
            m->backoff_ms = GL_BACKOFF_MAX_MS;
    }
    gfnet_timer_arm(gl_w.wheel, &m->timer, gl_now_ms() + delay_ms, gl_sign_in);
}

/* -- the WebSocket -------------------------------------------------------- */

static void gl_machine_connect(gl_machine *m, const char *ws_token)
{
    gfnet_target t; /* lws copies what it keeps */
    if (gfnet_target_parse(&t, gl_status(m), GFNET_WS, ws_token) != 0) {
        gl_machine_schedule(m, GL_BACKOFF_MAX_MS);
        return;
    }
    struct lws_client_connect_info i;
    memset(&i, 0, sizeof(i));
    i.context = gl_w.ctx;
    i.protocol = "glowforge";
    gfnet_target_fill(&t, &i);
    if (t.tls && gl_w.opt.insecure)
        i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED |
                            LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                            LCCSCF_ALLOW_INSECURE;
    i.userdata = m;
    i.iface = gl_source_for(m);
    i.retry_and_idle_policy = &gl_no_validity;
    m->connect_failed = 0;
    gl_w.ws_connecting = m;
    struct lws *wsi = lws_client_connect_via_info(&i);
    gl_w.ws_connecting = NULL;
    gl_w.ws_wake = gl_w.http_ctx != gl_w.ctx;
    if (m->connect_failed)
        return; /* the error callback rescheduled already */
    m->ws = wsi;
    if (!wsi) {
        gl_w.st.connect_failures++;
        gl_failover(m);
        gl_machine_schedule(m, m->backoff_ms);
    }
}

static void gl_on_line(void *ud, const gf_msg *msg, int err,
                       const char *errtext)
{
    gl_machine *m = ud;
    if (err) {
        gl_w.st.bad_lines++;
        if (gl_w.opt.verbose)
            fprintf(stderr, "gfload: S%llu: bad line: %s\n",
                    (unsigned long long)m->serial, errtext ? errtext : "");
        return;
    }
    if (msg->type == GF_MSG_ACTION)
        gl_act_on_message(m, msg);
}

/* A whole message arrives in one fragment almost always; only a split one
 * is copied, and only up to GL_MAX_MESSAGE. */
static void gl_receive(gl_machine *m, struct lws *wsi, const char *in,
                       size_t len)
{
    int first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);
    if (lws_frame_is_binary(wsi))
        return; /* §4.2: binary frames are dropped */
    if (first && final) {
        gf_frame_each(in, len, gl_on_line, m);
        return;
    }
    if (!m->rx_skip && m->rx_len + len > GL_MAX_MESSAGE)
        m->rx_skip = 1;
    if (!m->rx_skip) {
        char *nb = realloc(m->rx, m->rx_len + len + 1);
        if (!nb) {
            m->rx_skip = 1;
        } else {
            m->rx = nb;
            memcpy(m->rx + m->rx_len, in, len);
            m->rx_len += len;
        }
    }
    if (!final)
        return;
    if (m->rx_skip)
        gl_w.st.bad_lines++;
    else
        gf_frame_each(m->rx, m->rx_len, gl_on_line, m);
    free(m->rx);
    m->rx = NULL;
    m->rx_len = 0;
    m->rx_skip = 0;
}

static int gl_write(gl_machine *m, struct lws *wsi)
{
    if (m->closing) {
        lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)"bye",
                         3);
        return -1;
    }
    gl_line *l = m->tx_head;
    if (!l)
        return 0;
    if (LWS_PRE + l->len > gl_w.txbuf_cap) {
        unsigned char *nb = realloc(gl_w.txbuf, LWS_PRE + l->len);
        if (!nb)
            return -1;
        gl_w.txbuf = nb;
        gl_w.txbuf_cap = LWS_PRE + l->len;
    }
    memcpy(gl_w.txbuf + LWS_PRE, l->text, l->len);
    if (lws_write(wsi, gl_w.txbuf + LWS_PRE, l->len, LWS_WRITE_TEXT) <
        (int)l->len)
        return -1;
    m->tx_head = l->next;
    if (!m->tx_head)
        m->tx_tail = NULL;
    m->tx_len--;
    free(l);
    if (m->tx_head)
        lws_callback_on_writable(wsi);
    return 0;
}

static void gl_established(gl_machine *m, struct lws *wsi)
{
    double now = gl_now();
    m->ws = wsi;
    m->up = 1;
    m->backoff_ms = GL_BACKOFF_MIN_MS;
    gl_opening_done(m);
    gl_w.st.connects++;
    if (++gl_w.st.connected > gl_w.st.peak_connected)
        gl_w.st.peak_connected = gl_w.st.connected;
    if (!m->ever_connected) {
        m->ever_connected = 1;
        gl_w.st.ever_connected++;
        gl_w.st.last_first_connect_s = now;
    }
    if (m->tx_head)
        lws_callback_on_writable(wsi);
}

static void gl_down(gl_machine *m, int failed)
{
    if (m->up) {
        gl_w.st.connected--;
        if (!m->closing)
            gl_w.st.drops++;
    }
    if (failed)
        gl_w.st.connect_failures++;
    if (failed || m->up)
        gl_failover(m); /* its node refused the upgrade, or went away */
    m->ws = NULL;
    m->up = 0;
    free(m->rx);
    m->rx = NULL;
    m->rx_len = 0;
    m->rx_skip = 0;
    if (!gl_w.stop && !m->closing)
        gl_machine_schedule(m, m->backoff_ms);
}

static int gl_ws_callback(gl_machine *m, struct lws *wsi,
                          enum lws_callback_reasons reason, void *in,
                          size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        gl_established(m, wsi);
        break;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        gl_receive(m, wsi, in, len);
        break;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return gl_write(m, wsi);
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        if (gl_w.opt.verbose)
            fprintf(stderr, "gfload: S%llu: WebSocket failed: %.100s\n",
                    (unsigned long long)m->serial, in ? (const char *)in : "?");
        m->connect_failed = 1;
        gl_down(m, 1);
        break;
    case LWS_CALLBACK_CLIENT_CLOSED:
        gl_down(m, 0);
        break;
    default:
        break;
    }
    return 0;
}

int gl_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                void *in, size_t len)
{
    gl_machine *m = user;
    if (!m)
        return 0;
    if (wsi == m->ws || (!m->ws && gl_w.ws_connecting == m))
        return gl_ws_callback(m, wsi, reason, in, len);
    if (wsi == m->signin.wsi || gl_w.connecting == &m->signin)
        return gl_http_callback(m, &m->signin, wsi, reason, in, len);
    if (wsi == m->job.wsi || gl_w.connecting == &m->job)
        return gl_http_callback(m, &m->job, wsi, reason, in, len);
    return 0; /* a finished connection's last callbacks */
}

/* Ask every open session to close (a close frame, 1000). Only an
 * established session is asked: a connection still in its handshake has
 * nothing to write a close frame on (asking it for writable is what
 * crashed here after large runs) and is closed with the context. */
void gl_machine_close_all(void)
{
    for (long k = 0; k < gl_w.opt.machines; k++) {
        gl_machine *m = &gl_w.m[k];
        gfnet_timer_cancel(gl_w.wheel, &m->timer);
        gfnet_timer_cancel(gl_w.wheel, &m->act.play);
        m->closing = 1;
        if (m->up)
            lws_callback_on_writable(m->ws);
    }
}

void gl_machine_free(gl_machine *m)
{
    gl_tx_clear(m);
    gl_http_free(&m->signin);
    gl_http_free(&m->job);
    free(m->signin_body);
    free(m->auth_token);
    free(m->rx);
    free(m->act.url);
}

/* ws.h - machine sessions on the status WebSocket (subprotocol glowforge). */
#ifndef CLOUD_WS_H
#define CLOUD_WS_H

#include <libwebsockets.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ws_session ws_session;

/* Queue one text frame (a line of JSON) for the machine. 0 or -1. */
int ws_send(ws_session *s, const char *text);
/* Close a session from the service side once it is writable, with
 * `code` and `reason` (a static string): 4000 a newer session replaced it,
 * 4001 its machine was removed. */
void ws_end(ws_session *s, int code, const char *reason);
uint64_t ws_serial(const ws_session *s);
/* The registration the session was opened for (store_machine_reg). */
uint64_t ws_reg(const ws_session *s);
/* Bytes lws allocates per session. */
size_t ws_session_size(void);

struct cloud;
/* One whole frame from machine `serial`: every message in it goes to its
 * handle_*.c module, all in one store transaction. No session or network
 * is needed, so the fuzz target fuzz_cloud_ws drives this directly. */
void ws_ingest(struct cloud *c, uint64_t serial, const char *buf, size_t len);

int ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                void *in, size_t len);

#endif

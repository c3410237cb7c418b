/* The WebSocket session under exec, attach and port-forward (ws.c): a
 * connection from k8s_client_connect, the HTTP/1.1 upgrade, wslay framing
 * of the Kubernetes channel protocols (one channel byte in front of every
 * binary message), bounded send buffering, and a lifetime that other
 * threads can reach safely. Private. */
#ifndef K8S_WS_INTERNAL_H
#define K8S_WS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "client_internal.h"
#include "k8s/arena.h"
#include "k8s/buf.h"
#include "k8s/client.h"
#include "loop_internal.h"

typedef struct k8s_ws k8s_ws;

/* What the owner (exec or port-forward) hears, on the loop thread. */
typedef struct k8s_ws_ops {
    /* The upgrade succeeded; ws->protocol is the server's choice. */
    void (*open)(k8s_ws *ws);
    /* Bytes of a message on a channel, in order; a message may come in
     * several pieces, and message_end follows its last. */
    void (*data)(k8s_ws *ws, int channel, const uint8_t *p, size_t n);
    void (*message_end)(k8s_ws *ws, int channel);
    /* Room again for counted bytes after a send was refused as full. */
    void (*writable)(k8s_ws *ws);
    /* The end, exactly once (never when k8s_ws_start fails): ws->code and
     * ws->err say why; the connection is gone. */
    void (*done)(k8s_ws *ws);
    /* The last reference is going: free what the owner added. */
    void (*destroy)(k8s_ws *ws);
} k8s_ws_ops;

struct k8s_ws {
    /* fixed at creation */
    k8s_client *client;
    k8s_loop *loop;
    const k8s_ws_ops *ops;
    const char *const *protocols; /* offered, most wanted first; static strings */
    bool need_protocol;           /* a reply that names none is an error */
    char *path;                   /* path and query */
    size_t max_unsent;
    int timeout_ms;   /* the upgrade, once connected */
    k8s_arena *arena; /* where err.status points */

    /* shared with other threads, under mu */
    pthread_mutex_t mu;
    bool ended;        /* done ran or is running: nothing may be posted */
    bool write_closed; /* no more counted sends */
    bool full;         /* a send was refused: call writable once there is room */
    size_t posted;     /* counted bytes handed to the loop, not yet queued */
    size_t queued;     /* bytes in wslay's queue, as of the last look */
    atomic_int refs;

    /* the loop thread's */
    int state;
    bool cancel_requested, stop, eof, paused, blocked, close_pending, pumping, pump_again, reading;
    bool requested;    /* the upgrade request is out */
    bool close_queued; /* our close frame is in wslay's queue */
    int close_channel; /* a close signal asked for before the upgrade, or -1 */
    k8s_call_id call_id;
    void *easy; /* CURL * */
    int fd;
    k8s_io *io;
    int io_events;
    k8s_timer *timer;
    k8s_client_stream hook;
    bool hooked;
    void *ctx;      /* wslay_event_context_ptr */
    k8s_buf hs;     /* the upgrade request, then the reply; then bytes after it */
    size_t hs_off;  /* sent (request) or consumed (bytes after the reply) */
    size_t hs_head; /* length of the reply's head, once complete */
    void *head;     /* the parsed head (in arena) */
    char accept[32];
    uint8_t *out; /* framed bytes waiting for the socket */
    size_t out_off, out_len;
    uint8_t *scratch; /* one message being built */
    bool in_msg, need_channel, frame_is_data;
    int channel;
    const char *protocol; /* one of protocols, or NULL when the server named none */
    /* detached (k8s_ws_start_detached): no connection; what the server
     * says comes through k8s_ws_receive */
    bool detached, in_eof;
    k8s_buf in;
    size_t in_off;

    k8s_code code;
    k8s_error err;
};

/* Sets up ws (the owner has zeroed it and filled client, ops, protocols,
 * need_protocol, max_unsent, timeout_ms) and connects to path (copied).
 * Two references come back: the caller's and the session's own. On
 * failure nothing was started, ws holds nothing, and the owner frees it. */
k8s_code k8s_ws_start(k8s_ws *ws, const char *path);
/* Drops a reference; the last one frees (ops->destroy, then free(ws)). */
void k8s_ws_unref(k8s_ws *ws);

/* ---- without a connection (tests, fuzzing) ---- */

/* k8s_ws_start for a session whose server is the caller: no client, loop or
 * socket (ws->client stays NULL). The upgrade request counts as sent
 * (ws->accept holds the Sec-WebSocket-Accept the reply must carry), what
 * the session sends is dropped, and the server's bytes come from
 * k8s_ws_receive. The caller is the loop thread: of the functions below it
 * may only call the loop thread's. */
k8s_code k8s_ws_start_detached(k8s_ws *ws);
/* Bytes from the server, handled as a read from the socket is (the
 * upgrade reply, then frames); eof: the server closed the connection after
 * them. K8S_EINVAL for a session that is not detached. */
k8s_code k8s_ws_receive(k8s_ws *ws, const void *bytes, size_t len, bool eof);

/* ---- from any thread ---- */

/* Copies and sends n bytes on channel. counted: subject to max_unsent
 * (K8S_EFULL, and a writable call later) and refused after
 * k8s_ws_close_write (K8S_ECLOSED). K8S_ECLOSED after the end. */
k8s_code k8s_ws_send(k8s_ws *ws, int channel, const void *p, size_t n, bool counted);
/* No more counted sends; on v5.channel.k8s.io the close signal for
 * channel follows what was sent (channel < 0: no signal). */
k8s_code k8s_ws_close_write(k8s_ws *ws, int channel);
/* A clean WebSocket close after what was sent. */
k8s_code k8s_ws_close(k8s_ws *ws);
/* Ends the session with K8S_ECANCELED unless it has ended. */
void k8s_ws_cancel(k8s_ws *ws);
/* Stops or resumes reading from the server (immediate on the loop thread). */
void k8s_ws_pause(k8s_ws *ws, bool paused);

/* ---- the loop thread's ---- */

/* Whether counted bytes fit now; when not, writable follows later. */
bool k8s_ws_has_room(k8s_ws *ws);
/* A counted send that skips the hand-over (loop thread only). */
k8s_code k8s_ws_send_now(k8s_ws *ws, int channel, const void *p, size_t n);
void k8s_ws_close_now(k8s_ws *ws);
void k8s_ws_cancel_now(k8s_ws *ws);
/* Ends the session as soon as the current callback returns, with code
 * (err already filled when code is an error). */
void k8s_ws_stop(k8s_ws *ws, k8s_code code);

#endif

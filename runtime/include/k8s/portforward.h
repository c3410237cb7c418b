/* Port-forwarding to a pod (pods/portforward) over WebSocket, two ways:
 *
 * - a stream: k8s_portforward_start connects to one port of a pod; bytes
 *   written go to the pod's port, bytes from it arrive through on_data.
 *   One WebSocket session per stream.
 * - a local listener: k8s_portforward_listener_start accepts TCP connections on a
 *   local address (on the client's loop) and forwards each over its own
 *   stream, like `kubectl port-forward`.
 *
 * Handlers run on the client's loop thread and must not block. on_end runs
 * exactly once per started stream, as the last callback, never when start
 * fails. The other functions may be called from any thread until
 * k8s_portforward_free; they copy what they are given.
 *
 * WebSocket port-forwarding has no half-close: a stream ends as a whole. */
#ifndef K8S_PORTFORWARD_H
#define K8S_PORTFORWARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "k8s/client.h"
#include "k8s/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_portforward k8s_portforward;

typedef struct k8s_portforward_handlers {
    void (*on_open)(void *data); /* the upgrade succeeded; may be NULL */
    /* Bytes from the pod's port, in order, in pieces of any size. */
    void (*on_data)(void *data, const char *bytes, size_t len);
    /* After k8s_portforward_write said K8S_EFULL: room again. May be NULL. */
    void (*on_writable)(void *data);
    /* The end, once: K8S_OK after a clean WebSocket close (either side's);
     * K8S_ECANCELED; K8S_EIO when the server reported a forwarding error
     * (err->message has its text, e.g. connection refused in the pod);
     * a refused upgrade as for other calls (K8S_ENOTFOUND, K8S_EFORBIDDEN,
     * K8S_EHTTP for a 400; err->status valid until k8s_portforward_free);
     * K8S_ECLOSED when the connection dropped; K8S_EBADREPLY,
     * K8S_ETRANSPORT, K8S_ETLS, K8S_ETIMEDOUT. */
    void (*on_end)(void *data, k8s_code code, const k8s_error *err);
    void *data;
} k8s_portforward_handlers;

typedef struct k8s_portforward_options {
    size_t max_unsent; /* bytes buffered before k8s_portforward_write says K8S_EFULL; 0: 1 MiB */
    int timeout_ms;    /* for the upgrade once connected; 0: 30 s. The stream has none */
} k8s_portforward_options;

/* namespace_ NULL: the client's. opts may be NULL. *out is set before any
 * handler can run; NULL when start fails (K8S_EINVAL, K8S_ENOMEM,
 * K8S_ECLOSED when the client closes). */
k8s_code k8s_portforward_start(k8s_client *client, const char *namespace_, const char *pod,
                              uint16_t port, const k8s_portforward_options *opts,
                              const k8s_portforward_handlers *handlers, k8s_portforward **out);
/* Queues len bytes for the pod (copied; also before the upgrade is done).
 * K8S_EFULL when max_unsent bytes already wait (nothing is taken; a write
 * that finds room is taken whole), K8S_ECLOSED after k8s_portforward_finish or the end. */
k8s_code k8s_portforward_write(k8s_portforward *pf, const void *bytes, size_t len);
/* Stops delivering data (paused) or resumes: back-pressure toward the
 * pod. Immediate when called on the loop thread (from on_data, say). */
void k8s_portforward_pause(k8s_portforward *pf, bool paused);
/* Ends the stream cleanly: what was written is sent, then the WebSocket
 * closes; on_end follows (K8S_OK). Data may still arrive until then. */
k8s_code k8s_portforward_finish(k8s_portforward *pf);
/* Ends it now (any thread, asynchronous): on_end follows with K8S_ECANCELED
 * unless it had run. */
void k8s_portforward_stop(k8s_portforward *pf);
/* After on_end has run (in it, or later from any thread). NULL: no-op. */
void k8s_portforward_free(k8s_portforward *pf);

/* ---- a local listener ---- */

typedef struct k8s_portforward_listener k8s_portforward_listener;

/* Listens on local_address (NULL: "127.0.0.1"; an IPv4 or IPv6 literal)
 * and local_port (0: any free port; the port taken goes to *bound_port
 * when non-NULL) and forwards every connection to remote_port of the pod.
 * Each connection gets its own WebSocket session; reading pauses on
 * either side while the other side has more than 1 MiB it could not
 * send yet. A connection whose session fails is closed (a refused
 * upgrade, a pod that is gone). Errors: K8S_EINVAL, K8S_EIO (the address
 * cannot be bound; err says why), K8S_ENOMEM, K8S_ECLOSED. */
k8s_code k8s_portforward_listener_start(k8s_client *client, const char *namespace_, const char *pod,
                                uint16_t remote_port, const char *local_address,
                                uint16_t local_port, k8s_portforward_listener **out,
                                uint16_t *bound_port, k8s_error *err);
/* Stops listening, ends every forwarded connection and frees the
 * listener (a listener has no on_end: this is its stop and free). From another thread it returns once all of that is done; on
 * the loop thread it may finish a moment later. NULL is a no-op. Call it
 * before k8s_client_free (or after: it then only frees memory). */
void k8s_portforward_listener_free(k8s_portforward_listener *listener);

#ifdef __cplusplus
}
#endif
#endif

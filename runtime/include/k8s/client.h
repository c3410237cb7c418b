/* The Kubernetes API client: requests over libcurl's multi interface on an
 * event loop, typed results in the caller's arena, typed errors.
 *
 * Every call exists twice: a plain one that waits (from any thread but the
 * loop's own), and an _async one that returns at once and completes exactly
 * once through its callback, on the loop thread. If submitting fails, the
 * callback is never called. A plain call made while the client's own loop
 * thread has nothing to do runs its transfer on the calling thread instead
 * (no hand-off to the loop thread and back), handing it over as soon as
 * anything else needs the loop; so async callbacks still run on the loop
 * thread only, and the call's on_warning may run on the calling thread.
 * Results and error details live in the arena the caller passes; one
 * k8s_arena_free releases them. While an async call runs, its arena belongs
 * to the call.
 *
 * Generated trees wrap these generic calls in typed functions, such as
 * k8s_core_v1_pod_get(); the generic ones also serve custom resources. */
#ifndef K8S_CLIENT_H
#define K8S_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "k8s/arena.h"
#include "k8s/codec.h"
#include "k8s/config.h"
#include "k8s/error.h"
#include "k8s/loop.h"
#include "k8s/resource.h"
#include "k8s/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct k8s_client k8s_client;

typedef void (*k8s_warning_fn)(void *ctx, const char *warning);

typedef struct k8s_client_options {
    k8s_loop *loop;         /* run on this loop (shared, or driven by the program); NULL: a loop of its own */
    int timeout_ms;         /* per request, its retries and waits included; 0: 30 s.
                               Streams have none. */
    int max_retries;        /* for 429, 503 and dropped connections on idempotent verbs; 0: 3, <0: none */
    double qps;             /* client-side rate limit, requests per second; 0: none */
    int burst;              /* requests allowed at once above qps; 0: max(1, qps) */
    const char *user_agent; /* NULL: "k8s-c/<version>" */
    bool http1;             /* do not offer HTTP/2 */
    /* Connections to the server at most; 0: 64. An HTTP/2 connection
     * carries as many streams (calls, watches, log follows) as the server
     * allows (SETTINGS_MAX_CONCURRENT_STREAMS: 100 on kube-apiserver); the
     * client opens another only when every open one is full, so calls
     * beyond max_connections times that wait for a stream to end (or for
     * their timeout). A server that speaks only HTTP/1.1 (kubectl proxy)
     * takes a connection per call: with http1 set there is no limit. */
    int max_connections;
    /* each Warning header the server sends; NULL: ignored. On the thread
     * driving the loop: the loop's, or a plain call's own (see above) */
    k8s_warning_fn on_warning;
    void *warning_ctx;
} k8s_client_options;

/* config must outlive the client. opts may be NULL. */
k8s_code k8s_client_new(k8s_client **out, const k8s_config *config, const k8s_client_options *opts,
                        k8s_error *err);
/* Cancels what is in flight (callbacks run with K8S_ECANCELED) and frees
 * the client. Not from a callback of its own loop. NULL is a no-op. */
void k8s_client_free(k8s_client *client);

k8s_loop *k8s_client_loop(k8s_client *client);
/* The namespace calls use when given NULL: the context's, or "default". */
const char *k8s_client_namespace(const k8s_client *client);

typedef struct k8s_client_stats {
    uint64_t requests;    /* attempts sent */
    uint64_t retries;     /* of those, repeats */
    uint64_t connections; /* TCP connections opened (counted as they open) */
    uint64_t open_connections; /* HTTP/2 (or HTTP/1.1) connections of the client open now */
    /* The streams the server allows on one HTTP/2 connection, as the client
     * learned it when they ran out; 0 until then. */
    uint64_t streams_per_connection;
} k8s_client_stats;
void k8s_client_stats_get(k8s_client *client, k8s_client_stats *out);

/* ---- calls (the resource, op and option types are in k8s/resource.h) ---- */

/* From any thread. A call still running completes with K8S_ECANCELED. */
k8s_code k8s_cancel(k8s_client *client, k8s_call_id id);

/* result: the reply decoded as op->result, or the text of a text reply,
 * or for dynamic calls the JSON text. NULL when the server answered with
 * another kind that still means success: a delete returns the object, a
 * Status or the deleted list depending on the resource, and only the kind
 * the op expects is decoded; an eviction returns a Success Status. */
typedef void (*k8s_done_fn)(void *data, k8s_code code, void *result, const k8s_error *err);

k8s_code k8s_call(k8s_client *client, k8s_arena *arena, const k8s_op *op, const k8s_args *args,
                  void **result, k8s_error *err);
k8s_code k8s_call_async(k8s_client *client, k8s_arena *arena, const k8s_op *op,
                        const k8s_args *args, k8s_done_fn done, void *data);

/* ---- streams ---- */

/* Receives a streamed reply's bytes as they arrive (a 2xx reply only: an
 * error reply is read whole and reported through done). Returning non-zero
 * ends the call with that code and err, which the function fills in. */
typedef k8s_code (*k8s_chunk_fn)(void *data, const char *bytes, size_t len, k8s_error *err);

/* A call whose reply body is handed to on_chunk piece by piece instead of
 * being kept: watches, followed logs. done runs once at the end, with
 * K8S_OK when the server ended the reply. A stream has no overall time
 * limit: args' call.timeout_ms, when set, bounds the silence between
 * bytes instead. After bytes have arrived a dropped connection is not
 * retried (done gets K8S_ETRANSPORT); resuming is the caller's business
 * (k8s_watcher does it for watches). Callbacks run on the loop thread. */
k8s_code k8s_stream_async(k8s_client *client, const k8s_op *op, const k8s_args *args,
                          k8s_chunk_fn on_chunk, k8s_done_fn done, void *data);

/* Any request by path ("/version", "/apis", "/api/v1/namespaces/x/pods"),
 * with an optional body (Content-Type defaults to application/json). The
 * reply's text lands in arena; a non-2xx reply is an error as for typed
 * calls. */
k8s_code k8s_request(k8s_client *client, k8s_arena *arena, const char *method, const char *path,
                     const char *body, const char *content_type, char **reply, k8s_error *err);
k8s_code k8s_request_async(k8s_client *client, k8s_arena *arena, const char *method,
                           const char *path, const char *body, const char *content_type,
                           k8s_done_fn done, void *data);

#ifdef __cplusplus
}
#endif
#endif

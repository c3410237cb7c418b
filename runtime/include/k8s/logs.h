/* Pod logs (pods/log) delivered as they arrive: the whole log, or with
 * opts->follow the lines the container writes from then on, as
 * `kubectl logs -f` shows them.
 *
 *   k8s_call_id id;
 *   k8s_log_options o = {.call.id = &id, .container = "web", .follow = true,
 *                        .has_tailLines = true, .tailLines = 10};
 *   k8s_pod_log_stream_async(client, "default", "web", &o, on_data, on_end, me);
 *   ... later, from any thread: k8s_cancel(client, id)
 *
 * k8s_core_v1_pod_log_get() reads a log whole into an arena instead. */
#ifndef K8S_LOGS_H
#define K8S_LOGS_H

#include <stddef.h>

#include "k8s/client.h"
#include "k8s/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives log bytes as they arrive (loop thread): in order, in pieces of
 * any size (not cut at line ends), valid during the call. */
typedef void (*k8s_log_fn)(void *data, const char *bytes, size_t len);

/* Starts reading the log of a pod (namespace_ NULL: the client's) with
 * opts (NULL: the whole log of the pod's only container, not followed).
 * on_data gets the bytes; then on_end runs once, with a NULL result:
 *   K8S_OK         the log ended: all of it was sent, or, following, the
 *                  container stopped or the pod went away;
 *   K8S_ECANCELED  k8s_cancel with the id opts->call.id received, or
 *                  k8s_client_free;
 *   the code for an error reply, as for other calls: K8S_ENOTFOUND (no
 *                  such pod), K8S_EHTTP (400: no such container, or
 *                  several and none chosen), ...; err->http_status, and
 *                  err->status, which is valid during on_end only;
 *   K8S_ETIMEDOUT  silence for opts->call.timeout_ms, as k8s_stream_async
 *                  bounds it (0: no limit; a followed log may be quiet
 *                  for long);
 *   K8S_ETRANSPORT the connection dropped (not retried once bytes came).
 * Both callbacks run on the loop thread and must not block. On an error
 * return (K8S_EINVAL for missing arguments, K8S_ENOMEM, K8S_ECLOSED when
 * the client is closing) neither runs. */
k8s_code k8s_pod_log_stream_async(k8s_client *c, const char *namespace_, const char *pod,
                                  const k8s_log_options *opts, k8s_log_fn on_data, k8s_done_fn on_end,
                                  void *data);

/* The same, waiting on this thread until the log ends (following: until
 * the container stops, the pod goes, or k8s_cancel with opts->call.id
 * from another thread) and returning on_end's code and error. on_data
 * still runs on the loop thread. After an error reply err->status is a
 * copy of the server's Status in arena, valid until arena is freed (arena
 * NULL: err->status stays NULL; the code, err->http_status and
 * err->message still tell what happened). Not on the loop's own thread
 * (K8S_EINVAL: it would wait forever). */
k8s_code k8s_pod_log_stream(k8s_client *c, const char *namespace_, const char *pod,
                            const k8s_log_options *opts, k8s_log_fn on_data, void *data, k8s_arena *arena,
                            k8s_error *err);

#ifdef __cplusplus
}
#endif
#endif

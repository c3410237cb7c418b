/* pods/log as a stream: k8s_stream_async with the log's bytes handed on
 * as they come, and a waiting form on top. */
#include "k8s/logs.h"

#include <stdlib.h>
#include <string.h>

#include "client_internal.h"
#include "internal.h"

/* type NULL: only the URL is needed, the reply is text */
static const k8s_resource pods = {
    .group = "", .version = "v1", .resource = "pods", .kind = "Pod", .namespaced = true};
static const k8s_op log_op = {&pods, "log", K8S_VERB_GET, NULL, NULL, NULL};

typedef struct log_stream {
    k8s_log_fn on_data;
    k8s_done_fn on_end;
    void *data;
} log_stream;

static k8s_code on_chunk(void *data, const char *bytes, size_t len, k8s_error *err)
{
    (void)err;
    log_stream *s = data;
    s->on_data(s->data, bytes, len);
    return K8S_OK;
}

static void on_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result; /* a log that fit in one reply without streaming: "" (204), nothing to hand on */
    log_stream s = *(log_stream *)data;
    free(data);
    s.on_end(s.data, code, NULL, err);
}

k8s_code k8s_pod_log_stream_async(k8s_client *c, const char *namespace_, const char *pod,
                                  const k8s_log_options *opts, k8s_log_fn on_data, k8s_done_fn on_end,
                                  void *data)
{
    if (!c || !pod || !*pod || !on_data || !on_end)
        return K8S_EINVAL;
    log_stream *s = malloc(sizeof *s);
    if (!s)
        return K8S_ENOMEM;
    *s = (log_stream){on_data, on_end, data};
    k8s_args args = {.namespace_ = namespace_, .name = pod, .options = opts};
    k8s_code rc = k8s_stream_async(c, &log_op, &args, on_chunk, on_done, s);
    if (rc)
        free(s); /* on_done will never run */
    return rc;
}

/* The async form hands one data pointer to both callbacks: the waiter's
 * carries the caller's on the way to on_data. */
typedef struct forwarding {
    k8s_log_fn on_data;
    void *data;
} forwarding;

static void forward(void *data, const char *bytes, size_t len)
{
    const forwarding *f = ((k8s_waiter *)data)->data;
    f->on_data(f->data, bytes, len);
}

k8s_code k8s_pod_log_stream(k8s_client *c, const char *namespace_, const char *pod,
                            const k8s_log_options *opts, k8s_log_fn on_data, void *data, k8s_arena *arena,
                            k8s_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
    if (!k8s_waiting_allowed(c, "k8s_pod_log_stream_async", err))
        return K8S_EINVAL;
    forwarding f = {on_data, data};
    k8s_waiter w;
    k8s_waiter_init(&w, true, arena, &f); /* the Status lives in the call, which ends */
    return k8s_waiter_wait(&w,
                           k8s_pod_log_stream_async(c, namespace_, pod, opts, on_data ? forward : NULL,
                                                    k8s_waiter_done, &w),
                           NULL, err);
}

/* Waiting on a caller's thread for an async call to end: the blocking
 * forms of calls, watches and log streams. */
#include <pthread.h>
#include <string.h>

#include "call_internal.h"

bool k8s_waiting_allowed(k8s_client *c, const char *async, k8s_error *err)
{
    if (c && k8s_loop_on_thread(c->loop)) {
        k8s_error_set(err, K8S_EINVAL, NULL, NULL, NULL,
                      "waiting on the loop's own thread would never end; use %s", async);
        return false;
    }
    return true;
}

void k8s_waiter_init(k8s_waiter *w, bool stream, k8s_arena *status_arena, void *data)
{
    memset(w, 0, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->cond, NULL);
    w->stream = stream;
    w->status_arena = status_arena;
    w->data = data;
}

void k8s_waiter_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    k8s_waiter *w = data;
    pthread_mutex_lock(&w->mu);
    w->code = code;
    w->result = result;
    if (err)
        w->err = *err;
    if (w->stream && w->err.status) /* out of memory: no Status, the rest of the error stays */
        w->err.status = w->status_arena ? k8s_copy(&k8s_status_desc, w->err.status, w->status_arena) : NULL;
    w->finished = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->mu);
}

k8s_code k8s_waiter_wait(k8s_waiter *w, k8s_code submitted, void **result, k8s_error *err)
{
    k8s_code rc = submitted;
    if (rc) {
        k8s_error_set(err, rc, NULL, NULL, NULL, "%s", k8s_strerror(rc));
    } else {
        pthread_mutex_lock(&w->mu);
        while (!w->finished)
            pthread_cond_wait(&w->cond, &w->mu);
        pthread_mutex_unlock(&w->mu);
        rc = w->code;
        if (result)
            *result = w->result;
        if (err)
            *err = w->err;
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->cond);
    return rc;
}

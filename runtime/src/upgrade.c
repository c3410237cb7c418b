/* Connection upgrade: a connection made on the client's terms
 * (credentials, TLS, proxy, retries) and handed over, for protocols the
 * client does not speak itself (WebSocket: exec, attach, port-forward). */
#include <stdatomic.h>
#include <stdlib.h>

#include "call_internal.h"

/* On a worker: credentials (which may run a plugin), then a blocking
 * connect; a standalone easy handle owns the connection afterwards, so
 * curl_easy_send/recv work on it (inside a multi they would not). */
static void connect_work(void *data)
{
    kcall *k = data;
    k8s_client *c = k->client;
    k->cred_rc = k8s_credentials_get(c->creds, false, &k->cred, &k->cred_err);
    if (k->cred_rc || k->canceled)
        return;
    if (!(k->easy = k8s_call_new_handle(c)) || !k8s_call_configure(k)) {
        k->connect_rc = CURLE_OUT_OF_MEMORY;
        return;
    }
    atomic_fetch_add(&c->n_requests, 1);
    k->connect_rc = curl_easy_perform(k->easy);
}

static void connect_done(void *data)
{
    kcall *k = data;
    k8s_client *c = k->client;
    k8s_client_pending_add(c, -1); /* the worker job */
    CURL *e = k->easy;
    k->easy = NULL;
    if (k->orphaned) {
        curl_easy_cleanup(e);
        k8s_call_free(k);
        return;
    }
    k->st = ST_NEW;
    if (c->closing) {
        curl_easy_cleanup(e);
        k8s_call_fail(k, K8S_ECANCELED, "canceled");
    } else if (k->cred_rc) {
        curl_easy_cleanup(e);
        k->err = k->cred_err;
        k8s_call_finish(k, k->cred_rc, NULL);
    } else if (!e || k->connect_rc != CURLE_OK) {
        curl_easy_cleanup(e); /* a retry connects with a new handle */
        k8s_call_transport_failed(k, e ? k->connect_rc : CURLE_OUT_OF_MEMORY);
    } else {
        /* the handle outlives the call: nothing of the call's may stay in it */
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, NULL);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
        curl_easy_setopt(e, CURLOPT_PRIVATE, NULL);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, NULL);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, NULL);
        k8s_connection conn = {e, k->req.url, k->cred.authorization, c->user_agent};
        k8s_call_unlink(k);
        k->on_connect(k->data, K8S_OK, &conn, &k->err);
        k8s_call_free(k);
        k8s_client_pending_add(c, -1);
    }
}

void k8s_upgrade_offload(kcall *k)
{
    k8s_client *c = k->client;
    k->st = ST_CONNECTING;
    k8s_client_pending_add(c, 1);
    if (k8s_loop_offload(c->loop, connect_work, connect_done, k) != K8S_OK) {
        k8s_client_pending_add(c, -1);
        k8s_call_fail(k, K8S_ENOMEM, "cannot hand the connection to a worker");
    }
}

k8s_code k8s_client_connect(k8s_client *c, const char *path, k8s_connect_fn on_connect, void *data,
                            k8s_call_id *id)
{
    static const k8s_op connect_op = {NULL, NULL, K8S_VERB_GET, NULL, NULL, NULL};
    if (!c || !path || path[0] != '/' || !on_connect)
        return K8S_EINVAL;
    kcall *k = k8s_call_new(c, NULL, &connect_op, NULL);
    k8s_buf url = K8S_BUF_INIT;
    if (!k || k8s_buf_append_str(&url, c->base_url) || k8s_buf_append_str(&url, path)) {
        k8s_buf_free(&url);
        if (k)
            k8s_call_free(k);
        return K8S_ENOMEM;
    }
    k->req.url = url.data;
    k->req.method = "GET";
    k->req.idempotent = true; /* nothing is sent before the connection is handed over */
    k->on_connect = on_connect;
    if (id)
        *id = k->id;
    return k8s_call_submit(c, k, NULL, data);
}

/* The client: its options, its multi handle, and its shutdown, which ends
 * every call and waits for the streams registered with it. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "call_internal.h"

#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RETRIES 3
#define DEFAULT_MAX_CONNECTIONS 64

void k8s_client_pending_add(k8s_client *c, int n)
{
    pthread_mutex_lock(&c->mu);
    c->pending += n;
    if (c->pending == 0)
        pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

k8s_code k8s_client_stream_begin(k8s_client *c, k8s_client_stream *s)
{
    pthread_mutex_lock(&c->mu);
    bool closing = c->closing;
    if (!closing)
        c->pending++;
    pthread_mutex_unlock(&c->mu);
    if (closing)
        return K8S_ECANCELED;
    s->prev = NULL;
    s->next = c->streams;
    if (c->streams)
        c->streams->prev = s;
    c->streams = s;
    s->linked = true;
    return K8S_OK;
}

static void stream_unlink(k8s_client *c, k8s_client_stream *s)
{
    if (!s->linked)
        return;
    if (s->prev)
        s->prev->next = s->next;
    else
        c->streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->linked = false;
}

void k8s_client_stream_end(k8s_client *c, k8s_client_stream *s)
{
    stream_unlink(c, s);
    k8s_client_pending_add(c, -1);
}
/* ---- the client ---- */

/* With tls-server-name, the URL names that host (so TLS checks it) and
 * CURLOPT_CONNECT_TO sends the connection to the real server. */
static k8s_code set_base_url(k8s_client *c, k8s_error *err)
{
    const k8s_config *cfg = c->config;
    if (!cfg->server || !*cfg->server) {
        return k8s_fail(err, K8S_ECONFIG, "%s: no server URL", cfg->origin ? cfg->origin : "config");
    }
    if (!cfg->tls_server_name) {
        c->base_url = strdup(cfg->server);
        return c->base_url ? K8S_OK : K8S_ENOMEM;
    }
    CURLU *u = curl_url();
    char *host = NULL, *port = NULL, *url = NULL;
    k8s_code rc = K8S_ECONFIG;
    if (u && curl_url_set(u, CURLUPART_URL, cfg->server, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_HOST, cfg->tls_server_name, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &url, 0) == CURLUE_OK) {
        char rule[1024];
        snprintf(rule, sizeof rule, "%s:%s:%s:%s", cfg->tls_server_name, port, host, port);
        c->connect_to = curl_slist_append(NULL, rule);
        size_t n = strlen(url);
        while (n && url[n - 1] == '/')
            url[--n] = '\0';
        c->base_url = strdup(url);
        rc = c->connect_to && c->base_url ? K8S_OK : K8S_ENOMEM;
    }
    if (rc == K8S_ECONFIG)
        /* (not the server URL itself: it may carry user:password@) */
        k8s_error_set(err, rc, NULL, NULL, NULL, "%s: the server URL cannot be used with tls-server-name %s",
                      cfg->origin ? cfg->origin : "config", cfg->tls_server_name);
    curl_free(host);
    curl_free(port);
    curl_free(url);
    curl_url_cleanup(u);
    return rc;
}

k8s_code k8s_client_new(k8s_client **out, const k8s_config *config, const k8s_client_options *opts,
                        k8s_error *err)
{
    static const k8s_client_options defaults;
    if (!opts)
        opts = &defaults;
    *out = NULL;
    if (err)
        memset(err, 0, sizeof *err);
    if (!config) {
        return k8s_fail(err, K8S_EINVAL, "no config");
    }
    k8s_client *c = calloc(1, sizeof *c);
    if (!c) {
        return k8s_fail(err, K8S_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cond, NULL);
    c->config = config;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : DEFAULT_TIMEOUT_MS;
    c->max_retries = opts->max_retries < 0 ? 0 : opts->max_retries ? opts->max_retries : DEFAULT_RETRIES;
    c->http1 = opts->http1;
    c->max_connections = opts->max_connections > 0 ? opts->max_connections : DEFAULT_MAX_CONNECTIONS;
    c->on_warning = opts->on_warning;
    c->warning_ctx = opts->warning_ctx;
    c->qps = opts->qps > 0 ? opts->qps : 0;
    c->burst = opts->burst > 0 ? opts->burst : (c->qps > 1 ? c->qps : 1);
    c->tokens = c->burst;
    c->refilled_ms = k8s_now_ms();
    c->rng = k8s_rng_seed(c);
    c->user_agent = strdup(opts->user_agent ? opts->user_agent : "k8s-c/" K8S_C_VERSION);
    k8s_code rc = c->user_agent ? set_base_url(c, err) : K8S_ENOMEM;
    if (rc == K8S_OK && !(c->creds = k8s_credentials_new(config)))
        rc = K8S_ENOMEM;
    if (rc == K8S_OK && !(c->multi = curl_multi_init()))
        rc = K8S_ENOMEM;
    if (rc == K8S_OK) {
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, k8s_call_on_socket);
        curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, k8s_call_on_timer_change);
        curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
        curl_multi_setopt(c->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
        /* curl's default of 100 streams a connection makes a steady 100 calls
         * in flight open a new connection whenever a finished stream has not
         * been reaped yet; the server's SETTINGS still set the real limit
         * (kube-apiserver: 100) */
        curl_multi_setopt(c->multi, CURLMOPT_MAX_CONCURRENT_STREAMS, 1000L);
        /* One connection to start with, more as its streams run out (see
         * grow_connections). HTTP/1.1 needs a connection per call: no cap. */
        if (!c->http1)
            k8s_conns_set_cap(c, 1);
        if (opts->loop) {
            c->loop = opts->loop;
        } else {
            c->own_loop = true;
            rc = k8s_loop_new(&c->loop, err);
            if (rc == K8S_OK)
                rc = k8s_loop_start(c->loop, err);
        }
    }
    if (rc) {
        if (err && !err->code)
            k8s_error_set(err, rc, NULL, NULL, NULL, "%s", k8s_strerror(rc));
        k8s_client_free(c);
        return rc;
    }
    *out = c;
    return K8S_OK;
}

/* On the loop: cancels every call; cleanup waits for them to be gone. */
static void shutdown_on_loop(void *data)
{
    k8s_client *c = data;
    /* unlinked first: a stream's cancel may end other streams */
    while (c->streams) {
        k8s_client_stream *s = c->streams;
        stream_unlink(c, s);
        s->cancel(s->data);
    }
    k8s_rate_cancel_all(c);
    while (c->active)
        k8s_call_abort(c->active, K8S_ECANCELED, "the client is closing");
}

static void cleanup_on_loop(void *data)
{
    k8s_client *c = data;
    for (size_t i = 0; i < c->nidle; i++)
        curl_easy_cleanup(c->idle[i]);
    c->nidle = 0;
    curl_multi_cleanup(c->multi); /* closes its sockets: their watches go via k8s_conns_close_socket */
    c->multi = NULL;
    for (size_t i = 0; i < c->nconns; i++) { /* none should be left; if one is, its watch goes now */
        k8s_io_close(c->conns[i].io);
        c->conns[i].io = NULL;
    }
    k8s_timer_free(c->curl_timer);
    k8s_timer_free(c->rate_timer);
    k8s_timer_free(c->grow_timer);
    k8s_timer_free(c->stir_timer);
    c->curl_timer = c->rate_timer = c->grow_timer = c->stir_timer = NULL;
    pthread_mutex_lock(&c->mu);
    c->cleaned = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

static void queue_on_loop(k8s_client *c, k8s_fn fn)
{
    while (k8s_loop_call(c->loop, fn, c) != K8S_OK)
        sched_yield(); /* out of memory for a moment: shutting down must not be skipped */
}

static void wait_until(k8s_client *c, bool idle)
{
    pthread_mutex_lock(&c->mu);
    while (idle ? c->pending > 0 : !c->cleaned)
        pthread_cond_wait(&c->cond, &c->mu);
    pthread_mutex_unlock(&c->mu);
}

static int pending_now(k8s_client *c)
{
    pthread_mutex_lock(&c->mu);
    int n = c->pending;
    pthread_mutex_unlock(&c->mu);
    return n;
}

void k8s_client_free(k8s_client *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&c->mu);
    c->closing = true;
    pthread_mutex_unlock(&c->mu);
    if (c->loop && c->multi) {
        if (k8s_loop_on_thread(c->loop)) { /* the caller drives the loop: do it here */
            shutdown_on_loop(c);
            while (pending_now(c) > 0)
                k8s_loop_run_once(c->loop, 10);
            cleanup_on_loop(c);
        } else {
            queue_on_loop(c, shutdown_on_loop);
            wait_until(c, true);
            queue_on_loop(c, cleanup_on_loop);
            wait_until(c, false);
        }
    } else if (c->multi) {
        curl_multi_cleanup(c->multi);
    }
    if (c->own_loop)
        k8s_loop_free(c->loop);
    k8s_credentials_free(c->creds);
    curl_slist_free_all(c->connect_to);
    free(c->idle);
    k8s_call_free_spares(c);
    k8s_decode_cache_free(c->decode_cache);
    free(c->conns);
    free(c->base_url);
    free(c->user_agent);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cond);
    free(c);
}

k8s_loop *k8s_client_loop(k8s_client *c)
{
    return c->loop;
}

const char *k8s_client_namespace(const k8s_client *c)
{
    return c->config->namespace_ ? c->config->namespace_ : "default";
}

void k8s_client_stats_get(k8s_client *c, k8s_client_stats *out)
{
    out->requests = atomic_load(&c->n_requests);
    out->retries = atomic_load(&c->n_retries);
    out->connections = atomic_load(&c->n_connections);
    out->open_connections = atomic_load(&c->n_open);
    out->streams_per_connection = atomic_load(&c->peer_streams);
}

/* Many watches on one client:
 *
 *   build/bin/bench_watches [WATCHES]        (default 1,000)
 *
 * against the bundled test API server, which allows 100 streams per HTTP/2
 * connection as a kube-apiserver does. Each watch follows the ConfigMaps
 * with a label of its own; then one ConfigMap per watch is created and
 * each watch should see its ADDED event. Meanwhile the same client makes
 * plain calls with timeouts: they should complete (or time out on time)
 * however many streams the watches hold. Prints how many watches the
 * server saw open, how many got their event and how fast, the client's
 * connections, and the calls' latencies and timeout accuracy. Bounded:
 * what has not happened within 30 s is reported as missing. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "k8s/api.h"
#include "k8s/watch.h"
#include "testserver.h"

static test_server srv;

static _Noreturn void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_watches: %s: %s\n", what, detail ? detail : "failed");
    test_server_stop(&srv);
    exit(1);
}

typedef struct watch {
    k8s_watcher *w;
    atomic_uint_fast64_t first_event_ms; /* 0 until its ConfigMap's ADDED came */
} watch;

static void on_event(void *data, k8s_watch_event *ev)
{
    watch *w = data;
    uint_fast64_t zero = 0;
    if (ev->type == K8S_WATCH_ADDED)
        atomic_compare_exchange_strong(&w->first_event_ms, &zero, k8s_now_ms());
}

static void on_end(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)data, (void)code, (void)result, (void)err;
}

static int server_stat(const char *field)
{
    char *body = NULL;
    int v = -1;
    if (test_server_control(&srv, "GET", "/_test/stats", NULL, &body) == 200) {
        cJSON *doc = cJSON_Parse(body);
        cJSON *f = cJSON_GetObjectItem(doc, field);
        if (!f) /* connections.h2 */
            f = cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "connections"), field);
        v = f ? (int)cJSON_GetNumberValue(f) : -1;
        cJSON_Delete(doc);
    }
    free(body);
    return v;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* One call at a time, asynchronously, so that a call that neither
 * completes nor times out cannot hang the benchmark: after three times its
 * timeout it is given up on (and counted as stuck). */
typedef struct pending {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool done;
    k8s_code code;
    uint64_t took;
} pending;

static void call_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result, (void)err;
    pending *p = data;
    pthread_mutex_lock(&p->mu);
    p->done = true;
    p->code = code;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static bool stuck; /* a call is still out there: the client cannot be freed safely */

/* GETs namespace name with timeout_ms; false when it was given up on. */
static bool get_ns(k8s_client *c, const char *name, int timeout_ms, k8s_code *code, uint64_t *took)
{
    pending *p = calloc(1, sizeof *p); /* leaked if the call never ends: its callback may still come */
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cond, NULL);
    k8s_arena *a = k8s_arena_new();
    k8s_get_options go = {.call.timeout_ms = timeout_ms};
    uint64_t t0 = k8s_now_ms(), limit = t0 + 3u * (uint64_t)timeout_ms;
    if (k8s_core_v1_namespace_get_async(c, a, name, &go, call_done, p))
        die("get", NULL);
    pthread_mutex_lock(&p->mu);
    while (!p->done && k8s_now_ms() < limit) {
        pthread_mutex_unlock(&p->mu);
        nanosleep(&(struct timespec){0, 5000000}, NULL);
        pthread_mutex_lock(&p->mu);
    }
    bool done = p->done;
    *code = p->code;
    pthread_mutex_unlock(&p->mu);
    *took = k8s_now_ms() - t0;
    if (!done) {
        stuck = true;
        return false;
    }
    k8s_arena_free(a);
    free(p);
    return true;
}

/* Plain GETs on the watching client, one after another, each with a
 * 5 s timeout: how many completed, and their latencies. */
static void calls_during(k8s_client *c, int n)
{
    uint64_t *lat = calloc((size_t)n, sizeof *lat);
    int ok = 0, timed_out = 0, other = 0, i;
    for (i = 0; i < n; i++) {
        k8s_code rc;
        if (!get_ns(c, "default", 5000, &rc, &lat[i])) {
            printf("  a GET with a 5 s timeout had neither an answer nor a timeout after %llu ms: given up on\n",
                   (unsigned long long)lat[i]);
            break;
        }
        ok += rc == K8S_OK;
        timed_out += rc == K8S_ETIMEDOUT;
        other += rc != K8S_OK && rc != K8S_ETIMEDOUT;
    }
    if (i) {
        qsort(lat, (size_t)i, sizeof *lat, cmp_u64);
        printf("  %d GETs (5 s timeout each) on the same client meanwhile: %d completed, %d timed out, %d failed; "
               "latency median %llu ms, max %llu ms\n",
               i, ok, timed_out, other, (unsigned long long)lat[i / 2], (unsigned long long)lat[i - 1]);
    }
    free(lat);
}

/* Calls that the server never answers, with a 1 s timeout: when do they end? */
static void timeouts_during(k8s_client *c, int n)
{
    if (test_server_control(&srv, "POST", "/_test/faults",
                            "{\"method\":\"GET\",\"path\":\"/api/v1/namespaces/kube-system$\",\"fault\":\"stall\",\"times\":-1}",
                            NULL) != 200)
        die("fault", NULL);
    uint64_t worst = 0, sum = 0;
    int right = 0, i;
    for (i = 0; i < n; i++) {
        k8s_code rc;
        uint64_t took;
        bool ended = get_ns(c, "kube-system", 1000, &rc, &took);
        if (!ended) {
            printf("  a call the server never answers, 1 s timeout: still running after %llu ms: given up on\n",
                   (unsigned long long)took);
            break;
        }
        right += rc == K8S_ETIMEDOUT;
        sum += took;
        if (took > worst)
            worst = took;
    }
    test_server_control(&srv, "DELETE", "/_test/faults", NULL, NULL);
    if (i)
        printf("  %d calls the server never answers, 1 s timeout: %d ended K8S_ETIMEDOUT, after %.0f ms on average, "
               "%llu ms at worst\n",
               i, right, (double)sum / i, (unsigned long long)worst);
}

typedef struct creates {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int done, failed;
} creates;

static void created(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result, (void)err;
    creates *c = data;
    pthread_mutex_lock(&c->mu);
    c->done++;
    c->failed += code != K8S_OK;
    pthread_cond_signal(&c->cond);
    pthread_mutex_unlock(&c->mu);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    if (n <= 0)
        n = 1000;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!test_server_start(&srv, true)) {
        fprintf(stderr, "bench_watches: cannot start the test API server (node and openssl needed)\n");
        return 2;
    }
    const char *kc = test_server_kubeconfig(&srv, "bench", "    token: admin-token");
    k8s_config *cfg;
    k8s_client *c, *writer;
    k8s_error err;
    if (k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = kc}, &err) || k8s_client_new(&c, cfg, NULL, &err) ||
        k8s_client_new(&writer, cfg, &(k8s_client_options){.http1 = true}, &err))
        die("client", err.message);
    printf("%d watches on one client; the server allows 100 streams per HTTP/2 connection (%s)\n", n, srv.url);

    watch *ws = calloc((size_t)n, sizeof *ws);
    char (*selectors)[32] = calloc((size_t)n, sizeof *selectors);
    uint64_t t0 = k8s_now_ms();
    for (int i = 0; i < n; i++) {
        snprintf(selectors[i], sizeof selectors[i], "w=%d", i);
        k8s_watcher_options o = {.list = {.labelSelector = selectors[i]}, .on_event = on_event, .on_end = on_end,
                                 .data = &ws[i]};
        if (k8s_watcher_start(c, &k8s_core_v1_config_map_resource, "default", &o, &ws[i].w))
            die("watch", NULL);
    }
    int open = 0;
    uint64_t until = k8s_now_ms() + 30000;
    while ((open = server_stat("openStreams")) < n && k8s_now_ms() < until)
        nanosleep(&(struct timespec){0, 50000000}, NULL);
    printf("  watches the server sees open: %d of %d after %.1f s (%d HTTP/2 connections)\n", open, n,
           (double)(k8s_now_ms() - t0) / 1000.0, server_stat("h2"));

    calls_during(c, 50);
    timeouts_during(c, 5);

    /* one ConfigMap per watch, from another client */
    creates cr = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};
    k8s_arena **arenas = calloc((size_t)n, sizeof *arenas);
    uint64_t t1 = k8s_now_ms();
    pthread_mutex_lock(&cr.mu);
    for (int i = 0, started = 0; cr.done < n;) {
        while (started < n && started - cr.done < 50) {
            char body[256];
            snprintf(body, sizeof body,
                     "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"cm-%d\",\"labels\":{\"w\":\"%d\"}}}",
                     started, started);
            arenas[started] = k8s_arena_new();
            if (k8s_request_async(writer, arenas[started], "POST", "/api/v1/namespaces/default/configmaps", body, NULL,
                                  created, &cr))
                die("create", NULL);
            started++;
        }
        pthread_cond_wait(&cr.cond, &cr.mu);
        (void)i;
    }
    pthread_mutex_unlock(&cr.mu);
    uint64_t written = k8s_now_ms();
    int got = 0;
    until = written + 30000;
    for (;;) {
        got = 0;
        for (int i = 0; i < n; i++)
            got += atomic_load(&ws[i].first_event_ms) != 0;
        if (got == n || k8s_now_ms() >= until)
            break;
        nanosleep(&(struct timespec){0, 20000000}, NULL);
    }
    uint64_t last = 0;
    for (int i = 0; i < n; i++)
        if (atomic_load(&ws[i].first_event_ms) > last)
            last = atomic_load(&ws[i].first_event_ms);
    printf("  %d ConfigMaps created in %.2f s (%d failed); %d of %d watches got theirs, the last %.2f s after "
           "the last create\n",
           n, (double)(written - t1) / 1000.0, cr.failed, got, n,
           last > written ? (double)(last - written) / 1000.0 : 0.0);
    printf("  HTTP/2 connections the server accepted in all: %d (%d would carry %d streams)\n", server_stat("h2"),
           (n + 99) / 100, n);
    if (stuck) { /* a call never ended: freeing the client could wait for it forever */
        printf("  (calls were still running: the client is not freed)\n");
        test_server_stop(&srv);
        fflush(stdout);
        _exit(0);
    }
    for (int i = 0; i < n; i++)
        k8s_watcher_free(ws[i].w);
    for (int i = 0; i < n; i++)
        k8s_arena_free(arenas[i]);
    free(arenas);
    free(ws);
    free(selectors);
    k8s_client_free(c);
    k8s_client_free(writer);
    k8s_config_free(cfg);
    test_server_stop(&srv);
    return 0;
}

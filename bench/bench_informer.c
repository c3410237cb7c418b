/* Informer benchmark against the bundled test API server (TLS, started here):
 *
 *   build/bin/bench_informer [PODS]        (default 10,000)
 *
 * Loads PODS pods shaped like a Deployment's (labels, owner reference, two
 * containers with ports, env, probes, resources and mounts, the projected
 * service-account volume, tolerations; Running status with conditions and
 * container statuses from the server's fake kubelet) over 10 namespaces,
 * then syncs informers on all namespaces and prints:
 *   - sync time: streaming list vs paged list (500 a page);
 *   - the store's memory (objects' blocks + entry headers + hash table)
 *     against the compact JSON size of the same objects, typed and dynamic
 *     (target <= 1.3x), with what the alternatives would cost: an arena
 *     per object (k8s_copy), and keeping each watch event's arena;
 *   - the heap growth malloc reports over the sync, as a cross-check.
 * It also packs the conformance Pod fixture (every field set) from
 * $K8S_CONFORMANCE_DIR (default: the shared folder's conformance/) as the
 * store would and prints its ratio. */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/api.h"
#include "k8s/informer.h"
#include "pack_internal.h" /* to size the fixture as the store would */
#include "realistic_pod.h"
#include "testserver.h"

static test_server srv;

static _Noreturn void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_informer: %s: %s\n", what, detail ? detail : "failed");
    test_server_stop(&srv);
    exit(1);
}

/* ---- loading ---- */

typedef struct flight {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int done, failed, twice;
    char first_error[256];
} flight;

static void on_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    flight *f = data;
    pthread_mutex_lock(&f->mu);
    f->done++;
    /* a create sent again (libcurl resends requests in flight when an
     * HTTP/2 connection goes away) finds its first copy: counted, not fatal */
    if (code == K8S_ECONFLICT && err->status && err->status->reason &&
        strcmp(err->status->reason, "AlreadyExists") == 0)
        f->twice++;
    else if (code != K8S_OK && !f->failed++)
        snprintf(f->first_error, sizeof f->first_error, "%s", err->message);
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->mu);
}


static void make_namespaces(k8s_client *c, int n)
{
    k8s_arena *a = k8s_arena_new();
    for (int i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "team-%d", i);
        k8s_meta_v1_object_meta meta = {.name = name};
        k8s_core_v1_namespace body = {.metadata = &meta}, *out;
        k8s_error err;
        if (k8s_core_v1_namespace_create(c, a, &body, NULL, &out, &err))
            die("namespace", err.message);
    }
    k8s_arena_free(a);
}

/* Creates the pods, 100 in flight; returns how many were sent twice. */
static int load(k8s_client *c, int pods, int namespaces)
{
    k8s_arena *a = k8s_arena_new();
    k8s_arena **replies = calloc((size_t)pods, sizeof *replies);
    k8s_core_v1_pod **bodies = calloc((size_t)pods, sizeof *bodies);
    static char json[8192];
    k8s_error err;
    for (int i = 0; i < pods; i++) {
        snprintf(json, sizeof json, pod_format, i, i % 40, i, i, i);
        if (k8s_json_decode(&k8s_core_v1_pod_desc, json, strlen(json), a, (void **)&bodies[i], NULL, &err))
            die("pod body", err.message);
    }
    flight f = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, ""};
    int started = 0;
    pthread_mutex_lock(&f.mu);
    while (f.done < pods) {
        while (started < pods && started - f.done < 100) {
            char ns[32];
            snprintf(ns, sizeof ns, "team-%d", started % namespaces);
            replies[started] = k8s_arena_new();
            if (k8s_core_v1_pod_create_async(c, replies[started], ns, bodies[started], NULL, on_done, &f))
                die("submit", NULL);
            started++;
        }
        pthread_cond_wait(&f.cond, &f.mu);
    }
    pthread_mutex_unlock(&f.mu);
    if (f.failed)
        die("creating pods", f.first_error);
    for (int i = 0; i < pods; i++)
        k8s_arena_free(replies[i]);
    free(replies);
    free(bodies);
    k8s_arena_free(a);
    return f.twice;
}

/* ---- measuring ---- */

typedef struct result {
    double sync_s;
    size_t objects, json, store, objects_only;
    size_t heap; /* malloc's in-use growth over start..synced */
    size_t arena_each, event_arenas; /* the alternatives */
    bool streaming;
} result;

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

static result run(k8s_client *c, const k8s_resource *res, bool streaming)
{
    result r = {0};
    k8s_informer_options o = {.namespace_ = K8S_ALL_NAMESPACES, .no_streaming_list = !streaming};
    k8s_informer *inf;
    malloc_trim(0);
    size_t heap0 = heap_in_use();
    uint64_t t0 = k8s_now_ms();
    if (k8s_informer_start(c, res, &o, &inf))
        die("informer", NULL);
    if (k8s_informer_wait_synced(inf, 300000))
        die("sync", "timed out");
    r.sync_s = (double)(k8s_now_ms() - t0) / 1000.0;
    malloc_trim(0);
    r.heap = heap_in_use() - heap0;
    k8s_informer_stats st;
    k8s_informer_stats_get(inf, &st);
    r.objects = st.objects;
    r.store = st.bytes;
    r.objects_only = st.object_bytes;
    r.streaming = st.streaming;

    /* the JSON of what it holds, and what other ways of holding it cost */
    k8s_arena *a = k8s_arena_new();
    void **objs;
    size_t n;
    if (k8s_informer_list(inf, K8S_ALL_NAMESPACES, NULL, a, &objs, &n))
        die("list", NULL);
    k8s_buf b = K8S_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        k8s_error err;
        b.len = 0;
        if (!res->type) {
            r.json += strlen(objs[i]);
            continue;
        }
        if (k8s_json_encode(res->type, objs[i], &b, &err))
            die("encode", err.message);
        r.json += b.len;
        k8s_arena *each = k8s_arena_new();
        k8s_copy(res->type, objs[i], each);
        r.arena_each += k8s_arena_size(each);
        k8s_arena_free(each);
        /* a watch event's arena holds the object's text and its struct */
        k8s_arena *ev = k8s_arena_new();
        void *decoded;
        char *text = k8s_arena_strndup(ev, b.data, b.len);
        if (k8s_json_decode(res->type, text, b.len, ev, &decoded, NULL, &err))
            die("decode", err.message);
        r.event_arenas += k8s_arena_size(ev);
        k8s_arena_free(ev);
    }
    k8s_buf_free(&b);
    k8s_arena_free(a);
    k8s_informer_free(inf);
    return r;
}

static void print_run(const char *what, const result *r)
{
    printf("  %-30s %6zu objects  sync %6.2f s  (%s)\n", what, r->objects, r->sync_s,
           r->streaming ? "streaming list" : "paged list");
    printf("    JSON of the objects          %8.1f MB\n", (double)r->json / 1e6);
    printf("    store                        %8.1f MB   %.2fx the JSON   (target <= 1.3x)\n",
           (double)r->store / 1e6, (double)r->store / (double)r->json);
    printf("      of which objects' blocks   %8.1f MB   %.2fx (each with its key); hash table %.1f MB\n",
           (double)r->objects_only / 1e6, (double)r->objects_only / (double)r->json,
           (double)(r->store - r->objects_only) / 1e6);
    printf("    heap growth over the sync    %8.1f MB   %.2fx (malloc's view: chunk overheads, client buffers)\n",
           (double)r->heap / 1e6, (double)r->heap / (double)r->json);
    if (r->arena_each)
        printf("    instead, an arena per object %8.1f MB   %.2fx; keeping each watch event's arena %.1f MB %.2fx\n",
               (double)r->arena_each / 1e6, (double)r->arena_each / (double)r->json,
               (double)r->event_arenas / 1e6, (double)r->event_arenas / (double)r->json);
}

/* The conformance Pod fixture (every field set; the server would refuse
 * its sample values), packed as the typed store packs each object. */
static void fixture(void)
{
    const char *dir = getenv("K8S_CONFORMANCE_DIR");
    char path[1024];
    if (dir && *dir)
        snprintf(path, sizeof path, "%s/k8s-1.35/core.v1.Pod.json", dir);
    else
        snprintf(path, sizeof path, "%s/conformance/k8s-1.35/core.v1.Pod.json", K8S_DEFAULT_SHARED);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("  (no conformance fixture at %s)\n", path);
        return;
    }
    static char text[1 << 20];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    k8s_arena *a = k8s_arena_new(), *each = k8s_arena_new();
    k8s_core_v1_pod *pod;
    k8s_error err;
    if (k8s_json_decode(&k8s_core_v1_pod_desc, text, len, a, (void **)&pod, NULL, &err))
        die("fixture", err.message);
    k8s_buf b = K8S_BUF_INIT;
    k8s_json_encode(&k8s_core_v1_pod_desc, pod, &b, &err);
    k8s_pack_size ps = k8s_pack_measure(&k8s_core_v1_pod_desc, pod);
    k8s_copy(&k8s_core_v1_pod_desc, pod, each);
    printf("  conformance Pod fixture (every field set): JSON %zu bytes, packed %zu bytes (%.2fx), "
           "arena of its own %zu bytes (%.2fx)\n",
           b.len, ps.fixed + ps.text, (double)(ps.fixed + ps.text) / (double)b.len, k8s_arena_size(each),
           (double)k8s_arena_size(each) / (double)b.len);
    k8s_buf_free(&b);
    k8s_arena_free(each);
    k8s_arena_free(a);
}

int main(int argc, char **argv)
{
    int pods = argc > 1 ? atoi(argv[1]) : 10000;
    if (pods <= 0)
        pods = 10000;
    if (!test_server_start(&srv, true)) {
        fprintf(stderr, "bench_informer: cannot start the test API server (node and openssl needed)\n");
        return 2;
    }
    const char *kc = test_server_kubeconfig(&srv, "bench", "    token: admin-token");
    k8s_config *cfg;
    k8s_client *c;
    k8s_error err;
    if (k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = kc}, &err) || k8s_client_new(&c, cfg, NULL, &err))
        die("client", err.message);
    if (test_server_control(&srv, "POST", "/_test/config", "{\"autoRunPods\":true}", NULL) != 200)
        die("config", NULL);
    make_namespaces(c, 10);
    uint64_t t0 = k8s_now_ms();
    int twice = load(c, pods, 10);
    double load_s = (double)(k8s_now_ms() - t0) / 1000.0;

    static const k8s_resource dyn_pods = {"", "v1", "pods", "Pod", true, NULL, NULL};
    result typed_stream = run(c, &k8s_core_v1_pod_resource, true);
    result typed_list = run(c, &k8s_core_v1_pod_resource, false);
    result dyn = run(c, &dyn_pods, true);

    printf("informer benchmark against the bundled test API server (TLS, %s)\n", srv.url);
    printf("  %d pods loaded in %.1f s over 10 namespaces (%.0f bytes of JSON each)\n", pods, load_s,
           (double)typed_stream.json / (double)typed_stream.objects);
    if (twice)
        printf("  (%d creates reached the server twice and were refused as AlreadyExists)\n", twice);
    print_run("typed Pods", &typed_stream);
    print_run("typed Pods", &typed_list);
    print_run("dynamic Pods (JSON text)", &dyn);
    fixture();

    k8s_client_free(c);
    k8s_config_free(cfg);
    test_server_stop(&srv);
    return 0;
}

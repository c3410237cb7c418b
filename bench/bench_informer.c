/* Informer benchmark against the bundled test API server (TLS, started here):
 *
 *   build/bin/bench_informer [PODS]        (default 10,000; 150,000 is
 *                                           Kubernetes' documented limit)
 *
 * Creates one pod shaped like a Deployment's (labels, owner reference, two
 * containers with ports, env, probes, resources and mounts, the projected
 * service-account volume, tolerations; Running status with conditions and
 * container statuses from the server's fake kubelet; managedFields), has
 * the server copy it PODS - 1 times over 10 namespaces (/_test/clone: a
 * create each would take the Node server minutes), then syncs informers
 * on all namespaces and prints:
 *   - sync time: streaming list vs paged list (500 a page), each next to
 *     the bare transfer of the same bytes from the same server (the same
 *     requests, the bytes counted and dropped), since the Node server's
 *     own time is most of it;
 *   - peak RSS over the sync (the high-water mark, reset before it) next
 *     to the store: no buffer the size of the whole list is held;
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

/* One pod through the API (defaults, status, managedFields), then the
 * server's copies of it. */
static void load(k8s_client *c, int pods)
{
    static char json[8192];
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_pod *body, *out;
    k8s_error err;
    snprintf(json, sizeof json, pod_format, 0, 0, 0, 0, 0);
    if (k8s_json_decode(&k8s_core_v1_pod_desc, json, strlen(json), a, (void **)&body, NULL, &err) ||
        k8s_core_v1_pod_create(c, a, "team-0", body, NULL, &out, &err))
        die("pod", err.message);
    k8s_arena_free(a);
    for (int done = 0; done < pods - 1; done += 2000) { /* batches: each call answers quickly */
        snprintf(json, sizeof json,
                 "{\"resource\":\"pods\",\"namespace\":\"team-0\",\"name\":\"web-5d9c8b7f6d-00000\",\"count\":%d,"
                 "\"start\":%d,\"namespaces\":[\"team-0\",\"team-1\",\"team-2\",\"team-3\",\"team-4\",\"team-5\","
                 "\"team-6\",\"team-7\",\"team-8\",\"team-9\"]}",
                 pods - 1 - done < 2000 ? pods - 1 - done : 2000, done);
        if (test_server_control(&srv, "POST", "/_test/clone", json, NULL) != 200)
            die("clone", NULL);
    }
}

/* ---- measuring ---- */

typedef struct result {
    double sync_s;
    size_t objects, json, store, objects_only;
    size_t heap; /* malloc's in-use growth over start..synced */
    size_t arena_each, event_arenas; /* the alternatives */
    size_t rss_before, rss_peak;      /* VmRSS before the sync, VmHWM over it */
    double bare_s;                    /* the same requests, bytes only */
    size_t bare_bytes;
    bool streaming;
} result;

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* A line of /proc/self/status in bytes ("VmHWM", "VmRSS"). */
static size_t proc_status(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    size_t kb = 0, n = strlen(field);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, field, n) && line[n] == ':')
            kb = strtoul(line + n + 1, NULL, 10);
    if (f)
        fclose(f);
    return kb * 1024;
}

/* Restarts the peak-RSS count (VmHWM) from the current RSS. */
static void reset_peak_rss(void)
{
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (f) {
        fputs("5", f);
        fclose(f);
    }
}

/* ---- the bare transfer: the informer's requests, bytes counted and dropped ---- */

/* Paged lists of every namespace's pods, 500 a page, as the informer asks. */
static double bare_paged(k8s_client *c, size_t *bytes)
{
    char path[1024], cont[768] = "";
    uint64_t t0 = k8s_now_ms();
    *bytes = 0;
    do {
        snprintf(path, sizeof path, "/api/v1/pods?limit=500%s%s", cont[0] ? "&continue=" : "", cont);
        k8s_arena *a = k8s_arena_new();
        char *reply;
        k8s_error err;
        if (k8s_request(c, a, "GET", path, NULL, NULL, &reply, &err))
            die("bare list", err.message);
        *bytes += strlen(reply);
        /* the list's metadata comes first: no need to parse the items */
        const char *p = strstr(reply, "\"continue\":\""), *items = strstr(reply, "\"items\"");
        cont[0] = '\0';
        if (p && (!items || p < items))
            sscanf(p + 12, "%767[^\"]", cont);
        k8s_arena_free(a);
    } while (cont[0]);
    return (double)(k8s_now_ms() - t0) / 1000.0;
}

typedef struct bare_stream_state {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    size_t bytes;
    char tail[64]; /* the marker may straddle two chunks */
    bool seen, ended;
    k8s_call_id id;
} bare_stream_state;

static k8s_code bare_chunk(void *data, const char *bytes, size_t len, k8s_error *err)
{
    (void)err;
    bare_stream_state *b = data;
    static const char marker[] = "k8s.io/initial-events-end";
    char joined[64 + 64];
    size_t t = strlen(b->tail), head = len < 63 ? len : 63;
    memcpy(joined, b->tail, t);
    memcpy(joined + t, bytes, head);
    joined[t + head] = '\0';
    bool seen = strstr(joined, marker) || memmem(bytes, len, marker, sizeof marker - 1);
    size_t keep = len < 40 ? len : 40;
    memcpy(b->tail, bytes + len - keep, keep);
    b->tail[keep] = '\0';
    pthread_mutex_lock(&b->mu);
    b->bytes += len;
    if (seen && !b->seen) {
        b->seen = true;
        pthread_cond_broadcast(&b->cond);
    }
    pthread_mutex_unlock(&b->mu);
    return K8S_OK;
}

static void bare_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)code, (void)result, (void)err;
    bare_stream_state *b = data;
    pthread_mutex_lock(&b->mu);
    b->ended = true;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

/* The streaming list (a watch with sendInitialEvents) up to its
 * initial-events-end bookmark. */
static double bare_streaming(k8s_client *c, size_t *bytes)
{
    bare_stream_state b = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, "", false, false, 0};
    k8s_list_options lo = {.call.id = &b.id, .allowWatchBookmarks = true, .has_sendInitialEvents = true,
                           .sendInitialEvents = true, .resourceVersionMatch = "NotOlderThan", .resourceVersion = ""};
    k8s_op op = {&k8s_core_v1_pod_resource, NULL, K8S_VERB_WATCH, NULL, NULL, NULL};
    k8s_args args = {.namespace_ = K8S_ALL_NAMESPACES, .options = &lo};
    uint64_t t0 = k8s_now_ms();
    if (k8s_stream_async(c, &op, &args, bare_chunk, bare_done, &b))
        die("bare stream", NULL);
    pthread_mutex_lock(&b.mu);
    while (!b.seen && !b.ended)
        pthread_cond_wait(&b.cond, &b.mu);
    double s = (double)(k8s_now_ms() - t0) / 1000.0;
    pthread_mutex_unlock(&b.mu);
    k8s_cancel(c, b.id);
    pthread_mutex_lock(&b.mu);
    while (!b.ended)
        pthread_cond_wait(&b.cond, &b.mu);
    pthread_mutex_unlock(&b.mu);
    if (!b.seen)
        die("bare stream", "ended before the initial events did");
    *bytes = b.bytes;
    return s;
}

static result run(k8s_client *c, const k8s_resource *res, bool streaming)
{
    result r = {0};
    k8s_informer_options o = {.namespace_ = K8S_ALL_NAMESPACES, .no_streaming_list = !streaming};
    k8s_informer *inf;
    malloc_trim(0);
    size_t heap0 = heap_in_use();
    r.rss_before = proc_status("VmRSS");
    reset_peak_rss();
    uint64_t t0 = k8s_now_ms();
    if (k8s_informer_start(c, res, &o, &inf))
        die("informer", NULL);
    if (k8s_informer_wait_synced(inf, -1))
        die("sync", "the client closed");
    r.sync_s = (double)(k8s_now_ms() - t0) / 1000.0;
    r.rss_peak = proc_status("VmHWM");
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
        if (n > 20000)
            continue; /* the alternatives below take long and much memory; 20,000 objects tell it */
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
    r.bare_s = streaming ? bare_streaming(c, &r.bare_bytes) : bare_paged(c, &r.bare_bytes);
    return r;
}

static void print_run(const char *what, const result *r)
{
    printf("  %-30s %6zu objects  sync %6.2f s  (%s)\n", what, r->objects, r->sync_s,
           r->streaming ? "streaming list" : "paged list");
    printf("    the same requests, bytes only %6.2f s  (%.1f MB): the sync takes %.2fx the bare transfer\n",
           r->bare_s, (double)r->bare_bytes / 1e6, r->sync_s / r->bare_s);
    printf("    peak RSS over the sync       %8.1f MB   (%.1f MB before it: +%.1f MB, the store %.1f MB)\n",
           (double)r->rss_peak / 1e6, (double)r->rss_before / 1e6,
           (double)(r->rss_peak - r->rss_before) / 1e6, (double)r->store / 1e6);
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
    setenv("NODE_OPTIONS", "--max-old-space-size=12288", 0); /* the server holds every pod */
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
    setvbuf(stdout, NULL, _IOLBF, 0); /* each figure as soon as it is measured: large runs take long */
    printf("informer benchmark against the bundled test API server (TLS, %s)\n", srv.url);
    uint64_t t0 = k8s_now_ms();
    load(c, pods);
    printf("  %d pods loaded in %.1f s over 10 namespaces\n", pods, (double)(k8s_now_ms() - t0) / 1000.0);
    size_t warm_bytes; /* the server's first pass over fresh objects is slower than the next */
    double warm_s = bare_streaming(c, &warm_bytes);
    printf("  (sync times include the Node server's own: compare them with the bare transfers, the same\n"
           "   requests taken right after each sync; a first bare streaming list warmed the server up:\n"
           "   %.1f MB in %.2f s)\n",
           (double)warm_bytes / 1e6, warm_s);

    static const k8s_resource dyn_pods = {"", "v1", "pods", "Pod", true, NULL, NULL};
    result r = run(c, &k8s_core_v1_pod_resource, true);
    printf("  %.0f bytes of JSON a pod\n", (double)r.json / (double)r.objects);
    print_run("typed Pods", &r);
    r = run(c, &k8s_core_v1_pod_resource, false);
    print_run("typed Pods", &r);
    r = run(c, &dyn_pods, true);
    print_run("dynamic Pods (JSON text)", &r);
    fixture();

    k8s_client_free(c);
    k8s_config_free(cfg);
    test_server_stop(&srv);
    return 0;
}

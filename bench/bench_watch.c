/* Watch benchmark: how many events per second the watch decoder turns
 * into typed structs on one core, for small ConfigMap events and for Pod
 * events, fed in the 2,048-byte pieces the API server writes; cJSON
 * parsing the same lines is the baseline of the same run. Then, when the
 * bundled test server can start, the same through the whole client (TLS,
 * HTTP/2), which the Node.js server limits rather than the client.
 *
 *   build/bin/bench_watch [events]
 *
 * Target: at least 100,000 ConfigMap events/s decoded on one core. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <pthread.h>

#include "k8s/api.h"
#include "k8s/watch.h"
#include "bench_util.h"
#include "internal.h" /* k8s_decode_cache */
#include "testserver.h"
#include "watch_internal.h"

/* As kube-apiserver sends them: compact, managedFields included. */
static const char configmap_event[] =
    "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{"
    "\"name\":\"cm-%06d\",\"namespace\":\"default\",\"uid\":\"6f1c2a4e-8d3b-4c1a-9e2f-%012d\","
    "\"resourceVersion\":\"%d\",\"creationTimestamp\":\"2026-11-22T07:00:00Z\",\"labels\":{\"app\":\"bench\"},"
    "\"managedFields\":[{\"manager\":\"kubectl-client-side-apply\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
    "\"time\":\"2026-11-22T07:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:data\":{\".\":{},"
    "\"f:key\":{}},\"f:metadata\":{\"f:labels\":{\".\":{},\"f:app\":{}}}}}]},\"data\":{\"key\":\"value-%d\"}}}\n";

static const char pod_event[] =
    "{\"type\":\"MODIFIED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":"
    "\"web-7d4b9c8f6-%06d\",\"generateName\":\"web-7d4b9c8f6-\",\"namespace\":\"default\",\"uid\":"
    "\"0b8e2f7a-3c44-4d1e-a1f0-%012d\",\"resourceVersion\":\"%d\",\"creationTimestamp\":"
    "\"2026-11-22T07:00:00Z\",\"labels\":{\"app\":\"web\",\"pod-template-hash\":\"7d4b9c8f6\"},"
    "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"web-7d4b9c8f6\","
    "\"uid\":\"9a0c1d2e-1111-4222-8333-444455556666\",\"controller\":true,\"blockOwnerDeletion\":true}],"
    "\"managedFields\":[{\"manager\":\"kube-controller-manager\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
    "\"time\":\"2026-11-22T07:00:00Z\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:metadata\":{"
    "\"f:generateName\":{},\"f:labels\":{\".\":{},\"f:app\":{},\"f:pod-template-hash\":{}}},\"f:spec\":{"
    "\"f:containers\":{\"k:{\\\"name\\\":\\\"web\\\"}\":{\".\":{},\"f:image\":{},\"f:name\":{}}}}}},"
    "{\"manager\":\"kubelet\",\"operation\":\"Update\",\"apiVersion\":\"v1\",\"time\":\"2026-11-22T07:00:05Z\","
    "\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:status\":{\"f:conditions\":{},\"f:containerStatuses\":{},"
    "\"f:phase\":{},\"f:podIP\":{}}},\"subresource\":\"status\"}]},\"spec\":{\"volumes\":[{\"name\":"
    "\"kube-api-access-x2v9q\",\"projected\":{\"sources\":[{\"serviceAccountToken\":{\"expirationSeconds\":3607,"
    "\"path\":\"token\"}},{\"configMap\":{\"name\":\"kube-root-ca.crt\",\"items\":[{\"key\":\"ca.crt\",\"path\":"
    "\"ca.crt\"}]}}],\"defaultMode\":420}}],\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.27\",\"ports\":"
    "[{\"containerPort\":80,\"protocol\":\"TCP\"}],\"resources\":{\"limits\":{\"cpu\":\"500m\",\"memory\":"
    "\"256Mi\"},\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}},\"volumeMounts\":[{\"name\":"
    "\"kube-api-access-x2v9q\",\"readOnly\":true,\"mountPath\":\"/var/run/secrets/kubernetes.io/serviceaccount\"}],"
    "\"terminationMessagePath\":\"/dev/termination-log\",\"terminationMessagePolicy\":\"File\","
    "\"imagePullPolicy\":\"IfNotPresent\"}],\"restartPolicy\":\"Always\",\"terminationGracePeriodSeconds\":30,"
    "\"dnsPolicy\":\"ClusterFirst\",\"serviceAccountName\":\"default\",\"serviceAccount\":\"default\","
    "\"nodeName\":\"node-3\",\"securityContext\":{},\"schedulerName\":\"default-scheduler\",\"tolerations\":"
    "[{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\",\"effect\":\"NoExecute\","
    "\"tolerationSeconds\":300}],\"priority\":0,\"enableServiceLinks\":true,\"preemptionPolicy\":"
    "\"PreemptLowerPriority\"},\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":"
    "\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"2026-11-22T07:00:05Z\"},{\"type\":\"PodScheduled\","
    "\"status\":\"True\",\"lastProbeTime\":null,\"lastTransitionTime\":\"2026-11-22T07:00:00Z\"}],\"hostIP\":"
    "\"10.0.0.3\",\"podIP\":\"10.244.3.%d\",\"podIPs\":[{\"ip\":\"10.244.3.17\"}],\"startTime\":"
    "\"2026-11-22T07:00:00Z\",\"containerStatuses\":[{\"name\":\"web\",\"state\":{\"running\":{\"startedAt\":"
    "\"2026-11-22T07:00:04Z\"}},\"lastState\":{},\"ready\":true,\"restartCount\":0,\"image\":"
    "\"docker.io/library/nginx:1.27\",\"imageID\":\"docker.io/library/nginx@sha256:"
    "0f04e4f646a3f14bf31d8bc8d885b6c951fdcf42589d06845f64d18aec6a3c4d\",\"containerID\":"
    "\"containerd://5e1f3a9b7c2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f\",\"started\":true}],"
    "\"qosClass\":\"Burstable\"}}}\n";

typedef struct stream {
    char *data;
    size_t len;
    size_t *line_end; /* for the baseline */
    int n;
} stream;

static stream make_stream(const char *fmt, int n)
{
    stream s = {malloc((size_t)n * (strlen(fmt) + 64)), 0, malloc((size_t)n * sizeof(size_t)), n};
    for (int i = 0; i < n; i++) {
        s.len += (size_t)sprintf(s.data + s.len, fmt, i, i, 1000 + i, i % 250);
        s.line_end[i] = s.len;
    }
    return s;
}

typedef struct counter {
    int events;
    size_t max_arena;
} counter;

static void count(void *data, k8s_watch_event *ev)
{
    counter *c = data;
    c->events++;
    size_t a = k8s_arena_size(ev->arena);
    if (a > c->max_arena)
        c->max_arena = a;
}

static double decode_rate(const stream *s, const k8s_type *type, counter *c)
{
    double best = 1e30;
    for (int run = 0; run < 3; run++) {
        k8s_watch_decoder d;
        *c = (counter){0};
        k8s_watch_decoder_init(&d, type, count, c);
        d.cache = k8s_decode_cache_new(); /* the client's, as a watch of one has */
        k8s_error err;
        double t0 = bench_now();
        for (size_t off = 0; off < s->len; off += 2048) {
            size_t n = s->len - off < 2048 ? s->len - off : 2048;
            if (k8s_watch_decoder_feed(&d, s->data + off, n, &err)) {
                fprintf(stderr, "bench_watch: %s: %s\n", err.path, err.message);
                exit(1);
            }
        }
        double t = bench_now() - t0;
        k8s_decode_cache_free(d.cache);
        k8s_watch_decoder_clear(&d);
        if (c->events != s->n) {
            fprintf(stderr, "bench_watch: %d events decoded of %d\n", c->events, s->n);
            exit(1);
        }
        best = t < best ? t : best;
    }
    return s->n / best;
}

static double cjson_rate(const stream *s)
{
    double best = 1e30;
    for (int run = 0; run < 3; run++) {
        double t0 = bench_now();
        size_t start = 0;
        for (int i = 0; i < s->n; i++) {
            cJSON *doc = cJSON_ParseWithLength(s->data + start, s->line_end[i] - start);
            if (!doc)
                exit(1);
            cJSON_Delete(doc);
            start = s->line_end[i];
        }
        double t = bench_now() - t0;
        best = t < best ? t : best;
    }
    return s->n / best;
}

static void report(const char *what, const char *fmt, const k8s_type *type, int n)
{
    stream s = make_stream(fmt, n);
    counter c;
    double typed = decode_rate(&s, type, &c);
    double baseline = cjson_rate(&s);
    printf("  %-10s %6d B/event  typed %9.0f events/s (%6.1f MB/s)  cJSON_Parse %9.0f events/s  %.2fx   "
           "arena/event %zu B\n",
           what, (int)(s.len / (size_t)n), typed, typed * (double)s.len / (double)n / 1e6, baseline,
           typed / baseline, c.max_arena);
    free(s.data);
    free(s.line_end);
}

/* ---- through the client ---- */

typedef struct live {
    k8s_client *client;
    k8s_call_id id;
    int want, events;
    double t_last;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool ended;
} live;

static void on_event(void *data, k8s_watch_event *ev)
{
    live *l = data;
    if (ev->type != K8S_WATCH_BOOKMARK && ++l->events == l->want) {
        l->t_last = bench_now();
        k8s_cancel(l->client, l->id);
    }
}

static void on_end(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)code, (void)result, (void)err;
    live *l = data;
    pthread_mutex_lock(&l->mu);
    l->ended = true;
    pthread_cond_signal(&l->cond);
    pthread_mutex_unlock(&l->mu);
}

/* n ConfigMaps are created, then replayed by a watch from before them:
 * the time from the request to the last event. */
static void end_to_end(int n)
{
    test_server srv;
    if (!test_server_start(&srv, true)) {
        printf("  end to end: skipped (the test server cannot start)\n");
        return;
    }
    k8s_config *cfg;
    k8s_client *c;
    k8s_error err;
    k8s_config_options o = {.kubeconfig = test_server_kubeconfig(&srv, "k", "    token: admin-token")};
    if (k8s_config_load(&cfg, &o, &err) || k8s_client_new(&c, cfg, NULL, &err)) {
        fprintf(stderr, "bench_watch: %s\n", err.message);
        exit(1);
    }
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_config_map_list *list;
    if (k8s_core_v1_config_map_list_get(c, a, "default", NULL, &list, &err))
        exit(1);
    const char *rv = k8s_arena_strdup(a, list->metadata->resourceVersion);
    for (int i = 0; i < n; i++) {
        char name[32], value[32];
        snprintf(name, sizeof name, "cm-%06d", i);
        snprintf(value, sizeof value, "value-%d", i);
        k8s_meta_v1_object_meta meta = {.name = name};
        k8s_string_entry data = {"key", value};
        k8s_core_v1_config_map cm = {.metadata = &meta, .data = &data, .data_len = 1}, *out;
        k8s_arena *r = k8s_arena_new();
        if (k8s_core_v1_config_map_create(c, r, "default", &cm, NULL, &out, &err)) {
            fprintf(stderr, "bench_watch: create: %s\n", err.message);
            exit(1);
        }
        k8s_arena_free(r);
    }
    live l = {.client = c, .want = n};
    pthread_mutex_init(&l.mu, NULL);
    pthread_cond_init(&l.cond, NULL);
    k8s_list_options lo = {.resourceVersion = rv, .call = {.id = &l.id}};
    double t0 = bench_now();
    if (k8s_watch_async(c, &k8s_core_v1_config_map_resource, "default", &lo, on_event, on_end, &l))
        exit(1);
    pthread_mutex_lock(&l.mu);
    while (!l.ended)
        pthread_cond_wait(&l.cond, &l.mu);
    pthread_mutex_unlock(&l.mu);
    printf("  end to end: %d of %d ConfigMap events through TLS + HTTP/2 in %.3f s: %.0f events/s "
           "(bound by the Node.js test server)\n",
           l.events, n, l.t_last - t0, l.events / (l.t_last - t0));
    k8s_arena_free(a);
    k8s_client_free(c);
    k8s_config_free(cfg);
    test_server_stop(&srv);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200000;
    if (n < 1)
        n = 200000;
    printf("watch decoding, one core, 2048-byte pieces (best of 3)\n");
    report("ConfigMap", configmap_event, &k8s_core_v1_config_map_desc, n);
    report("Pod", pod_event, &k8s_core_v1_pod_desc, n / 10);
    printf("  target: >= 100000 ConfigMap events/s\n");
    end_to_end(5000);
    return 0;
}

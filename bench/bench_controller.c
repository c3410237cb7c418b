/* Controller benchmark:
 *
 *   build/bin/bench_controller [KEYS]        (default 100,000)
 *
 *   1. The work queue alone on one thread: KEYS adds, then KEYS gets and
 *      dones; and KEYS add+get+done rounds one key at a time. Prints
 *      operations per second and nanoseconds per key (target: >= 200,000
 *      adds+gets+dones a second on one core: the queue is not the
 *      bottleneck).
 *   2. The queue with 8 worker threads and a trivial worker: KEYS keys
 *      queued, the wall time until all are done, and the CPU it took.
 *   3. A controller (k8s/controller.h) with 8 workers against the bundled
 *      test API server: KEYS keys queued with k8s_controller_enqueue, each
 *      reconciled once by a trivial reconcile (the cache has no such
 *      object: it gets NULL). Keys per second and CPU per key, next to 2.
 * The machine's other load shows in wall times; the CPU figures
 * (getrusage: user + system of this process) are the fairer comparison. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "k8s/api.h"
#include "k8s/controller.h"
#include "k8s/workqueue.h"
#include "bench_util.h"
#include "testserver.h"

static char (*keys)[32];

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "bench_controller: %s\n", what);
    exit(1);
}

/* ---- 1: one thread ---- */

static void queue_alone(int n)
{
    k8s_workqueue *q;
    if (k8s_workqueue_new(NULL, &q))
        die("queue");
    /* one thread: its CPU time is time on one core, whatever else the
     * machine runs; the wall time is printed too */
    double t0 = bench_now(), c0 = bench_cpu_seconds();
    for (int i = 0; i < n; i++)
        k8s_workqueue_add(q, keys[i]);
    double t1 = bench_now(), c1 = bench_cpu_seconds();
    const char *key;
    for (int i = 0; i < n; i++) {
        if (k8s_workqueue_get(q, 0, &key))
            die("get");
        k8s_workqueue_done(q, key);
    }
    double t2 = bench_now(), c2 = bench_cpu_seconds();
    printf("  queue, one thread, %d keys queued then drained (CPU time; wall time in brackets):\n", n);
    printf("    adds %.0f ns a key, gets+dones %.0f ns a key: add+get+done %.0f ns = %.0f keys/s on one core,\n"
           "    %.0f adds+gets+dones/s (target >= 200,000)   [wall: %.0f ns a key]\n",
           (c1 - c0) * 1e9 / n, (c2 - c1) * 1e9 / n, (c2 - c0) * 1e9 / n, n / (c2 - c0), 3.0 * n / (c2 - c0),
           (t2 - t0) * 1e9 / n);
    t0 = bench_now();
    c0 = bench_cpu_seconds();
    for (int i = 0; i < n; i++) { /* a key at a time: the queue mostly empty */
        k8s_workqueue_add(q, keys[i]);
        k8s_workqueue_get(q, 0, &key);
        k8s_workqueue_done(q, key);
    }
    t1 = bench_now();
    c1 = bench_cpu_seconds();
    printf("    one key at a time: %.0f ns a round = %.0f rounds/s on one core   [wall: %.0f ns]\n",
           (c1 - c0) * 1e9 / n, n / (c1 - c0), (t1 - t0) * 1e9 / n);
    k8s_workqueue_free(q);
}

/* ---- 2: eight workers on the queue ---- */

typedef struct pool {
    k8s_workqueue *q;
    atomic_int done;
} pool;

static void *pool_worker(void *arg)
{
    pool *p = arg;
    const char *key;
    while (k8s_workqueue_get(p->q, -1, &key) == K8S_OK) {
        atomic_fetch_add(&p->done, 1);
        k8s_workqueue_done(p->q, key);
    }
    return NULL;
}

static void queue_with_workers(int n, double *wall, double *cpu)
{
    pool p = {0};
    if (k8s_workqueue_new(NULL, &p.q))
        die("queue");
    pthread_t t[8];
    double t0 = bench_now(), c0 = bench_cpu_seconds();
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, pool_worker, &p);
    for (int i = 0; i < n; i++)
        k8s_workqueue_add(p.q, keys[i]);
    k8s_workqueue_shutdown(p.q, K8S_WORKQUEUE_DRAIN, -1);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    *wall = bench_now() - t0;
    *cpu = bench_cpu_seconds() - c0;
    if (atomic_load(&p.done) != n)
        die("keys lost");
    k8s_workqueue_free(p.q);
    printf("  queue, 8 worker threads, %d keys: %.3f s = %.0f keys/s; CPU %.3f s = %.2f us a key\n", n, *wall,
           n / *wall, *cpu, *cpu * 1e6 / n);
}

/* ---- 3: a controller ---- */

static atomic_int reconciled;

static k8s_reconcile_result trivial(k8s_reconcile_ctx *ctx, const void *obj)
{
    (void)ctx;
    (void)obj;
    atomic_fetch_add(&reconciled, 1);
    return K8S_RECONCILED;
}

static void controller(int n, double queue_wall, double queue_cpu)
{
    test_server srv;
    if (!test_server_start(&srv, true))
        die("cannot start the test API server (node and openssl needed)");
    const char *kc = test_server_kubeconfig(&srv, "bench", "    token: admin-token");
    k8s_config *cfg;
    k8s_client *client;
    k8s_error err;
    if (k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = kc}, &err) ||
        k8s_client_new(&client, cfg, NULL, &err))
        die(err.message);
    k8s_controller_options o = {.resource = &k8s_core_v1_config_map_resource, .namespace_ = "kube-public",
                                .reconcile = trivial, .workers = 8};
    k8s_controller *c;
    if (k8s_controller_new(client, &o, &c) || k8s_controller_start(c) || k8s_controller_wait_synced(c, 30000))
        die("controller");
    double t0 = bench_now(), c0 = bench_cpu_seconds();
    for (int i = 0; i < n; i++)
        if (k8s_controller_enqueue(c, "kube-public", keys[i] + strlen("default/")))
            die("enqueue");
    while (atomic_load(&reconciled) < n)
        nanosleep(&(struct timespec){0, 200000}, NULL);
    double wall = bench_now() - t0, cpu = bench_cpu_seconds() - c0;
    k8s_controller_stats st;
    k8s_controller_stats_get(c, &st);
    printf("  controller, 8 workers, %d keys, trivial reconcile: %.3f s = %.0f keys/s; CPU %.3f s = %.2f us a key\n",
           n, wall, n / wall, cpu, cpu * 1e6 / n);
    printf("    (the queue alone: %.2fx the wall time, %.2fx the CPU; the rest is the cache lookup and the arena of\n"
           "     each reconcile)\n",
           queue_wall / wall, queue_cpu / cpu);
    printf("    queue: mean wait %.1f ms, longest %.1f ms; reconciles %llu\n",
           (double)st.queue.latency_ns / (double)st.queue.gets / 1e6, (double)st.queue.latency_max_ns / 1e6,
           (unsigned long long)st.reconciles);
    k8s_controller_free(c);
    k8s_client_free(client);
    k8s_config_free(cfg);
    test_server_stop(&srv);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 100000;
    if (n <= 0)
        n = 100000;
    keys = malloc((size_t)n * sizeof *keys);
    for (int i = 0; i < n; i++)
        snprintf(keys[i], sizeof keys[i], "default/object-%06d", i);
    printf("controller benchmark (%d keys)\n", n);
    queue_alone(n);
    double wall, cpu;
    queue_with_workers(n, &wall, &cpu);
    controller(n, wall, cpu);
    free(keys);
    return 0;
}

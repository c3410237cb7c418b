/* Client benchmark against the bundled test API server (TLS, started here):
 *
 *   build/bin/bench_client
 *
 *  1. client CPU per small GET (process CPU time over 2,000 sequential
 *     GETs of a small ConfigMap; the server is another process);
 *  2. 1,000 GETs one after another vs 100 in flight: requests/s and the
 *     TCP connections opened, over HTTP/2 and over HTTP/1.1;
 *  3. a 5,000-pod list end to end: typed list (transfer + decode) against
 *     the bare transfer of the same reply (as text, no decoding).
 * Targets: <= 30 us CPU per GET; 100 in flight on <= 2 connections over
 * HTTP/2; the typed list within 1.2x the bare transfer. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "k8s/api.h"
#include "testserver.h"

static test_server srv;

/* Process CPU time, and of it the part spent in user space (the rest is
 * the kernel: syscalls, thread hand-offs, and loopback TCP, whose receive
 * side is charged to the sender). */
static double cpu_seconds(double *user)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    if (user)
        *user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static _Noreturn void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_client: %s: %s\n", what, detail ? detail : "failed");
    test_server_stop(&srv);
    exit(1);
}

static k8s_client *client_for(const k8s_config *cfg, bool http1)
{
    k8s_client *c;
    k8s_error err;
    if (k8s_client_new(&c, cfg, &(k8s_client_options){.http1 = http1}, &err))
        die("client", err.message);
    return c;
}

typedef struct flight {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int done, started, total, failed;
    k8s_client *client;
    char first_error[256];
} flight;


static void on_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    flight *f = data;
    pthread_mutex_lock(&f->mu);
    f->done++;
    if (code != K8S_OK && !f->failed++)
        snprintf(f->first_error, sizeof f->first_error, "%s", err->message);
    pthread_cond_signal(&f->cond);
    pthread_mutex_unlock(&f->mu);
}

/* Keeps `width` GETs in flight until `total` have finished. Each call gets
 * its own arena; they are freed at the end. */
static double in_flight(k8s_client *c, int total, int width, k8s_arena **arenas)
{
    flight f = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, total, 0, c, ""};
    uint64_t t0 = k8s_now_ms();
    pthread_mutex_lock(&f.mu);
    while (f.done < total) {
        while (f.started < total && f.started - f.done < width) {
            arenas[f.started] = k8s_arena_new();
            if (k8s_core_v1_config_map_get_async(c, arenas[f.started], "bench", "small", NULL, on_done, &f))
                die("submit", NULL);
            f.started++;
        }
        pthread_cond_wait(&f.cond, &f.mu);
    }
    pthread_mutex_unlock(&f.mu);
    double secs = (double)(k8s_now_ms() - t0) / 1000.0;
    if (f.failed)
        die("GETs in flight", f.first_error);
    for (int i = 0; i < total; i++)
        k8s_arena_free(arenas[i]);
    return secs;
}

static double sequential(k8s_client *c, int n)
{
    uint64_t t0 = k8s_now_ms();
    for (int i = 0; i < n; i++) {
        k8s_arena *a = k8s_arena_new();
        k8s_core_v1_config_map *cm;
        k8s_error err;
        if (k8s_core_v1_config_map_get(c, a, "bench", "small", NULL, &cm, &err))
            die("GET", err.message);
        k8s_arena_free(a);
    }
    return (double)(k8s_now_ms() - t0) / 1000.0;
}

static uint64_t connections(k8s_client *c)
{
    k8s_client_stats st;
    k8s_client_stats_get(c, &st);
    return st.connections;
}

static void seed(k8s_client *c, int pods)
{
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_namespace *ns;
    k8s_meta_v1_object_meta nsmeta = {.name = "bench"};
    if (k8s_core_v1_namespace_create(c, a, &(k8s_core_v1_namespace){.metadata = &nsmeta}, NULL, &ns, &err))
        die("namespace", err.message);
    k8s_string_entry data[] = {{"greeting", "hello"}};
    k8s_meta_v1_object_meta cmmeta = {.name = "small"};
    k8s_core_v1_config_map cmb = {.metadata = &cmmeta, .data = data, .data_len = 1}, *cm;
    if (k8s_core_v1_config_map_create(c, a, "bench", &cmb, NULL, &cm, &err))
        die("configmap", err.message);
    /* pods of a realistic size: labels, two containers with ports, env and
     * resources. Bodies are built first; each call gets its own arena for
     * its reply (a running call owns its arena). */
    k8s_core_v1_pod **bodies = calloc((size_t)pods, sizeof *bodies);
    k8s_arena **replies = calloc((size_t)pods, sizeof *replies);
    for (int i = 0; i < pods; i++) {
        char json[1024];
        snprintf(json, sizeof json,
                 "{\"metadata\":{\"name\":\"pod-%05d\",\"labels\":{\"app\":\"web\",\"tier\":\"frontend\","
                 "\"shard\":\"%d\"},\"annotations\":{\"example.com/owner\":\"team-%d\"}},"
                 "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.27\","
                 "\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}],\"env\":[{\"name\":\"MODE\","
                 "\"value\":\"production\"}],\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"},"
                 "\"limits\":{\"cpu\":\"500m\",\"memory\":\"256Mi\"}}},{\"name\":\"log\",\"image\":"
                 "\"busybox:1.36\",\"args\":[\"tail\",\"-f\",\"/var/log/app.log\"]}]}}",
                 i, i % 16, i % 7);
        if (k8s_json_decode(&k8s_core_v1_pod_desc, json, strlen(json), a, (void **)&bodies[i], NULL, &err))
            die("pod body", err.message);
    }
    flight f = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, pods, 0, c, ""};
    pthread_mutex_lock(&f.mu);
    while (f.done < pods) {
        while (f.started < pods && f.started - f.done < 100) {
            replies[f.started] = k8s_arena_new();
            if (k8s_core_v1_pod_create_async(c, replies[f.started], "bench", bodies[f.started], NULL, on_done, &f))
                die("submit", NULL);
            f.started++;
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
}

int main(void)
{
    if (!test_server_start(&srv, true)) {
        fprintf(stderr, "bench_client: cannot start the test API server (node and openssl needed)\n");
        return 2;
    }
    const char *kc = test_server_kubeconfig(&srv, "bench", "    token: admin-token");
    k8s_config *cfg;
    k8s_error err;
    if (k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = kc}, &err))
        die("config", err.message);
    const int pods = 5000;
    k8s_client *c2 = client_for(cfg, false);
    seed(c2, pods);

    /* 1. CPU per GET */
    sequential(c2, 200); /* warm up: connection, TLS session, caches */
    double user0, user1;
    double cpu0 = cpu_seconds(&user0);
    double wall = sequential(c2, 2000);
    double cpu_per_get = (cpu_seconds(&user1) - cpu0) / 2000 * 1e6;
    double user_per_get = (user1 - user0) / 2000 * 1e6;

    /* 2. sequential vs 100 in flight, HTTP/2 and HTTP/1.1 */
    k8s_arena **arenas = calloc(1000, sizeof *arenas);
    k8s_client *fresh2 = client_for(cfg, false), *fresh1 = client_for(cfg, true);
    double seq2 = sequential(fresh2, 1000);
    uint64_t seq2_conns = connections(fresh2);
    double pu0, pu1, pc0 = cpu_seconds(&pu0);
    double par2 = in_flight(fresh2, 1000, 100, arenas);
    double par_cpu = (cpu_seconds(&pu1) - pc0) / 1000 * 1e6, par_user = (pu1 - pu0) / 1000 * 1e6;
    uint64_t par2_conns = connections(fresh2) - seq2_conns;
    double seq1 = sequential(fresh1, 1000);
    uint64_t seq1_conns = connections(fresh1);
    double par1 = in_flight(fresh1, 1000, 100, arenas);
    uint64_t par1_conns = connections(fresh1) - seq1_conns;

    /* 3. the 5,000-pod list: bare transfer vs typed, best of 3 each */
    double bare = 1e30, typed = 1e30;
    size_t bytes = 0, items = 0;
    for (int run = 0; run < 3; run++) {
        k8s_arena *a = k8s_arena_new();
        char *text;
        uint64_t t0 = k8s_now_ms();
        if (k8s_request(c2, a, "GET", "/api/v1/namespaces/bench/pods", NULL, NULL, &text, &err))
            die("bare list", err.message);
        double t = (double)(k8s_now_ms() - t0) / 1000.0;
        bytes = strlen(text);
        bare = t < bare ? t : bare;
        k8s_arena_free(a);
        a = k8s_arena_new();
        k8s_core_v1_pod_list *list;
        t0 = k8s_now_ms();
        if (k8s_core_v1_pod_list_get(c2, a, "bench", NULL, &list, &err))
            die("typed list", err.message);
        t = (double)(k8s_now_ms() - t0) / 1000.0;
        items = list->items_len;
        typed = t < typed ? t : typed;
        k8s_arena_free(a);
    }

    printf("client benchmark against the bundled test API server (TLS, %s)\n", srv.url);
    printf("  CPU per small GET            %6.1f us   (2000 sequential, %.0f req/s; target <= 30 us)\n",
           cpu_per_get, 2000 / wall);
    printf("      of which user space      %6.1f us   (the rest is kernel: syscalls, thread hand-off, loopback TCP)\n",
           user_per_get);
    printf("  CPU per GET, 100 in flight   %6.1f us   (user space %.1f us; async calls over one HTTP/2 connection)\n",
           par_cpu, par_user);
    printf("  HTTP/2: 1000 sequential      %7.0f req/s on %llu connection(s)\n", 1000 / seq2,
           (unsigned long long)seq2_conns);
    printf("          1000, 100 in flight  %7.0f req/s on %llu new connection(s)   %.1fx the sequential rate"
           "   (target: <= 2 connections in all)\n",
           1000 / par2, (unsigned long long)par2_conns, seq2 / par2);
    printf("  HTTP/1.1: 1000 sequential    %7.0f req/s on %llu connection(s)\n", 1000 / seq1,
           (unsigned long long)seq1_conns);
    printf("          1000, 100 in flight  %7.0f req/s on %llu new connection(s)   %.1fx\n", 1000 / par1,
           (unsigned long long)par1_conns, seq1 / par1);
    printf("  %zu-pod list (%.1f MB)       bare transfer %.3f s, typed %.3f s: %.2fx   (target <= 1.2x)\n",
           items, (double)bytes / 1e6, bare, typed, typed / bare);

    free(arenas);
    k8s_client_free(fresh1);
    k8s_client_free(fresh2);
    k8s_client_free(c2);
    k8s_config_free(cfg);
    test_server_stop(&srv);
    return 0;
}

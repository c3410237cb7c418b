/* exec and port-forward benchmark against the bundled test API server
 * (TLS, started here):
 *
 *   build/bin/bench_exec [ROUND_TRIPS]
 *
 *  1. connect + upgrade: from k8s_exec_start to the open handler, over
 *     fresh sessions (each a new TCP+TLS connection);
 *  2. round trip: one `cat` session; time from writing a 32-byte message
 *     to seeing it echoed on stdout, ROUND_TRIPS times (default 2,000);
 *  3. port-forward: 10 MB written to an echo port through one stream and
 *     read back.
 * Median and 99th percentile where it makes sense. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "k8s/client.h"
#include "k8s/config.h"
#include "k8s/exec.h"
#include "k8s/portforward.h"
#include "testserver.h"

static test_server srv;

static _Noreturn void die(const char *what, const char *detail)
{
    fprintf(stderr, "bench_exec: %s: %s\n", what, detail ? detail : "failed");
    test_server_stop(&srv);
    exit(1);
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    size_t p90 = n * 90 / 100, p99 = n * 99 / 100;
    printf("%-34s median %8.1f us   p90 %8.1f us   p99 %8.1f us   (n=%zu)\n", what, v[n / 2],
           v[p90], v[p99 < n ? p99 : n - 1], n);
}

/* ---- an exec session that signals each event ---- */

typedef struct sess {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool opened, exited;
    size_t got;
    k8s_code code;
    char message[256];
} sess;

static void on_open(void *data, const char *protocol)
{
    (void)protocol;
    sess *s = data;
    pthread_mutex_lock(&s->mu);
    s->opened = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void on_output(void *data, int channel, const char *bytes, size_t len)
{
    (void)channel;
    (void)bytes;
    sess *s = data;
    pthread_mutex_lock(&s->mu);
    s->got += len;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static void on_exit_(void *data, k8s_code code, int status, const k8s_error *err)
{
    (void)status;
    sess *s = data;
    pthread_mutex_lock(&s->mu);
    s->exited = true;
    s->code = code;
    snprintf(s->message, sizeof s->message, "%s", err->message);
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

static k8s_exec *start_cat(k8s_client *c, sess *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    k8s_exec_options o = {
        .command = (const char *[]){"cat", NULL}, .stdin_ = true, .stdout_ = true};
    k8s_exec_handlers h = {on_open, on_output, NULL, on_exit_, s};
    k8s_exec *e;
    if (k8s_exec_start(c, "default", "bench", &o, &h, &e))
        die("exec", "cannot start");
    return e;
}

static void end_cat(k8s_exec *e, sess *s)
{
    k8s_exec_close_stdin(e);
    pthread_mutex_lock(&s->mu);
    while (!s->exited)
        pthread_cond_wait(&s->cond, &s->mu);
    pthread_mutex_unlock(&s->mu);
    if (s->code)
        die("exec", s->message);
    k8s_exec_free(e);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cond);
}

static void bench_connect(k8s_client *c)
{
    enum { N = 50 };
    double v[N];
    for (int i = 0; i < N; i++) {
        sess s;
        double t0 = now_us();
        k8s_exec *e = start_cat(c, &s);
        pthread_mutex_lock(&s.mu);
        while (!s.opened && !s.exited)
            pthread_cond_wait(&s.cond, &s.mu);
        pthread_mutex_unlock(&s.mu);
        v[i] = now_us() - t0;
        if (!s.opened)
            die("connect", s.message);
        end_cat(e, &s);
    }
    report("exec connect + upgrade", v, N);
}

static void bench_round_trip(k8s_client *c, size_t n)
{
    sess s;
    k8s_exec *e = start_cat(c, &s);
    double *v = malloc(n * sizeof *v);
    char msg[32];
    memset(msg, 'x', sizeof msg);
    for (size_t i = 0; i < n + 20; i++) { /* the first 20 warm up */
        pthread_mutex_lock(&s.mu);
        size_t want = s.got + sizeof msg;
        pthread_mutex_unlock(&s.mu);
        double t0 = now_us();
        if (k8s_exec_write(e, msg, sizeof msg))
            die("write", "refused");
        pthread_mutex_lock(&s.mu);
        while (s.got < want && !s.exited)
            pthread_cond_wait(&s.cond, &s.mu);
        pthread_mutex_unlock(&s.mu);
        if (s.exited)
            die("round trip", s.message);
        if (i >= 20)
            v[i - 20] = now_us() - t0;
    }
    report("exec round trip (32 bytes, cat)", v, n);
    free(v);
    end_cat(e, &s);
}

/* ---- port-forward ---- */

typedef struct pf_state {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    size_t got;
    bool closed, writable;
    k8s_code code;
    char message[256];
} pf_state;

static void pf_received(void *data, const char *bytes, size_t len)
{
    (void)bytes;
    pf_state *p = data;
    pthread_mutex_lock(&p->mu);
    p->got += len;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static void pf_writable(void *data)
{
    pf_state *p = data;
    pthread_mutex_lock(&p->mu);
    p->writable = true;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static void pf_close(void *data, k8s_code code, const k8s_error *err)
{
    pf_state *p = data;
    pthread_mutex_lock(&p->mu);
    p->closed = true;
    p->code = code;
    snprintf(p->message, sizeof p->message, "%s", err->message);
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->mu);
}

static void bench_portforward(k8s_client *c)
{
    const size_t total = 10 * 1024 * 1024, chunk = 64 * 1024;
    char *buf = malloc(chunk);
    memset(buf, 'p', chunk);
    pf_state p = {.code = K8S_OK};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cond, NULL);
    k8s_portforward_handlers h = {NULL, pf_received, pf_writable, pf_close, &p};
    k8s_portforward *pf;
    double t0 = now_us();
    if (k8s_portforward_start(c, "default", "bench", 8080, NULL, &h, &pf))
        die("port-forward", "cannot open");
    for (size_t sent = 0; sent < total;) {
        k8s_code rc = k8s_portforward_write(pf, buf, chunk);
        if (rc == K8S_OK) {
            sent += chunk;
            continue;
        }
        if (rc != K8S_EFULL)
            die("port-forward write", k8s_strerror(rc));
        pthread_mutex_lock(&p.mu);
        while (!p.writable && !p.closed)
            pthread_cond_wait(&p.cond, &p.mu);
        p.writable = false;
        pthread_mutex_unlock(&p.mu);
    }
    pthread_mutex_lock(&p.mu);
    while (p.got < total && !p.closed)
        pthread_cond_wait(&p.cond, &p.mu);
    pthread_mutex_unlock(&p.mu);
    double us = now_us() - t0;
    if (p.got < total)
        die("port-forward", p.message);
    printf("%-34s %8.1f ms   (%.1f MB/s each way)\n", "port-forward 10 MB echo", us / 1e3,
           10.0 / (us / 1e6));
    k8s_portforward_finish(pf);
    pthread_mutex_lock(&p.mu);
    while (!p.closed)
        pthread_cond_wait(&p.cond, &p.mu);
    pthread_mutex_unlock(&p.mu);
    k8s_portforward_free(pf);
    free(buf);
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 2000;
    if (n < 1)
        n = 1;
    if (!test_server_start(&srv, true))
        die("test server", "cannot start (node and openssl needed)");
    k8s_config *cfg = NULL;
    k8s_config_options o = {.kubeconfig =
                                test_server_kubeconfig(&srv, "admin", "    token: admin-token")};
    k8s_client *c = NULL;
    k8s_error err;
    if (k8s_config_load(&cfg, &o, &err) || k8s_client_new(&c, cfg, NULL, &err))
        die("client", err.message);
    k8s_arena *a = k8s_arena_new();
    char *reply;
    if (k8s_request(c, a, "POST", "/api/v1/namespaces/default/pods",
                    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"bench\"},"
                    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"busybox:1.36\"}]}}",
                    NULL, &reply, &err))
        die("create pod", err.message);
    k8s_arena_free(a);
    if (test_server_control(&srv, "POST", "/_test/run-pod",
                            "{\"namespace\":\"default\",\"name\":\"bench\"}", NULL) != 200)
        die("run pod", NULL);

    bench_connect(c);
    bench_round_trip(c, n);
    bench_portforward(c);

    k8s_client_free(c);
    k8s_config_free(cfg);
    test_server_stop(&srv);
    return 0;
}

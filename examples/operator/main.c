/* configmapsync: the ConfigMapSync operator (operator.c) as a program.
 * Run as many replicas as you like: they elect a leader through the Lease
 * "configmapsync" and only the leader reconciles.
 *
 *   configmapsync [--install-crd FILE] [--lease-namespace NS] [--identity ID] [--workers N]
 *
 * The cluster comes from $KUBECONFIG (or ~/.kube/config, or in-cluster).
 * --install-crd applies the CustomResourceDefinition in FILE
 * (configmapsync.yaml) and waits until it is served. It runs until
 * SIGINT or SIGTERM (then a leader hands the Lease over at once), or
 * until it loses leadership (then it exits with status 1, as client-go
 * controllers do, to start over as a candidate). */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <k8s/discovery.h>
#include <k8s/leader.h>
#include <k8s/object.h>
#include <k8s/yaml.h>

#include "configmapsync.h"
#include "operator.h"

static pthread_t main_thread;
static volatile sig_atomic_t lost; /* set before the main thread is woken */

static _Noreturn void fail(const char *what, const k8s_error *err)
{
    char msg[600];
    fprintf(stderr, "configmapsync: %s: %s\n", what, err ? k8s_error_format(err, msg, sizeof msg) : "failed");
    exit(2);
}

/* Applies the CRD in path and waits until ConfigMapSyncs are served. */
static void install_crd(k8s_client *client, const char *path)
{
    static const k8s_resource crds = {"apiextensions.k8s.io", "v1", "customresourcedefinitions",
                                      "CustomResourceDefinition", false, NULL, NULL};
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(2);
    }
    static char yaml[1 << 16];
    size_t n = fread(yaml, 1, sizeof yaml, f);
    fclose(f);
    k8s_buf json = K8S_BUF_INIT;
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    if (k8s_yaml_to_json(yaml, n, &json, &err))
        fail(path, &err);
    if (k8s_apply(client, &crds, NULL, json.data, CMS_MANAGER, true, a, NULL, &err))
        fail("installing the CRD", &err);
    k8s_buf_free(&json);
    for (int i = 0;; i++) {
        k8s_resource *r;
        if (k8s_discover_kind(client, a, "sync.example.com/v1", "ConfigMapSync", &r, &err) == K8S_OK)
            break;
        if (i == 300)
            fail("waiting for the CRD to be served", &err);
        usleep(100000);
    }
    k8s_arena_free(a);
}

/* ---- leader election callbacks (on the elector's thread) ---- */

static void started_leading(void *data)
{
    operator *op = data;
    printf("configmapsync: leading\n");
    fflush(stdout);
    k8s_code rc = operator_start(op);
    if (rc) {
        fprintf(stderr, "configmapsync: cannot start the controller: %s\n", k8s_strerror(rc));
        lost = 1;
        pthread_kill(main_thread, SIGTERM);
    }
}

static void stopped_leading(void *data)
{
    operator *op = data;
    bool was = op->controller != NULL;
    operator_stop(op); /* the reconciles under way finish first: then the Lease may go */
    if (was) {
        printf("configmapsync: stopped leading\n");
        fflush(stdout);
        lost = 1;
        pthread_kill(main_thread, SIGUSR1); /* if it was not asked to, the main thread hears of it */
    }
}

static void new_leader(void *data, const char *identity)
{
    (void)data;
    printf("configmapsync: the leader is %s\n", *identity ? identity : "(none)");
    fflush(stdout);
}

int main(int argc, char **argv)
{
    const char *crd = NULL, *lease_ns = NULL, *identity = NULL;
    int workers = 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--install-crd") && i + 1 < argc)
            crd = argv[++i];
        else if (!strcmp(argv[i], "--lease-namespace") && i + 1 < argc)
            lease_ns = argv[++i];
        else if (!strcmp(argv[i], "--identity") && i + 1 < argc)
            identity = argv[++i];
        else if (!strcmp(argv[i], "--workers") && i + 1 < argc)
            workers = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: configmapsync [--install-crd FILE] [--lease-namespace NS] [--identity ID] "
                            "[--workers N]\n");
            return 2;
        }
    }
    char host[256] = "", id[320];
    gethostname(host, sizeof host - 1);
    snprintf(id, sizeof id, "%s-%d", host, (int)getpid());
    if (!identity)
        identity = id;

    /* signals are taken by sigwait below, on this thread only */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    main_thread = pthread_self();

    k8s_config *config;
    k8s_client *client;
    k8s_error err;
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err))
        fail("client", &err);
    if (crd)
        install_crd(client, crd);
    operator op = {.client = client, .workers = workers};
    k8s_event_recorder_options eo = {.reporting_controller = "sync.example.com/configmapsync",
                                     .reporting_instance = identity};
    if (k8s_event_recorder_new(client, &eo, &op.events, &err))
        fail("events", &err);
    k8s_leader_options lo = {.namespace_ = lease_ns, .name = "configmapsync", .identity = identity,
                             .lease_duration_ms = 15000, .renew_deadline_ms = 10000, .retry_period_ms = 2000,
                             .release_on_stop = true,
                             .callbacks = {started_leading, stopped_leading, new_leader, &op}};
    k8s_leader *le;
    if (k8s_leader_start(client, &lo, &le, &err))
        fail("leader election", &err);
    printf("configmapsync: %s is a candidate\n", identity);
    fflush(stdout);

    int sig;
    sigwait(&sigs, &sig);
    k8s_leader_free(le); /* stops the controller if it leads, then releases the Lease */
    k8s_event_recorder_free(op.events);
    k8s_client_free(client);
    k8s_config_free(config);
    printf("configmapsync: %s exits\n", identity);
    return sig == SIGUSR1 && lost ? 1 : 0;
}

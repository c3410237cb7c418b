/* A leader-election candidate in a process of its own, for test_leader's
 * cross-process case:
 *
 *   leader_candidate KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS
 *
 * prints one line per callback, with CLOCK_MONOTONIC milliseconds (one
 * clock for every process on the machine):
 *   started MS | stopped MS | leader IDENTITY MS
 * and ends, releasing the Lease, when its stdin closes. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "k8s/leader.h"

static void say(const char *what, const char *who)
{
    printf("%s%s%s %llu\n", what, who ? " " : "", who ? (*who ? who : "-") : "", (unsigned long long)k8s_now_ms());
    fflush(stdout);
}

static void on_started(void *data)
{
    (void)data;
    say("started", NULL);
}

static void on_stopped(void *data)
{
    (void)data;
    say("stopped", NULL);
}

static void on_new_leader(void *data, const char *identity)
{
    (void)data;
    say("leader", identity);
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: leader_candidate KUBECONFIG NAMESPACE LEASE IDENTITY LEASE_MS RENEW_MS RETRY_MS\n");
        return 2;
    }
    k8s_config *cfg;
    k8s_client *client;
    k8s_leader *le;
    k8s_error err;
    k8s_client_options co = {.user_agent = argv[4]};
    k8s_leader_options o = {.namespace_ = argv[2], .name = argv[3], .identity = argv[4],
                            .lease_duration_ms = atoi(argv[5]), .renew_deadline_ms = atoi(argv[6]),
                            .retry_period_ms = atoi(argv[7]), .release_on_stop = true,
                            .callbacks = {on_started, on_stopped, on_new_leader, NULL}};
    if (k8s_config_load(&cfg, &(k8s_config_options){.kubeconfig = argv[1]}, &err) ||
        k8s_client_new(&client, cfg, &co, &err) || k8s_leader_start(client, &o, &le, &err)) {
        fprintf(stderr, "leader_candidate: %s\n", err.message);
        return 1;
    }
    char buf[64];
    while (read(0, buf, sizeof buf) > 0)
        ;
    k8s_leader_free(le);
    k8s_client_free(client);
    k8s_config_free(cfg);
    say("exit", NULL);
    return 0;
}

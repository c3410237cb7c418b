/* Follows a container's log, as `kubectl logs -f` does, until the
 * container stops or Ctrl-C:
 *
 *   follow_logs [--tail N] [--no-follow] [NAMESPACE POD CONTAINER]
 *   examples/run.sh build/bin/follow_logs --no-follow
 *
 * Without names: pod "web", container "web" in "default". */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <k8s/client.h>
#include <k8s/config.h>
#include <k8s/logs.h>

static k8s_client *client;
static k8s_call_id id;

/* on the client's loop thread, as the bytes come */
static void print(void *data, const char *bytes, size_t len)
{
    (void)data;
    fwrite(bytes, 1, len, stdout);
    fflush(stdout);
}

/* Ctrl-C cancels the follow; a signal handler may not call k8s_cancel,
 * so a thread waits for the signal instead. */
static void *on_signal(void *data)
{
    sigset_t *set = data;
    int sig;
    if (sigwait(set, &sig) == 0)
        k8s_cancel(client, id);
    return NULL;
}

int main(int argc, char **argv)
{
    k8s_log_options opts = {.call.id = &id, .follow = true, .container = "web"};
    const char *namespace_ = "default", *pod = "web";
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--no-follow") == 0) {
            opts.follow = false;
        } else if (strcmp(argv[i], "--tail") == 0 && i + 1 < argc) {
            opts.has_tailLines = true;
            opts.tailLines = atoll(argv[++i]);
        } else {
            fprintf(stderr, "usage: follow_logs [--tail N] [--no-follow] [NAMESPACE POD CONTAINER]\n");
            return 2;
        }
    }
    if (argc - i == 3) {
        namespace_ = argv[i];
        pod = argv[i + 1];
        opts.container = argv[i + 2];
    }

    /* blocked before the client's loop thread starts, so only on_signal sees them */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    k8s_config *config = NULL;
    k8s_error err = {0};
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err)) {
        char msg[600];
        fprintf(stderr, "%s\n", k8s_error_format(&err, msg, sizeof msg));
        k8s_config_free(config);
        return 1;
    }
    pthread_t waiter;
    bool waiting = pthread_create(&waiter, NULL, on_signal, &set) == 0;
    if (k8s_pod_log_stream(client, namespace_, pod, &opts, print, NULL, NULL, &err) && err.code != K8S_ECANCELED) {
        char msg[600];
        fprintf(stderr, "%s\n", k8s_error_format(&err, msg, sizeof msg));
    }
    if (waiting) { /* wake it (its cancel is a no-op now) before the client goes */
        pthread_kill(waiter, SIGTERM);
        pthread_join(waiter, NULL);
    }
    k8s_code code = err.code == K8S_ECANCELED ? K8S_OK : err.code;
    k8s_client_free(client);
    k8s_config_free(config);
    return code ? 1 : 0;
}

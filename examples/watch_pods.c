/* Watches the pods of a namespace (all of them with "--all") and prints
 * each change as it happens, for a given number of seconds:
 *
 *   watch_pods [NAMESPACE | --all] [SECONDS]
 *
 * A k8s_watcher keeps the watch going across dropped connections and
 * server timeouts; it stops on its own only when its resourceVersion has
 * expired (410: list again and start over) or the server refuses it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <k8s/api.h>
#include <k8s/watch.h>

static void on_event(void *data, k8s_watch_event *ev)
{
    (void)data;
    if (ev->type == K8S_WATCH_BOOKMARK)
        return; /* progress markers: the watcher notes their resourceVersion */
    const k8s_core_v1_pod *pod = ev->object; /* on the loop thread: keep it short */
    printf("%-8s %s/%s %s\n", k8s_watch_type_name(ev->type), ev->namespace_, ev->name,
           pod->status && pod->status->phase ? pod->status->phase : "-");
    fflush(stdout);
}

static void on_end(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    if (code != K8S_ECANCELED) { /* anything but our own stop */
        char msg[600];
        fprintf(stderr, "watch ended: %s\n", k8s_error_format(err, msg, sizeof msg));
        *(int *)data = 1;
    }
}

int main(int argc, char **argv)
{
    const char *namespace_ = argc > 1 ? argv[1] : NULL;
    if (namespace_ && strcmp(namespace_, "--all") == 0)
        namespace_ = K8S_ALL_NAMESPACES;
    int seconds = argc > 2 ? atoi(argv[2]) : 2;
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_watcher *watcher = NULL;
    k8s_error err = {0};
    int failed = 0;
    k8s_watcher_options o = {.on_event = on_event, .on_end = on_end, .data = &failed};
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err)) {
        char msg[600];
        fprintf(stderr, "%s\n", k8s_error_format(&err, msg, sizeof msg));
        return 1;
    }
    /* No resourceVersion: the server first sends ADDED for every pod there
     * is, then the changes. */
    if (k8s_watcher_start(client, &k8s_core_v1_pod_resource, namespace_, &o, &watcher) == K8S_OK) {
        sleep((unsigned)seconds);
        k8s_watcher_free(watcher); /* stops it and waits for on_end */
    } else {
        failed = 1;
    }
    k8s_client_free(client);
    k8s_config_free(config);
    return failed;
}

/* Keeps a local copy of every pod in the cluster and prints what changes.
 *   informer [SECONDS]     watch for SECONDS after the first sync (default 1; 0: until killed)
 * Handlers run on the client's loop thread; this thread only waits. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <k8s/api.h>
#include <k8s/informer.h>

static const char *phase(const k8s_core_v1_pod *p)
{
    return p->status && p->status->phase ? p->status->phase : "-";
}

static void on_add(void *data, const void *obj)
{
    const k8s_core_v1_pod *p = obj;
    (*(int *)data)++;
    printf("ADD %s/%s %s\n", p->metadata->namespace_, p->metadata->name, phase(p));
}

static void on_update(void *data, const void *old_obj, const void *new_obj)
{
    const k8s_core_v1_pod *was = old_obj, *p = new_obj;
    (void)data;
    printf("UPDATE %s/%s %s -> %s\n", p->metadata->namespace_, p->metadata->name, phase(was), phase(p));
}

static void on_delete(void *data, const void *obj)
{
    const k8s_core_v1_pod *p = obj;
    (*(int *)data)--;
    printf("DELETE %s/%s\n", p->metadata->namespace_, p->metadata->name);
}

static void on_synced(void *data)
{
    printf("synced %d pods\n", *(int *)data);
    fflush(stdout);
}

static void on_error(void *data, const k8s_error *err)
{
    (void)data;
    fprintf(stderr, "retrying after: %s\n", err->message);
}

int main(int argc, char **argv)
{
    int seconds = argc > 1 ? atoi(argv[1]) : 1;
    int pods = 0;
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_informer *informer = NULL;
    k8s_error err = {0};
    k8s_informer_options opts = {
        .namespace_ = K8S_ALL_NAMESPACES,
        .handlers = {.on_add = on_add, .on_update = on_update, .on_delete = on_delete, .on_synced = on_synced,
                     .on_error = on_error, .data = &pods},
    };
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err)) {
        fprintf(stderr, "%s\n", err.message);
    } else if ((err.code = k8s_informer_start(client, &k8s_core_v1_pod_resource, &opts, &informer)) ||
               (err.code = k8s_informer_wait_synced(informer, 30000))) {
        fprintf(stderr, "informer: %s\n", k8s_strerror(err.code));
    } else {
        /* lookups work from this thread while the loop thread updates the store */
        k8s_arena *arena = k8s_arena_new();
        void **found;
        size_t n;
        if (k8s_informer_list(informer, K8S_ALL_NAMESPACES, "app=web", arena, &found, &n) == K8S_OK)
            printf("%zu pods labelled app=web\n", n);
        k8s_arena_free(arena);
        fflush(stdout);
        for (int i = 0; seconds == 0 || i < seconds; i++)
            sleep(1);
    }
    k8s_informer_free(informer); /* before its client */
    k8s_client_free(client);
    k8s_config_free(config);
    return err.code ? 1 : 0;
}

/* The quickstart: load kubeconfig, get a pod, print its phase and images. */
#include <stdio.h>

#include <k8s/api.h>

int main(int argc, char **argv)
{
    /* pod_get [NAMESPACE] NAME: without NAMESPACE, the kubeconfig's namespace */
    const char *namespace_ = argc > 2 ? argv[1] : NULL;
    const char *name = argc > 2 ? argv[2] : argc > 1 ? argv[1] : "web";
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_arena *arena = k8s_arena_new(); /* the pod lives here; one call frees it */
    k8s_core_v1_pod *pod;
    k8s_error err = {0};
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err) ||
        k8s_core_v1_pod_get(client, arena, namespace_, name, NULL, &pod, &err)) {
        char msg[600];
        fprintf(stderr, "%s\n", k8s_error_format(&err, msg, sizeof msg));
    } else {
        printf("%s: %s\n", pod->metadata->name, pod->status ? pod->status->phase : "(no status)");
        for (size_t i = 0; i < pod->spec->containers_len; i++)
            printf("  %s\n", pod->spec->containers[i].image);
    }
    k8s_arena_free(arena);
    k8s_client_free(client);
    k8s_config_free(config);
    return err.code ? 1 : 0;
}

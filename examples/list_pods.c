/* Lists the pods that match a label selector, in one namespace or all.
 *   list_pods [SELECTOR [NAMESPACE]]      e.g. list_pods app=web
 * Pages of 100 are fetched until the list ends. */
#include <stdio.h>

#include <k8s/api.h>

int main(int argc, char **argv)
{
    k8s_list_options opts = {
        .labelSelector = argc > 1 ? argv[1] : NULL,
        .limit = 100,
        .all_pages = true,
    };
    const char *namespace_ = argc > 2 ? argv[2] : K8S_ALL_NAMESPACES;
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_arena *arena = k8s_arena_new();
    k8s_core_v1_pod_list *pods;
    k8s_error err;
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err) ||
        k8s_core_v1_pod_list_get(client, arena, namespace_, &opts, &pods, &err)) {
        fprintf(stderr, "%s\n", err.message);
    } else {
        for (size_t i = 0; i < pods->items_len; i++) {
            const k8s_core_v1_pod *p = &pods->items[i];
            printf("%-20s %-30s %s\n", p->metadata->namespace_, p->metadata->name,
                   p->status && p->status->phase ? p->status->phase : "-");
        }
        printf("%zu pods\n", pods->items_len);
    }
    k8s_arena_free(arena);
    k8s_client_free(client);
    k8s_config_free(config);
    return err.code ? 1 : 0;
}

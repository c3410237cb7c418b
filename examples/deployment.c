/* Creates a Deployment, scales it with a merge patch, applies a change
 * with server-side apply, and deletes it.   deployment [NAMESPACE] */
#include <stdio.h>

#include <k8s/api.h>

int main(int argc, char **argv)
{
    const char *ns = argc > 1 ? argv[1] : NULL;
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_arena *arena = k8s_arena_new();
    k8s_error err;

    /* the object, built in C: labels, a selector and one container */
    k8s_string_entry labels[] = {{"app", "hello"}};
    k8s_core_v1_container container = {.name = "hello", .image = "nginx:1.27"};
    k8s_core_v1_pod_spec pod_spec = {.containers = &container, .containers_len = 1};
    k8s_meta_v1_object_meta pod_meta = {.labels = labels, .labels_len = 1};
    k8s_core_v1_pod_template_spec template_ = {.metadata = &pod_meta, .spec = &pod_spec};
    k8s_meta_v1_label_selector selector = {.matchLabels = labels, .matchLabels_len = 1};
    k8s_apps_v1_deployment_spec spec = {.has_replicas = true, .replicas = 1, .selector = &selector,
                                        .template_ = &template_};
    k8s_meta_v1_object_meta meta = {.name = "hello"};
    k8s_apps_v1_deployment want = {.kind = "Deployment", .apiVersion = "apps/v1", .metadata = &meta,
                                   .spec = &spec};
    k8s_apps_v1_deployment *d;
    k8s_meta_v1_status *status;
    int rc = 1;
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err))
        goto out;
    if (k8s_apps_v1_deployment_create(client, arena, ns, &want, NULL, &d, &err))
        goto out;
    printf("created %s, generation %lld\n", d->metadata->name, (long long)d->metadata->generation);
    if (k8s_apps_v1_deployment_patch(client, arena, ns, "hello", "{\"spec\":{\"replicas\":3}}", NULL, &d, &err))
        goto out;
    printf("scaled to %d replicas\n", d->spec->replicas);
    container.image = "nginx:1.28";
    k8s_patch_options apply = {.fieldManager = "example", .force = true};
    if (k8s_apps_v1_deployment_apply(client, arena, ns, "hello", &want, &apply, &d, &err))
        goto out;
    printf("applied, image now %s\n", d->spec->template_->spec->containers[0].image);
    k8s_delete_options foreground = {.propagationPolicy = "Foreground"};
    if (k8s_apps_v1_deployment_delete(client, arena, ns, "hello", &foreground, &status, &err))
        goto out;
    printf("deleted\n");
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "%s\n", err.message);
    k8s_arena_free(arena);
    k8s_client_free(client);
    k8s_config_free(config);
    return rc;
}

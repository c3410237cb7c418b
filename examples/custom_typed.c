/* A custom resource with typed calls: the tree k8sgen made from the Widget
 * CRD (examples/crd/widgets.yaml -> examples/crd/demo) is used like the
 * built-in kinds. Compare custom_resource.c, the same resource through the
 * dynamic client.
 *   custom_typed [NAMESPACE]   (needs the Widget CRD installed; examples/run.sh does it) */
#include <stdio.h>

#include <k8s/demo.h>

typedef k8s_demo_example_com_v1_widget widget;

static void show(const widget *w)
{
    printf("%s: size %d, color %s, phase %s\n", w->metadata->name, w->spec->size, w->spec->color,
           w->status && w->status->phase ? w->status->phase : "-");
}

int main(int argc, char **argv)
{
    const char *ns = argc > 1 ? argv[1] : NULL;
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_arena *arena = k8s_arena_new();
    k8s_error err = {0};
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err))
        goto out;

    /* a typed object: absent fields stay out, the server fills in the defaults */
    k8s_demo_example_com_v1_widget_spec_parts parts[] = {
        {.name = "wheel", .weight = {.has_intVal = true, .intVal = 4}},
        {.name = "bell", .weight = {.strVal = "10%"}},
    };
    k8s_demo_example_com_v1_widget_spec spec = {.has_size = true, .size = 3, .parts = parts, .parts_len = 2,
                                                .config = "{\"speed\":\"fast\"}"};
    k8s_meta_v1_object_meta meta = {.name = "sprocket"};
    widget body = {.apiVersion = "demo.example.com/v1", .kind = "Widget", .metadata = &meta, .spec = &spec}, *w;
    if (k8s_demo_example_com_v1_widget_create(client, arena, ns, &body, NULL, &w, &err))
        goto out;
    show(w); /* color: the CRD's default */

    k8s_patch_options merge = {.type = K8S_PATCH_MERGE};
    if (k8s_demo_example_com_v1_widget_patch(client, arena, ns, "sprocket",
                                             "{\"spec\":{\"color\":\"" K8S_DEMO_EXAMPLE_COM_V1_WIDGET_SPEC_COLOR_BLUE "\"}}",
                                             &merge, &w, &err))
        goto out;
    /* the status subresource: what a controller reports */
    if (k8s_demo_example_com_v1_widget_status_patch(client, arena, ns, "sprocket",
                                                    "{\"status\":{\"phase\":\"Ready\",\"readySize\":3}}", &merge, &w,
                                                    &err))
        goto out;
    /* the scale subresource: the built-in autoscaling/v1 Scale */
    k8s_autoscaling_v1_scale *scale;
    if (k8s_demo_example_com_v1_widget_scale_get(client, arena, ns, "sprocket", NULL, &scale, &err))
        goto out;
    printf("scale: %d wanted, %d ready\n", scale->spec->replicas, scale->status->replicas);

    k8s_demo_example_com_v1_widget_list *list;
    if (k8s_demo_example_com_v1_widget_list_get(client, arena, ns, NULL, &list, &err))
        goto out;
    for (size_t i = 0; i < list->items_len; i++)
        show(&list->items[i]);
    if (k8s_demo_example_com_v1_widget_delete(client, arena, ns, "sprocket", NULL, &w, &err))
        goto out;
    printf("deleted\n");
out:
    if (err.code) {
        char msg[600];
        fprintf(stderr, "%s\n", k8s_error_format(&err, msg, sizeof msg));
    }
    k8s_arena_free(arena);
    k8s_client_free(client);
    k8s_config_free(config);
    return err.code ? 1 : 0;
}

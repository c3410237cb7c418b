/* A custom resource through the dynamic client: discovery finds the
 * resource of a kind, objects are JSON text, cJSON reads them.
 *   custom_resource [NAMESPACE]   (needs the Widget CRD, see run.sh) */
#include <stdio.h>

#include <cjson/cJSON.h>
#include <k8s/api.h>
#include <k8s/discovery.h>

int main(int argc, char **argv)
{
    const char *ns = argc > 1 ? argv[1] : NULL;
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_arena *arena = k8s_arena_new();
    k8s_resource *widgets;
    k8s_error err;
    char *json;
    int rc = 1;
    if (k8s_config_default(&config, &err) || k8s_client_new(&client, config, NULL, &err) ||
        k8s_discover_kind(client, arena, "demo.example.com/v1", "Widget", &widgets, &err))
        goto out;
    k8s_op create = {widgets, NULL, K8S_VERB_CREATE, NULL, NULL, NULL};
    k8s_args body = {.namespace_ = ns,
                     .text = "{\"apiVersion\":\"demo.example.com/v1\",\"kind\":\"Widget\","
                             "\"metadata\":{\"name\":\"gizmo\"},\"spec\":{\"size\":3}}"};
    if (k8s_call(client, arena, &create, &body, (void **)&json, &err))
        goto out;
    k8s_op list = {widgets, NULL, K8S_VERB_LIST, NULL, NULL, NULL};
    if (k8s_call(client, arena, &list, &(k8s_args){.namespace_ = ns}, (void **)&json, &err))
        goto out;
    cJSON *doc = cJSON_Parse(json), *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItem(doc, "items"))
    {
        cJSON *meta = cJSON_GetObjectItem(item, "metadata"), *spec = cJSON_GetObjectItem(item, "spec");
        printf("%s: size %d\n", cJSON_GetStringValue(cJSON_GetObjectItem(meta, "name")),
               cJSON_GetObjectItem(spec, "size") ? cJSON_GetObjectItem(spec, "size")->valueint : 0);
    }
    cJSON_Delete(doc);
    k8s_op del = {widgets, NULL, K8S_VERB_DELETE, NULL, NULL, NULL};
    rc = k8s_call(client, arena, &del, &(k8s_args){.namespace_ = ns, .name = "gizmo"}, (void **)&json, &err) ? 1 : 0;
out:
    if (rc)
        fprintf(stderr, "%s\n", err.message);
    k8s_arena_free(arena);
    k8s_client_free(client);
    k8s_config_free(config);
    return rc;
}

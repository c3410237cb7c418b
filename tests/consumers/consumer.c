/* The program every consumer test builds, whichever way it gets k8s-c: it
 * decodes a Pod through the kind registry (k8s::api_types) and, built with
 * K8S_CONSUMER_CALLS, calls the API (k8s::api on k8s::client) at an address
 * where no server listens, which must fail as a transport error. */
#include <stdio.h>
#include <string.h>

#ifdef K8S_CONSUMER_CALLS
#include <k8s/api.h>
#else
#include <k8s/api_types.h>
#endif

static int decode(void)
{
    const char *json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\","
                       "\"namespace\":\"demo\"},\"spec\":{\"containers\":[{\"name\":\"web\","
                       "\"image\":\"nginx:1.27\"}]},\"status\":{\"phase\":\"Running\"}}";
    k8s_arena *arena = k8s_arena_new();
    const k8s_kind_info *kind;
    void *obj;
    k8s_error err;
    if (!arena || k8s_registry_decode(&k8s_api_registry, json, strlen(json), arena, &kind, &obj, NULL, &err)) {
        fprintf(stderr, "decode: %s\n", arena ? err.message : "out of memory");
        k8s_arena_free(arena);
        return 1;
    }
    const k8s_core_v1_pod *pod = obj;
    printf("decoded %s %s/%s: %s, image %s (Kubernetes %s)\n", kind->kind, pod->metadata->namespace_,
           pod->metadata->name, pod->status->phase, pod->spec->containers[0].image, K8S_API_VERSION);
    k8s_arena_free(arena);
    return 0;
}

#ifdef K8S_CONSUMER_CALLS
static int call(void)
{
    const char *kubeconfig = "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                             "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n"
                             "users: [{name: u, user: {token: t}}]\n"
                             "contexts: [{name: c, context: {cluster: c, user: u}}]\n";
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_arena *arena = k8s_arena_new();
    k8s_core_v1_pod *pod;
    k8s_error err;
    k8s_client_options opts = {.max_retries = -1, .timeout_ms = 5000};
    k8s_code rc = k8s_config_parse(&config, kubeconfig, strlen(kubeconfig), "consumer", NULL, &err);
    if (!rc)
        rc = k8s_client_new(&client, config, &opts, &err);
    if (!rc)
        rc = k8s_core_v1_pod_get(client, arena, "demo", "web", NULL, &pod, &err);
    printf("called pod_get with no server: %s\n", k8s_strerror(rc));
    k8s_client_free(client);
    k8s_config_free(config);
    k8s_arena_free(arena);
    return rc == K8S_ETRANSPORT ? 0 : 1;
}
#endif

int main(void)
{
    int rc = decode();
#ifdef K8S_CONSUMER_CALLS
    rc |= call();
#endif
    return rc;
}

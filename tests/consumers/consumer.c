/* The program every consumer test builds, whichever way it gets k8s-c: it
 * decodes a Pod through the kind registry (k8s::api_types) and, built with
 * K8S_CONSUMER_CALLS, calls the API (k8s::api on k8s::client) at an address
 * where no server listens, which must fail as a transport error. Built with
 * K8S_CONSUMER_CRD it does the same with a Widget of the tree of custom
 * resources examples/crd/demo (k8s::demo_types, k8s::demo), added after the
 * runtime and a built-in tree or after the installed package; built with
 * K8S_CONSUMER_CONTROLLER, it also passes a key through a work queue
 * (k8s::controller). */
#include <stdio.h>
#include <string.h>

#ifdef K8S_CONSUMER_CALLS
#include <k8s/api.h>
#ifdef K8S_CONSUMER_CRD
#include <k8s/demo.h>
#endif
#else
#include <k8s/api_types.h>
#ifdef K8S_CONSUMER_CRD
#include <k8s/demo_types.h>
#endif
#endif
#ifdef K8S_CONSUMER_CONTROLLER
#include <k8s/workqueue.h>
#endif

/* The object json decoded with registry, or NULL (said why). */
static void *decode(const k8s_registry *registry, const char *json, k8s_arena *arena)
{
    const k8s_kind_info *kind;
    void *obj;
    k8s_error err;
    if (!arena || k8s_registry_decode(registry, json, strlen(json), arena, &kind, &obj, NULL, &err)) {
        fprintf(stderr, "decode: %s\n", arena ? err.message : "out of memory");
        return NULL;
    }
    return obj;
}

static int decode_pod(void)
{
    const char *json = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\","
                       "\"namespace\":\"demo\"},\"spec\":{\"containers\":[{\"name\":\"web\","
                       "\"image\":\"nginx:1.27\"}]},\"status\":{\"phase\":\"Running\"}}";
    k8s_arena *arena = k8s_arena_new();
    const k8s_core_v1_pod *pod = decode(&k8s_api_registry, json, arena);
    if (pod)
        printf("decoded Pod %s/%s: %s, image %s (Kubernetes %s)\n", pod->metadata->namespace_, pod->metadata->name,
               pod->status->phase, pod->spec->containers[0].image, K8S_API_VERSION);
    k8s_arena_free(arena);
    return pod ? 0 : 1;
}

#ifdef K8S_CONSUMER_CRD
static int decode_widget(void)
{
    const char *json = "{\"apiVersion\":\"demo.example.com/v1\",\"kind\":\"Widget\",\"metadata\":{\"name\":\"gizmo\","
                       "\"namespace\":\"demo\"},\"spec\":{\"size\":3,\"color\":\"blue\","
                       "\"parts\":[{\"name\":\"wheel\",\"weight\":\"10%\"}]}}";
    k8s_arena *arena = k8s_arena_new();
    const k8s_demo_example_com_v1_widget *w = decode(&k8s_demo_registry, json, arena);
    if (w)
        printf("decoded Widget %s/%s: size %d, color %s, part %s weighs %s\n", w->metadata->namespace_,
               w->metadata->name, w->spec->size, w->spec->color, w->spec->parts[0].name,
               w->spec->parts[0].weight.strVal);
    k8s_arena_free(arena);
    return w ? 0 : 1;
}
#endif

#ifdef K8S_CONSUMER_CALLS
/* Each call where no server listens: a transport error. */
static int calls(void)
{
    const char *kubeconfig = "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
                             "clusters: [{name: c, cluster: {server: 'http://127.0.0.1:1'}}]\n"
                             "users: [{name: u, user: {token: t}}]\n"
                             "contexts: [{name: c, context: {cluster: c, user: u}}]\n";
    k8s_config *config = NULL;
    k8s_client *client = NULL;
    k8s_arena *arena = k8s_arena_new();
    k8s_error err;
    k8s_client_options opts = {.max_retries = -1, .timeout_ms = 5000};
    k8s_code rc = k8s_config_parse(&config, kubeconfig, strlen(kubeconfig), "consumer", NULL, &err);
    if (!rc)
        rc = k8s_client_new(&client, config, &opts, &err);
    k8s_code pod_rc = rc;
    if (!rc) {
        k8s_core_v1_pod *pod;
        pod_rc = k8s_core_v1_pod_get(client, arena, "demo", "web", NULL, &pod, &err);
    }
    printf("called pod_get with no server: %s\n", k8s_strerror(pod_rc));
    int failed = pod_rc != K8S_ETRANSPORT;
#ifdef K8S_CONSUMER_CRD
    k8s_code widget_rc = rc;
    if (!rc) {
        k8s_demo_example_com_v1_widget *w;
        widget_rc = k8s_demo_example_com_v1_widget_get(client, arena, "demo", "gizmo", NULL, &w, &err);
    }
    printf("called widget_get with no server: %s\n", k8s_strerror(widget_rc));
    failed |= widget_rc != K8S_ETRANSPORT;
#endif
    k8s_client_free(client);
    k8s_config_free(config);
    k8s_arena_free(arena);
    return failed;
}
#endif

#ifdef K8S_CONSUMER_CONTROLLER
static int queue(void)
{
    k8s_workqueue *q;
    const char *key = NULL;
    if (k8s_workqueue_new(NULL, &q))
        return 1;
    k8s_code rc = k8s_workqueue_add(q, "demo/web");
    if (!rc)
        rc = k8s_workqueue_get(q, 1000, &key);
    if (!rc) {
        printf("work queue handed out %s\n", key);
        k8s_workqueue_done(q, key);
    }
    k8s_workqueue_shutdown(q, K8S_WORKQUEUE_DROP, -1);
    k8s_workqueue_free(q);
    return rc != K8S_OK;
}
#endif

int main(void)
{
    int rc = decode_pod();
#ifdef K8S_CONSUMER_CRD
    rc |= decode_widget();
#endif
#ifdef K8S_CONSUMER_CALLS
    rc |= calls();
#endif
#ifdef K8S_CONSUMER_CONTROLLER
    rc |= queue();
#endif
    return rc;
}

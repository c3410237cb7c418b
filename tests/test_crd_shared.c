/* The tree k8sgen --crd makes from the real CRDs in ../shared/crds (Gateway
 * API, prometheus-operator, Argo Rollouts; generated at build time by
 * tests/CMakeLists.txt): random objects of every served version of every
 * CRD round-trip through JSON and YAML; the objects those projects' users
 * write (tests/crd/examples) decode into typed structs with nothing
 * unknown and nothing missing; and the test API server, with the CRDs
 * installed, serves them through the typed calls, watches and informers.
 * Exits 77 (skipped) without ../shared. */
#define _GNU_SOURCE
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "crdutil.h"
#include "fixture.h"
#include "k8s/crd_shared.h"
#include "k8s/informer.h"
#include "k8s/validate.h"
#include "k8s/watch.h"
#include "k8s/yaml.h"
#include "testutil.h"

static char crds_dir[1024];

/* Every CRD file under crds_dir, sorted, NULL-terminated. */
static char **crd_files(void)
{
    static const char *const projects[] = {"argo-rollouts", "gateway-api", "prometheus-operator"};
    char **all = calloc(1, sizeof *all);
    size_t n = 0;
    for (size_t p = 0; p < 3; p++) {
        char dir[1200];
        snprintf(dir, sizeof dir, "%s/%s", crds_dir, projects[p]);
        char **files = test_list_dir(dir, ".yaml");
        for (char **f = files; f && *f; f++) {
            all = realloc(all, (n + 2) * sizeof *all);
            all[n] = malloc(strlen(dir) + strlen(*f) + 2);
            sprintf(all[n++], "%s/%s", dir, *f);
            all[n] = NULL;
        }
        test_free_list(files);
    }
    return all;
}

typedef struct random_run {
    uint64_t rng;
    size_t objects, versions;
    int rounds;
} random_run;

static void random_version(void *ctx, const char *group, const char *version, const char *kind, const cJSON *schema)
{
    random_run *run = ctx;
    char why[1024];
    run->versions++;
    for (int i = 0; i < run->rounds; i++, run->objects++)
        if (!crd_roundtrip_random(&k8s_crd_shared_registry, &run->rng, schema, group, version, kind, why, sizeof why))
            fail_msg("%s", why);
}

static void test_random_objects_of_every_crd(void **state)
{
    (void)state;
    const char *s = getenv("K8S_RANDOM_SEED"), *r = getenv("K8S_RANDOM_ROUNDS");
    random_run run = {s ? strtoull(s, NULL, 10) : 20260312, 0, 0, r ? atoi(r) : 25};
    char **files = crd_files();
    size_t ncrds = 0;
    for (char **f = files; *f; f++) {
        cJSON **docs = crd_read_docs(*f);
        assert_non_null(docs);
        for (cJSON **d = docs; *d; d++) {
            const char *kind = cJSON_GetStringValue(cJSON_GetObjectItem(*d, "kind"));
            if (kind && strcmp(kind, "CustomResourceDefinition") == 0) {
                crd_each_version(*d, random_version, &run);
                ncrds++;
            }
        }
        crd_free_docs(docs);
    }
    test_free_list(files);
    assert_int_equal(ncrds, 25);
    print_message("%zu random objects of %zu served versions of %zu CRDs round-tripped, JSON and YAML\n", run.objects,
                  run.versions, ncrds);
}

static void collect(void *ctx, k8s_severity severity, const k8s_error *e)
{
    (void)severity;
    k8s_buf *b = ctx;
    k8s_buf_append_str(b, e->path);
    k8s_buf_append_str(b, ": ");
    k8s_buf_append_str(b, e->message);
    k8s_buf_append_str(b, "\n");
}

/* Every document of examples/NAME.yaml: decoded strictly (an unknown field
 * is an error), valid, the same JSON again when encoded. The objects are
 * kept in arena, in order. */
static void **read_examples(const char *name, k8s_arena *arena, size_t *n)
{
    char path[1024];
    const char *src = getenv("K8S_SOURCE_DIR");
    snprintf(path, sizeof path, "%s/tests/crd/examples/%s.yaml", src ? src : "..", name);
    size_t len;
    char *data = test_read_file(path, &len);
    assert_non_null(data);
    k8s_yaml_reader *ys;
    k8s_error err;
    assert_int_equal(k8s_yaml_reader_start(&ys, data, len, &err), K8S_OK);
    void **objs = k8s_arena_alloc(arena, 32 * sizeof *objs);
    k8s_buf json = K8S_BUF_INIT, out = K8S_BUF_INIT, problems = K8S_BUF_INIT;
    k8s_decode_options strict = {.reject_unknown = true};
    *n = 0;
    while (k8s_yaml_reader_next(ys, &json, &err) == K8S_OK) {
        const k8s_kind_info *info;
        void *obj;
        if (k8s_registry_decode(&k8s_crd_shared_registry, json.data, json.len, arena, &info, &obj, &strict, &err)) {
            k8s_yaml_reader_locate(ys, &err);
            fail_msg("%s document %zu: line %d: %s: %s", name, k8s_yaml_reader_document_index(ys), err.line, err.path,
                     err.message);
        }
        if (k8s_validate(info->type, obj, collect, &problems))
            fail_msg("%s document %zu (%s): %s", name, k8s_yaml_reader_document_index(ys), info->kind, problems.data);
        out.len = 0;
        assert_int_equal(k8s_json_encode(info->type, obj, &out, &err), K8S_OK);
        char why[512];
        if (!same_json(json.data, out.data, why, sizeof why))
            fail_msg("%s document %zu: %s", name, k8s_yaml_reader_document_index(ys), why);
        objs[(*n)++] = obj;
    }
    k8s_yaml_reader_free(ys);
    k8s_buf_free(&json);
    k8s_buf_free(&out);
    k8s_buf_free(&problems);
    free(data);
    return objs;
}

static void test_gateway_api_examples(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    size_t n;
    void **o = read_examples("gateway-api", a, &n);
    assert_int_equal(n, 5);
    const k8s_gateway_networking_k8s_io_v1_gateway_class *gc = o[0];
    assert_string_equal(gc->spec->controllerName, "example.com/gateway-controller");
    const k8s_gateway_networking_k8s_io_v1_gateway *gw = o[1];
    assert_int_equal(gw->spec->listeners_len, 2);
    assert_int_equal(gw->spec->listeners[1].port, 443);
    assert_string_equal(gw->spec->listeners[1].tls->certificateRefs[0].name, "example-com-tls");
    assert_string_equal(gw->spec->listeners[1].allowedRoutes->namespaces->selector->matchLabels[0].value, "true");
    const k8s_gateway_networking_k8s_io_v1_http_route *route = o[2];
    const k8s_gateway_networking_k8s_io_v1_http_route_spec_rules_matches *m = &route->spec->rules[0].matches[0];
    assert_string_equal(m->path->type, "PathPrefix");
    assert_string_equal(m->path->value, "/api");
    assert_string_equal(m->headers[0].name, "x-canary");
    assert_string_equal(route->spec->rules[0].filters[1].urlRewrite->path->replacePrefixMatch, "/");
    assert_int_equal(route->spec->rules[0].backendRefs[1].weight, 90);
    assert_int_equal(route->spec->rules[0].backendRefs[1].port, 8080);
    assert_string_equal(route->spec->rules[0].timeouts->request, "10s");
    assert_string_equal(route->spec->parentRefs[0].sectionName, "https");
    const k8s_gateway_networking_k8s_io_v1_grpc_route *grpc = o[3];
    assert_string_equal(grpc->spec->rules[0].matches[0].method->service, "payments.v1.Payments");
    const k8s_gateway_networking_k8s_io_v1beta1_reference_grant *grant = o[4];
    assert_string_equal(grant->spec->to[0].group, "");
    k8s_arena_free(a);
}

static void test_prometheus_operator_examples(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    size_t n;
    void **o = read_examples("prometheus-operator", a, &n);
    assert_int_equal(n, 6);
    const k8s_monitoring_coreos_com_v1_service_monitor *sm = o[0];
    assert_string_equal(sm->spec->endpoints[0].interval, "30s");
    assert_string_equal(sm->spec->endpoints[0].tlsConfig->ca->secret->key, "ca.crt");
    assert_false(sm->spec->endpoints[0].tlsConfig->insecureSkipVerify);
    assert_true(sm->spec->endpoints[0].tlsConfig->has_insecureSkipVerify);
    assert_string_equal(sm->spec->endpoints[0].relabelings[0].sourceLabels[0], "__meta_kubernetes_pod_name");
    const k8s_monitoring_coreos_com_v1_pod_monitor *pm = o[1];
    assert_string_equal(pm->spec->selector->matchExpressions[0].values[1], "scheduler");
    const k8s_monitoring_coreos_com_v1_prometheus_rule *rule = o[2];
    assert_string_equal(rule->spec->groups[0].rules[1].alert, "HighErrorRate");
    assert_string_equal(rule->spec->groups[0].rules[1].expr.strVal, /* int-or-string */
                        "job:http_errors:rate5m / job:http_requests:rate5m > 0.05");
    assert_string_equal(rule->spec->groups[0].rules[1].annotations[0].value,
                        "{{ $labels.job }} fails more than 5% of requests");
    const k8s_monitoring_coreos_com_v1_prometheus *prom = o[3];
    assert_int_equal(prom->spec->replicas, 2);
    assert_string_equal(prom->spec->resources->requests[0].value.strVal, "400Mi");
    assert_true(prom->spec->resources->limits[1].value.has_intVal); /* cpu: 2 */
    assert_int_equal(prom->spec->resources->limits[1].value.intVal, 2);
    assert_string_equal(prom->spec->storage->volumeClaimTemplate->spec->resources->requests[0].value.strVal, "50Gi");
    assert_int_equal(prom->spec->securityContext->runAsUser, 1000);
    assert_string_equal(prom->spec->alerting->alertmanagers[0].port.strVal, "web");
    assert_int_equal(prom->spec->affinity->podAntiAffinity->preferredDuringSchedulingIgnoredDuringExecution[0].weight,
                     100);
    const k8s_monitoring_coreos_com_v1_alertmanager *am = o[4];
    assert_int_equal(am->spec->replicas, 3);
    const k8s_monitoring_coreos_com_v1alpha1_alertmanager_config *amc = o[5];
    assert_string_equal(amc->spec->route->matchers[0].matchType,
                        K8S_MONITORING_COREOS_COM_V1ALPHA1_ALERTMANAGER_CONFIG_INHIBIT_RULES_SOURCE_MATCH_MATCH_TYPE_EQ);
    assert_string_equal(amc->spec->receivers[0].slackConfigs[0].apiURL->key, "url");
    k8s_arena_free(a);
}

static void test_argo_rollouts_examples(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    size_t n;
    void **o = read_examples("argo-rollouts", a, &n);
    assert_int_equal(n, 5);
    const k8s_argoproj_io_v1alpha1_rollout *ro = o[0];
    assert_int_equal(ro->spec->replicas, 5);
    assert_string_equal(ro->spec->template_->spec->containers[0].image, "argoproj/rollouts-demo:blue");
    assert_int_equal(ro->spec->template_->spec->containers[0].ports[0].containerPort, 8080);
    /* this CRD leaves resource lists free-form: JSON text (test_crd_mapped has them typed) */
    assert_string_equal(ro->spec->template_->spec->containers[0].resources->requests, "{\"cpu\":\"100m\",\"memory\":\"64Mi\"}");
    const k8s_argoproj_io_v1alpha1_rollout_spec_strategy_canary *canary = ro->spec->strategy->canary;
    assert_string_equal(canary->maxSurge.strVal, "25%");
    assert_true(canary->maxUnavailable.has_intVal && canary->maxUnavailable.intVal == 0);
    assert_int_equal(canary->steps_len, 5);
    assert_int_equal(canary->steps[0].setWeight, 20);
    assert_string_equal(canary->steps[1].pause->duration.strVal, "1h");
    assert_non_null(canary->steps[3].pause); /* pause: {} is not absent */
    assert_string_equal(canary->steps[4].analysis->args[0].value, "guestbook-canary");
    const k8s_argoproj_io_v1alpha1_analysis_template *at = o[1];
    assert_non_null(strstr(at->spec->metrics[0].provider->prometheus->query, "{{args.service-name}}"));
    assert_string_equal(at->spec->metrics[0].count.strVal ? "" : "3", "3");
    const k8s_argoproj_io_v1alpha1_cluster_analysis_template *cat = o[2];
    assert_string_equal(cat->spec->metrics[0].provider->job->spec->template_->spec->containers[0].command[2], "exit 0");
    const k8s_argoproj_io_v1alpha1_experiment *ex = o[3];
    assert_string_equal(ex->spec->templates[0].template_->metadata->labels[1].value, "baseline");
    const k8s_argoproj_io_v1alpha1_analysis_run *run = o[4];
    assert_string_equal(run->status->metricResults[0].measurements[0].value, "[0.99]");
    assert_string_equal(run->status->startedAt, "2024-05-06T07:08:09Z");
    k8s_arena_free(a);
}

/* ---- against the test API server ---- */

static void install_crd(const char *file)
{
    char path[1200], why[512];
    snprintf(path, sizeof path, "%s/%s", crds_dir, file);
    if (crd_install(writer, path, why, sizeof why))
        fail_msg("%s", why);
}

static int server_setup(void **state)
{
    fixture_setup(state);
    if (client) {
        install_crd("gateway-api/gateway.networking.k8s.io_httproutes.yaml");
        install_crd("argo-rollouts/rollout-crd.yaml");
        install_crd("prometheus-operator/monitoring.coreos.com_servicemonitors.yaml");
    }
    return 0;
}

static void on_route_event(void *data, k8s_watch_event *ev)
{
    if (ev->type == K8S_WATCH_BOOKMARK)
        return;
    const k8s_gateway_networking_k8s_io_v1_http_route *r = ev->object;
    event_note(data, "%s %s %s\n", k8s_watch_type_name(ev->type), r->metadata->name, r->spec->hostnames[0]);
}

static void on_route_update(void *data, const void *old_obj, const void *new_obj)
{
    const k8s_gateway_networking_k8s_io_v1_http_route *o = old_obj, *n = new_obj;
    event_note(data, "update %s %s -> %s\n", n->metadata->name, o->spec->hostnames[0], n->spec->hostnames[0]);
}

static void test_server_http_routes(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("routes", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    size_t n;
    void **o = read_examples("gateway-api", a, &n);
    k8s_gateway_networking_k8s_io_v1_http_route *route = o[2], *made, *got, *patched, *applied, *st;
    route->metadata->namespace_ = NULL;
    k8s_error err;

    event_log w = EVENT_LOG_INIT, inf_seen = EVENT_LOG_INIT;
    k8s_watcher_options wo = {.on_event = on_route_event, .on_end = ignore_end, .data = &w};
    k8s_watcher *watcher;
    CHECK_OK(k8s_watcher_start(client, &k8s_gateway_networking_k8s_io_v1_http_route_resource, ns, &wo, &watcher));
    k8s_informer_options io = {.namespace_ = ns, .handlers = {.on_update = on_route_update, .data = &inf_seen}};
    k8s_informer *inf;
    CHECK_OK(k8s_informer_start(client, &k8s_gateway_networking_k8s_io_v1_http_route_resource, &io, &inf));
    CHECK_OK(k8s_informer_wait_synced(inf, 10000));

    CHECK_OK(k8s_gateway_networking_k8s_io_v1_http_route_create(client, a, ns, route, NULL, &made, &err));
    assert_string_equal(made->spec->rules[0].matches[0].path->value, "/api");
    assert_string_equal(made->spec->rules[1].matches[0].path->type, "Exact");
    assert_true(event_logged(&w, "ADDED store store.example.com\n"));

    CHECK_OK(k8s_gateway_networking_k8s_io_v1_http_route_get(client, a, ns, "store", NULL, &got, &err));
    assert_int_equal(got->spec->rules[0].backendRefs[0].weight, 10);
    k8s_gateway_networking_k8s_io_v1_http_route_list *list;
    CHECK_OK(k8s_gateway_networking_k8s_io_v1_http_route_list_get(client, a, ns, NULL, &list, &err));
    assert_int_equal(list->items_len, 1);

    k8s_patch_options po = {.type = K8S_PATCH_MERGE};
    CHECK_OK(k8s_gateway_networking_k8s_io_v1_http_route_patch(client, a, ns, "store",
                                                                 "{\"spec\":{\"hostnames\":[\"shop.example.com\"]}}",
                                                                 &po, &patched, &err));
    assert_string_equal(patched->spec->hostnames[0], "shop.example.com");
    assert_true(event_logged(&w, "MODIFIED store shop.example.com\n"));
    assert_true(event_logged(&inf_seen, "update store store.example.com -> shop.example.com\n"));

    char *hosts[] = {"apply.example.com"};
    route->spec->hostnames = hosts;
    k8s_patch_options ao = {.fieldManager = "crd-shared-test", .force = true};
    CHECK_OK(k8s_gateway_networking_k8s_io_v1_http_route_apply(client, a, ns, "store", route, &ao, &applied, &err));
    assert_string_equal(applied->spec->hostnames[0], "apply.example.com");

    /* the status subresource: a controller reports the route accepted */
    k8s_gateway_networking_k8s_io_v1_http_route_status_parents_conditions cond = {
        .type = "Accepted", .status = "True", .reason = "Accepted", .message = "ok",
        .lastTransitionTime = "2024-05-06T07:08:09Z", .has_observedGeneration = true, .observedGeneration = 1};
    /* the same schema as spec.parentRefs: the same type */
    k8s_gateway_networking_k8s_io_v1_http_route_spec_parent_refs parent = {.name = "web", .namespace_ = "infra"};
    k8s_gateway_networking_k8s_io_v1_http_route_status_parents parents = {
        .controllerName = "example.com/gateway-controller", .parentRef = &parent, .conditions = &cond,
        .conditions_len = 1};
    k8s_gateway_networking_k8s_io_v1_http_route_status status = {.parents = &parents, .parents_len = 1};
    applied->status = &status;
    CHECK_OK(k8s_gateway_networking_k8s_io_v1_http_route_status_replace(client, a, ns, "store", applied, NULL, &st,
                                                                          &err));
    assert_string_equal(st->status->parents[0].conditions[0].reason, "Accepted");
    CHECK_OK(k8s_gateway_networking_k8s_io_v1_http_route_status_get(client, a, ns, "store", NULL, &st, &err));
    assert_string_equal(st->status->parents[0].parentRef->name, "web");

    k8s_gateway_networking_k8s_io_v1_http_route *deleted;
    CHECK_OK(k8s_gateway_networking_k8s_io_v1_http_route_delete(client, a, ns, "store", NULL, &deleted, &err));
    assert_true(event_logged(&w, "DELETED store apply.example.com\n"));
    k8s_informer_free(inf);
    k8s_watcher_free(watcher);
    k8s_arena_free(a);
}

static void test_server_rollouts_and_monitors(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("rollouts", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    size_t n;
    void **o = read_examples("argo-rollouts", a, &n);
    k8s_argoproj_io_v1alpha1_rollout *ro = o[0], *made, *st;
    ro->metadata->namespace_ = NULL;
    k8s_error err;
    CHECK_OK(k8s_argoproj_io_v1alpha1_rollout_create(client, a, ns, ro, NULL, &made, &err));
    assert_string_equal(made->spec->strategy->canary->steps[1].pause->duration.strVal, "1h");
    k8s_patch_options po = {.type = K8S_PATCH_MERGE};
    CHECK_OK(k8s_argoproj_io_v1alpha1_rollout_status_patch(
        client, a, ns, "guestbook", "{\"status\":{\"phase\":\"Healthy\",\"HPAReplicas\":5,\"selector\":\"app=guestbook\"}}",
        &po, &st, &err));
    assert_string_equal(st->status->phase, "Healthy");
    k8s_autoscaling_v1_scale *scale;
    CHECK_OK(k8s_argoproj_io_v1alpha1_rollout_scale_get(client, a, ns, "guestbook", NULL, &scale, &err));
    assert_int_equal(scale->spec->replicas, 5);
    assert_int_equal(scale->status->replicas, 5);
    k8s_argoproj_io_v1alpha1_rollout *gone;
    CHECK_OK(k8s_argoproj_io_v1alpha1_rollout_delete(client, a, ns, "guestbook", NULL, &gone, &err));

    void **p = read_examples("prometheus-operator", a, &n);
    k8s_monitoring_coreos_com_v1_service_monitor *sm = p[0], *sm_made;
    sm->metadata->namespace_ = NULL;
    CHECK_OK(k8s_monitoring_coreos_com_v1_service_monitor_create(client, a, ns, sm, NULL, &sm_made, &err));
    assert_string_equal(sm_made->spec->endpoints[0].tlsConfig->ca->secret->name, "api-ca");
    k8s_monitoring_coreos_com_v1_service_monitor_list *sms;
    CHECK_OK(k8s_monitoring_coreos_com_v1_service_monitor_list_delete(client, a, ns, NULL, NULL, &sms, &err));
    k8s_arena_free(a);
}

int main(void)
{
    const char *shared = test_shared_dir();
    struct stat st;
    if (shared)
        snprintf(crds_dir, sizeof crds_dir, "%s/crds", shared);
    if (!shared || stat(crds_dir, &st) != 0) {
        printf("no CRDs at %s: skipped (set K8S_SHARED_DIR)\n", shared ? crds_dir : "../shared/crds");
        return 77;
    }
    const struct CMUnitTest offline[] = {
        cmocka_unit_test(test_random_objects_of_every_crd),
        cmocka_unit_test(test_gateway_api_examples),
        cmocka_unit_test(test_prometheus_operator_examples),
        cmocka_unit_test(test_argo_rollouts_examples),
    };
    const struct CMUnitTest server[] = {
        cmocka_unit_test(test_server_http_routes),
        cmocka_unit_test(test_server_rollouts_and_monitors),
    };
    int failed = cmocka_run_group_tests_name("offline", offline, NULL, NULL);
    return failed + cmocka_run_group_tests_name("server", server, server_setup, fixture_teardown);
}

/* The client against the bundled test API server (TLS, HTTP/1.1 and 2):
 * every verb family, subresources, paging, patches, typed errors, auth
 * modes, fault switches, async semantics, threads, rate limits.
 *
 * With K8S_TEST_KUBECONFIG naming a kubeconfig, the tests that do not need
 * the test server's switches run against that cluster instead, in a
 * namespace of their own that is removed afterwards. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <sys/stat.h>

#include "k8s/api.h"
#include "k8s/discovery.h"
#include "k8s/watch.h"
#include "internal.h"
#include "testserver.h"
#include "testutil.h"

static test_server srv;
static bool have_server, real_cluster;
static k8s_config *cfg;
static k8s_client *client;
static char ns[64];

#define ERRMSG(err) ((err).message[0] ? (err).message : k8s_strerror((err).code))
#define CHECK_OK(call)                                                                  \
    do {                                                                                \
        k8s_code rc_ = (call);                                                          \
        if (rc_ != K8S_OK)                                                              \
            fail_msg("%s: %s (%s)", #call, k8s_strerror(rc_), ERRMSG(err));             \
    } while (0)

static k8s_config *load(const char *kubeconfig)
{
    k8s_config *c = NULL;
    k8s_error err;
    k8s_config_options o = {.kubeconfig = kubeconfig};
    if (k8s_config_load(&c, &o, &err) != K8S_OK)
        fail_msg("config %s: %s", kubeconfig, err.message);
    return c;
}

static k8s_client *make_client(const k8s_config *c, const k8s_client_options *o)
{
    k8s_client *cl = NULL;
    k8s_error err;
    if (k8s_client_new(&cl, c, o, &err) != K8S_OK)
        fail_msg("client: %s", err.message);
    return cl;
}

static void fault(const char *json)
{
    assert_int_equal(test_server_control(&srv, "POST", "/_test/faults", json, NULL), 200);
}

static void need_server(void)
{
    if (!have_server) {
        test_skip("needs the bundled test server's switches, not a real cluster");
    }
}

static int setup(void **state)
{
    (void)state;
    const char *real = getenv("K8S_TEST_KUBECONFIG");
    if (real && *real) {
        real_cluster = true;
        cfg = load(real);
    } else {
        if (!test_server_start(&srv, true))
            return 0; /* every test skips */
        have_server = true;
        cfg = load(test_server_kubeconfig(&srv, "admin", "    token: admin-token"));
    }
    client = make_client(cfg, NULL);
    snprintf(ns, sizeof ns, "k8s-c-test-%d", (int)getpid());
    k8s_arena *a = k8s_arena_new();
    k8s_meta_v1_object_meta meta = {.name = ns};
    k8s_core_v1_namespace body = {.metadata = &meta};
    k8s_core_v1_namespace *created;
    k8s_error err;
    CHECK_OK(k8s_core_v1_namespace_create(client, a, &body, NULL, &created, &err));
    k8s_arena_free(a);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (client) {
        k8s_arena *a = k8s_arena_new();
        k8s_meta_v1_status *gone;
        k8s_core_v1_namespace_delete(client, a, ns, NULL, &gone, NULL);
        k8s_arena_free(a);
    }
    k8s_client_free(client);
    k8s_config_free(cfg);
    if (have_server)
        test_server_stop(&srv);
    return 0;
}

static void need_client(void)
{
    if (!client) {
        test_skip("the test API server could not start (node or openssl missing?)");
    }
}

static k8s_core_v1_config_map *make_cm(k8s_arena *a, const char *name, const char *label)
{
    k8s_core_v1_config_map *cm = k8s_arena_alloc(a, sizeof *cm);
    cm->metadata = k8s_arena_alloc(a, sizeof *cm->metadata);
    cm->metadata->name = k8s_arena_strdup(a, name);
    if (label) {
        cm->metadata->labels = k8s_arena_alloc(a, sizeof(k8s_string_entry));
        cm->metadata->labels[0] = (k8s_string_entry){"app", k8s_arena_strdup(a, label)};
        cm->metadata->labels_len = 1;
    }
    cm->data = k8s_arena_alloc(a, 2 * sizeof(k8s_string_entry));
    cm->data[0] = (k8s_string_entry){"key", "value"};
    cm->data[1] = (k8s_string_entry){"empty", ""};
    cm->data_len = 2;
    cm->has_immutable = true;
    cm->immutable = false;
    return cm;
}

static const char *data_of(const k8s_core_v1_config_map *cm, const char *key)
{
    for (size_t i = 0; i < cm->data_len; i++)
        if (strcmp(cm->data[i].key, key) == 0)
            return cm->data[i].value;
    return NULL;
}

/* ---- CRUD and typed errors ---- */

static void test_crud_and_errors(void **state)
{
    (void)state;
    need_client();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_config_map *cm, *got, *again;
    CHECK_OK(k8s_core_v1_config_map_create(client, a, ns, make_cm(a, "crud", NULL), NULL, &cm, &err));
    assert_non_null(cm->metadata->uid);
    assert_non_null(cm->metadata->resourceVersion);
    assert_string_equal(data_of(cm, "empty"), ""); /* "" and false went out and came back */
    assert_true(cm->has_immutable && !cm->immutable);

    CHECK_OK(k8s_core_v1_config_map_get(client, a, ns, "crud", NULL, &got, &err));
    assert_string_equal(got->metadata->uid, cm->metadata->uid);
    assert_string_equal(data_of(got, "key"), "value");

    /* replace at the current version works; at a stale one it conflicts */
    for (size_t i = 0; i < got->data_len; i++)
        if (strcmp(got->data[i].key, "key") == 0)
            got->data[i].value = "changed";
    CHECK_OK(k8s_core_v1_config_map_replace(client, a, ns, "crud", got, NULL, &again, &err));
    assert_string_equal(data_of(again, "key"), "changed");
    assert_int_equal(k8s_core_v1_config_map_replace(client, a, ns, "crud", got, NULL, &again, &err), K8S_ECONFLICT);
    assert_int_equal(err.http_status, 409);
    assert_non_null(err.status);
    assert_string_equal(err.status->reason, "Conflict");
    assert_non_null(strstr(err.message, "the object has been modified"));

    /* create again: AlreadyExists, also a 409 */
    assert_int_equal(k8s_core_v1_config_map_create(client, a, ns, make_cm(a, "crud", NULL), NULL, &again, &err),
                     K8S_ECONFLICT);
    assert_string_equal(err.status->reason, "AlreadyExists");
    assert_string_equal(err.status->details->name, "crud");

    /* delete: configmaps answer with a Success Status */
    k8s_meta_v1_status *deleted = NULL;
    CHECK_OK(k8s_core_v1_config_map_delete(client, a, ns, "crud", NULL, &deleted, &err));
    assert_non_null(deleted);
    assert_string_equal(deleted->status, "Success");
    assert_int_equal(k8s_core_v1_config_map_get(client, a, ns, "crud", NULL, &got, &err), K8S_ENOTFOUND);
    assert_int_equal(err.http_status, 404);
    assert_string_equal(err.status->reason, "NotFound");
    assert_string_equal(err.message, "configmaps \"crud\" not found");
    assert_null(got);
    k8s_arena_free(a);
}

static void test_invalid_has_causes(void **state)
{
    (void)state;
    need_client();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_container c = {.name = "c"}; /* no image */
    k8s_core_v1_pod_spec spec = {.containers = &c, .containers_len = 1};
    k8s_meta_v1_object_meta meta = {.name = "bad"};
    k8s_core_v1_pod pod = {.metadata = &meta, .spec = &spec}, *out;
    assert_int_equal(k8s_core_v1_pod_create(client, a, ns, &pod, NULL, &out, &err), K8S_EINVALID);
    assert_int_equal(err.http_status, 422);
    assert_string_equal(err.status->reason, "Invalid");
    assert_non_null(err.status->details);
    bool found = false;
    for (size_t i = 0; i < err.status->details->causes_len; i++)
        found |= strcmp(err.status->details->causes[i].field, "spec.containers[0].image") == 0;
    assert_true(found);
    k8s_arena_free(a);
}

/* ---- lists ---- */

static void test_lists_and_paging(void **state)
{
    (void)state;
    need_client();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_config_map *cm;
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "page-%d", i);
        CHECK_OK(k8s_core_v1_config_map_create(client, a, ns, make_cm(a, name, i < 3 ? "web" : "db"), NULL, &cm, &err));
    }
    k8s_core_v1_config_map_list *list;
    CHECK_OK(k8s_core_v1_config_map_list_get(client, a, ns, &(k8s_list_options){.labelSelector = "app in (web)"},
                                             &list, &err));
    assert_int_equal(list->items_len, 3);
    CHECK_OK(k8s_core_v1_config_map_list_get(client, a, ns,
                                             &(k8s_list_options){.fieldSelector = "metadata.name=page-4"}, &list, &err));
    assert_int_equal(list->items_len, 1);
    assert_string_equal(list->items[0].metadata->name, "page-4");

    /* page by page: limit and continue */
    size_t seen = 0;
    const char *cont = NULL;
    int pages = 0;
    do {
        k8s_list_options o = {.limit = 2, .continue_ = cont, .labelSelector = "app"};
        CHECK_OK(k8s_core_v1_config_map_list_get(client, a, ns, &o, &list, &err));
        seen += list->items_len;
        cont = list->metadata->continue_;
        pages++;
    } while (cont && *cont);
    assert_int_equal(seen, 5);
    assert_int_equal(pages, 3);

    /* all pages at once */
    CHECK_OK(k8s_core_v1_config_map_list_get(client, a, ns, &(k8s_list_options){.limit = 2, .all_pages = true,
                                                                                 .labelSelector = "app"},
                                             &list, &err));
    assert_int_equal(list->items_len, 5);
    assert_null(list->metadata->continue_);

    /* every namespace */
    CHECK_OK(k8s_core_v1_config_map_list_get(client, a, K8S_ALL_NAMESPACES,
                                             &(k8s_list_options){.labelSelector = "app=db"}, &list, &err));
    size_t ours = 0;
    for (size_t i = 0; i < list->items_len; i++)
        ours += strcmp(list->items[i].metadata->namespace_, ns) == 0;
    assert_int_equal(ours, 2);

    /* metadata only */
    k8s_meta_v1_partial_object_metadata_list *meta;
    CHECK_OK(k8s_metadata_list(client, a, &k8s_core_v1_config_map_resource, ns,
                               &(k8s_list_options){.labelSelector = "app=web"}, &meta, &err));
    assert_int_equal(meta->items_len, 3);
    assert_string_equal(meta->kind, "PartialObjectMetadataList");
    k8s_meta_v1_partial_object_metadata *one;
    CHECK_OK(k8s_metadata_get(client, a, &k8s_core_v1_config_map_resource, ns, "page-0", &one, &err));
    assert_string_equal(one->metadata->name, "page-0");
    assert_string_equal(one->kind, "PartialObjectMetadata");

    /* deletecollection returns what it deleted */
    k8s_core_v1_config_map_list *deleted;
    CHECK_OK(k8s_core_v1_config_map_list_delete(client, a, ns, &(k8s_list_options){.labelSelector = "app=db"},
                                                NULL, &deleted, &err));
    if (deleted)
        assert_int_equal(deleted->items_len, 2);
    CHECK_OK(k8s_core_v1_config_map_list_get(client, a, ns, &(k8s_list_options){.labelSelector = "app"}, &list, &err));
    assert_int_equal(list->items_len, 3);
    k8s_arena_free(a);
}

/* ---- patches ---- */

static k8s_apps_v1_deployment *make_deployment(k8s_arena *a, const char *name)
{
    k8s_apps_v1_deployment *d = k8s_arena_alloc(a, sizeof *d);
    k8s_string_entry *labels = k8s_arena_alloc(a, sizeof *labels);
    *labels = (k8s_string_entry){"app", k8s_arena_strdup(a, name)};
    d->metadata = k8s_arena_alloc(a, sizeof *d->metadata);
    d->metadata->name = k8s_arena_strdup(a, name);
    d->spec = k8s_arena_alloc(a, sizeof *d->spec);
    d->spec->has_replicas = true;
    d->spec->replicas = 1;
    d->spec->selector = k8s_arena_alloc(a, sizeof *d->spec->selector);
    d->spec->selector->matchLabels = labels;
    d->spec->selector->matchLabels_len = 1;
    d->spec->template_ = k8s_arena_alloc(a, sizeof *d->spec->template_);
    d->spec->template_->metadata = k8s_arena_alloc(a, sizeof(k8s_meta_v1_object_meta));
    d->spec->template_->metadata->labels = labels;
    d->spec->template_->metadata->labels_len = 1;
    d->spec->template_->spec = k8s_arena_alloc(a, sizeof(k8s_core_v1_pod_spec));
    k8s_core_v1_container *c = k8s_arena_alloc(a, 2 * sizeof *c);
    c[0].name = "web";
    c[0].image = "nginx:1.27";
    c[1].name = "log";
    c[1].image = "busybox:1.36";
    d->spec->template_->spec->containers = c;
    d->spec->template_->spec->containers_len = 2;
    return d;
}

static void test_patches(void **state)
{
    (void)state;
    need_client();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_config_map *cm;
    CHECK_OK(k8s_core_v1_config_map_create(client, a, ns, make_cm(a, "patched", NULL), NULL, &cm, &err));
    /* merge patch: null deletes */
    CHECK_OK(k8s_core_v1_config_map_patch(client, a, ns, "patched", "{\"data\":{\"key\":null,\"new\":\"n\"}}", NULL,
                                          &cm, &err));
    assert_null(data_of(cm, "key"));
    assert_string_equal(data_of(cm, "new"), "n");
    /* JSON patch, and one whose test fails: 422 */
    CHECK_OK(k8s_core_v1_config_map_patch(client, a, ns, "patched",
                                          "[{\"op\":\"replace\",\"path\":\"/data/new\",\"value\":\"m\"}]",
                                          &(k8s_patch_options){.type = K8S_PATCH_JSON}, &cm, &err));
    assert_string_equal(data_of(cm, "new"), "m");
    assert_int_equal(k8s_core_v1_config_map_patch(client, a, ns, "patched",
                                                  "[{\"op\":\"test\",\"path\":\"/data/new\",\"value\":\"x\"}]",
                                                  &(k8s_patch_options){.type = K8S_PATCH_JSON}, &cm, &err),
                     K8S_EINVALID);

    /* strategic merge: containers merge by name */
    k8s_apps_v1_deployment *d;
    CHECK_OK(k8s_apps_v1_deployment_create(client, a, ns, make_deployment(a, "sm"), NULL, &d, &err));
    CHECK_OK(k8s_apps_v1_deployment_patch(
        client, a, ns, "sm", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.28\"}]}}}}",
        &(k8s_patch_options){.type = K8S_PATCH_STRATEGIC}, &d, &err));
    k8s_core_v1_pod_spec *ps = d->spec->template_->spec;
    assert_int_equal(ps->containers_len, 2);
    for (size_t i = 0; i < ps->containers_len; i++)
        if (strcmp(ps->containers[i].name, "web") == 0)
            assert_string_equal(ps->containers[i].image, "nginx:1.28");

    /* server-side apply: typed object, fieldManager; a conflict without force */
    k8s_core_v1_config_map *applied;
    k8s_core_v1_config_map *want = make_cm(a, "applied", NULL);
    want->kind = "ConfigMap";
    want->apiVersion = "v1";
    CHECK_OK(k8s_core_v1_config_map_apply(client, a, ns, "applied", want, &(k8s_patch_options){.fieldManager = "one"},
                                          &applied, &err));
    assert_string_equal(data_of(applied, "key"), "value");
    want->data[0].value = "theirs";
    assert_int_equal(k8s_core_v1_config_map_apply(client, a, ns, "applied", want,
                                                  &(k8s_patch_options){.fieldManager = "two"}, &applied, &err),
                     K8S_ECONFLICT);
    CHECK_OK(k8s_core_v1_config_map_apply(client, a, ns, "applied", want,
                                          &(k8s_patch_options){.fieldManager = "two", .force = true}, &applied, &err));
    assert_string_equal(data_of(applied, "key"), "theirs");

    /* apiVersion and kind left out: the body's own type supplies them (the
     * server refuses an apply without: "invalid object type: /, Kind="),
     * and the caller's struct stays as it was */
    k8s_core_v1_config_map *bare = make_cm(a, "bare", NULL);
    CHECK_OK(k8s_core_v1_config_map_apply(client, a, ns, "bare", bare, &(k8s_patch_options){.fieldManager = "one"},
                                          &applied, &err));
    assert_string_equal(applied->kind, "ConfigMap");
    assert_null(bare->kind);
    assert_null(bare->apiVersion);
    /* a subresource's body is of its own kind: autoscaling/v1 Scale, not apps/v1 Deployment */
    k8s_autoscaling_v1_scale scale = {.metadata = &(k8s_meta_v1_object_meta){.name = "sm"},
                                      .spec = &(k8s_autoscaling_v1_scale_spec){.has_replicas = true, .replicas = 2}},
                             *scaled;
    CHECK_OK(k8s_apps_v1_deployment_scale_apply(client, a, ns, "sm", &scale,
                                                &(k8s_patch_options){.fieldManager = "scaler", .force = true}, &scaled,
                                                &err));
    assert_int_equal(scaled->spec->replicas, 2);
    assert_null(scale.kind);
    k8s_arena_free(a);
}

/* ---- subresources and delete options ---- */

static void test_subresources(void **state)
{
    (void)state;
    need_client();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_apps_v1_deployment *d;
    CHECK_OK(k8s_apps_v1_deployment_create(client, a, ns, make_deployment(a, "scaled"), NULL, &d, &err));
    k8s_autoscaling_v1_scale *scale;
    CHECK_OK(k8s_apps_v1_deployment_scale_get(client, a, ns, "scaled", NULL, &scale, &err));
    assert_true(scale->spec->has_replicas);
    assert_int_equal(scale->spec->replicas, 1);
    scale->spec->replicas = 3;
    CHECK_OK(k8s_apps_v1_deployment_scale_replace(client, a, ns, "scaled", scale, NULL, &scale, &err));
    CHECK_OK(k8s_apps_v1_deployment_get(client, a, ns, "scaled", NULL, &d, &err));
    assert_int_equal(d->spec->replicas, 3);

    k8s_apps_v1_deployment *st;
    CHECK_OK(k8s_apps_v1_deployment_status_patch(client, a, ns, "scaled", "{\"status\":{\"observedGeneration\":7}}",
                                                 NULL, &st, &err));
    CHECK_OK(k8s_apps_v1_deployment_status_get(client, a, ns, "scaled", NULL, &st, &err));
    assert_true(st->status->has_observedGeneration);
    assert_int_equal(st->status->observedGeneration, 7);

    /* a service account token */
    k8s_core_v1_service_account *sa, sab = {.metadata = &(k8s_meta_v1_object_meta){.name = "robot"}};
    CHECK_OK(k8s_core_v1_service_account_create(client, a, ns, &sab, NULL, &sa, &err));
    k8s_authentication_v1_token_request treq = {.spec = &(k8s_authentication_v1_token_request_spec){0}}, *tok;
    treq.spec->audiences = K8S_EMPTY;
    CHECK_OK(k8s_core_v1_service_account_token_create(client, a, ns, "robot", &treq, NULL, &tok, &err));
    assert_non_null(tok->status);
    assert_true(strlen(tok->status->token) > 10);

    /* a pod: log (empty until it runs), eviction, then a foreground delete of the deployment */
    k8s_core_v1_container c = {.name = "c", .image = "busybox"};
    k8s_core_v1_pod pb = {.metadata = &(k8s_meta_v1_object_meta){.name = "logger"},
                          .spec = &(k8s_core_v1_pod_spec){.containers = &c, .containers_len = 1}},
                    *pod;
    CHECK_OK(k8s_core_v1_pod_create(client, a, ns, &pb, NULL, &pod, &err));
    char *text;
    CHECK_OK(k8s_core_v1_pod_log_get(client, a, ns, "logger", NULL, &text, &err));
    assert_string_equal(text, "");
    if (have_server) {
        char body[256];
        snprintf(body, sizeof body, "{\"namespace\":\"%s\",\"pod\":\"logger\",\"lines\":[\"one\",\"two\"]}", ns);
        test_server_control(&srv, "POST", "/_test/run-pod", body, NULL);
        assert_int_equal(test_server_control(&srv, "POST", "/_test/logs", body, NULL), 200);
        CHECK_OK(k8s_core_v1_pod_log_get(client, a, ns, "logger", &(k8s_log_options){.container = "c"}, &text, &err));
        assert_string_equal(text, "one\ntwo\n");
        CHECK_OK(k8s_core_v1_pod_log_get(client, a, ns, "logger", &(k8s_log_options){.has_tailLines = true, .tailLines = 1},
                                         &text, &err));
        assert_string_equal(text, "two\n");
    }
    assert_int_equal(k8s_core_v1_pod_log_get(client, a, ns, "logger", &(k8s_log_options){.container = "nope"}, &text, &err),
                     K8S_EHTTP);
    assert_int_equal(err.http_status, 400);

    k8s_policy_v1_eviction ev = {.metadata = &(k8s_meta_v1_object_meta){.name = "logger", .namespace_ = ns}}, *evo;
    CHECK_OK(k8s_core_v1_pod_eviction_create(client, a, ns, "logger", &ev, NULL, &evo, &err));
    /* evicted: gone, or (running on a node) on its way out */
    if (k8s_core_v1_pod_get(client, a, ns, "logger", NULL, &pod, &err) == K8S_OK)
        assert_non_null(pod->metadata->deletionTimestamp);
    else
        assert_int_equal(err.code, K8S_ENOTFOUND);

    /* preconditions: a wrong uid conflicts */
    k8s_meta_v1_status *gone;
    assert_int_equal(k8s_apps_v1_deployment_delete(client, a, ns, "scaled",
                                                   &(k8s_delete_options){.preconditionUID = "not-the-uid"}, &gone, &err),
                     K8S_ECONFLICT);
    CHECK_OK(k8s_apps_v1_deployment_delete(client, a, ns, "scaled",
                                           &(k8s_delete_options){.propagationPolicy = "Foreground",
                                                                 .preconditionUID = d->metadata->uid},
                                           &gone, &err));
    /* no garbage collector runs: the object waits, marked, for its dependents */
    if (k8s_apps_v1_deployment_get(client, a, ns, "scaled", NULL, &d, &err) == K8S_OK)
        assert_non_null(d->metadata->deletionTimestamp);
    k8s_arena_free(a);
}

/* ---- custom resources: dynamic calls and discovery ---- */

static void test_custom_resources(void **state)
{
    (void)state;
    need_client();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    const char *crd_json =
        "{\"apiVersion\":\"apiextensions.k8s.io/v1\",\"kind\":\"CustomResourceDefinition\","
        "\"metadata\":{\"name\":\"widgets.demo.example.com\"},\"spec\":{\"group\":\"demo.example.com\","
        "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\",\"singular\":\"widget\",\"kind\":\"Widget\","
        "\"listKind\":\"WidgetList\"},\"versions\":[{\"name\":\"v1\",\"served\":true,\"storage\":true,"
        "\"subresources\":{\"status\":{}},\"schema\":{\"openAPIV3Schema\":{\"type\":\"object\","
        "\"x-kubernetes-preserve-unknown-fields\":true}}}]}}";
    k8s_apiextensions_v1_custom_resource_definition *crd, *made;
    CHECK_OK(k8s_json_decode(&k8s_apiextensions_v1_custom_resource_definition_desc, crd_json, strlen(crd_json), a,
                             (void **)&crd, NULL, &err));
    k8s_code rc = k8s_apiextensions_v1_custom_resource_definition_create(client, a, crd, NULL, &made, &err);
    if (rc != K8S_ECONFLICT)
        CHECK_OK(rc);

    /* discovery finds the kind's resource (the server may need a moment) */
    k8s_resource *widgets = NULL;
    for (int i = 0; i < 50 && !widgets; i++)
        if (k8s_discover_kind(client, a, "demo.example.com/v1", "Widget", &widgets, &err) != K8S_OK)
            usleep(100000);
    assert_non_null(widgets);
    assert_string_equal(widgets->resource, "widgets");
    assert_true(widgets->namespaced);

    k8s_op create = {widgets, NULL, K8S_VERB_CREATE, NULL, NULL, NULL};
    char *json;
    CHECK_OK(k8s_call(client, a, &create,
                      &(k8s_args){.namespace_ = ns, .text = "{\"apiVersion\":\"demo.example.com/v1\",\"kind\":\"Widget\","
                                                             "\"metadata\":{\"name\":\"w1\"},\"spec\":{\"size\":9007199254740993}}"},
                      (void **)&json, &err));
    assert_non_null(strstr(json, "\"size\":9007199254740993"));
    k8s_op get = {widgets, NULL, K8S_VERB_GET, NULL, NULL, NULL};
    CHECK_OK(k8s_call(client, a, &get, &(k8s_args){.namespace_ = ns, .name = "w1"}, (void **)&json, &err));
    cJSON *w = cJSON_Parse(json);
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(w, "metadata"), "name")->valuestring, "w1");
    cJSON_Delete(w);
    k8s_op patch = {widgets, NULL, K8S_VERB_PATCH, NULL, NULL, NULL};
    CHECK_OK(k8s_call(client, a, &patch, &(k8s_args){.namespace_ = ns, .name = "w1", .text = "{\"spec\":{\"color\":\"red\"}}"},
                      (void **)&json, &err));
    assert_non_null(strstr(json, "\"color\":\"red\""));
    k8s_op list = {widgets, NULL, K8S_VERB_LIST, NULL, NULL, NULL};
    CHECK_OK(k8s_call(client, a, &list, &(k8s_args){.namespace_ = ns}, (void **)&json, &err));
    assert_non_null(strstr(json, "\"WidgetList\""));

    /* every page at once: one WidgetList, its items' text as the server sent it */
    for (int i = 2; i <= 5; i++) {
        char body[200];
        snprintf(body, sizeof body, "{\"apiVersion\":\"demo.example.com/v1\",\"kind\":\"Widget\",\"metadata\":"
                                    "{\"name\":\"w%d\",\"labels\":{\"paged\":\"yes\"}},\"spec\":{\"size\":%d}}", i, i);
        CHECK_OK(k8s_call(client, a, &create, &(k8s_args){.namespace_ = ns, .text = body}, (void **)&json, &err));
    }
    k8s_client_stats before, after;
    k8s_client_stats_get(client, &before);
    k8s_list_options paged = {.limit = 2, .all_pages = true, .labelSelector = "paged"};
    CHECK_OK(k8s_call(client, a, &list, &(k8s_args){.namespace_ = ns, .options = &paged}, (void **)&json, &err));
    k8s_client_stats_get(client, &after);
    assert_int_equal(after.requests - before.requests, 2); /* 2 + 2 items, then none left */
    cJSON *whole = cJSON_Parse(json);
    assert_non_null(whole);
    assert_string_equal(cJSON_GetObjectItem(whole, "kind")->valuestring, "WidgetList");
    assert_string_equal(cJSON_GetObjectItem(whole, "apiVersion")->valuestring, "demo.example.com/v1");
    cJSON *items = cJSON_GetObjectItem(whole, "items"), *meta = cJSON_GetObjectItem(whole, "metadata");
    assert_int_equal(cJSON_GetArraySize(items), 4);
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof name, "w%d", i + 2);
        assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetArrayItem(items, i), "metadata"), "name")->valuestring,
                            name);
    }
    assert_non_null(cJSON_GetObjectItem(meta, "resourceVersion"));
    assert_null(cJSON_GetObjectItem(meta, "continue"));
    cJSON_Delete(whole);
    paged.labelSelector = NULL; /* w1's spec.size is 2^53 + 1: still exact */
    CHECK_OK(k8s_call(client, a, &list, &(k8s_args){.namespace_ = ns, .options = &paged}, (void **)&json, &err));
    assert_non_null(strstr(json, "\"size\":9007199254740993"));
    assert_non_null(strstr(json, "\"name\":\"w5\""));
    paged.labelSelector = "paged=no";
    CHECK_OK(k8s_call(client, a, &list, &(k8s_args){.namespace_ = ns, .options = &paged}, (void **)&json, &err));
    assert_non_null(strstr(json, "\"items\":[]"));
    k8s_op del = {widgets, NULL, K8S_VERB_DELETE, NULL, NULL, NULL};
    CHECK_OK(k8s_call(client, a, &del, &(k8s_args){.namespace_ = ns, .name = "w1"}, (void **)&json, &err));
    assert_int_equal(k8s_call(client, a, &get, &(k8s_args){.namespace_ = ns, .name = "w1"}, (void **)&json, &err),
                     K8S_ENOTFOUND);

    /* the whole discovery: built-in and custom resources, no subresources */
    k8s_api_resource *all;
    size_t n;
    CHECK_OK(k8s_discover(client, a, &all, &n, &err));
    bool pods = false, found = false;
    for (size_t i = 0; i < n; i++) {
        pods |= strcmp(all[i].resource.resource, "pods") == 0 && !*all[i].resource.group;
        found |= strcmp(all[i].resource.resource, "widgets") == 0;
        assert_null(strchr(all[i].resource.resource, '/'));
    }
    assert_true(pods && found);

    /* raw requests */
    char *version;
    CHECK_OK(k8s_request(client, a, "GET", "/version", NULL, NULL, &version, &err));
    assert_non_null(strstr(version, "gitVersion"));
    k8s_arena_free(a);
}

/* Writes srv.dir/NAME.sh, an exec credential plugin that runs `first`
 * (shell, may be "") and then answers `token`, and the kubeconfig user lines
 * that run it into yaml. */
static const char *exec_user(const char *name, const char *first, const char *token, char *yaml, size_t n)
{
    char script[700];
    snprintf(script, sizeof script, "%s/%s.sh", srv.dir, name);
    FILE *f = fopen(script, "w");
    fprintf(f, "#!/bin/sh\n%s\necho '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
               "\"status\":{\"token\":\"%s\"}}'\n", first, token);
    fclose(f);
    chmod(script, 0755);
    snprintf(yaml, n,
             "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      interactiveMode: Never\n"
             "      command: %s",
             script);
    return yaml;
}

/* ---- auth ---- */

static void test_auth_modes(void **state)
{
    (void)state;
    need_server();
    k8s_error err;
    char user[2048];
    const struct {
        const char *name, *yaml;
        k8s_code want;
    } cases[] = {
        {"cert", NULL, K8S_OK},
        {"norights", "    token: no-rights-token", K8S_EFORBIDDEN},
        {"badtoken", "    token: not-a-token", K8S_EUNAUTHORIZED},
        {"exec", NULL, K8S_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *yaml = cases[i].yaml;
        if (strcmp(cases[i].name, "cert") == 0) {
            snprintf(user, sizeof user, "    client-certificate: %s/admin.crt\n    client-key: %s/admin.key", srv.dir,
                     srv.dir);
            yaml = user;
        } else if (strcmp(cases[i].name, "exec") == 0) {
            yaml = exec_user("plugin", "", "admin-token", user, sizeof user);
        }
        k8s_config *c = load(test_server_kubeconfig(&srv, cases[i].name, yaml));
        k8s_client *cl = make_client(c, NULL);
        k8s_arena *a = k8s_arena_new();
        k8s_core_v1_namespace *n;
        k8s_code rc = k8s_core_v1_namespace_get(cl, a, ns, NULL, &n, &err);
        if (rc != cases[i].want)
            fail_msg("%s: %s (%s)", cases[i].name, k8s_strerror(rc), err.message);
        if (rc == K8S_EFORBIDDEN)
            assert_non_null(strstr(err.message, "User \"norights\" cannot get resource \"namespaces\""));
        k8s_arena_free(a);
        k8s_client_free(cl);
        k8s_config_free(c);
    }
}

/* A 401 names the request, the credential sent and whose it is, and says
 * the server refused it (token files and plugins: after fetching it again). */
static void test_unauthorized_says_what_was_refused(void **state)
{
    (void)state;
    need_server();
    char token_file[700];
    snprintf(token_file, sizeof token_file, "%s/bad-token", srv.dir);
    FILE *f = fopen(token_file, "w");
    fputs("not-a-token\n", f);
    fclose(f);
    char file_user[800], file_sent[800], plugin_user[900], plugin_sent[800];
    snprintf(file_user, sizeof file_user, "    tokenFile: %s", token_file);
    snprintf(file_sent, sizeof file_sent, "the token from the file %s", token_file);
    exec_user("bad-plugin", "", "not-a-token", plugin_user, sizeof plugin_user);
    snprintf(plugin_sent, sizeof plugin_sent, "the token from the exec plugin %s/bad-plugin.sh", srv.dir);
    const struct {
        const char *name, *user, *sent;
        bool refetched;
    } cases[] = {
        {"bad-static", "    token: not-a-token", "the token", false},
        {"bad-file", file_user, file_sent, true},
        {"bad-exec", plugin_user, plugin_sent, true},
        {"bad-basic", "    username: someone\n    password: wrong", "the username and password", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *kc = test_server_kubeconfig(&srv, cases[i].name, cases[i].user);
        char want[1200];
        snprintf(want, sizeof want,
                 "GET /api/v1/namespaces/%s: HTTP 401 (Unauthorized): the server refused %s of kubeconfig user \"test\" (%s)%s",
                 ns, cases[i].sent, kc, cases[i].refetched ? ", also when fetched again" : "");
        k8s_config *c = load(kc);
        k8s_client *cl = make_client(c, NULL);
        k8s_arena *a = k8s_arena_new();
        k8s_core_v1_namespace *n;
        k8s_error err;
        assert_int_equal(k8s_core_v1_namespace_get(cl, a, ns, NULL, &n, &err), K8S_EUNAUTHORIZED);
        assert_int_equal(err.http_status, 401);
        assert_string_equal(err.status->reason, "Unauthorized");
        if (strcmp(err.message, want) != 0)
            fail_msg("%s:\n got  %s\n want %s", cases[i].name, err.message, want);
        assert_null(strstr(err.message, "not-a-token"));
        print_message("  %s\n", err.message);
        k8s_arena_free(a);
        k8s_client_free(cl);
        k8s_config_free(c);
    }
}

/* A token file that rotates: the next 401 makes the client read it again. */
static void test_token_rotation(void **state)
{
    (void)state;
    need_server();
    k8s_error err;
    char path[700], yaml[800];
    snprintf(path, sizeof path, "%s/token", srv.dir);
    assert_int_equal(test_server_control(&srv, "POST", "/_test/tokens",
                                         "{\"add\":[{\"token\":\"first\",\"user\":\"admin\",\"groups\":[\"system:masters\"]}]}",
                                         NULL), 200);
    FILE *f = fopen(path, "w");
    fputs("first\n", f);
    fclose(f);
    snprintf(yaml, sizeof yaml, "    tokenFile: %s", path);
    k8s_config *c = load(test_server_kubeconfig(&srv, "rotating", yaml));
    k8s_client *cl = make_client(c, NULL);
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_namespace *n;
    CHECK_OK(k8s_core_v1_namespace_get(cl, a, ns, NULL, &n, &err));
    /* rotate: the server forgets "first", the file says "second" */
    assert_int_equal(test_server_control(&srv, "POST", "/_test/tokens",
                                         "{\"remove\":[\"first\"],\"add\":[{\"token\":\"second\",\"user\":\"admin\","
                                         "\"groups\":[\"system:masters\"]}]}",
                                         NULL), 200);
    f = fopen(path, "w");
    fputs("second\n", f);
    fclose(f);
    CHECK_OK(k8s_core_v1_namespace_get(cl, a, ns, NULL, &n, &err));
    k8s_arena_free(a);
    k8s_client_free(cl);
    k8s_config_free(c);
}

/* ---- faults ---- */

static void test_faults(void **state)
{
    (void)state;
    need_server();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_config_map *cm;
    CHECK_OK(k8s_core_v1_config_map_create(client, a, ns, make_cm(a, "faulty", NULL), NULL, &cm, &err));
    k8s_client_stats before, after;

    /* a dropped connection on a GET is retried; on a POST it is not */
    k8s_client_stats_get(client, &before);
    fault("{\"method\":\"GET\",\"path\":\"configmaps/faulty\",\"fault\":\"close-mid-body\"}");
    CHECK_OK(k8s_core_v1_config_map_get(client, a, ns, "faulty", NULL, &cm, &err));
    k8s_client_stats_get(client, &after);
    assert_true(after.retries > before.retries);
    fault("{\"method\":\"POST\",\"path\":\"configmaps\",\"fault\":\"close-mid-body\"}");
    k8s_code rc = k8s_core_v1_config_map_create(client, a, ns, make_cm(a, "once", NULL), NULL, &cm, &err);
    assert_int_equal(rc, K8S_ETRANSPORT);
    assert_int_not_equal(err.curl_code, 0);
    assert_non_null(strstr(err.message, "POST /api/v1/namespaces/"));

    /* 429 with Retry-After: waits, then succeeds */
    fault("{\"method\":\"GET\",\"path\":\"configmaps/faulty\",\"fault\":\"status-429\",\"retryAfter\":1}");
    uint64_t t0 = k8s_now_ms();
    CHECK_OK(k8s_core_v1_config_map_get(client, a, ns, "faulty", NULL, &cm, &err));
    assert_true(k8s_now_ms() - t0 >= 900);
    /* 503 is retried too; 500 is not */
    fault("{\"method\":\"GET\",\"path\":\"configmaps/faulty\",\"fault\":\"status-503\",\"retryAfter\":0,\"times\":2}");
    CHECK_OK(k8s_core_v1_config_map_get(client, a, ns, "faulty", NULL, &cm, &err));
    fault("{\"method\":\"GET\",\"path\":\"configmaps/faulty\",\"fault\":\"status-500\",\"message\":\"boom\"}");
    assert_int_equal(k8s_core_v1_config_map_get(client, a, ns, "faulty", NULL, &cm, &err), K8S_EHTTP);
    assert_int_equal(err.http_status, 500);
    assert_non_null(strstr(err.message, "boom"));
    /* a 429 that never ends gives up after the retries */
    fault("{\"method\":\"GET\",\"path\":\"configmaps/faulty\",\"fault\":\"status-429\",\"retryAfter\":0,\"times\":10}");
    assert_int_equal(k8s_core_v1_config_map_get(client, a, ns, "faulty", NULL, &cm, &err), K8S_ETHROTTLED);
    test_server_control(&srv, "DELETE", "/_test/faults", NULL, NULL);

    /* a stalled reply times out; malformed JSON is a bad reply */
    fault("{\"method\":\"GET\",\"path\":\"configmaps/faulty\",\"fault\":\"stall\"}");
    t0 = k8s_now_ms();
    rc = k8s_core_v1_config_map_get(client, a, ns, "faulty", &(k8s_get_options){.call.timeout_ms = 300}, &cm, &err);
    assert_int_equal(rc, K8S_ETIMEDOUT);
    assert_true(k8s_now_ms() - t0 < 5000);
    fault("{\"method\":\"GET\",\"path\":\"configmaps/faulty\",\"fault\":\"malformed-json\"}");
    assert_int_equal(k8s_core_v1_config_map_get(client, a, ns, "faulty", NULL, &cm, &err), K8S_EBADREPLY);
    if (!strstr(err.message, "the reply is not valid JSON"))
        fail_msg("message: %s", err.message);
    assert_int_equal(err.http_status, 200);
    test_server_control(&srv, "DELETE", "/_test/faults", NULL, NULL);
    k8s_arena_free(a);
}

/* A GET of the test namespace with the admin token and a cluster entry
 * "x" with these lines; the kubeconfig's path in kc. */
static k8s_code get_with_cluster(const char *name, const char *cluster_lines, char *kc, size_t kc_size, k8s_error *err)
{
    snprintf(kc, kc_size, "%s/%s", srv.dir, name);
    FILE *f = fopen(kc, "w");
    fprintf(f,
            "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: x\n  cluster:\n    server: %s\n%s"
            "users:\n- name: x\n  user:\n    token: admin-token\ncontexts:\n- name: x\n  context: {cluster: x, user: x}\n",
            srv.url, cluster_lines);
    fclose(f);
    k8s_config *c = load(kc);
    k8s_client *cl = make_client(c, NULL);
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_namespace *n;
    k8s_code rc = k8s_core_v1_namespace_get(cl, a, ns, NULL, &n, err);
    k8s_arena_free(a);
    k8s_client_free(cl);
    k8s_config_free(c);
    return rc;
}

static void expect_untrusted(const char *name, const char *cluster_lines, const char *against, const char *host)
{
    k8s_error err;
    char kc[800], want[1200];
    assert_int_equal(get_with_cluster(name, cluster_lines, kc, sizeof kc, &err), K8S_ETLS);
    assert_int_equal(err.curl_code, 60); /* CURLE_PEER_FAILED_VERIFICATION */
    if (strstr(err.message, "SSL certificate problem"))
        fail_msg("message: %s", err.message);
    snprintf(want, sizeof want, "GET /api/v1/namespaces/%s: the server's certificate, checked for the name \"%s\" "
             "against the %s, is not trusted: ", ns, host, against);
    char *where = strstr(want, "@KC@");
    if (where) { /* the kubeconfig's own path */
        char rest[600];
        snprintf(rest, sizeof rest, "%s", where + 4);
        snprintf(where, sizeof want - (size_t)(where - want), "%s%s", kc, rest);
    }
    if (strncmp(err.message, want, strlen(want)) != 0)
        fail_msg("message: %s\nwanted: %s...", err.message, want);
    print_message("  %s\n", err.message);
}

static void test_tls_and_transport_failures(void **state)
{
    (void)state;
    need_server();
    k8s_error err;
    char yaml[2048], lines[2048], other[700];
    k8s_config *c;
    k8s_client *cl;
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_namespace *n;

    /* a certificate authority that did not sign the server's certificate: as
     * a file, as data, and the system's store; and the name checked */
    snprintf(other, sizeof other, "%s/other", srv.dir);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "sh '%s/tests/apiserver/mkcerts.sh' '%s' >/dev/null 2>&1", getenv("K8S_SOURCE_DIR"), other);
    assert_int_equal(system(cmd), 0);
    snprintf(lines, sizeof lines, "    certificate-authority: %s/ca.crt\n", other);
    snprintf(yaml, sizeof yaml, "certificate-authority file %s/ca.crt of clusters[\"x\"]", other);
    expect_untrusted("wrongca", lines, yaml, "127.0.0.1");
    size_t len;
    char path[800];
    snprintf(path, sizeof path, "%s/ca.crt", other);
    char *pem = test_read_file(path, &len), *b64 = malloc(k8s_base64_encoded_len(len) + 1);
    k8s_base64_encode((const uint8_t *)pem, len, b64);
    b64[k8s_base64_encoded_len(len)] = '\0';
    snprintf(lines, sizeof lines, "    certificate-authority-data: %s\n", b64);
    free(pem);
    free(b64);
    expect_untrusted("wrongca-data", lines, "certificate-authority-data of clusters[\"x\"] in @KC@", "127.0.0.1");
    expect_untrusted("system-cas", "", "system's CA store", "127.0.0.1");
    snprintf(lines, sizeof lines, "    certificate-authority: %s/ca.crt\n    tls-server-name: wrong.example\n", srv.dir);
    snprintf(yaml, sizeof yaml, "certificate-authority file %s/ca.crt of clusters[\"x\"]", srv.dir);
    expect_untrusted("wrongname", lines, yaml, "wrong.example");
    char kc[800];
    snprintf(lines, sizeof lines, "    certificate-authority: %s/ca.crt\n    tls-server-name: localhost\n", srv.dir);
    CHECK_OK(get_with_cluster("rightname", lines, kc, sizeof kc, &err));

    /* nothing listening */
    snprintf(yaml, sizeof yaml,
             "apiVersion: v1\nkind: Config\ncurrent-context: x\nclusters:\n- name: x\n  cluster:\n"
             "    server: https://127.0.0.1:1\nusers:\n- name: x\n  user: {token: t}\ncontexts:\n- name: x\n"
             "  context: {cluster: x, user: x}\n");
    assert_int_equal(k8s_config_parse(&c, yaml, strlen(yaml), "inline", NULL, &err), K8S_OK);
    cl = make_client(c, &(k8s_client_options){.max_retries = 1});
    assert_int_equal(k8s_core_v1_namespace_get(cl, a, ns, NULL, &n, &err), K8S_ETRANSPORT);
    assert_non_null(strstr(err.message, "GET /api/v1/namespaces/"));
    k8s_client_free(cl);
    k8s_config_free(c);
    k8s_arena_free(a);
}

/* ---- async, cancellation, threads ---- */

typedef struct done_box {
    int calls;
    k8s_code code;
    pthread_mutex_t mu;
    pthread_cond_t cond;
} done_box;

static void on_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    (void)err;
    done_box *b = data;
    pthread_mutex_lock(&b->mu);
    b->calls++;
    b->code = code;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->mu);
}

static void wait_box(done_box *b, int calls)
{
    pthread_mutex_lock(&b->mu);
    while (b->calls < calls)
        pthread_cond_wait(&b->cond, &b->mu);
    pthread_mutex_unlock(&b->mu);
}

static void test_async_and_cancel(void **state)
{
    (void)state;
    need_server();
    done_box b = {0, K8S_OK, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
    k8s_arena *a = k8s_arena_new();
    k8s_error err = {0};
    k8s_call_id id = 0;
    fault("{\"method\":\"GET\",\"path\":\"configmaps/stalled\",\"fault\":\"stall\"}");
    CHECK_OK(k8s_core_v1_config_map_get_async(client, a, ns, "stalled", &(k8s_get_options){.call.id = &id}, on_done, &b));
    assert_int_not_equal(id, 0);
    usleep(200000);
    assert_int_equal(b.calls, 0);
    assert_int_equal(k8s_cancel(client, id), K8S_OK);
    wait_box(&b, 1);
    assert_int_equal(b.code, K8S_ECANCELED);
    usleep(100000);
    assert_int_equal(b.calls, 1); /* exactly once */
    assert_int_equal(k8s_cancel(client, id), K8S_OK); /* a finished call: nothing happens */
    test_server_control(&srv, "DELETE", "/_test/faults", NULL, NULL);

    /* a submit that fails returns the error and never calls back */
    k8s_code rc = k8s_core_v1_config_map_get_async(client, a, ns, NULL, NULL, on_done, &b);
    assert_int_equal(rc, K8S_EINVAL);
    usleep(100000);
    assert_int_equal(b.calls, 1);
    k8s_arena_free(a);
}

/* Replies of every size, many at once and one after another: the client
 * writes each into a receive buffer an earlier reply had (when one was
 * small enough to keep), and each must read as its own and nothing more.
 * Only replies that fit one transfer's 64 KB buffer go many at once:
 * larger ones could meet libcurl 7.88's lost wake-ups (call.c). */
typedef struct sized_get {
    int which; /* of the sizes */
    k8s_arena *arena;
    k8s_core_v1_config_map *cm;
    k8s_code code;
    done_box *box;
} sized_get;

static void on_sized(void *data, k8s_code code, void *result, const k8s_error *err)
{
    sized_get *g = data;
    g->code = code;
    g->cm = result;
    on_done(g->box, code, result, err);
}

static void test_reply_buffers_reused(void **state)
{
    (void)state;
    need_client();
    /* the first is past the largest buffer the client keeps */
    static const size_t sizes[] = {200000, 40000, 3, 9000, 0, 60000};
    enum { NSIZES = sizeof sizes / sizeof sizes[0], PER = 5, AT_ONCE = (NSIZES - 1) * PER };
    char *values[NSIZES];
    for (int i = 0; i < NSIZES; i++) {
        values[i] = malloc(sizes[i] + 1);
        memset(values[i], 'a' + i, sizes[i]);
        values[i][sizes[i]] = '\0';
        char name[32];
        snprintf(name, sizeof name, "sized-%d", i);
        k8s_arena *a = k8s_arena_new();
        k8s_string_entry data = {"v", values[i]};
        k8s_meta_v1_object_meta meta = {.name = name};
        k8s_core_v1_config_map cm = {.metadata = &meta, .data = &data, .data_len = 1}, *out;
        k8s_error err;
        CHECK_OK(k8s_core_v1_config_map_create(client, a, ns, &cm, NULL, &out, &err));
        k8s_arena_free(a);
    }
    for (int round = 0; round < 3; round++) {
        /* one at a time, largest first, then the others at once */
        for (int i = 0; i < NSIZES; i++) {
            k8s_arena *a = k8s_arena_new();
            k8s_core_v1_config_map *cm;
            k8s_error err;
            char name[32];
            snprintf(name, sizeof name, "sized-%d", i);
            CHECK_OK(k8s_core_v1_config_map_get(client, a, ns, name, NULL, &cm, &err));
            assert_string_equal(data_of(cm, "v"), values[i]);
            k8s_arena_free(a);
        }
        done_box b = {0, K8S_OK, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
        sized_get gets[AT_ONCE];
        for (int i = 0; i < AT_ONCE; i++) {
            /* a different order each round, so buffers change hands */
            int which = 1 + (i + round * 2) % (NSIZES - 1);
            char name[32];
            snprintf(name, sizeof name, "sized-%d", which);
            gets[i] = (sized_get){which, k8s_arena_new(), NULL, K8S_OK, &b};
            assert_int_equal(k8s_core_v1_config_map_get_async(client, gets[i].arena, ns, name, NULL, on_sized, &gets[i]),
                             K8S_OK);
        }
        wait_box(&b, AT_ONCE);
        for (int i = 0; i < AT_ONCE; i++) {
            assert_int_equal(gets[i].code, K8S_OK);
            assert_string_equal(data_of(gets[i].cm, "v"), values[gets[i].which]);
            k8s_arena_free(gets[i].arena);
        }
    }
    for (int i = 0; i < NSIZES; i++)
        free(values[i]);
}

typedef struct from_loop {
    k8s_code code;
    done_box box;
} from_loop;

/* On the loop thread, waiting calls are refused rather than hanging. */
static void call_on_loop(void *data)
{
    from_loop *f = data;
    k8s_arena *a = k8s_arena_new();
    k8s_core_v1_namespace *n;
    f->code = k8s_core_v1_namespace_get(client, a, ns, NULL, &n, NULL);
    k8s_arena_free(a);
    on_done(&f->box, K8S_OK, NULL, NULL);
}

static void test_no_waiting_on_the_loop(void **state)
{
    (void)state;
    need_client();
    from_loop f = {K8S_OK, {0, K8S_OK, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER}};
    assert_int_equal(k8s_loop_call(k8s_client_loop(client), call_on_loop, &f), K8S_OK);
    wait_box(&f.box, 1);
    assert_int_equal(f.code, K8S_EINVAL);
}

typedef struct hammer_job {
    k8s_client *client;
    int calls;
} hammer_job;

static void *hammer(void *arg)
{
    const hammer_job *job = arg;
    long failures = 0;
    for (int i = 0; i < job->calls; i++) {
        k8s_arena *a = k8s_arena_new();
        k8s_core_v1_namespace *n;
        if (k8s_core_v1_namespace_get(job->client, a, ns, NULL, &n, NULL) != K8S_OK ||
            strcmp(n->metadata->name, ns) != 0)
            failures++;
        k8s_arena_free(a);
    }
    return (void *)failures;
}

/* `threads` threads making `calls` blocking GETs each at once: the failures. */
static long hammer_from_threads(k8s_client *cl, int threads, int calls)
{
    hammer_job job = {cl, calls};
    pthread_t t[16];
    assert_true(threads <= 16);
    for (int i = 0; i < threads; i++)
        pthread_create(&t[i], NULL, hammer, &job);
    long failures = 0;
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(t[i], &r);
        failures += (long)r;
    }
    return failures;
}

static void test_threads_share_a_client(void **state)
{
    (void)state;
    need_client();
    assert_int_equal(hammer_from_threads(client, 4, 40), 0);
}

static void test_rate_limit(void **state)
{
    (void)state;
    need_client();
    k8s_client *cl = make_client(cfg, &(k8s_client_options){.qps = 20, .burst = 1});
    uint64_t t0 = k8s_now_ms();
    for (int i = 0; i < 10; i++) {
        k8s_arena *a = k8s_arena_new();
        k8s_core_v1_namespace *n;
        k8s_error err;
        CHECK_OK(k8s_core_v1_namespace_get(cl, a, ns, NULL, &n, &err));
        k8s_arena_free(a);
    }
    uint64_t took = k8s_now_ms() - t0;
    assert_true(took >= 400); /* 9 waits of 50 ms */
    k8s_client_free(cl);
}

/* 100 calls in flight share one HTTP/2 connection. */
static void test_http2_multiplexing(void **state)
{
    (void)state;
    need_server();
    k8s_client *cl = make_client(cfg, NULL);
    done_box b = {0, K8S_OK, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
    k8s_arena *arenas[100];
    for (int i = 0; i < 100; i++) {
        arenas[i] = k8s_arena_new();
        k8s_code rc = k8s_core_v1_namespace_get_async(cl, arenas[i], ns, NULL, on_done, &b);
        assert_int_equal(rc, K8S_OK);
    }
    wait_box(&b, 100);
    assert_int_equal(b.code, K8S_OK);
    k8s_client_stats st;
    k8s_client_stats_get(cl, &st);
    print_message("100 concurrent GETs: %llu requests on %llu connection(s)\n", (unsigned long long)st.requests,
                  (unsigned long long)st.connections);
    assert_true(st.connections <= 2);
    for (int i = 0; i < 100; i++)
        k8s_arena_free(arenas[i]);
    k8s_client_free(cl);
}

/* ---- more streams than one connection carries ----
 *
 * The test server allows 100 streams per HTTP/2 connection, as
 * kube-apiserver does. A thousand watches need ten connections; with
 * fewer allowed, what does not fit waits for a stream, and its time limit
 * and k8s_cancel still hold there. */

typedef struct tally {
    pthread_mutex_t mu;
    pthread_cond_t cond;
    int started; /* watches that had their first event */
    int ended;
    int codes[K8S_CODE_COUNT_];
} tally;

#define TALLY_INIT {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, {0}}

static void tally_add(tally *t, int *field, k8s_code code)
{
    pthread_mutex_lock(&t->mu);
    (*field)++;
    if (field == &t->ended)
        t->codes[code]++;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->mu);
}

/* Waits up to ms for *field to reach want; its value then. */
static int tally_wait(tally *t, const int *field, int want, int ms)
{
    uint64_t end = k8s_now_ms() + (uint64_t)ms;
    pthread_mutex_lock(&t->mu);
    while (*field < want && k8s_now_ms() < end) {
        pthread_mutex_unlock(&t->mu);
        usleep(2000);
        pthread_mutex_lock(&t->mu);
    }
    int n = *field;
    pthread_mutex_unlock(&t->mu);
    return n;
}

static void watch_event(void *data, k8s_watch_event *ev)
{
    if (ev->type == K8S_WATCH_ADDED)
        tally_add(data, &((tally *)data)->started, K8S_OK);
}

static void watch_end(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    (void)err;
    tally_add(data, &((tally *)data)->ended, code);
}

typedef struct timed_get {
    tally *tally;
    k8s_arena *arena;
    uint64_t start, took;
    k8s_code code;
    char message[256];
} timed_get;

static void get_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    (void)result;
    timed_get *g = data;
    g->took = k8s_now_ms() - g->start;
    g->code = code;
    snprintf(g->message, sizeof g->message, "%s", err->message);
    tally_add(g->tally, &g->tally->ended, code);
}

static void start_get(k8s_client *cl, timed_get *g, tally *t, int timeout_ms, k8s_call_id *id)
{
    *g = (timed_get){.tally = t, .arena = k8s_arena_new(), .start = k8s_now_ms()};
    k8s_get_options o = {.call = {.timeout_ms = timeout_ms, .id = id}};
    assert_int_equal(k8s_core_v1_config_map_get_async(cl, g->arena, ns, "seed", &o, get_done, g), K8S_OK);
}

/* n watches of the configmap "seed", each started once its ADDED came */
static void start_watches(k8s_client *cl, tally *t, int n, int timeout_ms)
{
    k8s_list_options o = {.fieldSelector = "metadata.name=seed", .call.timeout_ms = timeout_ms};
    for (int i = 0; i < n; i++)
        assert_int_equal(k8s_watch_async(cl, &k8s_core_v1_config_map_resource, ns, &o, watch_event, watch_end, t),
                         K8S_OK);
}

static void test_streams_beyond_one_connection(void **state)
{
    (void)state;
    need_server();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_config_map *cm;
    CHECK_OK(k8s_core_v1_config_map_create(client, a, ns, make_cm(a, "seed", NULL), NULL, &cm, &err));

    /* 1,000 watches and 100 GETs, half of them with a 2 s limit: the
     * connections grow to what the server's 100 streams each need */
    uint64_t t0 = k8s_now_ms();
    k8s_client *cl = make_client(cfg, NULL);
    tally watches = TALLY_INIT, gets = TALLY_INIT;
    start_watches(cl, &watches, 1000, 0);
    int started = tally_wait(&watches, &watches.started, 1000, 30000);
    uint64_t t1 = k8s_now_ms();
    if (started < 1000)
        fail_msg("only %d of 1000 watches started", started);
    timed_get g[100];
    for (int i = 0; i < 100; i++)
        start_get(cl, &g[i], &gets, i % 2 ? 2000 : 0, NULL);
    assert_int_equal(tally_wait(&gets, &gets.ended, 100, 30000), 100);
    for (int i = 0; i < 100; i++) {
        if (g[i].code != K8S_OK)
            fail_msg("GET %d: %s (%s)", i, k8s_strerror(g[i].code), g[i].message);
        k8s_arena_free(g[i].arena);
    }
    k8s_client_stats st;
    k8s_client_stats_get(cl, &st);
    print_message("1000 watches up in %llu ms, then 100 GETs in %llu ms; %llu connections opened, %llu open, "
                  "%llu streams each\n",
                  (unsigned long long)(t1 - t0), (unsigned long long)(k8s_now_ms() - t1),
                  (unsigned long long)st.connections, (unsigned long long)st.open_connections,
                  (unsigned long long)st.streams_per_connection);
    assert_int_equal(st.streams_per_connection, 100);
    assert_true(st.open_connections >= 11 && st.open_connections <= 13);
    assert_int_equal(st.connections, st.open_connections); /* counted as they opened */
    k8s_client_free(cl); /* ends the watches */
    assert_int_equal(watches.ended, 1000);
    assert_int_equal(watches.codes[K8S_ECANCELED], 1000);

    /* at most 8 connections (the old fixed cap): 800 watches run, the rest
     * and every GET wait for a stream, and still end on time */
    cl = make_client(cfg, &(k8s_client_options){.max_connections = 8});
    tally queued = TALLY_INIT, timed = TALLY_INIT;
    watches = (tally)TALLY_INIT;
    start_watches(cl, &watches, 1000, 0);
    assert_int_equal(tally_wait(&watches, &watches.started, 800, 30000), 800);
    start_watches(cl, &queued, 10, 300); /* silence limit: they never get to say anything */
    timed_get short_gets[20], waiting;
    t0 = k8s_now_ms();
    for (int i = 0; i < 20; i++)
        start_get(cl, &short_gets[i], &timed, 300 + 20 * i, NULL);
    k8s_call_id id = 0;
    tally canceled = TALLY_INIT;
    start_get(cl, &waiting, &canceled, 0, &id);
    assert_int_equal(tally_wait(&timed, &timed.ended, 20, 10000), 20);
    assert_int_equal(tally_wait(&queued, &queued.ended, 10, 10000), 10);
    print_message("20 queued GETs with limits of 300-680 ms ended after %llu ms\n",
                  (unsigned long long)(k8s_now_ms() - t0));
    for (int i = 0; i < 20; i++) {
        assert_int_equal(short_gets[i].code, K8S_ETIMEDOUT);
        if (short_gets[i].took < (uint64_t)(300 + 20 * i) || short_gets[i].took > (uint64_t)(300 + 20 * i) + 1500)
            fail_msg("a GET with a %d ms limit ended after %llu ms", 300 + 20 * i, (unsigned long long)short_gets[i].took);
        if (!strstr(short_gets[i].message, "(waiting for a free stream: all k8s_client_options.max_connections = 8 "
                                           "connections are full)"))
            fail_msg("message: %s", short_gets[i].message);
        k8s_arena_free(short_gets[i].arena);
    }
    assert_int_equal(queued.codes[K8S_ETIMEDOUT], 10);
    assert_int_equal(watches.started, 800); /* the rest are still waiting */
    assert_int_equal(canceled.ended, 0);
    t0 = k8s_now_ms();
    assert_int_equal(k8s_cancel(cl, id), K8S_OK);
    assert_int_equal(tally_wait(&canceled, &canceled.ended, 1, 5000), 1);
    assert_int_equal(waiting.code, K8S_ECANCELED);
    assert_true(k8s_now_ms() - t0 < 1000);
    k8s_arena_free(waiting.arena);
    k8s_client_stats_get(cl, &st);
    assert_int_equal(st.connections, 8);
    k8s_client_free(cl);
    assert_int_equal(watches.codes[K8S_ECANCELED], 1000);
    k8s_arena_free(a);
}

/* A GOAWAY on every connection (kube-apiserver's --goaway-chance): the
 * watches on them go on, and the calls that follow share new connections
 * rather than opening one each. */
static void test_goaway_does_not_fan_out(void **state)
{
    (void)state;
    need_server();
    k8s_client *cl = make_client(cfg, NULL);
    tally watches = TALLY_INIT, gets = TALLY_INIT;
    start_watches(cl, &watches, 150, 0);
    assert_int_equal(tally_wait(&watches, &watches.started, 150, 30000), 150);
    k8s_client_stats before, after;
    k8s_client_stats_get(cl, &before);
    char *reply = NULL;
    assert_int_equal(test_server_control(&srv, "POST", "/_test/goaway", NULL, &reply), 200);
    print_message("GOAWAY: %s", reply);
    free(reply);
    static timed_get g[300];
    for (int i = 0; i < 300; i++)
        start_get(cl, &g[i], &gets, 10000, NULL);
    assert_int_equal(tally_wait(&gets, &gets.ended, 300, 30000), 300);
    for (int i = 0; i < 300; i++) {
        if (g[i].code != K8S_OK)
            fail_msg("GET %d: %s", i, g[i].message);
        k8s_arena_free(g[i].arena);
    }
    k8s_client_stats_get(cl, &after);
    print_message("150 watches on %llu connections; after the GOAWAY 300 GETs opened %llu more\n",
                  (unsigned long long)before.connections, (unsigned long long)(after.connections - before.connections));
    assert_true(after.connections - before.connections <= 4);
    assert_int_equal(watches.ended, 0);
    k8s_client_free(cl);
    assert_int_equal(watches.codes[K8S_ECANCELED], 150);
}

/* call.timeout_ms and k8s_cancel hold while a call waits for a retry, for
 * its credentials (a slow exec plugin) and for the rate limit. */
static void test_time_limits_in_every_state(void **state)
{
    (void)state;
    need_server();
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_config_map *cm;
    uint64_t t0 = k8s_now_ms();

    /* a 429 asking for 5 s before the retry */
    fault("{\"method\":\"GET\",\"path\":\"configmaps/later\",\"fault\":\"status-429\",\"retryAfter\":5}");
    assert_int_equal(k8s_core_v1_config_map_get(client, a, ns, "later", &(k8s_get_options){.call.timeout_ms = 400},
                                                &cm, &err),
                     K8S_ETIMEDOUT);
    assert_true(k8s_now_ms() - t0 < 2000);
    if (!strstr(err.message, "no reply within 400 ms (waiting for a retry)"))
        fail_msg("message: %s", err.message);
    test_server_control(&srv, "DELETE", "/_test/faults", NULL, NULL);

    /* an exec plugin that takes 3 s: the call ends on time, and so does a canceled one */
    char user[900];
    k8s_config *c = load(test_server_kubeconfig(&srv, "slow-plugin",
                                                exec_user("slow-plugin", "sleep 3", "admin-token", user, sizeof user)));
    k8s_client *cl = make_client(c, NULL);
    t0 = k8s_now_ms();
    assert_int_equal(k8s_core_v1_config_map_get(cl, a, ns, "seed", &(k8s_get_options){.call.timeout_ms = 300}, &cm, &err),
                     K8S_ETIMEDOUT);
    assert_true(k8s_now_ms() - t0 < 2000);
    if (!strstr(err.message, "(waiting for credentials)"))
        fail_msg("message: %s", err.message);
    tally t = TALLY_INIT;
    timed_get g;
    k8s_call_id id = 0;
    start_get(cl, &g, &t, 0, &id);
    usleep(100000);
    t0 = k8s_now_ms();
    assert_int_equal(k8s_cancel(cl, id), K8S_OK);
    assert_int_equal(tally_wait(&t, &t.ended, 1, 5000), 1);
    assert_int_equal(g.code, K8S_ECANCELED);
    assert_true(k8s_now_ms() - t0 < 1000);
    k8s_arena_free(g.arena);
    k8s_client_free(cl); /* waits for the plugin's run to end */
    k8s_config_free(c);

    /* the rate limit: one call in ten seconds (the first may be slow: valgrind) */
    cl = make_client(cfg, &(k8s_client_options){.qps = 0.1, .burst = 1});
    k8s_core_v1_namespace *n;
    CHECK_OK(k8s_core_v1_namespace_get(cl, a, ns, NULL, &n, &err));
    t0 = k8s_now_ms();
    assert_int_equal(k8s_core_v1_namespace_get(cl, a, ns, &(k8s_get_options){.call.timeout_ms = 200}, &n, &err),
                     K8S_ETIMEDOUT);
    assert_true(k8s_now_ms() - t0 < 800);
    if (!strstr(err.message, "(waiting for the client's rate limit)"))
        fail_msg("message: %s", err.message);
    k8s_client_free(cl);
    k8s_arena_free(a);
}

static void collect_warning(void *ctx, const char *w)
{
    snprintf(ctx, 256, "%s", w);
}

static void test_warnings(void **state)
{
    (void)state;
    need_client();
    char warning[256] = "";
    k8s_client *cl = make_client(cfg, &(k8s_client_options){.on_warning = collect_warning, .warning_ctx = warning});
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_config_map *cm = make_cm(a, "warned", NULL), *out;
    cm->_unknown = "{\"spec\":{}}";
    CHECK_OK(k8s_core_v1_config_map_create(cl, a, ns, cm, &(k8s_write_options){.fieldValidation = "Warn"}, &out, &err));
    assert_string_equal(warning, "unknown field \"spec\"");
    k8s_core_v1_config_map *strict = make_cm(a, "strict", NULL);
    strict->_unknown = "{\"spec\":{}}";
    assert_int_equal(k8s_core_v1_config_map_create(cl, a, ns, strict, &(k8s_write_options){.fieldValidation = "Strict"},
                                                   &out, &err),
                     K8S_EHTTP);
    assert_non_null(strstr(err.message, "strict decoding error: unknown field \"spec\""));
    assert_int_equal(err.http_status, 400);
    k8s_arena_free(a);
    k8s_client_free(cl);
}

/* ---- blocking calls on the caller's thread ---- */

/* The thread a call's Warning was reported on: the one driving the loop. */
static void note_thread(void *ctx, const char *w)
{
    (void)w;
    *(pthread_t *)ctx = pthread_self();
}

/* A warned create (fieldValidation=Warn and an unknown field). */
static k8s_code warned_create(k8s_client *cl, k8s_arena *a, const char *name, k8s_error *err)
{
    k8s_core_v1_config_map *cm = make_cm(a, name, NULL), *out;
    cm->_unknown = "{\"spec\":{}}";
    return k8s_core_v1_config_map_create(cl, a, ns, cm, &(k8s_write_options){.fieldValidation = "Warn"}, &out, err);
}

static void on_watch_event(void *data, k8s_watch_event *ev)
{
    (void)data;
    (void)ev;
}

typedef struct cancel_later {
    k8s_client *client;
    k8s_call_id id;
    done_box box; /* an async call's, made meanwhile */
    pthread_t ran_on;
} cancel_later;

static void note_done(void *data, k8s_code code, void *result, const k8s_error *err)
{
    cancel_later *c = data;
    c->ran_on = pthread_self();
    on_done(&c->box, code, result, err);
}

/* While the call waits: an async call (whose callback must still run on
 * the loop's thread), then the cancel. */
static void *cancel_after_a_while(void *arg)
{
    cancel_later *c = arg;
    usleep(150000);
    k8s_arena *a = k8s_arena_new();
    if (k8s_core_v1_namespace_get_async(c->client, a, ns, NULL, note_done, c) != K8S_OK)
        on_done(&c->box, K8S_EINVAL, NULL, NULL);
    usleep(150000);
    k8s_cancel(c->client, c->id);
    wait_box(&c->box, 1);
    k8s_arena_free(a);
    return NULL;
}

/* With nothing else on the loop a blocking call runs on its caller's
 * thread; with a watch open it is handed to the loop's thread as ever;
 * cancel, time limits and many callers at once work either way. */
static void test_blocking_calls_on_the_callers_thread(void **state)
{
    (void)state;
    need_server();
    pthread_t where = pthread_self();
    k8s_client *cl = make_client(cfg, &(k8s_client_options){.on_warning = note_thread, .warning_ctx = &where});
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    char name[64];

    /* idle: here (once the loop's thread has parked, which it does at once) */
    bool here = false;
    for (int i = 0; i < 50 && !here; i++) {
        usleep(20000);
        where = (pthread_t)0;
        snprintf(name, sizeof name, "on-caller-%d", i);
        CHECK_OK(warned_create(cl, a, name, &err));
        here = pthread_equal(where, pthread_self());
    }
    assert_true(here);

    /* a watch open: on the loop's thread */
    done_box watch = {0, K8S_OK, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
    k8s_call_id watch_id = 0;
    k8s_list_options lo = {.call.id = &watch_id};
    CHECK_OK(k8s_watch_async(cl, &k8s_core_v1_config_map_resource, ns, &lo, on_watch_event, on_done, &watch));
    usleep(200000); /* the watch has its stream */
    where = pthread_self();
    CHECK_OK(warned_create(cl, a, "beside-a-watch", &err));
    assert_false(pthread_equal(where, pthread_self()));
    assert_int_equal(k8s_cancel(cl, watch_id), K8S_OK);
    wait_box(&watch, 1);
    assert_int_equal(watch.code, K8S_ECANCELED);

    /* a call on the caller's thread canceled from another thread (call ids
     * count up, so the next one is known before it starts); an async call
     * made meanwhile completes on the loop's thread, not this one */
    usleep(100000); /* the loop idle again */
    k8s_call_id prev = 0;
    k8s_core_v1_namespace *n;
    CHECK_OK(k8s_core_v1_namespace_get(cl, a, ns, &(k8s_get_options){.call.id = &prev}, &n, &err));
    fault("{\"method\":\"GET\",\"path\":\"configmaps/stalled-here\",\"fault\":\"stall\"}");
    cancel_later cl8r = {cl, prev + 1, {0, K8S_OK, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER}, pthread_self()};
    pthread_t canceler;
    pthread_create(&canceler, NULL, cancel_after_a_while, &cl8r);
    k8s_core_v1_config_map *cm;
    k8s_call_id id = 0;
    uint64_t t0 = k8s_now_ms();
    assert_int_equal(k8s_core_v1_config_map_get(cl, a, ns, "stalled-here", &(k8s_get_options){.call.id = &id}, &cm, &err),
                     K8S_ECANCELED);
    pthread_join(canceler, NULL);
    assert_int_equal(id, prev + 1);
    assert_int_equal(cl8r.box.code, K8S_OK);
    assert_false(pthread_equal(cl8r.ran_on, pthread_self()));
    assert_true(k8s_now_ms() - t0 >= 250);

    /* its time limit (the fault stalls one request) */
    fault("{\"method\":\"GET\",\"path\":\"configmaps/stalled-here\",\"fault\":\"stall\"}");
    assert_int_equal(k8s_core_v1_config_map_get(cl, a, ns, "stalled-here",
                                                &(k8s_get_options){.call.timeout_ms = 300}, &cm, &err),
                     K8S_ETIMEDOUT);
    assert_non_null(strstr(err.message, "no reply within 300 ms"));
    test_server_control(&srv, "DELETE", "/_test/faults", NULL, NULL);

    /* many callers at once: one drives the loop, the others hand over */
    assert_int_equal(hammer_from_threads(cl, 8, 25), 0);

    /* and the loop's own thread still runs async calls */
    done_box b = {0, K8S_OK, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
    CHECK_OK(k8s_core_v1_namespace_get_async(cl, a, ns, NULL, on_done, &b));
    wait_box(&b, 1);
    assert_int_equal(b.code, K8S_OK);
    k8s_arena_free(a);
    k8s_client_free(cl);
}

/* A program that runs its own event loop drives the client's. */
static void test_driven_loop(void **state)
{
    (void)state;
    need_client();
    k8s_loop *loop;
    k8s_error err;
    CHECK_OK(k8s_loop_new(&loop, &err));
    k8s_client *cl = make_client(cfg, &(k8s_client_options){.loop = loop});
    done_box b = {0, K8S_OK, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
    k8s_arena *a = k8s_arena_new();
    CHECK_OK(k8s_core_v1_namespace_get_async(cl, a, ns, NULL, on_done, &b));
    for (int i = 0; i < 1000 && !b.calls; i++) { /* the program's own poll loop */
        struct pollfd p = {k8s_loop_fd(loop), POLLIN, 0};
        poll(&p, 1, k8s_loop_timeout(loop));
        k8s_loop_run_once(loop, 0);
    }
    assert_int_equal(b.calls, 1);
    assert_int_equal(b.code, K8S_OK);
    k8s_arena_free(a);
    k8s_client_free(cl); /* on the driving thread: drives the loop to finish */
    k8s_loop_free(loop);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crud_and_errors),
        cmocka_unit_test(test_invalid_has_causes),
        cmocka_unit_test(test_lists_and_paging),
        cmocka_unit_test(test_patches),
        cmocka_unit_test(test_subresources),
        cmocka_unit_test(test_custom_resources),
        cmocka_unit_test(test_auth_modes),
        cmocka_unit_test(test_token_rotation),
        cmocka_unit_test(test_unauthorized_says_what_was_refused),
        cmocka_unit_test(test_faults),
        cmocka_unit_test(test_tls_and_transport_failures),
        cmocka_unit_test(test_async_and_cancel),
        cmocka_unit_test(test_reply_buffers_reused),
        cmocka_unit_test(test_no_waiting_on_the_loop),
        cmocka_unit_test(test_threads_share_a_client),
        cmocka_unit_test(test_rate_limit),
        cmocka_unit_test(test_http2_multiplexing),
        cmocka_unit_test(test_streams_beyond_one_connection),
        cmocka_unit_test(test_time_limits_in_every_state),
        cmocka_unit_test(test_goaway_does_not_fan_out),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_blocking_calls_on_the_callers_thread),
        cmocka_unit_test(test_driven_loop),
    };
    return test_run(tests, setup, teardown);
}

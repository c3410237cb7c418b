/* From calls to HTTP requests and from replies to results, without a
 * server: URLs, percent-encoding, query parameters by verb, bodies,
 * content types, reply decoding and the errors the API server's replies
 * turn into (bodies taken from the recorded transcripts when present). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client_internal.h"
#include "internal.h"
#include "k8s/api.h"
#include "testutil.h"

#define BASE "https://10.0.0.1:6443"

static http_request build_ok(const k8s_op *op, const k8s_args *args, const char *ns)
{
    http_request req;
    k8s_error err;
    k8s_code rc = k8s_build_request(&req, BASE, op, args, ns, NULL, &err);
    if (rc)
        fail_msg("build failed: %s", err.message);
    return req;
}

static void build_fails(const k8s_op *op, const k8s_args *args, const char *ns, const char *msg)
{
    http_request req;
    k8s_error err;
    assert_int_equal(k8s_build_request(&req, BASE, op, args, ns, NULL, &err), K8S_EINVAL);
    if (!strstr(err.message, msg))
        fail_msg("message \"%s\" lacks \"%s\"", err.message, msg);
}

static const k8s_op pod_get = {&k8s_core_v1_pod_resource, NULL, K8S_VERB_GET, NULL, &k8s_core_v1_pod_desc, "Pod"};
static const k8s_op pod_list = {&k8s_core_v1_pod_resource, NULL, K8S_VERB_LIST, NULL,
                                &k8s_core_v1_pod_list_desc, "PodList"};

static void test_urls(void **state)
{
    (void)state;
    http_request r = build_ok(&pod_get, &(k8s_args){.name = "web"}, "demo");
    assert_string_equal(r.url, BASE "/api/v1/namespaces/demo/pods/web");
    assert_string_equal(r.method, "GET");
    assert_string_equal(r.accept, "application/json");
    assert_null(r.content_type);
    assert_true(r.idempotent);
    k8s_request_clear(&r);

    /* names and namespaces are percent-encoded */
    r = build_ok(&pod_get, &(k8s_args){.name = "a b/c%d?e#f"}, "n s");
    assert_string_equal(r.url, BASE "/api/v1/namespaces/n%20s/pods/a%20b%2Fc%25d%3Fe%23f");
    k8s_request_clear(&r);

    /* all namespaces, a group, a cluster-scoped resource, a subresource */
    r = build_ok(&pod_list, &(k8s_args){0}, K8S_ALL_NAMESPACES);
    assert_string_equal(r.url, BASE "/api/v1/pods");
    k8s_request_clear(&r);
    static const k8s_op deploy_scale = {&k8s_apps_v1_deployment_resource, "scale", K8S_VERB_GET, NULL,
                                        &k8s_autoscaling_v1_scale_desc, "Scale"};
    r = build_ok(&deploy_scale, &(k8s_args){.name = "web"}, "prod");
    assert_string_equal(r.url, BASE "/apis/apps/v1/namespaces/prod/deployments/web/scale");
    k8s_request_clear(&r);
    static const k8s_op node_get = {&k8s_core_v1_node_resource, NULL, K8S_VERB_GET, NULL,
                                    &k8s_core_v1_node_desc, "Node"};
    r = build_ok(&node_get, &(k8s_args){.name = "n1"}, "ignored");
    assert_string_equal(r.url, BASE "/api/v1/nodes/n1");
    k8s_request_clear(&r);

    /* a custom resource, built by hand */
    k8s_resource widgets = {"demo.example.com", "v1", "widgets", "Widget", true, NULL, NULL};
    k8s_op widget_list = {&widgets, NULL, K8S_VERB_LIST, NULL, NULL, NULL};
    r = build_ok(&widget_list, &(k8s_args){0}, "demo");
    assert_string_equal(r.url, BASE "/apis/demo.example.com/v1/namespaces/demo/widgets");
    assert_string_equal(r.accept, "application/json");
    k8s_request_clear(&r);
}

static void test_list_query(void **state)
{
    (void)state;
    k8s_list_options o = {
        .labelSelector = "app in (web,api),tier!=db",
        .fieldSelector = "metadata.name=x",
        .limit = 2,
        .continue_ = "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MjM4fQ",
        .resourceVersion = "0",
        .resourceVersionMatch = "NotOlderThan",
        .timeoutSeconds = 5,
        .allowWatchBookmarks = true,
        .has_sendInitialEvents = true,
        .sendInitialEvents = false,
    };
    http_request r = build_ok(&pod_list, &(k8s_args){.options = &o}, "demo");
    assert_string_equal(r.url, BASE "/api/v1/namespaces/demo/pods"
                                    "?labelSelector=app%20in%20%28web%2Capi%29%2Ctier%21%3Ddb"
                                    "&fieldSelector=metadata.name%3Dx&limit=2"
                                    "&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MjM4fQ"
                                    "&resourceVersion=0&resourceVersionMatch=NotOlderThan&timeoutSeconds=5"
                                    "&allowWatchBookmarks=true&sendInitialEvents=false");
    k8s_request_clear(&r);
    /* zero means not sent */
    k8s_list_options none = {0};
    r = build_ok(&pod_list, &(k8s_args){.options = &none}, "demo");
    assert_string_equal(r.url, BASE "/api/v1/namespaces/demo/pods");
    k8s_request_clear(&r);
}

static void test_writes(void **state)
{
    (void)state;
    static const k8s_op create = {&k8s_core_v1_config_map_resource, NULL, K8S_VERB_CREATE,
                                  &k8s_core_v1_config_map_desc, &k8s_core_v1_config_map_desc, "ConfigMap"};
    k8s_meta_v1_object_meta meta = {.name = "cm"};
    k8s_string_entry data[] = {{"k", ""}};
    k8s_core_v1_config_map cm = {.kind = "ConfigMap", .apiVersion = "v1", .metadata = &meta,
                                 .data = data, .data_len = 1, .has_immutable = true, .immutable = false};
    k8s_write_options w = {.dryRun = "All", .fieldManager = "me", .fieldValidation = "Strict"};
    http_request r = build_ok(&create, &(k8s_args){.body = &cm, .options = &w}, "demo");
    assert_string_equal(r.url, BASE "/api/v1/namespaces/demo/configmaps?dryRun=All&fieldManager=me&fieldValidation=Strict");
    assert_string_equal(r.method, "POST");
    assert_false(r.idempotent);
    assert_string_equal(r.content_type, "application/json");
    /* false and "" are sent */
    assert_string_equal(r.body, "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"cm\"},"
                                "\"data\":{\"k\":\"\"},\"immutable\":false}");
    k8s_request_clear(&r);

    static const k8s_op replace = {&k8s_core_v1_config_map_resource, NULL, K8S_VERB_REPLACE,
                                   &k8s_core_v1_config_map_desc, &k8s_core_v1_config_map_desc, "ConfigMap"};
    r = build_ok(&replace, &(k8s_args){.name = "cm", .body = &cm}, "demo");
    assert_string_equal(r.method, "PUT");
    assert_true(r.idempotent);
    k8s_request_clear(&r);

    static const k8s_op patch = {&k8s_core_v1_config_map_resource, NULL, K8S_VERB_PATCH, NULL,
                                 &k8s_core_v1_config_map_desc, "ConfigMap"};
    const char *types[] = {"application/merge-patch+json", "application/json-patch+json",
                           "application/strategic-merge-patch+json", "application/apply-patch+yaml"};
    for (int t = 0; t < 4; t++) {
        k8s_patch_options po = {.type = (k8s_patch_type)t, .fieldManager = "me", .force = t == 3};
        r = build_ok(&patch, &(k8s_args){.name = "cm", .text = "{\"data\":{\"k\":null}}", .options = &po}, "demo");
        assert_string_equal(r.content_type, types[t]);
        assert_string_equal(r.body, "{\"data\":{\"k\":null}}");
        assert_false(r.idempotent);
        assert_non_null(strstr(r.url, t == 3 ? "fieldManager=me&force=true" : "fieldManager=me"));
        k8s_request_clear(&r);
    }
    static const k8s_op apply = {&k8s_core_v1_config_map_resource, NULL, K8S_VERB_APPLY,
                                 &k8s_core_v1_config_map_desc, &k8s_core_v1_config_map_desc, "ConfigMap"};
    k8s_patch_options ao = {.fieldManager = "me", .force = true};
    r = build_ok(&apply, &(k8s_args){.name = "cm", .body = &cm, .options = &ao}, "demo");
    assert_string_equal(r.content_type, "application/apply-patch+yaml");
    assert_string_equal(r.method, "PATCH");
    assert_non_null(strstr(r.body, "\"immutable\":false"));
    k8s_request_clear(&r);
    build_fails(&apply, &(k8s_args){.name = "cm", .body = &cm}, "demo", "fieldManager");
}

/* A typed body leaving apiVersion and kind empty gets its own type's, on
 * the wire only; one that names them keeps what it says. */
static void test_body_kind(void **state)
{
    (void)state;
    static const k8s_op scale_replace = {&k8s_apps_v1_deployment_resource, "scale", K8S_VERB_REPLACE,
                                         &k8s_autoscaling_v1_scale_desc, &k8s_autoscaling_v1_scale_desc, "Scale"};
    static const k8s_op evict = {&k8s_core_v1_pod_resource, "eviction", K8S_VERB_CREATE, &k8s_policy_v1_eviction_desc,
                                 &k8s_policy_v1_eviction_desc, "Eviction"};
    static const k8s_op cm_apply = {&k8s_core_v1_config_map_resource, NULL, K8S_VERB_APPLY, &k8s_core_v1_config_map_desc,
                                    &k8s_core_v1_config_map_desc, "ConfigMap"};
    k8s_meta_v1_object_meta meta = {.name = "web"};
    k8s_autoscaling_v1_scale scale = {.metadata = &meta};
    http_request r = build_ok(&scale_replace, &(k8s_args){.name = "web", .body = &scale}, "demo");
    assert_string_equal(r.body, "{\"kind\":\"Scale\",\"apiVersion\":\"autoscaling/v1\",\"metadata\":{\"name\":\"web\"}}");
    assert_null(scale.kind);
    assert_null(scale.apiVersion);
    k8s_request_clear(&r);

    k8s_policy_v1_eviction ev = {.metadata = &meta, .apiVersion = ""};
    r = build_ok(&evict, &(k8s_args){.name = "web", .body = &ev}, "demo");
    assert_string_equal(r.body, "{\"kind\":\"Eviction\",\"apiVersion\":\"policy/v1\",\"metadata\":{\"name\":\"web\"}}");
    assert_string_equal(ev.apiVersion, "");
    k8s_request_clear(&r);

    k8s_core_v1_config_map cm = {.metadata = &meta, .apiVersion = "v1"};
    r = build_ok(&cm_apply, &(k8s_args){.name = "web", .body = &cm, .options = &(k8s_patch_options){.fieldManager = "m"}},
                 "demo");
    assert_string_equal(r.body, "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"web\"}}");
    k8s_request_clear(&r);
    cm.kind = "Other";
    cm.apiVersion = "example.com/v9";
    r = build_ok(&cm_apply, &(k8s_args){.name = "web", .body = &cm, .options = &(k8s_patch_options){.fieldManager = "m"}},
                 "demo");
    assert_non_null(strstr(r.body, "\"kind\":\"Other\",\"apiVersion\":\"example.com/v9\""));
    k8s_request_clear(&r);
}

/* A dynamic list read page by page: items kept as sent, the last page's
 * members (continue dropped) around them. */
static void test_json_pages(void **state)
{
    (void)state;
    k8s_arena *a = k8s_arena_new();
    k8s_json_pages p = {0};
    k8s_error err;
    const char *next;
    char *all;
    const char *page1 = "{\"kind\":\"WidgetList\",\"apiVersion\":\"x.io/v1\",\"metadata\":{\"continue\":\"t1\","
                        "\"remainingItemCount\":1},\"items\":[{\"n\":1},{\"n\":2}]}";
    const char *page2 = "{\"kind\":\"WidgetList\",\"apiVersion\":\"x.io/v1\",\"metadata\":{\"resourceVersion\":\"7\"},"
                        "\"items\":[{\"n\":18446744073709551615,\"s\":\"\\u003c\"}],\"extra\":{\"x\":[]}}";
    assert_int_equal(k8s_json_pages_add(&p, page1, strlen(page1), a, &next, &all, &err), K8S_OK);
    assert_string_equal(next, "t1");
    assert_null(all);
    assert_int_equal(k8s_json_pages_add(&p, page2, strlen(page2), a, &next, &all, &err), K8S_OK);
    assert_null(next);
    assert_string_equal(all, "{\"kind\":\"WidgetList\",\"apiVersion\":\"x.io/v1\",\"metadata\":{\"resourceVersion\":\"7\"},"
                             "\"items\":[{\"n\":1},{\"n\":2},{\"n\":18446744073709551615,\"s\":\"\\u003c\"}],"
                             "\"extra\":{\"x\":[]}}");
    k8s_json_pages_clear(&p);

    const char *empty = "{\"kind\":\"WidgetList\",\"metadata\":{},\"items\":[]}";
    assert_int_equal(k8s_json_pages_add(&p, empty, strlen(empty), a, &next, &all, &err), K8S_OK);
    assert_string_equal(all, empty);
    k8s_json_pages_clear(&p);

    const char *broken = "{\"kind\":\"WidgetList\",\"items\":[{\"n\":1}";
    assert_int_equal(k8s_json_pages_add(&p, broken, strlen(broken), a, &next, &all, &err), K8S_EBADREPLY);
    if (!strstr(err.message, "the reply is not a list"))
        fail_msg("message: %s", err.message);
    const char *not_list = "{\"items\":{\"n\":1}}";
    assert_int_equal(k8s_json_pages_add(&p, not_list, strlen(not_list), a, &next, &all, &err), K8S_EBADREPLY);
    assert_string_equal(err.path, "items");
    k8s_json_pages_clear(&p);
    k8s_arena_free(a);
}

static void test_deletes(void **state)
{
    (void)state;
    static const k8s_op del = {&k8s_apps_v1_deployment_resource, NULL, K8S_VERB_DELETE, NULL,
                               &k8s_apps_v1_deployment_desc, "Deployment"};
    http_request r = build_ok(&del, &(k8s_args){.name = "web"}, "demo");
    assert_string_equal(r.method, "DELETE");
    assert_null(r.body);
    k8s_request_clear(&r);
    k8s_delete_options o = {.propagationPolicy = "Foreground", .has_gracePeriodSeconds = true,
                            .gracePeriodSeconds = 0, .preconditionUID = "u\"1",
                            .preconditionResourceVersion = "42", .dryRun = "All",
                            .has_orphanDependents = true};
    r = build_ok(&del, &(k8s_args){.name = "web", .options = &o}, "demo");
    assert_string_equal(r.content_type, "application/json");
    assert_string_equal(r.body, "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"dryRun\":[\"All\"],"
                                "\"gracePeriodSeconds\":0,\"propagationPolicy\":\"Foreground\","
                                "\"orphanDependents\":false,\"preconditions\":{\"uid\":\"u\\\"1\","
                                "\"resourceVersion\":\"42\"}}");
    k8s_request_clear(&r);
    k8s_delete_options only_ignore = {.ignoreStoreReadErrorWithClusterBreakingPotential = true};
    r = build_ok(&del, &(k8s_args){.name = "web", .options = &only_ignore}, "demo");
    assert_string_equal(r.body, "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
                                "\"ignoreStoreReadErrorWithClusterBreakingPotential\":true}");
    k8s_request_clear(&r);
    /* the body goes through the codec, which refuses what is not UTF-8 and says where */
    k8s_delete_options bad = {.propagationPolicy = "Fore\xffground"};
    http_request req;
    k8s_error err;
    assert_int_not_equal(k8s_build_request(&req, BASE, &del, &(k8s_args){.name = "web", .options = &bad}, "demo",
                                           NULL, &err),
                         K8S_OK);
    assert_string_equal(err.path, "propagationPolicy");

    static const k8s_op coll = {&k8s_apps_v1_deployment_resource, NULL, K8S_VERB_DELETE_COLLECTION, NULL,
                                &k8s_apps_v1_deployment_list_desc, "DeploymentList"};
    k8s_list_options sel = {.labelSelector = "app=web"};
    r = build_ok(&coll, &(k8s_args){.list = &sel}, "demo");
    assert_string_equal(r.url, BASE "/apis/apps/v1/namespaces/demo/deployments?labelSelector=app%3Dweb");
    k8s_request_clear(&r);
    build_fails(&coll, &(k8s_args){0}, K8S_ALL_NAMESPACES, "a namespace is required");
}

static void test_log_and_errors(void **state)
{
    (void)state;
    static const k8s_op log = {&k8s_core_v1_pod_resource, "log", K8S_VERB_GET, NULL, NULL, NULL};
    k8s_log_options o = {.container = "c", .follow = true, .has_tailLines = true, .tailLines = 0,
                         .sinceSeconds = 10, .timestamps = true};
    http_request r = build_ok(&log, &(k8s_args){.name = "p", .options = &o}, "demo");
    assert_string_equal(r.url, BASE "/api/v1/namespaces/demo/pods/p/log?container=c&follow=true"
                                    "&timestamps=true&sinceSeconds=10&tailLines=0");
    assert_string_equal(r.accept, "*/*");
    k8s_request_clear(&r);

    build_fails(&pod_get, &(k8s_args){0}, "demo", "a name is required");
    build_fails(&pod_get, &(k8s_args){.name = ""}, "demo", "a name is required");
    build_fails(&pod_get, &(k8s_args){.name = "x"}, K8S_ALL_NAMESPACES, "a namespace is required");
    build_fails(&pod_list, &(k8s_args){.name = "x"}, "demo", "takes no name");
    static const k8s_op patch = {&k8s_core_v1_pod_resource, NULL, K8S_VERB_PATCH, NULL, NULL, NULL};
    build_fails(&patch, &(k8s_args){.name = "x"}, "demo", "needs its text");
}

/* ---- replies ---- */

/* cache: the decoder's, carried from reply to reply as a client carries
 * it, or NULL */
static void check_replies(k8s_decode_cache *cache)
{
    k8s_arena *a = k8s_arena_new();
    void *out;
    k8s_error err;
    const char *pod = "{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\"}}\n";
    assert_int_equal(k8s_read_reply(&pod_get, 200, pod, strlen(pod), a, cache, &out, &err), K8S_OK);
    assert_string_equal(((k8s_core_v1_pod *)out)->metadata->name, "p");

    /* a delete answered with a Status instead of the object */
    static const k8s_op del = {&k8s_core_v1_config_map_resource, NULL, K8S_VERB_DELETE, NULL,
                               &k8s_core_v1_config_map_desc, "ConfigMap"};
    const char *ok = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Success\","
                     "\"details\":{\"name\":\"cm\",\"kind\":\"configmaps\",\"uid\":\"u\"}}\n";
    assert_int_equal(k8s_read_reply(&del, 200, ok, strlen(ok), a, cache, &out, &err), K8S_OK);
    assert_null(out);

    /* the wrong kind, broken JSON, a wrong type: K8S_EBADREPLY, saying so */
    const char *svc = "{\"kind\":\"Service\",\"apiVersion\":\"v1\"}";
    assert_int_equal(k8s_read_reply(&pod_get, 200, svc, strlen(svc), a, cache, &out, &err), K8S_EBADREPLY);
    assert_string_equal(err.message, "expected a Pod, the server sent a Service");
    /* a reply of another kind that does not even decode as the op's (a
     * Status's "status" is a string, a Pod's an object): its kind decides */
    const char *failure = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\"}";
    assert_int_equal(k8s_read_reply(&pod_get, 200, failure, strlen(failure), a, cache, &out, &err), K8S_EBADREPLY);
    assert_string_equal(err.message, "expected a Pod, the server sent a Status");
    assert_null(out);
    const char *success = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Success\"}";
    assert_int_equal(k8s_read_reply(&pod_get, 200, success, strlen(success), a, cache, &out, &err), K8S_OK);
    assert_null(out);
    assert_int_equal(err.code, K8S_OK);
    assert_string_equal(err.message, "");
    assert_int_equal(k8s_read_reply(&pod_get, 200, "{\"kind\":\"Po", 11, a, cache, &out, &err), K8S_EBADREPLY);
    assert_string_equal(err.message, "the reply is not valid JSON: unterminated string");
    assert_int_equal(k8s_read_reply(&pod_get, 200, "{\"kind\":\"Pod\",", 13, a, cache, &out, &err), K8S_EBADREPLY);
    assert_string_equal(err.message, "the reply is not valid JSON: unexpected end of input");
    const char *bad = "{\"kind\":\"Pod\",\"spec\":{\"priority\":\"high\"}}";
    assert_int_equal(k8s_read_reply(&pod_get, 200, bad, strlen(bad), a, cache, &out, &err), K8S_EBADREPLY);
    assert_string_equal(err.path, "spec.priority");
    assert_non_null(strstr(err.message, "the reply is not a valid Pod"));
    assert_int_equal(err.http_status, 200);

    /* text replies, including 204 with no body (the log of an unscheduled pod) */
    static const k8s_op log = {&k8s_core_v1_pod_resource, "log", K8S_VERB_GET, NULL, NULL, NULL};
    assert_int_equal(k8s_read_reply(&log, 200, "line 1\nline 2\n", 14, a, cache, &out, &err), K8S_OK);
    assert_string_equal(out, "line 1\nline 2\n");
    assert_int_equal(k8s_read_reply(&log, 204, "", 0, a, cache, &out, &err), K8S_OK);
    assert_string_equal(out, "");

    /* an error that is not a Status */
    assert_int_equal(k8s_read_reply(&pod_get, 502, "<html>Bad\x01 Gateway</html>\nmore", 31, a, cache, &out, &err),
                     K8S_EHTTP);
    assert_string_equal(err.message, "HTTP 502: <html>Bad? Gateway</html>");
    assert_null(err.status);
    k8s_arena_free(a);
}

static void test_replies(void **state)
{
    (void)state;
    check_replies(NULL);
    /* the same replies through one cache: what a Pod, a Status or broken
     * JSON left in it must not change how the next reply reads */
    k8s_decode_cache *g = k8s_decode_cache_new();
    assert_non_null(g);
    check_replies(g);
    check_replies(g);
    k8s_decode_cache_free(g);
}

/* The recorded error replies of a real API server: each becomes the
 * documented code with the server's message and Status kept. */
static void test_transcript_errors(void **state)
{
    (void)state;
    const char *shared = test_shared_dir();
    if (!shared) {
        test_skip("../shared not found: no transcript replies to check");
    }
    static const struct {
        const char *file;
        k8s_code code;
        const char *reason;
    } cases[] = {
        {"09-get-missing-pod-404.json", K8S_ENOTFOUND, "NotFound"},
        {"10-create-pod-again-409-alreadyexists.json", K8S_ECONFLICT, "AlreadyExists"},
        {"11-put-stale-resourceversion-409-conflict.json", K8S_ECONFLICT, "Conflict"},
        {"12-create-invalid-pod-422.json", K8S_EINVALID, "Invalid"},
        {"13-bad-token-401.json", K8S_EUNAUTHORIZED, "Unauthorized"},
        {"14-no-rights-token-403.json", K8S_EFORBIDDEN, "Forbidden"},
        {"39-not-acceptable-406.json", K8S_EHTTP, "NotAcceptable"},
        {"75-list-resourceversion-too-large-504.json", K8S_EHTTP, "Timeout"},
        {"79-list-continue-expired-410.json", K8S_EGONE, "Expired"},
        {"26-patch-json-patch-test-fails.json", K8S_EINVALID, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/apiserver/transcripts/%s", shared, cases[i].file);
        char *text = test_read_file(path, NULL);
        assert_non_null(text);
        cJSON *t = cJSON_Parse(text);
        cJSON *resp = cJSON_GetObjectItem(t, "response");
        int status = cJSON_GetObjectItem(resp, "status")->valueint;
        char *body = cJSON_PrintUnformatted(cJSON_GetObjectItem(resp, "body"));
        k8s_arena *a = k8s_arena_new();
        void *out;
        k8s_error err;
        k8s_code rc = k8s_read_reply(&pod_get, status, body, strlen(body), a, NULL, &out, &err);
        if (rc != cases[i].code)
            fail_msg("%s: %s instead of %s", cases[i].file, k8s_strerror(rc), k8s_strerror(cases[i].code));
        assert_int_equal(err.http_status, status);
        assert_non_null(err.status);
        /* the whole message is kept in the Status; err.message holds what fits */
        const char *msg = cJSON_GetObjectItem(cJSON_GetObjectItem(resp, "body"), "message")->valuestring;
        assert_string_equal(err.status->message, msg);
        assert_int_equal(strncmp(err.message, msg, sizeof err.message - 1), 0);
        if (cases[i].reason)
            assert_string_equal(err.status->reason, cases[i].reason);
        if (rc == K8S_EINVALID && cases[i].reason) { /* 422 carries causes */
            assert_non_null(err.status->details);
            assert_true(err.status->details->causes_len > 0);
            assert_non_null(err.status->details->causes[0].field);
        }
        k8s_arena_free(a);
        free(body);
        cJSON_Delete(t);
        free(text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_list_query),
        cmocka_unit_test(test_writes),
        cmocka_unit_test(test_body_kind),
        cmocka_unit_test(test_json_pages),
        cmocka_unit_test(test_deletes),
        cmocka_unit_test(test_log_and_errors),
        cmocka_unit_test(test_replies),
        cmocka_unit_test(test_transcript_errors),
    };
    return test_run(tests, NULL, NULL);
}

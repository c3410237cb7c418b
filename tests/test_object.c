/* The object helpers (k8s/object.h) against the bundled test API server:
 * metadata read from typed structs and from JSON alike; owner references
 * made, put on typed children and written as JSON; finalizers added and
 * removed with conflict retry (deletion waits for them); status written
 * through the status subresource with conflict retry; server-side apply
 * with a field manager, its conflicts and force. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "fixture.h"
#include "k8s/object.h"

static const k8s_resource dyn_cms = {"", "v1", "configmaps", "ConfigMap", true, NULL, NULL};
static const k8s_resource dyn_deployments = {"apps", "v1", "deployments", "Deployment", true, NULL, NULL};

static k8s_core_v1_config_map *make_cm(const char *ns, const char *name, k8s_arena *a)
{
    k8s_meta_v1_object_meta meta = {.name = (char *)name};
    k8s_string_entry data = {"k", "v"};
    k8s_core_v1_config_map body = {.metadata = &meta, .data = &data, .data_len = 1}, *cm;
    k8s_error err;
    CHECK_OK(k8s_core_v1_config_map_create(writer, a, ns, &body, NULL, &cm, &err));
    return cm;
}

/* Changes the ConfigMap on the server behind a copy's back. */
static void touch_cm(const char *ns, const char *name, const char *value)
{
    k8s_arena *a = k8s_arena_new();
    char patch[128];
    snprintf(patch, sizeof patch, "{\"data\":{\"touched\":\"%s\"}}", value);
    k8s_core_v1_config_map *out;
    k8s_error err;
    k8s_patch_options po = {.type = K8S_PATCH_MERGE};
    CHECK_OK(k8s_core_v1_config_map_patch(writer, a, ns, name, patch, &po, &out, &err));
    k8s_arena_free(a);
}

static void test_info_typed_and_json(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("obj", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    const char *json = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\",\"finalizers\":"
                       "[\"a.example.com/x\",\"b.example.com/y\"],\"ownerReferences\":[{\"apiVersion\":\"apps/v1\","
                       "\"kind\":\"Deployment\",\"name\":\"web\",\"uid\":\"u-1\",\"controller\":true},{\"apiVersion\":"
                       "\"v1\",\"kind\":\"Pod\",\"name\":\"p\",\"uid\":\"u-2\"}]}}";
    char path[128], *reply;
    k8s_error err;
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps", ns);
    CHECK_OK(k8s_request(writer, a, "POST", path, json, NULL, &reply, &err));
    k8s_core_v1_config_map *typed;
    CHECK_OK(k8s_core_v1_config_map_get(writer, a, ns, "c", NULL, &typed, &err));
    k8s_object_info ti, ji;
    CHECK_OK(k8s_object_info_get(&k8s_core_v1_config_map_resource, typed, a, &ti, &err));
    CHECK_OK(k8s_object_info_get(&dyn_cms, reply, a, &ji, &err));
    k8s_object_info *both[] = {&ti, &ji};
    for (int i = 0; i < 2; i++) {
        k8s_object_info *m = both[i];
        assert_string_equal(m->name, "c");
        assert_string_equal(m->namespace_, ns);
        assert_string_equal(m->uid, typed->metadata->uid);
        assert_string_equal(m->resource_version, typed->metadata->resourceVersion);
        assert_null(m->deletion_timestamp);
        assert_int_equal(m->finalizers_len, 2);
        assert_true(k8s_object_has_finalizer(m, "b.example.com/y"));
        assert_false(k8s_object_has_finalizer(m, "c.example.com/z"));
        assert_int_equal(m->owners_len, 2);
        assert_string_equal(m->owners[0].kind, "Deployment");
        assert_string_equal(m->owners[0].api_version, "apps/v1");
        assert_true(m->owners[0].controller);
        assert_false(m->owners[1].controller);
        assert_string_equal(m->owners[1].uid, "u-2");
    }
    assert_string_equal(ji.kind, "ConfigMap");
    /* bad JSON names where */
    assert_int_equal(k8s_object_info_get(&dyn_cms, "{\"metadata\":{\"name\":3}}", a, &ji, &err), K8S_EBADREPLY);
    assert_string_equal(err.path, "metadata.name");
    assert_int_equal(k8s_object_info_get(NULL, reply, a, &ji, &err), K8S_EINVAL);
    /* finalizers block the delete until they are gone */
    k8s_meta_v1_status *st;
    CHECK_OK(k8s_core_v1_config_map_delete(writer, a, ns, "c", NULL, &st, &err));
    CHECK_OK(k8s_core_v1_config_map_get(writer, a, ns, "c", NULL, &typed, &err));
    CHECK_OK(k8s_object_info_get(&k8s_core_v1_config_map_resource, typed, a, &ti, &err));
    assert_non_null(ti.deletion_timestamp);
    void *out;
    CHECK_OK(k8s_finalizer_remove(client, &k8s_core_v1_config_map_resource, typed, "a.example.com/x", a, &out, &err));
    CHECK_OK(k8s_finalizer_remove(client, &k8s_core_v1_config_map_resource, out, "b.example.com/y", a, &out, &err));
    assert_int_equal(k8s_core_v1_config_map_get(writer, a, ns, "c", NULL, &typed, &err), K8S_ENOTFOUND);
    k8s_arena_free(a);
}

static void test_owner_references(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("obj", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    k8s_core_v1_config_map *owner = make_cm(ns, "owner", a);
    k8s_owner_ref ref;
    CHECK_OK(k8s_owner_ref_of(&k8s_core_v1_config_map_resource, owner, a, &ref, &err));
    assert_string_equal(ref.api_version, "v1");
    assert_string_equal(ref.kind, "ConfigMap");
    assert_string_equal(ref.uid, owner->metadata->uid);
    assert_true(ref.controller && ref.block_owner_deletion);

    /* typed child: metadata made when missing; the same owner twice stays one reference */
    k8s_core_v1_config_map child = {0};
    CHECK_OK(k8s_owner_ref_set(&k8s_core_v1_config_map_desc, &child, &ref, a));
    CHECK_OK(k8s_owner_ref_set(&k8s_core_v1_config_map_desc, &child, &ref, a));
    assert_int_equal(child.metadata->ownerReferences_len, 1);
    k8s_owner_ref other = {"apps/v1", "Deployment", "web", "u-9", false, false};
    CHECK_OK(k8s_owner_ref_set(&k8s_core_v1_config_map_desc, &child, &other, a));
    assert_int_equal(child.metadata->ownerReferences_len, 2);
    child.metadata->name = "child";
    k8s_core_v1_config_map *made;
    CHECK_OK(k8s_core_v1_config_map_create(writer, a, ns, &child, NULL, &made, &err));
    assert_int_equal(made->metadata->ownerReferences_len, 2);
    assert_string_equal(made->metadata->ownerReferences[0].uid, owner->metadata->uid);
    assert_true(made->metadata->ownerReferences[0].has_controller && made->metadata->ownerReferences[0].controller);
    assert_true(made->metadata->ownerReferences[0].blockOwnerDeletion);
    assert_false(made->metadata->ownerReferences[1].has_controller);

    /* dynamic child: the reference as JSON */
    char *refjson = k8s_owner_ref_json(&ref, a), body[1024], path[128], *reply;
    snprintf(body, sizeof body, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"dyn\","
             "\"ownerReferences\":[%s]}}", refjson);
    snprintf(path, sizeof path, "/api/v1/namespaces/%s/configmaps", ns);
    CHECK_OK(k8s_request(writer, a, "POST", path, body, NULL, &reply, &err));
    k8s_object_info info;
    CHECK_OK(k8s_object_info_get(&dyn_cms, reply, a, &info, &err));
    assert_int_equal(info.owners_len, 1);
    assert_string_equal(info.owners[0].name, "owner");
    assert_true(info.owners[0].controller && info.owners[0].block_owner_deletion);

    /* an owner without a uid cannot own */
    k8s_core_v1_config_map nouid = {.metadata = &(k8s_meta_v1_object_meta){.name = "x"}};
    assert_int_equal(k8s_owner_ref_of(&k8s_core_v1_config_map_resource, &nouid, a, &ref, &err), K8S_EINVAL);
    assert_int_equal(k8s_owner_ref_set(&k8s_core_v1_object_reference_desc, &child, &ref, a), K8S_EINVAL);
    k8s_arena_free(a);
}

static void check_finalizers(const k8s_resource *r, bool dynamic)
{
    char ns[64];
    new_namespace("fin", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    make_cm(ns, "f", a);
    void *cached;
    k8s_op get = {r, NULL, K8S_VERB_GET, r->type, r->type, "ConfigMap"};
    CHECK_OK(k8s_call(writer, a, &get, &(k8s_args){.namespace_ = ns, .name = "f"}, &cached, &err));
    /* the copy goes stale: the first write conflicts, the retry reads and wins */
    touch_cm(ns, "f", dynamic ? "d" : "t");
    void *out;
    CHECK_OK(k8s_finalizer_add(client, r, cached, "example.com/cleanup", a, &out, &err));
    k8s_object_info info;
    CHECK_OK(k8s_object_info_get(r, out, a, &info, &err));
    assert_true(k8s_object_has_finalizer(&info, "example.com/cleanup"));
    k8s_core_v1_config_map *now;
    CHECK_OK(k8s_core_v1_config_map_get(writer, a, ns, "f", NULL, &now, &err));
    assert_int_equal(now->metadata->finalizers_len, 1);
    assert_int_equal(now->data_len, 2); /* the concurrent change is kept */
    /* present already: nothing is written */
    const char *rv = info.resource_version;
    CHECK_OK(k8s_finalizer_add(client, r, out, "example.com/cleanup", a, &out, &err));
    CHECK_OK(k8s_object_info_get(r, out, a, &info, &err));
    assert_string_equal(info.resource_version, rv);
    /* another finalizer joins; deleting waits for both */
    CHECK_OK(k8s_finalizer_add(client, r, out, "example.com/second", a, &out, &err));
    k8s_meta_v1_status *st;
    CHECK_OK(k8s_core_v1_config_map_delete(writer, a, ns, "f", NULL, &st, &err));
    CHECK_OK(k8s_call(writer, a, &get, &(k8s_args){.namespace_ = ns, .name = "f"}, &cached, &err));
    CHECK_OK(k8s_finalizer_remove(client, r, cached, "example.com/cleanup", a, &out, &err));
    CHECK_OK(k8s_core_v1_config_map_get(writer, a, ns, "f", NULL, &now, &err));
    assert_int_equal(now->metadata->finalizers_len, 1);
    assert_string_equal(now->metadata->finalizers[0], "example.com/second");
    CHECK_OK(k8s_finalizer_remove(client, r, out, "example.com/second", a, &out, &err));
    assert_int_equal(k8s_core_v1_config_map_get(writer, a, ns, "f", NULL, &now, &err), K8S_ENOTFOUND);
    /* and a finalizer on something gone is K8S_ENOTFOUND */
    assert_int_equal(k8s_finalizer_add(client, r, cached, "example.com/late", a, &out, &err), K8S_ENOTFOUND);
    k8s_arena_free(a);
}

static void test_finalizers(void **state)
{
    (void)state;
    need_server();
    check_finalizers(&k8s_core_v1_config_map_resource, false);
    check_finalizers(&dyn_cms, true);
}

/* ---- status through the status subresource ---- */

static const char deployment_json[] =
    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"},\"spec\":{\"replicas\":2,"
    "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},"
    "\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.27\"}]}}}}";

typedef struct mutation {
    int calls;
    int32_t ready;
    bool skip;
} mutation;

static k8s_code set_ready_typed(void *data, void **obj, k8s_arena *arena)
{
    mutation *m = data;
    m->calls++;
    if (m->skip)
        return K8S_EDONE;
    k8s_apps_v1_deployment *d = *obj;
    if (!d->status && !(d->status = k8s_arena_alloc(arena, sizeof *d->status)))
        return K8S_ENOMEM;
    d->status->has_readyReplicas = true;
    d->status->readyReplicas = m->ready;
    return K8S_OK;
}

static k8s_code set_ready_json(void *data, void **obj, k8s_arena *arena)
{
    mutation *m = data;
    m->calls++;
    cJSON *doc = cJSON_Parse(*obj);
    if (!doc)
        return K8S_EINVAL;
    cJSON_DeleteItemFromObject(doc, "status");
    cJSON *status = cJSON_AddObjectToObject(doc, "status");
    cJSON_AddNumberToObject(status, "readyReplicas", m->ready);
    char *text = cJSON_PrintUnformatted(doc);
    *obj = k8s_arena_strdup(arena, text);
    free(text);
    cJSON_Delete(doc);
    return *obj ? K8S_OK : K8S_ENOMEM;
}

static k8s_code refuse(void *data, void **obj, k8s_arena *arena)
{
    (void)data, (void)obj, (void)arena;
    return K8S_EINVALID;
}

static void check_status(const k8s_resource *r, k8s_mutate_fn fn)
{
    char ns[64], path[128], *reply;
    new_namespace("st", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    snprintf(path, sizeof path, "/apis/apps/v1/namespaces/%s/deployments", ns);
    CHECK_OK(k8s_request(writer, a, "POST", path, deployment_json, NULL, &reply, &err));
    void *cached;
    k8s_op get = {r, NULL, K8S_VERB_GET, r->type, r->type, "Deployment"};
    CHECK_OK(k8s_call(writer, a, &get, &(k8s_args){.namespace_ = ns, .name = "web"}, &cached, &err));
    /* stale: someone scales it meanwhile */
    k8s_apps_v1_deployment *d;
    k8s_patch_options po = {.type = K8S_PATCH_MERGE};
    CHECK_OK(k8s_apps_v1_deployment_patch(writer, a, ns, "web", "{\"spec\":{\"replicas\":3}}", &po, &d, &err));
    mutation m = {.ready = 2};
    void *out;
    CHECK_OK(k8s_status_update(client, r, cached, fn, &m, a, &out, &err));
    assert_int_equal(m.calls, 2); /* once on the stale copy, once on the fresh one */
    CHECK_OK(k8s_apps_v1_deployment_get(writer, a, ns, "web", NULL, &d, &err));
    assert_int_equal(d->status->readyReplicas, 2);
    assert_int_equal(d->spec->replicas, 3); /* the status write leaves the spec alone */
    /* nothing to change: no write */
    mutation skip = {.skip = true};
    CHECK_OK(k8s_status_update(client, r, out, fn == set_ready_typed ? set_ready_typed : set_ready_json, &skip, a,
                               &out, &err));
    assert_int_equal(skip.calls, 1);
    /* a mutation that fails stops it */
    assert_int_equal(k8s_status_update(client, r, out, refuse, NULL, a, &out, &err), K8S_EINVALID);
    k8s_arena_free(a);
}

static void test_status_update(void **state)
{
    (void)state;
    need_server();
    check_status(&k8s_apps_v1_deployment_resource, set_ready_typed);
    check_status(&dyn_deployments, set_ready_json);
}

/* ---- server-side apply ---- */

static void test_apply(void **state)
{
    (void)state;
    need_server();
    char ns[64];
    new_namespace("ssa", ns, sizeof ns);
    k8s_arena *a = k8s_arena_new();
    k8s_error err;
    /* no kind or apiVersion in the struct: filled in */
    k8s_string_entry data = {"color", "blue"};
    k8s_meta_v1_object_meta meta = {.name = "applied", .namespace_ = ns};
    k8s_core_v1_config_map cm = {.metadata = &meta, .data = &data, .data_len = 1};
    void *out;
    CHECK_OK(k8s_apply(client, &k8s_core_v1_config_map_resource, NULL, &cm, "ctl", false, a, &out, &err));
    k8s_core_v1_config_map *got = out;
    assert_string_equal(got->data[0].value, "blue");
    assert_null(cm.kind); /* the caller's struct is only read */
    assert_string_equal(got->metadata->managedFields[0].manager, "ctl");
    assert_string_equal(got->metadata->managedFields[0].operation, "Apply");
    /* again, changed: an update */
    data.value = "green";
    CHECK_OK(k8s_apply(client, &k8s_core_v1_config_map_resource, NULL, &cm, "ctl", false, a, &out, &err));
    got = out;
    assert_string_equal(got->data[0].value, "green");
    /* another manager's field: a conflict, unless forced */
    const char *other = "{\"metadata\":{\"name\":\"applied\"},\"data\":{\"color\":\"red\"}}";
    assert_int_equal(k8s_apply(client, &dyn_cms, ns, other, "someone-else", false, a, &out, &err), K8S_ECONFLICT);
    assert_non_null(strstr(err.message, "conflict"));
    CHECK_OK(k8s_apply(client, &dyn_cms, ns, other, "someone-else", true, a, &out, &err));
    cJSON *doc = cJSON_Parse(out);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "data"), "color")), "red");
    cJSON_Delete(doc);
    /* no name: refused before any request */
    k8s_core_v1_config_map noname = {.metadata = &(k8s_meta_v1_object_meta){0}};
    assert_int_equal(k8s_apply(client, &k8s_core_v1_config_map_resource, ns, &noname, "ctl", false, a, &out, &err),
                     K8S_EINVAL);
    k8s_arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_info_typed_and_json),
        cmocka_unit_test(test_owner_references),
        cmocka_unit_test(test_finalizers),
        cmocka_unit_test(test_status_update),
        cmocka_unit_test(test_apply),
    };
    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}

/* The test API server fixture shared by CMocka suites (fixture.h). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fixture.h"
#include "testutil.h"

test_server srv;
k8s_config *cfg;
k8s_client *client, *writer;
static int ns_serial;

int fixture_setup(void **state)
{
    (void)state;
    if (!test_server_start(&srv, true))
        return 0;
    k8s_error err;
    k8s_config_options o = {.kubeconfig = test_server_kubeconfig(&srv, "admin", "    token: admin-token")};
    if (k8s_config_load(&cfg, &o, &err) || k8s_client_new(&client, cfg, NULL, &err) ||
        k8s_client_new(&writer, cfg, NULL, &err))
        fail_msg("client: %s", err.message);
    return 0;
}

int fixture_teardown(void **state)
{
    (void)state;
    k8s_client_free(client);
    k8s_client_free(writer);
    k8s_config_free(cfg);
    if (client)
        test_server_stop(&srv);
    return 0;
}

void need_server(void)
{
    if (!client) {
        test_skip("the test API server could not start (node or openssl missing?)");
    }
}

void control(const char *method, const char *path, const char *json)
{
    int st = test_server_control(&srv, method, path, json, NULL);
    if (st != 200)
        fail_msg("%s %s: HTTP %d", method, path, st);
}

typedef struct own_client {
    k8s_client *client;
    k8s_config *config;
} own_client;
static own_client own[4];

k8s_client *fixture_client_as(const char *name, const char *user_yaml)
{
    own_client *o = NULL;
    for (size_t i = 0; !o && i < sizeof own / sizeof own[0]; i++)
        if (!own[i].client)
            o = &own[i];
    assert_non_null(o);
    k8s_error err;
    k8s_config_options opts = {.kubeconfig = test_server_kubeconfig(&srv, name, user_yaml)};
    if (k8s_config_load(&o->config, &opts, &err) || k8s_client_new(&o->client, o->config, NULL, &err))
        fail_msg("client %s: %s", name, err.message);
    return o->client;
}

void fixture_client_free(k8s_client *c)
{
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (own[i].client == c) {
            k8s_client_free(c);
            k8s_config_free(own[i].config);
            own[i] = (own_client){0};
        }
}

const char *new_namespace(const char *prefix, char *buf, size_t n)
{
    snprintf(buf, n, "%s-%d-%d", prefix, (int)getpid(), ++ns_serial);
    k8s_arena *a = k8s_arena_new();
    k8s_meta_v1_object_meta meta = {.name = buf};
    k8s_core_v1_namespace body = {.metadata = &meta}, *created;
    k8s_error err;
    CHECK_OK(k8s_core_v1_namespace_create(writer, a, &body, NULL, &created, &err));
    k8s_arena_free(a);
    return buf;
}

void put_config_map(const char *ns, const char *name, const char *value, const char *label)
{
    char key[128] = "";
    const char *eq = label ? strchr(label, '=') : NULL;
    if (eq)
        snprintf(key, sizeof key, "%.*s", (int)(eq - label), label);
    k8s_arena *a = k8s_arena_new();
    k8s_string_entry lab = {key, eq ? (char *)eq + 1 : NULL}, data = {"v", (char *)value};
    k8s_meta_v1_object_meta meta = {.name = (char *)name, .labels = eq ? &lab : NULL, .labels_len = eq ? 1 : 0};
    k8s_core_v1_config_map cm = {.metadata = &meta, .data = &data, .data_len = 1}, *out;
    k8s_error err;
    k8s_code rc = k8s_core_v1_config_map_create(writer, a, ns, &cm, NULL, &out, &err);
    if (rc == K8S_ECONFLICT) {
        k8s_core_v1_config_map *cur;
        CHECK_OK(k8s_core_v1_config_map_get(writer, a, ns, name, NULL, &cur, &err));
        meta.resourceVersion = cur->metadata->resourceVersion;
        rc = k8s_core_v1_config_map_replace(writer, a, ns, name, &cm, NULL, &out, &err);
    }
    CHECK_OK(rc);
    k8s_arena_free(a);
}

void delete_config_map(const char *ns, const char *name)
{
    k8s_arena *a = k8s_arena_new();
    k8s_meta_v1_status *gone;
    k8s_error err;
    k8s_code rc = k8s_core_v1_config_map_delete(writer, a, ns, name, NULL, &gone, &err);
    if (rc != K8S_ENOTFOUND)
        CHECK_OK(rc);
    k8s_arena_free(a);
}

void create_pod(const char *name, const char *containers, bool run)
{
    char body[1024], names[256], item[64];
    names[0] = '\0';
    for (const char *p = containers; *p;) {
        const char *q = strchr(p, ',');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        snprintf(item, sizeof item, "%s{\"name\":\"%.*s\",\"image\":\"busybox:1.36\"}", names[0] ? "," : "",
                 (int)n, p);
        strncat(names, item, sizeof names - strlen(names) - 1);
        p += n + (q ? 1 : 0);
    }
    snprintf(body, sizeof body,
             "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"%s\"},\"spec\":{\"containers\":[%s]}}",
             name, names);
    k8s_arena *a = k8s_arena_new();
    char *reply;
    k8s_error err;
    if (k8s_request(writer, a, "POST", "/api/v1/namespaces/default/pods", body, NULL, &reply, &err))
        fail_msg("create pod %s: %s", name, err.message);
    k8s_arena_free(a);
    if (run) {
        snprintf(body, sizeof body, "{\"namespace\":\"default\",\"name\":\"%s\"}", name);
        control("POST", "/_test/run-pod", body);
    }
}
